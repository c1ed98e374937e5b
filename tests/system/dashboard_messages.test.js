// The dashboard's Messages tab (issue 13) in a real browser against the
// simulator, a real wa-worker and wa-control: an operator sends a text to
// a whitelisted number from the form and hears the result (aria-live); the
// row appears in Recent messages and follows its status live to "read"
// without a reload; a stranger's number gets a clear 403 message; a
// --hook-url receiver answering 404 leaves a dead letter that "Deliver
// again" sends again; no body ever shows; axe-core finds nothing serious
// or critical at 375 and 1280 px; keyboard only reaches the form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { REPO, startSim, startWorker, waitState, scanQr, tmpDir, waitFor, freePort, startControl,
    launchBrowser, loginPage, axeSeriousFindings } from '../support/harness.js';

const ART = path.join(REPO, 'tests', 'artifacts');

const C = '4915112348001';
const STRANGER = '4915112348002';
const PASSWORD = 'dash-msg-pass';

let sim, w, control, browser, page, hookStatus = 404;
const seen = [];
const pageErrors = [];
let srv;

before(async () => {
	sim = await startSim();
	for (const p of [C, STRANGER])
		assert.equal((await sim.api('POST', '/sim/contacts', { phone: p })).status, 200);
	srv = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			seen.push({ id: req.headers['webhook-id'], status: hookStatus, body });
			res.writeHead(hookStatus, { 'content-type': 'text/plain' });
			res.end('');
		});
	});
	const hookPort = await freePort();
	await new Promise((r) => srv.listen(hookPort, '127.0.0.1', r));
	const dataDir = tmpDir('walink-dashmsg-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify([C]));
	w = await startWorker(sim, { dataDir, extra: { '--hook-url': `http://127.0.0.1:${hookPort}/hook`,
	    '--hook-status': null } });
	await waitState(w, 'qr');
	await scanQr(sim, w, '15550018000');
	await waitState(w, 'connected', 10000);
	control = await startControl(dataDir, await freePort(), { WA_ADMIN_PASSWORD: PASSWORD });
	await waitFor(async () => (await (await fetch(`${control.base}/healthz`)).json()).workerReachable,
	    10000, 'worker reachable');
	browser = await launchBrowser();
	page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
	page.setDefaultTimeout(15000);
	page.on('pageerror', (e) => pageErrors.push(String(e)));
	await loginPage(page, control.base, PASSWORD);
});

after(async () => {
	await browser?.close();
	await control?.stop();
	await w?.stop();
	srv?.close();
	await sim.stop();
	assert.deepEqual(pageErrors, []);
});

test('the Messages tab sends to a whitelisted number and follows its status live to read', async () => {
	await page.click('#tab-messages');
	assert.equal(await page.getAttribute('#send-status', 'aria-live'), 'polite');
	await page.fill('#send-to', `+${C}`);
	await page.fill('#send-text', 'pick-up at 9');
	await page.click('#send-btn');
	const status = page.locator('#send-status', { hasText: 'Queued for' });
	await status.waitFor();
	const id = /message ([0-9A-F]+)/.exec(await status.textContent())[1];
	const row = page.locator(`#msgs-rows tr[data-id="${id}"]`);
	await row.waitFor();
	await waitFor(async () => (await sim.api('GET', `/sim/contacts/${C}/messages`)).body
	    .some((m) => m.id === id && m.delivered), 15000, 'the contact got it');
	await row.locator('.msg-status', { hasText: /^delivered$/ }).waitFor();
	assert.equal((await sim.api('POST', `/sim/contacts/${C}/read`, { id })).status, 200);
	await row.locator('.msg-status', { hasText: /^read$/ }).waitFor();
	// metadata only: the body is nowhere on the page
	assert.ok(!(await page.textContent('#panel-messages')).includes('pick-up at 9'));
});

test('a number not whitelisted gets a clear message, announced, and nothing is sent', async () => {
	await page.click('#tab-messages');
	await page.fill('#send-to', STRANGER);
	await page.fill('#send-text', 'hello');
	await page.click('#send-btn');
	await page.locator('#send-status', { hasText: 'is not on the whitelist' }).waitFor();
	assert.equal(await page.getAttribute('#send-to', 'aria-invalid'), 'true');
	assert.equal((await sim.api('GET', `/sim/contacts/${STRANGER}/messages`)).body.length, 0);
	// typed wrong: refused before any request, said why
	await page.fill('#send-to', '12');
	await page.click('#send-btn');
	await page.locator('#send-status', { hasText: 'country code' }).waitFor();
});

test('a webhook answered 404 is a dead letter; "Deliver again" sends it again', async () => {
	// the sends above made status events: the receiver said 404 to each
	await waitFor(async () => {
		const r = await page.evaluate(async () => (await fetch('/api/webhooks/dead')).json());
		return r.count > 0;
	}, 15000, 'a dead letter').catch(async (e) => {
		e.message += ` ${JSON.stringify(await page.evaluate(async () =>
		    (await fetch('/api/webhooks/dead')).json()))} seen ${seen.length}\n` +
		    w.output().split('\n').filter((l) => /webhook|hook/.test(l)).slice(-20).join('\n');
		throw e;
	});
	await page.click('#dead-refresh');
	const first = page.locator('#dead-rows button').first();
	await first.waitFor();
	const id = await first.getAttribute('data-id');
	hookStatus = 200;
	const before = seen.filter((x) => x.id === id).length;
	await first.click();
	await page.locator('#dead-status', { hasText: `Event ${id} is queued for delivery again` }).waitFor();
	await waitFor(() => seen.filter((x) => x.id === id && x.status === 200).length === 1, 10000,
	    'delivered again with the same webhook-id');
	assert.equal(seen.filter((x) => x.id === id).length, before + 1);
	hookStatus = 404;
});

test('keyboard alone sends from the form; axe finds nothing serious at 375 and 1280 px', async () => {
	await page.click('#tab-whatsapp');
	await page.focus('#tab-whatsapp');
	await page.keyboard.press('End');
	assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-messages');
	assert.equal(await page.isHidden('#panel-messages'), false);
	await page.fill('#send-to', '');
	await page.fill('#send-text', '');
	await page.focus('#send-to');
	await page.keyboard.type(C);
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() => document.activeElement.id), 'send-text');
	await page.keyboard.type('by keyboard');
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() => document.activeElement.id), 'send-btn');
	await page.keyboard.press('Enter');
	await page.locator('#send-status', { hasText: 'Queued for' }).waitFor();
	const found = [];
	for (const [width, height] of [[375, 812], [1280, 900]]) {
		await page.setViewportSize({ width, height });
		for (const f of await axeSeriousFindings(page))
			found.push({ width, ...f });
		fs.mkdirSync(ART, { recursive: true });
		await page.screenshot({ path: path.join(ART, `dashboard-messages-${width}.png`), fullPage: true });
	}
	assert.deepEqual(found, []);
	// nothing sideways at 375 px
	await page.setViewportSize({ width: 375, height: 812 });
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
	await page.setViewportSize({ width: 1280, height: 900 });
});
