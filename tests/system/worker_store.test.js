// wa-worker's files: crash safety of whitelist writes under kill -9, the
// whitelist over IPC, recovery from a corrupt credentials file, and a
// hostile IPC peer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSim, startWorker, waitState, scanQr, probeState, ipcCall, ipcRaw, ipcPipe,
    waitFor, LINK_UP } from '../support/harness.js';

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

const WL = 'media-auth-config.json';
const sessionDir = (w) => path.join(w.dataDir, 'whatsapp-session', 'session-default');

test('whitelist over IPC: add, duplicate, invalid, remove, bulk all-or-nothing', async () => {
	const w = await startWorker(sim);
	try {
		await waitState(w, 'qr');
		let r = await ipcCall(w, { whitelistAdd: '+971 50-147 6598' });
		assert.equal(r.error, undefined);
		r = await ipcCall(w, { whitelistAdd: '971501476598' });
		assert.equal(r.error.code, 'ERR_DUPLICATE');
		r = await ipcCall(w, { whitelistAdd: '12345' });
		assert.equal(r.error.code, 'ERR_INVALID_NUMBER');
		r = await ipcCall(w, { whitelistReplace: { numbers: ['15550000001', 'bad', '1'] } });
		assert.equal(r.error.code, 'ERR_INVALID_NUMBER');
		assert.equal(r.error.invalid.length, 2);
		r = await ipcCall(w, { whitelistList: {} });
		assert.deepEqual(r.whitelist.numbers, ['971501476598']);
		assert.deepEqual(JSON.parse(fs.readFileSync(path.join(w.dataDir, WL), 'utf8')), ['971501476598']);
		r = await ipcCall(w, { whitelistRemove: '971501476598' });
		assert.equal(r.error, undefined);
		r = await ipcCall(w, { whitelistRemove: '971501476598' });
		assert.equal(r.error.code, 'ERR_NOT_FOUND');
		r = await ipcCall(w, { checkNumber: '+1 555 000 0001' });
		assert.equal(r.check.allowed, false);
	} finally {
		await w.stop();
	}
});

test('SIGHUP reloads a hand-edited whitelist: a bad line costs that line, a file that is no list is refused', async () => {
	const w = await startWorker(sim);
	try {
		await waitState(w, 'qr');
		fs.writeFileSync(path.join(w.dataDir, WL), JSON.stringify(['15550000001', '15550000002']));
		w.child.kill('SIGHUP');
		await waitFor(async () => (await ipcCall(w, { whitelistList: {} })).whitelist.count === 2,
		    3000, 'reload');
		// one good entry, one bad, the closing bracket missing
		fs.writeFileSync(path.join(w.dataDir, WL), '["15550000003", "nope"');
		w.child.kill('SIGHUP');
		await waitFor(async () => (await ipcCall(w, { whitelistList: {} })).whitelist.count === 1,
		    3000, 'the good line served');
		const wl = (await ipcCall(w, { whitelistList: {} })).whitelist;
		assert.deepEqual(wl.numbers, ['15550000003']);
		assert.ok(wl.rejected >= 1, `the bad line reported: ${JSON.stringify(wl)}`);
		assert.ok(wl.rejects.every((r) => r.line === 1 && !/nope/.test(r.reason)),
		    'each reject names its line, never the entry');
		fs.writeFileSync(path.join(w.dataDir, WL), '{"not": "a list"}');
		w.child.kill('SIGHUP');
		await waitFor(async () => /reload refused/.test(w.output()), 3000, 'refusal');
		assert.deepEqual((await ipcCall(w, { whitelistList: {} })).whitelist.numbers, ['15550000003']);
	} finally {
		await w.stop();
	}
});

test('random bytes and wrong versions on IPC get error replies; the link stays up', async () => {
	const w = await startWorker(sim);
	try {
		await waitState(w, 'qr');
		await scanQr(sim, w, '15550002001');
		await waitState(w, 'connected');
		for (let i = 0; i < 50; i++) {
			const junk = Buffer.alloc(1 + (i * 37) % 300);
			for (let j = 0; j < junk.length; j++)
				junk[j] = (i * 131 + j * 17) & 0xff;
			await ipcRaw(w, junk);
		}
		const r = await ipcCall(w, { ping: {} }, { version: 99 });
		assert.equal(r.error.code, 'ERR_BAD_VERSION');
		const garbage = await ipcRaw(w, Buffer.from('not a protobuf at all'));
		assert.ok(garbage.length > 0, 'garbage gets an answer');
		assert.equal((await ipcCall(w, { ping: {} })).pong !== undefined, true);
		assert.ok(LINK_UP.includes((await probeState(w)).state), 'the link stays up');
	} finally {
		await w.stop();
	}
});

test('a corrupt credentials file is restored from the newest backup', async () => {
	const w = await startWorker(sim, { extra: { '--backup-interval': '200ms' } });
	await waitState(w, 'qr');
	await scanQr(sim, w, '15550002002');
	await waitState(w, 'connected');
	const backups = path.join(w.dataDir, 'whatsapp-session', 'backups');
	await waitFor(() => fs.readdirSync(backups).some((n) => n.startsWith('session-default-')),
	    5000, 'a backup');
	await w.stop();
	fs.writeFileSync(path.join(sessionDir(w), 'creds.json'), '{"format":1,"noise":');
	const w2 = await startWorker(sim, { dataDir: w.dataDir });
	try {
		const s = await waitState(w2, 'connected', 8000);
		assert.equal(s.connectedNumber, '15550002002');
		assert.match(w2.output(), /CREDENTIALS UNREADABLE/);
		assert.match(w2.output(), /restored credentials from backups\/session-default-/);
	} finally {
		await w2.stop();
	}
});

test('a corrupt credentials file with no backup: a clear error and a QR, no crash loop', async () => {
	const w = await startWorker(sim);
	await waitState(w, 'qr');
	await scanQr(sim, w, '15550002003');
	await waitState(w, 'connected');
	await w.stop();
	fs.writeFileSync(path.join(sessionDir(w), 'creds.json'), Buffer.from([0xff, 0x00, 0x13]));
	const w2 = await startWorker(sim, { dataDir: w.dataDir });
	try {
		await waitState(w2, 'qr', 8000);
		assert.match(w2.output(), /no readable backup/);
		assert.equal(w2.child.exitCode, null, 'still running');
	} finally {
		await w2.stop();
	}
});

test('crash safety: kill -9 during whitelist writes never tears a file or loses an acked write', async () => {
	// 60 random kill instants in the suite (about 30 s); the full run:
	// WALINK_CRASH_ROUNDS=200 (tests/README.md)
	const rounds = Number(process.env.WALINK_CRASH_ROUNDS || 60);
	const w0 = await startWorker(sim);
	await waitState(w0, 'qr');
	await scanQr(sim, w0, '15550002004');
	await waitState(w0, 'connected');
	await w0.stop();
	const dir = w0.dataDir;
	const acked = new Set();
	let n = 0;
	for (let round = 0; round < rounds; round++) {
		const w = await startWorker(sim, { dataDir: dir });
		const pipe = await ipcPipe(w, 300);
		await waitFor(async () => (await pipe.call({ ping: {} }))?.pong !== undefined, 5000, 'ipc up');
		// the kill lands while write number killAt (random, 1 to 40) of
		// this round is in flight
		const killAt = 1 + Math.floor(Math.random() * 40);
		let sent = 0, killed;
		const writes = (async () => {
			for (;;) {
				const num = String(15560000000 + n++);
				const reply = pipe.call({ whitelistAdd: num });
				if (++sent === killAt)
					killed = w.kill9();
				const r = await reply;
				if (!r)
					return;
				if (!r.error)
					acked.add(num);
			}
		})();
		await writes;	// ends when the dead worker stops answering
		await (killed ?? w.kill9());	// (or when a reply timed out first)
		pipe.close();
		// No file yet is fine only while nothing was acknowledged.
		const file = path.join(dir, WL);
		const list = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
		assert.ok(Array.isArray(list), `round ${round}: the whitelist parses`);
		for (const a of acked)
			assert.ok(list.includes(a), `round ${round}: acknowledged ${a} kept`);
		const creds = JSON.parse(fs.readFileSync(path.join(dir, 'whatsapp-session', 'session-default', 'creds.json'), 'utf8'));
		assert.ok(creds.me && creds.me.jid, `round ${round}: credentials parse`);
	}
	assert.ok(acked.size > rounds / 4, `${acked.size} writes acknowledged over ${rounds} rounds`);
});
