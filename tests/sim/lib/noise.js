// Noise XX responder, WhatsApp flavour (protocol-notes §1, §2):
// Noise_XX_25519_AESGCM_SHA256 where the empty first payload is not hashed,
// prologue = the 4-byte WA header, 3-byte big-endian frame lengths, and a
// byte stream that ignores WebSocket message boundaries.
import crypto from 'node:crypto';
import { proto } from 'baileys';
import * as curve from './curve.js';

export const NOISE_MODE = Buffer.from('Noise_XX_25519_AESGCM_SHA256\0\0\0\0', 'latin1');
export const WA_HEADER = Buffer.from([0x57, 0x41, 0x06, 0x03]);
const ED_MAGIC = Buffer.from([0x45, 0x44, 0x00, 0x01]);
/** Frames carry a 3-byte length: 2^24 - 1 is the format's own ceiling (§1). */
export const MAX_FRAME = 0xffffff;
/** Handshake messages are a few hundred bytes; anything this big is hostile. */
export const MAX_HANDSHAKE_FRAME = 64 * 1024;
/** Routing info seen in practice is tens of bytes. */
const MAX_ROUTING = 4096;

export class NoiseError extends Error {
	constructor(msg) { super(msg); this.name = 'NoiseError'; }
}

function hkdf(salt, ikm, len) {
	return Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.alloc(0), len));
}

function nonce(n) {
	const iv = Buffer.alloc(12);
	iv.writeUInt32BE(n >>> 0, 8);
	return iv;
}

export function gcmEncrypt(key, n, ad, pt) {
	const c = crypto.createCipheriv('aes-256-gcm', key, nonce(n));
	c.setAAD(ad);
	return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

export function gcmDecrypt(key, n, ad, ct) {
	if (ct.length < 16)
		throw new NoiseError('ciphertext shorter than its tag');
	const d = crypto.createDecipheriv('aes-256-gcm', key, nonce(n));
	d.setAAD(ad);
	d.setAuthTag(ct.subarray(ct.length - 16));
	try {
		return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
	} catch {
		throw new NoiseError('AEAD authentication failed');
	}
}

/** Symmetric state of the handshake (h, ck, k, n). */
class SymmetricState {
	constructor() {
		this.h = Buffer.from(NOISE_MODE);
		this.ck = Buffer.from(NOISE_MODE);
		this.k = null;
		this.n = 0;
	}
	mixHash(data) {
		this.h = crypto.createHash('sha256').update(this.h).update(data).digest();
	}
	mixKey(ikm) {
		const out = hkdf(this.ck, ikm, 64);
		this.ck = out.subarray(0, 32);
		this.k = out.subarray(32);
		this.n = 0;
	}
	encryptAndHash(pt) {
		const ct = gcmEncrypt(this.k, this.n++, this.h, pt);
		this.mixHash(ct);
		return ct;
	}
	decryptAndHash(ct) {
		const pt = gcmDecrypt(this.k, this.n++, this.h, ct);
		this.mixHash(ct);
		return pt;
	}
	split() {
		const out = hkdf(this.ck, Buffer.alloc(0), 64);
		return [out.subarray(0, 32), out.subarray(32)];
	}
}

/** One direction of the transport: its key and its own counter from 0. */
export class CipherState {
	constructor(key) { this.key = Buffer.from(key); this.n = 0; }
	encrypt(pt) { return gcmEncrypt(this.key, this.n++, Buffer.alloc(0), pt); }
	decrypt(ct) { return gcmDecrypt(this.key, this.n++, Buffer.alloc(0), ct); }
}

export function frame(payload) {
	if (payload.length > MAX_FRAME)
		throw new NoiseError('frame too large');
	const out = Buffer.alloc(3 + payload.length);
	out.writeUIntBE(payload.length, 0, 3);
	payload.copy(out, 3);
	return out;
}

/**
 * Server side of one connection's Noise session. Feed it raw bytes with
 * push(); it calls back with handshake events and transport plaintexts.
 *   opts.staticKey  {private, public}   server static (the leaf cert key)
 *   opts.certChain  Buffer              encoded CertChain
 *   opts.ephemeral  {private, public}?  fixed ephemeral (tests only)
 *   opts.onSend(buf)                    bytes to write to the socket
 *   opts.onHandshake({clientStatic, payload, routingInfo})
 *   opts.onFrame(plaintext)             decrypted transport frame
 */
export class NoiseResponder {
	constructor(opts) {
		this.opts = opts;
		this.ss = new SymmetricState();
		this.buf = Buffer.alloc(0);
		this.stage = 'intro';
		this.e = opts.ephemeral || curve.generateKeyPair();
		this.recv = null;
		this.send = null;
		this.routingInfo = null;
		this.handshakeHash = null;
	}

	push(data) {
		this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : Buffer.from(data);
		for (;;) {
			if (this.stage === 'intro') {
				if (!this.readIntro())
					return;
				continue;
			}
			if (this.stage === 'closed')
				return;
			if (this.buf.length < 3)
				return;
			const len = this.buf.readUIntBE(0, 3);
			const cap = this.stage === 'transport' ? MAX_FRAME : MAX_HANDSHAKE_FRAME;
			if (len > cap)
				throw new NoiseError(`frame of ${len} bytes exceeds ${cap}`);
			if (this.buf.length < 3 + len)
				return;
			const f = this.buf.subarray(3, 3 + len);
			this.buf = this.buf.subarray(3 + len);
			this.onFrameBytes(f);
		}
	}

	readIntro() {
		const b = this.buf;
		if (b.length < 4)
			return false;
		if (b.subarray(0, 4).equals(WA_HEADER)) {
			this.buf = b.subarray(4);
		} else if (b.subarray(0, 4).equals(ED_MAGIC)) {
			if (b.length < 7)
				return false;
			const rlen = b.readUIntBE(4, 3);
			if (rlen > MAX_ROUTING)
				throw new NoiseError('routing info too long');
			if (b.length < 7 + rlen + 4)
				return false;
			if (!b.subarray(7 + rlen, 11 + rlen).equals(WA_HEADER))
				throw new NoiseError('ED intro without WA header');
			this.routingInfo = Buffer.from(b.subarray(7, 7 + rlen));
			this.buf = b.subarray(11 + rlen);
		} else {
			throw new NoiseError('bad intro header');
		}
		// The prologue is the WA header only; routing bytes are never hashed (§1, §10.2).
		this.ss.mixHash(WA_HEADER);
		this.stage = 'hello';
		return true;
	}

	onFrameBytes(f) {
		switch (this.stage) {
		case 'hello':
			return this.onClientHello(f);
		case 'finish':
			return this.onClientFinish(f);
		case 'transport':
			return this.opts.onFrame(this.recv.decrypt(f));
		default:
			throw new NoiseError('unexpected frame');
		}
	}

	onClientHello(f) {
		let msg;
		try {
			msg = proto.HandshakeMessage.decode(f);
		} catch {
			throw new NoiseError('undecodable client hello');
		}
		const ce = msg.clientHello?.ephemeral;
		if (!ce || ce.length !== 32)
			throw new NoiseError('client hello without a 32-byte ephemeral');
		this.ce = Buffer.from(ce);
		const ss = this.ss;
		ss.mixHash(this.ce);
		// WhatsApp deviation: the empty first payload is not hashed (§2).
		ss.mixHash(this.e.public);
		ss.mixKey(curve.dh(this.e.private, this.ce));
		const encStatic = ss.encryptAndHash(this.opts.staticKey.public);
		ss.mixKey(curve.dh(this.opts.staticKey.private, this.ce));
		const encPayload = ss.encryptAndHash(this.opts.certChain);
		const out = proto.HandshakeMessage.encode({
			serverHello: { ephemeral: this.e.public, static: encStatic, payload: encPayload }
		}).finish();
		this.stage = 'finish';
		this.opts.onSend(frame(Buffer.from(out)));
	}

	onClientFinish(f) {
		let msg;
		try {
			msg = proto.HandshakeMessage.decode(f);
		} catch {
			throw new NoiseError('undecodable client finish');
		}
		const cf = msg.clientFinish;
		if (!cf?.static || !cf?.payload)
			throw new NoiseError('client finish without static or payload');
		const ss = this.ss;
		// n is 1 here: the cert payload used 0 under the same key (§2).
		const cs = ss.decryptAndHash(Buffer.from(cf.static));
		if (cs.length !== 32)
			throw new NoiseError('client static is not 32 bytes');
		ss.mixKey(curve.dh(this.e.private, cs));
		const payload = ss.decryptAndHash(Buffer.from(cf.payload));
		const [c2s, s2c] = ss.split();
		this.recv = new CipherState(c2s);
		this.send = new CipherState(s2c);
		this.handshakeHash = Buffer.from(ss.h);
		this.stage = 'transport';
		this.clientStatic = cs;
		this.opts.onHandshake({ clientStatic: cs, payload, routingInfo: this.routingInfo });
	}

	/** Encrypts and frames one transport plaintext (flags byte included by the caller). */
	seal(plaintext) {
		if (this.stage !== 'transport')
			throw new NoiseError('transport not ready');
		return frame(this.send.encrypt(plaintext));
	}

	close() { this.stage = 'closed'; }
}
