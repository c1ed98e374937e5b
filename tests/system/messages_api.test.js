// Sends the bot starts (issue 13): POST /api/messages on wa-control to a
// whitelisted number reaches the contact, anyone else is refused 403 (by
// the worker's own whitelist), and each sent message's status (queued,
// sent, delivered, read, failed with the server's code) is in GET
// /api/messages/:id, in SSE (message_status) and in --hook-url webhooks,
// and survives a worker restart. One worker and one wa-control for the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { startSim, startWorker, waitState, scanQr, tmpDir, waitFor, freePort, allowSimDeviation, REPO }
    from './helpers.js';
import { startControl, login } from './control-harness.js';

const C = '4915112349001';	// whitelisted
const STRANGER = '4915112349002';
const C463 = '4915112349003';	// whitelisted; its token goes stale
const TOKEN = 'messages-api-token';
const PASSWORD = 'messages-api-pass';

const validate = new Ajv2020({ strict: true, strictRequired: false }).compile(
    JSON.parse(fs.readFileSync(path.join(REPO, 'docs', 'webhook-message-status.schema.json'))));

let sim, w, opts, control, sess, hook, sse;
const workers = [];

/** --hook-url receiver: answers 200 with no reply; keeps every body. */
async function receiver() {
	const seen = [];
	const srv = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			try { seen.push(JSON.parse(body)); } catch { seen.push({ raw: body }); }
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.end('');
		});
	});
	const port = await freePort();
	await new Promise((r) => srv.listen(port, '127.0.0.1', r));
	return { seen, url: `http://127.0.0.1:${port}/hook`, srv };
}

/** The SSE stream (bearer): every frame kept as {event, data}. */
async function openEvents() {
	const ac = new AbortController();
	const r = await fetch(`${control.base}/api/events`, {
		headers: { authorization: `Bearer ${TOKEN}` }, signal: ac.signal });
	assert.equal(r.status, 200);
	const s = { frames: [], close: () => ac.abort() };
	let buf = '';
	(async () => {
		try {
			for await (const chunk of r.body) {
				buf += Buffer.from(chunk).toString();
				let i;
				while ((i = buf.indexOf('\n\n')) >= 0) {
					const f = buf.slice(0, i);
					buf = buf.slice(i + 2);
					const ev = /^event: (.*)$/m.exec(f)?.[1];
					const data = /^data: (.*)$/m.exec(f)?.[1];
					if (ev && data)
						s.frames.push({ event: ev, data: JSON.parse(data) });
				}
			}
		} catch { /* aborted */ }
	})();
	return s;
}

const bearer = (p, method = 'GET', body) => fetch(`${control.base}${p}`, {
	method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
	body: body === undefined ? undefined : JSON.stringify(body) });

async function post(body) {
	const r = await bearer('/api/messages', 'POST', body);
	return { status: r.status, body: await r.json() };
}

async function status(id) {
	const r = await bearer(`/api/messages/${encodeURIComponent(id)}`);
	return { status: r.status, body: await r.json() };
}

const waitStatus = (id, want, ms = 15000) => waitFor(async () => {
	const r = await status(id);
	return r.status === 200 && r.body.message.status === want && r.body.message;
}, ms, `message ${id} ${want}`);

async function contact(phone) {
	const r = await sim.api('POST', '/sim/contacts', { phone });
	assert.equal(r.status, 200, r.text);
}

const sentTo = async (phone) => (await sim.api('GET', `/sim/contacts/${phone}/messages`)).body;

before(async () => {
	sim = await startSim();
	for (const p of [C, STRANGER, C463])
		await contact(p);
	hook = await receiver();
	const dataDir = tmpDir('walink-msgapi-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify([C, C463]));
	opts = { dataDir, extra: { '--hook-url': hook.url, '--hook-status': null } };
	w = await startWorker(sim, opts);
	workers.push(w);
	w.phone = '15550019000';
	await waitState(w, 'qr');
	await scanQr(sim, w, w.phone);
	await waitState(w, 'connected', 10000);
	control = await startControl(dataDir, await freePort(),
	    { WA_ADMIN_PASSWORD: PASSWORD, WA_API_TOKEN: TOKEN });
	await waitFor(async () => (await (await fetch(`${control.base}/healthz`)).json()).workerReachable,
	    10000, 'worker reachable');
	sess = await login(control.base, PASSWORD);
	sse = await openEvents();
});

after(async () => {
	sse?.close();
	await control?.stop();
	for (const x of workers)
		await x.stop();
	hook?.srv.close();
	await sim.stop();
});

let readId;

test('POST /api/messages to a whitelisted number arrives; its status reaches read in the API, SSE and webhooks', async () => {
	const r = await post({ to: `+${C}`, type: 'text', text: 'your driver is outside' });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	assert.equal(r.body.success, true);
	const id = r.body.id;
	assert.match(id, /^[0-9A-F]{16,}$/);
	assert.equal(r.body.message.to, C);
	assert.equal(r.body.message.type, 'text');
	const got = await waitFor(async () => (await sentTo(C)).find((m) => m.id === id && m.delivered),
	    15000, 'the contact decrypted it');
	assert.equal(got.text, 'your driver is outside');
	await waitStatus(id, 'delivered');
	const rd = await sim.api('POST', `/sim/contacts/${C}/read`, { id });
	assert.equal(rd.status, 200, rd.text);
	const m = await waitStatus(id, 'read');
	assert.equal(m.to, C);
	assert.equal(m.type, 'text');
	assert.ok(m.updatedAt >= m.createdAt);
	// SSE: every step, in order, for this id
	const steps = await waitFor(() => {
		const s = sse.frames.filter((f) => f.event === 'message_status' && f.data.id === id)
		    .map((f) => f.data.status);
		return s.includes('read') && s;
	}, 5000, 'message_status read in SSE');
	assert.deepEqual(steps, ['queued', 'sent', 'delivered', 'read']);
	// webhooks: the same steps, metadata only
	const hooked = await waitFor(() => {
		const s = hook.seen.filter((e) => e.type === 'message_status' && e.id === id);
		return s.some((e) => e.status === 'read') && s;
	}, 10000, 'message_status read webhook');
	// (up to 4 deliveries run at once: the receiver may see them in any order)
	assert.deepEqual(hooked.map((e) => e.status).sort(), ['delivered', 'queued', 'read', 'sent']);
	assert.ok(hooked.every((e) => e.to === C && !('text' in e)));
	for (const e of hooked)
		assert.ok(validate(e), JSON.stringify(validate.errors));
	// the dashboard's list: metadata, no body
	const list = await (await bearer('/api/messages?limit=10')).json();
	const row = list.messages.find((x) => x.id === id);
	assert.equal(row.direction, 'out');
	assert.equal(row.status, 'read');
	assert.ok(!JSON.stringify(list).includes('driver'));
	readId = id;
});

test('one read receipt listing several ids (<list><item id>) marks each of them read', async () => {
	const ids = [];
	for (const text of ['first of two', 'second of two']) {
		const r = await post({ to: C, type: 'text', text });
		assert.equal(r.status, 200);
		ids.push(r.body.id);
	}
	for (const id of ids)
		await waitStatus(id, 'delivered');
	const rd = await sim.api('POST', `/sim/contacts/${C}/read`, { ids });
	assert.equal(rd.status, 200, rd.text);
	assert.equal(rd.body.sent, 1, 'one receipt for both');
	for (const id of ids)
		await waitStatus(id, 'read');
	assert.ok((await sim.api('GET', '/sim/log')).text.split('\n').some((l) =>
	    l.includes(`<receipt `) && l.includes(`id='${ids[0]}'`) && l.includes(`<item id='${ids[1]}'`)),
	'the receipt carried the second id in its list');
});

test('a number not whitelisted is refused 403 by the worker; bad bodies 400; cookies need CSRF', async () => {
	const r = await post({ to: STRANGER, type: 'text', text: 'hello stranger' });
	assert.equal(r.status, 403, JSON.stringify(r.body));
	assert.match(r.body.error, /not whitelisted/);
	assert.match(w.output(), new RegExp(`send to ${STRANGER} refused: not whitelisted`));
	assert.equal((await post({ to: '12', text: 'x' })).status, 400);
	assert.equal((await post({ text: 'x' })).status, 400);
	assert.equal((await post({ to: C, type: 'text' })).status, 400);
	// typed bodies are hook answers: a wrong shape is named, never sent
	const img = await post({ to: C, type: 'image', caption: 'no file' });
	assert.equal(img.status, 400);
	assert.match(img.body.error, /path/);
	assert.equal((await status('NO-SUCH-ID')).status, 404);
	// a cookie without the CSRF header is refused before it acts
	const noCsrf = await fetch(`${control.base}/api/messages`, { method: 'POST',
		headers: { cookie: sess.cookie, 'content-type': 'application/json' },
		body: JSON.stringify({ to: C, type: 'text', text: 'csrf' }) });
	assert.equal(noCsrf.status, 403);
	// the same route per session, with the cookie and its token
	const viaSession = await fetch(`${control.base}/api/sessions/default/messages`, { method: 'POST',
		headers: sess.headers(), body: JSON.stringify({ to: C, type: 'text', text: 'per session' }) });
	assert.equal(viaSession.status, 200);
	const sid = (await viaSession.json()).id;
	await waitFor(async () => (await sentTo(C)).some((m) => m.id === sid && m.delivered), 15000,
	    'the per-session send arrived');
	assert.ok(!(await sentTo(STRANGER)).length, 'nothing ever reached the stranger');
	assert.ok(!(await sentTo(C)).some((m) => m.text === 'csrf'));
});

test('a send the server refuses (463: a stale privacy token) ends failed with the code', async () => {
	allowSimDeviation(sim, new RegExp(`to ${C463}@s\\.whatsapp\\.net (without|with a wrong) <tctoken>: refused 463`));
	// the contact writes first: it issues the account its token
	const s = await sim.api('POST', `/sim/contacts/${C463}/send`, { to: `${w.phone}@s.whatsapp.net`, text: 'hi' });
	assert.equal(s.status, 200, s.text);
	await waitFor(() => hook.seen.some((e) => e.id === s.body.id), 10000, 'the message webhook');
	const ok = await post({ to: C463, type: 'text', text: 'token good' });
	assert.equal(ok.status, 200);
	await waitStatus(ok.body.id, 'delivered');
	// a new token the worker is not told about: the server refuses the next send
	const t = await sim.api('POST', `/sim/contacts/${C463}/token`, { notify: false });
	assert.equal(t.status, 200, t.text);
	const bad = await post({ to: C463, type: 'text', text: 'token stale' });
	assert.equal(bad.status, 200);
	const m = await waitStatus(bad.body.id, 'failed');
	assert.equal(m.error, 463);
	assert.ok(sse.frames.some((f) => f.event === 'message_status' && f.data.id === bad.body.id &&
	    f.data.status === 'failed' && f.data.error === 463));
	await waitFor(() => hook.seen.some((e) => e.event === 'message_status' && e.id === bad.body.id &&
	    e.status === 'failed' && e.error === 463), 10000, 'the failed webhook');
});

test('statuses survive a worker restart', async () => {
	assert.ok(readId, 'the first test ran');
	await w.stop();
	w = await startWorker(sim, opts);
	workers.push(w);
	await waitState(w, 'connected', 10000);
	await waitFor(async () => (await status(readId)).status === 200, 10000, 'the worker answers again');
	const m = (await status(readId)).body.message;
	assert.equal(m.status, 'read');
	assert.equal(m.to, C);
	assert.equal(m.type, 'text');
	// the failed one too, with its code
	const list = await (await bearer('/api/messages?limit=200')).json();
	assert.ok(list.messages.some((x) => x.direction === 'out' && x.status === 'failed' && x.error === 463));
});
