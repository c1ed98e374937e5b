// Each injected fault gives an unmodified Baileys client the DisconnectReason
// real WhatsApp would cause (protocol-notes §6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DisconnectReason } from 'baileys';
import { startSim, tmpDir, sleep, waitFor } from '../support/helpers.js';
import { connect, pair } from '../support/baileys-client.js';

let sim, auth, jid;
before(async () => {
	sim = await startSim();
	({ auth, jid } = await pair(sim, tmpDir('baileys-auth-')));
});
after(async () => { await sim?.stop(); });

async function online() {
	const c = connect(sim.url, auth);
	await c.waitOpen();
	return c;
}

async function injectAndClose(fault, extra = {}) {
	const c = await online();
	const r = await sim.api('POST', '/sim/inject', { jid, fault, ...extra });
	assert.equal(r.status, 200, r.text);
	const code = await c.waitClose(15000);
	const err = c.updates.find((u) => u.connection === 'close').lastDisconnect.error;
	await c.end();
	return { code, err };
}

async function loginRefused() {
	const c = connect(sim.url, auth);
	const code = await c.waitClose(15000);
	const err = c.updates.find((u) => u.connection === 'close').lastDisconnect.error;
	await c.end();
	return { code, err };
}

test('conflict -> connectionReplaced (440)', { timeout: 30000 }, async () => {
	assert.equal((await injectAndClose('conflict')).code, DisconnectReason.connectionReplaced);
});

test('a second login of the same device replaces the first (440)', { timeout: 30000 }, async () => {
	const c1 = await online();
	const c2 = await online();
	assert.equal(await c1.waitClose(), DisconnectReason.connectionReplaced);
	await c1.end();
	await c2.end();
});

test('restart-required -> restartRequired (515)', { timeout: 30000 }, async () => {
	assert.equal((await injectAndClose('restart-required')).code, DisconnectReason.restartRequired);
});

test('drop -> connectionClosed (428)', { timeout: 30000 }, async () => {
	assert.equal((await injectAndClose('drop')).code, DisconnectReason.connectionClosed);
});

test('close -> connectionClosed (428)', { timeout: 30000 }, async () => {
	assert.equal((await injectAndClose('close')).code, DisconnectReason.connectionClosed);
});

test('stall -> connectionLost (408) after the keepalive window', { timeout: 30000 }, async () => {
	const { code } = await injectAndClose('stall');
	assert.equal(code, DisconnectReason.connectionLost);
	// The next connection is served normally again.
	const c = await online();
	await c.end();
});

test('temp-ban -> 402 with the expiry, logins refused until it passes', { timeout: 30000 }, async () => {
	const { code, err } = await injectAndClose('temp-ban', { seconds: 2 });
	assert.equal(code, 402);
	assert.equal(err.data.expire, '2');
	assert.equal(err.data.code, '101');
	const refused = await loginRefused();
	assert.equal(refused.code, 402);
	await sleep(2100);
	const c = await online();
	await c.end();
});

test('outdated -> 405 until cleared', { timeout: 30000 }, async () => {
	assert.equal((await injectAndClose('outdated')).code, 405);
	assert.equal((await loginRefused()).code, 405);
	const r = await sim.api('POST', '/sim/inject', { fault: 'clear' });
	assert.equal(r.status, 200);
	const r2 = await sim.api('POST', '/sim/inject', { jid, fault: 'clear' });
	assert.equal(r2.status, 200);
	const c = await online();
	await c.end();
});

test('failure with a reason Baileys does not know -> that code (409) until cleared', { timeout: 30000 }, async () => {
	assert.equal((await injectAndClose('failure', { reason: 409 })).code, 409);
	assert.equal((await loginRefused()).code, 409);
	await sim.api('POST', '/sim/inject', { jid, fault: 'clear' });
	const c = await online();
	await c.end();
});

test('ban -> forbidden (403) until cleared', { timeout: 30000 }, async () => {
	assert.equal((await injectAndClose('ban')).code, DisconnectReason.forbidden);
	assert.equal((await loginRefused()).code, DisconnectReason.forbidden);
	await sim.api('POST', '/sim/inject', { jid, fault: 'clear' });
	const c = await online();
	await c.end();
});

test('transient faults on an offline device are refused; bad faults are 4xx', async () => {
	await waitFor(async () => !(await sim.api('GET', '/sim/devices')).body[0].connected, 5000, 'offline');
	let r = await sim.api('POST', '/sim/inject', { jid, fault: 'conflict' });
	assert.equal(r.status, 409);
	r = await sim.api('POST', '/sim/inject', { jid, fault: 'explode' });
	assert.equal(r.status, 400);
	r = await sim.api('POST', '/sim/inject', { jid: '1:1@s.whatsapp.net', fault: 'ban' });
	assert.equal(r.status, 404);
	r = await sim.api('POST', '/sim/inject', '{"jid":');
	assert.equal(r.status, 400);
	assert.equal(typeof r.body.error, 'string');
});

test('logout -> loggedOut (401), later logins refused 401', { timeout: 30000 }, async () => {
	assert.equal((await injectAndClose('logout')).code, DisconnectReason.loggedOut);
	assert.equal((await loginRefused()).code, DisconnectReason.loggedOut);
	const st = (await sim.api('GET', '/sim/stats')).body;
	assert.ok(st.connections > 10 && st.handshakes > 10 && st.stanzasIn > 0 && st.stanzasOut > 0, JSON.stringify(st));
});
