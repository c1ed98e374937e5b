// messaging.js: the fixture the messaging system tests share: one
// simulator per test file (simFixture), paired workers whose whitelist a
// test gives and whose bot hook is tests/system/hook-echo.js logging each
// run to w.hookLog, and the simulated contacts' side (create, send).
//   const fx = messagingFixture({ prefix: 'walink-msg-', firstPhone: 15550002000 });
//   fx.sim, fx.workers, fx.paired({allow, extra, env, phone}), fx.restart(w),
//   fx.hookRuns(w), fx.contact(phone, extra), fx.send(from, w, text, extra)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './proc.js';
import { tmpDir } from './wait.js';
import { simFixture, startWorker, waitState, scanQr } from './worker.js';

/** The recording echo hook (tests/system/hook-echo.js). */
export const HOOK = `${process.execPath} ${path.join(REPO, 'tests', 'system', 'hook-echo.js')}`;

export function messagingFixture({ prefix = 'walink-msg-', firstPhone = 15550002000 } = {}) {
	const fx = simFixture();
	let nextPhone = firstPhone;

	/**
	 * A paired, connected worker for a fresh phone number (or `phone`: a
	 * second device of it) whose whitelist holds `allow` (or the file's
	 * text as given: `whitelistText`).
	 */
	fx.paired = async ({ allow = [], extra = {}, env = {}, phone = String(nextPhone++), whitelistText } = {}) => {
		const dataDir = tmpDir(prefix);
		fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), whitelistText ?? JSON.stringify(allow));
		const hookLog = path.join(dataDir, 'hook.log');
		const opts = { dataDir, extra: { '--hook-cmd': HOOK, ...extra },
		    env: { WALINK_HOOK_LOG: hookLog, ...env } };
		const w = await fx.worker(opts);
		await waitState(w, 'qr');
		const { jid } = await scanQr(fx.sim, w, phone);
		await waitState(w, 'connected', 10000);
		Object.assign(w, { phone, jid, hookLog, opts });
		return w;
	};

	/** The same worker started again on its data; connected: wait for it. */
	fx.restart = async (w, { connected = true } = {}) => {
		const w2 = await startWorker(fx.sim, w.opts);
		fx.workers.push(w2);
		Object.assign(w2, { phone: w.phone, jid: w.jid, hookLog: w.hookLog, opts: w.opts });
		if (connected)
			await waitState(w2, 'connected', 10000);
		return w2;
	};

	/** The hook's runs so far, as hook-echo.js logged them. */
	fx.hookRuns = (w) => {
		if (!fs.existsSync(w.hookLog))
			return [];
		return fs.readFileSync(w.hookLog, 'utf8').trim().split('\n').filter(Boolean)
		    .map((l) => JSON.parse(l));
	};

	fx.contact = async (phone, extra = {}) => {
		const r = await fx.sim.api('POST', '/sim/contacts', { phone, ...extra });
		assert.equal(r.status, 200, r.text);
		return r.body;
	};

	/** The contact writes to the worker's phone; resolves {id, from, to}. */
	fx.send = async (from, w, text, extra = {}) => {
		const r = await fx.sim.api('POST', `/sim/contacts/${from}/send`,
		    { to: `${w.phone}@s.whatsapp.net`, text, ...extra });
		assert.equal(r.status, 200, r.text);
		return r.body;
	};
	return fx;
}
