// Helpers for system tests: start real wa-worker processes against wa-sim,
// read their state through wa-probe, and speak IPC directly (protobufjs
// for proto/ipc.proto, nanocat from Debian's nanomsg-utils for the socket).
import { spawn, execFile } from 'node:child_process';
import { before, after, afterEach } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export { tmpDir, sleep, waitFor, freePort } from '../sim/support/helpers.js';
import { startSim as startSimProcess, tmpDir, sleep, waitFor } from '../sim/support/helpers.js';

/*
 * Every system test fails on a `!!` line it caused in a simulator's log: a
 * stanza WhatsApp would refuse or frown on (tests/sim/README.md). A test
 * file that provokes one on purpose says so with allowSimDeviation(sim, /re/)
 * (for the rest of that simulator's life). Lines logged between two tests
 * count against the next one.
 */
const liveSims = new Set();
let strayDeviations = [];

export async function startSim(opts) {
	const sim = await startSimProcess(opts);
	Object.assign(sim, { logMark: 0, allowed: [] });
	liveSims.add(sim);
	const stop = sim.stop;
	sim.stop = async () => {
		if (liveSims.delete(sim))
			strayDeviations.push(...await simDeviations(sim));
		return stop();
	};
	return sim;
}

export function allowSimDeviation(sim, re) {
	sim.allowed.push(re);
}

async function simDeviations(sim) {
	const r = await sim.api('GET', `/sim/log?deviations=1&since=${sim.logMark}`).catch(() => null);
	if (!r || r.status !== 200)
		return [];
	const lines = r.text.split('\n').filter((l) => / !! /.test(l));
	sim.logMark = Number(/^[0-9]+/.exec(lines.at(-1) || '')?.[0]) || sim.logMark;
	return lines.filter((l) => !sim.allowed.some((re) => re.test(l)));
}

afterEach(async () => {
	const bad = [...strayDeviations];
	for (const sim of liveSims)
		bad.push(...await simDeviations(sim));
	strayDeviations = [];
	if (bad.length)
		throw new Error(`the simulator logged ${bad.length} protocol deviation(s):\n${bad.slice(0, 20).join('\n')}`);
});

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const BUILD = process.env.WALINK_BUILD || path.join(REPO, 'build-asan');
export const BIN = {
	worker: path.join(BUILD, 'session-worker', 'wa-worker'),
	probe: path.join(BUILD, 'shared', 'wa-probe'),
	control: path.join(BUILD, 'control-plane', 'wa-control'),
};

// Short timings so a whole fault sequence fits in seconds.
export const FAST = {
	'--heartbeat': '300ms',
	'--reconnect-wait': '500ms',
	'--backoff-cap': '3s',
	'--auth-timeout': '10s',
	'--backup-interval': '0',
};

/**
 * Starts wa-worker on dataDir against the simulator; returns a handle with
 * its output, urls and stop/kill. Waits for nothing: use waitState.
 */
export async function startWorker(sim, { dataDir, extra = {}, env = {} } = {}) {
	const dir = dataDir || tmpDir('walink-worker-');
	const root = (await sim.api('GET', '/sim/trust-root')).body.publicKey;
	const flags = { '--data': dir, '--url': sim.url, '--trust-root': root,
	    '--no-qr-terminal': null, ...FAST, ...extra };
	const args = [];
	for (const [k, v] of Object.entries(flags)) {
		if (v === undefined)
			continue;
		args.push(k);
		if (v !== null)
			args.push(String(v));
	}
	const child = spawn(BIN.worker, args, {
		stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, ...env },
	});
	let out = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { out += d; });
	const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
	const ipc = `ipc://${path.resolve(dir)}/run/worker.rpc`;
	return {
		child, dataDir: dir, ipc, exited,
		output: () => out,
		kill9: async () => { child.kill('SIGKILL'); await exited; },
		stop: async (ms = 5000) => {
			if (child.exitCode !== null || child.signalCode !== null)
				return exited;
			child.kill('SIGTERM');
			const t = setTimeout(() => child.kill('SIGKILL'), ms);
			const r = await exited;
			clearTimeout(t);
			return r;
		},
	};
}

/**
 * One simulator for a test file, and every worker started through the
 * fixture stopped when the file ends (node:test before/after hooks).
 * fx.sim is set once the file's tests start.
 */
export function simFixture(simArgs = []) {
	const fx = { sim: null, workers: [] };
	before(async () => { fx.sim = await startSim({ args: simArgs }); });
	after(async () => {
		for (const w of fx.workers)
			await w.stop();
		await fx.sim.stop();
	});
	fx.worker = async (opts) => {
		const w = await startWorker(fx.sim, opts);
		fx.workers.push(w);
		return w;
	};
	/** A paired, connected worker for phone; pairMs counts from the scan. */
	fx.paired = async (phone, opts = {}) => {
		const w = await fx.worker(opts);
		await waitState(w, 'qr');
		const { jid } = await scanQr(fx.sim, w, phone);
		const t0 = Date.now();
		await waitState(w, 'connected', 10000);
		return { w, jid, pairMs: Date.now() - t0 };
	};
	return fx;
}

/** Runs wa-probe; resolves {code, stdout, stderr}. */
export function probe(worker, ...args) {
	return new Promise((resolve) => {
		execFile(BIN.probe, ['--ipc', worker.ipc, '--timeout', '2', ...args],
		    { timeout: 10000 }, (err, stdout, stderr) => {
			resolve({ code: err ? (err.code ?? 99) : 0, stdout, stderr });
		});
	});
}

export async function probeState(worker) {
	const r = await probe(worker, '--json', 'state');
	try {
		return { code: r.code, ...JSON.parse(r.stdout) };
	} catch {
		return { code: r.code, state: null };
	}
}

/*
 * The link is up: connected, or unstable when a keepalive answer came late
 * (300 ms heartbeats on a loaded 2-core CI machine do that now and then).
 */
export const LINK_UP = ['connected', 'unstable'];

/** Waits until the worker reports one of the states; returns the state object. */
export async function waitState(worker, states, ms = 15000) {
	const want = Array.isArray(states) ? states : [states];
	let last;
	try {
		return await waitFor(async () => {
			last = await probeState(worker);
			return want.includes(last.state) ? last : null;
		}, ms, `state ${want.join('|')}`);
	} catch (e) {
		e.message += ` (last: ${JSON.stringify(last)})\n--- worker output ---\n${worker.output().slice(-4000)}`;
		throw e;
	}
}

/** Reads the QR through the probe and has the simulated phone scan it. */
export async function scanQr(sim, worker, phone = '15550001111') {
	const qr = await waitFor(async () => {
		const r = await probe(worker, 'qr');
		return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
	}, 15000, 'a QR from wa-probe');
	const r = await sim.api('POST', '/sim/phone/scan', { qr, phone });
	if (r.status !== 200)
		throw new Error(`scan failed: ${r.status} ${r.text}`);
	return { qr, jid: r.body.jid };
}

export async function simDevice(sim, phone) {
	const list = (await sim.api('GET', '/sim/devices')).body;
	return list.find((d) => d.phone === phone);
}

let ipcRoot;
async function ipcTypes() {
	if (!ipcRoot)
		ipcRoot = await protobuf.load(path.join(REPO, 'proto', 'ipc.proto'));
	return {
		Request: ipcRoot.lookupType('wlipc.Request'),
		Reply: ipcRoot.lookupType('wlipc.Reply'),
	};
}

/** Sends raw bytes on the worker's REP socket; resolves the reply bytes. */
export function ipcRaw(worker, bytes) {
	const dir = tmpDir('walink-ipc-');
	const f = path.join(dir, 'req');
	fs.writeFileSync(f, bytes);
	return new Promise((resolve) => {
		execFile('nanocat', ['--req', '--connect', worker.ipc, '-F', f, '--raw',
		    '--recv-timeout', '3', '--send-timeout', '3'],
		    { timeout: 8000, encoding: 'buffer' }, (err, stdout) => {
			fs.rmSync(dir, { recursive: true, force: true });
			resolve(stdout || Buffer.alloc(0));
		});
	});
}

/**
 * A persistent IPC client (session-worker/tools/ipc-pipe): call(body)
 * resolves the decoded reply, or null on a timeout or a dead worker.
 */
export async function ipcPipe(worker, timeoutMs = 1000) {
	const { Request, Reply } = await ipcTypes();
	const child = spawn(path.join(BUILD, 'session-worker', 'ipc-pipe'),
	    [worker.ipc, String(timeoutMs)], { stdio: ['pipe', 'pipe', 'ignore'] });
	const waiting = [];
	let buf = '';
	child.stdout.on('data', (d) => {
		buf += d;
		let i;
		while ((i = buf.indexOf('\n')) >= 0) {
			const line = buf.slice(0, i);
			buf = buf.slice(i + 1);
			const w = waiting.shift();
			if (!w)
				continue;
			if (!/^[0-9a-f]+$/.test(line))
				w(null);
			else
				w(Reply.toObject(Reply.decode(Buffer.from(line, 'hex')),
				    { longs: Number, enums: String, defaults: false }));
		}
	});
	child.on('exit', () => { while (waiting.length) waiting.shift()(null); });
	child.stdin.on('error', () => {});
	return {
		call(body) {
			if (child.exitCode !== null)
				return Promise.resolve(null);
			const req = Request.encode(Request.fromObject({ version: 1, id: nextId++, ...body })).finish();
			return new Promise((resolve) => {
				waiting.push(resolve);
				child.stdin.write(Buffer.from(req).toString('hex') + '\n');
			});
		},
		close() { child.stdin.end(); },
	};
}

let nextId = 1;
/** One IPC request as a plain object ({whitelistAdd: '...'}); resolves the decoded reply. */
export async function ipcCall(worker, body, { version = 1 } = {}) {
	const { Request, Reply } = await ipcTypes();
	const req = Request.encode(Request.fromObject({ version, id: nextId++, ...body })).finish();
	const out = await ipcRaw(worker, req);
	if (!out || out.length === 0)
		return null;
	return Reply.toObject(Reply.decode(out), { longs: Number, enums: String, defaults: false });
}

export { sleep as delay };
