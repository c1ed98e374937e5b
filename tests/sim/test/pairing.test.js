// The simulated phone's pairing pieces against Baileys and the pair-success
// vector: QR parsing (both forms), pair-success accepted by Baileys'
// configureSuccessfulPairing, and the pair-device-sign check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { configureSuccessfulPairing, decodeBinaryNode, proto } from 'baileys';
import * as curve from '../lib/curve.js';
import { parseQr, buildPairSuccess, checkPairReply, parsePairingData } from '../lib/pairing.js';
import { loadVector, hex } from '../support/helpers.js';

const v = loadVector('wa-pair-success.json');

function phone() {
	const kp = curve.generateKeyPair();
	return { phone: '15550001111', lid: '123456789012345', accountPriv: curve.b64(kp.private),
		accountPub: curve.b64(kp.public), nextDevice: 7, nextKeyIndex: 3 };
}

test('parseQr accepts the Baileys 7 URL form and the bare form', () => {
	const k = [crypto.randomBytes(32), crypto.randomBytes(32), crypto.randomBytes(32)].map((b) => b.toString('base64'));
	const bare = parseQr(`2@abc,${k.join(',')}`);
	assert.equal(bare.ref, '2@abc');
	assert.equal(bare.advSecret.toString('base64'), k[2]);
	const url = parseQr(`https://wa.me/settings/linked_devices#2@abc,${k.join(',')},1`);
	assert.equal(url.ref, '2@abc');
	assert.equal(url.platformId, '1');
	assert.throws(() => parseQr('2@abc,AAAA,BBBB,CCCC'));
	assert.throws(() => parseQr(`2@abc,${k.join(',')},1,extra`));
	assert.throws(() => parseQr(42));
});

test('Baileys accepts our pair-success and its reply passes our check', async () => {
	const identity = curve.generateKeyPair();
	const advSecret = crypto.randomBytes(32);
	const p = phone();
	const ps = buildPairSuccess({ phone: p, device: 7, identityKey: identity.public, advSecret });
	const creds = { advSecretKey: advSecret.toString('base64'), signedIdentityKey: identity, signalIdentities: [] };
	const { reply, creds: out } = configureSuccessfulPairing(ps.stanza, creds);
	assert.equal(out.me.id, '15550001111:7@s.whatsapp.net');
	assert.equal(out.me.lid, '123456789012345:7@lid');
	assert.equal(checkPairReply(reply, ps.expect), null);
	// A wrong adv secret makes Baileys refuse.
	assert.throws(() => configureSuccessfulPairing(ps.stanza,
	    { ...creds, advSecretKey: crypto.randomBytes(32).toString('base64') }));
});

test('the vector reply (made by a non-Baileys client) passes our check', async () => {
	const container = proto.ADVSignedDeviceIdentityHMAC.decode(hex(v.device_identity_hmac));
	const signed = proto.ADVSignedDeviceIdentity.decode(container.details);
	const expect = {
		details: Buffer.from(signed.details), accountSignature: Buffer.from(signed.accountSignature),
		accountPub: hex(v.phone_account_public), identityKey: hex(v.companion.identity_public),
		keyIndex: Number(v.expect.key_index)
	};
	const reply = await decodeBinaryNode(hex(v.expect.reply_example_plaintext));
	assert.equal(checkPairReply(reply, expect), null);
	assert.match(checkPairReply(reply, { ...expect, keyIndex: 4 }), /key-index/);
	assert.match(checkPairReply(reply, { ...expect, identityKey: curve.generateKeyPair().public }),
	    /deviceSignature/);
});

test('a reply that still carries the account signature key is refused', () => {
	const identity = curve.generateKeyPair();
	const advSecret = crypto.randomBytes(32);
	const ps = buildPairSuccess({ phone: phone(), device: 7, identityKey: identity.public, advSecret });
	const creds = { advSecretKey: advSecret.toString('base64'), signedIdentityKey: identity, signalIdentities: [] };
	const { reply, creds: out } = configureSuccessfulPairing(ps.stanza, creds);
	const withKey = Buffer.from(proto.ADVSignedDeviceIdentity.encode(out.account).finish());
	reply.content[0].content[0].content = withKey;
	assert.match(checkPairReply(reply, ps.expect), /accountSignatureKey/);
});

test('devicePairingData is checked: sizes, key type and the signed prekey signature', () => {
	const id = curve.generateKeyPair();
	const spk = curve.generateKeyPair();
	const good = {
		eRegid: Buffer.from([0, 0, 0x12, 0x34]), eKeytype: Buffer.from([5]), eIdent: id.public,
		eSkeyId: Buffer.from([0, 0, 1]), eSkeyVal: spk.public,
		eSkeySig: curve.sign(id.private, curve.signalPub(spk.public))
	};
	const d = parsePairingData(good);
	assert.equal(d.registrationId, 0x1234);
	assert.equal(d.signedPreKey.id, 1);
	assert.throws(() => parsePairingData({ ...good, eKeytype: Buffer.from([6]) }), /eKeytype/);
	assert.throws(() => parsePairingData({ ...good, eIdent: Buffer.alloc(33) }), /eIdent/);
	assert.throws(() => parsePairingData({ ...good, eSkeySig: Buffer.alloc(64) }), /signature/);
});
