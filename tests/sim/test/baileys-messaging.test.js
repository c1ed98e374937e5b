// A Baileys client and simulated contacts exchange text both ways: Baileys
// decrypts the contact's pkmsg then msg, the contact decrypts Baileys' reply;
// messages for an offline device wait for its next login.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, tmpDir, waitFor } from '../support/helpers.js';
import { connect, pair } from '../support/baileys-client.js';

let sim, auth, jid;
before(async () => {
	// Every prekey fetch leaves fewer than 812: each triggers a low-prekey notification.
	sim = await startSim({ args: ['--prekey-low', '812'] });
	({ auth, jid } = await pair(sim, tmpDir('baileys-auth-')));
});
after(async () => { await sim?.stop(); });

// No history sync exists here: Baileys would otherwise hold events for 20 s
// waiting for one after its first connection (Socket/chats.js).
const opts = { shouldSyncHistoryMessage: () => false };

function collect(c) {
	const got = [];
	c.sock.ev.on('messages.upsert', ({ messages }) => {
		for (const m of messages)
			got.push(m);
	});
	return got;
}

const textOf = (m) => m.message?.conversation || m.message?.extendedTextMessage?.text;

async function converse(contact, { lid, pn = true } = {}) {
	const made = await sim.api('POST', '/sim/contacts', { phone: contact, ...(lid ? { lid: true } : {}), pn });
	assert.equal(made.status, 200, made.text);
	const c = connect(sim.url, auth, opts);
	const got = collect(c);
	await c.waitOpen();
	const send = async (text) => {
		const since = Number((await sim.api('GET', '/sim/log?since=0')).text.trim().split('\n').pop().split(' ')[0]);
		const r = await sim.api('POST', `/sim/contacts/${contact}/send`, { to: '15550001111@s.whatsapp.net', text });
		assert.equal(r.status, 200, r.text);
		await waitFor(() => got.find((m) => textOf(m) === text), 10000, `Baileys got "${text}"`);
		return (await sim.api('GET', `/sim/log?since=${since}`)).text;
	};
	// The contact's first message starts the session (pkmsg) ...
	assert.match(await send('hello from the contact'), /<enc v='2' type='pkmsg'>/);
	const first = got.find((m) => textOf(m) === 'hello from the contact');
	assert.equal(first.key.remoteJid, made.body.jid);
	if (lid)
		assert.equal(first.key.remoteJidAlt, pn ? `${contact}@s.whatsapp.net` : undefined);

	// ... Baileys answers, the contact decrypts it ...
	await c.sock.sendMessage(made.body.jid, { text: 'reply from Baileys' });
	const inbox = await waitFor(async () => {
		const b = (await sim.api('GET', `/sim/contacts/${contact}/inbox`)).body;
		return b.find((m) => m.text === 'reply from Baileys') && b;
	}, 10000, 'contact inbox');
	const m = inbox.find((x) => x.text === 'reply from Baileys');
	assert.equal(m.from, jid);
	assert.ok(m.id && m.t > 0);

	// ... and its next message rides the established session (msg).
	assert.match(await send('second one'), /<enc v='2' type='msg'>/);
	await c.end();
}

test('a phone-number contact and Baileys exchange text both ways', { timeout: 40000 }, async () => {
	await converse('15559990001');
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	const note = /out c[0-9]+ \S+ <notification from='@s\.whatsapp\.net' type='encrypt' id='([^']+)'[^>]*><count value='811'\/>/.exec(log);
	assert.ok(note, 'low-prekey notification sent');
	assert.match(log, new RegExp(`<ack id='${note[1].replace('.', '\\.')}'[^>]* class='notification'`));
});

test('a LID contact with sender_pn and Baileys exchange text both ways', { timeout: 40000 }, async () => {
	await converse('15559990002', { lid: true });
});

test('a LID contact without sender_pn and Baileys exchange text both ways', { timeout: 40000 }, async () => {
	await converse('15559990004', { lid: true, pn: false });
});

test('an undecryptable message is retried: Baileys asks, the contact re-sends', { timeout: 40000 }, async () => {
	await sim.api('POST', '/sim/contacts', { phone: '15559990005' });
	const c = connect(sim.url, auth, opts);
	const got = collect(c);
	await c.waitOpen();
	const r = await sim.api('POST', '/sim/contacts/15559990005/send', { to: jid, text: 'mangled then fixed', corrupt: true });
	assert.equal(r.status, 200, r.text);
	await waitFor(() => got.find((m) => textOf(m) === 'mangled then fixed'), 15000, 'retried message');
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	assert.match(log, new RegExp(`<receipt id='${r.body.id}' type='retry'`));
	assert.match(log, new RegExp(`<message from='15559990005@s.whatsapp.net' id='${r.body.id}'[^>]*><enc v='2' type='pkmsg' count='1'>`));
	await c.end();
});

test('messages sent while the device is offline arrive at its next login', { timeout: 40000 }, async () => {
	await sim.api('POST', '/sim/contacts', { phone: '15559990003' });
	const r = await sim.api('POST', '/sim/contacts/15559990003/send', { to: jid, text: 'while you were away' });
	assert.equal(r.status, 200, r.text);
	const c = connect(sim.url, auth, opts);
	const got = collect(c);
	await c.waitOpen();
	try {
		await waitFor(() => got.find((m) => textOf(m) === 'while you were away'), 10000, 'offline message');
	} catch (e) {
		console.log((await sim.api('GET', '/sim/log?since=0')).text.split('\n').filter((l) => !/w:p|ping/.test(l)).slice(-60).map((l) => l.slice(0, 500)).join('\n'));
		throw e;
	}
	// held until Baileys asked for it: preview, batch, then the end marker
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	assert.match(log, /<ib from='@s\.whatsapp\.net'><offline_preview count='[1-9][0-9]*'[^>]*\/><\/ib>[\s\S]*in c[0-9]+ \S+ <ib[^>]*><offline_batch count='100'\/>[\s\S]*<ib from='@s\.whatsapp\.net'><offline count='[1-9][0-9]*'\/>/);
	await c.end();
	const bad = await sim.api('POST', '/sim/contacts/15559990003/send', { to: 'nobody', text: 'x' });
	assert.equal(bad.status, 400);
	const missing = await sim.api('GET', '/sim/contacts/1234567/inbox');
	assert.equal(missing.status, 404);
});

test('a contact with three devices writes from a companion; all three decrypt Baileys\' reply with its privacy token', { timeout: 40000 }, async () => {
	const made = await sim.api('POST', '/sim/contacts', { phone: '15559990006', devices: 3 });
	assert.equal(made.status, 200, made.text);
	assert.equal(made.body.devices.length, 3);
	const c = connect(sim.url, auth, opts);
	const got = collect(c);
	await c.waitOpen();
	const r = await sim.api('POST', '/sim/contacts/15559990006/send',
	    { to: '15550001111@s.whatsapp.net', text: 'from my laptop', device: made.body.devices[1].split(/[:@]/)[1] * 1, idLength: 40 });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.id.length, 40);
	assert.equal(r.body.from, made.body.devices[1]);
	const m = await waitFor(() => got.find((x) => textOf(x) === 'from my laptop'), 10000, 'message from the companion');
	assert.equal(m.key.remoteJid, made.body.jid, 'Baileys files it under the chat, not the device');
	await c.sock.sendMessage(m.key.remoteJid, { text: 'to all your devices' });
	const rec = await waitFor(async () => {
		const all = (await sim.api('GET', '/sim/contacts/15559990006/messages')).body;
		const x = all.find((y) => y.text === 'to all your devices');
		return x && x.delivered && x;
	}, 10000, 'every device decrypted the reply');
	assert.deepEqual(Object.keys(rec.devices).sort(), [...made.body.devices].sort());
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	assert.match(log, /type='privacy_token'/);
	assert.match(log, new RegExp(`<message id='${rec.id}'[^>]*>.*<tctoken>`));
	assert.doesNotMatch(log, /error='463'/);
	await c.end();
});

// A contact's phone (device 0) asks: Baileys re-sends to every device of the
// chat (messages-recv sendMessagesAgain, sendToAll). (A companion's retry
// receipt, from='123:5@…' as whatsmeow parses it, finds no message in
// Baileys 7's cache: it keys the cache by the receipt's raw from.)
test('a contact that cannot read Baileys\' message asks again (undecryptable); the resend reaches it', { timeout: 40000 }, async () => {
	const made = await sim.api('POST', '/sim/contacts', { phone: '15559990007' });
	assert.equal(made.status, 200, made.text);
	const c = connect(sim.url, auth, opts);
	await c.waitOpen();
	const f = await sim.api('POST', '/sim/inject', { jid: made.body.jid, fault: 'undecryptable' });
	assert.equal(f.status, 200, f.text);
	await c.sock.sendMessage(made.body.jid, { text: 'say again?' });
	const rec = await waitFor(async () => (await sim.api('GET', '/sim/contacts/15559990007/messages')).body
	    .find((m) => m.text === 'say again?' && m.delivered), 20000, 'the resend decrypted');
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	assert.match(log, new RegExp(`<receipt from='15559990007@s\\.whatsapp\\.net' id='${rec.id}' type='retry'[^>]*><retry count='1'`));
	assert.equal(log.split('\n').filter((l) => new RegExp(`^[0-9]+ \\S+ in c[0-9]+ \\S+ <message id='${rec.id}'`).test(l)).length, 2,
	    'the message and its resend');
	await c.end();
});

test('Baileys, an unmodified client, leaves no !! line in the simulator log', async () => {
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	const bad = log.split('\n').filter((l) => / !! /.test(l));
	assert.deepEqual(bad, []);
});
