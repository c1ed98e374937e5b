// sessions_overview.test.js: one wa-control serving 1 000 sessions (issue
// 15). 1 000 session directories are declared with --sessions-dir; 40 of
// them have a fake worker (the worker's real IPC side, session-worker/
// tools/fake-ipc-worker) in a scripted state, the rest no worker at all
// (shown unreachable). Checks the API (GET /api/sessions and counts,
// per-session routes, the seed route on the default session, 404 for an
// unknown session, the SSE stream of every session) and the dashboard's
// overview in Chromium: 1 000 sessions counted, the ones needing a person
// first, a state filter, a search, opening one session's two tabs, back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { freePort, startControl, startFakeWorker, waitFor } from './control-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const TOTAL = 1000;
const id = (i) => `s${String(i).padStart(4, '0')}`;
// the live ones: i < 40; their scripted states
const LIVE = 40;
const stateOf = (i) => (i % 10 === 3 ? 'logged_out' : i % 10 === 7 ? 'qr' : 'connected');
const numberOf = (i) => `1555000${String(i).padStart(4, '0')}`;

let dir, control, base, fakes = [];
const token = 'sessions-test-token', password = 'sessions-test-pass';
const auth = { authorization: `Bearer ${token}` };
const get = async (p) => {
	const r = await fetch(base + p, { headers: auth });
	return { status: r.status, body: await r.json().catch(() => null) };
};

describe('1 000 sessions behind one wa-control', () => {
	before(async () => {
		dir = mkdtempSync(path.join(os.tmpdir(), 'walink-sessions-'));
		for (let i = 0; i < TOTAL; i++) mkdirSync(path.join(dir, 'sessions', id(i)), { recursive: true });
		for (let i = 0; i < LIVE; i++)
			fakes.push(startFakeWorker(path.join(dir, 'sessions', id(i)), ['--client-id', id(i),
			    '--state', stateOf(i), '--number', stateOf(i) === 'connected' ? numberOf(i) : '',
			    '--whitelist', numberOf(i + 500), '--heartbeat-every', '0']));
		fakes = await Promise.all(fakes);
		const port = await freePort();
		control = await startControl(path.join(dir, 'control'), port,
		    { WA_API_TOKEN: token, WA_ADMIN_PASSWORD: password },
		    ['--sessions-dir', path.join(dir, 'sessions')]);
		base = control.base;
		await waitFor(async () => {
			const j = (await get('/api/sessions')).body;
			return j.total === TOTAL && j.counts.unreachable === TOTAL - LIVE;
		}, 30000, 'every live fake reachable, the rest unreachable');
	});
	after(async () => {
		const r = await control?.stop();
		await Promise.all(fakes.map((f) => f.stop()));
		rmSync(dir, { recursive: true, force: true });
		assert.deepEqual(r, { code: 0, sig: null });
	});

	it('lists every session with counts per state', async () => {
		const j = (await get('/api/sessions')).body;
		assert.equal(j.sessions.length, TOTAL);
		assert.equal(j.default, 's0000');
		const want = { connected: 0, qr: 0, logged_out: 0 };
		for (let i = 0; i < LIVE; i++) want[stateOf(i)]++;
		assert.equal(j.counts.connected, want.connected);
		assert.equal(j.counts.qr, want.qr);
		assert.equal(j.counts.logged_out, want.logged_out);
		assert.equal(j.needAttention, TOTAL - want.connected);
		const s5 = j.sessions.find((s) => s.id === id(5));
		assert.equal(s5.number, numberOf(5));
		assert.equal(s5.whitelistCount, 1);
		assert.equal((await get(`/api/sessions/${id(5)}`)).body.session.state, 'connected');
	});

	it('serves each session its own routes, the seed routes the default one', async () => {
		const wl = (await get(`/api/sessions/${id(12)}/whitelist`)).body;
		assert.deepEqual(wl.numbers, [numberOf(512)]);
		assert.deepEqual((await get('/api/whitelist')).body.numbers, [numberOf(500)]);
		const st = (await get(`/api/sessions/${id(13)}/whatsapp/state`)).body;
		assert.equal(st.connectionState.state, 'logged_out');
		assert.equal((await get(`/api/sessions/${id(900)}/whitelist`)).status, 503);
		assert.equal((await get('/api/sessions/nope/whitelist')).status, 404);
		const add = await fetch(`${base}/api/sessions/${id(21)}/whitelist/add`, { method: 'POST',
		    headers: { ...auth, 'content-type': 'application/json' },
		    body: JSON.stringify({ phoneNumber: '+49 151 1234 5678' }) });
		assert.equal(add.status, 200);
		assert.equal((await get(`/api/sessions/${id(21)}/whitelist`)).body.count, 2);
		assert.equal((await get(`/api/sessions/${id(22)}/whitelist`)).body.count, 1);
	});

	it('answers 200 requests across every live session at once, all still reachable after', async () => {
		const calls = [];
		for (let k = 0; k < 5; k++)
			for (let i = 0; i < LIVE; i++)
				calls.push(get(`/api/sessions/${id(i)}/whitelist`).then((r) => r.status));
		assert.deepEqual([...new Set(await Promise.all(calls))], [200]);
		const j = (await get('/api/sessions')).body;
		assert.equal(j.counts.unreachable, TOTAL - LIVE, 'every live worker still reachable');
	});

	it('streams every session on one SSE stream, each frame naming its session', async () => {
		const ac = new AbortController();
		const r = await fetch(`${base}/api/events?session=*`, { headers: auth, signal: ac.signal });
		const rd = r.body.getReader();
		let text = '';
		await fetch(`${base}/api/sessions/${id(31)}/whitelist/add`, { method: 'POST',
		    headers: { ...auth, 'content-type': 'application/json' },
		    body: JSON.stringify({ phoneNumber: '4915112345679' }) });
		await waitFor(async () => {
			text += Buffer.from((await rd.read()).value).toString();
			return /event: whitelist\ndata: \{[^\n]*"session":"s0031"/.test(text);
		}, 8000, 'whitelist frame of s0031');
		assert.match(text, /event: resync/);
		ac.abort();
	});

	it('shows the overview in Chromium: filter, search, open one, back', { skip: !existsSync(CHROMIUM) &&
	    'chromium not installed' }, async () => {
		const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
		    args: ['--no-sandbox', '--disable-gpu'] });
		try {
			const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
			page.setDefaultTimeout(15000);
			const errors = [];
			page.on('pageerror', (e) => errors.push(String(e)));
			await page.goto(base);
			await page.fill('#password', password);
			await page.click('#login-form button[type=submit]');
			await page.locator('#sessions-overview').waitFor();
			await page.locator(`#sessions-total[data-total="${TOTAL}"]`).waitFor();
			// one page of rows, not a thousand; the unreachable (needing a person) first
			const rows = page.locator('#sessions-rows tr');
			assert.equal(await rows.count(), 50);
			assert.equal(await rows.first().locator('.badge').getAttribute('data-state'), 'unreachable');
			await page.locator('#sessions-page', { hasText: 'Page 1 of 20' }).waitFor();
			// filter by state
			await page.click('#sessions-filters button[data-state=logged_out]');
			await page.locator('#sessions-page', { hasText: '4 shown' }).waitFor();
			for (const s of await rows.locator('.badge').all())
				assert.equal(await s.getAttribute('data-state'), 'logged_out');
			await page.click('#sessions-filters button[data-state=""]');
			// search by number, with a +
			await page.fill('#sessions-search', `+${numberOf(25)}`);
			await page.locator('#sessions-page', { hasText: '1 shown' }).waitFor();
			// open it: the seed's two tabs, for that session
			await page.click(`#sessions-rows tr[data-session=${id(25)}] button`);
			await page.locator('#app-view').waitFor();
			await page.locator('#session-name', { hasText: id(25) }).waitFor();
			assert.equal(await page.isHidden('#sessions-overview'), true);
			await page.locator('#state-badge.connected').waitFor();
			await page.locator('#number', { hasText: `+${numberOf(25)}` }).waitFor();
			await page.click('#tab-settings');
			await page.locator('#wl-list li[data-number="' + numberOf(525) + '"]').waitFor();
			// a reload comes back to the same session and tab
			await page.reload();
			await page.locator('#session-name', { hasText: id(25) }).waitFor();
			await page.locator('#wl-list li[data-number="' + numberOf(525) + '"]').waitFor();
			// back to the overview, focus on its heading
			await page.click('#sessions-back');
			await page.locator('#sessions-overview').waitFor();
			assert.equal(await page.evaluate(() => document.activeElement.id), 'sessions-title');
			assert.deepEqual(errors, []);
		} finally {
			await browser.close();
		}
	});
});
