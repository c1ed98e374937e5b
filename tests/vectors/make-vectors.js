#!/usr/bin/env node
// make-vectors.js: writes the WhatsApp protocol vectors the unit and
// simulator tests read (tests/vectors/wa-*.json) from fixed keys, so any
// copy of the repository carries its own test data.
//
// Provenance. Client side: Baileys 7.0.0-rc14 from tests/node_modules
// (makeNoiseHandler for the Noise XX initiator, generateLoginNode for the
// ClientPayload, encodeBinaryNode for stanzas, configureSuccessfulPairing
// for the pair-device-sign reply, its protobufs for CertChain and ADV*).
// Server side: written here from /work/shared/protocol-notes.md (§2 Noise,
// §4 pairing) on node:crypto (X25519, AES-256-GCM, HKDF-SHA256), so the
// two sides share no code; Baileys accepting the server's messages and
// the server decrypting Baileys' ones is the check that both agree.
// Keys: SHA-256 of a label, clamped. XEdDSA signatures take their 64
// random bytes from SHA-512 of the key and message instead of the system
// RNG, so a second run writes the same bytes (run it and `git diff
// --exit-code tests/vectors` to check).
//
// Usage: node tests/vectors/make-vectors.js [OUTDIR]   (default: this folder)
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Curve, NOISE_MODE, NOISE_WA_HEADER, configureSuccessfulPairing, decodeBinaryNode,
    encodeBinaryNode, generateLoginNode, makeNoiseHandler, proto } from 'baileys';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2] || here;
const BAILEYS = JSON.parse(fs.readFileSync(path.join(here, '..', 'node_modules', 'baileys',
    'package.json'), 'utf8')).version;

// Deterministic XEdDSA: libsignal (under Baileys) calls curve25519-js's
// sign(key, msg) without its optional random; give it one from the inputs.
const requireFromLibsignal = createRequire(createRequire(import.meta.url).resolve('libsignal'));
const curveJs = requireFromLibsignal('curve25519-js');
const realSign = curveJs.sign;
curveJs.sign = (sk, msg, rnd) => realSign(sk, msg, rnd ??
    crypto.createHash('sha512').update(Buffer.from(sk)).update(Buffer.from(msg)).digest());

const hex = (b) => Buffer.from(b).toString('hex');

/** A Curve25519 key pair whose private key is SHA-256(label), clamped. */
function keyPair(label) {
	const priv = crypto.createHash('sha256').update(`walink test vector: ${label}`).digest();
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
	const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), priv]);
	const spki = crypto.createPublicKey(crypto.createPrivateKey({ key: der, format: 'der',
	    type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
	return { private: priv, public: Buffer.from(spki.subarray(spki.length - 32)) };
}

function dh(priv, pub) {
	const key = crypto.createPrivateKey({ key: Buffer.concat([
	    Buffer.from('302e020100300506032b656e04220420', 'hex'), priv]), format: 'der', type: 'pkcs8' });
	const peer = crypto.createPublicKey({ key: Buffer.concat([
	    Buffer.from('302a300506032b656e032100', 'hex'), pub]), format: 'der', type: 'spki' });
	return crypto.diffieHellman({ privateKey: key, publicKey: peer });
}

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

/** The responder's symmetric state (protocol-notes §2), independent of Baileys. */
class Responder {
	constructor(clientEphemeral) {
		this.h = Buffer.from(NOISE_MODE);	// 32 bytes: used as is
		this.ck = this.h;
		this.key = null;
		this.n = 0;
		this.mixHash(NOISE_WA_HEADER);
		this.mixHash(clientEphemeral);
	}
	mixHash(data) { this.h = sha256(this.h, Buffer.from(data)); }
	mixKey(ikm) {
		const out = Buffer.from(crypto.hkdfSync('sha256', ikm, this.ck, Buffer.alloc(0), 64));
		this.ck = out.subarray(0, 32);
		this.key = out.subarray(32);
		this.n = 0;
	}
	iv() {
		const iv = Buffer.alloc(12);
		iv.writeUInt32BE(this.n++, 8);
		return iv;
	}
	encryptAndHash(pt) {
		const c = crypto.createCipheriv('aes-256-gcm', this.key, this.iv());
		c.setAAD(this.h);
		const ct = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
		this.mixHash(ct);
		return ct;
	}
	decryptAndHash(ct) {
		const d = crypto.createDecipheriv('aes-256-gcm', this.key, this.iv());
		d.setAAD(this.h);
		d.setAuthTag(ct.subarray(ct.length - 16));
		const pt = Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
		this.mixHash(ct);
		return pt;
	}
	/** Transport keys: {clientSend, clientReceive}. */
	split() {
		const out = Buffer.from(crypto.hkdfSync('sha256', Buffer.alloc(0), this.ck, Buffer.alloc(0), 64));
		return { clientSend: out.subarray(0, 32), clientReceive: out.subarray(32) };
	}
}

function gcm(key, counter, pt) {
	const iv = Buffer.alloc(12);
	iv.writeUInt32BE(counter, 8);
	const c = crypto.createCipheriv('aes-256-gcm', key, iv);
	return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

const frame = (payload) => Buffer.concat([Buffer.from([payload.length >> 16,
    (payload.length >> 8) & 0xff, payload.length & 0xff]), payload]);
const unframe = (wire, skip = 0) => wire.subarray(skip + 3);
const silent = { level: 'silent', child: () => silent, trace() {}, debug() {}, info() {},
    warn() {}, error() {} };

const certDetails = (serial, issuerSerial, key) => Buffer.from(
    proto.CertChain.NoiseCertificate.Details.encode({ serial, issuerSerial, key,
        notBefore: 1700000000, notAfter: 4102444800 }).finish());

async function noiseHandshake() {
	const k = {
		root: keyPair('root'),
		intermediate: keyPair('intermediate'),
		server_static: keyPair('server static'),
		server_ephemeral: keyPair('server ephemeral'),
		client_ephemeral: keyPair('client ephemeral'),
		client_noise_static: keyPair('client noise static'),
	};
	const interDetails = certDetails(1, 0, k.intermediate.public);
	const leafDetails = certDetails(2, 1, k.server_static.public);
	const certChain = Buffer.from(proto.CertChain.encode({
		leaf: { details: leafDetails, signature: Curve.sign(k.intermediate.private, leafDetails) },
		intermediate: { details: interDetails, signature: Curve.sign(k.root.private, interDetails) },
	}).finish());
	const clientPayload = Buffer.from(proto.ClientPayload.encode(generateLoginNode(
	    '15550001111:7@s.whatsapp.net', { version: [2, 3000, 1043857760],
	        browser: ['Ubuntu', 'Chrome', '22.04.4'], countryCode: 'US' })).finish());

	// client hello (Baileys)
	const client = makeNoiseHandler({ keyPair: k.client_ephemeral, NOISE_HEADER: NOISE_WA_HEADER,
	    logger: silent });
	const clientHello = client.encodeFrame(proto.HandshakeMessage.encode({
	    clientHello: { ephemeral: k.client_ephemeral.public } }).finish());

	// server hello (here)
	const srv = new Responder(k.client_ephemeral.public);
	srv.mixHash(k.server_ephemeral.public);
	srv.mixKey(dh(k.server_ephemeral.private, k.client_ephemeral.public));
	const encStatic = srv.encryptAndHash(k.server_static.public);
	srv.mixKey(dh(k.server_static.private, k.client_ephemeral.public));
	const encPayload = srv.encryptAndHash(certChain);
	const serverHello = frame(Buffer.from(proto.HandshakeMessage.encode({ serverHello: {
	    ephemeral: k.server_ephemeral.public, static: encStatic, payload: encPayload } }).finish()));

	// client finish (Baileys)
	const hs = proto.HandshakeMessage.decode(unframe(serverHello));
	const keyEnc = client.processHandshake(hs, k.client_noise_static);
	const payloadEnc = client.encrypt(clientPayload);
	const clientFinish = client.encodeFrame(proto.HandshakeMessage.encode({
	    clientFinish: { static: keyEnc, payload: payloadEnc } }).finish());
	await client.finishInit();

	// the server reads it back: same static key, same payload
	const fin = proto.HandshakeMessage.decode(unframe(clientFinish)).clientFinish;
	const gotStatic = srv.decryptAndHash(Buffer.from(fin.static));
	srv.mixKey(dh(k.server_ephemeral.private, gotStatic));
	const gotPayload = srv.decryptAndHash(Buffer.from(fin.payload));
	if (!gotStatic.equals(k.client_noise_static.public) || !gotPayload.equals(clientPayload))
		throw new Error('the responder does not read what Baileys sent');
	const keys = srv.split();

	const ping = { tag: 'iq', attrs: { id: '1234.5678-1', to: 's.whatsapp.net', type: 'get',
	    xmlns: 'w:p' }, content: [{ tag: 'ping', attrs: {} }] };
	const pingPlain = Buffer.from(encodeBinaryNode(ping));
	const pingWire = client.encodeFrame(pingPlain);
	const success = { tag: 'success', attrs: { t: '1764000000', lid: '123456789012345@lid',
	    location: 'frc' } };
	const successPlain = Buffer.from(encodeBinaryNode(success));
	const successWire = frame(gcm(keys.clientReceive, 0, successPlain));
	// Baileys decrypts the server's frame to the same node
	const got = [];
	await client.decodeFrame(successWire, (f) => got.push(f));
	if (got.length !== 1 || got[0].tag !== 'success' || got[0].attrs.lid !== success.attrs.lid)
		throw new Error('Baileys does not read the server success frame');
	if (!gcm(keys.clientSend, 0, pingPlain).equals(unframe(pingWire)))
		throw new Error('the transport keys differ from Baileys\'');

	const pairs = Object.fromEntries(Object.entries(k).map(([n, p]) =>
	    [n, { private: hex(p.private), public: hex(p.public) }]));
	return {
		description: `One WhatsApp Noise XX handshake with fixed keys, written by tests/vectors/make-vectors.js. Client side produced by Baileys ${BAILEYS} (noise handler, protobufs, binary codec); server side written from the protocol notes on node:crypto and accepted by Baileys. Keys are Curve25519 (private keys clamped). Byte strings are hex. Wire fields are exactly what travels in WebSocket binary messages (the first client frame carries the 4-byte intro).`,
		prologue: hex(NOISE_WA_HEADER),
		keys: pairs,
		cert_chain: hex(certChain),
		client_payload: hex(clientPayload),
		client_payload_meaning: 'ClientPayload for login as 15550001111 device 7, version 2.3000.1043857760, passive and pull true',
		wire: { client_hello: hex(clientHello), server_hello: hex(serverHello),
		    client_finish: hex(clientFinish) },
		handshake_hash: hex(srv.h),
		transport: {
			client_send_key: hex(keys.clientSend),
			client_receive_key: hex(keys.clientReceive),
			client_ping_plaintext: hex(pingPlain),
			client_ping_wire: hex(pingWire),
			server_success_plaintext: hex(successPlain),
			server_success_wire: hex(successWire),
		},
	};
}

async function pairSuccess() {
	const identity = keyPair('companion identity');
	const account = keyPair('phone account');
	const advSecret = crypto.createHash('sha256').update('walink test vector: adv secret').digest();
	const details = Buffer.from(proto.ADVDeviceIdentity.encode({ rawId: 123456789,
	    timestamp: 1764000000, keyIndex: 3 }).finish());
	const accountSignature = Curve.sign(account.private,
	    Buffer.concat([Buffer.from([6, 0]), details, identity.public]));
	const signed = Buffer.from(proto.ADVSignedDeviceIdentity.encode({ details,
	    accountSignatureKey: account.public, accountSignature }).finish());
	const hmac = crypto.createHmac('sha256', advSecret).update(signed).digest();
	const container = Buffer.from(proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac })
	    .finish());
	const stanza = { tag: 'iq', attrs: { from: 's.whatsapp.net', type: 'set', id: '1234567890',
	    t: '1764000000' }, content: [{ tag: 'pair-success', attrs: {}, content: [
		{ tag: 'device-identity', attrs: {}, content: container },
		{ tag: 'platform', attrs: { name: 'android' } },
		{ tag: 'device', attrs: { jid: '15550001111:7@s.whatsapp.net', lid: '123456789012345:7@lid' } },
	] }] };
	const plain = Buffer.from(encodeBinaryNode(stanza));
	// Baileys accepts it and answers
	const { reply } = configureSuccessfulPairing(await decodeBinaryNode(plain), {
	    advSecretKey: advSecret.toString('base64'), signedIdentityKey: identity, signalIdentities: [] });
	return {
		description: `A pair-success stanza for a companion with fixed keys, written by tests/vectors/make-vectors.js from the protocol notes and accepted by Baileys ${BAILEYS} configureSuccessfulPairing. Keys are Curve25519 (clamped private keys); signatures are XEdDSA. A real client's signatures are randomised, so a reply is checked by verifying its device signature, not by comparing bytes. Byte strings are hex.`,
		companion: { identity_private: hex(identity.private), identity_public: hex(identity.public),
		    adv_secret: hex(advSecret) },
		phone_account_public: hex(account.public),
		stanza_node: 'iq from=s.whatsapp.net type=set id=1234567890 > pair-success > device-identity(bytes), platform name=android, device jid=15550001111:7@s.whatsapp.net lid=123456789012345:7@lid',
		stanza_plaintext: hex(plain),
		device_identity_hmac: hex(container),
		expect: {
			me_jid: '15550001111:7@s.whatsapp.net',
			me_lid: '123456789012345:7@lid',
			platform: 'android',
			key_index: '3',
			device_signature_message: 'bytes 06 01 || ADVDeviceIdentity details || companion identity public || phone account public, signed by the companion identity key',
			reply_example_plaintext: hex(encodeBinaryNode(reply)),
			reply_node: 'iq to=s.whatsapp.net type=result id=1234567890 > pair-device-sign > device-identity key-index=3 (ADVSignedDeviceIdentity: details, accountSignature, deviceSignature; no accountSignatureKey)',
		},
		tamper: 'flipping any bit of device_identity_hmac (or of the adv secret) must make pairing fail',
	};
}

const write = (name, obj) => fs.writeFileSync(path.join(outDir, name),
    JSON.stringify(obj, null, 2) + '\n');
write('wa-noise-handshake.json', await noiseHandshake());
write('wa-pair-success.json', await pairSuccess());
