// No stall (issue 12): the worker's loop never waits on a hook, on DNS or
// on disk. One paired worker (release build, the binary that ships) runs
// with the slowio shim preloaded (tests/support/slowio_shim.c, switched
// at run time through its control file) while, one after the other:
//   - a whitelisted contact sends 1 MiB of control characters (the
//     simulator's `repeat`: a modified client's text); the worker refuses
//     texts past 256 KiB (MSG_TEXT_MAX), so it is refused, not stalled on;
//   - ... and 200,000 of them, which the worker takes: 1.2 MB of JSON for
//     the hook, far past what a pipe holds;
//   - the hook never reads its input (and answers after 2 s),
//   - the hook floods its output (killed past 16 MiB),
//   - the link restarts and the resolver answers 5 s late,
//   - every fsync takes 200 ms while periodic backups run,
//   - every fsync takes 200 ms while messages arrive and are answered
//     (Signal session and journal writes: the loop must leave them to a
//     writer),
//   - every fsync takes 200 ms while a privacy token arrives, the contact
//     moves to LID addressing (a new LID mapping from sender_pn), the
//     server's prekeys run out (an upload of 50: key files, then the
//     credentials naming their ids) and a mangled message is asked for
//     twice (the second retry receipt carries a fresh prekey), and a
//     whitelist number is added and removed over IPC (each answered and
//     announced once in the file): the shim
//     counts the syncs made on the worker's main thread (its event
//     loop), which must make none for any of them, nor while pairing
//     and logging in (the credentials saved before the pair-success
//     reply, the first upload). Every loop sync of the run is listed
//     in the diagnostics (only the start's remain).
// Throughout, wa-probe (release) asks the worker's state every 150 ms and
// `wa-probe watch` records the keepalive's heartbeats. Each phase asserts
// that every probe answered (a stalled loop leaves it to its 2 s timeout,
// exit 3), the median within PROBE_MAX_MS and none past PROBE_STALL_MS
// (each sample includes starting wa-probe on a shared 2-core machine),
// and that the keepalive kept its period while the link was up (the gaps
// between the worker's pings, each heartbeat's arrival less its rtt: a
// simulator busy encrypting 1 MiB answers late, the worker still pinged
// on time). Figures go
// to the test's diagnostics. tests/unit/test_hook_run.c also drives
// hook.c with 1 MiB of control characters (6 MiB of JSON).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, startSim, startWorker, tmpDir, waitState, scanQr, waitFor,
    ipcCall, LINK_UP } from './helpers.js';

const RELEASE = process.env.WALINK_RELEASE_BUILD || path.join(REPO, 'build');
const WORKER = path.join(RELEASE, 'session-worker', 'wa-worker');
const PROBE = path.join(RELEASE, 'shared', 'wa-probe');
const SHIM = path.join(RELEASE, 'tests', 'libwalink_slowio.so');
const HEARTBEAT_MS = 500;
// A frozen loop answers never; a busy 2-core test machine, in tens of ms.
const PROBE_MAX_MS = 100;	// the median
const PROBE_STALL_MS = 600;	// any one: a loop that waited on a sync or on DNS passes it
const PROBES_MIN = 12;		// per phase
const GAP_MAX_MS = HEARTBEAT_MS * 2;
const PHONE = '15550009001';
const CONTACT = '4915112349001';

let sim, w, dir, ctl, modeFile, sampler, watcher, counts, loopLog, qrLog, readyLog;
const whitelistEvents = [];	// {ev, file}: the watcher's, as they came

function setShim(s) {
	fs.writeFileSync(ctl, s);
}

function setMode(m) {
	fs.writeFileSync(modeFile, m);
}

// wa-probe state, timed; resolves {ms, code}.
function probeOnce() {
	return new Promise((resolve) => {
		const t0 = process.hrtime.bigint();
		execFile(PROBE, ['--ipc', w.ipc, '--timeout', '2', '--json', 'state'],
		    { timeout: 10000 }, (err, stdout) => {
			let state = null;
			try {
				state = JSON.parse(stdout).state;
			} catch {
				// no answer: state stays null
			}
			resolve({ at: Date.now(), ms: Number(process.hrtime.bigint() - t0) / 1e6,
			    code: err ? (err.code ?? 99) : 0, state });
		});
	});
}

// Probes one after another, 150 ms apart, until stopped.
function startSampler() {
	const s = { samples: [], running: true };
	s.done = (async () => {
		while (s.running) {
			s.samples.push(await probeOnce());
			await new Promise((r) => setTimeout(r, 150));
		}
	})();
	return s;
}

// Heartbeat events (one per keepalive answer): their arrival times, and
// when the worker sent each ping (arrival less its round trip): the
// keepalive's own period, whatever delays the simulator's pong.
function startWatcher() {
	const beats = [], pings = [];
	const c = spawn(PROBE, ['--data', dir, '--json', 'watch'], { stdio: ['ignore', 'pipe', 'ignore'] });
	let buf = '';
	c.stdout.on('data', (d) => {
		buf += d;
		let i;
		while ((i = buf.indexOf('\n')) >= 0) {
			const line = buf.slice(0, i);
			buf = buf.slice(i + 1);
			// a whitelist event: is its change already in the file as it arrives?
			if (line.includes('"whitelist"') && line.includes('"added"')) {
				const wl = fs.readFileSync(path.join(dir, 'media-auth-config.json'), 'utf8');
				whitelistEvents.push({ ev: JSON.parse(line), file: JSON.parse(wl) });
			}
			if (line.includes('"heartbeat"')) {
				const now = Date.now();
				const rtt = Number(/"rttMs":\s*(\d+)/.exec(line)?.[1] ?? 0);
				beats.push(now);
				pings.push(now - rtt);
			}
		}
	});
	return { beats, pings, stop: () => c.kill('SIGTERM') };
}

function pct(v, p) {
	const s = [...v].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}

/**
 * Runs body, then checks the probes and heartbeats seen meanwhile.
 * linkUp: the link stays up through the phase (heartbeats expected).
 */
async function phase(t, name, body, { linkUp = true } = {}) {
	const t0 = Date.now();
	const p0 = sampler.samples.length;
	await body();
	// enough samples to judge by (the body may end in half a second)
	await waitFor(() => sampler.samples.length - p0 >= PROBES_MIN, 30000, 'probe samples');
	const t1 = Date.now();
	const probes = sampler.samples.slice(p0);
	const ms = probes.map((p) => p.ms);
	const inPhase = watcher.beats.map((b, i) => b >= t0 && b <= t1);
	const beats = watcher.beats.filter((_, i) => inPhase[i]);
	const pings = watcher.pings.filter((_, i) => inPhase[i]);
	const gaps = pings.slice(1).map((p, i) => p - pings[i]);
	const pongGaps = beats.slice(1).map((b, i) => b - beats[i]);
	t.diagnostic(`${name}: ${probes.length} probes p50 ${pct(ms, 0.5).toFixed(1)} ms, ` +
	    `p95 ${pct(ms, 0.95).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms; ` +
	    `${beats.length} heartbeats, largest gap between pings ${gaps.length ? Math.max(...gaps) : '-'} ms ` +
	    `(between pongs ${pongGaps.length ? Math.max(...pongGaps) : '-'} ms) ` +
	    `(period ${HEARTBEAT_MS} ms) over ${t1 - t0} ms`);
	assert.deepEqual(probes.filter((p) => p.code !== 0 && p.code !== 1), [],
	    `${name}: every probe got an answer`);
	assert.ok(pct(ms, 0.5) <= PROBE_MAX_MS && Math.max(...ms) < PROBE_STALL_MS,
	    `${name}: probes answered (median within ${PROBE_MAX_MS} ms, none past ` +
	    `${PROBE_STALL_MS} ms): ${ms.map((x) => x.toFixed(0)).join(' ')}`);
	if (linkUp) {
		assert.ok(beats.length >= Math.floor((t1 - t0) / HEARTBEAT_MS) - 2,
		    `${name}: heartbeats kept coming (${beats.length} in ${t1 - t0} ms)`);
		assert.ok(gaps.every((g) => g < GAP_MAX_MS), `${name}: gaps between pings ${gaps.join(' ')}`);
	}
}

async function send(text) {
	const r = await sim.api('POST', `/sim/contacts/${CONTACT}/send`,
	    { to: `${PHONE}@s.whatsapp.net`, text });
	assert.equal(r.status, 200, r.text);
}

async function inbox() {
	return (await sim.api('GET', `/sim/contacts/${CONTACT}/inbox`)).body;
}

async function waitReply(n, ms = 20000) {
	return waitFor(async () => {
		const box = await inbox();
		return box.length >= n ? box : null;
	}, ms, `${n} replies`).catch((e) => {
		e.message += `\n--- worker output ---\n${w.output().slice(-4000)}`;
		throw e;
	});
}

before(async () => {
	assert.ok(fs.existsSync(WORKER) && fs.existsSync(SHIM) && fs.existsSync(PROBE),
	    `release build with the shim in ${RELEASE}`);
	sim = await startSim();
	dir = tmpDir('walink-nostall-');
	ctl = path.join(dir, 'shim.ctl');
	modeFile = path.join(dir, 'hook.mode');
	counts = path.join(dir, 'shim.counts');
	loopLog = path.join(dir, 'shim.loop-syncs');
	setShim('');
	setMode('read');
	// The hook picks its behaviour from a file, since one mode never reads
	// the message: read (answers with the size of its input), noread
	// (answers after 2 s, input unread), flood (writes without end).
	const hook = path.join(dir, 'hook.sh');
	fs.writeFileSync(hook, [
		'#!/bin/sh',
		`mode=$(cat '${modeFile}')`,
		'case "$mode" in',
		'noread) sleep 2; echo unread ;;',
		'flood) cat >/dev/null; exec yes flood ;;',
		'*) wc -c | tr -d " " ;;',
		'esac',
	].join('\n') + '\n', { mode: 0o700 });
	fs.writeFileSync(path.join(dir, 'media-auth-config.json'), JSON.stringify([CONTACT]));
	const r = await sim.api('POST', '/sim/contacts', { phone: CONTACT });
	assert.equal(r.status, 200, r.text);
	const url = sim.url.replace('127.0.0.1', 'localhost');	// a name to resolve
	w = await startWorker(sim, {
		dataDir: dir, bin: WORKER,
		extra: { '--url': url, '--hook-cmd': hook, '--hook-timeout': '20s',
		    '--backup-interval': '1s', '--backups-keep': '3',
		    '--heartbeat': `${HEARTBEAT_MS}ms`, '--keepalive-misses': '20' },
		env: { LD_PRELOAD: SHIM, WALINK_SHIM_CTL: ctl, WALINK_SHIM_COUNT_FILE: counts,
		    WALINK_SHIM_LOOP_LOG: loopLog },
	});
	await waitState(w, 'qr');
	qrLog = fs.existsSync(loopLog) ? fs.statSync(loopLog).size : 0;
	await scanQr(sim, w, PHONE);
	await waitState(w, LINK_UP, 15000);
	readyLog = fs.existsSync(loopLog) ? fs.statSync(loopLog).size : 0;
	watcher = startWatcher();
	sampler = startSampler();
	await waitFor(() => watcher.beats.length >= 2, 5000, 'heartbeats');
});

after(async () => {
	if (sampler) {
		sampler.running = false;
		await sampler.done;
	}
	watcher?.stop();
	await w?.stop();
	await sim?.stop();
});

const CONTROL = 200000;	// under MSG_TEXT_MAX (256 KiB): taken, 1.2 MB of JSON
const MIB = 1 << 20;

async function sendRepeated(ch, n) {
	const r = await sim.api('POST', `/sim/contacts/${CONTACT}/send`,
	    { to: `${PHONE}@s.whatsapp.net`, text: ch, repeat: n });
	assert.equal(r.status, 200, r.text);
	return r.body.id;
}

test('1 MiB of control characters from a whitelisted sender: refused, the loop never waits', async (t) => {
	setMode('read');
	await phase(t, '1 MiB control text', async () => {
		const id = await sendRepeated('\u0001', MIB);
		// the worker acks what it is done with: the simulator's queue empties
		await waitFor(async () => (await sim.api('GET', '/sim/devices')).body
		    .every((d) => d.queued === 0) && w.output().includes(id), 20000,
		    'the 1 MiB text handled');
		await send('after 1 MiB');
		const box = await waitReply(1);
		assert.equal(box.length, 1, 'no reply to the 1 MiB text, one to the next');
		assert.ok(Number(box[0].text) < 1000, `the hook read ${box[0].text} bytes`);
	});
});

test('a text of 200,000 control characters: the hook gets it whole, the loop never waits', async (t) => {
	setMode('read');
	await phase(t, 'control text', async () => {
		await sendRepeated('\u0001', CONTROL);
		const box = await waitReply(2);
		// each \u0001 escapes to six bytes of JSON
		assert.ok(Number(box[1].text) > CONTROL * 6, `the hook read ${box[1].text} bytes`);
	});
});

test('a hook that never reads its input: answered, the loop never waits', async (t) => {
	setMode('noread');
	await phase(t, 'unread input', async () => {
		await sendRepeated('\u0002', CONTROL);
		const box = await waitReply(3);
		assert.equal(box[2].text, 'unread');
	});
});

test('a hook flooding its output: killed past 16 MiB, the loop never waits', async (t) => {
	setMode('flood');
	await phase(t, 'flooding hook', async () => {
		await send('flood me');
		await waitFor(() => /wrote more than 16777216 bytes; killed/.test(w.output()), 20000,
		    'the flood stopped');
		setMode('read');
		await send('after the flood');
		const box = await waitReply(4);
		assert.equal(box.length, 4, 'no reply for the flood, one for the next');
	});
});

test('a resolver answering 5 s late: the worker answers while it waits, then reconnects', async (t) => {
	setShim('dns_delay_ms=5000');
	try {
		await phase(t, 'late resolver', async () => {
			const t0 = Date.now();
			const p0 = sampler.samples.length;
			assert.ok((await ipcCall(w, { restart: {} }))?.done);
			// the sampler's own probes tell the states: no second prober
			const seen = (want) => sampler.samples.slice(p0).findIndex((p) => want(p.state));
			await waitFor(() => seen((s) => s && !LINK_UP.includes(s)) >= 0, 5000, 'the restart');
			await waitFor(() => {
				const down = seen((s) => s && !LINK_UP.includes(s));
				return sampler.samples.slice(p0 + down).some((p) => LINK_UP.includes(p.state));
			}, 20000, 'the link up again');
			assert.ok(Date.now() - t0 >= 4500, `reconnected after ${Date.now() - t0} ms`);
		}, { linkUp: false });
	} finally {
		setShim('');
	}
	// and the link works again: heartbeats and a reply
	const n = watcher.beats.length;
	await waitFor(() => watcher.beats.length >= n + 2, 5000, 'heartbeats again');
	setMode('read');
	await send('after the late resolver');
	await waitReply(5);
});

test('a disk whose fsync takes 200 ms: periodic backups run, the loop never waits', async (t) => {
	const backups = path.join(dir, 'whatsapp-session', 'backups');
	const snapshots = () => fs.readdirSync(backups).filter((n) => n.startsWith('session-')).sort();
	setShim('fsync_delay_ms=200');
	try {
		await phase(t, 'slow fsync', async () => {
			const before = snapshots().at(-1) ?? '';
			// two whole snapshots made at 200 ms a sync
			await waitFor(() => snapshots().filter((n) => n > before).length >= 2, 20000,
			    'two backups on the slow disk');
		});
	} finally {
		setShim('');
	}
});

test('a disk whose fsync takes 200 ms: messages are received and answered, the loop never waits', async (t) => {
	setMode('read');
	setShim('fsync_delay_ms=200');
	try {
		await phase(t, 'slow fsync, messages', async () => {
			for (let i = 0; i < 3; i++)
				await send(`on a slow disk ${i}`);
			await waitReply(8, 30000);
		});
	} finally {
		setShim('');
	}
});

// The shim's count of syncs made on the worker's main thread (slowio_shim.c:
// the sixth little-endian uint64 of WALINK_SHIM_COUNT_FILE), and the paths
// it logged for them since `from` (bytes of WALINK_SHIM_LOOP_LOG).
function loopSyncs() {
	const b = fs.readFileSync(counts);
	return Number(b.readBigUInt64LE(40));
}

function loopPaths(from) {
	const all = fs.existsSync(loopLog) ? fs.readFileSync(loopLog) : Buffer.alloc(0);
	return { end: all.length, paths: all.subarray(from).toString().split('\n').filter(Boolean) };
}

// A whitelist edit over IPC (the control plane's add and remove) with the
// slow fsync on: saved by the store writer, not on the loop; the reply
// and the WhitelistChanged event come once the file holds the change.
// Not a phase(): a probe asking meanwhile waits for the reply owed (the
// REP alternates), by design; the keepalive must not wait, and the loop
// must not spin on the request fd that stays readable meanwhile.
async function whitelistEdits(t) {
	const NUM = '4915112349077';
	const file = path.join(dir, 'media-auth-config.json');
	const onDisk = () => JSON.parse(fs.readFileSync(file, 'utf8'));
	const n0 = loopSyncs(), log0 = loopPaths(0).end, ev0 = whitelistEvents.length;
	// the worker's CPU time (utime + stime, in ticks of 10 ms): a loop
	// polling a request fd it may not read would spin through each save
	const cpu = () => fs.readFileSync(`/proc/${w.child.pid}/stat`, 'utf8')
	    .split(') ')[1].split(' ').slice(11, 13).reduce((x, y) => x + Number(y) * 10, 0);
	const cpu0 = cpu();
	const t0 = Date.now();
	const a0 = Date.now();
	let r = await ipcCall(w, { whitelistAdd: NUM });
	const addMs = Date.now() - a0;
	assert.equal(r.error, undefined, `add: ${JSON.stringify(r.error)}`);
	assert.ok(onDisk().includes(NUM), 'the number is in the file when the add is answered');
	r = await ipcCall(w, { checkNumber: NUM });
	assert.equal(r.check.allowed, true, 'the worker serves it once saved');
	const r0 = Date.now();
	r = await ipcCall(w, { whitelistRemove: NUM });
	const removeMs = Date.now() - r0;
	assert.equal(r.error, undefined, `remove: ${JSON.stringify(r.error)}`);
	assert.ok(!onDisk().includes(NUM), 'the number is gone from the file when the remove is answered');
	assert.deepEqual(onDisk(), [CONTACT], 'the file is the list again');
	await waitFor(() => whitelistEvents.length - ev0 >= 2, 5000, 'the two whitelist events');
	const [added, removed] = whitelistEvents.slice(ev0);
	assert.deepEqual(added.ev.added, [NUM], 'the add announced');
	assert.ok(added.file.includes(NUM), 'the add announced once in the file');
	assert.deepEqual(removed.ev.removed, [NUM], 'the remove announced');
	assert.ok(!removed.file.includes(NUM), 'the remove announced once out of the file');
	const t1 = Date.now();
	const pings = watcher.pings.filter((p) => p >= t0 && p <= t1);
	const gaps = pings.slice(1).map((p, i) => p - pings[i]);
	const got = loopPaths(log0);
	t.diagnostic(`whitelist add answered in ${addMs} ms, remove in ${removeMs} ms (fsync 200 ms); ` +
	    `worker CPU ${cpu() - cpu0} ms over ${t1 - t0} ms; ` +
	    `largest gap between pings ${gaps.length ? Math.max(...gaps) : '-'} ms; ` +
	    `syncs on the loop thread: ${loopSyncs() - n0} ${got.paths.join(' ')}`);
	assert.ok(gaps.every((g) => g < GAP_MAX_MS), `whitelist edits: gaps between pings ${gaps.join(' ')}`);
	assert.equal(loopSyncs() - n0, 0, `no sync on the loop thread: ${got.paths.join(' ')}`);
	// idle it takes ~10 ms here; spinning on the fd, most of the time
	assert.ok(cpu() - cpu0 < (t1 - t0) / 4, `the worker idles while a save is under way: ` +
	    `${cpu() - cpu0} ms of CPU in ${t1 - t0} ms`);
}

test('a disk whose fsync takes 200 ms: a privacy token, a new LID mapping, a prekey upload, a retry receipt with keys and a whitelist add and remove over IPC leave the loop; so did the pairing', async (t) => {
	setMode('read');
	const me = (await sim.api('GET', '/sim/devices')).body.find((d) => d.phone === PHONE);
	assert.ok(me, 'the worker\'s device');
	setShim('fsync_delay_ms=200');
	try {
		await phase(t, 'slow fsync, token and LID', async () => {
			const n0 = loopSyncs(), log0 = loopPaths(0).end, out0 = w.output().length;
			let r = await sim.api('POST', `/sim/contacts/${CONTACT}/token`, {});
			assert.equal(r.status, 200, r.text);
			await waitFor(() => /privacy token from \S+ stored/.test(w.output().slice(out0)), 10000,
			    'the token stored');
			r = await sim.api('POST', '/sim/contacts', { phone: CONTACT, lid: true });
			assert.equal(r.status, 200, r.text);
			const box = (await inbox()).length;
			await send('from my LID');
			await waitReply(box + 1, 30000);
			assert.match(w.output().slice(out0), /LID \d+ is \d+ \(saved\)/, 'a new mapping learnt');
			const got = loopPaths(log0);
			t.diagnostic(`syncs on the loop thread: ${loopSyncs() - n0} ${got.paths.join(' ')}`);
			assert.equal(loopSyncs() - n0, 0, `no sync on the loop thread: ${got.paths.join(' ')}`);
		});
		await phase(t, 'slow fsync, prekey upload', async () => {
			const n0 = loopSyncs(), log0 = loopPaths(0).end, out0 = w.output().length;
			const r = await sim.api('POST', '/sim/devices/prekeys-drain', { jid: me.jid, keep: 2 });
			assert.equal(r.status, 200, r.text);
			await waitFor(async () => (await sim.api('GET', '/sim/devices')).body
			    .find((d) => d.jid === me.jid)?.prekeys >= 50, 30000, 'the prekeys uploaded');
			assert.match(w.output().slice(out0), /uploading 50 prekeys/);
			const got = loopPaths(log0);
			t.diagnostic(`syncs on the loop thread: ${loopSyncs() - n0} ${got.paths.join(' ')}`);
			// 50 keys made two syncs each on the loop before, and the
			// credentials (next id, then the upload's mark) one atomic
			// replace each: all of them are the store writer's now
			assert.equal(loopSyncs() - n0, 0, `no sync on the loop thread: ${got.paths.join(' ')}`);
		});
		await phase(t, 'slow fsync, retry receipt with keys', async () => {
			const n0 = loopSyncs(), log0 = loopPaths(0).end;
			const box = (await inbox()).length;
			// two mangled copies: the second retry receipt carries a
			// spare prekey, made and saved beside the loop beforehand
			const r = await sim.api('POST', `/sim/contacts/${CONTACT}/send`,
			    { to: `${PHONE}@s.whatsapp.net`, text: 'mangled twice', corrupt: 2 });
			assert.equal(r.status, 200, r.text);
			await waitReply(box + 1, 30000);
			const receipts = (await sim.api('GET', `/sim/contacts/${CONTACT}/receipts`)).body
			    .filter((x) => x.id === r.body.id && x.type === 'retry');
			assert.deepEqual(receipts.map((x) => x.keys), [false, true], 'the second retry receipt carries keys');
			const got = loopPaths(log0);
			t.diagnostic(`syncs on the loop thread: ${loopSyncs() - n0} ${got.paths.join(' ')}`);
			assert.equal(loopSyncs() - n0, 0, `no sync on the loop thread: ${got.paths.join(' ')}`);
		});
		await whitelistEdits(t);
		// every sync the loop made, for the record: at start (before the
		// first QR), while pairing and logging in, and after the link came
		// up (this file's whole run)
		const tally = (paths) => {
			const by = {};
			for (const p of paths)
				by[p.replace(/\.tmp-[0-9-]+$/, '.tmp-*')] = (by[p.replace(/\.tmp-[0-9-]+$/, '.tmp-*')] || 0) + 1;
			return JSON.stringify(by);
		};
		const all = loopPaths(0).paths;
		const atStart = all.length - loopPaths(qrLog).paths.length;
		const before = all.length - loopPaths(readyLog).paths.length;
		t.diagnostic(`syncs on the loop thread at start: ${atStart} ` +
		    tally(all.slice(0, atStart)));
		t.diagnostic(`syncs on the loop thread while pairing and logging in: ${before - atStart} ` +
		    tally(all.slice(atStart, before)));
		t.diagnostic(`syncs on the loop thread since the link came up: ${all.length - before} ` +
		    tally(all.slice(before)));
		// the pairing's credentials (and the login's, the first upload's)
		// went through the store writer too
		assert.equal(before - atStart, 0, `no sync on the loop thread while pairing: ${all.slice(atStart, before).join(' ')}`);
	} finally {
		setShim('');
	}
});
