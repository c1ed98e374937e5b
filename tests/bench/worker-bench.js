// worker-bench.js: wa-worker (release build) against an unmodified Baileys
// 7 client, in one run, on one simulator (tests/sim):
//   - login time: process start to "ready to send" from stored
//     credentials, median of N restarts (each side paired once first, then
//     one untimed warm-up login). "Ready" is timed by the simulator, the
//     same way for both: the prekey count answered and the passive
//     <active/> done, the round trips both references make before they
//     call a login open (/sim/devices readyAt). Node's own start-up (node
//     -e '') is measured and printed on its own line: Baileys pays it;
//   - resident memory (VmRSS, VmHWM from /proc/PID/status) at ready,
//     and after 1k, 5k and 10k keepalive cycles at a fast interval;
//   - login time and memory over wss://, through a TLS front for the
//     simulator (tests/system/tls-proxy.js): the simulator speaks ws://,
//     where the worker skips OpenSSL; WhatsApp is wss://.
// Cycles are counted from the worker's "heartbeat: " log lines and, for
// Baileys, from the simulator's /sim/stats ping counter (the worker is
// stopped by then, so every ping is Baileys'). Prints a table; never
// asserts on time.
// Usage: node tests/bench/worker-bench.js [RESTARTS] [CYCLES] [INTERVAL_MS]
//   WALINK_RELEASE_BUILD: build dir (default <repo>/build).
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, tmpDir, sleep } from '../sim/support/helpers.js';
import { tlsProxy } from '../system/tls-proxy.js';
import { procMem } from '../support/procmem.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..', '..');
const BUILD = process.env.WALINK_RELEASE_BUILD || path.join(REPO, 'build');
const WORKER = path.join(BUILD, 'session-worker', 'wa-worker');
const PROBE = path.join(BUILD, 'shared', 'wa-probe');
const BAILEYS = path.join(here, 'baileys-client-bench.js');

const RESTARTS = Number(process.argv[2] || 10);
const CYCLES = Number(process.argv[3] || 10000);
const INTERVAL = Number(process.argv[4] || 2);
const MARKS = [1000, 5000, 10000].filter((m) => m < CYCLES).concat([CYCLES]);
const TLS_LOGINS = 3;
const PHONE_W = '15550007001';
const PHONE_B = '15550007002';

/* VmRSS, VmHWM, RssAnon (private: heap, stacks; the rest of VmRSS is
 * shared library pages) of a live process, in kB. */
const mem = procMem;

/**
 * Spawns a process and watches its output line by line. t0 is taken just
 * before spawn(): the times below include loading the program.
 */
function launch(cmd, args, env = {}) {
	const t0 = process.hrtime.bigint();
	const t0ms = performance.timeOrigin + performance.now();
	const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'],
	    env: { ...process.env, ...env } });
	const p = { child, t0, t0ms, out: '', beats: 0, waiters: [] };
	let partial = '';
	const feed = (d) => {
		p.out += d;
		/* whole lines only: a chunk may end inside "heartbeat: " */
		const lines = (partial + d).split('\n');
		partial = lines.pop();
		for (const l of lines)
			if (l.includes('heartbeat: '))
				p.beats++;
		if (p.out.length > 1 << 20)
			p.out = p.out.slice(-(1 << 19));	/* heartbeat runs log a lot */
		for (const w of [...p.waiters])
			if (w.re.test(p.out.slice(w.from))) {
				p.waiters.splice(p.waiters.indexOf(w), 1);
				w.resolve(process.hrtime.bigint());
			}
	};
	child.stdout.on('data', feed);
	child.stderr.on('data', feed);
	p.exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
	/* Resolves the hrtime when re first matches output from now on. */
	p.waitLine = (re, ms, what) => new Promise((resolve, reject) => {
		const w = { re, from: p.out.length, resolve: (t) => { clearTimeout(tm); resolve(t); } };
		const tm = setTimeout(() => {
			p.waiters.splice(p.waiters.indexOf(w), 1);
			reject(new Error(`timed out waiting for ${what}\n${p.out.slice(-3000)}`));
		}, ms);
		p.waiters.push(w);
	});
	p.stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null)
			return p.exited;
		child.kill('SIGTERM');
		const t = setTimeout(() => child.kill('SIGKILL'), 5000);
		const r = await p.exited;
		clearTimeout(t);
		return r;
	};
	return p;
}

const ms = (t1, t0) => Number(t1 - t0) / 1e6;
const median = (a) => { const s = [...a].sort((x, y) => x - y); const n = s.length;
	return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

function probeQr(dir) {
	return new Promise((resolve) => execFile(PROBE, ['--data', dir, '--timeout', '1', 'qr'],
	    { timeout: 5000 }, (err, stdout) => resolve(err ? '' : stdout.trim())));
}

/**
 * Waits until the simulator marks the phone's device ready to send after
 * p started; resolves the ms from process start to that mark.
 */
async function simReady(sim, phone, p, what) {
	const end = Date.now() + 30000;
	for (;;) {
		const d = (await sim.api('GET', '/sim/devices')).body.find((x) => x.phone === phone);
		if (d?.readyAt && d.readyAt > p.t0ms)
			return d.readyAt - p.t0ms;
		if (Date.now() > end || p.child.exitCode !== null)
			throw new Error(`timed out waiting for ${what} ready to send\n${p.out.slice(-3000)}`);
		await sleep(5);
	}
}

/** Node's own start-up: spawn to exit of `node -e ''`, median of n. */
async function nodeStartup(n) {
	const t = [];
	for (let i = 0; i < n; i++) {
		const p = launch(process.execPath, ['-e', '']);
		await p.exited;
		t.push(ms(process.hrtime.bigint(), p.t0));
	}
	return median(t);
}

/* ---- walink ---- */

/* sim.url may be replaced by a TLS front: {url, ca} */
function workerArgs(sim, root, dir, extra = []) {
	const tls = sim.tls ? ['--test-ca-file', sim.tls.ca] : [];
	return ['--data', dir, '--url', sim.tls ? sim.tls.url : sim.url, '--trust-root', root,
	    '--no-qr-terminal', '--backup-interval', '0', ...tls, ...extra];
}

async function walinkPair(sim, root, dir) {
	const w = launch(WORKER, workerArgs(sim, root, dir));
	try {
		let qr = '';
		for (let i = 0; i < 100 && !qr; i++) {
			await sleep(100);
			qr = await probeQr(dir);
		}
		if (!qr)
			throw new Error(`worker shows no QR:\n${w.out}`);
		const connected = w.waitLine(/-> connected/, 15000, 'worker connected after pairing');
		const r = await sim.api('POST', '/sim/phone/scan', { qr, phone: PHONE_W });
		if (r.status !== 200)
			throw new Error(`scan: ${r.status} ${r.text}`);
		await connected;
	} finally {
		await w.stop();
	}
}

/** One login from stored credentials: {ms, mem at ready}; stops it unless keep. */
async function walinkLogin(sim, root, dir, extra = [], keep = false) {
	const w = launch(WORKER, workerArgs(sim, root, dir, extra));
	const t = await simReady(sim, PHONE_W, w, 'the worker');
	const m = mem(w.child.pid);
	if (!keep)
		await w.stop();
	return { ms: t, mem: m, proc: w };
}

async function walinkCycles(sim, root, dir) {
	const { mem: atLogin, proc: w } = await walinkLogin(sim, root, dir,
	    ['--heartbeat', `${INTERVAL}ms`, '--keepalive-misses', '100'], true);
	const samples = [];
	const t0 = process.hrtime.bigint();
	for (const mark of MARKS) {
		const end = Date.now() + 300000;
		while (w.beats < mark) {
			if (Date.now() > end || w.child.exitCode !== null)
				throw new Error(`worker stalled at ${w.beats} heartbeats\n${w.out.slice(-3000)}`);
			await sleep(5);
		}
		samples.push({ mark, cycles: w.beats, ...mem(w.child.pid) });
	}
	const secs = ms(process.hrtime.bigint(), t0) / 1000;
	const states = (w.out.match(/link: connected -> unstable/g) || []).length;
	const r = await w.stop();
	return { atLogin, samples, rate: w.beats / secs, unstable: states, exit: r.code };
}

/* ---- Baileys ---- */

async function baileysPair(sim, dir) {
	const b = launch(process.execPath, [BAILEYS, 'pair', dir, sim.url]);
	try {
		await b.waitLine(/^qr /m, 20000, 'Baileys QR');
		const qr = b.out.match(/^qr (\S+)/m)[1];
		const paired = b.waitLine(/^paired$/m, 20000, 'Baileys paired');
		const r = await sim.api('POST', '/sim/phone/scan', { qr, phone: PHONE_B });
		if (r.status !== 200)
			throw new Error(`scan: ${r.status} ${r.text}`);
		await paired;
		await b.exited;
		const creds = JSON.parse(fs.readFileSync(path.join(dir, 'creds.json'), 'utf8'));
		if (!creds.me)
			throw new Error(`Baileys saved no account after pairing:\n${b.out}`);
	} finally {
		await b.stop();
	}
}

async function baileysLogin(sim, dir, keepAlive, keep = false) {
	const b = launch(process.execPath, [BAILEYS, 'run', dir, sim.tls ? sim.tls.url : sim.url,
	    ...(keepAlive ? [String(keepAlive)] : [])],
	    sim.tls ? { NODE_EXTRA_CA_CERTS: sim.tls.ca } : {});
	let t;
	try {
		t = await simReady(sim, PHONE_B, b, 'Baileys');
	} catch (e) {
		await b.stop();
		const log = (await sim.api('GET', '/sim/log?since=0')).text.split('\n');
		e.message += `\n--- simulator log ---\n${log.slice(-15).map((l) => l.slice(0, 300)).join('\n')}`;
		throw e;
	}
	const m = mem(b.child.pid);
	if (!keep)
		await b.stop();
	return { ms: t, mem: m, proc: b };
}

async function baileysCycles(sim, dir) {
	const base = (await sim.api('GET', '/sim/stats')).body.pings;
	const { mem: atLogin, proc: b } = await baileysLogin(sim, dir, INTERVAL, true);
	const samples = [];
	const t0 = process.hrtime.bigint();
	let pings = 0;
	for (const mark of MARKS) {
		const end = Date.now() + 300000;
		while (pings < mark) {
			if (Date.now() > end || b.child.exitCode !== null)
				throw new Error(`Baileys stalled at ${pings} pings\n${b.out.slice(-3000)}`);
			await sleep(20);
			pings = (await sim.api('GET', '/sim/stats')).body.pings - base;
		}
		samples.push({ mark, cycles: pings, ...mem(b.child.pid) });
	}
	const secs = ms(process.hrtime.bigint(), t0) / 1000;
	await b.stop();
	return { atLogin, samples, rate: pings / secs };
}

/* ---- report ---- */

function mb(kb) { return `${(kb / 1024).toFixed(2)} MB`; }
function row(metric, a, b, fmt, ratio = true) {
	const r = ratio && b ? (a / b).toFixed(3) : '';
	return [metric, fmt(a), fmt(b), r];
}

function table(rows) {
	const head = ['metric', 'walink', 'Baileys', 'ratio (walink/Baileys)'];
	const all = [head, ...rows];
	const w = head.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
	const line = (r) => `| ${r.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
	return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`,
	    ...rows.map(line)].join('\n');
}

function flat(samples) {
	const first = samples[0].rss, last = samples[samples.length - 1].rss;
	return { growth: last - first, flat: last - first <= Math.max(64, first * 0.01) };
}

async function main() {
	for (const f of [WORKER, PROBE])
		if (!fs.existsSync(f))
			throw new Error(`${f} missing: run scripts/build release`);
	const sim = await startSim();
	try {
		const root = (await sim.api('GET', '/sim/trust-root')).body.publicKey;
		const wdir = tmpDir('wbench-worker-');
		const bdir = tmpDir('wbench-baileys-');
		process.stderr.write(`worker-bench: ${WORKER}, ${RESTARTS} restarts, ` +
		    `${CYCLES} cycles at ${INTERVAL} ms\n`);

		const nodeMs = await nodeStartup(RESTARTS);
		process.stderr.write(`node start-up (node -e ''): ${nodeMs.toFixed(1)} ms\n`);
		await walinkPair(sim, root, wdir);
		await walinkLogin(sim, root, wdir);	/* warm-up: first login uploads prekeys */
		const wl = [];
		for (let i = 0; i < RESTARTS; i++)
			wl.push(await walinkLogin(sim, root, wdir));
		process.stderr.write(`walink logins: ${wl.map((x) => x.ms.toFixed(1)).join(' ')} ms\n`);
		const wc = await walinkCycles(sim, root, wdir);
		process.stderr.write(`walink cycles: ${JSON.stringify(wc.samples)}\n`);

		await baileysPair(sim, bdir);
		await baileysLogin(sim, bdir);	/* warm-up */
		const bl = [];
		for (let i = 0; i < RESTARTS; i++)
			bl.push(await baileysLogin(sim, bdir));
		process.stderr.write(`Baileys logins: ${bl.map((x) => x.ms.toFixed(1)).join(' ')} ms\n`);
		const bc = await baileysCycles(sim, bdir);
		process.stderr.write(`Baileys cycles: ${JSON.stringify(bc.samples)}\n`);

		/* the same logins through a TLS front: what wss:// costs each side */
		const proxy = await tlsProxy(sim);
		const tsim = { ...sim, tls: proxy };
		const wt = [], bt = [];
		try {
			for (let i = 0; i < TLS_LOGINS; i++) {
				wt.push(await walinkLogin(tsim, root, wdir));
				bt.push(await baileysLogin(tsim, bdir));
			}
		} finally {
			await proxy.close();
		}
		process.stderr.write(`wss:// logins: walink ${wt.map((x) => x.ms.toFixed(1)).join(' ')} ms, ` +
		    `Baileys ${bt.map((x) => x.ms.toFixed(1)).join(' ')} ms\n`);

		const wLogin = median(wl.map((x) => x.ms)), bLogin = median(bl.map((x) => x.ms));
		const rows = [
			row(`start -> ready to send, stored creds (median of ${RESTARTS})`, wLogin, bLogin,
			    (v) => `${v.toFixed(1)} ms`),
			row(`VmRSS at ready (median of ${RESTARTS})`, median(wl.map((x) => x.mem.rss)),
			    median(bl.map((x) => x.mem.rss)), mb),
			row(`VmHWM at ready (median of ${RESTARTS})`, median(wl.map((x) => x.mem.hwm)),
			    median(bl.map((x) => x.mem.hwm)), mb),
			row(`RssAnon (private) at ready (median of ${RESTARTS})`,
			    median(wl.map((x) => x.mem.anon)), median(bl.map((x) => x.mem.anon)), mb),
			row(`wss:// (TLS front): start -> ready to send (median of ${TLS_LOGINS})`,
			    median(wt.map((x) => x.ms)), median(bt.map((x) => x.ms)), (v) => `${v.toFixed(1)} ms`),
			row(`wss:// (TLS front): VmRSS at ready (median of ${TLS_LOGINS})`,
			    median(wt.map((x) => x.mem.rss)), median(bt.map((x) => x.mem.rss)), mb),
			row(`wss:// (TLS front): RssAnon at ready (median of ${TLS_LOGINS})`,
			    median(wt.map((x) => x.mem.anon)), median(bt.map((x) => x.mem.anon)), mb),
			row(`VmRSS at ready, ${INTERVAL} ms keepalive run`, wc.atLogin.rss,
			    bc.atLogin.rss, mb),
		];
		for (let i = 0; i < MARKS.length; i++)
			rows.push(row(`VmRSS after ${MARKS[i]} cycles (at ${wc.samples[i].cycles} / ` +
			    `${bc.samples[i].cycles})`, wc.samples[i].rss, bc.samples[i].rss, mb));
		const last = MARKS.length - 1;
		rows.push(row(`VmHWM after ${MARKS[last]} cycles`, wc.samples[last].hwm,
		    bc.samples[last].hwm, mb));
		const wf = flat(wc.samples), bf = flat(bc.samples);
		rows.push([`VmRSS growth ${MARKS[0]} -> ${MARKS[last]} cycles`,
		    `${wf.growth} kB (${wf.flat ? 'flat' : 'GROWS'})`,
		    `${bf.growth} kB (${bf.flat ? 'flat' : 'GROWS'})`, '']);
		rows.push(row('keepalive cycles per second achieved', wc.rate, bc.rate,
		    (v) => v.toFixed(0), false));
		console.log(table(rows));
		console.log(`\nNode's own start-up (node -e '', median of ${RESTARTS}): ${nodeMs.toFixed(1)} ms ` +
		    `of Baileys' ${bLogin.toFixed(1)} ms; Baileys less Node's start-up: ${(bLogin - nodeMs).toFixed(1)} ms.`);
		console.log(`\nwalink: ${wc.unstable} late-answer (unstable) episodes in the ` +
		    `${INTERVAL} ms run (an answer slower than half the interval); ` +
		    `worker exit ${wc.exit} on SIGTERM.`);
		const wssRss = median(wt.map((x) => x.mem.rss));
		console.log(`targets (figures only, no assertion): VmRSS <= 8 MB and flat: ` +
		    `${wc.samples[last].rss <= 8192 && wf.flat ? 'met' : 'NOT met'} over ws://, ` +
		    `${wssRss <= 8192 ? 'met' : 'NOT met'} over wss:// (${mb(wssRss)}, OpenSSL 3 ` +
		    `included); login <= 1/5 of Baileys: ${wLogin * 5 <= bLogin ? 'met' : 'NOT met'}.`);
	} finally {
		await sim.stop();
	}
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
