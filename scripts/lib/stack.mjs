// stack.mjs: starts and supervises walink's processes for scripts/start-main
// (the main job, `scripts/run`) and scripts/demo. Plain Node (>= 20), no
// npm packages: the simulator is started as its own process.
//
//   node scripts/lib/stack.mjs main [--offline] [--data DIR] [--listen A:P] [-- WORKER ARGS]
//   node scripts/lib/stack.mjs demo [--check] [--data DIR] [--listen A:P] [-- WORKER ARGS]
//
// main: wa-worker + wa-control against real WhatsApp (or, with --offline or
// WALINK_OFFLINE=1, against tests/sim/wa-sim), logs on this terminal.
// demo: always offline, state changes and a small menu on the terminal, logs
// in files; --check does the whole round unattended and exits non-zero on
// any failure. Every wait is bounded; Ctrl-C stops everything started here.
import { spawn, execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = path.resolve(process.env.WALINK_BUILD || path.join(REPO, 'build'));
const BIN = {
	worker: path.join(BUILD, 'session-worker', 'wa-worker'),
	control: path.join(BUILD, 'control-plane', 'wa-control'),
	probe: path.join(BUILD, 'shared', 'wa-probe'),
};
const SIM = path.join(REPO, 'tests', 'sim', 'wa-sim.js');
const ECHO_HOOK = path.join(REPO, 'scripts', 'lib', 'echo-hook');
const BOT_PHONE = '15550001111';	// the simulated phone that scans the QR
const CONTACT = '15550002222';		// a simulated customer writing to the bot
const CHECK_CONNECT_MS = 60000;		// issue 8: connected within 60 s
const ECHO_WAIT_MS = 20000;

const USAGE = `usage: scripts/start-main [--offline] [--data DIR] [--listen ADDR:PORT] [-- WORKER SETTINGS]
       scripts/demo [--check] [--data DIR] [--listen ADDR:PORT] [-- WORKER SETTINGS]

  --offline   (main) use the WhatsApp simulator instead of WhatsApp (also WALINK_OFFLINE=1);
              data then defaults to ./data-offline so a real session is never touched
  --check     (demo) pair, connect and (when the worker has --hook-cmd) exchange a
              message unattended; exit 0 only if everything worked within 60 s
  --data DIR  data directory (main: WA_DATA or ./data; demo: ./demo-data, --check: a temp dir)
  --listen    dashboard address (WALINK_LISTEN; default 127.0.0.1:3000, demo: a free
              port if 3000 is taken)
  Binaries come from WALINK_BUILD (default build/).`;

function parseArgs(argv) {
	const o = { mode: argv[0], offline: process.env.WALINK_OFFLINE === '1',
	    check: false, data: null, listen: process.env.WALINK_LISTEN || null, extra: [] };
	if (o.mode !== 'main' && o.mode !== 'demo')
		die(USAGE, 64);
	for (let i = 1; i < argv.length; i++) {
		const a = argv[i];
		const val = () => {
			if (i + 1 >= argv.length)
				die(`${a} needs a value\n${USAGE}`, 64);
			return argv[++i];
		};
		if (a === '--') { o.extra = argv.slice(i + 1); break; }
		else if (a === '--offline') o.offline = true;
		else if (a === '--check' && o.mode === 'demo') o.check = true;
		else if (a === '--data') o.data = val();
		else if (a === '--listen') o.listen = val();
		else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
		else die(`unknown option ${a}\n${USAGE}`, 64);
	}
	if (o.mode === 'demo')
		o.offline = true;
	return o;
}

function die(msg, code = 1) {
	console.error(msg);
	process.exit(code);
}

const say = (s) => console.log(`${stamp()} ${s}`);
function stamp() {
	return new Date().toISOString().slice(11, 19);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, ms, what) {
	const end = Date.now() + ms;
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last)
				return last;
		} catch (e) {
			last = e.message;
		}
		if (Date.now() > end)
			throw new Error(`timed out after ${ms / 1000} s waiting for ${what}` +
			    (last ? ` (last: ${typeof last === 'string' ? last : JSON.stringify(last)})` : ''));
		await sleep(200);
	}
}

function freePort(port = 0) {
	return new Promise((resolve) => {
		const s = net.createServer();
		s.unref();
		s.on('error', () => resolve(null));
		s.listen(port, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => resolve(p));
		});
	});
}

/* ---- children ---- */

const children = [];
let stopping = false;
let tempData = null;	// --check's data dir, removed on exit

/** Spawns a child; out: 'inherit' or a log file; onLine gets each output line;
 *  drop: variables of this process's environment the child must not see. */
function start(name, cmd, args, { env = {}, out = 'inherit', onLine, quiet = false, drop = [] } = {}) {
	let stdio;
	let fd = null;
	if (onLine)
		stdio = ['ignore', 'pipe', 'pipe'];
	else if (out === 'inherit')
		stdio = ['ignore', 'inherit', 'inherit'];
	else {
		fd = fs.openSync(out, 'a', 0o600);
		stdio = ['ignore', fd, fd];
	}
	// Own process group: Ctrl-C reaches only us, and stopAll() stops the
	// children in order (the control plane first, the worker last).
	const childEnv = { ...process.env, ...env };
	for (const k of drop)
		delete childEnv[k];
	const child = spawn(cmd, args, { stdio, env: childEnv, detached: true });
	if (fd !== null)
		fs.closeSync(fd);
	const c = { name, child, env: childEnv, exited: null };
	c.exit = new Promise((resolve) => child.on('exit', (code, sig) => {
		c.exited = { code, sig };
		resolve(c.exited);
	}));
	child.on('error', (e) => say(`${name}: cannot start ${cmd}: ${e.message}`));
	if (onLine) {
		// both streams, line by line: to the log file (if any) and onLine
		const logFd = out !== 'pipe' && out !== 'inherit' ? fs.openSync(out, 'a', 0o600) : null;
		for (const stream of [child.stdout, child.stderr]) {
			readline.createInterface({ input: stream }).on('line', (line) => {
				if (logFd !== null)
					fs.writeSync(logFd, line + '\n');
				onLine(line);
			});
		}
		if (logFd !== null)
			c.exit.then(() => setTimeout(() => fs.closeSync(logFd), 100));
	}
	c.exit.then(({ code, sig }) => {
		if (!stopping && !quiet)
			say(`${name} exited (${sig || `code ${code}`})`);
	});
	children.push(c);
	return c;
}

async function stopAll() {
	stopping = true;
	// the control plane first, the worker last: it owns the session
	for (const c of [...children].reverse()) {
		if (c.exited)
			continue;
		c.child.kill('SIGTERM');
		const t = setTimeout(() => c.child.kill('SIGKILL'), 8000);
		await c.exit;
		clearTimeout(t);
	}
}

/* ---- worker, probe, simulator, control plane ---- */

function probe(dataDir, ...args) {
	return new Promise((resolve) => {
		execFile(BIN.probe, ['--data', dataDir, '--timeout', '2', ...args],
		    { timeout: 10000 }, (err, stdout, stderr) => {
			resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0,
			    stdout: stdout.trim(), stderr: stderr.trim() });
		});
	});
}

async function probeState(dataDir) {
	const r = await probe(dataDir, '--json', 'state');
	try {
		return { code: r.code, ...JSON.parse(r.stdout) };
	} catch {
		return { code: r.code, state: r.code === 3 ? 'unreachable' : null };
	}
}

function workerHasHook() {
	try {
		return /--hook-cmd\b/.test(execFileSync(BIN.worker, ['--help'], { encoding: 'utf8' }));
	} catch {
		return false;
	}
}

async function http(base, method, route, body, headers = {}) {
	const res = await fetch(base + route, {
		method,
		headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(15000),
	});
	const text = await res.text();
	let json;
	try { json = JSON.parse(text); } catch { json = undefined; }
	return { status: res.status, body: json, text };
}

async function startSim(stateDir, logFile) {
	const ws = await freePort(), ctl = await freePort();
	let ready;
	const got = new Promise((r) => { ready = r; });
	const c = start('wa-sim', process.execPath, [SIM, '--ws', `127.0.0.1:${ws}`,
	    '--control', `127.0.0.1:${ctl}`, '--state', stateDir],
	    { out: logFile, onLine: (l) => { if (/wa-sim: ready/.test(l)) ready(); } });
	const ok = await Promise.race([got.then(() => true), c.exit.then(() => false), sleep(15000)]);
	if (ok !== true)
		throw new Error(`the simulator did not start (see ${logFile})`);
	const base = `http://127.0.0.1:${ctl}`;
	const api = (m, r, b) => http(base, m, r, b);
	const root = (await api('GET', '/sim/trust-root')).body.publicKey;
	return { c, api, base, url: `ws://127.0.0.1:${ws}/ws/chat`, root };
}

/**
 * Starts wa-control; resolves {c, url, generated} once it listens.
 * Its stdout goes through us to pick up the generated password line.
 */
async function startControl(dataDir, listen, env, logFile) {
	let listening, generated = null;
	const got = new Promise((r) => { listening = r; });
	const c = start('wa-control', BIN.control, ['--listen', listen, '--data', dataDir],
	    { env, out: logFile || 'pipe', onLine: (line) => {
		const g = /generated admin password: (\S+)/.exec(line);
		if (g)
			generated = g[1];
		const m = /listening on (https?:\/\/[^\s,]+)/.exec(line);
		if (!logFile && !g && !/it is shown only now/.test(line))	// shown once, in the banner
			console.log(line);
		if (m)
			listening(m[1]);
	} });
	const url = await Promise.race([got, c.exit.then(() => null), sleep(15000)]);
	if (!url)
		throw new Error(`wa-control did not start on ${listen}: is the port taken? ` +
		    `--listen ADDR:PORT picks another` + (logFile ? ` (log: ${logFile})` : ''));
	return { c, url, generated };
}

/* ---- what the person at the terminal sees ---- */

/** p relative to the current directory when it lies below it. */
function shortPath(p) {
	const r = path.relative(process.cwd(), p);
	return r === '' ? '.' : r.startsWith('..') || path.isAbsolute(r) ? p : r;
}

function banner({ url, login, mode, dataDir, extra = [] }) {
	const lines = [
		'',
		`walink is running (${mode})`,
		`  dashboard   ${url}`,
		`  log in      ${login}`,
		`  probe       ${shortPath(BIN.probe)} --data ${dataDir} state`,
		...extra,
		'  Ctrl-C stops everything started here.',
		'',
	];
	console.log(lines.join('\n'));
}

function loginText(env, generated, dataDir, demo) {
	if (demo && !process.env.WA_ADMIN_PASSWORD)
		return `password ${env.WA_ADMIN_PASSWORD}  (a new one each demo run; set WA_ADMIN_PASSWORD to choose it)`;
	if (env.WA_ADMIN_PASSWORD)
		return 'the password in WA_ADMIN_PASSWORD';
	if (generated)
		return `password ${generated}  (generated now and shown only once: write it down)`;
	return `the password generated on the first start (its hash is ${path.join(dataDir,
	    'control-plane', 'admin.pwhash')}; to reset it, stop, delete that file and start again)`;
}

/** Prints each change of the worker's state (demo mode: logs are in files). */
function watchState(dataDir, onChange) {
	let last = null, timer = null, busy = false;
	const tick = async () => {
		if (busy || stopping)
			return;
		busy = true;
		const s = await probeState(dataDir);
		busy = false;
		const key = `${s.state}|${s.reason}|${s.qrPaused}`;
		if (key !== last) {
			last = key;
			onChange(s);
		}
	};
	timer = setInterval(tick, 500);
	tick();
	return () => clearInterval(timer);
}

function describe(s) {
	if (s.state === 'unreachable')
		return 'worker unreachable';
	let t = `state ${s.state}`;
	if (s.connectedNumber)
		t += ` as +${s.connectedNumber}`;
	if (s.reason && s.state !== 'connected')
		t += ` (reason ${s.reason}${s.strategy ? `: ${s.strategy}` : ''})`;
	if (s.state === 'qr')
		t += s.qrPaused ? ': QR paused, press n for a new one' : ': press Enter to scan it with the simulated phone';
	return t;
}

/* ---- simulated phone and contact ---- */

async function scan(ctx) {
	const q = await probe(ctx.dataDir, 'qr');
	if (q.code !== 0 || !q.stdout)
		throw new Error(`no QR to scan right now (wa-probe qr exit ${q.code}: ${q.stderr || q.stdout})`);
	const r = await ctx.sim.api('POST', '/sim/phone/scan', { qr: q.stdout, phone: BOT_PHONE });
	if (r.status !== 200)
		throw new Error(`the simulated phone could not scan: ${r.status} ${r.text}`);
	return r.body.jid;
}

/** The contact exists in the simulator and is on the whitelist. */
async function ensureContact(ctx) {
	const list = (await ctx.sim.api('GET', '/sim/contacts')).body || [];
	if (!list.some((c) => c.phone === CONTACT)) {
		const r = await ctx.sim.api('POST', '/sim/contacts', { phone: CONTACT, name: 'Demo customer' });
		if (r.status !== 200)
			throw new Error(`could not create the simulated contact: ${r.status} ${r.text}`);
	}
	const w = await ctx.api('POST', '/api/whitelist/add', { phoneNumber: CONTACT });
	if (w.status !== 200 && w.status !== 409)
		throw new Error(`could not whitelist +${CONTACT}: ${w.status} ${w.text}`);
}

/** Sends text from the contact to the bot; resolves the bot's reply text. */
async function sendAsContact(ctx, text) {
	await ensureContact(ctx);
	const inbox = async () => (await ctx.sim.api('GET', `/sim/contacts/${CONTACT}/inbox`)).body || [];
	const before = (await inbox()).length;
	const r = await ctx.sim.api('POST', `/sim/contacts/${CONTACT}/send`,
	    { to: `${BOT_PHONE}@s.whatsapp.net`, text });
	if (r.status !== 200)
		throw new Error(`the contact could not send: ${r.status} ${r.text}`);
	const reply = await waitFor(async () => {
		const box = await inbox();
		return box.slice(before).find((m) => typeof m.text === 'string') || null;
	}, ECHO_WAIT_MS, 'the bot\'s reply in the contact\'s inbox');
	return reply.text;
}

/* ---- modes ---- */

async function setUp(o) {
	const demo = o.mode === 'demo';
	const dataDir = path.resolve(o.data || (o.check ? fs.mkdtempSync(path.join(os.tmpdir(), 'walink-demo-'))
	    : demo ? 'demo-data' : o.offline ? 'data-offline' : (process.env.WA_DATA || 'data')));
	if (o.check && !o.data)
		tempData = dataDir;
	fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	for (const b of Object.values(BIN))
		if (!fs.existsSync(b))
			throw new Error(`${b} is missing: run scripts/build release`);
	const logs = demo ? {
		sim: path.join(dataDir, 'wa-sim.log'),
		worker: path.join(dataDir, 'wa-worker.log'),
		control: path.join(dataDir, 'wa-control.log'),
	} : { sim: path.join(dataDir, 'wa-sim.log') };
	const ctx = { o, dataDir, logs, hook: false };

	let listen = o.listen;
	if (!listen)
		listen = !demo || !o.check && await freePort(3000) ? '127.0.0.1:3000'
		    : `127.0.0.1:${await freePort()}`;

	const workerArgs = ['--data', dataDir];
	if (o.offline) {
		ctx.sim = await startSim(path.join(dataDir, 'sim'), logs.sim);
		workerArgs.push('--url', ctx.sim.url, '--trust-root', ctx.sim.root);
		say(`wa-sim: simulated WhatsApp at ${ctx.sim.url}, control API ${ctx.sim.base}`);
	}
	if (demo) {
		// lively heartbeat chart, quick recovery from the faults the menu injects
		workerArgs.push('--heartbeat', '5s', '--reconnect-wait', '2s', '--no-qr-terminal');
		if (workerHasHook()) {
			ctx.hook = true;
			workerArgs.push('--hook-cmd', `'${ECHO_HOOK}'`);	// run by /bin/sh -c
		}
	}
	workerArgs.push(...o.extra);
	// The worker runs the bot hook, which reads strangers' messages: the
	// dashboard's secrets stay out of its environment even when the
	// operator exported them in this shell (the worker also gives its
	// hook a minimal environment of its own).
	ctx.worker = start('wa-worker', BIN.worker, workerArgs,
	    { out: logs.worker || 'inherit', drop: ['WA_ADMIN_PASSWORD', 'WA_API_TOKEN'] });

	// The demo knows its password: it sets it (kept across demo runs only
	// if the person set WA_ADMIN_PASSWORD). The token is for its own calls.
	const env = {};
	if (demo) {
		env.WA_ADMIN_PASSWORD = process.env.WA_ADMIN_PASSWORD ||
		    crypto.randomBytes(9).toString('base64url');
		env.WA_API_TOKEN = crypto.randomBytes(24).toString('base64url');
	}
	ctx.env = { ...process.env, ...env };
	ctx.control = await startControl(dataDir, listen, env, logs.control);
	ctx.api = (m, r, b) => http(ctx.control.url, m, r, b,
	    env.WA_API_TOKEN ? { authorization: `Bearer ${env.WA_API_TOKEN}` } : {});
	return ctx;
}

async function runCheck(ctx) {
	const t0 = Date.now();
	const left = () => Math.max(1000, CHECK_CONNECT_MS - (Date.now() - t0));
	const step = (s) => say(`check: ${s}`);
	step(`data in ${ctx.dataDir}${tempData ? ' (removed at the end)' : ''}`);

	await waitFor(async () => (await http(ctx.control.url, 'GET', '/healthz')).body?.workerReachable,
	    left(), 'wa-control to reach the worker');
	step('wa-control is up and reaches the worker');
	const login = await http(ctx.control.url, 'POST', '/api/auth/login',
	    { password: ctx.env.WA_ADMIN_PASSWORD }, { origin: ctx.control.url });
	if (login.status !== 200)
		throw new Error(`dashboard login refused: ${login.status} ${login.text}`);
	step('dashboard login with the printed password works');
	const leaked = ['WA_ADMIN_PASSWORD', 'WA_API_TOKEN'].filter((k) => k in ctx.worker.env);
	if (leaked.length)
		throw new Error(`wa-worker was started with ${leaked.join(' and ')} in its environment`);
	step('wa-worker (and so the bot hook) was started without the dashboard secrets');
	let s = await waitFor(async () => {
		const st = await probeState(ctx.dataDir);
		return ['qr', 'connected'].includes(st.state) && st;
	}, left(), 'state qr');
	if (s.state === 'qr') {
		const jid = await waitFor(() => scan(ctx), left(), 'a successful scan');
		step(`the simulated phone scanned the QR: device ${jid}`);
	}
	s = await waitFor(async () => {
		const st = await probeState(ctx.dataDir);
		return st.state === 'connected' && st;
	}, left(), 'state connected');
	step(`connected as +${s.connectedNumber} ${((Date.now() - t0) / 1000).toFixed(1)} s after start`);
	const api = await ctx.api('GET', '/api/whatsapp/state');
	if (api.body?.connectionState?.state !== 'connected')
		throw new Error(`GET /api/whatsapp/state says ${api.text}`);
	step('GET /api/whatsapp/state agrees (bearer token)');
	if (!ctx.hook) {
		step('wa-worker has no --hook-cmd yet: echo round trip skipped');
		return;
	}
	const text = `ping ${crypto.randomBytes(4).toString('hex')}`;
	const reply = await sendAsContact(ctx, text);
	if (!reply.includes(text))
		throw new Error(`the bot answered "${reply}", expected an echo of "${text}"`);
	step(`echo round trip: +${CONTACT} sent "${text}", the bot answered "${reply}"`);
}

function menuText(ctx) {
	return [
		'keys:  Enter  scan the QR with the simulated phone (+' + BOT_PHONE + ')',
		ctx.hook ? `       m      send a message to the bot as the contact +${CONTACT}` : null,
		'       s      show the state        n  ask for a new QR (when paused)',
		'       d      drop the connection   u  unlink the device on the phone (LOGOUT)',
		'       q      quit',
	].filter(Boolean).join('\n');
}

async function interactive(ctx) {
	const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
	let asking = null;
	const ask = (q) => new Promise((r) => { asking = r; rl.setPrompt(q); rl.prompt(); });
	console.log(menuText(ctx));
	rl.setPrompt('');
	const dev = async () => (await ctx.sim.api('GET', '/sim/devices')).body
	    ?.find((d) => d.phone === BOT_PHONE);
	rl.on('line', async (line) => {
		if (asking) {
			const r = asking;
			asking = null;
			rl.setPrompt('');
			return r(line);
		}
		const k = line.trim().toLowerCase();
		try {
			if (k === '') {
				say(`phone: scanned, this device is ${await scan(ctx)}`);
			} else if (k === 'm' && ctx.hook) {
				const text = (await ask(`message from +${CONTACT}> `)).trim() || 'hello bot';
				say(`+${CONTACT} -> bot: ${text}`);
				say(`bot -> +${CONTACT}: ${await sendAsContact(ctx, text)}`);
			} else if (k === 's') {
				const r = await probe(ctx.dataDir, 'state');
				say(`${r.stdout || r.stderr} (wa-probe exit ${r.code})`);
			} else if (k === 'n') {
				const r = await probe(ctx.dataDir, 'new-qr');
				say(r.stdout || r.stderr || `new-qr exit ${r.code}`);
			} else if (k === 'd' || k === 'u') {
				const d = await dev();
				if (!d)
					throw new Error('no linked device yet: scan the QR first');
				const r = k === 'd'
				    ? await ctx.sim.api('POST', '/sim/inject', { jid: d.jid, fault: 'drop' })
				    : await ctx.sim.api('POST', '/sim/phone/unlink', { jid: d.jid });
				say(r.status === 200 ? (k === 'd' ? 'dropped the TCP connection'
				    : 'the phone removed this device') : `simulator: ${r.status} ${r.text}`);
			} else if (k === 'q') {
				process.kill(process.pid, 'SIGINT');
			} else {
				console.log(menuText(ctx));
			}
		} catch (e) {
			say(`!! ${e.message}`);
		}
	});
	// in raw mode Ctrl-C arrives as a key, not a signal
	rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
	rl.on('close', () => process.kill(process.pid, 'SIGINT'));
}

async function main() {
	const o = parseArgs(process.argv.slice(2));
	let ctx = null, code = 0;
	const finish = async (c) => {
		if (stopping)
			return;
		await stopAll();
		if (tempData)
			fs.rmSync(tempData, { recursive: true, force: true });
		process.exit(c);
	};
	process.on('SIGINT', () => finish(0));
	process.on('SIGTERM', () => finish(0));
	process.on('SIGHUP', () => finish(0));
	// a bug here must not leave the worker running unsupervised
	for (const ev of ['uncaughtException', 'unhandledRejection'])
		process.on(ev, (e) => { say(`!! ${e?.stack || e}`); finish(1); });
	try {
		ctx = await setUp(o);
	} catch (e) {
		say(`!! ${e.message}`);
		return finish(1);
	}
	// a process that dies on its own ends the run: nothing restarts it here
	for (const c of children)
		c.exit.then(() => { if (!stopping) finish(1); });

	if (o.check) {
		try {
			await runCheck(ctx);
			say('check: passed');
		} catch (e) {
			say(`check: FAILED: ${e.message}`);
			for (const f of Object.values(ctx.logs)) {
				if (!fs.existsSync(f))
					continue;
				console.log(`--- last lines of ${f}`);
				console.log(fs.readFileSync(f, 'utf8').split('\n').slice(-25).join('\n'));
			}
			code = 1;
		}
		return finish(code);
	}

	const mode = o.mode === 'demo' ? 'demo: simulated WhatsApp' :
	    o.offline ? 'offline: simulated WhatsApp, not the real one' : 'real WhatsApp';
	const extra = [];
	if (o.offline)
		extra.push(`  data        ${ctx.dataDir} (worker and simulator state)`);
	if (ctx.logs.worker)
		extra.push(`  logs        ${ctx.logs.worker}, ${ctx.logs.control}, ${ctx.logs.sim}`);
	if (!o.offline)
		extra.push('  pair        scan the QR (on this terminal or the dashboard) with WhatsApp:',
		    '              Settings > Linked devices > Link a device',
		    '              or, without a camera: type the phone number here (with its',
		    '              country code) and Enter, then type the code shown on the phone',
		    '              under Link with phone number instead');
	banner({ url: ctx.control.url, login: loginText(ctx.env, ctx.control.generated, ctx.dataDir, o.mode === 'demo'),
	    mode, dataDir: shortPath(ctx.dataDir), extra });
	if (o.offline) {
		if (o.mode === 'demo')
			watchState(ctx.dataDir, (s) => say(describe(s)));
		if (process.stdin.isTTY)
			interactive(ctx);
	} else if (process.stdin.isTTY) {
		offerPairCode(ctx);
	}
}

// Real WhatsApp on a terminal: a phone number typed here asks the worker for
// a pairing code (wa-probe pair-code), for an owner who cannot scan a QR.
function offerPairCode(ctx) {
	const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
	rl.on('line', async (line) => {
		const number = line.trim();
		if (!number)
			return;
		if (!/^\+?[0-9 ().-]+$/.test(number))
			return say('pair: type the phone number with its country code, e.g. +49 170 1234567');
		say(`pair: asking WhatsApp for a pairing code for ${number} ...`);
		const r = await probe(ctx.dataDir, 'pair-code', number);
		say(r.code === 0 ? `pair: on the phone, WhatsApp > Settings > Linked devices > Link a device > ` +
		    `Link with phone number instead, and type:\n\n        ${r.stdout.split('\n')[0]}\n`
		    : `pair: ${r.stdout || r.stderr} (wa-probe exit ${r.code})`);
	});
	rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
	rl.on('close', () => process.kill(process.pid, 'SIGINT'));
}

main();
