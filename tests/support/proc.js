// proc.js: one way to start a program for a test and stop it again. The
// handle keeps the output, waits on lines in it, and stop() ends the
// process with SIGTERM then SIGKILL after a bound. Every process started
// here is SIGKILLed when the test process exits, so a failed test leaves
// nothing running.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const BUILD = process.env.WALINK_BUILD || path.join(REPO, 'build-asan');
export const RELEASE_BUILD = process.env.WALINK_RELEASE_BUILD || path.join(REPO, 'build');
export const BIN = {
	worker: path.join(BUILD, 'session-worker', 'wa-worker'),
	probe: path.join(BUILD, 'shared', 'wa-probe'),
	control: path.join(BUILD, 'control-plane', 'wa-control'),
	fake: path.join(BUILD, 'session-worker', 'fake-ipc-worker'),
	ipcPipe: path.join(BUILD, 'session-worker', 'ipc-pipe'),
};

/**
 * Returns file, or throws when it is not there: a missing program or
 * dependency fails the test that needs it, it never skips it.
 */
export function requireFile(file, hint = 'scripts/build asan release') {
	if (!fs.existsSync(file))
		throw new Error(`${file} is missing (${hint})`);
	return file;
}

const running = new Set();
process.on('exit', () => {
	for (const c of running)
		c.kill('SIGKILL');
});
// 'exit' does not come when a signal ends us (node's runner ends a test
// file past --test-timeout with one): the processes go all the same, or
// they would outlive the run and count in the next file's checks.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'])
	process.once(sig, () => process.exit(128 + os.constants.signals[sig]));

/**
 * Starts file with args; env adds to this process's environment (replaces
 * it with inherit: false), stdin: true gives the child a pipe. Returns:
 * child, name, output() (stdout+stderr), stdout(), stderr(), exited (a
 * promise of {code, sig}), exitStatus (set once exited), waitOutput(re, ms),
 * stop(sig = 'SIGTERM', ms), kill9().
 */
export function startProcess(file, args = [], { name = path.basename(file), env = {},
    inherit = true, stdin = false, cwd } = {}) {
	requireFile(file);
	const child = spawn(file, args, { cwd, env: inherit ? { ...process.env, ...env } : env,
	    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
	running.add(child);
	const p = { child, name, exitStatus: null };
	let out = '', so = '', se = '';
	child.stdout.on('data', (d) => { out += d; so += d; });
	child.stderr.on('data', (d) => { out += d; se += d; });
	if (stdin)
		child.stdin.on('error', () => {});
	// 'close', not 'exit': the output is complete once the status is known
	const exited = new Promise((resolve) => child.on('close', (code, sig) => {
		running.delete(child);
		p.exitStatus = { code, sig };
		resolve(p.exitStatus);
	}));
	p.exited = exited;
	p.output = () => out;
	p.stdout = () => so;
	p.stderr = () => se;
	/**
	 * Resolves re's match in the output (from offset from on) as soon as
	 * the bytes arrive; fails at once if the process exits first, or after ms.
	 */
	p.waitOutput = (re, ms = 10000, what = `${name} to print ${re}`, { from = 0 } = {}) =>
	    new Promise((resolve, reject) => {
		let timer;
		const done = () => {
			clearTimeout(timer);
			child.stdout.off('data', check);
			child.stderr.off('data', check);
		};
		function check() {
			const m = out.slice(from).match(re);
			if (m) {
				done();
				resolve(m);
			} else if (p.exitStatus) {
				done();
				reject(new Error(`${name} exited ${JSON.stringify(p.exitStatus)} before ${what}:\n` +
				    out.slice(-2000)));
			}
		}
		// listeners added at spawn run first: out already holds the new bytes
		child.stdout.on('data', check);
		child.stderr.on('data', check);
		exited.then(check);
		timer = setTimeout(() => {
			done();
			reject(new Error(`timed out after ${ms} ms waiting for ${what}:\n${out.slice(-2000)}`));
		}, ms);
		check();
	});
	p.stop = async (sig = 'SIGTERM', ms = 5000) => {
		if (p.exitStatus)
			return p.exitStatus;
		child.kill(sig);
		const t = setTimeout(() => child.kill('SIGKILL'), ms);
		const r = await exited;
		clearTimeout(t);
		return r;
	};
	p.kill9 = () => p.stop('SIGKILL');
	return p;
}

/** Runs file to its end (killed after ms); resolves {code, sig, out, err, ms}. */
export function runProcess(file, args = [], { env = {}, inherit, cwd, ms = 10000 } = {}) {
	const t0 = Date.now();
	const p = startProcess(file, args, { env, inherit, cwd });
	const t = setTimeout(() => p.child.kill('SIGKILL'), ms);
	return p.exited.then(({ code, sig }) => {
		clearTimeout(t);
		return { code, sig, out: p.stdout(), err: p.stderr(), ms: Date.now() - t0 };
	});
}
