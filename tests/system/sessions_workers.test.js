// sessions_workers.test.js: 30 real wa-workers (one account each) behind
// one wa-control on --sessions-dir, against the simulator (issue 15).
// 10 random workers are SIGKILLed: wa-control shows exactly those 10
// unreachable (and answers 503 for their routes only) while the other 20
// keep their links (no new login at the simulator); restarted, the 10 log
// in again from their stored sessions: no new pairing, no QR.
// (The scale benchmark, tests/bench/scale.js, kills 100 of 1 000.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { BIN, LINK_UP, freePort, scanQr, simFixture, tmpDir, waitFor, waitState }
    from './helpers.js';

const N = 30, KILL = 10;
const id = (i) => `w${String(i).padStart(2, '0')}`;
const phone = (i) => `155500077${String(i).padStart(2, '0')}`;
const token = 'sessions-workers-token';
const fx = simFixture();
let dir, control, base;
const workers = [];

const startOne = (i) => fx.worker({ dataDir: path.join(dir, 'sessions', id(i)),
    extra: { '--client-id': id(i), '--heartbeat': '5s' } });
const list = async () => (await (await fetch(`${base}/api/sessions`,
    { headers: { authorization: `Bearer ${token}` } })).json());
const devices = async () => (await fx.sim.api('GET', '/sim/devices')).body;
const up = (s) => LINK_UP.includes(s.state);

describe(`${N} workers behind one wa-control`, () => {
	before(async () => {
		dir = tmpDir('walink-sessions-');
		for (let i = 0; i < N; i++) mkdirSync(path.join(dir, 'sessions', id(i)), { recursive: true });
		for (let i = 0; i < N; i += 5)	// pair five at a time
			await Promise.all([0, 1, 2, 3, 4].map(async (k) => {
				const w = await startOne(i + k);
				workers[i + k] = w;
				await waitState(w, 'qr', 30000);
				await scanQr(fx.sim, w, phone(i + k));
				await waitState(w, LINK_UP, 30000);
			}));
		const port = await freePort();
		base = `http://127.0.0.1:${port}`;
		const child = spawn(BIN.control, ['--listen', `127.0.0.1:${port}`, '--data',
		    path.join(dir, 'control'), '--sessions-dir', path.join(dir, 'sessions')],
		    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WA_API_TOKEN: token } });
		let out = '';
		child.stdout.on('data', (d) => { out += d; });
		child.stderr.on('data', (d) => { out += d; });
		control = { child, output: () => out,
		    exited: new Promise((r) => child.on('exit', (code, sig) => r({ code, sig }))) };
		await waitFor(async () => {
			try { return (await list()).sessions.filter(up).length === N; } catch { return false; }
		}, 20000, `all ${N} sessions connected in wa-control`);
	});
	after(async () => {
		control?.child.kill('SIGTERM');
		const r = await control?.exited;
		rmSync(dir, { recursive: true, force: true });
		assert.deepEqual(r, { code: 0, sig: null }, control?.output().slice(-2000));
	});

	it(`shows only the ${KILL} killed workers unreachable; restarted, they reconnect without a QR`,
	    { timeout: 180000 }, async () => {
		const before = await devices();
		const connects = new Map(before.map((d) => [d.phone, d.connects]));
		const victims = [...Array(N).keys()].sort(() => Math.random() - 0.5).slice(0, KILL);
		const killed = new Set(victims.map(id));
		await Promise.all(victims.map((i) => workers[i].kill9()));
		const t0 = Date.now();
		await waitFor(async () => {
			const down = (await list()).sessions.filter((s) => s.state === 'unreachable');
			return down.length === KILL && down.every((s) => killed.has(s.id));
		}, 10000, `exactly the ${KILL} killed sessions unreachable`);
		const seenMs = Date.now() - t0;
		assert.ok(seenMs < 5000, `unreachable seen after ${seenMs} ms`);
		const now = await list();
		for (const s of now.sessions.filter((x) => !killed.has(x.id)))
			assert.ok(up(s), `${s.id} stayed connected: ${s.state}`);
		assert.equal(now.counts.unreachable, KILL);
		// the routes of a killed session answer 503, the others' do not
		const victim = id(victims[0]), alive = now.sessions.find((s) => !killed.has(s.id)).id;
		const get = (p) => fetch(base + p, { headers: { authorization: `Bearer ${token}` } });
		assert.equal((await get(`/api/sessions/${victim}/whitelist`)).status, 503);
		assert.equal((await get(`/api/sessions/${alive}/whitelist`)).status, 200);
		// the survivors never logged in again
		for (const d of await devices())
			if (!killed.has(id(Number(d.phone.slice(-2)))))
				assert.equal(d.connects, connects.get(d.phone), `${d.phone} reconnected`);
		// restart the killed: stored sessions, no new device, no QR
		for (const i of victims) workers[i] = await startOne(i);
		await waitFor(async () => (await list()).sessions.filter(up).length === N,
		    60000, `all ${N} connected again`);
		const afterDevices = await devices();
		assert.equal(afterDevices.length, before.length, 'no new pairing');
		for (const i of victims) {
			assert.doesNotMatch(workers[i].output(), /state=qr|-> qr/, `${id(i)} showed a QR`);
			const d = afterDevices.find((x) => x.phone === phone(i));
			assert.equal(d.connects, connects.get(phone(i)) + 1, `${id(i)} logged in once more`);
		}
	});
});
