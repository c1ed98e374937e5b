// The simulated phone's side of QR pairing (protocol-notes §4): parse the QR
// (both forms), build pair-success with an ADVSignedDeviceIdentityHMAC, check
// the companion's pair-device-sign reply.
import crypto from 'node:crypto';
import { proto } from 'baileys';
import * as curve from './curve.js';
import { node, child, bytes, S_WA, serverId, nowSec } from './nodes.js';

const QR_URL_PREFIX = 'https://wa.me/settings/linked_devices#';
const ACCOUNT_SIG_PREFIX = Buffer.from([6, 0]);
const DEVICE_SIG_PREFIX = Buffer.from([6, 1]);

/** {ref, noiseKey, identityKey, advSecret, platformId?} or throws. */
export function parseQr(qr) {
	if (typeof qr !== 'string' || qr.length > 4096)
		throw new Error('qr must be a string');
	let s = qr.trim();
	if (s.startsWith(QR_URL_PREFIX))
		s = s.slice(QR_URL_PREFIX.length);
	const parts = s.split(',');
	if (parts.length < 4 || parts.length > 5)
		throw new Error('qr must be ref,noise,identity,adv[,platform]');
	const [ref, n, i, a, platformId] = parts;
	const noiseKey = Buffer.from(n, 'base64');
	const identityKey = Buffer.from(i, 'base64');
	const advSecret = Buffer.from(a, 'base64');
	if (!ref || noiseKey.length !== 32 || identityKey.length !== 32 || advSecret.length !== 32)
		throw new Error('qr keys must be 32 bytes each (base64)');
	return { ref, noiseKey, identityKey, advSecret, platformId };
}

/** Refs look like WhatsApp's: "2@" and base64 of random bytes. */
export function makeRef() {
	return '2@' + crypto.randomBytes(36).toString('base64');
}

/**
 * Builds the pair-success iq for a companion. Returns {stanza, expect} where
 * expect holds what the reply must carry.
 */
export function buildPairSuccess({ phone, device, identityKey, advSecret }) {
	const detailsMsg = {
		rawId: crypto.randomBytes(4).readUInt32BE(0),
		timestamp: nowSec(),
		keyIndex: phone.nextKeyIndex,
		accountType: 0,
		deviceType: 0
	};
	const details = Buffer.from(proto.ADVDeviceIdentity.encode(detailsMsg).finish());
	const accountPub = curve.unb64(phone.accountPub);
	const accountSignature = curve.sign(curve.unb64(phone.accountPriv),
	    Buffer.concat([ACCOUNT_SIG_PREFIX, details, identityKey]));
	const signed = Buffer.from(proto.ADVSignedDeviceIdentity.encode({
		details, accountSignatureKey: accountPub, accountSignature
	}).finish());
	const hmac = crypto.createHmac('sha256', advSecret).update(signed).digest();
	const container = Buffer.from(proto.ADVSignedDeviceIdentityHMAC.encode({
		details: signed, hmac
	}).finish());
	const id = serverId();
	const stanza = node('iq', { from: S_WA, type: 'set', id, t: nowSec() }, [
		node('pair-success', {}, [
			node('device-identity', {}, container),
			node('platform', { name: 'android' }),
			node('device', {
				jid: `${phone.phone}:${device}@s.whatsapp.net`,
				lid: `${phone.lid}:${device}@lid`
			})
		])
	]);
	return {
		stanza, id,
		expect: { details, accountSignature, accountPub, identityKey, keyIndex: detailsMsg.keyIndex }
	};
}

/** Checks the pair-device-sign reply; returns null when good, else a reason. */
export function checkPairReply(reply, expect) {
	if (reply.attrs.type !== 'result')
		return `reply type ${reply.attrs.type}`;
	const di = child(child(reply, 'pair-device-sign'), 'device-identity');
	const raw = bytes(di);
	if (!raw)
		return 'no pair-device-sign/device-identity';
	if (di.attrs['key-index'] !== String(expect.keyIndex))
		return `key-index ${di.attrs['key-index']} != ${expect.keyIndex}`;
	let signed;
	try {
		signed = proto.ADVSignedDeviceIdentity.decode(raw);
	} catch {
		return 'undecodable ADVSignedDeviceIdentity';
	}
	if (signed.accountSignatureKey && signed.accountSignatureKey.length)
		return 'reply still carries accountSignatureKey';
	if (!Buffer.from(signed.details || []).equals(expect.details))
		return 'details changed';
	if (!Buffer.from(signed.accountSignature || []).equals(expect.accountSignature))
		return 'accountSignature changed';
	const msg = Buffer.concat([DEVICE_SIG_PREFIX, expect.details, expect.identityKey, expect.accountPub]);
	if (!curve.verify(expect.identityKey, msg, signed.deviceSignature))
		return 'deviceSignature does not verify';
	return null;
}

/** Checks devicePairingData (§4); returns the fields or throws. */
export function parsePairingData(d) {
	const need = (b, n, what) => {
		if (!b || b.length !== n)
			throw new Error(`devicePairingData.${what} must be ${n} bytes`);
		return Buffer.from(b);
	};
	const eRegid = need(d.eRegid, 4, 'eRegid');
	const eKeytype = need(d.eKeytype, 1, 'eKeytype');
	if (eKeytype[0] !== curve.KEY_TYPE)
		throw new Error('eKeytype must be 0x05');
	const identityKey = need(d.eIdent, 32, 'eIdent');
	const skeyId = need(d.eSkeyId, 3, 'eSkeyId');
	const skeyVal = need(d.eSkeyVal, 32, 'eSkeyVal');
	const skeySig = need(d.eSkeySig, 64, 'eSkeySig');
	// Signatures over Signal keys cover the 33-byte form (§7).
	if (!curve.verify(identityKey, curve.signalPub(skeyVal), skeySig))
		throw new Error('signed prekey signature does not verify');
	return {
		registrationId: eRegid.readUInt32BE(0),
		identityKey,
		signedPreKey: { id: skeyId.readUIntBE(0, 3), public: skeyVal, signature: skeySig }
	};
}
