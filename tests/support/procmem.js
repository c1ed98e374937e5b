// procmem.js: a live process's memory as the benchmarks report it, in kB:
// VmRSS, VmHWM and RssAnon (the private part: heap, stacks) from
// /proc/PID/status, and PSS from /proc/PID/smaps_rollup (NaN where the
// kernel has none).
import fs from 'node:fs';

export function procMem(pid) {
	const kb = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	let pss = NaN;
	try {
		pss = kb(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
	} catch {
		// no smaps_rollup: PSS stays unknown
	}
	return { rss: kb(status, 'VmRSS'), hwm: kb(status, 'VmHWM'), anon: kb(status, 'RssAnon'), pss };
}
