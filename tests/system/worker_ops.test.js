// wa-worker operations (issue 5): logout and restart asked over IPC,
// encryption at rest (--session-key-file), backup rotation, a clean
// SIGTERM, heartbeat events on the event socket, and the wss:// path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BIN, simFixture, waitState, scanQr, probe, simDevice, ipcCall,
    startProcess, tmpDir, waitFor } from '../support/harness.js';
import { tlsProxy } from './tls-proxy.js';

const fx = simFixture();
const worker = fx.worker;
const paired = fx.paired;

const sessionDir = (w) => path.join(w.dataDir, 'whatsapp-session', 'session-default');
const backupsDir = (w) => path.join(w.dataDir, 'whatsapp-session', 'backups');

function keyFile(bytes = crypto.randomBytes(32)) {
	const f = path.join(tmpDir('walink-key-'), 'session.key');
	fs.writeFileSync(f, bytes, { mode: 0o600 });
	return f;
}

test('logout over IPC: WhatsApp is told, the session moves aside, a new QR shows', async () => {
	const phone = '15550005001';
	const { w } = await paired(phone);
	const r = await ipcCall(w, { logout: {} });
	assert.ok(r && r.done, `logout answered done: ${JSON.stringify(r)}`);
	await waitState(w, 'qr', 5000);
	const moved = fs.readdirSync(backupsDir(w)).filter((n) => n.startsWith('logged-out-default-'));
	assert.equal(moved.length, 1);
	assert.ok(fs.existsSync(path.join(backupsDir(w), moved[0], 'creds.json')),
	    'the old credentials were kept in the backup');
	// remove-companion-device reached the server: the device is gone there
	await waitFor(async () => (await simDevice(fx.sim, phone)) === undefined, 3000,
	    'the simulator dropping the device');
	assert.match(w.output(), /\(LOGOUT\)/);
	assert.equal((await probe(w, 'qr')).code, 0, 'a new QR is shown');
	// nothing left to log out: a clear refusal, the worker keeps going
	const again = await ipcCall(w, { logout: {} });
	assert.equal(again.error?.code, 'ERR_UNAVAILABLE');
	assert.match(again.error.message, /no linked session/);
	await scanQr(fx.sim, w, phone);
	await waitState(w, 'connected', 5000);
});

test('restart over IPC: reconnects at once with the same device; also leaves a stop state', async () => {
	const phone = '15550005002';
	const { w, jid } = await paired(phone);
	const before = await simDevice(fx.sim, phone);
	const from = w.output().length;
	assert.ok((await ipcCall(w, { restart: {} }))?.done);
	await waitFor(async () => (await simDevice(fx.sim, phone)).connects > before.connects,
	    3000, 'a new login');
	await waitState(w, 'connected', 3000);
	assert.equal((await simDevice(fx.sim, phone)).jid, before.jid);
	assert.equal(w.output().slice(from).includes('QR 1/'), false, 'no QR: the same credentials');

	// outdated is a stop state; once fixed, an operator restart resumes
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'outdated' });
	await waitState(w, 'outdated', 5000);
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'clear' });
	assert.ok((await ipcCall(w, { restart: {} }))?.done);
	await waitState(w, 'connected', 5000);
	assert.match(w.output(), /restart asked by the operator/);
});

test('--session-key-file: files sealed on disk, restart with the key, refusal without', async () => {
	const phone = '15550005003';
	const key = keyFile();
	const { w } = await paired(phone, { extra: { '--session-key-file': key } });
	const files = fs.readdirSync(sessionDir(w)).filter((n) => !n.startsWith('.'));
	assert.ok(files.includes('creds.json'), files.join(' '));
	for (const f of files) {
		const p = path.join(sessionDir(w), f);
		// a log of its 7-byte header alone (the journal after a compaction) holds nothing to seal
		if (!fs.statSync(p).isFile() || f === 'lock' || (f.endsWith('.log') && fs.statSync(p).size <= 7))
			continue;
		const b = fs.readFileSync(p);
		// a log (store_log.c) seals record by record: WLLOG1, a length, a record;
		// a whole file carries its generation (seal.h, WLSEAL3)
		const sealed = f.endsWith('.log') ? b.subarray(11, 19) : b.subarray(0, 8);
		assert.equal(sealed.toString('latin1'), f.endsWith('.log') ? 'WLSEAL2\n' : 'WLSEAL3\n',
		    `${f} is sealed (${b.length} bytes)`);
	}
	const creds = fs.readFileSync(path.join(sessionDir(w), 'creds.json'));
	for (const word of ['noise', 'identity', 'me_jid', phone])
		assert.equal(creds.includes(word), false, `no plaintext "${word}" in creds.json`);
	await w.stop();

	const w2 = await worker({ dataDir: w.dataDir, extra: { '--session-key-file': key } });
	await waitState(w2, 'connected', 10000);
	assert.equal(w2.output().includes('QR 1/'), false, 'no QR with the key');
	await w2.stop();

	const w3 = await worker({ dataDir: w.dataDir });
	const r3 = await w3.exited;
	assert.notEqual(r3.code, 0);
	assert.match(w3.output(), /credentials are sealed and no session key was given \(--session-key-file\)/);

	const w4 = await worker({ dataDir: w.dataDir, extra: { '--session-key-file': keyFile() } });
	const r4 = await w4.exited;
	assert.notEqual(r4.code, 0);
	assert.match(w4.output(), /credentials are sealed and the session key does not open them/);
	// refusing touched nothing: the right key still works
	const w5 = await worker({ dataDir: w.dataDir, extra: { '--session-key-file': key } });
	await waitState(w5, 'connected', 10000);
});

test('a key file shorter than the minimum is refused before anything starts', async () => {
	const w = await worker({ extra: { '--session-key-file': keyFile(Buffer.from('short')) } });
	const r = await w.exited;
	assert.notEqual(r.code, 0);
	assert.match(w.output(), /needs at least 16 bytes/);
});

test('periodic backups rotate: --backups-keep 2 keeps the two newest', async () => {
	const { w } = await paired('15550005004', {
		extra: { '--backup-interval': '200ms', '--backups-keep': '2', '--log-level': 'debug' } });
	await waitFor(async () => (w.output().match(/store: backup session-default-/g) || []).length >= 5,
	    10000, 'five backups');
	const made = [...w.output().matchAll(/store: backup (session-default-\S+)/g)].map((m) => m[1]);
	const kept = fs.readdirSync(backupsDir(w)).filter((n) => n.startsWith('session-default-')).sort();
	assert.ok(kept.length <= 2 && kept.length >= 1, `kept: ${kept.join(' ')}`);
	for (const k of kept) {
		assert.ok(made.slice(-3).includes(k), `${k} is one of the newest`);
		assert.equal(fs.statSync(path.join(backupsDir(w), k)).mode & 0o777, 0o700);
		assert.ok(fs.existsSync(path.join(backupsDir(w), k, 'creds.json')));
	}
	assert.equal(fs.readdirSync(backupsDir(w)).some((n) => n.startsWith('.tmp-')), false,
	    'no half-made snapshot left behind');
});

test('SIGTERM closes the link cleanly and exits 0; the session is free again', async () => {
	const phone = '15550005005';
	const { w } = await paired(phone);
	const t0 = Date.now();
	const r = await w.stop(5000);
	assert.equal(r.code, 0, w.output().slice(-2000));
	assert.ok(Date.now() - t0 < 3000, `stopped in ${Date.now() - t0} ms`);
	assert.match(w.output(), /signal 15: closing the link cleanly/);
	assert.match(w.output(), /wa-worker: stopped/);
	await waitFor(async () => (await simDevice(fx.sim, phone)).connected === false, 3000,
	    'the simulator seeing the connection closed');
	const w2 = await worker({ dataDir: w.dataDir });
	await waitState(w2, 'connected', 10000);
});

test('heartbeat events carry phoneNumber, state, rttMs and timestamp', async () => {
	const phone = '15550005006';
	const { w } = await paired(phone);
	const watch = startProcess(BIN.probe, ['--data', w.dataDir, '--json', 'watch']);
	try {
		const beats = await waitFor(() => {
			const b = watch.stdout().split('\n').filter((l) => l.includes('"heartbeat"')).map((l) => JSON.parse(l));
			return b.length >= 3 ? b : null;
		}, 5000, 'three heartbeat events');
		for (const b of beats) {
			assert.equal(b.type, 'heartbeat');
			assert.equal(b.phoneNumber, phone);
			assert.equal(b.state, 'connected');
			assert.equal(typeof b.rttMs, 'number');
			assert.ok(b.rttMs >= 0 && b.rttMs < 1000, `rtt ${b.rttMs}`);
			const t = Date.parse(b.timestamp);
			assert.ok(Math.abs(Date.now() - t) < 10000, `timestamp ${b.timestamp}`);
		}
		assert.ok(Date.parse(beats[2].timestamp) > Date.parse(beats[0].timestamp), 'time moves');
		assert.ok(beats[2].seq > beats[0].seq, 'sequence numbers grow');
	} finally {
		await watch.stop();
	}
});

test('wss:// (TLS in front of the simulator): pairs and logs in', async () => {
	const proxy = await tlsProxy(fx.sim);
	try {
		const { w } = await paired('15550005007', {
			extra: { '--url': proxy.url, '--test-ca-file': proxy.ca } });
		assert.ok(proxy.connections() >= 2, 'pairing and login both went through TLS');
		await w.waitOutput(/heartbeat: 15550005007/, 3000);
		await w.stop();
	} finally {
		await proxy.close();
	}
});

test('a plain session is sealed once a key is first given', async () => {
	const phone = '15550005008';
	const { w } = await paired(phone);
	assert.ok(fs.readFileSync(path.join(sessionDir(w), 'creds.json')).includes('noise'),
	    'plain to begin with');
	await w.stop();
	const key = keyFile();
	const w2 = await worker({ dataDir: w.dataDir, extra: { '--session-key-file': key } });
	await waitState(w2, 'connected', 10000);
	await w2.stop();
	const creds = fs.readFileSync(path.join(sessionDir(w), 'creds.json'));
	assert.equal(creds.subarray(0, 8).toString('latin1'), 'WLSEAL3\n');
	const w3 = await worker({ dataDir: w.dataDir, extra: { '--session-key-file': key } });
	await waitState(w3, 'connected', 10000);
});

test('SIGTERM exits 0 from the waiting states too: qr, disconnected, banned', async () => {
	const q = await worker();
	await waitState(q, 'qr');
	assert.equal((await q.stop(5000)).code, 0, q.output().slice(-1500));

	const { w, jid } = await paired('15550005009', { extra: { '--reconnect-wait': '30s' } });
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'drop' });
	await waitState(w, 'disconnected', 3000);
	assert.equal((await w.stop(5000)).code, 0, w.output().slice(-1500));

	const b = await worker({ dataDir: w.dataDir });
	await waitState(b, 'connected', 10000);
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'temp-ban', seconds: 60 });
	await waitState(b, 'banned', 5000);
	assert.equal((await b.stop(5000)).code, 0, b.output().slice(-1500));
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'clear' });
});

test('logout over IPC from a stop state (conflict) leads to a new QR', async () => {
	const phone = '15550005010';
	const { w, jid } = await paired(phone, { extra: { '--reconnect-wait': '200ms' } });
	for (let i = 0; i < 3; i++) {
		await fx.sim.api('POST', '/sim/inject', { jid, fault: 'conflict' });
		const s = await waitState(w, ['disconnected', 'conflict'], 3000);
		if (s.state === 'conflict')
			break;
		await waitState(w, 'connected', 5000);
	}
	await waitState(w, 'conflict', 3000);
	assert.ok((await ipcCall(w, { logout: {} }))?.done);
	await waitState(w, 'qr', 5000);
	assert.equal((await probe(w, 'qr')).code, 0, 'a QR to scan');
	assert.equal(/no move from/.test(w.output()), false, w.output().slice(-2000));
	await scanQr(fx.sim, w, phone);
	await waitState(w, 'connected', 5000);
});

test('SIGTERM while connecting to a server that never answers exits 0 at once', async () => {
	const socks = [];
	const mute = net.createServer((s) => socks.push(s));	/* accepts, says nothing */
	await new Promise((resolve) => mute.listen(0, '127.0.0.1', resolve));
	try {
		const w = await worker({ extra: { '--url': `ws://127.0.0.1:${mute.address().port}/ws/chat` } });
		await waitState(w, 'connecting', 5000);
		await waitFor(() => socks.length > 0, 3000, 'the worker\'s TCP connection');
		const t0 = Date.now();
		const r = await w.stop(8000);
		assert.equal(r.code, 0, w.output().slice(-1500));
		assert.ok(Date.now() - t0 < 3000, `stopped in ${Date.now() - t0} ms`);
	} finally {
		for (const s of socks)
			s.destroy();
		mute.close();
	}
});
