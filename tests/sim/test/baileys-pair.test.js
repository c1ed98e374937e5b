// An unmodified Baileys client pairs with the simulator by QR, logs in again
// from its saved state with no QR, is kept alive, and is logged out by unlink.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, tmpDir, waitFor, sleep } from '../support/helpers.js';
import { connect, loadAuth, pair } from '../support/baileys-client.js';

const sims = [];
after(async () => { await Promise.all(sims.map((s) => s.stop())); });

test('Baileys pairs by QR, reconnects after 515, logs in from saved state, unlink logs it out',
    { timeout: 60000 }, async () => {
	const sim = await startSim();
	sims.push(sim);
	const authDir = tmpDir('baileys-auth-');
	const auth = await loadAuth(authDir);

	const c1 = connect(sim.url, auth);
	const { qr } = await c1.waitQr();
	assert.match(qr, /^https:\/\/wa\.me\/settings\/linked_devices#2@/);
	const scan = await sim.api('POST', '/sim/phone/scan', { qr, phone: '15550001111' });
	assert.equal(scan.status, 200, scan.text);
	assert.equal(scan.body.jid, '15550001111:1@s.whatsapp.net');
	assert.equal(await c1.waitClose(), 515);
	await c1.saved();
	assert.equal(auth.state.creds.me.id, '15550001111:1@s.whatsapp.net');
	assert.match(auth.state.creds.me.lid, /^[0-9]+:1@lid$/);

	// Baileys apps restart the socket on restartRequired with the same state.
	const c2 = connect(sim.url, auth);
	await c2.waitOpen();
	let devs = (await sim.api('GET', '/sim/devices')).body;
	assert.deepEqual(devs.map((d) => [d.jid, d.phone, d.device, d.connected, d.connects]),
	    [['15550001111:1@s.whatsapp.net', '15550001111', 1, true, 1]]);
	// Prekeys were counted and uploaded, then pings answered for a few intervals.
	const before = (await sim.api('GET', '/sim/stats')).body.pings;
	await sleep(2500);
	const stats = (await sim.api('GET', '/sim/stats')).body;
	assert.ok(stats.pings >= before + 2, `pings ${before} -> ${stats.pings}`);
	assert.ok(!c2.updates.some((u) => u.connection === 'close'), 'still open');
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	assert.match(log, /<count value='0'\/>/);
	assert.match(log, /xmlns='encrypt' type='set'/);
	await c2.end();

	// A restarted client with only its files logs in without a QR.
	const auth2 = await loadAuth(authDir);
	const c3 = connect(sim.url, auth2);
	await c3.waitOpen();
	assert.ok(!c3.updates.some((u) => u.qr), 'no QR on login');
	devs = (await sim.api('GET', '/sim/devices')).body;
	assert.equal(devs[0].connects, 2);
	// The edge routing info sent after the first login came back as an ED intro.
	assert.match((await sim.api('GET', '/sim/log?since=0')).text, /login username=15550001111 device=1 .*intro=ED/);
	assert.match((await sim.api('GET', '/sim/log?since=0')).text, /<count value='8[0-9][0-9]'\/>/);

	const un = await sim.api('POST', '/sim/phone/unlink', { jid: scan.body.jid });
	assert.equal(un.status, 200, un.text);
	assert.equal(await c3.waitClose(), 401);
	await c3.end();

	const c4 = connect(sim.url, auth2);
	assert.equal(await c4.waitClose(), 401);
	await c4.end();
	await waitFor(async () => (await sim.api('GET', '/sim/devices')).body.length === 0, 3000, 'device gone');
});

test('two simulated phones\' devices message each other through the relay', { timeout: 60000 }, async () => {
	const sim = await startSim({ args: ['--server-ping-ms', '300'] });
	sims.push(sim);
	const a = await pair(sim, tmpDir('baileys-auth-'), '15550001111');
	const b = await pair(sim, tmpDir('baileys-auth-'), '15550002222');
	const opts = { shouldSyncHistoryMessage: () => false };
	const ca = connect(sim.url, a.auth, opts);
	const cb = connect(sim.url, b.auth, opts);
	const got = [];
	cb.sock.ev.on('messages.upsert', ({ messages }) => got.push(...messages));
	await ca.waitOpen();
	await cb.waitOpen();
	const sent = await ca.sock.sendMessage('15550002222@s.whatsapp.net', { text: 'phone to phone' });
	let m;
	try {
		m = await waitFor(() => got.find((x) => (x.message?.conversation || x.message?.extendedTextMessage?.text) === 'phone to phone'), 10000,
		    'relayed message');
	} catch (e) {
		console.log((await sim.api('GET', '/sim/log?since=0')).text.split('\n').filter((l) => !/w:p|ping|unified/.test(l)).slice(-50).map((l) => l.slice(0, 700)).join('\n'));
		throw e;
	}
	assert.equal(m.key.id, sent.key.id);
	assert.equal(m.key.fromMe, false);
	const log = (await sim.api('GET', '/sim/log?since=0')).text;
	assert.match(log, new RegExp(`out c[0-9]+ 15550002222:1@s.whatsapp.net <message from='15550001111:1@s.whatsapp.net' id='${sent.key.id}'`));
	// Server-initiated pings were sent (Baileys does not answer them).
	assert.match(log, /xmlns='urn:xmpp:ping'/);
	// B's delivery receipt is relayed to A.
	await waitFor(async () => new RegExp(`out c[0-9]+ 15550001111:1@s.whatsapp.net <receipt from='15550002222:1@s.whatsapp.net' id='${sent.key.id}'`)
	    .test((await sim.api('GET', '/sim/log?since=0')).text), 10000, 'relayed receipt');
	await ca.end();
	await cb.end();
});
