// Hostile input closes only the connection that sent it; the simulator keeps
// serving. QR refs expire on the configured schedule. State survives restarts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startSim, tmpDir, loadVector, hex } from '../support/helpers.js';
import { connect, loadAuth, pair } from '../support/baileys-client.js';

const sims = [];
after(async () => { await Promise.all(sims.map((s) => s.stop())); });

/** Opens a raw WebSocket, sends each chunk, resolves 'closed' or 'open' after ms. */
function rawSession(url, chunks, ms = 3000) {
	return new Promise((resolve) => {
		const ws = new WebSocket(url);
		const got = [];
		const t = setTimeout(() => { ws.terminate(); resolve({ closed: false, got }); }, ms);
		ws.on('open', () => { for (const c of chunks) ws.send(c); });
		ws.on('message', (d) => got.push(Buffer.from(d)));
		ws.on('close', () => { clearTimeout(t); resolve({ closed: true, got }); });
		ws.on('error', () => {});
	});
}

test('garbage, a wrong handshake and an oversized frame close only their connection',
    { timeout: 40000 }, async () => {
	const sim = await startSim();
	sims.push(sim);
	const v = loadVector('wa-noise-handshake.json');
	const cases = {
		garbage: [Buffer.from('GET /not-noise HTTP/1.1\r\n\r\n')],
		'garbage after intro': [Buffer.from([0x57, 0x41, 6, 3, 0, 0, 5, 1, 2, 3, 4, 5])],
		oversized: [Buffer.from([0x57, 0x41, 6, 3, 0xff, 0xff, 0xff, 0])],
		'wrong client finish': [hex(v.wire.client_hello), hex(v.wire.client_finish)],
		'text frame': ['hello']
	};
	const results = await Promise.all(Object.values(cases).map((c) => rawSession(sim.url, c)));
	Object.keys(cases).forEach((name, i) => assert.ok(results[i].closed, `${name} closed`));
	// The right client hello got a server hello before its bad finish closed it.
	assert.ok(results[3].got.length >= 1 && results[3].got[0].length > 300);
	const st = (await sim.api('GET', '/sim/stats')).body;
	assert.ok(st.handshakeFailures >= 4, JSON.stringify(st));
	assert.equal(st.handshakes, 0);
	// Others are still served: a Baileys client pairs.
	const { jid } = await pair(sim, tmpDir('baileys-auth-'));
	assert.equal(jid, '15550001111:1@s.whatsapp.net');
	assert.deepEqual((await sim.api('GET', '/sim/health')).body, { ok: true });
});

test('QR refs expire on the configured schedule and the server ends the round',
    { timeout: 30000 }, async () => {
	const sim = await startSim({ args: ['--qr-first-ms', '800', '--qr-next-ms', '400',
	    '--qr-refs', '2', '--qr-grace-ms', '300'] });
	sims.push(sim);
	// A client showing its first QR longer than WhatsApp allows.
	const auth = await loadAuth(tmpDir('baileys-auth-'));
	const c = connect(sim.url, auth, { qrTimeout: 60000 });
	const { qr } = await c.waitQr();
	await new Promise((r) => setTimeout(r, 900));
	const late = await sim.api('POST', '/sim/phone/scan', { qr, phone: '15550002222' });
	assert.equal(late.status, 410, late.text);
	assert.equal(await c.waitClose(5000), 428);
	await c.end();
	// A client rotating refs itself closes after the last one (408).
	const c2 = connect(sim.url, auth, { qrTimeout: 200 });
	assert.equal(await c2.waitClose(5000), 408);
	assert.equal(c2.updates.filter((u) => u.qr).length, 2);
	await c2.end();
	const bad = await sim.api('POST', '/sim/phone/scan', { qr: 'not,a,qr', phone: '15550002222' });
	assert.equal(bad.status, 400);
	const unknown = await sim.api('POST', '/sim/phone/scan', { qr: qr.replace('#2@', '#2@x'), phone: '1555' });
	assert.ok(unknown.status === 404 || unknown.status === 400);
});

test('a restarted simulator keeps its trust root and linked devices', { timeout: 30000 }, async () => {
	const dir = tmpDir();
	let sim = await startSim({ stateDir: dir });
	const root = (await sim.api('GET', '/sim/trust-root')).body.publicKey;
	assert.equal(Buffer.from(root, 'base64').length, 32);
	const { auth, jid } = await pair(sim, tmpDir('baileys-auth-'));
	await sim.stop();
	sim = await startSim({ stateDir: dir });
	sims.push(sim);
	assert.equal((await sim.api('GET', '/sim/trust-root')).body.publicKey, root);
	const c = connect(sim.url, auth);
	await c.waitOpen();
	const devs = (await sim.api('GET', '/sim/devices')).body;
	assert.deepEqual(devs.map((d) => [d.jid, d.connected]), [[jid, true]]);
	await c.end();
});

test('the control API answers unknown routes and bad bodies with JSON 4xx', async () => {
	const sim = sims[0];
	for (const [m, p, b, want] of [
		['GET', '/nope', undefined, 404],
		['DELETE', '/sim/devices', undefined, 405],
		['POST', '/sim/phone/scan', '{bad json', 400],
		['POST', '/sim/phone/scan', '[1,2]', 400],
		['POST', '/sim/phone/scan', {}, 400],
		['POST', '/sim/phone/unlink', { jid: 'x@s.whatsapp.net' }, 404],
		['GET', '/sim/log?since=-1', undefined, 400]
	]) {
		const r = await sim.api(m, p, b);
		assert.equal(r.status, want, `${m} ${p}: ${r.text}`);
		assert.equal(typeof r.body.error, 'string');
	}
	const log = await sim.api('GET', '/sim/log?since=0');
	assert.equal(log.status, 200);
	assert.match(log.text, /closing: /);
});

test('with compression on, Baileys inflates every stanza and still pairs and logs in',
    { timeout: 30000 }, async () => {
	const sim = await startSim({ args: ['--compress-min-bytes', '1'] });
	sims.push(sim);
	const { auth } = await pair(sim, tmpDir('baileys-auth-'));
	const c = connect(sim.url, auth);
	await c.waitOpen();
	await c.end();
});

test('--min-version refuses an older client with 405; Baileys\' payload raises no warnings',
    { timeout: 30000 }, async () => {
	const sim = await startSim({ args: ['--min-version', '2.3000.1043857761'] });
	sims.push(sim);
	const auth = await loadAuth(tmpDir('baileys-auth-'));
	const c = connect(sim.url, auth);
	assert.equal(await c.waitClose(10000), 405);
	await c.end();
	const c2 = connect(sim.url, auth, { version: [2, 3000, 1043857761] });
	await c2.waitQr();
	await c2.end();
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	assert.doesNotMatch(log, /!! .*ClientPayload:/);
});

test('hundreds of random byte streams never take the simulator down', { timeout: 60000 }, async () => {
	const sim = await startSim();
	sims.push(sim);
	let seed = 12345;
	const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
	const stream = () => {
		const len = 1 + rnd(600);
		const b = Buffer.alloc(len);
		for (let i = 0; i < len; i++)
			b[i] = rnd(256);
		// Half of them pass the intro so the frame and handshake parsers see the rest.
		return rnd(2) ? Buffer.concat([Buffer.from([0x57, 0x41, 6, 3]), b]) : b;
	};
	for (let batch = 0; batch < 6; batch++) {
		const runs = [];
		for (let i = 0; i < 40; i++)
			runs.push(rawSession(sim.url, [stream(), stream()], 1500));
		await Promise.all(runs);
	}
	assert.deepEqual((await sim.api('GET', '/sim/health')).body, { ok: true });
	const st = (await sim.api('GET', '/sim/stats')).body;
	assert.equal(st.connections, 240);
	assert.equal(sim.child.exitCode, null);
	assert.doesNotMatch(sim.output(), /internal error/);
});
