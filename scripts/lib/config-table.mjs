// config-table.mjs: the README's configuration tables, generated from the
// programs' own --help (so they cannot drift from the code).
//   node scripts/lib/config-table.mjs             print the tables
//   node scripts/lib/config-table.mjs --write F   replace the text between
//       <!-- config-table:begin --> and <!-- config-table:end --> in F
// Binaries from WALINK_BUILD (default build/).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = path.resolve(process.env.WALINK_BUILD || path.join(REPO, 'build'));
const help = (rel) => execFileSync(path.join(BUILD, rel), ['--help'], { encoding: 'utf8' });
/** A table cell: pipes escaped, < and > outside `code` made entities. */
const cell = (s) => String(s).replace(/\|/g, '\\|').trim().split('`')
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;'))).join('`');

/** wa-worker and wa-probe (shared/cfg): "--flag VALUE  [env X]" then an indented text. */
function cfgTable(text) {
	const rows = [];
	let cur = null;
	for (const line of text.split('\n')) {
		const m = /^ {2}(--[\w-]+)(?: (\w+))?(?:\s+\[env (\w+)\])?\s*$/.exec(line);
		const e = /^ {2}(WA_\w+) \(environment only\)\s*$/.exec(line);
		if (m) {
			cur = { flag: m[2] ? `${m[1]} ${m[2]}` : m[1], env: m[3] || '', text: '' };
			rows.push(cur);
		} else if (e) {
			cur = { flag: '', env: e[1], text: '' };
			rows.push(cur);
		} else if (cur && /^ {6}\S/.test(line)) {
			cur.text += (cur.text ? ' ' : '') + line.trim();
		} else {
			cur = null;
		}
	}
	return rows.filter((r) => r.flag !== '--help').map((r) => {
		let def = '';
		const d = /\s*\(default: (.*)\)\s*$/.exec(r.text);
		if (d) {
			def = d[1];
			r.text = r.text.slice(0, d.index);
		}
		return [r.flag ? `\`${r.flag}\`` : '', r.env ? `\`${r.env}\`` : '', def ? `\`${def}\`` : '', r.text];
	});
}

/** wa-control: "--flag ARG  text (default X)" lines, then an environment: section. */
function controlTable(text) {
	const rows = [];
	let inEnv = false, cur = null;
	for (const line of text.split('\n')) {
		if (/^environment:/.test(line)) {
			inEnv = true;
			continue;
		}
		const f = /^ {2}(--[\w-]+)(?:\s+([A-Z][A-Z:]*))?\s{2,}(.*)$/.exec(line);
		const e = /^ {2}(WA_\w+)\s+(.*)$/.exec(line);
		if (!inEnv && f && f[1] !== '--help') {
			let t = f[3], def = '';
			const d = /\s*\(default ([^)]*)\)/.exec(t);
			if (d) {
				def = d[1];
				t = t.slice(0, d.index) + t.slice(d.index + d[0].length);
			}
			rows.push([`\`${f[2] ? `${f[1]} ${f[2]}` : f[1]}\``, '', def ? `\`${def}\`` : '', t]);
			cur = null;
		} else if (inEnv && e) {
			cur = ['', `\`${e[1]}\``, '', e[2]];
			rows.push(cur);
		} else if (inEnv && cur && /^ {4,}\S/.test(line)) {
			cur[3] += ' ' + line.trim();
		}
	}
	return rows;
}

function table(rows) {
	return ['| setting | environment | default | meaning |', '|---|---|---|---|',
	    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

const ctlHelp = help('control-plane/wa-control');
const out = [
	'**wa-worker** (`wa-worker --help`; a flag wins over its environment variable)',
	'', table(cfgTable(help('session-worker/wa-worker'))), '',
	'**wa-control** (`wa-control --help`)',
	'', table(/\[env /.test(ctlHelp) ? cfgTable(ctlHelp) : controlTable(ctlHelp)), '',
	'**wa-probe** (`wa-probe --help`)',
	'', table(cfgTable(help('shared/wa-probe'))),
].join('\n');

const i = process.argv.indexOf('--write');
if (i < 0) {
	console.log(out);
} else {
	const file = process.argv[i + 1];
	const s = fs.readFileSync(file, 'utf8');
	const re = /(<!-- config-table:begin -->)[\s\S]*?(<!-- config-table:end -->)/;
	if (!re.test(s))
		throw new Error(`${file} has no config-table markers`);
	fs.writeFileSync(file, s.replace(re, (_, a, b) => `${a}\n${out}\n${b}`));
}
