// An unmodified Baileys 7 client links to the simulator by phone number
// (requestPairingCode): the simulator's phone side checks an implementation
// nobody here wrote. A wrong code is refused (403) and the right one then
// still links; the client logs in again from its files without a QR.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, tmpDir, waitFor } from '../support/helpers.js';
import { connect, loadAuth } from '../support/baileys-client.js';

const sims = [];
after(async () => { await Promise.all(sims.map((s) => s.stop())); });

test('Baileys links by pairing code; a wrong code is refused first; login from saved state',
    { timeout: 90000 }, async () => {
	const sim = await startSim();
	sims.push(sim);
	const authDir = tmpDir('baileys-code-');
	const auth = await loadAuth(authDir);
	const c1 = connect(sim.url, auth);
	await c1.waitQr();
	const code = await c1.sock.requestPairingCode('15550003333');
	assert.match(code, /^[1-9A-HJ-NP-TV-Z]{8}$/);

	const typo = code[0] === 'A' ? 'B' + code.slice(1) : 'A' + code.slice(1);
	const wrong = await sim.api('POST', '/sim/phone/link-code', { phone: '15550003333', code: typo });
	assert.equal(wrong.status, 403, wrong.text);
	const bad = await sim.api('POST', '/sim/phone/link-code', { phone: '15550003333', code: 'OOOO-0000' });
	assert.equal(bad.status, 400, bad.text);
	const other = await sim.api('POST', '/sim/phone/link-code', { phone: '15550009999', code });
	assert.equal(other.status, 404, other.text);

	const typed = code.slice(0, 4).toLowerCase() + '-' + code.slice(4);
	const ok = await sim.api('POST', '/sim/phone/link-code', { phone: '15550003333', code: typed });
	assert.equal(ok.status, 200, ok.text);
	assert.equal(ok.body.jid, '15550003333:1@s.whatsapp.net');
	assert.equal(await c1.waitClose(), 515);
	await c1.saved();
	assert.equal(auth.state.creds.me.id, '15550003333:1@s.whatsapp.net');
	await c1.end();

	const auth2 = await loadAuth(authDir);
	const c2 = connect(sim.url, auth2);
	await c2.waitOpen();
	assert.ok(!c2.updates.some((u) => u.qr), 'no QR on login');
	const devs = (await sim.api('GET', '/sim/devices')).body;
	assert.deepEqual(devs.map((d) => [d.jid, d.connected]), [['15550003333:1@s.whatsapp.net', true]]);
	await c2.end();
});

test('a code is refused once its time is over; an unregistered number gets 404 at hello',
    { timeout: 60000 }, async () => {
	// A 1 ms lifetime: over before any owner could type it.
	const sim = await startSim({ args: ['--link-code-ms', '1'] });
	sims.push(sim);
	const c1 = connect(sim.url, await loadAuth(tmpDir('baileys-code-')));
	await c1.waitQr();
	const code = await c1.sock.requestPairingCode('15550004444');
	const logHas = (re, what) => waitFor(async () =>
		re.test((await sim.api('GET', '/sim/log?since=0')).text), 5000, what);
	await logHas(/<link_code_pairing_ref>/, 'hello answered with a ref');
	const late = await sim.api('POST', '/sim/phone/link-code', { phone: '15550004444', code });
	assert.equal(late.status, 410, late.text);

	const un = await sim.api('POST', '/sim/phone/not-on-whatsapp', { phone: '15550005555' });
	assert.equal(un.status, 200, un.text);
	await c1.sock.requestPairingCode('15550005555');
	await logHas(/code='404' text='item-not-found'/, 'hello refused with 404');
	await c1.end();
});
