// sim.js: starts tests/sim (the WhatsApp server simulator) on free
// loopback ports with a scratch state directory, and talks to its control
// API. The handle: {child, stateDir, wsPort, ctlPort, url, api(), output(), stop()}.
import path from 'node:path';
import { REPO, startProcess } from './proc.js';
import { freePort, tmpDir } from './wait.js';

export const SIM_DIR = path.join(REPO, 'tests', 'sim');

/** Starts wa-sim and resolves once it printed its ready line. */
export async function startSim({ stateDir, args = [] } = {}) {
	const wsPort = await freePort();
	const ctlPort = await freePort();
	const dir = stateDir || tmpDir('wa-sim-');
	const p = startProcess(process.execPath, [path.join(SIM_DIR, 'wa-sim.js'),
	    '--ws', `127.0.0.1:${wsPort}`, '--control', `127.0.0.1:${ctlPort}`,
	    '--state', dir, ...args], { name: 'wa-sim' });
	await p.waitOutput(/wa-sim: ready/, 30000);	// node + Baileys load slowly on a busy machine
	const base = `http://127.0.0.1:${ctlPort}`;
	// timeoutMs: bulk calls (POST /sim/contacts/burst) take longer
	const api = async (method, route, body, { timeoutMs = 15000 } = {}) => {
		const res = await fetch(base + route, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
			signal: AbortSignal.timeout(timeoutMs)
		});
		const text = await res.text();
		let json;
		try { json = JSON.parse(text); } catch { json = undefined; }
		return { status: res.status, body: json, text };
	};
	return {
		child: p.child, stateDir: dir, wsPort, ctlPort, api,
		url: `ws://127.0.0.1:${wsPort}/ws/chat`,
		output: p.output,
		stop: async () => { await p.stop('SIGTERM', 3000); },
	};
}
