// probe.test.js: wa-probe against no worker and against fake-ipc-worker
// (the worker's real IPC code in front of a link scripted by flags).
// Checks every exit code, the --json shape, the QR output and watch.
// Every wait is bounded; every process started here is killed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, freePort, runProcess, startFakeWorker, startProcess, tmpDir, waitFor }
    from '../support/harness.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const tempDir = () => tmpDir('walink-probe-');

// Runs wa-probe to completion (killed after ms); resolves {code, out, err, ms}.
const probe = (args, opts) => runProcess(BIN.probe, args, opts);

// Starts fake-ipc-worker with args alone (it exits by itself after 60 s).
function fake(args) {
	return startFakeWorker(null, [...args, '--exit-after', '60s'], { defaults: false })
	    .then((f) => ({ f, stop: async () => (await f.stop()).code }));
}

// A fake worker on a fresh data directory; fn gets the directory.
async function withFake(args, fn) {
	const data = tempDir();
	const f = await fake(['--data', data, ...args]);
	try {
		return await fn(data);
	} finally {
		assert.equal(await f.stop(), 0, 'fake-ipc-worker exits cleanly');
	}
}

describe('wa-probe', () => {
	test('no worker: exit 3 within about 2 s', async () => {
		const r = await probe(['--data', tempDir(), 'state']);
		assert.equal(r.code, 3);
		assert.ok(r.ms >= 1500 && r.ms < 4000, `took ${r.ms} ms`);
		assert.match(r.err, /no answer/);
		assert.equal(r.out, '');
	});

	test('no worker: --timeout and WA_PROBE_TIMEOUT shorten the wait', async () => {
		let r = await probe(['--data', tempDir(), '--timeout', '300ms', 'ping']);
		assert.equal(r.code, 3);
		assert.ok(r.ms < 1500, `took ${r.ms} ms`);
		r = await probe(['qr'], { env: { WA_DATA: tempDir(), WA_PROBE_TIMEOUT: '300ms' } });
		assert.equal(r.code, 3);
		assert.ok(r.ms < 1500, `took ${r.ms} ms`);
	});

	test('a worker killed with -9 leaves a stale socket: exit 3', async () => {
		const data = tempDir();
		const { f } = await fake(['--data', data]);
		assert.equal((await probe(['--data', data, 'ping'])).code, 0);
		await f.kill9();
		assert.ok(existsSync(path.join(data, 'run', 'worker.rpc')), 'socket file left behind');
		const r = await probe(['--data', data, '--timeout', '500ms', 'state']);
		assert.equal(r.code, 3);
	});

	test('an unusable URL is a usage error', async () => {
		assert.equal((await probe(['--ipc', 'bogus://x', 'state'])).code, 64);
		assert.equal((await probe(['--ipc', `ipc:///${'x'.repeat(200)}`, 'state'])).code, 64);
		assert.equal((await probe(['--data', `/${'d'.repeat(200)}`, 'state'])).code, 64);
	});

	test('usage errors exit 64, --help exits 0', async () => {
		assert.equal((await probe([])).code, 64);
		assert.equal((await probe(['frobnicate'])).code, 64);
		assert.equal((await probe(['--bogus', 'state'])).code, 64);
		assert.equal((await probe(['--timeout', 'soon', 'state'])).code, 64);
		assert.equal((await probe(['state', 'extra'])).code, 64);
		const h = await probe(['--help']);
		assert.equal(h.code, 0);
		for (const word of ['state', 'qr', 'ping', 'watch', 'new-qr', 'WA_DATA', 'WA_IPC',
		    'WA_EVENTS', 'WA_PROBE_TIMEOUT'])
			assert.ok(h.out.includes(word), `--help names ${word}`);
	});

	const exits = [
		[['--state', 'connected', '--number', '15550001111'], 0],
		[['--state', 'starting'], 1],
		[['--state', 'connecting'], 1],
		[['--state', 'qr', '--qr-code', '2@x'], 1],
		[['--state', 'pairing'], 1],
		[['--state', 'unstable', '--number', '15550001111'], 1],
		[['--state', 'disconnected', '--reason', 'TIMEOUT'], 1],
		[['--state', 'restarting', '--reason', 'NAVIGATION'], 1],
		[['--state', 'logged_out', '--reason', 'LOGOUT'], 2],
		[['--state', 'conflict', '--reason', 'CONFLICT'], 2],
		[['--state', 'banned', '--reason', 'BAN'], 2],
		[['--state', 'outdated', '--reason', 'OUTDATED'], 2],
		[['--state', 'passkey_required'], 2],
		[['--state', 'qr', '--qr-code', '2@x', '--paused'], 2],
	];
	for (const [args, want] of exits) {
		test(`state exits ${want} for ${args.join(' ')}`, () => withFake(args, async (data) => {
			const r = await probe(['--data', data, 'state']);
			assert.equal(r.code, want, r.err);
			assert.equal(r.out.split('\n').length, 2, 'one line');
			assert.ok(r.out.startsWith(args[1]), r.out);
		}));
	}

	test('state text: number, heartbeat age and rtt, reason, strategy, next attempt',
	    () => withFake(['--state', 'disconnected', '--number', '971501476598',
		'--reason', 'TIMEOUT', '--strategy', 'wait 30s then reconnect', '--rtt', '85',
		'--heartbeat-age', '12s', '--next-attempt', '25s'], async (data) => {
		const r = await probe(['--data', data, 'state']);
		assert.equal(r.code, 1);
		assert.match(r.out, /^disconnected, number 971501476598, heartbeat 1[234] s ago \(rtt 85 ms\), last reason TIMEOUT \(wait 30s then reconnect\), next attempt in 2[345] s\n$/);
	}));

	test('state --json has the API connectionState fields', () => withFake(['--state', 'connected',
	    '--number', '971501476598', '--rtt', '40', '--heartbeat-age', '2s'], async (data) => {
		const r = await probe(['--data', data, 'state', '--json']);	// option after the command
		assert.equal(r.code, 0);
		const o = JSON.parse(r.out);
		assert.equal(o.state, 'connected');
		assert.equal(o.isReady, true);
		assert.equal(o.isAuthenticated, true);
		assert.equal(o.connectedNumber, '971501476598');
		assert.match(o.lastHeartbeat, ISO_MS);
		assert.ok(Math.abs(Date.parse(o.lastHeartbeat) - (Date.now() - 2000)) < 3000);
		assert.equal(o.rttMs, 40);
		assert.equal(o.reason, null);
		assert.equal(o.strategy, null);
		assert.equal(o.nextAttempt, null);
		assert.equal(o.qrPaused, false);
		assert.equal(typeof o.pid, 'number');
	}));

	test('state --json while pairing is paused', () => withFake(['--state', 'qr', '--qr-code', '2@x',
	    '--paused', '--reason', 'LOGOUT', '--strategy', 'archive and pair again',
	    '--next-attempt', '30s'], async (data) => {
		const r = await probe(['--json', '--data', data, 'state']);
		assert.equal(r.code, 2);
		const o = JSON.parse(r.out);
		assert.equal(o.state, 'qr');
		assert.equal(o.isReady, false);
		assert.equal(o.isAuthenticated, false);
		assert.equal(o.connectedNumber, null);
		assert.equal(o.lastHeartbeat, null);
		assert.equal(o.rttMs, null);
		assert.equal(o.reason, 'LOGOUT');
		assert.equal(o.strategy, 'archive and pair again');
		assert.match(o.nextAttempt, ISO_MS);
		assert.equal(o.qrPaused, true);
		assert.ok(!r.out.includes('2@x'), 'no QR content in state');
	}));

	test('qr prints the code alone, exit 0', () => withFake(['--state', 'qr', '--qr-code',
	    '2@ref123,noiseKey=,identityKey=,advSecret='], async (data) => {
		let r = await probe(['--data', data, 'qr']);
		assert.equal(r.code, 0);
		assert.equal(r.out, '2@ref123,noiseKey=,identityKey=,advSecret=\n');
		assert.equal(r.err, '');
		r = await probe(['--data', data, 'qr', '--json']);
		assert.equal(r.code, 0);
		const o = JSON.parse(r.out);
		assert.equal(o.qr, '2@ref123,noiseKey=,identityKey=,advSecret=');
		assert.match(o.expiresAt, ISO_MS);
		r = await probe(['--data', data, '--render', 'qr']);
		assert.equal(r.code, 0);
		assert.ok(r.out.includes('\u2588') && r.out.includes('\u2580'), 'half blocks');
		assert.ok(!r.out.includes('ref123'), 'drawn, not printed');
		const lines = r.out.trimEnd().split('\n');
		assert.ok(lines.length > 10 && lines.every((l) => [...l].length === [...lines[0]].length));
	}));

	test('qr exits 1 when none is available', async () => {
		await withFake(['--state', 'connected', '--number', '15550001111'], async (data) => {
			const r = await probe(['--data', data, 'qr']);
			assert.equal(r.code, 1);
			assert.equal(r.out, '');
			assert.match(r.err, /no QR/);
		});
		await withFake(['--state', 'qr', '--qr-code', '2@x', '--paused'], async (data) => {
			const r = await probe(['--data', data, 'qr']);
			assert.equal(r.code, 1);
			assert.equal(r.out, '');
			assert.match(r.err, /paused/);
		});
	});

	test('new-qr resumes paused pairing, then the QR shows', () => withFake(['--state', 'qr',
	    '--qr-code', '2@resumed', '--paused'], async (data) => {
		let r = await probe(['--data', data, 'new-qr']);
		assert.equal(r.code, 0, r.err);
		r = await probe(['--data', data, 'state']);
		assert.equal(r.code, 1);
		r = await probe(['--data', data, 'qr']);
		assert.equal(r.code, 0);
		assert.equal(r.out, '2@resumed\n');
		r = await probe(['--data', data, 'new-qr']);	// nothing paused any more
		assert.equal(r.code, 1);
		assert.match(r.err, /no paused pairing/);
	}));

	test('ping round-trips', () => withFake(['--state', 'connecting'], async (data) => {
		const r = await probe(['--data', data, 'ping', '--json']);
		assert.equal(r.code, 0);
		assert.equal(JSON.parse(r.out).pong, true);
	}));

	test('--ipc and --events (or WA_IPC and WA_EVENTS) reach a tcp:// worker', async () => {
		const [a, b] = [await freePort(), await freePort()];
		const rpc = `tcp://127.0.0.1:${a}`, events = `tcp://127.0.0.1:${b}`;
		const f = await fake(['--rpc', rpc, '--events', events, '--state', 'connected',
		    '--number', '15550001111']);
		try {
			let r = await probe(['--ipc', rpc, 'state']);
			assert.equal(r.code, 0, r.err);
			r = await probe(['state'], { env: { WA_IPC: rpc, WA_DATA: '/nonexistent' } });
			assert.equal(r.code, 0, r.err);
			r = await watchFor(['--ipc', rpc, '--events', events, '--json', 'watch'], 'SIGTERM');
			assert.equal(r.code, 0);
			assert.ok(r.lines.some((o) => o.type === 'heartbeat' || o.seq > 0), r.out);
		} finally {
			assert.equal(await f.stop(), 0);
		}
	});

	// Runs watch until two stream events arrive, then sends sig.
	async function watchFor(args, sig, env = {}) {
		const c = startProcess(BIN.probe, args, { env });
		const killer = setTimeout(() => c.child.kill('SIGKILL'), 10000);
		await waitFor(() => c.exitStatus || c.stdout().split('\n').length > 3, 10000,
		    'two watch events');
		const r = await c.stop(sig);
		clearTimeout(killer);
		const out = c.stdout();
		const lines = args.includes('--json') ? out.trimEnd().split('\n').map((l) => JSON.parse(l)) : out.trimEnd().split('\n');
		return { ...r, out, err: c.stderr(), lines };
	}

	test('watch --json streams JSON lines until SIGINT, exit 0', () => withFake(['--state',
	    'connected', '--number', '15550001111', '--rtt', '30', '--heartbeat-age', '1s',
	    '--events-every', '100ms'], async (data) => {
		const r = await watchFor(['--data', data, 'watch', '--json'], 'SIGINT');
		assert.equal(r.code, 0, r.err);
		assert.equal(r.lines[0].type, 'state');
		assert.equal(r.lines[0].seq, 0, 'the current state comes first');
		assert.equal(r.lines[0].state, 'connected');
		const hb = r.lines.find((o) => o.type === 'heartbeat');
		assert.ok(hb, r.out);
		assert.equal(hb.phoneNumber, '15550001111');
		assert.equal(hb.rttMs, 30);
		assert.match(hb.timestamp, ISO_MS);
		for (const o of r.lines) assert.match(o.time, ISO_MS);
	}));

	test('watch prints one text line per event until SIGTERM, exit 0', () => withFake(['--state',
	    'qr', '--qr-code', '2@secret-ref', '--events-every', '100ms'], async (data) => {
		const r = await watchFor(['--data', data, 'watch'], 'SIGTERM');
		assert.equal(r.code, 0, r.err);
		assert.ok(r.lines.length >= 3);
		for (const l of r.lines) assert.match(l, /^\d{4}-\d\d-\d\dT\S+Z (state|heartbeat|qr|qr-expired) /);
		assert.ok(!r.out.includes('secret-ref'), 'watch never prints QR content');
	}));

	test('watch exits 3 when no worker answers', async () => {
		const r = await probe(['--data', tempDir(), '--timeout', '300ms', 'watch']);
		assert.equal(r.code, 3);
	});
});
