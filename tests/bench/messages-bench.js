// Message round trips through the release worker: a simulated contact
// (libsignal) sends text, wa-worker decrypts, checks the whitelist, runs the
// bot hook and encrypts the reply, the contact decrypts it into its inbox.
// Prints markdown rows for scripts/bench; figures only, never asserted.
import fs from 'node:fs';
import path from 'node:path';
import { startSim, startWorker, waitState, scanQr, tmpDir } from '../system/helpers.js';

const N = Number(process.argv[2] || 30);
// A hook that starts fast, so the figure is the worker's and not node's start-up.
const hook = path.join(tmpDir('walink-bench-hook-'), 'echo.sh');
fs.writeFileSync(hook, '#!/bin/sh\nsed -n \'s/.*"text":"\\([^"]*\\)".*/echo: \\1/p\'\n', { mode: 0o755 });

const sim = await startSim();
const dataDir = tmpDir('walink-bench-msg-');
const contact = '15550007001';
fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify([contact]));
const w = await startWorker(sim, { dataDir, extra: { '--hook-cmd': hook, '--heartbeat': '30s' } });
try {
	await waitState(w, 'qr');
	await scanQr(sim, w, '15550007000');
	await waitState(w, 'connected');
	await sim.api('POST', '/sim/contacts', { phone: contact });
	const ms = [];
	for (let i = 0; i < N; i++) {
		const t0 = process.hrtime.bigint();
		await sim.api('POST', `/sim/contacts/${contact}/send`, { to: '15550007000@s.whatsapp.net', text: `ping ${i}` });
		// poll every 2 ms: waitFor's 50 ms step would round the figure
		for (const end = Date.now() + 10000; ;) {
			if ((await sim.api('GET', `/sim/contacts/${contact}/inbox`)).body.length > i)
				break;
			if (Date.now() > end)
				throw new Error(`no reply ${i}`);
			await new Promise((r) => setTimeout(r, 2));
		}
		ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
	}
	const sorted = [...ms].sort((a, b) => a - b);
	const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
	const status = fs.readFileSync(`/proc/${w.child.pid}/status`, 'utf8');
	const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)[1]);
	console.log('| metric | walink | reference | note |');
	console.log('|---|---|---|---|');
	console.log(`| contact -> worker -> sh hook -> reply in inbox, median of ${N} (ms) | ${q(0.5)} | | p90 ${q(0.9)} ms; includes the simulator's HTTP API and libsignal |`);
	console.log(`| worker VmRSS after ${N} messages (MB) | ${(kb('VmRSS') / 1024).toFixed(2)} | | VmHWM ${(kb('VmHWM') / 1024).toFixed(2)} MB |`);
} finally {
	await w.stop();
	await sim.stop();
}
