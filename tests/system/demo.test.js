// demo.test.js: scripts/demo --check, the unattended offline round (simulator,
// wa-worker, wa-control from WALINK_BUILD): log in, pair by scanning the QR
// with the simulated phone, connected within 60 s, the API agrees, and an
// echo round trip through the bot hook when wa-worker has --hook-cmd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, BUILD, runProcess } from '../support/harness.js';

/** Processes whose command line mentions s (none: []). */
function processesWith(s) {
	try {
		return execFileSync('pgrep', ['-af', s], { encoding: 'utf8' }).trim().split('\n');
	} catch {
		return [];
	}
}

test('scripts/demo --check passes and leaves nothing running', async () => {
	// an operator who exported the dashboard secrets in this shell: they
	// must still not reach the worker (it runs the bot hook)
	const env = { WALINK_BUILD: BUILD, WA_ADMIN_PASSWORD: 'exported-admin-pass',
	    WA_API_TOKEN: 'exported-api-token' };
	const r = await runProcess(path.join(REPO, 'scripts', 'demo'), ['--check'],
	    { env, inherit: true, ms: 120000 });
	const out = r.out + r.err;
	const code = r.code ?? r.sig;
	assert.equal(code, 0, `scripts/demo --check failed:\n${out}`);
	assert.match(out, /check: connected as \+15550001111/);
	assert.match(out, /check: (echo round trip|wa-worker has no --hook-cmd)/);
	assert.match(out, /check: wa-worker \(and so the bot hook\) was started without the dashboard secrets/);
	assert.match(out, /check: passed/);
	const dir = /check: data in (\S+)/.exec(out)?.[1];
	assert.ok(dir, 'the data dir is named');
	assert.equal(fs.existsSync(dir), false, `${dir} removed`);
	assert.deepEqual(processesWith(dir), [], 'no simulator, worker or control plane left');
});
