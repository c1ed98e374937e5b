// journal-rate.mjs: inbound messages through the journal to the hook.
// N messages from five simulated contacts, sent as fast as the simulator
// takes them, to a worker whose hook (HTTP, in this process) answers
// nothing (the hook path only);
// prints messages per second until the last one reached the hook and
// the journal's group commits (one fdatasync each) per message. Usage (from the repo):
//   node scripts/lib/journal-rate.mjs [N]   (scripts/build release first)
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startSim, startWorker, waitState, scanQr, tmpDir, waitFor, freePort } from '../../tests/support/harness.js';

const N = Number(process.argv[2] || 500);
const CONTACTS = ['4915112348001', '4915112348002', '4915112348003', '4915112348004', '4915112348005'];
const bin = path.join(process.env.WALINK_RELEASE_BUILD || 'build', 'session-worker', 'wa-worker');

async function run(sim, phone, strace) {
	const dataDir = tmpDir('walink-rate-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify(CONTACTS));
	// the bot: an HTTP hook in this process that answers nothing
	let served = 0;
	const port = await freePort();
	const bot = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => { served++; res.end(''); });
	});
	await new Promise((res) => bot.listen(port, '127.0.0.1', res));
	const trace = path.join(dataDir, 'strace.txt');
	const w = await startWorker(sim, { dataDir, bin, extra: { '--hook-url': `http://127.0.0.1:${port}/`, '--hook-max': '16' },
	    wrapper: strace ? ['/usr/bin/strace', '-f', '-c', '-o', trace, '-e', 'trace=fsync,fdatasync'] : [] });
	await waitState(w, 'qr');
	await scanQr(sim, w, phone);
	await waitState(w, 'connected', 15000);
	// one message per contact first: sessions made, prekeys used
	for (const c of CONTACTS)
		await sim.api('POST', `/sim/contacts/${c}/send`, { to: `${phone}@s.whatsapp.net`, text: 'warm up' });
	const lines = () => served;
	await waitFor(() => lines() >= CONTACTS.length, 30000, 'warm-up served')
	    .catch((e) => { throw new Error(e.message + '\n' + w.output().slice(-3000)); });
	const t0 = Date.now();
	await Promise.all(CONTACTS.map(async (c, k) => {
		for (let i = k; i < N; i += CONTACTS.length)
			await sim.api('POST', `/sim/contacts/${c}/send`, { to: `${phone}@s.whatsapp.net`, text: `rate ${i}` });
	}));
	await waitFor(() => lines() >= CONTACTS.length + N, 120000, 'every message served');
	const s = (Date.now() - t0) / 1000;
	await w.stop();
	bot.close();
	const commits = /message journal: ([0-9]+) records in ([0-9]+) group commits/.exec(w.output());
	let syncs = null;
	if (strace) {
		const t = fs.readFileSync(trace, 'utf8');
		syncs = [...t.matchAll(/^\s*[0-9.]+\s+[0-9.]+\s+[0-9]+\s+([0-9]+)\s+(?:[0-9]+\s+)?(fsync|fdatasync)$/gm)]
		    .reduce((a, m) => a + Number(m[1]), 0);
	}
	return { s, syncs, records: commits && Number(commits[1]), commits: commits && Number(commits[2]) };
}

const sim = await startSim();
try {
	for (const c of CONTACTS)
		await sim.api('POST', '/sim/contacts', { phone: c });
	const plain = await run(sim, '4915112348990', false);
	console.log(`${N} messages: ${(N / plain.s).toFixed(0)} msg/s to the hook (${plain.s.toFixed(1)} s); ` +
	    `journal: ${plain.commits} group commits (one fdatasync each) for ${N + CONTACTS.length} ` +
	    `messages = ${(plain.commits / (N + CONTACTS.length)).toFixed(2)} per message`);
} finally {
	await sim.stop();
}
