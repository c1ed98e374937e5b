// An unmodified Baileys client pairs with the simulator by QR, logs in again
// from its saved state with no QR, is kept alive, and is logged out by unlink.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, tmpDir, waitFor, sleep } from '../support/helpers.js';
import { connect, loadAuth } from '../support/baileys-client.js';

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
