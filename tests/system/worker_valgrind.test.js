// wa-worker (release build) under valgrind memcheck through a whole life:
// pairing, restart-required, drop, conflict, reconnects, logout (session
// moved aside, new QR), SIGTERM. Memcheck must report no error and no
// definitely or indirectly lost block (ASan covers the asan build; this
// covers the optimised binary that ships, and lws/OpenSSL/nanomsg paths
// ASan's leak checker sees differently). No suppressions file: none is
// needed (libwebsockets, nanomsg, libsodium and OpenSSL free everything the
// worker makes them allocate once it tears its context down).
// WALINK_RELEASE_BUILD: the release build dir (default <repo>/build).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tlsProxy } from './tls-proxy.js';
import { RELEASE_BUILD, requireFile, startSim, startWorker, tmpDir, waitState, scanQr,
    simDevice, waitFor, ipcCall } from '../support/harness.js';

const WORKER = path.join(RELEASE_BUILD, 'session-worker', 'wa-worker');
const VALGRIND = '/usr/bin/valgrind';
const PHONE = '15550004001';

// valgrind slows the worker 20-50x: generous waits everywhere.
const SLOW = {
	'--heartbeat': '2s',
	'--keepalive-misses': '5',
	'--reconnect-wait': '500ms',
	'--backoff-cap': '3s',
	'--auth-timeout': '60s',
	'--backup-interval': '0',
};

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

/** Starts the release worker under memcheck (a missing valgrind fails the test). */
function startUnderValgrind(dir, log, extra = {}) {
	requireFile(VALGRIND, 'scripts/install-deps: valgrind');
	requireFile(WORKER, 'scripts/build release');
	return startWorker(sim, { dataDir: dir, extra, bin: WORKER, timings: SLOW,
	    wrapper: [VALGRIND, '--tool=memcheck', '--leak-check=full',
	        '--show-leak-kinds=definite,indirect', '--errors-for-leak-kinds=definite,indirect',
	        '--error-exitcode=99', '--num-callers=30', `--log-file=${log}`] });
}

async function connectsAfter(before) {
	await waitFor(async () => (await simDevice(sim, PHONE)).connects > before, 60000,
	    'a new login');
}

test('release worker: no memcheck error, nothing lost, over faults, logout and SIGTERM',
    { timeout: 300000 }, async () => {
	const dir = tmpDir('walink-vg-');
	const log = path.join(tmpDir('walink-vg-log-'), 'memcheck.log');
	const w = await startUnderValgrind(dir, log);
	try {
		await waitState(w, 'qr', 60000);
		const { jid } = await scanQr(sim, w, PHONE);
		await waitState(w, 'connected', 60000);

		for (const fault of ['restart-required', 'drop', 'conflict']) {
			const n = (await simDevice(sim, PHONE)).connects;
			const r = await sim.api('POST', '/sim/inject', { jid, fault });
			assert.equal(r.status, 200, `${fault}: ${r.text}`);
			await connectsAfter(n);
			await waitState(w, 'connected', 60000);
		}

		// a restart asked over IPC takes the same teardown path
		const n = (await simDevice(sim, PHONE)).connects;
		assert.ok((await ipcCall(w, { restart: {} }))?.done, 'restart accepted');
		await connectsAfter(n);
		await waitState(w, 'connected', 60000);

		await sim.api('POST', '/sim/inject', { jid, fault: 'logout' });
		await waitState(w, 'qr', 60000);
		const moved = fs.readdirSync(path.join(dir, 'whatsapp-session', 'backups'))
		    .filter((n) => n.startsWith('logged-out-default-'));
		assert.equal(moved.length, 1, 'the logged-out session was moved aside');

		await stopAndCheck(w, log);
	} finally {
		await w.kill9();
	}
});

/* SIGTERM, then the worker's clean stop and memcheck's verdict. */
async function stopAndCheck(w, log) {
	const r = await w.stop(120000);
	const report = fs.readFileSync(log, 'utf8');
	const ctx = `\n--- memcheck ---\n${report.slice(-6000)}\n--- worker ---\n${w.output().slice(-3000)}`;
	assert.match(w.output(), /wa-worker: stopped/, `clean stop${ctx}`);
	assert.equal(r.code, 0, `valgrind exit ${r.code} (99: memcheck errors)${ctx}`);
	assert.match(report, /Memcheck, a memory error detector[^]*Command: .*wa-worker/, ctx);
	assert.match(report, /ERROR SUMMARY: 0 errors/, ctx);
	if (process.env.WALINK_VALGRIND_LOG)	/* keep the report for a reader */
		fs.copyFileSync(log, process.env.WALINK_VALGRIND_LOG);
	// "All heap blocks were freed" replaces the summary when nothing is left
	if (!/All heap blocks were freed/.test(report)) {
		assert.match(report, /definitely lost: 0 bytes in 0 blocks/, ctx);
		assert.match(report, /indirectly lost: 0 bytes in 0 blocks/, ctx);
	}
}

test('release worker over wss:// (OpenSSL set up and torn down): nothing lost',
    { timeout: 300000 }, async () => {
	const proxy = await tlsProxy(sim);
	const dir = tmpDir('walink-vg-');
	const log = path.join(tmpDir('walink-vg-log-'), 'memcheck.log');
	const w = await startUnderValgrind(dir, log, { '--url': proxy.url, '--test-ca-file': proxy.ca });
	try {
		await waitState(w, 'qr', 60000);
		await scanQr(sim, w, '15550004002');
		await waitState(w, 'connected', 60000);
		await stopAndCheck(w, log);
	} finally {
		await w.kill9();
		await proxy.close();
	}
});
