// browser.js: Debian's chromium driven by playwright-core for the dashboard
// tests, and axe-core run inside the page for WCAG 2.1 AA. A missing
// chromium fails the test (scripts/install-deps installs it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { requireFile } from './proc.js';

export const CHROMIUM = '/usr/bin/chromium';

/** A headless chromium; close it with browser.close(). */
export function launchBrowser() {
	return chromium.launch({ executablePath: requireFile(CHROMIUM, 'scripts/install-deps: chromium'),
	    headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	        '--disable-component-update', '--disable-sync', '--no-first-run'] });
}

/** Signs in on the dashboard at base and waits for the live stream. */
export async function loginPage(page, base, password) {
	await page.goto(base);
	await page.fill('#password', password);
	await page.click('#login-form button[type=submit]');
	await page.locator('#app-view').waitFor();
	await page.locator('#live', { hasText: /^live$/ }).waitFor();
}

let axeSource;
/**
 * Runs axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now;
 * resolves the violations of impact serious or critical, each as
 * {id, impact, help, targets}. The page's CSP does not apply: Playwright
 * adds the script through the DevTools protocol.
 */
export async function axeSeriousFindings(page) {
	if (!axeSource)
		axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
	if (!(await page.evaluate(() => typeof window.axe === 'object')))
		await page.evaluate(axeSource);
	const r = await page.evaluate(() => window.axe.run(document, {
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
		resultTypes: ['violations'],
	}));
	return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
	    .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
	        targets: v.nodes.map((n) => n.target.join(' ')) }));
}
