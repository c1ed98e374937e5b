// --hook-url as operators expect webhooks (issue 13): libcurl delivery,
// Standard Webhooks signatures, retries with backoff that never repeat a
// delivered event, dead letters for answers a retry cannot change, and
// pending retries that survive kill -9 of the worker. Receivers are
// loopback HTTP servers in this file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startSim, startWorker, waitState, scanQr, tmpDir, waitFor, freePort, ipcCall }
    from './helpers.js';

let sim;
const workers = [];
const servers = [];
before(async () => { sim = await startSim(); });
after(async () => {
	for (const w of workers)
		await w.stop();
	for (const s of servers)
		s.close();
	await sim.stop();
});

const SECRET_KEY = crypto.randomBytes(24);
const SECRET = `whsec_${SECRET_KEY.toString('base64')}`;
let nextPhone = 15550007000;

/** A receiver answering with answer(n, req, body) for its n-th request. */
async function receiver(answer) {
	const seen = [];
	const srv = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			seen.push({ headers: req.headers, body });
			const [status, text] = answer(seen.length, req, body);
			res.writeHead(status, { 'content-type': 'text/plain' });
			res.end(text);
		});
	});
	const port = await freePort();
	await new Promise((r) => srv.listen(port, '127.0.0.1', r));
	servers.push(srv);
	return { seen, url: `http://127.0.0.1:${port}/hook`, srv };
}

/** What a receiver does with a Standard Webhooks request: true when genuine. */
function verify({ headers, body }) {
	const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
	const want = crypto.createHmac('sha256', SECRET_KEY).update(signed).digest('base64');
	return (headers['webhook-signature'] || '').split(' ').includes(`v1,${want}`);
}

async function paired(allow, extra, dataDir = tmpDir('walink-wh-')) {
	const secretFile = path.join(dataDir, 'hook.secret');
	fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify(allow));
	const opts = { dataDir, extra: { '--hook-secret-file': secretFile, ...extra } };
	const w = await startWorker(sim, opts);
	workers.push(w);
	w.phone = String(nextPhone++);
	w.opts = opts;
	await waitState(w, 'qr');
	await scanQr(sim, w, w.phone);
	await waitState(w, 'connected', 10000);
	return w;
}

async function contact(phone) {
	const r = await sim.api('POST', '/sim/contacts', { phone });
	assert.equal(r.status, 200, r.text);
}

async function send(from, w, text) {
	const r = await sim.api('POST', `/sim/contacts/${from}/send`,
	    { to: `${w.phone}@s.whatsapp.net`, text });
	assert.equal(r.status, 200, r.text);
	return r.body.id;
}

async function inbox(phone) {
	return (await sim.api('GET', `/sim/contacts/${phone}/inbox`)).body;
}

function queueFiles(w, sub) {
	const d = path.join(w.dataDir, 'webhooks', 'default', sub);
	return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => !f.startsWith('.')) : [];
}

test('a receiver failing 3 times gets the event exactly once more, signed, then the reply goes out', async () => {
	const c = '4915112347001';
	await contact(c);
	const r = await receiver((n) => n <= 3 ? [503, 'busy'] : [200, 'driver is outside']);
	const w = await paired([c], { '--hook-url': r.url, '--hook-retry-base': '100ms' });
	const id = await send(c, w, 'pick me up');
	const box = await waitFor(async () => {
		const b = await inbox(c);
		return b.length >= 1 ? b : null;
	}, 20000, 'the reply after retries');
	assert.equal(box[0].text, 'driver is outside');
	assert.equal(r.seen.length, 4, 'three failures and one success, no more');
	const ids = new Set(r.seen.map((s) => s.headers['webhook-id']));
	assert.equal(ids.size, 1, 'one webhook-id across the retries');
	assert.match([...ids][0], /^msg_[0-9a-f]{32}$/);
	for (const s of r.seen) {
		assert.ok(verify(s), 'the signature verifies');
		assert.ok(Math.abs(Number(s.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
		const m = JSON.parse(s.body);
		assert.equal(m.version, 2);
		assert.equal(m.id, id);
		assert.equal(m.text, 'pick me up');
	}
	assert.equal(verify({ ...r.seen[3], body: r.seen[3].body.replace('pick', 'kick') }), false,
	    'a tampered body does not verify');
	await waitFor(() => queueFiles(w, 'pending').length === 0, 5000, 'no pending file left');
	assert.match(w.output(), /webhook msg_[0-9a-f]{32} delivered \(HTTP 200, attempt 4\)/);
	assert.doesNotMatch(w.output(), /pick me up/, 'message text never logged');
});

test('a receiver answering 404 is not retried: the event lands in the dead letters', async () => {
	const c = '4915112347002';
	await contact(c);
	const r = await receiver(() => [404, 'no such bot']);
	const w = await paired([c], { '--hook-url': r.url, '--hook-retry-base': '50ms' });
	await send(c, w, 'anyone there?');
	await waitFor(() => queueFiles(w, 'dead').length === 1, 10000, 'a dead letter');
	const dead = JSON.parse(fs.readFileSync(path.join(w.dataDir, 'webhooks', 'default', 'dead',
	    queueFiles(w, 'dead')[0])));
	assert.equal(dead.status, 404);
	assert.equal(dead.attempts, 1);
	assert.equal(JSON.parse(dead.body).text, 'anyone there?');
	assert.equal(r.seen.length, 1, 'never retried');
	assert.match(w.output(), /dead letter after 1 attempt\(s\), last HTTP 404/);
	assert.equal(queueFiles(w, 'pending').length, 0);
	assert.equal((await inbox(c)).length, 0);
	const mode = fs.statSync(path.join(w.dataDir, 'webhooks', 'default', 'dead',
	    queueFiles(w, 'dead')[0])).mode & 0o777;
	assert.equal(mode, 0o600);
});

test('dead letters are listed over IPC (metadata only) and delivered again on request', async () => {
	const c = '4915112347004';
	await contact(c);
	let fixed = false;
	const r = await receiver(() => fixed ? [200, 'sorted'] : [422, 'cannot parse']);
	const w = await paired([c], { '--hook-url': r.url });
	await send(c, w, 'secret plans');
	await waitFor(() => queueFiles(w, 'dead').length === 1, 10000, 'a dead letter');
	const list = await ipcCall(w, { webhookDeadList: {} });
	assert.equal(list.webhookDead.count, 1);
	const d = list.webhookDead.dead[0];
	assert.equal(d.id, r.seen[0].headers['webhook-id']);
	assert.equal(d.status, 422);
	assert.equal(d.attempts, 1);
	assert.ok(d.failedMs >= d.createdMs && d.failedMs <= Date.now() + 1000);
	assert.doesNotMatch(JSON.stringify(list), /secret plans/, 'no body over IPC');
	const missing = await ipcCall(w, { webhookRedeliver: 'msg_nope' });
	assert.equal(missing.error.code, 'ERR_NOT_FOUND');
	fixed = true;
	const again = await ipcCall(w, { webhookRedeliver: d.id });
	assert.ok(again.done, JSON.stringify(again));
	await waitFor(() => r.seen.length === 2, 10000, 'the second delivery');
	assert.equal(r.seen[1].headers['webhook-id'], d.id);
	assert.ok(verify(r.seen[1]));
	const box = await waitFor(async () => {
		const b = await inbox(c);
		return b.length >= 1 ? b : null;
	}, 15000, 'the reply to the redelivered event');
	assert.equal(box[0].text, 'sorted');
	await waitFor(() => queueFiles(w, 'dead').length === 0 &&
	    queueFiles(w, 'pending').length === 0, 5000, 'both lists empty');
	assert.equal((await ipcCall(w, { webhookDeadList: {} })).webhookDead.count, 0);
});

test('kill -9 between retries loses nothing: the next start delivers the pending event', async () => {
	const c = '4915112347003';
	await contact(c);
	let up = false;
	const r = await receiver(() => up ? [200, 'back again'] : [500, 'down']);
	const w = await paired([c], { '--hook-url': r.url, '--hook-retry-base': '30s' });
	await send(c, w, 'are you there');
	await waitFor(() => /attempt 1 failed \(HTTP 500\); retry in/.test(w.output()), 10000,
	    'the first failed attempt');
	await waitFor(() => queueFiles(w, 'pending').length === 1, 5000, 'the pending file');
	await w.kill9();
	up = true;
	const w2 = await startWorker(sim, w.opts);
	workers.push(w2);
	await waitFor(() => r.seen.length === 2, 15000, 'the retry after the restart');
	assert.equal(r.seen[0].headers['webhook-id'], r.seen[1].headers['webhook-id']);
	assert.equal(r.seen[1].body, r.seen[0].body, 'the same event');
	assert.ok(verify(r.seen[1]));
	await waitFor(() => queueFiles(w2, 'pending').length === 0, 5000, 'pending cleared');
	const box = await waitFor(async () => {
		const b = await inbox(c);
		return b.length >= 1 ? b : null;
	}, 15000, 'the late reply, once the link is up').catch((e) => {
		e.message += `\n${w2.output().split('\n').filter((l) => !/heartbeat/.test(l))
		    .join('\n').slice(-4000)}`;
		throw e;
	});
	assert.equal(box[0].text, 'back again');
});

test('--hook-url refuses other schemes; --hook-secret-file must hold a secret', async () => {
	const dataDir = tmpDir('walink-wh-bad-');
	const bad = await startWorker(sim, { dataDir, extra: { '--hook-url': 'ftp://127.0.0.1/x' } });
	workers.push(bad);
	assert.notEqual((await bad.exited).code, 0);
	assert.match(bad.output(), /--hook-url: expected http\(s\):\/\/HOST/);
	const empty = path.join(dataDir, 'empty.secret');
	fs.writeFileSync(empty, '\n', { mode: 0o600 });
	const w = await startWorker(sim, { dataDir, extra: { '--hook-url': 'https://127.0.0.1:1/x',
	    '--hook-secret-file': empty } });
	workers.push(w);
	assert.notEqual((await w.exited).code, 0);
	assert.match(w.output(), /--hook-secret-file .*: empty/);
});
