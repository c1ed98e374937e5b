// wait.js: the one way tests wait, pick ports and make scratch directories.
// Every wait is bounded; a check that throws counts as "not yet" (a
// connection refused while a server starts is the common case) and its last
// error is part of the timeout message, unless it throws a GiveUp, which
// ends the wait at once (a process that exited will never become ready).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Thrown from a waitFor check: stop waiting and fail with this error. */
export class GiveUp extends Error {}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

/**
 * Polls fn every 50 ms until it returns a truthy value, which is returned;
 * throws after ms with what and fn's last result or error.
 */
export async function waitFor(fn, ms = 10000, what = 'condition') {
	const end = Date.now() + ms;
	let last;
	for (;;) {
		try {
			const v = await fn();
			if (v)
				return v;
			last = v;
		} catch (e) {
			if (e instanceof GiveUp)
				throw e;
			last = e;
		}
		if (Date.now() > end) {
			const why = last instanceof Error ? last.message : JSON.stringify(last);
			throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${why})`);
		}
		await sleep(50);
	}
}

/** A loopback TCP port nobody listens on right now. */
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
export function tmpDir(prefix = 'walink-test-') {
	const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	madeDirs.push(d);
	return d;
}
