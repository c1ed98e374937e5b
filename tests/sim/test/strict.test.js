// The simulator refuses what WhatsApp refuses: the `!!` checks on bytes
// from Baileys' own encoder, then an unmodified Baileys client made to send
// each deviation by hand (sock.sendNode) so the live checks are seen firing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBinaryNode, decodeBinaryNode, proto } from 'baileys';
import { startSim, tmpDir, waitFor } from '../support/helpers.js';
import { connect, pair } from '../support/baileys-client.js';
import { bareServerJids, deviceIdentityProblem, usyncUsers, USYNC_MAX_OTHERS } from '../lib/strict.js';
import * as curve from '../lib/curve.js';

const roundTrip = async (n) => decodeBinaryNode(encodeBinaryNode(n));

test('a server JID is told apart: JID pair passes, the bare token is flagged', async () => {
	const pairForm = await roundTrip({ tag: 'iq', attrs: { to: '@s.whatsapp.net', id: '1' } });
	assert.deepEqual(bareServerJids(pairForm), []);
	const bare = await roundTrip({ tag: 'iq', attrs: { to: 's.whatsapp.net', id: '1' } });
	assert.equal(bareServerJids(bare).length, 1);
	const nested = await roundTrip({ tag: 'message', attrs: { to: '123@s.whatsapp.net', id: '2' },
		content: [{ tag: 'participants', attrs: {}, content: [{ tag: 'to', attrs: { jid: 'g.us' } }] }] });
	assert.match(bareServerJids(nested)[0], /<message><participants><to> jid='g\.us'/);
	const device = await roundTrip({ tag: 'receipt', attrs: { to: '123:5@s.whatsapp.net', id: '3' } });
	assert.deepEqual(bareServerJids(device), []);
});

test('device-identity: the full form passes; without the account key or badly signed it is named', () => {
	const account = curve.generateKeyPair();
	const ident = curve.generateKeyPair();
	const details = Buffer.from(proto.ADVDeviceIdentity.encode({ rawId: 7, timestamp: 1, keyIndex: 1 }).finish());
	const accountSignature = curve.sign(account.private, Buffer.concat([Buffer.from([6, 0]), details, ident.public]));
	const deviceSignature = curve.sign(ident.private,
	    Buffer.concat([Buffer.from([6, 1]), details, ident.public, account.public]));
	const enc = (o) => Buffer.from(proto.ADVSignedDeviceIdentity.encode(o).finish());
	const device = { identityKey: curve.b64(ident.public) };
	const phone = { accountPub: curve.b64(account.public) };
	const full = { details, accountSignatureKey: account.public, accountSignature, deviceSignature };
	assert.equal(deviceIdentityProblem(enc(full), device, phone), null);
	assert.match(deviceIdentityProblem(enc({ ...full, accountSignatureKey: undefined }), device, phone),
	    /no accountSignatureKey/);
	assert.match(deviceIdentityProblem(enc({ ...full, deviceSignature: Buffer.alloc(64) }), device, phone),
	    /deviceSignature/);
	assert.match(deviceIdentityProblem(Buffer.from([0xff, 0xff]), device, phone), /undecodable/);
});

test('usync users are read from jid and contact forms', async () => {
	const n = await roundTrip({ tag: 'iq', attrs: { id: '1' }, content: [{ tag: 'usync', attrs: {}, content: [
		{ tag: 'list', attrs: {}, content: [{ tag: 'user', attrs: { jid: '1@s.whatsapp.net' } },
			{ tag: 'user', attrs: {}, content: [{ tag: 'contact', attrs: {}, content: Buffer.from('+49151') }] }] }] }] });
	assert.deepEqual(usyncUsers(n), ['1@s.whatsapp.net', '+49151']);
	assert.equal(USYNC_MAX_OTHERS, 1);
});

let sim, auth, jid;
before(async () => {
	sim = await startSim();
	({ auth, jid } = await pair(sim, tmpDir('baileys-strict-')));
});
after(async () => { await sim?.stop(); });

test('deviations sent by hand through Baileys are each marked !!, a 1:1 send without the token refused 463', { timeout: 40000 }, async () => {
	await sim.api('POST', '/sim/contacts', { phone: '15559991001' });
	const c = connect(sim.url, auth, { shouldSyncHistoryMessage: () => false });
	await c.waitOpen();
	// the contact writes first: it issues its token to this account
	await sim.api('POST', '/sim/contacts/15559991001/send', { to: jid, text: 'hi' });
	await waitFor(async () => (await sim.api('GET', '/sim/log?since=0')).text.includes("type='privacy_token'"),
	    10000, 'the token notification');
	const send = (n) => c.sock.sendNode(n);
	await send({ tag: 'iq', attrs: { to: 's.whatsapp.net', type: 'get', xmlns: 'w:p', id: 'strict-1' },
		content: [{ tag: 'ping', attrs: {} }] });
	await send({ tag: 'iq', attrs: { to: '@s.whatsapp.net', type: 'get', xmlns: 'usync', id: 'strict-2' },
		content: [{ tag: 'usync', attrs: { context: 'message', mode: 'query', sid: 's', last: 'true', index: '0' }, content: [
			{ tag: 'query', attrs: {}, content: [{ tag: 'lid', attrs: {} }] },
			{ tag: 'list', attrs: {}, content: ['4915100000001', '4915100000002', '4915100000003']
				.map((u) => ({ tag: 'user', attrs: { jid: `${u}@s.whatsapp.net` } })) }] }] });
	await send({ tag: 'message', attrs: { to: '15559991001:3@s.whatsapp.net', id: 'STRICT3', type: 'text' },
		content: [{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: Buffer.from('x') }] });
	await send({ tag: 'message', attrs: { to: '15559991001@s.whatsapp.net', id: 'STRICT4', type: 'text' },
		content: [{ tag: 'participants', attrs: {}, content: [{ tag: 'to', attrs: { jid: '15559991001@s.whatsapp.net' },
			content: [{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: Buffer.from('x') }] }] }] });
	await send({ tag: 'receipt', attrs: { to: '15559991001@s.whatsapp.net', id: 'STRICT5', type: 'bogus' } });
	const log = await waitFor(async () => {
		const t = (await sim.api('GET', '/sim/log?since=0')).text;
		return /STRICT5/.test(t) && t;
	}, 10000, 'the stanzas logged');
	const bad = log.split('\n').filter((l) => / !! /.test(l)).join('\n');
	assert.match(bad, /<iq> to='s\.whatsapp\.net' is a bare token/);
	assert.match(bad, /usync \(context message\) lists 3 numbers/);
	assert.match(bad, /STRICT3 addressed to the device 15559991001:3@s\.whatsapp\.net/);
	assert.match(bad, /STRICT4 to 15559991001@s\.whatsapp\.net without <tctoken>: refused 463/);
	assert.match(log, /<ack id='STRICT4' class='message'[^>]* error='463'/);
	assert.match(bad, /receipt STRICT5: unknown type 'bogus'/);
	await c.end();
});
