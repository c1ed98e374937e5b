// sim_strict.js: every system test fails on a `!!` line it caused in a
// simulator's log, a stanza WhatsApp would refuse or frown on
// (tests/sim/README.md). A test file that provokes one on purpose says so
// with allowSimDeviation(sim, /re/) (for the rest of that simulator's
// life). Lines logged between two tests count against the next one. The
// simulator's own tests (tests/sim/test) start it through sim.js directly:
// they send deviations on purpose.
import { afterEach } from 'node:test';
import { startSim as startSimProcess } from './sim.js';

const liveSims = new Set();
let strayDeviations = [];

export async function startSim(opts) {
	const sim = await startSimProcess(opts);
	Object.assign(sim, { logMark: 0, allowed: [] });
	liveSims.add(sim);
	const stop = sim.stop;
	sim.stop = async () => {
		if (liveSims.delete(sim))
			strayDeviations.push(...await simDeviations(sim));
		return stop();
	};
	return sim;
}

export function allowSimDeviation(sim, re) {
	sim.allowed.push(re);
}

async function simDeviations(sim) {
	// deviations=1: the `!!` lines kept apart, so a busy log cannot push one out
	const r = await sim.api('GET', `/sim/log?deviations=1&since=${sim.logMark}`).catch(() => null);
	if (!r || r.status !== 200)
		return [];
	const lines = r.text.split('\n').filter((l) => / !! /.test(l));
	sim.logMark = Number(/^[0-9]+/.exec(lines.at(-1) || '')?.[0]) || sim.logMark;
	return lines.filter((l) => !sim.allowed.some((re) => re.test(l)));
}

afterEach(async () => {
	const bad = [...strayDeviations];
	for (const sim of liveSims)
		bad.push(...await simDeviations(sim));
	strayDeviations = [];
	if (bad.length)
		throw new Error(`the simulator logged ${bad.length} protocol deviation(s):\n${bad.slice(0, 20).join('\n')}`);
});
