// wa-worker messaging against wa-sim's contacts (whose Signal is libsignal,
// independent of ours): whitelist first, the bot hook, replies to every
// device, LID senders, sessions across kill -9, hooks that hang or fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, startWorker, waitState, scanQr, ipcCall, tmpDir, sleep,
    waitFor } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HOOK = `${process.execPath} ${path.join(here, 'hook-echo.js')}`;

let sim;
const workers = [];
before(async () => { sim = await startSim(); });
after(async () => {
	for (const w of workers)
		await w.stop();
	await sim.stop();
});

let nextPhone = 15550002000;

/**
 * A paired, connected worker for a fresh phone number whose whitelist
 * holds `allow`; hook runs are logged to w.hookLog.
 */
async function paired({ allow = [], extra = {}, env = {} } = {}) {
	const phone = String(nextPhone++);
	const dataDir = tmpDir('walink-msg-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify(allow));
	const hookLog = path.join(dataDir, 'hook.log');
	const opts = { dataDir, extra: { '--hook-cmd': HOOK, ...extra },
	    env: { HOOK_LOG: hookLog, ...env } };
	const w = await startWorker(sim, opts);
	workers.push(w);
	await waitState(w, 'qr');
	await scanQr(sim, w, phone);
	await waitState(w, 'connected', 10000);
	Object.assign(w, { phone, hookLog, opts });
	return w;
}

async function restart(w) {
	const w2 = await startWorker(sim, w.opts);
	workers.push(w2);
	Object.assign(w2, { phone: w.phone, hookLog: w.hookLog, opts: w.opts });
	await waitState(w2, 'connected', 10000);
	return w2;
}

function hookRuns(w) {
	if (!fs.existsSync(w.hookLog))
		return [];
	return fs.readFileSync(w.hookLog, 'utf8').trim().split('\n').filter(Boolean)
	    .map((l) => JSON.parse(l));
}

async function contact(phone, extra = {}) {
	const r = await sim.api('POST', '/sim/contacts', { phone, ...extra });
	assert.equal(r.status, 200, r.text);
	return r.body;
}

async function send(from, w, text, extra = {}) {
	const r = await sim.api('POST', `/sim/contacts/${from}/send`,
	    { to: `${w.phone}@s.whatsapp.net`, text, ...extra });
	assert.equal(r.status, 200, r.text);
	return r.body.id;
}

async function inbox(phone) {
	return (await sim.api('GET', `/sim/contacts/${phone}/inbox`)).body;
}

/** Waits until the contact's inbox holds n entries; returns them. */
async function waitInbox(phone, n, w, ms = 15000) {
	try {
		return await waitFor(async () => {
			const box = await inbox(phone);
			return box.length >= n ? box : null;
		}, ms, `${n} replies in ${phone}'s inbox`);
	} catch (e) {
		e.message += `\n--- worker output ---\n${w.output().slice(-6000)}`;
		throw e;
	}
}

async function simLog() {
	return (await sim.api('GET', '/sim/log')).text;
}

test('a whitelisted contact gets the hook\'s exact reply: plain, emoji, RTL, 4 KB', async () => {
	const c = '4915112340001';
	await contact(c);
	const w = await paired({ allow: [c] });
	const texts = ['hello walink', 'emoji 😀👍🏽 🇩🇪 ok', 'مرحبا بالعالم שלום עולם',
	    'x'.repeat(2000) + 'ü'.repeat(1000)];
	for (let i = 0; i < texts.length; i++) {
		await send(c, w, texts[i]);
		const box = await waitInbox(c, i + 1, w);
		assert.equal(box[i].text, texts[i], `reply ${i} is the exact text`);
		assert.equal(box[i].error, undefined);
	}
	const runs = hookRuns(w);
	assert.equal(runs.length, texts.length);
	assert.equal(runs[0].from, c);
	assert.equal(runs[0].text, texts[0]);
	assert.match(runs[0].id, /^[0-9A-F]+$/);
	assert.ok(runs[0].timestamp > 1.6e9);
	assert.equal(typeof runs[0].pushName, 'string');
	for (const t of texts)
		assert.equal(w.output().includes(t.slice(0, 12)), false, 'no message text in the log');
	assert.doesNotMatch(await simLog(), /could not decrypt/);
});
