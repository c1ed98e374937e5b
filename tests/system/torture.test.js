// Torture (issue 12): five contacts, some with several devices, send
// messages while the worker is SIGKILLed at random instants and
// restarted each time; some runs also kill themselves inside a journal
// write (WALINK_FAULT_LOG_KILL: half of a group commit written, then
// SIGKILL; store/store_log.c). Afterwards: the simulator holds nothing
// unacknowledged for the worker, and every message it took from a
// contact reached the hook at least once; every message got a reply;
// no message got two (a reply sent again under its own id after a
// restart is the same message: receivers drop the copy); nobody failed
// to decrypt anything.
//
// In the suite: TORTURE_MESSAGES=200, TORTURE_KILLS=8. The full size is
// scripts/torture (2 000 messages, 50 kills).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { startSim, startWorker, waitState, scanQr, tmpDir, waitFor, freePort, FAST } from '../support/harness.js';
const MESSAGES = Number(process.env.TORTURE_MESSAGES || 200);
const KILLS = Number(process.env.TORTURE_KILLS || 8);
const CONTACTS = [['4915112349001', 1], ['4915112349002', 3], ['4915112349003', 1],
    ['4915112349004', 2], ['4915112349005', 1]];

let sim, bot, botPort;
const procs = [];
const hookRuns = [];	// every message id the bot was given, in order
// The bot: --hook-url answered by this process (a hook process per
// message would have the test measure fork and node start-up instead).
before(async () => {
	sim = await startSim();
	botPort = await freePort();
	bot = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			const m = JSON.parse(body);
			hookRuns.push(m.id);
			res.end(m.text);
		});
	});
	await new Promise((res) => bot.listen(botPort, '127.0.0.1', res));
});
after(async () => {
	for (const w of procs)
		if (!w.dead)
			await w.kill9().catch(() => {});
	bot.close();
	await sim.stop();
});

/* A deterministic generator: a failing run can be repeated (TORTURE_SEED). */
function rng(seed) {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

test(`torture: ${MESSAGES} messages from 5 contacts, ${KILLS} SIGKILLs (some inside a journal write): none lost, none answered twice`, {
	timeout: Math.max(120000, MESSAGES * 400 + KILLS * 8000)
}, async (t) => {
	const seed = Number(process.env.TORTURE_SEED || Date.now() % 100000);
	const rand = rng(seed);
	t.diagnostic(`seed ${seed} (TORTURE_SEED to repeat)`);
	const deviceIds = {};	// the simulator numbers companion devices its own way
	for (const [phone, devices] of CONTACTS) {
		const r = await sim.api('POST', '/sim/contacts', { phone, devices });
		assert.equal(r.status, 200, r.text);
		deviceIds[phone] = r.body.devices.map((j) => Number(/:([0-9]+)@/.exec(j)?.[1] ?? 0));
	}
	const dataDir = tmpDir('walink-torture-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'),
	    JSON.stringify(CONTACTS.map(([p]) => p)));
	// a slower keepalive than the other tests': this one is about what a
	// kill leaves, not about a link under a loaded ASan build
	const opts = (fault) => ({ dataDir, timings: { ...FAST, '--heartbeat': '2s' },
	    extra: { '--hook-url': `http://127.0.0.1:${botPort}/bot`, '--hook-max': '8' },
	    env: fault ? { WALINK_FAULT_LOG_KILL: String(fault) } : {} });
	const start = async (fault) => {
		const p = await startWorker(sim, opts(fault));
		p.dead = false;
		p.exited.then(() => { p.dead = true; });
		procs.push(p);
		return p;
	};
	let w = await start(0);
	await waitState(w, 'qr');
	const phone = '4915112349999';
	await scanQr(sim, w, phone);
	await waitState(w, 'connected', 15000);

	// reply text -> Set of reply ids. The simulator keeps the last 1 000
	// deliveries per contact: read them as they come.
	const byText = new Map();
	const replies = async () => {
		for (const [c] of CONTACTS)
			for (const m of (await sim.api('GET', `/sim/contacts/${c}/inbox`)).body) {
				if (!byText.has(m.text))
					byText.set(m.text, new Set());
				byText.get(m.text).add(m.id);
			}
		return byText;
	};
	let collecting = true;
	const collector = (async () => {
		while (collecting) {
			await replies();
			await new Promise((res) => setTimeout(res, 500));
		}
	})();
	const sent = [];		// { id, from, text }
	let selfKills = 0;
	// The sender: a steady stream whatever state the worker is in (the
	// server queues for a worker that is down).
	const sender = (async () => {
		for (let i = 0; i < MESSAGES; i++) {
			const [from] = CONTACTS[Math.floor(rand() * CONTACTS.length)];
			const ids = deviceIds[from];
			const device = ids[Math.floor(rand() * ids.length)];
			const text = `torture ${i} from ${from}/${device}`;
			const r = await sim.api('POST', `/sim/contacts/${from}/send`,
			    { to: `${phone}@s.whatsapp.net`, text, device });
			assert.equal(r.status, 200, r.text);
			sent.push({ id: r.body.id, from, text });
			await new Promise((res) => setTimeout(res, 5 + rand() * 40));
		}
	})();
	// The killer: KILLS times, a SIGKILL at a random instant, or a run
	// that kills itself inside a journal commit; then a restart.
	const spacing = (MESSAGES * 25) / (KILLS + 1);
	for (let k = 0; k < KILLS; k++) {
		await new Promise((res) => setTimeout(res, spacing * (0.5 + rand())));
		if (!w.dead)
			await w.kill9();
		else
			selfKills++;
		const fault = k % 3 === 1 ? 2 + Math.floor(rand() * 6) : 0;
		w = await start(fault);
		// a run that kills itself early may never report "connected"
		await Promise.race([waitState(w, 'connected', 20000), w.exited]);
	}
	await sender;
	// The last run, without faults, until everything is acked and answered.
	if (!w.dead)
		await w.kill9();
	else
		selfKills++;
	w = await start(0);
	await waitState(w, 'connected', 20000);
	const hookIds = () => new Set(hookRuns);
	const output = () => procs.map((p) => p.output()).join('\n');
	try {
		await waitFor(async () => {
			const me = (await sim.api('GET', '/sim/devices')).body
			    .find((d) => d.phone === phone && d.connected);
			if (!me || me.queued > 0)
				return false;
			const ids = hookIds();
			if (!sent.every((s) => ids.has(s.id)))
				return false;
			const r = await replies();
			return sent.every((s) => r.has(s.text));
		}, 60000 + MESSAGES * 50, 'every message acked, served and answered');
	} catch (e) {
		collecting = false;
		await collector;
		const ids = hookIds();
		const r = await replies();
		const outFile = path.join(os.tmpdir(), `walink-torture-${seed}.log`);	// kept for a post-mortem
		fs.writeFileSync(outFile, output());
		e.message += `\nnot served: ${sent.filter((s) => !ids.has(s.id)).map((s) => s.id)}, ` +
		    `not answered: ${sent.filter((s) => !r.has(s.text)).map((s) => s.id)}\n` +
		    `every run's output: ${outFile}\n` + output().slice(-3000);
		throw e;
	}
	collecting = false;
	await collector;
	const r = await replies();
	// every run's output, for a post-mortem of what follows
	const outFile = path.join(os.tmpdir(), `walink-torture-${seed}.log`);
	fs.writeFileSync(outFile, output());
	t.diagnostic(`every run's output: ${outFile}`);
	const twice = sent.filter((s) => r.get(s.text).size > 1);
	assert.deepEqual(twice.map((s) => s.text), [], 'no message answered twice');
	const simLog = (await sim.api('GET', '/sim/log')).text;
	assert.doesNotMatch(simLog, /could not decrypt/, 'no contact failed to decrypt a reply');
	const failed = output().split('\n').filter((l) => /cannot decrypt|Sanitizer|runtime error/.test(l));
	assert.deepEqual(failed, [], 'the worker decrypted every message');
	const runs = hookRuns.length;
	t.diagnostic(`${MESSAGES} messages, ${KILLS} kills (${selfKills} inside a journal write), ` +
	    `${runs} hook runs (${runs - MESSAGES} served again after a kill), 0 lost, 0 answered twice`);
	await w.stop();
	fs.unlinkSync(outFile);
});
