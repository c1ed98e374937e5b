// The responder against the fixed-key handshake whose client side Baileys
// produced (vectors/wa-noise-handshake.json): same server_hello bytes, the
// client_finish accepted, same transport keys and frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoiseResponder, NoiseError } from '../lib/noise.js';
import { keyPairFromPrivate } from '../lib/curve.js';
import { buildCertChain, verifyCertChain } from '../lib/certs.js';
import { generateKeyPair } from '../lib/curve.js';
import { loadVector, hex } from '../support/helpers.js';

const v = loadVector('wa-noise-handshake.json');

function responder(sent, got) {
	return new NoiseResponder({
		staticKey: keyPairFromPrivate(hex(v.keys.server_static.private)),
		ephemeral: keyPairFromPrivate(hex(v.keys.server_ephemeral.private)),
		certChain: hex(v.cert_chain),
		onSend: (b) => sent.push(b),
		onHandshake: (h) => got.handshake = h,
		onFrame: (f) => got.frames.push(f)
	});
}

test('fixed keys give exactly the vector public keys', () => {
	for (const k of Object.values(v.keys))
		assert.equal(keyPairFromPrivate(hex(k.private)).public.toString('hex'), k.public);
});

test('responder answers client_hello with exactly server_hello', () => {
	const sent = [], got = { frames: [] };
	const r = responder(sent, got);
	r.push(hex(v.wire.client_hello));
	assert.equal(Buffer.concat(sent).toString('hex'), v.wire.server_hello);
});

test('responder accepts client_finish and derives the vector transport keys', () => {
	const sent = [], got = { frames: [] };
	const r = responder(sent, got);
	r.push(hex(v.wire.client_hello));
	r.push(hex(v.wire.client_finish));
	assert.ok(got.handshake, 'handshake completed');
	assert.equal(got.handshake.payload.toString('hex'), v.client_payload);
	assert.equal(got.handshake.clientStatic.toString('hex'), v.keys.client_noise_static.public);
	assert.equal(r.handshakeHash.toString('hex'), v.handshake_hash);
	assert.equal(r.recv.key.toString('hex'), v.transport.client_send_key);
	assert.equal(r.send.key.toString('hex'), v.transport.client_receive_key);
	r.push(hex(v.transport.client_ping_wire));
	assert.equal(got.frames[0].toString('hex'), v.transport.client_ping_plaintext);
	assert.equal(r.seal(hex(v.transport.server_success_plaintext)).toString('hex'),
	    v.transport.server_success_wire);
});

test('responder reassembles frames split across arbitrary byte boundaries', () => {
	const sent = [], got = { frames: [] };
	const r = responder(sent, got);
	const all = Buffer.concat([hex(v.wire.client_hello)]);
	for (const b of all)
		r.push(Buffer.from([b]));
	assert.equal(Buffer.concat(sent).toString('hex'), v.wire.server_hello);
	const rest = Buffer.concat([hex(v.wire.client_finish), hex(v.transport.client_ping_wire)]);
	r.push(rest.subarray(0, 7));
	r.push(rest.subarray(7));
	assert.equal(got.frames.length, 1);
});

test('responder accepts the ED intro and does not hash routing bytes', () => {
	const sent = [], got = { frames: [] };
	const r = responder(sent, got);
	const routing = Buffer.from('0801080a', 'hex');
	const hello = hex(v.wire.client_hello);
	const ed = Buffer.concat([Buffer.from([0x45, 0x44, 0, 1, 0, 0, routing.length]), routing, hello]);
	r.push(ed);
	assert.equal(Buffer.concat(sent).toString('hex'), v.wire.server_hello);
	assert.deepEqual(r.routingInfo, routing);
});

test('responder rejects a tampered client_finish', () => {
	const sent = [], got = { frames: [] };
	const r = responder(sent, got);
	r.push(hex(v.wire.client_hello));
	const cf = hex(v.wire.client_finish);
	cf[20] ^= 1;
	assert.throws(() => r.push(cf), NoiseError);
	assert.equal(got.handshake, undefined);
});

test('responder rejects a bad intro and an oversized handshake frame', () => {
	const sent = [], got = { frames: [] };
	assert.throws(() => responder(sent, got).push(Buffer.from('GET / HTTP')), NoiseError);
	const r = responder(sent, got);
	assert.throws(() => r.push(Buffer.from([0x57, 0x41, 6, 3, 0xff, 0xff, 0xff])), NoiseError);
});

test('the vector cert chain verifies against its root and the server static key', () => {
	assert.equal(verifyCertChain(hex(v.cert_chain), hex(v.keys.root.public),
	    hex(v.keys.server_static.public)), null);
	assert.equal(verifyCertChain(hex(v.cert_chain), hex(v.keys.intermediate.public),
	    hex(v.keys.server_static.public)), 'intermediate signature');
	assert.match(verifyCertChain(hex(v.cert_chain), hex(v.keys.root.public),
	    hex(v.keys.client_noise_static.public)), /leaf key/);
});

test('a generated cert chain verifies against its own root', () => {
	const keys = { root: generateKeyPair(), intermediate: generateKeyPair(), server: generateKeyPair() };
	const chain = buildCertChain(keys);
	assert.equal(verifyCertChain(chain, keys.root.public, keys.server.public), null);
	const bad = Buffer.from(chain);
	bad[10] ^= 1;
	assert.notEqual(verifyCertChain(bad, keys.root.public, keys.server.public), null);
});
