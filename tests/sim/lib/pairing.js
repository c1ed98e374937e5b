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

// The phone's side of linking by phone number (protocol-notes §4 "Linking
// also knows"; the companion side is whatsmeow pair-code.go and Baileys
// requestPairingCode): both ends wrap an ephemeral X25519 key with
// AES-256-CTR under PBKDF2-SHA256(code, salt, 131072); the companion's key
// bundle is AES-256-GCM under HKDF(shared, salt, "link_code_pairing_key_
// bundle_encryption_key"); the adv secret is HKDF(eph shared | identity
// shared | randomness, "adv_secret").
export const CODE_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTVWXYZ';
const CODE_RE = /^[1-9A-HJ-NP-TV-Z]{8}$/;
// The display names the server takes: "Browser (OS)" from a known list
// (whatsmeow PairPhone: anything else is answered 400).
const DISPLAY_RE = /^(Chrome|Firefox|Safari|Edge|Opera|IE|Desktop) \((Linux|Ubuntu|Windows|Mac OS|macOS|ChromeOS|Android)\)$/;
const PLATFORM_RE = /^[0-9ce]$/;

/** "abcd-efgh" as typed -> "ABCDEFGH", or null when it cannot be a code. */
export function normalizeCode(typed) {
	if (typeof typed !== 'string')
		return null;
	const c = typed.replace(/[\s-]/g, '').toUpperCase();
	return CODE_RE.test(c) ? c : null;
}

function codeKey(code, salt) {
	return crypto.pbkdf2Sync(Buffer.from(code, 'utf8'), salt, 2 << 16, 32, 'sha256');
}

function ctr(key, iv, data) {
	const c = crypto.createCipheriv('aes-256-ctr', key, iv);
	return Buffer.concat([c.update(data), c.final()]);
}

/** salt | iv | AES-CTR(code key, pub) */
export function wrapWithCode(code, pub) {
	const salt = crypto.randomBytes(32);
	const iv = crypto.randomBytes(16);
	return Buffer.concat([salt, iv, ctr(codeKey(code, salt), iv, pub)]);
}

export function unwrapWithCode(code, wrapped) {
	return ctr(codeKey(code, wrapped.subarray(0, 32)), wrapped.subarray(32, 48),
	    wrapped.subarray(48, 80));
}

const hkdf32 = (ikm, salt, info) =>
	Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from(info), 32));

/** Opens the companion's key bundle; null when the tag does not verify. */
export function openKeyBundle(shared, bundle) {
	if (!bundle || bundle.length !== 32 + 12 + 96 + 16)
		return null;
	const key = hkdf32(shared, bundle.subarray(0, 32), 'link_code_pairing_key_bundle_encryption_key');
	const d = crypto.createDecipheriv('aes-256-gcm', key, bundle.subarray(32, 44));
	d.setAuthTag(bundle.subarray(bundle.length - 16));
	try {
		return Buffer.concat([d.update(bundle.subarray(44, bundle.length - 16)), d.final()]);
	} catch {
		return null;
	}
}

export function codeAdvSecret(ephShared, identShared, random) {
	return hkdf32(Buffer.concat([ephShared, identShared, random]), Buffer.alloc(0), 'adv_secret');
}

/** Checks a companion_hello; returns {phone, wrapped, platformId, display} or throws {code, text}. */
export function parseCompanionHello(reg, noiseKey) {
	const bad = (text) => { throw Object.assign(new Error(text), { code: 400 }); };
	const m = /^([1-9][0-9]{6,14})@s\.whatsapp\.net$/.exec(reg.attrs.jid || '');
	if (!m)
		bad('jid must be the phone number @s.whatsapp.net');
	const wrapped = bytes(child(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub'));
	if (!wrapped || wrapped.length !== 80)
		bad('wrapped companion key must be 80 bytes');
	const auth = bytes(child(reg, 'companion_server_auth_key_pub'));
	if (!auth || !auth.equals(noiseKey))
		bad('companion_server_auth_key_pub is not the connection\'s noise key');
	const platformId = (bytes(child(reg, 'companion_platform_id')) || Buffer.alloc(0)).toString();
	if (!PLATFORM_RE.test(platformId))
		bad('companion_platform_id unknown');
	const display = (bytes(child(reg, 'companion_platform_display')) || Buffer.alloc(0)).toString();
	if (!DISPLAY_RE.test(display))
		bad('companion_platform_display must read like "Chrome (Linux)"');
	return { phone: m[1], wrapped, platformId, display };
}
