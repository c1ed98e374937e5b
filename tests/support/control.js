// control.js: wa-control and session-worker/tools/fake-ipc-worker (the
// worker's real IPC side in front of a link scripted by flags and stdin
// commands) on free loopback ports with a scratch data directory, and a
// logged-in API session. Every wait is bounded; stop() ends what started.
import { rmSync } from 'node:fs';
import { BIN, startProcess } from './proc.js';
import { GiveUp, freePort, tmpDir, waitFor } from './wait.js';

/*
 * The handle shape these return: the proc.js handle plus out/err (the text
 * so far, as properties), exited (null, then {code, sig}) and exit (the
 * promise); stop(sig) ends the process.
 */
function controlHandle(p) {
	Object.defineProperty(p, 'out', { get: p.stdout });
	Object.defineProperty(p, 'err', { get: p.stderr });
	p.exit = p.exited;
	Object.defineProperty(p, 'exited', { get: () => p.exitStatus });
	p.waitOut = (re, ms) => p.waitOutput(re, ms);
	return p;
}

// Defaults play an unpaired worker showing a QR that rotates every 3 s,
// heartbeats every 300 ms once connected, a restart that takes 500 ms, and
// events only on change (as wa-worker); later args override them.
const FAKE_DEFAULTS = ['--state', 'qr', '--qr-code', '2@fake-ref,bm9pc2U=,aWRlbnRpdHk=,YWR2',
	'--qr-every', '3s', '--heartbeat-every', '300ms', '--restart-takes', '500ms',
	'--events-every', '0', '--stdin'];

/**
 * Starts fake-ipc-worker on dataDir (null: args say where) and waits for
 * its ready line.
 * defaults: false starts it with args alone (no stdin commands then).
 * command(line) sends one stdin command and waits for its "ok".
 */
export async function startFakeWorker(dataDir, args = [], { defaults = true } = {}) {
	const p = controlHandle(startProcess(BIN.fake,
	    [...(dataDir ? ['--data', dataDir] : []), ...(defaults ? FAKE_DEFAULTS : []), ...args],
	    { name: 'fake-ipc-worker', stdin: defaults }));
	await p.waitOutput(/^ready$/m);
	let acks = 0;
	p.command = async (line) => {
		const want = ++acks;
		p.child.stdin.write(line + '\n');
		const answers = () => p.stdout().split('\n').filter((l) => /^(ok|error) /.test(l));
		await waitFor(() => answers().length >= want, 5000, `fake-ipc-worker ack of "${line}"`);
		if (!/^ok /.test(answers()[want - 1]))
			throw new Error(`fake-ipc-worker refused "${line}"`);
	};
	return p;
}

/**
 * Starts wa-control on dataDir at 127.0.0.1:port and waits for /healthz.
 * args: extra wa-control arguments. retryBusyMs: keep retrying while the port is still held by an instance
 * just killed (restart tests).
 */
export async function startControl(dataDir, port, env = {}, opts = {}) {
	// opts: {retryBusyMs, args}, or the extra wa-control arguments alone
	const { retryBusyMs = 0, args = [] } = Array.isArray(opts) ? { args: opts } : opts;
	const end = Date.now() + retryBusyMs;
	for (;;) {
		const p = controlHandle(startProcess(BIN.control,
		    ['--data', dataDir, '--listen', `127.0.0.1:${port}`, ...args], { name: 'wa-control', env }));
		p.base = `http://127.0.0.1:${port}`;
		try {
			await waitFor(async () => {
				if (p.exitStatus)
					throw new GiveUp(`wa-control exited ${JSON.stringify(p.exitStatus)}: ${p.err}`);
				return (await fetch(`${p.base}/healthz`)).status === 200;
			}, 10000, 'wa-control /healthz');
			return p;
		} catch (e) {
			await p.stop('SIGKILL');
			if (Date.now() > end || !/cannot listen/.test(p.err))
				throw e;
		}
	}
}

/** One fake worker + one wa-control on a temp data dir; resolves once they see each other. */
export async function startStack({ password = 'test-admin-pass', token = 'test-api-token',
    fakeArgs = [] } = {}) {
	const dir = tmpDir('walink-control-');
	const port = await freePort();
	const s = { dir, port, password, token };
	s.fake = await startFakeWorker(dir, fakeArgs);
	const env = {};
	if (password !== null) env.WA_ADMIN_PASSWORD = password;
	if (token !== null) env.WA_API_TOKEN = token;
	s.control = await startControl(dir, port, env);
	s.base = s.control.base;
	await waitFor(async () => {
		const r = await fetch(`${s.base}/healthz`);
		return (await r.json()).workerReachable;
	}, 10000, 'worker reachable');
	s.stop = async () => {
		const r = await s.control.stop();
		await s.fake.stop();
		rmSync(dir, { recursive: true, force: true });
		return r;
	};
	return s;
}

/** Logs in; returns { cookie, csrf, headers(extra) } for later requests. */
export async function login(base, password) {
	const r = await fetch(`${base}/api/auth/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ password }),
	});
	if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
	const cookie = r.headers.get('set-cookie').split(';')[0];
	const { csrfToken } = await r.json();
	return {
		cookie, csrf: csrfToken,
		headers: (extra = {}) => ({ cookie, 'x-csrf-token': csrfToken,
		    'content-type': 'application/json', ...extra }),
	};
}
