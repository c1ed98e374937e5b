// control_worker.test.js: wa-control in front of the REAL wa-worker linked
// to wa-sim. The API follows the worker through qr -> connected -> a fault
// and back, whitelist changes reach the worker's media-auth-config.json,
// logout leads to a new QR, and (issue 6) restarting wa-control 20 times,
// some with kill -9, never touches the WhatsApp link: the simulator's
// `connects` for the device stays put and an open dashboard page recovers
// each time without a reload.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { freePort, launchBrowser, login, loginPage, probeState, scanQr, simDevice, startControl,
    startSim, startWorker, waitFor, waitState, LINK_UP } from '../support/harness.js';

const PASSWORD = 'control-worker-pass';
const TOKEN = 'control-worker-token';
const PHONE = '15550006001';
const RESTARTS = 20;

let sim, worker, port, base, control, sess, jid;

// wa-control on the worker's data dir; retries while the port is still
// held by the instance just killed.
const restartControl = () => startControl(worker.dataDir, port,
    { WA_ADMIN_PASSWORD: PASSWORD, WA_API_TOKEN: TOKEN }, { retryBusyMs: 15000 });

const api = (p, opts = {}) => fetch(`${base}${p}`, opts);
const authed = (p, method = 'GET', body) => api(p, { method, headers: sess.headers(),
    body: body === undefined ? undefined : JSON.stringify(body) });
const bearer = (p, method = 'GET', body) => api(p, { method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
const apiState = async () => (await (await authed('/api/whatsapp/state')).json()).connectionState;
const whitelistFile = () => {
	const f = path.join(worker.dataDir, 'media-auth-config.json');
	return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : [];
};

// Polls the API state until want(state) holds; returns every state seen.
async function followState(want, ms, what) {
	const seen = [];
	await waitFor(async () => {
		const c = await apiState();
		if (seen.at(-1)?.state !== c?.state) seen.push(c);
		return c && want(c);
	}, ms, what);
	return seen;
}

describe('wa-control with the real worker', () => {
	before(async () => {
		sim = await startSim();
		worker = await startWorker(sim);
		port = await freePort();
		base = `http://127.0.0.1:${port}`;
		control = await restartControl();
		sess = await login(base, PASSWORD);
	});
	after(async () => {
		const r = await control?.stop();
		await worker?.stop();
		await sim?.stop();
		if (worker) rmSync(worker.dataDir, { recursive: true, force: true });
		assert.deepEqual(r, { code: 0, sig: null }, 'wa-control exits cleanly');
	});

	it('follows the worker from qr to connected, with the QR as SVG', async () => {
		await followState((c) => c.state === 'qr', 15000, 'qr');
		const q = await authed('/api/whatsapp/qr');
		assert.equal(q.status, 200);
		assert.equal(q.headers.get('content-type'), 'image/svg+xml');
		assert.match(await q.text(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
		({ jid } = await scanQr(sim, worker, PHONE));
		await followState((c) => c.state === 'connected', 15000, 'connected');
		const c = await waitFor(async () => {
			const c = await apiState();
			return c.lastHeartbeat && c;
		}, 5000, 'a heartbeat');
		assert.equal(c.isReady, true);
		assert.equal(c.isAuthenticated, true);
		assert.equal(c.connectedNumber, PHONE);
		assert.match(c.lastHeartbeat, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		assert.equal((await authed('/api/whatsapp/qr')).status, 404, 'no QR once linked');
	});

	it('carries whitelist add, remove and bulk into the worker file', async () => {
		let r = await authed('/api/whitelist/add', 'POST', { phoneNumber: '+44 20 7946 0958' });
		assert.equal(r.status, 200);
		assert.ok(whitelistFile().includes('442079460958'));
		r = await authed('/api/whitelist/add', 'POST', { phoneNumber: '442079460958' });
		assert.equal(r.status, 409);
		r = await authed('/api/whitelist/remove/442079460958', 'DELETE');
		assert.equal(r.status, 200);
		assert.ok(!whitelistFile().includes('442079460958'));
		const bulk = ['15550001111', '4915112345678', '971501476598'];
		r = await authed('/api/whitelist/bulk', 'PUT', { numbers: [...bulk, '+1 555 000 1111'] });
		assert.equal(r.status, 200);
		assert.deepEqual(whitelistFile(), bulk);
		r = await authed('/api/whitelist/bulk', 'PUT', { numbers: ['15550002222', 'abc'] });
		assert.equal(r.status, 400);
		assert.deepEqual(whitelistFile(), bulk, 'a refused bulk changes nothing');
		const j = await (await authed('/api/whitelist')).json();
		assert.deepEqual(j.numbers, bulk);
	});

	it('shows a conflict fault and the reconnect after it', async () => {
		const r = await sim.api('POST', '/sim/inject', { jid, fault: 'conflict' });
		assert.equal(r.status, 200);
		const seen = await followState((c) => c.state !== 'connected', 5000, 'the fault');
		assert.ok(seen.some((c) => c.reason === 'CONFLICT'), JSON.stringify(seen));
		await followState((c) => c.state === 'connected', 15000, 'connected again');
		const m = await (await api('/metrics')).text();
		assert.match(m, /walink_reconnects_total\{reason="CONFLICT"\} 1/);
	});

	it('metrics carry the real worker\'s message store counters over IPC', async () => {
		const m = await (await api('/metrics')).text();
		for (const s of ['outbox', 'lid_holds', 'auto_reply_marks', 'retry_counts', 'retry_answers',
		    'recreated_sessions', 'token_issuances', 'inbox']) {
			assert.match(m, new RegExp(`\nwalink_message_store_evicted_total\\{store="${s}"\\} 0\n`), s);
			assert.match(m, new RegExp(`\nwalink_message_store_refused_total\\{store="${s}"\\} 0\n`), s);
		}
	});

	it(`survives ${RESTARTS} wa-control restarts: link untouched, page live`,
	    { timeout: 240000 }, async () => {
		const before = await simDevice(sim, PHONE);
		let navigations = 0;
		const browser = await launchBrowser();
		const page = await (await browser.newContext()).newPage();
		page.setDefaultTimeout(15000);
		await loginPage(page, base, PASSWORD);
		await page.locator('#state-badge.connected').waitFor();
		await page.evaluate(() => { window.__sameDocument = true; });
		page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
		try {
			for (let i = 0; i < RESTARTS; i++) {
				const sig = i % 3 === 0 ? 'SIGKILL' : 'SIGTERM';
				const r = await control.stop(sig);
				assert.deepEqual(r, sig === 'SIGKILL' ? { code: null, sig: 'SIGKILL' } :
				    { code: 0, sig: null }, `stop ${i} with ${sig}`);
				// the page notices the control plane is gone...
				await page.locator('#live', { hasText: 'reconnecting' }).waitFor();
				assert.ok(LINK_UP.includes((await probeState(worker)).state),
				    `the worker stays connected while wa-control is down (${i})`);
				control = await restartControl();
				// ...and the API answers the old session cookie at once
				const c = await waitFor(async () => {
					const r = await authed('/api/whatsapp/state');
					if (r.status !== 200) return null;
					const c = (await r.json()).connectionState;
					return c.state === 'connected' && c;
				}, 5000, `API state after restart ${i}`);
				assert.equal(c.connectedNumber, PHONE);
				await page.locator('#live', { hasText: /^live$/ }).waitFor();
				// a live event from the new instance reaches the page
				const n = String(15550007000 + i);
				assert.equal((await bearer('/api/whitelist/add', 'POST', { phoneNumber: n })).status, 200);
				await page.locator(`#wl-list li[data-number="${n}"]`).waitFor({ state: 'attached' });
				await page.locator('#state-badge.connected').waitFor();
				assert.equal(await page.evaluate(() => window.__sameDocument), true,
				    `no reload after restart ${i}`);
			}
			assert.equal(navigations, 0, 'the page never navigated');
		} finally {
			await browser.close();
		}
		const now = await simDevice(sim, PHONE);
		assert.equal(now.connects, before.connects, 'the worker never reconnected');
		assert.equal(now.jid, before.jid);
		assert.equal((await waitState(worker, 'connected', 2000)).connectedNumber, PHONE);
	});

	it('logs out through the API and shows a new QR', async () => {
		const r = await authed('/api/whatsapp/logout', 'POST');
		assert.equal(r.status, 200);
		const seen = await followState((c) => c.state === 'qr', 15000, 'qr after logout');
		const c = seen.at(-1);
		assert.equal(c.connectedNumber, null);
		assert.equal(c.isAuthenticated, false);
		const q = await waitFor(async () => {
			const q = await authed('/api/whatsapp/qr');
			return q.status === 200 && q;
		}, 10000, 'a new QR');
		assert.equal(q.headers.get('content-type'), 'image/svg+xml');
	});
});
