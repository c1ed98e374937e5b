// dashboard.test.js: the operator dashboard in a real browser (Playwright,
// system chromium) against wa-control and the fake worker: log in, see the
// QR, follow a live state change without reload, manage the whitelist
// (add, remove, export, bulk import from text and file), reload; the lines
// of a whitelist file the worker left out; WCAG 2.1 AA
// through axe-core on every tab in every link state at 375 and 1280 px, the
// tabs pattern, focus, the live region, reduced motion; the layout at
// 375 px; 100 000 numbers staying responsive. Screenshots at 375 and 1280 px
// go to tests/artifacts/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { REPO, axeSeriousFindings, launchBrowser, login, startFakeWorker, startStack }
    from '../support/harness.js';

const ART = path.join(REPO, 'tests', 'artifacts');
const WIDTHS = [[375, 812], [1280, 900]];
// Every link state the worker reports, with the reason it would carry.
const LINK_STATES = [['starting'], ['connecting'], ['qr'], ['pairing'], ['connected'],
	['unstable'], ['disconnected', 'TIMEOUT'], ['restarting', 'NAVIGATION'],
	['logged_out', 'LOGOUT'], ['conflict', 'CONFLICT'], ['banned', 'BAN'],
	['outdated', 'OUTDATED']];

let s, browser, page;
const cspViolations = [], pageErrors = [];

/** axe-core on both tabs at both widths; returns the findings, labelled. */
async function axeBothTabs(label) {
	const found = [];
	for (const [width, height] of WIDTHS) {
		await page.setViewportSize({ width, height });
		for (const tab of ['whatsapp', 'settings', 'messages']) {
			await page.click(`#tab-${tab}`);
			for (const f of await axeSeriousFindings(page))
				found.push({ at: `${label}, ${tab} tab, ${width} px`, ...f });
		}
	}
	await page.setViewportSize({ width: 1280, height: 900 });
	return found;
}

describe('dashboard', () => {
	before(async () => {
		mkdirSync(ART, { recursive: true });
		s = await startStack({ fakeArgs: ['--whitelist', '15550001111,4915112345678', '--qr-every', '2s'] });
		browser = await launchBrowser();
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
		// a few heartbeats for the chart
		await page.waitForFunction(() =>
		    document.querySelector('#rtt-chart polyline')?.getAttribute('points').split(' ').length >= 3);
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

	it('has no serious or critical axe finding on every tab, in every link state, at 375 and 1280 px',
	    { timeout: 180000 }, async () => {
		let found = [];
		for (const [state, reason] of LINK_STATES) {
			await s.fake.command(`state ${state}${reason ? ` ${reason}` : ''}`);
			await page.locator(`#state-badge[data-state=${state}]`).waitFor({ state: 'attached' });
			found = found.concat(await axeBothTabs(state));
		}
		await s.fake.command('paused 1');
		await s.fake.command('state qr');
		await page.waitForFunction(() => !document.getElementById('qr-paused').hidden);
		found = found.concat(await axeBothTabs('qr paused'));
		await s.fake.command('paused 0');
		await page.click('#tab-whatsapp');
		await page.click('#btn-restart');
		await page.locator('#confirm[open]').waitFor();
		found = found.concat((await axeSeriousFindings(page)).map((f) => ({ at: 'dialog', ...f })));
		await page.click('#confirm button[value=cancel]');
		await s.fake.command('state connected');
		await page.locator('#state-badge.connected').waitFor();
		assert.deepEqual(found, [], JSON.stringify(found, null, 1));
	});

	it('keeps 4.5:1 contrast on every badge colour, the primary and the danger button', async () => {
		const ratios = await page.evaluate(() => {
			const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
			const lum = (c) => {
				const [r, g, b] = rgb(c).map((v) => {
					v /= 255;
					return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
				});
				return 0.2126 * r + 0.7152 * g + 0.0722 * b;
			};
			const ratio = (e) => {
				const cs = getComputedStyle(e);
				const [a, b] = [lum(cs.color), lum(cs.backgroundColor)].sort((x, y) => y - x);
				return (a + 0.05) / (b + 0.05);
			};
			const out = {};
			// a new element for each class: a changed class would start a transition
			for (const cls of ['badge unknown', 'badge connected', 'badge connecting',
			    'badge disconnected', 'badge unstable', 'badge restarting', 'btn primary',
			    'count']) {
				const probe = document.createElement('span');
				probe.className = cls;
				document.body.append(probe);
				out[cls] = ratio(probe);
				probe.remove();
			}
			out['dialog danger'] = ratio(document.getElementById('confirm-ok'));
			return out;
		});
		for (const [cls, r] of Object.entries(ratios))
			assert.ok(r >= 4.5, `${cls}: ${r.toFixed(2)}:1`);
	});

	it('tabs: arrow keys, Home and End move and select, one tab in the tab order', async () => {
		await page.click('#tab-whatsapp');
		const tabState = () => page.evaluate(() => [...document.querySelectorAll('[role=tab]')]
		    .map((t) => [t.id, t.getAttribute('aria-selected'), t.tabIndex,
		        !document.getElementById(t.getAttribute('aria-controls')).hidden,
		        document.activeElement === t]));
		assert.deepEqual(await tabState(), [['tab-whatsapp', 'true', 0, true, true],
		    ['tab-settings', 'false', -1, false, false], ['tab-messages', 'false', -1, false, false]]);
		await page.keyboard.press('ArrowRight');
		assert.deepEqual(await tabState(), [['tab-whatsapp', 'false', -1, false, false],
		    ['tab-settings', 'true', 0, true, true], ['tab-messages', 'false', -1, false, false]]);
		await page.keyboard.press('ArrowRight');
		assert.deepEqual((await tabState())[2], ['tab-messages', 'true', 0, true, true]);
		await page.keyboard.press('ArrowRight');	// wraps around
		assert.equal((await tabState())[0][1], 'true');
		await page.keyboard.press('End');
		assert.equal((await tabState())[2][4], true);
		await page.keyboard.press('Home');
		assert.deepEqual((await tabState())[0], ['tab-whatsapp', 'true', 0, true, true]);
		await page.keyboard.press('ArrowLeft');	// wraps around to the last
		assert.equal((await tabState())[2][1], 'true');
		await page.keyboard.press('ArrowLeft');
		assert.equal((await tabState())[1][1], 'true');
		// Tab leaves the tablist for the panel: the other tabs are skipped
		await page.keyboard.press('Tab');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'panel-settings');
		const labelled = await page.evaluate(() => [...document.querySelectorAll('[role=tabpanel]')]
		    .map((p) => p.getAttribute('aria-labelledby')));
		assert.deepEqual(labelled, ['tab-whatsapp', 'tab-settings', 'tab-messages']);
		await page.click('#tab-whatsapp');
	});

	it('announces each link state change in a polite live region', async () => {
		const region = page.locator('#state-announce');
		assert.equal(await region.getAttribute('aria-live'), 'polite');
		await s.fake.command('state disconnected TIMEOUT');
		await page.locator('#state-announce', { hasText: 'WhatsApp link: Disconnected (TIMEOUT)' })
		    .waitFor();
		await s.fake.command('state connected');
		await page.locator('#state-announce', { hasText: 'WhatsApp link: Connected' }).waitFor();
		// a heartbeat is not a change: the region keeps its text
		const text = await region.textContent();
		await page.waitForFunction((t) => document.getElementById('hb-text').textContent !== t,
		    await page.textContent('#hb-text'));
		assert.equal(await region.textContent(), text);
	});

	it('shows a visible focus ring on every control reached by Tab, the file button too', async () => {
		await page.click('#tab-settings');
		await page.click('.brand');	// Tab starts from the top of the page
		const seen = new Set();
		for (let i = 0; i < 40; i++) {
			await page.keyboard.press('Tab');
			const f = await page.evaluate(() => {
				const e = document.activeElement;
				// a file input is drawn by its label: the label shows the ring
				const drawn = e.type === 'file' ? e.closest('label') : e;
				const cs = getComputedStyle(drawn);
				return { id: e.id || e.getAttribute('aria-label') || e.textContent.trim(), tag: e.tagName,
				    style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
			});
			if (f.tag === 'BODY' || seen.has(f.id)) break;
			seen.add(f.id);
			assert.notEqual(f.style, 'none', `focus ring on ${f.tag} ${f.id}`);
			assert.ok(f.width >= 2, `focus ring on ${f.tag} ${f.id}: ${f.width} px`);
		}
		for (const id of ['signout', 'tab-settings', 'panel-settings', 'add-number', 'add-btn', 'wl-search',
		    'remove 15550001111', 'export', 'bulk-text', 'bulk-file', 'bulk-btn'])
			assert.ok(seen.has(id), `Tab reaches #${id} (${[...seen].join(', ')})`);
		await page.click('#tab-whatsapp');
	});

	it('labels the bulk textarea and the whitelist search', async () => {
		assert.equal(await page.getByLabel('Numbers to import').getAttribute('id'), 'bulk-text');
		assert.equal(await page.getByLabel('Search the whitelist').getAttribute('id'), 'wl-search');
	});

	it('stops the heartbeat pulse and transitions under prefers-reduced-motion', async () => {
		await page.emulateMedia({ reducedMotion: 'reduce' });
		try {
			await page.waitForFunction(() => document.getElementById('hb-dot').classList.contains('pulse'));
			const t = await page.evaluate(() => {
				const dot = getComputedStyle(document.getElementById('hb-dot'));
				const btn = getComputedStyle(document.getElementById('btn-restart'));
				return [dot.animationDuration, btn.transitionDuration];
			});
			assert.deepEqual(t, ['0s', '0s']);
		} finally {
			await page.emulateMedia({ reducedMotion: 'no-preference' });
		}
		const moving = await page.evaluate(() =>
		    getComputedStyle(document.getElementById('btn-restart')).transitionDuration);
		assert.notEqual(moving, '0s', 'without the preference the transitions stay');
	});

	it('shows "worker unreachable" and recovers by itself', async () => {
		await s.fake.stop('SIGKILL');
		await page.locator('#banner', { hasText: 'Worker unreachable' }).waitFor();
		const found = await axeBothTabs('worker unreachable');
		assert.deepEqual(found, [], JSON.stringify(found, null, 1));
		await page.click('#tab-whatsapp');
		await page.screenshot({ path: path.join(ART, 'dashboard-worker-down-1280.png') });
		s.fake = await startFakeWorker(s.dir, ['--state', 'connected', '--whitelist', '15550001111']);
		await page.locator('#banner').waitFor({ state: 'hidden' });
		await page.locator('#state-badge.connected').waitFor();
	});

	it('names the lines of the whitelist file the worker left out, on the Settings tab', async () => {
		const file = path.join(s.dir, 'whitelist-with-bad-lines.json');
		writeFileSync(file, '[\n"15550001111",\n"0612345678",\nnot json\n]\n', { mode: 0o600 });
		await s.fake.stop();
		s.fake = await startFakeWorker(s.dir, ['--state', 'connected', '--whitelist-file', file]);
		await page.reload();
		await page.locator('#state-badge.connected').waitFor();
		await page.click('#tab-settings');
		const box = page.locator('#wl-rejects');
		await box.waitFor();
		const text = await box.innerText();
		assert.match(text, /2 lines of the whitelist file could not be read/);
		assert.match(text, /Line 3: starts with 0: begin with the country code/);
		assert.match(text, /Line 4, column 1: not valid JSON/);
		assert.equal(await page.locator('#wl-list li[data-number]').count(), 1);
		const found = await axeBothTabs('whitelist file with rejected lines');
		assert.deepEqual(found, [], JSON.stringify(found, null, 1));
	});

	it('lays out at 375 px: no sideways scroll, 44 px controls, key elements on screen',
	    async () => {
		await page.setViewportSize({ width: 375, height: 812 });
		// every visible control: within the 375 px, at least 44 px high and wide
		const layout = () => page.evaluate(() => {
			const bad = [];
			for (const e of document.querySelectorAll('button, a[href], input, textarea, [role=tab]')) {
				const box = (e.type === 'file' ? e.closest('label') : e).getBoundingClientRect();
				if (box.width === 0 || e.closest('[hidden]')) continue;	// not shown
				if (box.left < 0 || box.right > 375 || box.height < 44 || box.width < 44)
					bad.push(`${e.id || e.textContent.trim()}: ${Math.round(box.left)}..` +
					    `${Math.round(box.right)} x ${Math.round(box.height)}`);
			}
			return { scroll: document.documentElement.scrollWidth, bad };
		});
		const onScreen = async (sel) => {
			const box = await page.locator(sel).boundingBox();
			assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${sel} within 375 px: ${JSON.stringify(box)}`);
		};
		await page.click('#tab-whatsapp');
		let l = await layout();
		assert.ok(l.scroll <= 375, `no horizontal scroll on WhatsApp (${l.scroll})`);
		assert.deepEqual(l.bad, []);
		for (const sel of ['#tab-whatsapp', '#tab-settings', '#state-badge', '#number', '#btn-restart',
		    '#btn-logout', '#reason'])
			await onScreen(sel);
		await page.screenshot({ path: path.join(ART, 'dashboard-whatsapp-375.png'), fullPage: true });
		await page.click('#tab-settings');
		l = await layout();
		assert.ok(l.scroll <= 375, `no horizontal scroll on Settings (${l.scroll})`);
		assert.deepEqual(l.bad, []);
		for (const sel of ['#add-number', '#add-btn', '#wl-search', '#wl-list', '#bulk-text', '#bulk-btn'])
			await onScreen(sel);
		await page.screenshot({ path: path.join(ART, 'dashboard-settings-375.png'), fullPage: true });
		await page.setViewportSize({ width: 1280, height: 900 });
		await page.screenshot({ path: path.join(ART, 'dashboard-settings-1280.png'), fullPage: true });
	});

	it('stays responsive with 100 000 numbers: Settings painted < 1 s, search < 100 ms a key',
	    { timeout: 120000 }, async (t) => {
		const N = 100000;
		const numbers = Array.from({ length: N }, (_, i) => String(4915100000000 + i * 7));
		await page.click('#tab-settings');
		const f = path.join(ART, 'bulk-100000.txt');
		writeFileSync(f, numbers.join('\n') + '\n');
		await page.setInputFiles('#bulk-file', f);
		await page.locator('#bulk-summary', { hasText: '100000 entries' }).waitFor({ timeout: 20000 });
		await page.click('#bulk-btn');
		await page.click('#confirm button[value=ok]');
		await page.locator('#count-badge', { hasText: String(N) }).waitFor({ timeout: 30000 });
		assert.equal(await page.locator('#wl-list li').count(), 50, 'one page of rows in the DOM');

		// first paint of the Settings tab on a fresh load: navigation -> rows drawn
		await page.reload();	// the URL holds #settings
		await page.waitForFunction(() => document.querySelector('#wl-list li[data-number]'),
		    null, { polling: 'raf', timeout: 20000 });
		const loadMs = await page.evaluate(() => performance.now());
		// and switching to it when the page is up
		await page.click('#tab-whatsapp');
		const switchMs = await page.evaluate(() => new Promise((resolve) => {
			const t0 = performance.now();
			document.getElementById('tab-settings').click();
			requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0)));
		}));

		// each key in the search box: input event -> the next frame with the result
		await page.evaluate(() => {
			window.__keyMs = [];
			document.getElementById('wl-search').addEventListener('input', (ev) => {
				requestAnimationFrame(() => setTimeout(() =>
				    window.__keyMs.push(performance.now() - ev.timeStamp)));
			});
		});
		await page.focus('#wl-search');
		const q = numbers[12345];
		await page.keyboard.type(q, { delay: 30 });
		await page.waitForFunction((n) => window.__keyMs.length === n, q.length);
		const keyMs = await page.evaluate(() => window.__keyMs);
		await page.locator(`#wl-list li[data-number="${q}"]`).waitFor();
		assert.equal(await page.locator('#wl-list li').count(), 1, 'only the match is shown');
		t.diagnostic(`100 000 numbers: Settings painted ${loadMs.toFixed(0)} ms after navigation, ` +
		    `tab switch ${switchMs.toFixed(1)} ms, search keys ${keyMs.map((m) => m.toFixed(1)).join(' ')} ms`);
		assert.ok(loadMs < 1000, `first paint of Settings ${loadMs} ms`);
		assert.ok(switchMs < 1000, `tab switch ${switchMs} ms`);
		assert.ok(Math.max(...keyMs) < 100, `search keys ${keyMs.join(' ')} ms`);
		// the pager walks the whole list
		await page.fill('#wl-search', '');
		await page.locator('#wl-page-text', { hasText: '1–50 of 100,000' }).waitFor();
		await page.click('#wl-next');
		await page.locator('#wl-page-text', { hasText: '51–100 of 100,000' }).waitFor();
		assert.equal(await page.locator('#wl-list li').first().getAttribute('data-number'), numbers[50]);
	});

	it('runs without a script error or a CSP violation', () => {
		assert.deepEqual(pageErrors, []);
		assert.deepEqual(cspViolations, []);
	});

	it('signs out (the sign-in page with no serious or critical axe finding)', async () => {
		await page.click('#signout');
		await page.locator('#login-view').waitFor();
		for (const [width, height] of WIDTHS) {
			await page.setViewportSize({ width, height });
			assert.deepEqual(await axeSeriousFindings(page), [], `sign-in page at ${width} px`);
		}
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
