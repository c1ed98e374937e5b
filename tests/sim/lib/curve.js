// Curve25519 helpers for the simulator: X25519 on Node's crypto, XEdDSA
// signatures through libsignal's curve (protocol-notes §2 "Certificate chain",
// §3). Keys travel as 32-byte Buffers; libsignal wants the 33-byte 0x05 form
// for public keys (protocol-notes §10 pitfall 11), added here.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const libcurve = require('libsignal/src/curve.js');

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

export const KEY_TYPE = 0x05;

export function signalPub(pub) {
	pub = Buffer.from(pub);
	if (pub.length === 33 && pub[0] === KEY_TYPE)
		return pub;
	if (pub.length !== 32)
		throw new Error(`bad public key length ${pub.length}`);
	return Buffer.concat([Buffer.from([KEY_TYPE]), pub]);
}

export function rawPub(pub) {
	pub = Buffer.from(pub);
	if (pub.length === 33 && pub[0] === KEY_TYPE)
		return pub.subarray(1);
	if (pub.length !== 32)
		throw new Error(`bad public key length ${pub.length}`);
	return pub;
}

function privateKeyObject(priv) {
	return crypto.createPrivateKey({
		key: Buffer.concat([PKCS8_X25519, Buffer.from(priv)]),
		format: 'der', type: 'pkcs8'
	});
}

function publicKeyObject(pub) {
	return crypto.createPublicKey({
		key: Buffer.concat([SPKI_X25519, rawPub(pub)]),
		format: 'der', type: 'spki'
	});
}

/** Clamps like every Curve25519 implementation, so stored keys are canonical. */
function clamp(priv) {
	const k = Buffer.from(priv);
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
	return k;
}

export function publicFromPrivate(priv) {
	const spki = crypto.createPublicKey(privateKeyObject(priv))
	    .export({ format: 'der', type: 'spki' });
	return Buffer.from(spki.subarray(spki.length - 32));
}

/** A key pair {private, public}, both 32-byte Buffers. */
export function keyPairFromPrivate(priv) {
	const p = clamp(priv);
	return { private: p, public: publicFromPrivate(p) };
}

export function generateKeyPair() {
	return keyPairFromPrivate(crypto.randomBytes(32));
}

export function dh(priv, pub) {
	return crypto.diffieHellman({
		privateKey: privateKeyObject(priv),
		publicKey: publicKeyObject(pub)
	});
}

export function sign(priv, msg) {
	return Buffer.from(libcurve.calculateSignature(Buffer.from(priv), Buffer.from(msg)));
}

export function verify(pub, msg, sig) {
	try {
		if (!sig || sig.length !== 64)
			return false;
		return libcurve.verifySignature(signalPub(pub), Buffer.from(msg), Buffer.from(sig)) === true;
	} catch {
		return false;
	}
}

export function b64(buf) { return Buffer.from(buf).toString('base64'); }
export function unb64(s) { return Buffer.from(s, 'base64'); }
