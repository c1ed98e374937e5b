// messages-burst.js: inbound message load on the release wa-worker and on
// an unmodified Baileys 7 client, same simulator, same run, same work:
//   - a burst of N texts from CONTACTS contacts (taking turns), encrypted
//     by the simulator before the first is delivered, then delivered back
//     to back (POST /sim/contacts/burst). Both sides run the same bot hook
//     (/bin/sh, appends the message id to a file) at most 4 at once; the
//     finish line is the hook having seen every id. A side whose hook
//     stops short (a worker without a journal drops what its hook queue
//     cannot hold) is cut off after IDLE_MS without a new id, and the
//     figure says how many of N it saw;
//   - syncs per message at that rate: fsync, fdatasync, syncfs and
//     sync_file_range calls of the whole worker process during the burst,
//     counted by the slowio LD_PRELOAD shim (WALINK_SHIM_COUNT_FILE) and
//     divided by the messages the worker receipted;
//   - keepalive RTT during the burst: the worker's own ping -> pong round
//     trips ("heartbeat: ... rtt=Nms" log lines) at a 250 ms heartbeat;
//   - memory (VmHWM, and PSS from smaps_rollup) once SESSIONS more
//     contacts have each sent one message (one Signal session each),
//     waiting on the simulator's receipt count.
// Prints markdown rows for scripts/bench (bench-table.mjs); never asserts.
// Usage: node tests/bench/messages-burst.js [N] [CONTACTS] [SESSIONS]
import fs from 'node:fs';
import path from 'node:path';
import { startSim } from '../support/sim.js';
import { REPO, RELEASE_BUILD, startProcess, requireFile } from '../support/proc.js';
import { startWorker, waitState, scanQr } from '../support/worker.js';
import { tmpDir, sleep } from '../support/wait.js';
import { procMem } from '../support/procmem.js';

const WORKER = path.join(RELEASE_BUILD, 'session-worker', 'wa-worker');
const SHIM = path.join(RELEASE_BUILD, 'tests', 'libwalink_slowio.so');
const BAILEYS = path.join(REPO, 'tests', 'bench', 'baileys-client-bench.js');

const N = Number(process.argv[2] || 10000);
const CONTACTS = Number(process.argv[3] || 10);
const SESSIONS = Number(process.argv[4] || 1000);
const HEARTBEAT_MS = 250;
const IDLE_MS = 10000;
const HOOK_MAX = 4;
const PHONE_W = '15550008001', PHONE_B = '15550008002';
const BURSTERS = '15551000000', SESSIONERS = '15552000000';

const log = (s) => process.stderr.write(`messages-burst: ${s}\n`);

/** A hook appending each message id to file: the finish line of both sides. */
function hookFor(file) {
	// the worker's JSON has no final newline, and sed keeps that
	return `printf '%s\\n' "$(sed -n 's/.*"id":"\\([^"]*\\)".*/\\1/p')" >> '${file}'`;
}

function idsIn(file) {
	try {
		return new Set(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).size;
	} catch {
		return 0;
	}
}

/**
 * Polls the hook's ids (file) and the simulator's receipt count together
 * until both reach their targets or IDLE_MS pass without news; resolves
 * {ids, idsAt, receipts, receiptsAt} (the at: wall ms of the last change).
 */
async function waitBoth(sim, file, wantIds, wantReceipts, what) {
	const receiptsNow = async () => (await sim.api('GET', '/sim/stats')).body.receipts;
	const r = { ids: idsIn(file), idsAt: Date.now(), receipts: await receiptsNow(),
		receiptsAt: Date.now() };
	let last = Date.now();
	while ((r.ids < wantIds || r.receipts < wantReceipts) && Date.now() - last < IDLE_MS) {
		await sleep(20);
		const ids = idsIn(file), rec = await receiptsNow(), now = Date.now();
		if (ids !== r.ids)
			Object.assign(r, { ids, idsAt: now });
		if (rec !== r.receipts)
			Object.assign(r, { receipts: rec, receiptsAt: now });
		if (ids !== r.ids || rec !== r.receipts || now - Math.max(r.idsAt, r.receiptsAt) < 20)
			last = Math.max(r.idsAt, r.receiptsAt);
	}
	if (r.ids < wantIds || r.receipts < wantReceipts)
		log(`${what}: hook ${r.ids} of ${wantIds} ids, ${r.receipts} of ${wantReceipts} ` +
		    `receipts, nothing new for ${IDLE_MS} ms`);
	return r;
}

function syncs(file) {
	try {
		const b = fs.readFileSync(file);
		return [0, 8, 16, 24].map((o) => Number(b.readBigUInt64LE(o)));
	} catch {
		return [0, 0, 0, 0];
	}
}

function pct(v, p) {
	const s = [...v].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}

async function burst(sim, body) {
	const r = await sim.api('POST', '/sim/contacts/burst', body, { timeoutMs: 600000 });
	if (r.status !== 200)
		throw new Error(`burst: ${r.status} ${r.text}`);
	return r.body;
}

/**
 * One side's run once it is linked and ready: warm-up (one message per
 * burst contact: sessions start), the burst, then the session load.
 */
async function drive(sim, phone, hookFile, pid, onBurst = {}) {
	const to = `${phone}@s.whatsapp.net`;
	let receipts = (await sim.api('GET', '/sim/stats')).body.receipts;
	await burst(sim, { first: BURSTERS, count: CONTACTS, to, text: 'warm-up' });
	receipts = (await waitBoth(sim, hookFile, CONTACTS, receipts + CONTACTS, `${phone} warm-up`)).receipts;

	onBurst.before?.();
	const base = idsIn(hookFile);
	const b = await burst(sim, { first: BURSTERS, count: CONTACTS, to,
	    perContact: Math.ceil(N / CONTACTS), text: 'burst' });
	const done = await waitBoth(sim, hookFile, base + b.messages, receipts + b.messages,
	    `${phone} burst`);
	const after = onBurst.after?.();
	const r = { messages: b.messages, seen: done.ids - base, ms: done.idsAt - b.deliveredAt,
		receipted: done.receipts - receipts, receiptMs: done.receiptsAt - b.deliveredAt, after };
	receipts = done.receipts;
	log(`${phone}: ${b.messages} messages encrypted in ${b.encryptMs} ms; hook saw ${r.seen} ` +
	    `in ${r.ms} ms; ${r.receipted} receipted in ${r.receiptMs} ms`);

	await burst(sim, { first: SESSIONERS, count: SESSIONS, to, text: 'hello' });
	await waitBoth(sim, hookFile, 0, receipts + SESSIONS, `${phone} sessions`);
	return { ...r, mem: procMem(pid) };
}

async function walink(sim, root) {
	const dataDir = tmpDir('mburst-worker-');
	const hookFile = path.join(dataDir, 'hook-ids');
	const counts = path.join(dataDir, 'sync-counts');
	const wl = [];
	for (const [first, n] of [[BURSTERS, CONTACTS], [SESSIONERS, SESSIONS]])
		for (let i = 0; i < n; i++)
			wl.push(String(Number(first) + i));
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify(wl));
	const w = await startWorker(sim, { dataDir, bin: WORKER,
	    extra: { '--hook-cmd': hookFor(hookFile), '--hook-max': HOOK_MAX,
		'--heartbeat': `${HEARTBEAT_MS}ms`, '--keepalive-misses': '40',
		'--backup-interval': '0' },
	    env: { LD_PRELOAD: SHIM, WALINK_SHIM_COUNT_FILE: counts } });
	try {
		await waitState(w, 'qr');
		await scanQr(sim, w, PHONE_W);
		await waitState(w, 'connected', 20000);
		let s0, out0, t0;
		const r = await drive(sim, PHONE_W, hookFile, w.child.pid, {
			before: () => {
				s0 = syncs(counts);
				out0 = w.output().length;
				t0 = Date.now();
			},
			after: () => {
				const s1 = syncs(counts);
				// "<ISO time> worker[pid] info: heartbeat: PHONE rtt=Nms ..."
				const beats = [...w.output().slice(out0).matchAll(
				    /^(\S+Z) .*heartbeat: \S+ rtt=(\d+)ms/gm)]
				    .map((m) => ({ rtt: Number(m[2]), sent: Date.parse(m[1]) - Number(m[2]) }));
				const gaps = beats.slice(1).map((b, i) => b.sent - beats[i].sent);
				return { syncs: s1.map((v, i) => v - s0[i]), rtt: beats.map((b) => b.rtt),
					gapMax: gaps.length ? Math.max(...gaps) : NaN, windowMs: Date.now() - t0 };
			},
		});
		return r;
	} finally {
		if (process.env.MBURST_WORKER_LOG)
			fs.writeFileSync(process.env.MBURST_WORKER_LOG, w.output());
		await w.stop();
	}
}

async function baileys(sim) {
	const auth = tmpDir('mburst-baileys-');
	const hookFile = path.join(auth, 'hook-ids');
	const pair = startProcess(process.execPath, [BAILEYS, 'pair', auth, sim.url], { name: 'baileys' });
	try {
		await pair.waitOutput(/^qr \S+/m, 30000);
		const qr = /^qr (\S+)/m.exec(pair.output())[1];
		const r = await sim.api('POST', '/sim/phone/scan', { qr, phone: PHONE_B });
		if (r.status !== 200)
			throw new Error(`scan: ${r.status} ${r.text}`);
		await pair.waitOutput(/^paired$/m, 30000);
		await pair.exited;
	} finally {
		await pair.stop();
	}
	const b = startProcess(process.execPath, [BAILEYS, 'recv', auth, sim.url, hookFor(hookFile),
	    String(HOOK_MAX)], { name: 'baileys' });
	try {
		await b.waitOutput(/^connected$/m, 30000);
		return await drive(sim, PHONE_B, hookFile, b.child.pid);
	} finally {
		await b.stop();
	}
}

const mb = (kb) => (kb / 1024).toFixed(1);

async function main() {
	for (const f of [WORKER, SHIM])
		requireFile(f, 'scripts/build release');
	// Room for the whole burst unacknowledged: the burst is not paced.
	const sim = await startSim({ args: ['--max-queue', String(N + SESSIONS + 1000)] });
	try {
		const root = (await sim.api('GET', '/sim/trust-root')).body.publicKey;
		for (const [first, count] of [[BURSTERS, CONTACTS], [SESSIONERS, SESSIONS]]) {
			const r = await sim.api('POST', '/sim/contacts/bulk', { first, count }, { timeoutMs: 600000 });
			if (r.status !== 200)
				throw new Error(`contacts: ${r.status} ${r.text}`);
		}
		log(`${N} messages from ${CONTACTS} contacts; ${SESSIONS} sessions`);
		const w = await walink(sim, root);
		const b = await baileys(sim);
		const rate = (x) => x.seen / (x.ms / 1000);
		const [fs_, fds, sfs, sfr] = w.after.syncs;
		const all = fs_ + fds + sfs + sfr;
		const rtt = w.after.rtt;
		console.log('| metric | walink | reference | note |');
		console.log('|---|---|---|---|');
		console.log(`| inbound burst, simulator -> bot hook (messages/s) | ${rate(w).toFixed(0)} | ` +
		    `${rate(b).toFixed(0)} (Baileys 7) | ${w.messages} texts from ${CONTACTS} contacts; ` +
		    `hook saw ${w.seen} / ${b.seen} of ${w.messages}; same sh hook, ${HOOK_MAX} at once |`);
		const rrate = (x) => x.receipted / (x.receiptMs / 1000);
		console.log(`| inbound burst, simulator -> delivery receipt (messages/s) | ${rrate(w).toFixed(0)} | ` +
		    `${rrate(b).toFixed(0)} (Baileys 7) | decrypted and receipted: ${w.receipted} / ${b.receipted}; ` +
		    `the hook not waited for |`);
		console.log(`| syncs per message during that burst | ${(all / Math.max(1, w.receipted)).toFixed(2)} | | ` +
		    `fsync ${fs_}, fdatasync ${fds}, syncfs ${sfs}, sync_file_range ${sfr} for ` +
		    `${w.receipted} receipted (LD_PRELOAD shim count) |`);
		console.log(`| keepalive RTT p99 during the burst (ms) | ${pct(rtt, 0.99)} | | ` +
		    `${rtt.length} answered pings in ${(w.after.windowMs / 1000).toFixed(0)} s at a ${HEARTBEAT_MS} ms ` +
		    `period (${Math.floor(w.after.windowMs / HEARTBEAT_MS)} due); p50 ${pct(rtt, 0.5)}, max ${Math.max(...rtt)} |`);
		console.log(`| keepalive: largest gap between pings during the burst (ms) | ${w.after.gapMax} | | ` +
		    `period ${HEARTBEAT_MS} ms: a larger gap is the loop held up (ping times: log time less rtt) |`);
		console.log(`| memory with ${SESSIONS + CONTACTS} contacts' Signal sessions, VmHWM (MB) | ` +
		    `${mb(w.mem.hwm)} | ${mb(b.mem.hwm)} (Baileys 7) | goal <= 32 MB: ` +
		    `${w.mem.hwm <= 32 * 1024 ? 'met' : 'NOT met'} |`);
		console.log(`| memory with ${SESSIONS + CONTACTS} contacts' Signal sessions, PSS (MB) | ` +
		    `${mb(w.mem.pss)} | ${mb(b.mem.pss)} (Baileys 7) | VmRSS ${mb(w.mem.rss)} / ${mb(b.mem.rss)} |`);
	} finally {
		await sim.stop();
	}
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
