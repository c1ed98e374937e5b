// dashboard_paircode.test.js: "Link with phone number instead" in a real
// browser (Playwright, system chromium) against wa-control, the REAL
// wa-worker and wa-sim: the companion_reg_refresh QR change, a number not on
// WhatsApp, a wrong code, an expired code and a passkey demand each show
// their state and message on the WhatsApp tab; then a code typed right links.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { repo, startControl } from './control-harness.js';
import { freePort, probe, probeState, startSim, startWorker, waitFor, waitState } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && 'chromium not installed (apt-get install -y chromium)';
const PASSWORD = 'paircode-pass';
const ART = path.join(repo, 'tests', 'artifacts');

let sim, worker, control, browser, page;
const cspViolations = [], pageErrors = [];

describe('dashboard: link with phone number', { skip }, () => {
	before(async () => {
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
		    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
		        '--disable-component-update', '--disable-sync', '--no-first-run'] });
		page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
		page.setDefaultTimeout(10000);
		page.on('pageerror', (e) => pageErrors.push(String(e)));
		page.on('console', (m) => {
			if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
		});
		sim = await startSim();
		// A round of 15 s + 5 x 0.5 s: long enough to act, short enough to expire.
		worker = await startWorker(sim, { extra: { '--qr-first': '15s', '--qr-next': '500ms' } });
		control = await startControl(worker.dataDir, await freePort(), { WA_ADMIN_PASSWORD: PASSWORD });
		await page.goto(control.base);
		await page.fill('#password', PASSWORD);
		await page.click('#login-form button[type=submit]');
		await page.locator('#app-view').waitFor();
	});
	after(async () => {
		await browser?.close();
		await control?.stop();
		await worker?.stop();
		await sim?.stop();
	});

	it('shows the card while linking; a server QR refresh shows a new QR', async () => {
		await waitState(worker, 'qr');
		await page.locator('#paircode-card').waitFor();
		await page.locator('label[for=paircode-phone]').waitFor();
		await page.waitForFunction(() => document.getElementById('qr-img').naturalWidth > 100);
		const before = await page.getAttribute('#qr-img', 'src');
		const qrBefore = (await probe(worker, 'qr')).stdout.trim();
		assert.equal((await sim.api('POST', '/sim/inject', { fault: 'reg-refresh' })).status, 200);
		await waitFor(async () => (await probe(worker, 'qr')).stdout.trim() !== qrBefore, 5000,
		    'a refreshed QR');
		await page.waitForFunction((b) => document.getElementById('qr-img').getAttribute('src') !== b,
		    before);
	});

	it('says when a number is not on WhatsApp, and refuses a malformed one', async () => {
		await sim.api('POST', '/sim/phone/not-on-whatsapp', { phone: '15550007005' });
		await page.fill('#paircode-phone', '+1 555 000 7005');
		await page.click('#paircode-ask');
		await page.locator('#paircode-status[data-status=not_on_whatsapp]',
		    { hasText: 'not on WhatsApp' }).first().waitFor();
		assert.equal(await page.isHidden('#paircode-code'), true);
		await page.fill('#paircode-phone', 'call me');
		await page.click('#paircode-ask');
		await page.locator('#paircode-status[data-status=error]').waitFor();
	});

	it('shows the code large with a countdown; a wrong code, then expiry, each say so', async () => {
		await page.fill('#paircode-phone', '+1 555 000 7001');
		await page.click('#paircode-ask');
		await page.locator('#paircode-code').waitFor({ timeout: 15000 });
		const code = (await page.locator('#paircode-code').textContent()).trim();
		assert.match(code, /^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
		assert.equal(await page.getAttribute('#paircode-code', 'aria-live'), 'polite');
		await page.locator('#paircode-countdown', { hasText: /^valid for \d+:\d\d$/ }).waitFor();
		await page.locator('#paircode-status', { hasText: 'Link with phone number instead' }).waitFor();
		mkdirSync(ART, { recursive: true });
		await page.locator('#paircode-card').screenshot({ path: path.join(ART, 'dashboard-paircode.png') });
		const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
		assert.equal((await sim.api('POST', '/sim/phone/link-code',
		    { phone: '15550007001', code: typo })).status, 403);
		await page.locator('#paircode-status[data-status=wrong_code]', { hasText: 'wrong' }).waitFor();
		assert.equal((await probeState(worker)).code, 2);
		await page.locator('#paircode-status[data-status=expired]', { hasText: 'expired' })
		    .waitFor({ timeout: 30000 });
		assert.equal(await page.isHidden('#paircode-code'), true);
		assert.equal((await probeState(worker)).code, 2);
	});

	it('tells the operator when WhatsApp demands a passkey', async () => {
		await waitFor(async () => (await sim.api('POST', '/sim/inject', { fault: 'passkey' })).status === 200,
		    10000, 'a registering connection to inject into');
		await page.locator('#passkey-notice').waitFor();
		await page.locator('#passkey-detail', { hasText: 'Passkeys' }).waitFor();
		await page.locator('#state-badge.disconnected[data-state=passkey_required]',
		    { hasText: 'Passkey required' }).waitFor();
		assert.equal((await probeState(worker)).code, 2);
		assert.equal((await probe(worker, 'new-qr')).code, 0);
		await page.locator('#passkey-notice').waitFor({ state: 'hidden' });
	});

	it('links when the code is typed right, and the card goes away', async () => {
		await waitState(worker, 'qr');
		await page.fill('#paircode-phone', '15550007002');
		await page.click('#paircode-ask');
		await page.locator('#paircode-code').waitFor({ timeout: 15000 });
		const code = (await page.locator('#paircode-code').textContent()).trim();
		const ok = await sim.api('POST', '/sim/phone/link-code', { phone: '15550007002', code });
		assert.equal(ok.status, 200, ok.text);
		await page.locator('#state-badge.connected').waitFor({ timeout: 15000 });
		await page.locator('#paircode-card').waitFor({ state: 'hidden' });
		assert.deepEqual(cspViolations, []);
		assert.deepEqual(pageErrors, []);
	});
});
