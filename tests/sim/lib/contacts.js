// Simulated contacts: WhatsApp users with a phone and, optionally, linked
// web/desktop companions, each device with its own Signal identity
// (libsignal). They write to linked devices (pkmsg first, then msg) from
// their device JIDs, issue privacy tokens, decrypt what devices send them
// into an inbox per device, ask for retries, reinstall, and announce device
// changes (protocol-notes §8, §9).
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { proto } from 'baileys';
import { node, children, child, bytes, beBytes, nowSec, messageId, serverId } from './nodes.js';
import { randomLid } from './registry.js';
import { SimError } from './errors.js';
import { deviceIdentityProblem } from './strict.js';
import { describe as describeReceived, expectedTypes, mediaMessage } from './received.js';
import * as curve from './curve.js';

const require = createRequire(import.meta.url);
const libsignal = require('libsignal');

/** Inbox entries kept per contact. */
const MAX_INBOX = 1000;
/** Sent messages kept per contact for retries. */
const MAX_SENT = 200;
/** Retries answered per message, as WhatsApp clients stop after 5. */
const MAX_RETRIES = 5;
/** A contact's device sends retry receipts up to count 4 (whatsmeow retry.go: not at 5). */
const MAX_RETRY_RECEIPTS = 4;
/** Longest text a contact sends (WhatsApp allows 65536 characters). */
const MAX_TEXT = 65536;
/** Longest text `repeat` builds (a modified client's, 1 MiB). */
const MAX_REPEATED = 1 << 20;
/** Devices a contact may have: a phone and up to four companions, as WhatsApp allows. */
const MAX_DEVICES = 5;
/** Companion device ids given out in order (not contiguous, as real ones are not). */
const COMPANION_IDS = [5, 12, 19, 26, 33, 40, 47];
/** Messages whose per-device results are kept for GET .../messages. */
const MAX_RESULTS = 500;

export function pad(buf) {
	const n = 1 + crypto.randomInt(0, 16);
	return Buffer.concat([buf, Buffer.alloc(n, n)]);
}

/** Any pad 1..length (whatsmeow message.go, Baileys generics). */
function unpad(buf) {
	const n = buf.length ? buf[buf.length - 1] : 0;
	if (n < 1 || n > buf.length)
		throw new Error('bad message padding');
	return buf.subarray(0, buf.length - n);
}

function textOf(m) {
	if (!m)
		return null;
	if (m.deviceSentMessage?.message)
		return textOf(m.deviceSentMessage.message);
	return m.conversation || m.extendedTextMessage?.text || null;
}

/** The bundle a retry receipt carries in <keys> (whatsmeow sendRetryReceipt). */
function bundleFromKeys(keys, reg) {
	const get = (parent, tag) => bytes(children(parent, tag)[0]);
	const key = children(keys, 'key')[0];
	const skey = children(keys, 'skey')[0];
	const identity = get(keys, 'identity');
	if (!reg || reg.length !== 4 || !identity || !skey)
		return null;
	const preKey = key ? { id: get(key, 'id').readUIntBE(0, 3), public: get(key, 'value') } : undefined;
	return {
		registrationId: reg.readUInt32BE(0), identity,
		signedPreKey: { id: get(skey, 'id').readUIntBE(0, 3), public: get(skey, 'value'),
			signature: get(skey, 'signature') },
		preKey
	};
}

/**
 * libsignal-node's SessionCipher tries a msg on each session of the record
 * in place: every one it tries steps its ratchet (maybeStepRatchet runs
 * before the MAC check), and the record is stored with them all once one
 * succeeds. A message on an older session thus gives the open session a
 * ratchet the peer never saw, and what the device writes next cannot be
 * read (the torture test's "cannot decrypt msg (Bad message)"). WhatsApp's
 * clients try each session on a copy and keep only the one that decrypted
 * (libsignal SessionCipher, libsignal-protocol-c
 * session_cipher_decrypt_from_record_and_signal_message); so does this.
 */
class SessionCipher extends libsignal.SessionCipher {
	async decryptWithSessions(data, sessions) {
		if (!sessions.length)
			throw new libsignal.SessionError('No sessions available');
		for (const session of sessions) {
			const trial = session.constructor.deserialize(session.serialize());
			let plaintext;
			try {
				plaintext = await this.doDecryptWhisperMessage(data, trial);
			} catch {
				continue;
			}
			trial.indexInfo.used = Date.now();
			for (const k of Object.keys(session))
				delete session[k];
			Object.assign(session, trial);
			return { session, plaintext };
		}
		throw new libsignal.SessionError('No matching sessions found for message');
	}
}

/** Fresh Signal keys for one device of a contact. */
export function newDeviceKeys(id, keyIndex) {
	const ik = curve.generateKeyPair();
	const spk = curve.generateKeyPair();
	return {
		id, keyIndex,
		identity: { private: curve.b64(ik.private), public: curve.b64(ik.public) },
		registrationId: 1 + crypto.randomInt(0, 16380),
		signedPreKey: {
			id: 1, private: curve.b64(spk.private), public: curve.b64(spk.public),
			signature: curve.b64(curve.sign(ik.private, curve.signalPub(spk.public)))
		},
		prekeys: {}, nextPreKeyId: 1, sessions: {}, identities: {}
	};
}

/** libsignal storage over one device of a contact. */
class DeviceStore {
	constructor(contacts, dev) {
		this.contacts = contacts;
		this.d = dev;
	}
	save() { this.contacts.save(); }
	async getOurIdentity() {
		return { pubKey: curve.signalPub(curve.unb64(this.d.identity.public)),
			privKey: curve.unb64(this.d.identity.private) };
	}
	async getOurRegistrationId() { return this.d.registrationId; }
	async isTrustedIdentity(id, key) {
		// Trust on first use, like a phone that has not verified safety numbers.
		const k = curve.b64(curve.signalPub(key));
		if (!this.d.identities[id]) {
			this.d.identities[id] = k;
			this.save();
		}
		return true;
	}
	async loadPreKey(id) {
		const k = this.d.prekeys[id];
		return k ? { pubKey: curve.signalPub(curve.unb64(k.public)), privKey: curve.unb64(k.private) } : undefined;
	}
	async removePreKey(id) {
		delete this.d.prekeys[id];
		this.save();
	}
	async loadSignedPreKey(id) {
		const k = this.d.signedPreKey;
		if (k.id !== id)
			return undefined;
		return { pubKey: curve.signalPub(curve.unb64(k.public)), privKey: curve.unb64(k.private) };
	}
	async loadSession(addr) {
		const s = this.d.sessions[addr];
		return s ? libsignal.SessionRecord.deserialize(s) : undefined;
	}
	async storeSession(addr, record) {
		this.d.sessions[addr] = record.serialize();
		this.save();
	}
}

const JID_RE = /^([0-9]+)(?::([0-9]+))?@(s\.whatsapp\.net|lid)$/;

export class Contacts {
	constructor(sim) {
		this.sim = sim;
		if (!sim.store.get('contacts'))
			sim.store.set('contacts', {});
		for (const c of Object.values(this.all))
			upgrade(c);
		/** Per-message results of what devices sent contacts: id -> record. */
		this.results = new Map();
	}

	get all() { return this.sim.store.get('contacts'); }
	save() { this.sim.store.touch('contacts'); }

	/** persist false: the caller writes the contacts once (bulk.js). */
	create(b, persist = true) {
		const phone = String(b.phone ?? '');
		if (!/^[1-9][0-9]{5,17}$/.test(phone))
			throw new SimError(400, 'phone must be 6-18 digits');
		if (this.sim.registry.phones[phone])
			throw new SimError(409, 'that number is a simulated phone with linked devices');
		let lid = null;
		if (b.lid === true)
			lid = randomLid();
		else if (typeof b.lid === 'string' && /^[1-9][0-9]{5,20}$/.test(b.lid))
			lid = b.lid;
		else if (b.lid !== undefined && b.lid !== false && b.lid !== null)
			throw new SimError(400, 'lid must be true or a digit string');
		let ndev = 1;
		if (b.devices !== undefined) {
			ndev = Number(b.devices);
			if (!Number.isInteger(ndev) || ndev < 1 || ndev > MAX_DEVICES)
				throw new SimError(400, `devices must be 1..${MAX_DEVICES}`);
		}
		let c = this.all[phone];
		if (!c) {
			const acct = curve.generateKeyPair();
			c = {
				phone, account: { private: curve.b64(acct.private), public: curve.b64(acct.public) },
				devices: { 0: newDeviceKeys(0, 0) }, nextKeyIndex: 1,
				inbox: [], receipts: [], sent: [], tokens: {}, retries: {}, undecryptable: {}
			};
		}
		while (Object.keys(c.devices).length < ndev)
			this.addDevice(c);
		// Every WhatsApp account has a LID (usync <lid/> answers it); `lid` in
		// the request makes the contact write from it (addressing_mode lid).
		if (lid || b.lid === true)
			c.lidAddressing = true;
		else if (b.lid === false)
			c.lidAddressing = false;
		c.lidAddressing ??= false;
		c.lid = lid ?? c.lid ?? randomLid();
		c.pn = b.pn === undefined ? (c.pn ?? true) : !!b.pn;
		c.issuesTokens = b.tokens === undefined ? (c.issuesTokens ?? true) : !!b.tokens;
		if (b.idLength !== undefined) {
			if (b.idLength !== 22 && b.idLength !== 40)
				throw new SimError(400, 'idLength must be 22 or 40');
			c.idLength = b.idLength;
		}
		c.name = typeof b.name === 'string' ? b.name.slice(0, 64) : (c.name || `Contact ${phone}`);
		this.all[phone] = c;
		if (persist)
			this.sim.store.set('contacts', this.all);
		return this.describe(c);
	}

	describe(c) {
		return { phone: c.phone, jid: this.jidOf(c), lid: `${c.lid}@lid`,
			devices: this.deviceIds(c).map((id) => this.deviceJidOf(c, id)) };
	}

	addDevice(c, id) {
		const ids = this.deviceIds(c);
		if (ids.length >= MAX_DEVICES)
			throw new SimError(409, `a contact has at most ${MAX_DEVICES} devices`);
		const next = id ?? COMPANION_IDS.find((x) => !ids.includes(x));
		if (!Number.isInteger(next) || next < 1 || next > 99 || ids.includes(next))
			throw new SimError(400, 'device must be a free id 1..99');
		c.devices[next] = newDeviceKeys(next, c.nextKeyIndex++);
		return next;
	}

	deviceIds(c) { return Object.keys(c.devices).map(Number).sort((a, b) => a - b); }

	/** The chat JID of a contact: its LID when it has one, else its number. */
	jidOf(c) { return c.lidAddressing ? `${c.lid}@lid` : `${c.phone}@s.whatsapp.net`; }

	/** A device's JID in the contact's addressing: the phone (0) has no device part. */
	deviceJidOf(c, id) {
		const [user, server] = this.jidOf(c).split('@');
		return id ? `${user}:${id}@${server}` : `${user}@${server}`;
	}

	list() {
		return Object.values(this.all).map((c) => ({ ...this.describe(c), inbox: c.inbox.length }));
	}

	find(user, server) {
		if (server === 'lid')
			return Object.values(this.all).find((c) => c.lid === user);
		return this.all[user];
	}

	byJid(jid) {
		const m = JID_RE.exec(jid || '');
		return m ? this.find(m[1], m[3]) : undefined;
	}

	/** {c, dev} for a device JID of a contact (no device part = the phone). */
	deviceByJid(jid) {
		const m = JID_RE.exec(jid || '');
		const c = m && this.find(m[1], m[3]);
		if (!c)
			return null;
		const dev = c.devices[Number(m[2] || 0)];
		return dev ? { c, dev } : { c, dev: null };
	}

	get(phone) {
		const c = this.all[phone];
		if (!c)
			throw new SimError(404, 'no such contact');
		return c;
	}

	userInfo(user, server) {
		const c = this.find(user, server);
		return c ? { lid: c.lid, devices: this.deviceIds(c).map((id) => ({ id, keyIndex: c.devices[id].keyIndex })) } : null;
	}

	/** A fresh one-time prekey per fetch, like a phone keeping its pool full. */
	bundleFor(jid) {
		const r = this.deviceByJid(jid);
		if (!r?.dev)
			return null;
		return this.freshBundle(r.dev);
	}

	freshBundle(dev) {
		const id = dev.nextPreKeyId++;
		const kp = curve.generateKeyPair();
		dev.prekeys[id] = { private: curve.b64(kp.private), public: curve.b64(kp.public) };
		this.save();
		return {
			registrationId: dev.registrationId,
			identity: curve.unb64(dev.identity.public),
			signedPreKey: { id: dev.signedPreKey.id, public: curve.unb64(dev.signedPreKey.public),
				signature: curve.unb64(dev.signedPreKey.signature) },
			preKey: { id, public: kp.public }
		};
	}

	inbox(phone) {
		return this.get(phone).inbox;
	}

	/**
	 * What linked devices sent this contact, one record per message id with
	 * each of the contact's devices: `ok`, `missing` (no <to> for it) or the
	 * decryption error; `delivered` only when every device decrypted it.
	 */
	messages(phone) {
		const c = this.get(phone);
		const out = [];
		for (const r of this.results.values()) {
			if (r.contact !== c.phone)
				continue;
			const devices = {};
			for (const id of this.deviceIds(c))
				devices[this.deviceJidOf(c, id)] = r.devices[id] || 'missing';
			out.push({ id: r.id, from: r.from, to: r.to, text: r.text, t: r.t, devices,
				delivered: Object.values(devices).every((v) => v === 'ok'), ack: r.ack });
		}
		return out;
	}

	// The contact writes

	/** The contact sends text from one of its devices to a phone's linked devices. */
	async send(phone, b) {
		const c = this.get(phone);
		// media: a file the contact sends, encrypted and put on the CDN first (lib/received.js)
		if (b.media !== undefined && b.message === undefined) {
			try {
				b = { ...b, message: mediaMessage(this.sim.media, b.media) };
			} catch (e) {
				throw new SimError(400, e.message);
			}
		}
		// message: any WAProto Message as JSON (media, locations, ...: lib/media.js)
		if (b.message !== undefined ? typeof b.message !== 'object' || b.message === null :
		    typeof b.text !== 'string' || !b.text || b.text.length > MAX_TEXT)
			throw new SimError(400, 'text must be a non-empty string (or message an object)');
		if (b.to === undefined) {
			// With a single simulated phone, "to" may be left out.
			const phones = Object.keys(this.sim.registry.phones);
			if (phones.length === 1)
				b = { ...b, to: `${phones[0]}@s.whatsapp.net` };
		}
		if (typeof b.to !== 'string')
			throw new SimError(400, 'to (jid) is required');
		const m = JID_RE.exec(b.to);
		if (!m)
			throw new SimError(400, 'to must be a user or device jid');
		const fromId = Number(b.device ?? 0);
		const dev = c.devices[fromId];
		if (!dev)
			throw new SimError(400, `the contact has no device ${b.device}`);
		const idLength = b.idLength ?? c.idLength ?? 22;
		if (idLength !== 22 && idLength !== 40)
			throw new SimError(400, 'idLength must be 22 or 40');
		let corrupt = 0;
		if (b.corrupt === true)
			corrupt = 1;
		else if (b.corrupt !== undefined && b.corrupt !== false) {
			corrupt = Number(b.corrupt);
			if (!Number.isInteger(corrupt) || corrupt < 0 || corrupt > 10)
				throw new SimError(400, 'corrupt must be true or 0..10 (how many sends are mangled)');
		}
		if (b.repeat !== undefined) {
			// Beyond what WhatsApp's apps send: a modified client's text, which
			// the server relays as it is (no-stall tests: 1 MiB of control chars).
			const n = Number(b.repeat);
			if (b.text === undefined || !Number.isInteger(n) || n < 1 || b.text.length * n > MAX_REPEATED)
				throw new SimError(400, `repeat must be 1.. with text x repeat up to ${MAX_REPEATED} characters`);
			b = { ...b, text: b.text.repeat(n) };
		}
		const target = this.sim.deviceJid(`${m[1]}:${m[2] || 0}@${m[3]}`);
		const ph = /^([0-9]+):/.exec(target)?.[1];
		let devices = this.sim.registry.devicesOf(ph);
		if (m[2] !== undefined)
			devices = devices.filter((d) => d.jid === target);
		if (!devices.length)
			throw new SimError(404, 'no linked device to deliver to');
		this.issueToken(c, ph);
		const id = messageId(idLength);
		const t = nowSec();
		for (const d of devices) {
			// message: kept as given (JSON), so a retry re-encrypts the same content
			const entry = { id, text: b.text, message: b.message, to: d.jid, t, device: fromId, corrupt };
			c.sent.push(entry);
			await this.sendEntry(c, d, entry, undefined, undefined);
		}
		if (c.sent.length > MAX_SENT)
			c.sent.splice(0, c.sent.length - MAX_SENT);
		this.save();
		return { id, from: this.deviceJidOf(c, fromId), to: devices.map((d) => d.jid) };
	}

	/** Encrypts and queues one sent entry for one linked device (again on a retry). */
	async sendEntry(c, d, entry, count, bundle) {
		const dev = c.devices[entry.device];
		const enc = await this.encryptFor(dev, d, entry.message !== undefined ? pad(Buffer.from(
		    proto.Message.encode(proto.Message.fromObject(entry.message)).finish())) :
		    this.plaintext(entry.text), bundle);
		// corrupt: the device cannot decrypt it and must ask for a retry
		// (a msg ends with its MAC; a pkmsg's middle holds keys and the inner message).
		if (entry.corrupt > 0) {
			entry.corrupt--;
			enc.body[enc.type === 'msg' ? enc.body.length - 1 : enc.body.length >> 1] ^= 0x55;
		}
		this.sim.deliver(d.jid, this.messageNode(c, dev, entry.id, entry.t, enc, count), 'contact');
	}

	/**
	 * The contact's privacy token for an account, issued by notification to
	 * its linked devices before the first message (whatsmeow notification.go
	 * handlePrivacyTokenNotification reads this shape).
	 */
	issueToken(c, accountPhone, after = 0) {
		if (!c.issuesTokens || !accountPhone || c.tokens[accountPhone])
			return;
		// A newer token has a later time: clients keep the newest (Baileys tc-token-utils).
		const tok = { token: crypto.randomBytes(24).toString('base64'), t: Math.max(nowSec(), after + 1) };
		c.tokens[accountPhone] = tok;
		for (const d of this.sim.registry.devicesOf(accountPhone))
			this.sim.deliver(d.jid, node('notification', {
				from: this.jidOf(c), type: 'privacy_token', id: serverId(), t: tok.t
			}, [node('tokens', {}, [node('token', { jid: d.jid, t: tok.t, type: 'trusted_contact' },
				Buffer.from(tok.token, 'base64'))])]));
	}

	/**
	 * The contact issues a new token to every account it gave one (or to
	 * `account`), with the notification unless notify is false: then the
	 * devices hold a stale token and the server refuses their sends (463).
	 */
	rotateToken(phone, b) {
		const c = this.get(phone);
		const accounts = b.account !== undefined ? [String(b.account)] : Object.keys(c.tokens);
		if (!accounts.length)
			throw new SimError(409, 'the contact has issued no token yet');
		for (const a of accounts) {
			const before = c.tokens[a]?.t || 0;
			delete c.tokens[a];
			if (b.notify === false)
				c.tokens[a] = { token: crypto.randomBytes(24).toString('base64'), t: Math.max(nowSec(), before + 1) };
			else
				this.issueToken(c, a, before);
		}
		this.save();
		return { accounts };
	}

	plaintext(text) {
		return pad(Buffer.from(proto.Message.encode({ conversation: text }).finish()));
	}

	messageNode(c, dev, id, t, enc, count) {
		const content = [node('enc', { v: 2, type: enc.type, count }, enc.body)];
		// A companion's pkmsg proves its place in the account (whatsmeow send.go).
		if (enc.type === 'pkmsg' && dev.id)
			content.push(node('device-identity', {}, this.deviceIdentity(c, dev)));
		return node('message', {
			from: this.deviceJidOf(c, dev.id), id, t, type: 'text', notify: c.name,
			sender_pn: c.lidAddressing && c.pn ? `${c.phone}@s.whatsapp.net` : undefined,
			addressing_mode: c.lidAddressing ? 'lid' : 'pn'
		}, content);
	}

	/** ADVSignedDeviceIdentity of a companion, signed by the contact's account key. */
	deviceIdentity(c, dev) {
		const details = Buffer.from(proto.ADVDeviceIdentity.encode({
			rawId: 1, timestamp: nowSec(), keyIndex: dev.keyIndex, accountType: 0, deviceType: 0
		}).finish());
		const identity = curve.unb64(dev.identity.public);
		const accountPub = curve.unb64(c.account.public);
		const accountSignature = curve.sign(curve.unb64(c.account.private),
		    Buffer.concat([Buffer.from([6, 0]), details, identity]));
		const deviceSignature = curve.sign(curve.unb64(dev.identity.private),
		    Buffer.concat([Buffer.from([6, 1]), details, identity, accountPub]));
		return Buffer.from(proto.ADVSignedDeviceIdentity.encode({
			details, accountSignatureKey: accountPub, accountSignature, deviceSignature
		}).finish());
	}

	/**
	 * A device could not decrypt a contact's message and sent a retry receipt:
	 * start a new session (from the keys in the receipt, else a fetched bundle)
	 * and send the message again with the same id (whatsmeow retry.go, Baileys
	 * messages-recv sendRetryRequest).
	 */
	async retry(c, conn, n) {
		const r = children(n, 'retry')[0];
		const count = Number(r?.attrs.count || 1);
		const sent = c.sent.find((x) => x.id === n.attrs.id && x.to === conn.jid);
		if (!sent || !(count >= 1 && count <= MAX_RETRIES))
			return;
		const d = this.sim.registry.device(conn.jid);
		const dev = c.devices[sent.device];
		const keys = children(n, 'keys')[0];
		if (count >= 2 && !keys)
			this.sim.log.add('!!', conn.id, conn.jid, `retry receipt #${count} for ${n.attrs.id} without <keys> (whatsmeow adds them from the second on)`);
		if (keys)
			this.checkKeysIdentity(conn, keys);
		delete dev.sessions[this.addrOf(d).toString()];
		const bundle = keys ? bundleFromKeys(keys, bytes(children(n, 'registration')[0])) : null;
		await this.sendEntry(c, d, sent, count, bundle);
	}

	checkKeysIdentity(conn, keys) {
		const di = bytes(child(keys, 'device-identity'));
		const d = this.sim.registry.device(conn.jid);
		if (!di) {
			this.sim.log.add('!!', conn.id, conn.jid, 'retry receipt <keys> without <device-identity>');
			return;
		}
		const bad = deviceIdentityProblem(di, d, this.sim.registry.phones[d.phone]);
		if (bad)
			this.sim.log.add('!!', conn.id, conn.jid, `retry receipt <device-identity>: ${bad}`);
	}

	addrOf(d) { return new libsignal.ProtocolAddress(d.phone, d.device); }

	async encryptFor(dev, d, plain, bundle) {
		const store = new DeviceStore(this, dev);
		const addr = this.addrOf(d);
		if (!dev.sessions[addr.toString()]) {
			const b = bundle || this.sim.bundleFor(d.jid);
			await new libsignal.SessionBuilder(store, addr).initOutgoing({
				registrationId: b.registrationId,
				identityKey: curve.signalPub(b.identity),
				signedPreKey: { keyId: b.signedPreKey.id, publicKey: curve.signalPub(b.signedPreKey.public),
					signature: b.signedPreKey.signature },
				preKey: b.preKey ? { keyId: b.preKey.id, publicKey: curve.signalPub(b.preKey.public) } : undefined
			});
		}
		const r = await new libsignal.SessionCipher(store, addr).encrypt(plain);
		const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'binary');
		return { type: r.type === 3 ? 'pkmsg' : 'msg', body };
	}

	// Linked devices write to contacts

	/**
	 * Privacy tokens (protocol-notes §8): with the server prop on, a 1:1
	 * send to a contact that issued this account a token must carry it in
	 * <tctoken>; else the server refuses it with 463. Returns the error code
	 * for the ack, or null.
	 */
	vetSend(conn, n) {
		// The chat is the user, never one of its devices (whatsmeow send.go refuses
		// a device JID); only a retry resend goes to one device, without fanout.
		if (/:[0-9]+@/.test(n.attrs.to || '') && n.attrs.device_fanout !== 'false')
			this.sim.log.add('!!', conn.id, conn.jid, `message ${n.attrs.id} addressed to the device ${n.attrs.to}, not to its chat`);
		const c = this.byJid(n.attrs.to);
		if (!c || !this.sim.props.privacyTokens)
			return null;
		const from = this.sim.registry.device(conn.jid);
		const tok = from && c.tokens[from.phone];
		if (!tok)
			return null;	// never issued one: nothing to present (whatsmeow sends none)
		if (n.attrs.device_fanout === 'false')
			return null;	// retry resends carry none (Baileys isRetryResend)
		const got = bytes(child(n, 'tctoken'));
		if (got && got.equals(Buffer.from(tok.token, 'base64')))
			return null;
		this.sim.log.add('!!', conn.id, conn.jid, `message ${n.attrs.id} to ${n.attrs.to} ${got ? 'with a wrong' : 'without'} <tctoken>: refused 463`);
		return 463;
	}

	/** A device sent a message: decrypt the parts addressed to contacts, relay the rest. */
	async onMessage(conn, n) {
		const from = this.sim.registry.device(conn.jid);
		const tos = children(n, 'participants').flatMap((p) => children(p, 'to'));
		const direct = children(n, 'enc');
		if (!tos.length && direct.length)
			tos.push({ tag: 'to', attrs: { jid: n.attrs.to }, content: direct });
		const chat = this.byJid(n.attrs.to);
		let result;
		if (chat) {
			result = this.results.get(`${chat.phone}/${n.attrs.id}`);
			if (!result) {
				result = { contact: chat.phone, id: n.attrs.id, from: conn.jid, to: n.attrs.to,
					t: Number(n.attrs.t) || nowSec(), text: null, devices: {} };
				this.results.set(`${chat.phone}/${n.attrs.id}`, result);
				if (this.results.size > MAX_RESULTS)
					this.results.delete(this.results.keys().next().value);
			}
		}
		const di = bytes(child(n, 'device-identity'));
		if (di) {
			const bad = deviceIdentityProblem(di, from, this.sim.registry.phones[from.phone]);
			if (bad)
				this.sim.log.add('!!', conn.id, conn.jid, `message ${n.attrs.id} <device-identity>: ${bad}`);
		}
		let pkmsg = false;
		for (const to of tos) {
			const enc = children(to, 'enc')[0];
			const body = bytes(enc);
			if (!enc || !body)
				continue;
			pkmsg ||= enc.attrs.type === 'pkmsg';
			const dev = this.sim.registry.device(this.sim.deviceJid(to.attrs.jid));
			if (dev && !dev.removed) {
				// Another linked device: our own (a sent-message copy, with recipient)
				// or another simulated phone's (a message from us).
				const ownAccount = dev.phone === from.phone;
				if (dev.jid !== conn.jid)
					this.sim.deliver(dev.jid, node('message', {
						from: conn.jid, recipient: ownAccount ? n.attrs.to : undefined, id: n.attrs.id,
						t: nowSec(), type: n.attrs.type || 'text', notify: from.pushName || undefined
					}, [node('enc', { ...enc.attrs }, body)]), ownAccount ? 'self' : 'contact');
				continue;
			}
			const r = this.deviceByJid(to.attrs.jid);
			if (!r?.c || !r.dev) {
				this.sim.log.add('!!', conn.id, conn.jid, `message to unknown ${to.attrs.jid} dropped`);
				continue;
			}
			if (chat && r.c !== chat)
				this.sim.log.add('!!', conn.id, conn.jid, `message to ${n.attrs.to} has a part for another user's device ${to.attrs.jid}`);
			await this.receive(r.c, r.dev, from, conn, n, enc, body, result);
		}
		if (pkmsg && !di && tos.some((to) => this.deviceByJid(to.attrs.jid)?.c))
			this.sim.log.add('!!', conn.id, conn.jid, `message ${n.attrs.id} has a pkmsg but no <device-identity>`);
		if (chat && n.attrs.device_fanout !== 'false')
			this.checkFanout(conn, n, chat, from, tos);
	}

	/** A send to a chat reaches every device of the contact and our own other devices. */
	checkFanout(conn, n, chat, from, tos) {
		const got = new Set(tos.map((t) => this.deviceKey(t.attrs.jid)));
		const missing = this.deviceIds(chat).filter((id) => !got.has(`${chat.phone}/${id}`))
		    .map((id) => this.deviceJidOf(chat, id));
		for (const d of this.sim.registry.devicesOf(from.phone))
			if (d.jid !== conn.jid && !got.has(d.jid))
				missing.push(d.jid);
		if (missing.length)
			this.sim.log.add('!!', conn.id, conn.jid, `message ${n.attrs.id} to ${n.attrs.to} misses devices ${missing.join(' ')}`);
	}

	/** One key per device whichever form its JID takes (PN or LID, phone = device 0). */
	deviceKey(jid) {
		const m = JID_RE.exec(jid || '');
		const c = m && this.find(m[1], m[3]);
		return c ? `${c.phone}/${Number(m[2] || 0)}` : this.sim.deviceJid(jid);
	}

	async receive(c, dev, from, conn, n, enc, body, result) {
		const store = new DeviceStore(this, dev);
		const cipher = new SessionCipher(store, this.addrOf(from));
		let text = null;
		let error, content;
		const addr = this.addrOf(from).toString();
		const key = `${conn.jid}/${dev.id}`;
		if (c.undecryptable[key] > 0) {
			// The fault: this device lost its session with the sender and cannot read this.
			c.undecryptable[key]--;
			delete dev.sessions[addr];
			error = 'undecryptable (fault injected)';
		} else {
			try {
				const plain = enc.attrs.type === 'pkmsg'
					? await cipher.decryptPreKeyWhisperMessage(body)
					: await cipher.decryptWhisperMessage(body);
				const msg = proto.Message.decode(unpad(Buffer.from(plain)));
				text = textOf(msg);
				content = describeReceived(msg, this.sim.media);
				this.checkTypes(conn, n, enc, msg);
			} catch (e) {
				error = e.message || String(e);
			}
		}
		const devJid = this.deviceJidOf(c, dev.id);
		if (error)
			this.sim.log.add(c.undecryptable[key] !== undefined ? '--' : '!!', conn.id, conn.jid,
			    `contact ${c.phone} device ${dev.id} could not decrypt ${n.attrs.id}: ${error}`);
		c.inbox.push({ from: conn.jid, to: devJid, device: dev.id, id: n.attrs.id, text, content,
			t: Number(n.attrs.t) || nowSec(), type: enc.attrs.type, ...(enc.attrs.count ? { count: Number(enc.attrs.count) } : {}),
			...(error ? { error } : {}) });
		if (c.inbox.length > MAX_INBOX)
			c.inbox.splice(0, c.inbox.length - MAX_INBOX);
		if (result) {
			result.devices[dev.id] = error ? `error: ${error}` : 'ok';
			if (text !== null)
				result.text = text;
		}
		this.save();
		if (!error) {
			this.sim.deliver(conn.jid, node('receipt', { from: devJid, id: n.attrs.id, t: nowSec() }));
			return;
		}
		this.sendRetryReceipt(c, dev, conn, n);
	}

	/** <message type> and <enc mediatype> must be what the content makes them (lib/received.js). */
	checkTypes(conn, n, enc, msg) {
		let want = expectedTypes(msg);
		if (want.alt && (n.attrs.type || 'text') === want.alt.type)
			want = want.alt;
		if ((n.attrs.type || 'text') !== want.type)
			this.sim.log.add('!!', conn.id, conn.jid, `message ${n.attrs.id}: type '${n.attrs.type}' for content that makes it '${want.type}'`);
		if (enc.attrs.mediatype !== want.mediatype)
			this.sim.log.add('!!', conn.id, conn.jid, `message ${n.attrs.id}: enc mediatype '${enc.attrs.mediatype}' for content that makes it '${want.mediatype}'`);
	}

	/** The contact's device asks for the message again (whatsmeow sendRetryReceipt). */
	sendRetryReceipt(c, dev, conn, n) {
		const rk = `${conn.jid}/${dev.id}/${n.attrs.id}`;
		const count = (c.retries[rk] || 0) + 1;
		if (count > MAX_RETRY_RECEIPTS) {
			this.sim.log.add('--', conn.id, conn.jid, `contact ${c.phone} device ${dev.id} gives up on ${n.attrs.id}`);
			return;
		}
		c.retries[rk] = count;
		const content = [
			node('retry', { count, id: n.attrs.id, t: n.attrs.t, v: 1 }),
			node('registration', {}, beBytes(dev.registrationId, 4))
		];
		if (count > 1) {
			const b = this.freshBundle(dev);
			content.push(node('keys', {}, [
				node('type', {}, Buffer.from([curve.KEY_TYPE])),
				node('identity', {}, b.identity),
				node('key', {}, [node('id', {}, beBytes(b.preKey.id, 3)), node('value', {}, b.preKey.public)]),
				node('skey', {}, [node('id', {}, beBytes(b.signedPreKey.id, 3)),
					node('value', {}, b.signedPreKey.public), node('signature', {}, b.signedPreKey.signature)]),
				...(dev.id ? [node('device-identity', {}, this.deviceIdentity(c, dev))] : [])
			]));
		}
		this.sim.deliver(conn.jid, node('receipt', { from: this.deviceJidOf(c, dev.id), id: n.attrs.id,
			type: 'retry', t: nowSec() }, content));
	}

	/** Control fault `undecryptable`: the device(s) fail the next `times` messages from `from`. */
	injectUndecryptable(jid, times = 1) {
		const r = this.deviceByJid(jid);
		if (!r?.c)
			return null;
		const n = Number(times);
		if (!Number.isInteger(n) || n < 1 || n > 10)
			throw new SimError(400, 'times must be 1..10');
		const ids = JID_RE.exec(jid)[2] !== undefined ? [r.dev?.id] : this.deviceIds(r.c);
		if (ids[0] === undefined)
			throw new SimError(404, 'the contact has no such device');
		for (const d of Object.values(this.sim.registry.devices).filter((x) => !x.removed))
			for (const id of ids)
				r.c.undecryptable[`${d.jid}/${id}`] = n;
		this.save();
		return { ok: true, devices: ids.map((id) => this.deviceJidOf(r.c, id)) };
	}

	/**
	 * The contact reinstalled WhatsApp: new identity on every device, every
	 * session gone, and `<notification type=encrypt><identity/>` to the
	 * linked devices (whatsmeow notification.go handleEncryptNotification).
	 */
	reinstall(phone) {
		const c = this.get(phone);
		for (const id of this.deviceIds(c))
			c.devices[id] = newDeviceKeys(id, c.devices[id].keyIndex);
		c.retries = {};
		this.save();
		for (const d of Object.values(this.sim.registry.devices).filter((x) => !x.removed))
			this.sim.deliver(d.jid, node('notification', { from: this.jidOf(c), type: 'encrypt',
				id: serverId(), t: nowSec() }, [node('identity', {})]));
		return this.describe(c);
	}

	/**
	 * The contact links (or removes) a device: `<notification type=devices>`
	 * to every linked device, carrying the contact's LID in its `lid`
	 * attribute (whatsmeow handleDeviceNotification stores that mapping).
	 */
	changeDevices(phone, b) {
		const c = this.get(phone);
		let tag, id;
		if (b.remove !== undefined) {
			id = Number(b.remove);
			if (!id || !c.devices[id])
				throw new SimError(400, 'remove must be a companion device id of the contact');
			delete c.devices[id];
			tag = 'remove';
		} else {
			id = this.addDevice(c, b.add === undefined || b.add === true ? undefined : Number(b.add));
			tag = 'add';
		}
		this.save();
		const pnUser = `${c.phone}@s.whatsapp.net`;
		const hash = crypto.createHash('sha256').update(this.deviceIds(c).join(',')).digest('base64').slice(0, 6);
		for (const d of Object.values(this.sim.registry.devices).filter((x) => !x.removed))
			this.sim.deliver(d.jid, node('notification', {
				from: pnUser, lid: `${c.lid}@lid`, type: 'devices', id: serverId(), t: nowSec()
			}, [node(tag, { device_hash: hash }, [node('device', {
				jid: `${c.phone}:${id}@s.whatsapp.net`, lid: `${c.lid}:${id}@lid`
			})])]));
		return this.describe(c);
	}

	async onReceipt(conn, n) {
		const c = this.byJid(n.attrs.to);
		if (!c) {
			// A receipt for a message from another simulated phone: relay it.
			const target = this.sim.deviceJid(n.attrs.to || '');
			const phone = /^([0-9]+):/.exec(target)?.[1];
			for (const d of phone ? this.sim.registry.devicesOf(phone) : [])
				if (d.jid !== conn.jid)
					this.sim.deliver(d.jid, node('receipt', { from: conn.jid, id: n.attrs.id,
						t: nowSec(), type: n.attrs.type }));
			return;
		}
		this.sim.stats.receipts++;
		if (n.attrs.type === 'retry')
			await this.retry(c, conn, n);
		c.receipts.push({ from: conn.jid, id: n.attrs.id, type: n.attrs.type || 'delivery', t: nowSec(),
			...(n.attrs.type === 'retry' ? { count: Number(child(n, 'retry')?.attrs.count || 0),
				keys: !!child(n, 'keys') } : {}) });
		if (c.receipts.length > MAX_INBOX)
			c.receipts.splice(0, c.receipts.length - MAX_INBOX);
		this.save();
	}

	receipts(phone) { return this.get(phone).receipts; }

	/**
	 * The contact opens the chat (or plays a voice note): its primary device
	 * sends <receipt type="read"|"played"> for messages it got, to each of
	 * our devices that sent one; several ids go as id plus <list><item id>
	 * (whatsmeow receipt.go parseReceipt reads both).
	 */
	read(phone, b) {
		const c = this.get(phone);
		const ids = Array.isArray(b.ids) ? b.ids.map(String) : [String(b.id || '')];
		const type = b.type === 'played' ? 'played' : 'read';
		if (!ids.length || ids.some((id) => !id))
			throw new SimError(400, 'id or ids (non-empty strings) required');
		const bySender = new Map();
		for (const id of ids) {
			const got = c.inbox.find((m) => m.id === id && !m.error);
			if (!got)
				throw new SimError(404, `the contact never received ${id}`);
			if (!bySender.has(got.from))
				bySender.set(got.from, []);
			if (!bySender.get(got.from).includes(id))
				bySender.get(got.from).push(id);
		}
		for (const [to, list] of bySender) {
			const content = list.length > 1
				? [node('list', {}, list.slice(1).map((id) => node('item', { id })))] : undefined;
			this.sim.deliver(to, node('receipt', { from: this.deviceJidOf(c, 0), id: list[0], type,
				t: nowSec() }, content));
		}
		return { ok: true, sent: bySender.size };
	}
}

/** Contacts saved before companions existed keep their keys as device 0. */
function upgrade(c) {
	if (!c.devices) {
		c.devices = { 0: { id: 0, keyIndex: 0, identity: c.identity, registrationId: c.registrationId,
			signedPreKey: c.signedPreKey, prekeys: c.prekeys || {}, nextPreKeyId: c.nextPreKeyId || 1,
			sessions: c.sessions || {}, identities: c.identities || {} } };
		for (const k of ['identity', 'registrationId', 'signedPreKey', 'prekeys', 'nextPreKeyId', 'sessions', 'identities'])
			delete c[k];
	}
	if (!c.account) {
		const acct = curve.generateKeyPair();
		c.account = { private: curve.b64(acct.private), public: curve.b64(acct.public) };
	}
	c.lidAddressing ??= !!c.lid;
	c.lid ??= randomLid();
	c.nextKeyIndex ??= 1;
	c.sent ??= [];
	c.tokens ??= {};
	c.retries ??= {};
	c.undecryptable ??= {};
}
