// Ring buffer of recent stanzas both ways, served by GET /sim/log.
import { toText } from './nodes.js';

const LOG_CAPACITY = 5000;
/** `!!` lines are also kept apart, so a busy log cannot push them out unseen. */
const DEVIATION_CAPACITY = 2000;
/** Longest text kept per entry (prekey uploads would be ~100 kB). */
const MAX_ENTRY = 4000;

export class StanzaLog {
	constructor(verbose = false) {
		this.entries = [];
		this.deviations = [];
		this.seq = 0;
		this.verbose = verbose;
	}

	add(dir, connId, who, n) {
		const e = {
			n: ++this.seq, t: new Date().toISOString(), dir, conn: connId, who: who || '-',
			text: typeof n === 'string' ? n : toText(n)
		};
		if (e.text.length > MAX_ENTRY)
			e.text = `${e.text.slice(0, MAX_ENTRY)}…(${e.text.length} chars)`;
		this.entries.push(e);
		if (dir === '!!') {
			this.deviations.push(e);
			if (this.deviations.length > DEVIATION_CAPACITY)
				this.deviations.splice(0, this.deviations.length - DEVIATION_CAPACITY);
		}
		if (this.entries.length > LOG_CAPACITY)
			this.entries.splice(0, this.entries.length - LOG_CAPACITY);
		if (this.verbose)
			process.stderr.write(this.line(e) + '\n');
	}

	line(e) { return `${e.n} ${e.t} ${e.dir} c${e.conn} ${e.who} ${e.text}`; }

	since(n, deviationsOnly = false) {
		return (deviationsOnly ? this.deviations : this.entries).filter((e) => e.n > n)
		    .map((e) => this.line(e)).join('\n');
	}
}
