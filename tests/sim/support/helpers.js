// Shared helpers for the simulator tests: vectors, free ports, starting and
// stopping a simulator process with bounded waits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SIM_DIR = path.resolve(here, '..');
const REPO = path.resolve(SIM_DIR, '..', '..');

export function vectorsDir() {
	return process.env.WALINK_VECTORS_DIR || path.resolve(REPO, '..', 'shared', 'vectors');
}

export function loadVector(name) {
	return JSON.parse(fs.readFileSync(path.join(vectorsDir(), name), 'utf8'));
}

export function hex(s) { return Buffer.from(s, 'hex'); }

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

const madeDirs = [];
process.on('exit', () => {
	for (const d of madeDirs)
		fs.rmSync(d, { recursive: true, force: true });
});

/** A temp dir removed when the test process exits. */
export function tmpDir(prefix = 'wa-sim-') {
	const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	madeDirs.push(d);
	return d;
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

/** Polls fn until it returns a truthy value or ms elapse. */
export async function waitFor(fn, ms = 10000, what = 'condition') {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}`);
		await sleep(50);
	}
}

/**
 * Starts wa-sim on free ports with a temp (or given) state dir; resolves once
 * it printed its ready line. Returns {ws, control, url, api(), stop()}.
 */
export async function startSim({ stateDir, args = [] } = {}) {
	const wsPort = await freePort();
	const ctlPort = await freePort();
	const dir = stateDir || tmpDir();
	const child = spawn(process.execPath, [path.join(SIM_DIR, 'wa-sim.js'),
	    '--ws', `127.0.0.1:${wsPort}`, '--control', `127.0.0.1:${ctlPort}`,
	    '--state', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	child.stderr.on('data', (d) => { out += d; });
	await new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`wa-sim not ready: ${out}`)), 10000);
		child.stdout.on('data', (d) => {
			out += d;
			if (/wa-sim: ready/.test(out)) {
				clearTimeout(t);
				resolve();
			}
		});
		child.on('exit', (code) => {
			clearTimeout(t);
			reject(new Error(`wa-sim exited ${code}: ${out}`));
		});
	});
	const base = `http://127.0.0.1:${ctlPort}`;
	const api = async (method, route, body) => {
		const res = await fetch(base + route, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
			signal: AbortSignal.timeout(15000)
		});
		const text = await res.text();
		let json;
		try { json = JSON.parse(text); } catch { json = undefined; }
		return { status: res.status, body: json, text };
	};
	return {
		child, stateDir: dir, wsPort, ctlPort, api,
		url: `ws://127.0.0.1:${wsPort}/ws/chat`,
		output: () => out,
		stop: () => new Promise((resolve) => {
			if (child.exitCode !== null)
				return resolve();
			const t = setTimeout(() => child.kill('SIGKILL'), 3000);
			child.once('exit', () => { clearTimeout(t); resolve(); });
			child.kill('SIGTERM');
		})
	};
}
