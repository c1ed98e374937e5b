// dashboard.test.js: the operator dashboard in a real browser (Playwright,
// system chromium) against wa-control and the fake worker: log in, see the
// QR, follow a live state change without reload, manage the whitelist
// (add, remove, export, bulk import from text and file), reload, and take
// screenshots at 375 and 1280 px into tests/artifacts/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { login, repo, startStack } from './control-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ART = path.join(repo, 'tests', 'artifacts');
const skip = !existsSync(CHROMIUM) && 'chromium not installed (apt-get install -y chromium)';

let s, browser, page;
const cspViolations = [], pageErrors = [];

describe('dashboard', { skip }, () => {
	before(async () => {
		mkdirSync(ART, { recursive: true });
		s = await startStack({ fakeArgs: ['--whitelist', '15550001111,4915112345678', '--qr-every', '2s'] });
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
		    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
		        '--disable-component-update', '--disable-sync', '--no-first-run'] });
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 },
		    acceptDownloads: true });
		page = await ctx.newPage();
		page.setDefaultTimeout(10000);
		page.on('pageerror', (e) => pageErrors.push(String(e)));
		page.on('console', (m) => {
			if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
		});
	});
	after(async () => {
		await browser?.close();
		const r = await s?.stop();
		assert.deepEqual(r, { code: 0, sig: null });
	});

	it('refuses a wrong password, then logs in', async () => {
		await page.goto(s.base);
		await page.locator('#login-view').waitFor();
		await page.fill('#password', 'wrong');
		await page.click('#login-form button[type=submit]');
		await page.locator('#login-error', { hasText: 'Wrong password' }).waitFor();
		await page.fill('#password', s.password);
		await page.click('#login-form button[type=submit]');
		await page.locator('#app-view').waitFor();
		await page.locator('#live', { hasText: 'live' }).waitFor();
	});

	it('shows the QR while waiting for a scan, and follows rotation', async () => {
		await page.locator('#state-badge[data-state=qr]').waitFor();
		await page.locator('#qr-card').waitFor();
		await page.waitForFunction(() => {
			const i = document.getElementById('qr-img');
			return i.complete && i.naturalWidth > 100;
		});
		const first = await page.getAttribute('#qr-img', 'src');
		await page.waitForFunction((f) => document.getElementById('qr-img').getAttribute('src') !== f,
		    first, { timeout: 6000 });
		await page.screenshot({ path: path.join(ART, 'dashboard-qr-1280.png'), fullPage: true });
	});

	it('offers a new QR when pairing is paused', async () => {
		await s.fake.command('paused 1');
		await page.locator('#btn-newqr').waitFor();
		await page.click('#btn-newqr');
		await page.locator('#qr-paused').waitFor({ state: 'hidden' });
	});

	it('turns the badge connected live, with heartbeats and RTT chart', async () => {
		await s.fake.command('state connected');
		await page.locator('#state-badge.connected').waitFor();
		assert.equal(await page.isHidden('#qr-card'), true);
		await page.locator('#number', { hasText: '+15550001111' }).waitFor();
		await page.locator('#hb-text', { hasText: / ms$/ }).waitFor();
		await page.locator('#rtt-chart polyline').waitFor();
		await page.locator('#changes li', { hasText: 'connected' }).first().waitFor();
	});

	it('shows reason, strategy and a countdown when disconnected', async () => {
		await s.fake.command('state disconnected TIMEOUT');
		await page.locator('#state-badge.disconnected').waitFor();
		await page.locator('#reason', { hasText: 'TIMEOUT' }).waitFor();
		await page.locator('#strategy', { hasText: 'wait 30s' }).waitFor();
		await page.locator('#next-attempt', { hasText: /^in \d+ s/ }).waitFor();
		await s.fake.command('state unstable');
		await page.locator('#state-badge.unstable').waitFor();
		await s.fake.command('state connected');
		await page.locator('#state-badge.connected').waitFor();
	});

	it('restarts the link after confirmation', async () => {
		await page.click('#btn-restart');
		await page.locator('#confirm[open]').waitFor();
		await page.click('#confirm button[value=ok]');
		await page.locator('#state-badge.restarting').waitFor();
		await page.locator('#state-badge.connected').waitFor();
		await page.setViewportSize({ width: 1280, height: 900 });
		await page.waitForTimeout(700);	// a couple of heartbeats for the chart
		await page.screenshot({ path: path.join(ART, 'dashboard-whatsapp-1280.png'), fullPage: true });
	});

	it('validates inline and adds a number', async () => {
		await page.click('#tab-settings');
		await page.locator('#wl-list li[data-number="15550001111"]').waitFor();
		assert.equal(await page.textContent('#count-badge'), '2');
		await page.fill('#add-number', '12345');
		await page.locator('#add-hint.error', { hasText: 'Too short' }).waitFor();
		await page.fill('#add-number', '+1 555 000 1111');
		await page.locator('#add-hint.error', { hasText: 'already' }).waitFor();
		await page.fill('#add-number', '+971 50-147 6598');
		await page.locator('#add-hint.ok', { hasText: '971501476598' }).waitFor();
		await page.click('#add-btn');
		await page.locator('#wl-list li[data-number="971501476598"]').waitFor();
		assert.equal(await page.textContent('#count-badge'), '3');
		assert.equal(await page.inputValue('#add-number'), '');
	});

	it('removes a number only after confirmation', async () => {
		const row = page.locator('#wl-list li[data-number="4915112345678"]');
		await row.locator('button').click();
		await page.click('#confirm button[value=cancel]');
		assert.equal(await row.count(), 1);
		await row.locator('button').click();
		await page.click('#confirm button[value=ok]');
		await row.waitFor({ state: 'detached' });
		assert.equal(await page.textContent('#count-badge'), '2');
	});

	it('exports the whitelist as a text file', async () => {
		const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
		assert.match(dl.suggestedFilename(), /^whitelist-\d{4}-\d\d-\d\d\.txt$/);
		const p = await dl.path();
		assert.equal(readFileSync(p, 'utf8'), '15550001111\n971501476598\n');
	});

	it('bulk import refuses invalid entries and replaces from pasted text', async () => {
		await page.fill('#bulk-text', '15550007777\nabc\n123');
		await page.click('#bulk-btn');
		await page.locator('#bulk-error', { hasText: 'abc, 123' }).waitFor();
		assert.equal(await page.textContent('#count-badge'), '2');
		await page.fill('#bulk-text', '15550007777\n+44 20 7946 0958, 4915112345678');
		await page.locator('#bulk-summary', { hasText: '3 entries' }).waitFor();
		await page.click('#bulk-btn');
		await page.click('#confirm button[value=ok]');
		await page.locator('#wl-list li[data-number="442079460958"]').waitFor();
		assert.equal(await page.textContent('#count-badge'), '3');
	});

	it('bulk import reads a file', async () => {
		const f = path.join(ART, 'bulk-import.txt');
		writeFileSync(f, '15550001111\n15550002222\n15550003333\n15550004444\n');
		await page.setInputFiles('#bulk-file', f);
		await page.locator('#bulk-summary', { hasText: '4 entries' }).waitFor();
		await page.click('#bulk-btn');
		await page.click('#confirm button[value=ok]');
		await page.locator('#wl-list li[data-number="15550004444"]').waitFor();
		assert.equal(await page.textContent('#count-badge'), '4');
	});

	it('keeps everything after a reload', async () => {
		await page.reload();
		await page.locator('#app-view').waitFor();
		await page.locator('#wl-list li[data-number="15550004444"]').waitFor();
		assert.equal(await page.textContent('#count-badge'), '4');
		await page.click('#tab-whatsapp');
		await page.locator('#state-badge.connected').waitFor();
		await page.locator('#changes li', { hasText: 'restarting' }).first().waitFor();
	});

	it('shows "worker unreachable" and recovers by itself', async () => {
		const { startFakeWorker } = await import('./control-harness.js');
		await s.fake.stop('SIGKILL');
		await page.locator('#banner', { hasText: 'Worker unreachable' }).waitFor();
		await page.screenshot({ path: path.join(ART, 'dashboard-worker-down-1280.png') });
		s.fake = await startFakeWorker(s.dir, ['--state', 'connected', '--whitelist', '15550001111']);
		await page.locator('#banner').waitFor({ state: 'hidden' });
		await page.locator('#state-badge.connected').waitFor();
	});

	it('looks right at 375 px', async () => {
		await page.setViewportSize({ width: 375, height: 812 });
		await page.click('#tab-whatsapp');
		await page.waitForTimeout(400);
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(overflow <= 375, `no horizontal scroll at 375 px (${overflow})`);
		await page.screenshot({ path: path.join(ART, 'dashboard-whatsapp-375.png'), fullPage: true });
		await page.click('#tab-settings');
		await page.waitForTimeout(200);
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 375);
		await page.screenshot({ path: path.join(ART, 'dashboard-settings-375.png'), fullPage: true });
		await page.setViewportSize({ width: 1280, height: 900 });
		await page.screenshot({ path: path.join(ART, 'dashboard-settings-1280.png'), fullPage: true });
	});

	it('runs without a script error or a CSP violation', () => {
		assert.deepEqual(pageErrors, []);
		assert.deepEqual(cspViolations, []);
	});

	it('signs out', async () => {
		await page.click('#signout');
		await page.locator('#login-view').waitFor();
		await page.setViewportSize({ width: 375, height: 667 });
		await page.screenshot({ path: path.join(ART, 'dashboard-login-375.png') });
		await page.reload();
		await page.locator('#login-view').waitFor();
	});

	it('signs out everywhere after confirmation: other sessions end too', async () => {
		await page.fill('#password', s.password);
		await page.click('#login-form button[type=submit]');
		await page.locator('#app-view').waitFor();
		const other = await login(s.base, s.password);
		const alive = async (cookie) => (await fetch(`${s.base}/api/auth/session`,
		    { headers: { cookie } })).status;
		assert.equal(await alive(other.cookie), 200);
		await page.click('#tab-settings');
		await page.click('#btn-signout-all');
		await page.locator('#confirm[open]').waitFor();
		await page.click('#confirm button[value=ok]');
		await page.locator('#login-view').waitFor();
		assert.equal(await alive(other.cookie), 401);
		await page.reload();
		await page.locator('#login-view').waitFor();
	});
});
