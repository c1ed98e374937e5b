// What WhatsApp refuses or frowns on in a client's stanzas, checked the way
// the references send them (protocol-notes §8, §9). Each finding becomes a
// `!!` line in the stanza log; system tests fail on any such line.
import { proto } from 'baileys';
import { child, children, bytes } from './nodes.js';
import * as curve from './curve.js';

/** Servers whose JIDs have no user part; both references encode them as JID pairs. */
const SERVERS = new Set(['s.whatsapp.net', 'g.us', 'lid', 'broadcast', 'call', 'newsletter',
	'c.us', 'bot', 'hosted', 'hosted.lid']);
/** Attributes that hold JIDs. */
const JID_ATTRS = ['to', 'from', 'jid', 'participant', 'recipient', 'target'];
/** `06 00`: the account signature's prefix (protocol-notes §4). */
const ACCOUNT_SIG_PREFIX = Buffer.from([6, 0]);
const DEVICE_SIG_PREFIX = Buffer.from([6, 1]);

/**
 * A server JID given as the bare token `s.whatsapp.net`: Baileys' decoder
 * turns a JID pair with an empty user into "@s.whatsapp.net" and a bare
 * token into "s.whatsapp.net", so the decoded string tells them apart.
 */
export function bareServerJids(n, path = '') {
	const out = [];
	if (!n || typeof n !== 'object' || !n.tag)
		return out;
	const here = `${path}<${n.tag}>`;
	for (const a of JID_ATTRS) {
		const v = n.attrs?.[a];
		if (typeof v === 'string' && SERVERS.has(v))
			out.push(`${here} ${a}='${v}' is a bare token, not a JID (want the JID pair @${v})`);
	}
	for (const c of children(n))
		out.push(...bareServerJids(c, here));
	return out;
}

/**
 * Checks a <device-identity> a linked device sent (messages, retry keys):
 * the full ADVSignedDeviceIdentity with the account signature key, signed by
 * the account and the device (whatsmeow send.go marshals Store.Account).
 * Returns null when good, else what is wrong.
 */
export function deviceIdentityProblem(bytesIn, device, phone) {
	let s;
	try {
		s = proto.ADVSignedDeviceIdentity.decode(bytesIn);
	} catch {
		return 'undecodable ADVSignedDeviceIdentity';
	}
	const details = Buffer.from(s.details || []);
	const accountKey = Buffer.from(s.accountSignatureKey || []);
	if (!details.length)
		return 'no details';
	if (!accountKey.length)
		return 'no accountSignatureKey (it must be the full identity from pair-success)';
	if (!accountKey.equals(curve.unb64(phone.accountPub)))
		return 'accountSignatureKey is not the account\'s';
	const identity = curve.unb64(device.identityKey);
	if (!curve.verify(accountKey, Buffer.concat([ACCOUNT_SIG_PREFIX, details, identity]),
	    Buffer.from(s.accountSignature || [])))
		return 'accountSignature does not verify';
	if (!curve.verify(identity, Buffer.concat([DEVICE_SIG_PREFIX, details, identity, accountKey]),
	    Buffer.from(s.deviceSignature || [])))
		return 'deviceSignature does not verify';
	return null;
}

/**
 * Users a usync may list without looking like a contact scrape: a 1:1 send
 * asks for the recipient and our own account (whatsmeow sendDM passes
 * [to, ownID]; Baileys getUSyncDevices([me, jid])), a LID or contact lookup
 * one person at a time. Our own account is not counted.
 */
export const USYNC_MAX_OTHERS = 1;

export function usyncUsers(n) {
	const us = child(n, 'usync');
	return children(child(us, 'list'), 'user').map((u) => {
		if (u.attrs.jid)
			return u.attrs.jid;
		const c = bytes(child(u, 'contact'));
		return c ? c.toString() : '?';
	});
}

/** Receipt types a device may send for what it received (protocol-notes §8). */
export const RECEIPT_TYPES = new Set([undefined, 'inactive', 'read', 'read-self', 'played',
	'played-self', 'retry', 'sender', 'peer_msg', 'hist_sync', 'server-error']);
