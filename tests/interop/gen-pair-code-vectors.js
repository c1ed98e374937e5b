// gen-pair-code-vectors.js: writes tests/vectors/pair-code.json, the vectors
// for every cryptographic step of linking by phone number, computed by
// Baileys 7's own functions (the package pinned in tests/package.json):
// bytesToCrockford, derivePairingCodeKey, aesEncryptCTR / aesDecryptCTR,
// Curve.sharedKey, hkdf, aesEncryptGCM, and encodeBinaryNode for the
// stanzas. The steps follow Baileys socket.js requestPairingCode /
// generatePairingKey and messages-recv.js 'link_code_companion_reg'.
// Inputs are fixed (derived from labels with SHA-256) so a rerun writes the
// same file; the C unit test (tests/unit/test_pair_code.c) reads it with no
// Node at run time.
// Usage: node tests/interop/gen-pair-code-vectors.js > tests/vectors/pair-code.json
import crypto from 'node:crypto';
import {
	bytesToCrockford, derivePairingCodeKey, aesEncryptCTR, aesDecryptCTR,
	Curve, hkdf, aesEncryptGCM, encodeBinaryNode
} from 'baileys';

const fixed = (label, n) => crypto.createHash('sha256').update('walink pair-code ' + label)
    .digest().subarray(0, n);
const hex = (b) => Buffer.from(b).toString('hex');
// X25519 private keys as libsignal clamps them.
function keyPair(label) {
	const priv = Buffer.from(fixed(label, 32));
	priv[0] &= 248; priv[31] &= 127; priv[31] |= 64;
	const pub = crypto.createPublicKey({
		key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), priv]),
		format: 'der', type: 'pkcs8'
	}).export({ format: 'der', type: 'spki' }).subarray(-32);
	return { priv, pub: Buffer.from(pub) };
}

const phone = '15550001111';
const codeRandom = fixed('code random', 5);
const code = bytesToCrockford(codeRandom);
const companionEph = keyPair('companion ephemeral');
const companionIdent = keyPair('companion identity');
const companionNoise = keyPair('companion noise');
const primaryEph = keyPair('primary ephemeral');
const primaryIdent = keyPair('primary identity');

// companion_hello: salt | iv | AES-CTR(code key, ephemeral public)
const helloSalt = fixed('hello salt', 32);
const helloIv = fixed('hello iv', 16);
const helloKey = await derivePairingCodeKey(code, helloSalt);
const wrappedCompanion = Buffer.concat([helloSalt, helloIv,
	aesEncryptCTR(companionEph.pub, helloKey, helloIv)]);

// primary_hello: the phone wraps its own ephemeral key the same way.
const primarySalt = fixed('primary salt', 32);
const primaryIv = fixed('primary iv', 16);
const primaryKey = await derivePairingCodeKey(code, primarySalt);
const wrappedPrimary = Buffer.concat([primarySalt, primaryIv,
	aesEncryptCTR(primaryEph.pub, primaryKey, primaryIv)]);
const unwrapped = aesDecryptCTR(wrappedPrimary.subarray(48, 80), primaryKey, primaryIv);
const wrongKey = await derivePairingCodeKey('ZZZZZZZZ', primarySalt);
const unwrappedWrong = aesDecryptCTR(wrappedPrimary.subarray(48, 80), wrongKey, primaryIv);

// companion_finish
const ephShared = Curve.sharedKey(companionEph.priv, unwrapped);
const bundleSalt = fixed('bundle salt', 32);
const bundleNonce = fixed('bundle nonce', 12);
const advRandom = fixed('adv random', 32);
const bundleKey = hkdf(ephShared, 32, { salt: bundleSalt,
	info: 'link_code_pairing_key_bundle_encryption_key' });
const bundlePlain = Buffer.concat([companionIdent.pub, primaryIdent.pub, advRandom]);
const bundle = Buffer.concat([bundleSalt, bundleNonce,
	aesEncryptGCM(bundlePlain, bundleKey, bundleNonce, Buffer.alloc(0))]);
const identShared = Curve.sharedKey(companionIdent.priv, primaryIdent.pub);
const advSecret = Buffer.from(hkdf(Buffer.concat([ephShared, identShared, advRandom]), 32,
	{ info: 'adv_secret' }));

const ref = '2@pair-code-vector-ref';
const helloResult = encodeBinaryNode({ tag: 'iq', attrs: { from: 's.whatsapp.net', type: 'result',
	id: 'pc-1' }, content: [{ tag: 'link_code_companion_reg', attrs: {}, content: [
	{ tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(ref) }] }] });
const primaryHello = (r) => encodeBinaryNode({ tag: 'notification', attrs: {
	from: 's.whatsapp.net', type: 'link_code_companion_reg', id: 'n-1', t: '1760000000' },
content: [{ tag: 'link_code_companion_reg', attrs: { stage: 'primary_hello' }, content: [
	{ tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(r) },
	{ tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: wrappedPrimary },
	{ tag: 'primary_identity_pub', attrs: {}, content: primaryIdent.pub }] }] });

const out = {
	source: 'tests/interop/gen-pair-code-vectors.js with Baileys ' +
	    JSON.parse((await import('node:fs')).readFileSync(new URL(
	    '../node_modules/baileys/package.json', import.meta.url))).version,
	phone,
	code_random: hex(codeRandom), code,
	pbkdf2_rounds: 2 << 16,
	companion: {
		ephemeral_private: hex(companionEph.priv), ephemeral_public: hex(companionEph.pub),
		identity_private: hex(companionIdent.priv), identity_public: hex(companionIdent.pub),
		noise_public: hex(companionNoise.pub)
	},
	primary: {
		ephemeral_private: hex(primaryEph.priv), ephemeral_public: hex(primaryEph.pub),
		identity_private: hex(primaryIdent.priv), identity_public: hex(primaryIdent.pub)
	},
	hello: { salt: hex(helloSalt), iv: hex(helloIv), code_key: hex(helloKey),
		wrapped: hex(wrappedCompanion) },
	primary_hello: { salt: hex(primarySalt), iv: hex(primaryIv), code_key: hex(primaryKey),
		wrapped: hex(wrappedPrimary), unwrapped: hex(unwrapped),
		wrong_code: 'ZZZZZZZZ', unwrapped_with_wrong_code: hex(unwrappedWrong) },
	finish: { ephemeral_shared: hex(ephShared), bundle_salt: hex(bundleSalt),
		bundle_nonce: hex(bundleNonce), bundle_key: hex(bundleKey), adv_random: hex(advRandom),
		bundle: hex(bundle), identity_shared: hex(identShared), adv_secret: hex(advSecret) },
	stanzas: { ref, hello_result: hex(helloResult), primary_hello: hex(primaryHello(ref)),
		primary_hello_other_ref: hex(primaryHello('2@someone-else')) }
};
process.stdout.write(JSON.stringify(out, null, '\t') + '\n');
