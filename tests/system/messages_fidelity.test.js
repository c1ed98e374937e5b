// wa-worker speaking to WhatsApp as WhatsApp's own clients do (issue 11),
// against a simulator that refuses what WhatsApp refuses: contacts with
// companions, privacy tokens, the offline backlog, 40-character ids and
// retry receipts, reinstalls, LID senders mapped by notification, and an
// unknown <failure>. Every test also fails on any `!!` line the simulator
// logged meanwhile (helpers.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { waitState, probe, waitFor, freePort, allowSimDeviation, BIN } from './helpers.js';
import { messagingFixture } from '../support/messaging.js';
import { startControl, login } from './control-harness.js';

const fx = messagingFixture({ prefix: 'walink-fid-', firstPhone: 15550011000 });
const { paired, hookRuns, contact, send } = fx;
/* a restart here is watched from its start: no wait for the link */
const restart = (w) => fx.restart(w, { connected: false });

/** What the worker sent the contact, per message id with every device's decrypt result. */
async function sentTo(phone) {
	return (await fx.sim.api('GET', `/sim/contacts/${phone}/messages`)).body;
}

/** Waits until the reply `text` reached every device of the contact; returns its record. */
async function delivered(phone, text, w, ms = 15000) {
	try {
		return await waitFor(async () => (await sentTo(phone)).find((m) => m.text === text && m.delivered),
		    ms, `"${text}" decrypted by every device of ${phone}`);
	} catch (e) {
		const lines = (await simLog()).filter((l) => l.includes(w.jid) && /<message|<notification|<receipt|<ack| !! /.test(l));
		e.message += `\nsent: ${JSON.stringify(await sentTo(phone))}\n--- sim log ---\n` +
		    `${lines.slice(-25).map((l) => l.slice(0, 400)).join('\n')}\n--- worker output ---\n` +
		    `${w.output().split('\n').filter((l) => !/heartbeat/.test(l)).slice(-30).join('\n')}`;
		throw e;
	}
}

async function simLog() {
	return (await fx.sim.api('GET', '/sim/log')).text.split('\n');
}

const esc = (s) => s.replace(/[.+*?()[\]{}|^$\\]/g, '\\$&');

test('a contact with three devices writes from its second: all three decrypt the reply, our other device gets the copy', async () => {
	const c = '4915112341001';
	const made = await contact(c, { devices: 3 });
	assert.equal(made.devices.length, 3);
	const a = await paired({ allow: [c] });
	const b = await paired({ allow: [c], phone: a.phone });
	const second = made.devices[1];
	const r = await send(c, a, 'from my laptop', { device: Number(/:([0-9]+)@/.exec(second)[1]), to: a.jid });
	assert.equal(r.from, second);
	const rec = await delivered(c, 'from my laptop', a);
	assert.deepEqual(Object.values(rec.devices), ['ok', 'ok', 'ok']);
	assert.equal(rec.to, `${c}@s.whatsapp.net`, 'the reply goes to the chat, not the device');
	const runs = hookRuns(a);
	assert.equal(runs.length, 1);
	assert.equal(runs[0].from, c, 'the hook sees the number, not the device');
	// the device-sent copy reached our other device, which answered it as its own message
	await waitFor(async () => {
		const lines = await simLog();
		return lines.some((l) => new RegExp(`out c\\d+ ${esc(b.jid)} <message from='${esc(a.jid)}' ` +
		    `recipient='${esc(c)}@s\\.whatsapp\\.net' id='${rec.id}'`).test(l)) &&
		    lines.some((l) => new RegExp(`in c\\d+ ${esc(b.jid)} <receipt id='${rec.id}'[^>]* type='sender'`).test(l));
	}, 10000, 'the copy relayed to our other device and acknowledged as sent by us');
	// b reads a marker sent to it after the copy; once the marker's reply
	// has arrived, a hook run for the copy would have been recorded first
	await send(c, b, 'marker for the other device', { to: b.jid });
	await delivered(c, 'marker for the other device', b);
	assert.deepEqual(hookRuns(b).map((x) => x.text), ['marker for the other device'],
	    'the other device serves nothing but the marker');
});

test('privacy tokens required: every reply carries the contact\'s token and no ack has an error', async () => {
	assert.equal((await fx.sim.api('GET', '/sim/props')).body.privacyTokens, true);
	const c = '4915112341002';
	await contact(c);
	const w = await paired({ allow: [c] });
	for (const text of ['first', 'second'])
		await send(c, w, text);
	const got = [await delivered(c, 'first', w), await delivered(c, 'second', w)];
	const lines = await simLog();
	for (const m of got) {
		const out = lines.find((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <message id='${m.id}'`).test(l));
		assert.match(out, /<tctoken>[0-9a-f]+/, 'the token the contact issued');
		assert.ok(lines.some((l) => new RegExp(`<ack id='${m.id}' class='message'`).test(l) && !/error=/.test(l)),
		    'a clean server ack');
	}
	assert.equal(lines.filter((l) => /error='463'/.test(l)).length, 0);
});

test('a contact that never issued a token is answered without one, as whatsmeow does', async () => {
	const c = '4915112341003';
	await contact(c, { tokens: false });
	const w = await paired({ allow: [c] });
	await send(c, w, 'no token here');
	const m = await delivered(c, 'no token here', w);
	const out = (await simLog()).find((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <message id='${m.id}'`).test(l));
	assert.doesNotMatch(out, /<tctoken>/);
	// (not /463/ alone: a timestamp like 41.463Z matched it)
	assert.doesNotMatch(w.output(), /refused by the server: error 463/);
	assert.equal((await simLog()).filter((l) => /error='463'/.test(l)).length, 0);
});

test('worker down while 50 messages are queued: after restart all 50 reach the hook once', { timeout: 180000 }, async () => {
	const c = '4915112341004';
	await contact(c);
	// keepalive at 5 s: this is about the backlog, and 50 hook runs on a loaded
	// 2-core machine can hold a 300 ms pong past the worker's patience
	let w = await paired({ allow: [c], extra: { '--hook-max': '4', '--heartbeat': '5s' } });
	await send(c, w, 'before');
	await delivered(c, 'before', w);
	await w.stop();
	const ids = [];
	for (let i = 0; i < 50; i++)
		ids.push((await send(c, w, `queued ${i}`)).id);
	w = await restart(w);
	await waitFor(() => hookRuns(w).length >= 51, 150000, '50 queued messages at the hook')
	    .catch((e) => { e.message += `\n${w.output().slice(-4000)}`; throw e; });
	for (let i = 0; i < 50; i++)
		await delivered(c, `queued ${i}`, w, 30000).catch(async (e) => {
			const lines = (await simLog()).filter((l) => / !! |error=|<message id/.test(l) && l.includes(w.jid));
			console.log(lines.slice(0, 12).map((l) => l.slice(0, 300)).join('\n'));
			console.log(w.output().split('\n').filter((l) => !/heartbeat|sent to 1 device/.test(l)).slice(0, 60).join('\n'));
			throw e;
		});
	// a marker queued behind the backlog: once its reply arrived, a second
	// hook run for any of the 50 would have been recorded
	const marker = await send(c, w, 'after the backlog');
	await delivered(c, 'after the backlog', w);
	const runs = hookRuns(w).map((r) => r.id).filter((id) => id !== marker.id);
	assert.equal(runs.length, 51, 'each message reached the hook once');
	assert.deepEqual(new Set(runs.slice(1)), new Set(ids));
	const lines = await simLog();
	assert.ok(lines.some((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <ib[^>]*><offline_batch`).test(l)),
	    'the worker asked for the backlog');
});

test('40-character ids: the retry receipts count up, carry keys from the second, and stop at the maximum', { timeout: 60000 }, async () => {
	const c = '4915112341005';
	await contact(c, { idLength: 40 });
	const w = await paired({ allow: [c] });
	// one mangled copy: the worker asks once and serves the resend
	const once = await send(c, w, 'mangled once', { corrupt: 1 });
	assert.equal(once.id.length, 40);
	await delivered(c, 'mangled once', w);
	assert.equal(hookRuns(w)[0].id, once.id);
	// every copy mangled: the worker keeps asking, then gives up
	const bad = await send(c, w, 'always mangled', { corrupt: 10 });
	const retries = async () => (await fx.sim.api('GET', `/sim/contacts/${c}/receipts`)).body
	    .filter((r) => r.id === bad.id && r.type === 'retry');
	await waitFor(async () => (await retries()).length >= 4, 20000, 'four retry receipts');
	// The simulator records a retry receipt only after it has resent the copy
	// it asks for, so the fifth copy is already on the connection. A marker
	// sent behind it on the same connection is read after it: once the reply
	// to the marker has arrived, a fifth retry receipt would have too.
	await send(c, w, 'marker after the fifth copy');
	await delivered(c, 'marker after the fifth copy', w);
	const got = await retries();
	assert.deepEqual(got.map((r) => r.count), [1, 2, 3, 4], 'counts 1..4: whatsmeow sends none at 5');
	assert.deepEqual(got.map((r) => r.keys), [false, true, true, true], 'keys from the second retry on');
	assert.equal(hookRuns(w).filter((r) => r.id === bad.id).length, 0);
	assert.deepEqual((await waitState(w, 'connected')).state, 'connected');
});

test('a contact that cannot read our reply asks again; the resend reaches it', { timeout: 60000 }, async () => {
	const c = '4915112341006';
	const made = await contact(c, { idLength: 40 });
	const w = await paired({ allow: [c] });
	await send(c, w, 'hello');
	await delivered(c, 'hello', w);
	const f = await fx.sim.api('POST', '/sim/inject', { jid: made.jid, fault: 'undecryptable' });
	assert.equal(f.status, 200, f.text);
	await send(c, w, 'read this twice');
	const m = await delivered(c, 'read this twice', w);
	const lines = (await simLog()).filter((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <message `).test(l) &&
	    l.includes(`id='${m.id}'`));
	assert.ok(lines.length >= 2, 'the original and at least one resend');
	for (const l of lines.slice(1)) {
		assert.match(l, /device_fanout='false'/);
		assert.match(l, /<enc [^>]*count='[1-9]'/);
	}
});

test('a reinstalled contact is served after the identity change with no decryption failure either side', async () => {
	const c = '4915112341007';
	await contact(c);
	const w = await paired({ allow: [c] });
	await send(c, w, 'before reinstall');
	await delivered(c, 'before reinstall', w);
	const r = await fx.sim.api('POST', `/sim/contacts/${c}/reinstall`);
	assert.equal(r.status, 200, r.text);
	await waitFor(async () => (await simLog()).some((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <ack [^>]*class='notification'[^>]*type='encrypt'`).test(l) ||
	    new RegExp(`in c\\d+ ${esc(w.jid)} <ack [^>]*type='encrypt'[^>]*class='notification'`).test(l)), 10000, 'the identity notification acked');
	await send(c, w, 'after reinstall');
	const m = await delivered(c, 'after reinstall', w);
	assert.equal(m.devices[`${c}@s.whatsapp.net`], 'ok');
	assert.ok((await fx.sim.api('GET', `/sim/contacts/${c}/inbox`)).body.every((x) => !x.error));
	assert.doesNotMatch(w.output(), /cannot decrypt|untrusted identity/i);
	assert.equal(hookRuns(w).length, 2);
});

test('a LID sender without sender_pn is served once a devices notification maps it; no usync lists more than one number', { timeout: 60000 }, async () => {
	const c = '4915112341008';
	const made = await contact(c, { lid: true, pn: false });
	const w = await paired({ allow: ['4915112341099', c, '4915112341098'] });
	const first = await send(c, w, 'who am i');
	await waitFor(async () => (await simLog()).some((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <ack id='${first.id}'`).test(l)),
	    10000, 'the first message acknowledged');
	// (held for a mapping or refused as unmappable: both are the references' ways)
	const r = await fx.sim.api('POST', `/sim/contacts/${c}/devices`, { add: true });
	assert.equal(r.status, 200, r.text);
	await waitFor(async () => (await simLog()).some((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <ack [^>]*type='devices'`).test(l)),
	    10000, 'the devices notification acked');
	await send(c, w, 'now you know me');
	const m = await delivered(c, 'now you know me', w);
	assert.equal(m.to, made.lid, 'the reply goes to the LID chat');
	assert.equal(Object.keys(m.devices).length, 2, 'both devices, the new one included');
	assert.ok(hookRuns(w).some((x) => x.from === c && x.text === 'now you know me'));
	const bulk = (await simLog()).filter((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <iq [^>]*xmlns='usync'`).test(l))
	    .filter((l) => (l.match(/<user /g) || []).length - (l.includes(`jid='${w.phone}@`) ? 1 : 0) > 1);
	assert.deepEqual(bulk, [], 'no usync lists more than one number besides our own');
	const lookups = (await simLog()).filter((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <iq [^>]*xmlns='usync'.*<lid/>.*jid='${c}@`).test(l));
	assert.deepEqual(lookups, [], 'the mapping came from the notification, not a lookup of the number');
});

test('an unknown <failure reason=409> stops the link with a clear reason, wa-probe exits 2, no reconnects', async () => {
	const w = await paired();
	const port = await freePort();
	const control = await startControl(w.dataDir, port, { WA_ADMIN_PASSWORD: 'fid-pass' });
	try {
		const sess = await login(control.base, 'fid-pass');
		const before = (await fx.sim.api('GET', '/sim/devices')).body.find((d) => d.jid === w.jid).connects;
		const f = await fx.sim.api('POST', '/sim/inject', { jid: w.jid, fault: 'failure', reason: 409 });
		assert.equal(f.status, 200, f.text);
		const s = await waitState(w, 'server_failure', 5000);
		assert.match(s.strategy, /409/);
		const p = await probe(w, 'state');
		assert.equal(p.code, 2, p.stdout + p.stderr);
		const api = await waitFor(async () => {
			const r = await fetch(`${control.base}/api/whatsapp/state`, { headers: sess.headers() });
			const j = await r.json();
			return /409/.test(JSON.stringify(j)) && j;
		}, 10000, '409 in /api/whatsapp/state');
		assert.match(JSON.stringify(api), /failure 409/);
		// The worker's own decision, not a wait for an attempt that should not
		// come: a reconnect would be planned (nextAttempt set) when the state
		// is entered, and both the probe and the API show none.
		assert.equal(s.nextAttempt, null, 'wa-probe: no reconnect planned');
		assert.equal(api.connectionState.nextAttempt, null, 'API: no reconnect planned');
		assert.equal((await fx.sim.api('GET', '/sim/devices')).body.find((d) => d.jid === w.jid).connects, before,
		    'no reconnect attempt');
		assert.equal((await waitState(w, 'server_failure')).state, 'server_failure');
	} finally {
		await control.stop();
		await fx.sim.api('POST', '/sim/inject', { jid: w.jid, fault: 'clear' });
	}
});

// Last in the file: the simulator marks the refused sends of this one
// contact `!!`, which this test provokes on purpose.
test('a token the worker lacks: the reply is refused 463, reported as send-failed, never as sent; a new token heals it', async () => {
	const c = '4915112341009';
	allowSimDeviation(fx.sim, new RegExp(`to ${c}@s\\.whatsapp\\.net (without|with a wrong) <tctoken>: refused 463`));
	await contact(c);
	const w = await paired({ allow: [c] });
	await send(c, w, 'token one');
	await delivered(c, 'token one', w);
	const watch = spawn(BIN.probe, ['--data', w.dataDir, '--json', 'watch'], { stdio: ['ignore', 'pipe', 'ignore'] });
	let events = '';
	watch.stdout.on('data', (d) => { events += d; });
	try {
		await waitFor(() => events.includes('"state"'), 5000, 'wa-probe watch streaming');
		// the contact issues a new token without telling the worker: its copy is stale
		const r = await fx.sim.api('POST', `/sim/contacts/${c}/token`, { notify: false });
		assert.equal(r.status, 200, r.text);
		await send(c, w, 'token two');
		const failed = await waitFor(() => events.split('\n').filter(Boolean).map((l) => JSON.parse(l))
		    .find((e) => e.type === 'send-failed'), 15000, 'a send-failed event');
		assert.equal(failed.error, 463);
		assert.equal(failed.to, `${c}@s.whatsapp.net`);
		assert.ok((await simLog()).some((l) => new RegExp(`<ack id='${failed.id}' class='message'[^>]* error='463'`).test(l)));
		assert.ok(!w.output().includes(`message ${failed.id} to ${c}@s.whatsapp.net sent`), 'never logged as sent');
		assert.equal((await waitState(w, 'connected')).state, 'connected');
		// a token that arrives by notification is used from then on
		const n = await fx.sim.api('POST', `/sim/contacts/${c}/token`, {});
		assert.equal(n.status, 200, n.text);
		await waitFor(async () => (await simLog()).filter((l) => new RegExp(`in c\\d+ ${esc(w.jid)} <ack [^>]*type='privacy_token'`).test(l)).length >= 2,
		    10000, 'the new token acknowledged');
		await send(c, w, 'token three');
		await delivered(c, 'token three', w);
	} finally {
		watch.kill('SIGTERM');
	}
});
