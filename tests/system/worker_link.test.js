// wa-worker against wa-sim: pairing, restart without QR, heartbeats, QR
// rounds and every disconnect strategy of DESIGN.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { simFixture, startSim, startWorker, waitState, scanQr, probe, probeState,
    simDevice, waitFor, sleep, LINK_UP, startControl, login, freePort } from '../support/harness.js';

const fx = simFixture();
const worker = fx.worker;
const paired = fx.paired;

test('fresh data dir: QR, scan, connected within 2 s, heartbeats flow', async () => {
	const { w, jid, pairMs } = await paired('15550001001');
	assert.ok(pairMs < 2000, `connected ${pairMs} ms after the scan`);
	assert.match(jid, /^15550001001:\d+@s\.whatsapp\.net$/);
	const s = await probeState(w);
	assert.equal(s.code, 0);
	assert.equal(s.isReady, true);
	assert.equal(s.isAuthenticated, true);
	assert.equal(s.connectedNumber, '15550001001');
	// heartbeats at the configured 300 ms period: several within 2 s
	const first = await waitFor(async () => (await probeState(w)).lastHeartbeat, 3000,
	    'a first heartbeat');
	await waitFor(async () => Date.parse((await probeState(w)).lastHeartbeat) > Date.parse(first),
	    3000, `lastHeartbeat to move on from ${first}`);
	await w.waitOutput(/(heartbeat: [^]*){4}/, 2000, 'four heartbeats logged');
	assert.equal(w.output().includes('wa.me/settings'), false, 'the QR never reaches the log');
	const files = fs.readdirSync(path.join(w.dataDir, 'whatsapp-session', 'session-default'));
	assert.ok(files.includes('creds.json'));
	const mode = fs.statSync(path.join(w.dataDir, 'whatsapp-session', 'session-default',
	    'creds.json')).mode & 0o777;
	assert.equal(mode, 0o600);
});

test('kill -9 and restart: connected again with no QR and the same device', async () => {
	const { w, jid } = await paired('15550001002');
	const before = await simDevice(fx.sim, '15550001002');
	await w.kill9();
	const w2 = await worker({ dataDir: w.dataDir });
	const s = await waitState(w2, 'connected', 10000);
	assert.equal(s.connectedNumber, '15550001002');
	assert.equal(w2.output().includes('QR 1/'), false, 'no QR shown on restart');
	const after = await simDevice(fx.sim, '15550001002');
	assert.equal(after.jid, jid);
	assert.equal(after.connects, before.connects + 1);
});

test('a second worker on the same session refuses to start', async () => {
	const { w } = await paired('15550001003');
	const w2 = await worker({ dataDir: w.dataDir });
	const r = await w2.exited;
	assert.equal(r.code, 1);
	assert.match(w2.output(), /in use by another worker \(pid \d+/);
	assert.ok(LINK_UP.includes((await probeState(w)).state), 'the first worker keeps its link');
});

test('restart-required (515) reconnects at once', async () => {
	const { w, jid } = await paired('15550001004');
	const before = await simDevice(fx.sim, '15550001004');
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'restart-required' });
	await waitFor(async () => (await simDevice(fx.sim, '15550001004')).connects > before.connects,
	    3000, 'a new login');
	await waitState(w, 'connected');
	assert.match(w.output(), /NAVIGATION\): reconnect at once/);
});

test('conflict waits then reconnects; a third conflict in the window stops', async () => {
	const { w, jid } = await paired('15550001005', { extra: { '--reconnect-wait': '1s' } });
	for (let i = 1; i <= 2; i++) {
		await fx.sim.api('POST', '/sim/inject', { jid, fault: 'conflict' });
		const s = await waitState(w, 'disconnected', 3000);
		assert.equal(s.reason, 'CONFLICT');
		assert.ok(s.nextAttempt, 'a next attempt is planned');
		await waitState(w, 'connected', 5000);
	}
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'conflict' });
	const s = await waitState(w, 'conflict', 3000);
	assert.equal(s.code, 2, 'the probe says a person is needed');
	assert.equal(s.nextAttempt, null, 'no attempt planned: no ping-pong');
});

test('logout moves the session aside and shows a new QR', async () => {
	const { w, jid } = await paired('15550001006');
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'logout' });
	await waitState(w, 'qr', 5000);
	const backups = fs.readdirSync(path.join(w.dataDir, 'whatsapp-session', 'backups'));
	const moved = backups.filter((n) => n.startsWith('logged-out-default-'));
	assert.equal(moved.length, 1);
	assert.equal(fs.statSync(path.join(w.dataDir, 'whatsapp-session', 'backups', moved[0])).mode & 0o777, 0o700);
	// the new identity pairs again
	await scanQr(fx.sim, w, '15550001006');
	await waitState(w, 'connected', 5000);
});

test('unlink on the phone is a logout too', async () => {
	const { w, jid } = await paired('15550001007');
	await fx.sim.api('POST', '/sim/phone/unlink', { jid });
	await waitState(w, 'qr', 5000);
	assert.match(w.output(), /LOGOUT/);
});

test('drop and stall take the TIMEOUT path and come back', async () => {
	const { w, jid } = await paired('15550001008');
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'drop' });
	let s = await waitState(w, ['disconnected'], 3000);
	assert.equal(s.reason, 'TIMEOUT');
	await waitState(w, 'connected', 5000);
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'stall' });
	s = await waitState(w, 'unstable', 3000);
	s = await waitState(w, 'disconnected', 5000);
	assert.equal(s.reason, 'TIMEOUT');
	await waitState(w, 'connected', 8000);
});

test('temp-ban waits for the expiry, keeps the credentials, then logs in', async () => {
	const { w, jid } = await paired('15550001009');
	const t0 = Date.now();
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'temp-ban', seconds: 3 });
	const s = await waitState(w, 'banned', 5000);
	assert.equal(s.code, 2);
	assert.ok(Date.parse(s.nextAttempt) >= t0 + 2500,
	    `no attempt before the expiry (next ${s.nextAttempt}, ban from ${new Date(t0).toISOString()})`);
	await waitState(w, 'connected', 10000);
	assert.ok(fs.existsSync(path.join(w.dataDir, 'whatsapp-session', 'session-default', 'creds.json')));
});

test('outdated stops and names the setting; restart after clear recovers', async () => {
	const { w, jid } = await paired('15550001010');
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'outdated' });
	const s = await waitState(w, 'outdated', 5000);
	assert.equal(s.code, 2);
	assert.match(s.strategy, /--wa-version/);
	assert.equal(s.nextAttempt, null, 'no attempt planned: does not loop');
	await fx.sim.api('POST', '/sim/inject', { jid, fault: 'clear' });
	await w.stop();
	const w3 = await worker({ dataDir: w.dataDir });
	await waitState(w3, 'connected', 8000);
});

test('an unknown failure (409): server_failure with the code in the API and wa-probe (exit 2), no reconnect', async () => {
	const { w, jid } = await paired('15550001012');
	const control = await startControl(w.dataDir, await freePort(), { WA_ADMIN_PASSWORD: 'link-pass' });
	try {
		const sess = await login(control.base, 'link-pass');
		const logins = (await simDevice(fx.sim, '15550001012')).logins;
		await fx.sim.api('POST', '/sim/inject', { jid, fault: 'failure', reason: 409 });
		const s = await waitState(w, 'server_failure', 5000);
		assert.equal(s.code, 2, 'wa-probe exit 2: a person must act');
		assert.match(s.detail, /WhatsApp refused the connection: failure 409/);
		assert.equal(s.nextAttempt, null, 'no attempt planned');
		// The API learns the state through the worker's IPC event: by the
		// time it shows it, a reconnect decided with the stop (the policy's
		// first retry is immediate) would have reached the simulator.
		let lastApi;
		const api = await waitFor(async () => {
			const j = await (await fetch(`${control.base}/api/whatsapp/state`,
			    { headers: sess.headers() })).json();
			lastApi = j;
			return j.connectionState.state === 'server_failure' && j.connectionState;
		}, 5000, 'server_failure in /api/whatsapp/state').catch((e) => {
			throw new Error(`${e.message}: ${JSON.stringify(lastApi)}`);
		});
		assert.match(api.detail, /^WhatsApp refused the connection: failure 409 .*restart the link$/,
		    'the whole line, not cut');
		assert.equal(api.nextAttempt, null);
		const m = await (await fetch(`${control.base}/metrics`, { headers: sess.headers() })).text();
		assert.match(m, /walink_link_state\{state="server_failure"\} 1/);
		assert.equal((await probeState(w)).state, 'server_failure', 'stays stopped');
		// the sim sends the <failure> on the live connection: any login after it is a reconnect
		assert.equal((await simDevice(fx.sim, '15550001012')).logins, logins,
		    'no login attempt after the refusal');
		assert.doesNotMatch(w.output().split(/failure 409/).slice(1).join(''), /logging in/,
		    'no connection attempt after the refusal');
	} finally {
		await control.stop();
		await fx.sim.api('POST', '/sim/inject', { jid, fault: 'clear' });
	}
});

test('repeated drops back off instead of spinning', async () => {
	const { w, jid } = await paired('15550001011');
	const waits = [];
	for (let i = 0; i < 3; i++) {
		await fx.sim.api('POST', '/sim/inject', { jid, fault: 'drop' });
		const s = await waitState(w, 'disconnected', 3000);
		waits.push(s.nextAttempt ? Date.parse(s.nextAttempt) - Date.now() : 0);
		await waitState(w, 'connected', 10000);
	}
	assert.match(w.output(), /attempt 3\)/);
	assert.ok(waits[2] > waits[0], `waits grow: ${waits.join(', ')} ms`);
});

test('unscanned QR rounds start new rounds, then pause; new-qr resumes', async () => {
	const quick = await startSim({ args: ['--qr-first-ms', '300', '--qr-next-ms', '200', '--qr-refs', '2'] });
	try {
		const w = await startWorker(quick, { extra: { '--qr-first': '300ms', '--qr-next': '200ms', '--qr-rounds': '2' } });
		fx.workers.push(w);
		await waitFor(async () => /QR round 2 expired unscanned/.test(w.output()), 10000, 'two rounds');
		const s = await waitState(w, 'qr', 3000);
		assert.equal(s.qrPaused, true);
		assert.equal(s.code, 2);
		assert.equal((await probe(w, 'qr')).code, 1, 'no QR while paused');
		assert.equal((await probe(w, 'new-qr')).code, 0);
		await waitFor(async () => (await probe(w, 'qr')).code === 0, 5000, 'a QR after new-qr');
		await w.stop();
	} finally {
		await quick.stop();
	}
});
