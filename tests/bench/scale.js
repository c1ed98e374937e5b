// scale.js: many wa-workers on this host behind one wa-control (issue 15).
// N workers (release build), one account each, against wa-sim (one
// simulator process per SCALE_PER_SIM accounts), all declared to one
// wa-control through --sessions-dir. Measures, and prints as a markdown
// table beside WAHA's published sizing:
//   - pairing all N (QR read with wa-probe, scanned through the simulator);
//   - start -> all connected from stored credentials (every worker
//     restarted at once: the host-reboot case);
//   - over OBSERVE seconds idle: every session's heartbeat arrives (counted
//     on wa-control's SSE stream of every session), CPU of the workers and
//     of wa-control (/proc/PID/stat), the simulators' CPU apart;
//   - total PSS of the workers and of wa-control (/proc/PID/smaps_rollup);
//   - GET /api/sessions p50/p99 and its size;
//   - the dashboard's overview in Chromium: navigation -> every row
//     counted and the first rows drawn (when /usr/bin/chromium exists);
//   - KILL random workers SIGKILLed: only those show unreachable, the rest
//     stay connected; restarted, they reconnect without a new pairing.
// Never asserts on figures; exits non-zero only when a step cannot finish.
// Usage: node tests/bench/scale.js [N=1000] [OBSERVE_S=600] [KILL=100]
//   WALINK_RELEASE_BUILD (default <repo>/build), SCALE_PER_SIM (250),
//   SCALE_DIR (default a temp dir, removed at the end unless SCALE_KEEP=1).
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, freePort, sleep } from '../sim/support/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..', '..');
const BUILD = process.env.WALINK_RELEASE_BUILD || path.join(REPO, 'build');
const WORKER = path.join(BUILD, 'session-worker', 'wa-worker');
const PROBE = path.join(BUILD, 'shared', 'wa-probe');
const CONTROL = path.join(BUILD, 'control-plane', 'wa-control');
const CHROMIUM = '/usr/bin/chromium';

const N = Number(process.argv[2] || 1000);
const OBSERVE = Number(process.argv[3] || 600);
const KILL = Math.min(Number(process.argv[4] || 100), N);
const PER_SIM = Number(process.env.SCALE_PER_SIM || 250);
const TOKEN = 'scale-bench-token-0123456789';
const PASSWORD = 'scale-bench-password';
const HEARTBEAT_S = 30;
const TICK = 100;	// USER_HZ on Linux

const root = process.env.SCALE_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'walink-scale-'));
const sessDir = path.join(root, 'sessions');
const logDir = path.join(root, 'logs');
fs.mkdirSync(sessDir, { recursive: true });
fs.mkdirSync(logDir, { recursive: true });

const log = (...a) => console.error(`[scale ${new Date().toISOString().slice(11, 19)}]`, ...a);
const id = (i) => `s${String(i).padStart(5, '0')}`;
const phone = (i) => `1555${String(i).padStart(7, '0')}`;
const now = () => Number(process.hrtime.bigint() / 1000000n);

/* ---- processes ---- */

const workers = new Array(N);	// { child, exited }
const sims = [];
let control;

function spawnLogged(cmd, args, name, env = {}) {
	const fd = fs.openSync(path.join(logDir, `${name}.log`), 'a');
	const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
	fs.closeSync(fd);
	const p = { child, exited: false };
	p.done = new Promise((r) => child.on('exit', () => { p.exited = true; r(); }));
	return p;
}

function startWorker(i) {
	const sim = sims[Math.floor(i / PER_SIM)];
	workers[i] = spawnLogged(WORKER, ['--data', path.join(sessDir, id(i)), '--client-id', id(i),
	    '--url', sim.url, '--trust-root', sim.root, '--no-qr-terminal',
	    '--backup-interval', '0', '--qr-first', '300s', '--qr-next', '300s'], id(i));
}

async function stopWorker(i, sig = 'SIGTERM') {
	const w = workers[i];
	if (!w || w.exited) return;
	w.child.kill(sig);
	await w.done;
}

/* ---- /proc figures ---- */

function cpuTicks(pid) {
	try {
		const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
		return Number(f[11]) + Number(f[12]);	// utime + stime
	} catch { return 0; }
}

function pssKb(pid) {
	try {
		const s = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
		return Number(/^Pss:\s+(\d+) kB/m.exec(s)[1]);
	} catch { return 0; }
}

function rssKb(pid) {
	try {
		return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
	} catch { return 0; }
}

/* ---- wa-control ---- */

let base;
const auth = { authorization: `Bearer ${TOKEN}` };

async function sessions() {
	const r = await fetch(`${base}/api/sessions`, { headers: auth, signal: AbortSignal.timeout(10000) });
	return r.json();
}

async function until(what, ms, fn, every = 1000) {
	const t0 = now();
	for (;;) {
		const v = await fn();
		if (v) return now() - t0;
		if (now() - t0 > ms) throw new Error(`${what}: not within ${ms / 1000} s`);
		await sleep(every);
	}
}

const connectedCount = async () => {
	const j = await sessions();
	return (j.counts.connected || 0);
};

/* ---- pairing ---- */

function probeQr(i) {
	return new Promise((resolve) => execFile(PROBE, ['--data', path.join(sessDir, id(i)),
	    '--timeout', '2', 'qr'], (err, out) => resolve(err ? '' : out.trim())));
}

async function pairOne(i) {
	const sim = sims[Math.floor(i / PER_SIM)];
	for (const end = now() + 600000; now() < end;) {
		const qr = await probeQr(i);
		if (qr) {
			const r = await sim.api('POST', '/sim/phone/scan', { qr, phone: phone(i) });
			if (r.status === 200) return;
		}
		await sleep(250);
	}
	throw new Error(`${id(i)}: could not pair`);
}

async function pool(items, width, fn) {
	let next = 0;
	await Promise.all(Array.from({ length: width }, async () => {
		while (next < items.length) await fn(items[next++]);
	}));
}

/* ---- SSE heartbeat counter ---- */

function countHeartbeats() {
	const counts = new Map();
	const ac = new AbortController();
	const done = (async () => {
		const r = await fetch(`${base}/api/events?session=*`, { headers: auth, signal: ac.signal });
		const rd = r.body.getReader();
		let buf = '';
		for (;;) {
			const { value, done: end } = await rd.read();
			if (end) break;
			buf += Buffer.from(value).toString();
			let k;
			while ((k = buf.indexOf('\n\n')) >= 0) {
				const frame = buf.slice(0, k);
				buf = buf.slice(k + 2);
				if (!frame.startsWith('event: heartbeat')) continue;
				const s = /"session":"([^"]+)"/.exec(frame);
				if (s) counts.set(s[1], (counts.get(s[1]) || 0) + 1);
			}
		}
	})().catch(() => {});
	return { counts, stop: async () => { ac.abort(); await done; } };
}

/* ---- dashboard ---- */

async function dashboardLoad() {
	if (!fs.existsSync(CHROMIUM)) return null;
	const { chromium } = await import('playwright-core');
	const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
	    args: ['--no-sandbox'] });
	try {
		const page = await browser.newPage();
		await page.goto(`${base}/`);
		await page.fill('#password', PASSWORD);
		await page.click('#login-form button[type=submit]');
		await page.waitForSelector('#sessions-overview', { timeout: 20000 });
		const times = [];
		for (let k = 0; k < 3; k++) {
			const t0 = now();
			await page.reload();	// signed in: straight to the overview
			await page.waitForFunction((n) => {
				const el = document.querySelector('#sessions-total');
				return el && Number(el.dataset.total) === n &&
				    document.querySelectorAll('#sessions-rows tr').length > 0 &&
				    !document.getElementById('sessions-overview').hidden;
			}, N, { timeout: 60000 });
			times.push(now() - t0);
		}
		return Math.min(...times);
	} finally {
		await browser.close();
	}
}

/* ---- main ---- */

const fig = {};
const pct = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];

async function main() {
	log(`N=${N} observe=${OBSERVE}s kill=${KILL} dir=${root}; ulimit -n ${
	    fs.readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)[1]}`);
	const nsims = Math.ceil(N / PER_SIM);
	for (let k = 0; k < nsims; k++) {
		// pairing 1 000 accounts takes minutes: refs must outlive it
		const sim = await startSim({ stateDir: path.join(root, `sim${k}`),
		    args: ['--qr-first-ms', '3600000', '--qr-next-ms', '3600000'] });
		sim.root = (await sim.api('GET', '/sim/trust-root')).body.publicKey;
		sims.push(sim);
	}
	log(`${nsims} simulator(s) up`);
	for (let i = 0; i < N; i++) fs.mkdirSync(path.join(sessDir, id(i)), { recursive: true });
	const port = await freePort();
	base = `http://127.0.0.1:${port}`;
	control = spawnLogged(CONTROL, ['--listen', `127.0.0.1:${port}`, '--data', path.join(root, 'control'),
	    '--sessions-dir', sessDir], 'wa-control', { WA_API_TOKEN: TOKEN, WA_ADMIN_PASSWORD: PASSWORD });
	await until('wa-control up', 10000, async () => {
		try { return (await fetch(`${base}/healthz`)).status === 200; } catch { return false; }
	}, 100);

	// 1. pair every account, as an operator adds them: 16 at a time, each
	// worker started when its turn comes (a thousand first connections at
	// once only measure the simulator's accept queue)
	let t0 = now();
	const tPair = now();
	await pool([...Array(N).keys()], 16, async (i) => { startWorker(i); await pairOne(i); });
	fig.pairAll = now() - t0;
	log(`all ${N} started and scanned in ${fig.pairAll} ms; waiting for connected`);
	await until('all connected after pairing', 600000, async () => (await connectedCount()) === N);
	fig.pairedConnected = now() - tPair;
	log(`all ${N} paired and connected: ${fig.pairedConnected} ms`);

	// 2. restart all from stored credentials
	await Promise.all([...Array(N).keys()].map((i) => stopWorker(i)));
	await until('all seen down', 120000, async () => (await sessions()).counts.unreachable === N, 500);
	t0 = now();
	for (let i = 0; i < N; i++) startWorker(i);
	await until('all connected after restart', 600000, async () => (await connectedCount()) === N, 250);
	fig.restartConnected = now() - t0;
	log(`restart: all ${N} connected in ${fig.restartConnected} ms`);

	// 3. idle: heartbeats, CPU, memory
	await sleep(HEARTBEAT_S * 1000 + 5000);	// first RTTs and prekey uploads over
	const hb = countHeartbeats();
	const pids = workers.map((w) => w.child.pid);
	const c0 = pids.map(cpuTicks), cc0 = cpuTicks(control.child.pid);
	const s0 = sims.map((s) => cpuTicks(s.child.pid));
	const tObs = now();
	log(`observing ${OBSERVE} s idle`);
	await sleep(OBSERVE * 1000);
	const secs = (now() - tObs) / 1000;
	const c1 = pids.map(cpuTicks), cc1 = cpuTicks(control.child.pid);
	const s1 = sims.map((s) => cpuTicks(s.child.pid));
	await hb.stop();
	const sum = (a) => a.reduce((x, y) => x + y, 0);
	fig.workerCpu = (sum(c1) - sum(c0)) / TICK / secs * 100;
	fig.controlCpu = (cc1 - cc0) / TICK / secs * 100;
	fig.simCpu = (sum(s1) - sum(s0)) / TICK / secs * 100;
	const want = Math.max(1, Math.floor(secs / HEARTBEAT_S) - 1);
	const beats = [...Array(N).keys()].map((i) => hb.counts.get(id(i)) || 0);
	fig.hbMin = Math.min(...beats);
	fig.hbMissing = beats.filter((b) => b < want).length;
	fig.hbWant = want;
	fig.observed = secs;
	fig.workerPss = sum(pids.map(pssKb)) / 1024;
	fig.controlPss = pssKb(control.child.pid) / 1024;
	log(`heartbeats: min ${fig.hbMin} per session (want >= ${want}), ${fig.hbMissing} short`);

	// 4. GET /api/sessions latency
	const lat = [];
	let size = 0;
	for (let k = 0; k < 200; k++) {
		const t = process.hrtime.bigint();
		const r = await fetch(`${base}/api/sessions`, { headers: auth });
		size = (await r.arrayBuffer()).byteLength;
		lat.push(Number(process.hrtime.bigint() - t) / 1e6);
	}
	fig.listP50 = pct(lat, 0.5);
	fig.listP99 = pct(lat, 0.99);
	fig.listKb = size / 1024;
	fig.controlRss = rssKb(control.child.pid) / 1024;
	fig.controlPssAfter = pssKb(control.child.pid) / 1024;

	// 5. dashboard overview in Chromium
	try {
		fig.dashboard = await dashboardLoad();
	} catch (e) {
		log(`dashboard: ${e.message.split('\n')[0]}`);
		fig.dashboard = undefined;
	}

	// 6. kill KILL random workers
	const devicesBefore = sum(await Promise.all(sims.map(async (s) =>
	    (await s.api('GET', '/sim/devices')).body.length)));
	const victims = [...Array(N).keys()].sort(() => Math.random() - 0.5).slice(0, KILL);
	const vset = new Set(victims.map(id));
	t0 = now();
	await Promise.all(victims.map((i) => stopWorker(i, 'SIGKILL')));
	let wrong = 0;
	fig.killSeen = await until('killed seen unreachable', 120000, async () => {
		const j = await sessions();
		const down = j.sessions.filter((s) => s.state === 'unreachable').map((s) => s.id);
		wrong = j.sessions.filter((s) => !vset.has(s.id) && s.state !== 'connected').length;
		return down.length === KILL && down.every((x) => vset.has(x));
	}, 250);
	fig.killOthersWrong = wrong;
	t0 = now();
	for (const i of victims) startWorker(i);
	await until('victims back', 300000, async () => (await connectedCount()) === N, 250);
	fig.killBack = now() - t0;
	const devicesAfter = sum(await Promise.all(sims.map(async (s) =>
	    (await s.api('GET', '/sim/devices')).body.length)));
	fig.newPairings = devicesAfter - devicesBefore;
	log(`kill ${KILL}: seen in ${fig.killSeen} ms, others not connected: ${wrong}, back in ${fig.killBack} ms, new pairings ${fig.newPairings}`);
}

function table() {
	const f = (v, d = 1) => (v === undefined || v === null ? 'n/a' : Number(v).toFixed(d));
	const rows = [
		['scale', `${N} workers: start and pair all (16 at once) -> all connected (s; bound by the simulator's pairing)`, f(fig.pairedConnected / 1000), '', ''],
		['scale', `${N} workers: start -> all connected from stored credentials (s)`, f(fig.restartConnected / 1000),
		    '', 'target <= 120 s'],
		['scale', `${N} workers: total PSS, workers + wa-control (MB)`, `${f(fig.workerPss + fig.controlPss, 0)} (${f(fig.workerPss / N, 2)} per worker)`,
		    'WAHA: 25 GB for 500 (whatsmeow engine), 8 GB for 100 (Baileys engine)', 'target <= 1536 MB'],
		['scale', `${N} workers idle: CPU, workers + wa-control (% of one core; ${f(fig.observed, 0)} s)`,
		    `${f(fig.workerCpu + fig.controlCpu, 2)} (wa-control ${f(fig.controlCpu, 2)})`,
		    'WAHA: 5-8 CPUs for 500 sessions', 'target < 10 %'],
		['scale', `${N} workers idle: simulator CPU (% of one core; stands in for WhatsApp)`, f(fig.simCpu, 2), '', ''],
		['scale', `heartbeats per session over the window (min; sessions short of ${fig.hbWant})`,
		    `${fig.hbMin}; ${fig.hbMissing}`, '', 'every session'],
		['scale', `GET /api/sessions, ${N} sessions (p50 / p99 ms; KB)`, `${f(fig.listP50, 2)} / ${f(fig.listP99, 2)}; ${f(fig.listKb, 0)}`, '', ''],
		['scale', 'wa-control memory with all sessions (PSS / VmRSS MB)', `${f(fig.controlPssAfter)} / ${f(fig.controlRss)}`, '', ''],
		['scale', `dashboard overview of ${N} sessions in Chromium: reload -> rows drawn (ms, best of 3)`, f(fig.dashboard, 0), '', ''],
		['scale', `SIGKILL ${KILL} workers: all shown unreachable (ms); others not connected`,
		    `${f(fig.killSeen, 0)}; ${fig.killOthersWrong}`, '', 'only the killed'],
		['scale', `restart the ${KILL}: all connected again (ms); new pairings`, `${f(fig.killBack, 0)}; ${fig.newPairings}`,
		    '', 'no QR: 0 new pairings'],
	];
	console.log('| area | figure | walink | reference | ratio / target |');
	console.log('|---|---|---|---|---|');
	for (const r of rows) console.log(`| ${r.join(' | ')} |`);
	console.log('\nWAHA figures: its sizing guide (500 sessions: 25 GB RAM, 5-8 CPUs on the whatsmeow '
	    + 'engine; 100 sessions: 8 GB on the Baileys engine). Evolution API #1419: 79 instances past 4 GB.');
}

let rc = 0;
try {
	await main();
} catch (e) {
	log(`FAILED: ${e.stack}`);
	rc = 1;
} finally {
	table();
	await Promise.all(workers.filter(Boolean).map((w) => { if (!w.exited) w.child.kill('SIGTERM'); return w.done; }));
	if (control && !control.exited) { control.child.kill('SIGTERM'); await control.done; }
	for (const s of sims) await s.stop();
	if (!process.env.SCALE_KEEP) fs.rmSync(root, { recursive: true, force: true });
}
process.exit(rc);
