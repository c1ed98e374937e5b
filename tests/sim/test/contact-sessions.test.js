// A contact's device holding two sessions with a linked device (both
// sides started one at the same time, as happens when a reply to a
// multi-device contact crosses that device's first message) must read a
// message on either without damaging the other: WhatsApp's clients try
// each session on a copy (libsignal SessionCipher decrypt on a cloned
// state; libsignal-protocol-c session_cipher.c likewise), while
// libsignal-node steps the ratchet of every session it merely tries.
// The torture test saw the damage as the worker's "cannot decrypt msg
// (Bad message)" on the contact's next message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Contacts } from '../lib/contacts.js';
import { node } from '../lib/nodes.js';
import * as curve from '../lib/curve.js';

const require = createRequire(import.meta.url);
const libsignal = require('libsignal');

const LINKED = { phone: '4915112349999', device: 1, jid: '4915112349999:1@s.whatsapp.net' };
const CONTACT = '4915112349002';

/** Just enough of the simulator for Contacts to send and receive. */
function fakeSim() {
	const data = new Map();
	const sim = {
		deviations: [], delivered: [],
		store: { get: (k) => data.get(k), set: (k, v) => data.set(k, v), touch() {} },
		registry: { phones: {}, device: (jid) => (jid === LINKED.jid ? LINKED : undefined),
			devicesOf: () => [LINKED] },
		log: { add: (dir, conn, who, text) => { if (dir === '!!') sim.deviations.push(text); } },
		deliver: (jid, n) => sim.delivered.push(n),
		deviceJid: (jid) => jid, props: {}, stats: { receipts: 0 }, media: null
	};
	return sim;
}

/** The linked device, as a second libsignal party with its own keys. */
function linkedParty() {
	const identity = libsignal.keyhelper.generateIdentityKeyPair();
	const spk = libsignal.keyhelper.generateSignedPreKey(identity, 1);
	const pk = libsignal.keyhelper.generatePreKey(7);
	const sessions = {};
	const storage = {
		getOurIdentity: async () => identity,
		getOurRegistrationId: async () => 4242,
		isTrustedIdentity: async () => true,
		loadPreKey: async (id) => (id === 7 ? pk.keyPair : undefined),
		removePreKey: async () => {},
		loadSignedPreKey: async (id) => (id === 1 ? spk.keyPair : undefined),
		loadSession: async (a) => (sessions[a] ? libsignal.SessionRecord.deserialize(sessions[a]) : undefined),
		storeSession: async (a, r) => { sessions[a] = r.serialize(); }
	};
	const bundle = {
		registrationId: 4242, identity: curve.rawPub(identity.pubKey),
		signedPreKey: { id: 1, public: curve.rawPub(spk.keyPair.pubKey), signature: spk.signature },
		preKey: { id: 7, public: curve.rawPub(pk.keyPair.pubKey) }
	};
	return { storage, bundle };
}

function msgText(text) {
	return Buffer.from(`text ${text}`);
}

test('a contact device reading a message on its older session keeps its open session usable', async () => {
	const sim = fakeSim();
	const contacts = new Contacts(sim);
	contacts.create({ phone: CONTACT }, false);
	const c = contacts.get(CONTACT);
	const dev = c.devices[0];
	const L = linkedParty();
	const toContact = new libsignal.ProtocolAddress(CONTACT, 0);
	const lCipher = new libsignal.SessionCipher(L.storage, toContact);
	const receive = (id, enc) => contacts.receive(c, dev, LINKED, { id: 1, jid: LINKED.jid },
	    node('message', { id, t: '1', type: 'text' }), node('enc', { v: 2, type: enc.type }, enc.body),
	    enc.body, undefined);
	const lEnc = async (text) => {
		const r = await lCipher.encrypt(contacts.plaintext(text));
		return { type: r.type === 3 ? 'pkmsg' : 'msg', body: Buffer.from(r.body, 'binary') };
	};

	// Both start a session at once: the linked device from the contact's
	// bundle, the contact's device from the linked device's.
	const cb = contacts.freshBundle(dev);
	await new libsignal.SessionBuilder(L.storage, toContact).initOutgoing({
		registrationId: cb.registrationId, identityKey: curve.signalPub(cb.identity),
		signedPreKey: { keyId: cb.signedPreKey.id, publicKey: curve.signalPub(cb.signedPreKey.public),
			signature: cb.signedPreKey.signature },
		preKey: { keyId: cb.preKey.id, publicKey: curve.signalPub(cb.preKey.public) }
	});
	const fromLinked = await lEnc('reply 1');
	const fromContact = await contacts.encryptFor(dev, LINKED, msgText('hello'), L.bundle);
	assert.equal(fromLinked.type, 'pkmsg');
	assert.equal(fromContact.type, 'pkmsg');

	// The contact's device reads the linked device's pkmsg: that session is
	// now its open one, its own first one closed.
	await receive('R1', fromLinked);
	// The linked device reads the contact's pkmsg and answers on that session.
	await new libsignal.SessionCipher(L.storage, new libsignal.ProtocolAddress(CONTACT, 0))
	    .decryptPreKeyWhisperMessage(fromContact.body);
	const onOlder = await lEnc('reply 2');
	assert.equal(onOlder.type, 'msg');
	// The open session was used last: it is the one tried first.
	const addr = contacts.addrOf(LINKED).toString();
	const rec = dev.sessions[addr];
	const entries = Object.values(rec._sessions);
	assert.equal(entries.length, 2);
	const open = entries.find((s) => s.indexInfo.closed === -1);
	for (const s of entries)
		s.indexInfo.used = s === open ? 2000 : 1000;
	const openBefore = JSON.stringify(open);

	await receive('R2', onOlder);
	assert.ok(c.inbox.every((m) => !m.error), `the contact read both: ${JSON.stringify(c.inbox.map((m) => m.error))}`);
	const after = Object.values(dev.sessions[addr]._sessions)
	    .find((s) => s.indexInfo.baseKey === open.indexInfo.baseKey);
	assert.equal(JSON.stringify(after), openBefore, 'a session that did not decrypt the message is unchanged');

	// What the contact writes next, on its open session, the linked device reads.
	const next = await contacts.encryptFor(dev, LINKED, msgText('again'), undefined);
	assert.equal(next.type, 'msg');
	const plain = await new libsignal.SessionCipher(L.storage, new libsignal.ProtocolAddress(CONTACT, 0))
	    .decryptWhisperMessage(next.body);
	assert.equal(Buffer.from(plain).toString(), 'text again');
	assert.deepEqual(sim.deviations, []);
});
