// demo.test.js: scripts/demo --check, the unattended offline round (simulator,
// wa-worker, wa-control from WALINK_BUILD): log in, pair by scanning the QR
// with the simulated phone, connected within 60 s, the API agrees, and an
// echo round trip through the bot hook when wa-worker has --hook-cmd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, BUILD } from './helpers.js';

/** Processes whose command line mentions s (none: []). */
function processesWith(s) {
	try {
		return execFileSync('pgrep', ['-af', s], { encoding: 'utf8' }).trim().split('\n');
	} catch {
		return [];
	}
}

test('scripts/demo --check passes and leaves nothing running', async () => {
	const child = spawn(path.join(REPO, 'scripts', 'demo'), ['--check'], {
		stdio: ['ignore', 'pipe', 'pipe'],
		// an operator who exported the dashboard secrets in this shell:
		// they must still not reach the worker (it runs the bot hook)
		env: { ...process.env, WALINK_BUILD: BUILD, WA_ADMIN_PASSWORD: 'exported-admin-pass',
		    WA_API_TOKEN: 'exported-api-token' },
	});
	let out = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { out += d; });
	const timer = setTimeout(() => child.kill('SIGTERM'), 120000);
	const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? sig)));
	clearTimeout(timer);
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
