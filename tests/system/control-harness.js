// control-harness.js: starts session-worker/fake-ipc-worker (the worker's
// real IPC side in front of a scripted link) and wa-control on
// free loopback ports with a throwaway data directory, for
// control_api.test.js and dashboard.test.js. Every wait is bounded and
// everything started here is killed by stop().
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep } from '../sim/support/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
export const build = process.env.WALINK_BUILD || path.join(repo, 'build-asan');
export const bin = {
	control: path.join(build, 'control-plane', 'wa-control'),
	fake: path.join(build, 'session-worker', 'fake-ipc-worker'),
};

export { freePort, sleep };

// Polls fn until it returns a truthy value or ms pass; unlike the
// simulator's waitFor it treats a throwing fn as "not yet".
export async function waitFor(fn, ms, what) {
	const end = Date.now() + ms;
	let last;
	while (Date.now() < end) {
		try {
			last = await fn();
			if (last) return last;
		} catch (e) { last = e; }
		await sleep(50);
	}
	throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
}

// A child whose stdout lines can be awaited.
function track(child, name) {
	const p = { child, name, out: '', err: '', exited: null };
	child.stdout.on('data', (d) => { p.out += d; });
	child.stderr.on('data', (d) => { p.err += d; });
	p.exit = new Promise((r) => child.on('exit', (code, sig) => {
		p.exited = { code, sig };
		r(p.exited);
	}));
	p.waitOut = (re, ms = 10000) => waitFor(() => re.test(p.out), ms, `${name}: ${re}`);
	return p;
}

async function kill(p, sig = 'SIGTERM', ms = 5000) {
	if (!p || p.exited) return p && p.exited;
	p.child.kill(sig);
	const t = setTimeout(() => p.child.kill('SIGKILL'), ms);
	const r = await p.exit;
	clearTimeout(t);
	return r;
}

// Defaults play an unpaired worker showing a QR that rotates every 3 s,
// heartbeats every 300 ms once connected, a restart that takes 500 ms, and
// events only on change (as wa-worker); later args override them.
const FAKE_DEFAULTS = ['--state', 'qr', '--qr-code', '2@fake-ref,bm9pc2U=,aWRlbnRpdHk=,YWR2',
	'--qr-every', '3s', '--heartbeat-every', '300ms', '--restart-takes', '500ms',
	'--events-every', '0', '--stdin'];

export async function startFakeWorker(dataDir, args = []) {
	const child = spawn(bin.fake, ['--data', dataDir, ...FAKE_DEFAULTS, ...args],
	    { stdio: ['pipe', 'pipe', 'pipe'] });
	const p = track(child, 'fake-ipc-worker');
	await p.waitOut(/^ready$/m);
	let acks = 0;
	// Send one stdin command and wait for its "ok".
	p.command = async (line) => {
		const want = ++acks;
		child.stdin.write(line + '\n');
		await waitFor(() => (p.out.match(/^(ok|error) /gm) || []).length >= want,
		    5000, `fake-ipc-worker ack of "${line}"`);
		if (!/^ok /m.test(p.out.split('\n').filter((l) => /^(ok|error) /.test(l))[want - 1]))
			throw new Error(`fake-ipc-worker refused "${line}"`);
	};
	p.stop = (sig) => kill(p, sig);
	return p;
}

export async function startControl(dataDir, port, env = {}, args = []) {
	const child = spawn(bin.control, ['--data', dataDir, '--listen', `127.0.0.1:${port}`, ...args],
	    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
	const p = track(child, 'wa-control');
	p.base = `http://127.0.0.1:${port}`;
	await waitFor(async () => {
		if (p.exited) throw new Error(`wa-control exited: ${p.err}`);
		const r = await fetch(`${p.base}/healthz`);
		return r.status === 200;
	}, 10000, 'wa-control /healthz');
	p.stop = (sig) => kill(p, sig);
	return p;
}

// One fake worker + one wa-control on a temp data dir.
export async function startStack({ password = 'test-admin-pass', token = 'test-api-token',
    fakeArgs = [] } = {}) {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'walink-control-'));
	const port = await freePort();
	const s = { dir, port, password, token };
	s.fake = await startFakeWorker(dir, fakeArgs);
	const env = {};
	if (password !== null) env.WA_ADMIN_PASSWORD = password;
	if (token !== null) env.WA_API_TOKEN = token;
	s.control = await startControl(dir, port, env);
	s.base = s.control.base;
	// wait until the control plane has seen the worker
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

// Logs in; returns { cookie, csrf, headers(extra) } for later requests.
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
