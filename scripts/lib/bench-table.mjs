// bench-table.mjs: reads the outputs scripts/bench saved (DIR/<name>.log)
// and prints one markdown table of the headline figures. Each benchmark
// prints in its own format: the known ones are parsed here, a benchmark
// that prints a markdown table has its rows taken as they are, and anything
// else shows its last line. A figure that cannot be found says so.
// Usage: node scripts/lib/bench-table.mjs DIR
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const rows = [];	// [area, figure, walink, reference, ratio/target]
const read = (name) => {
	const f = path.join(dir, `${name}.log`);
	return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null;
};
const num = (s) => Number(String(s).replace(/,/g, ''));
const x = (a, b) => (b ? `${(a / b).toFixed(1)}x` : '');

function codec(t) {
	const m = {};
	for (const l of t.split('\n')) {
		const r = /^(decode|encode)\s+(Baileys|walink C)\s+([\d.]+) MB\/s\s+(\d+) nodes\/s/.exec(l);
		if (r)
			m[`${r[1]} ${r[2]}`] = { mbs: num(r[3]), nps: num(r[4]) };
	}
	for (const d of ['decode', 'encode']) {
		const c = m[`${d} walink C`], b = m[`${d} Baileys`];
		if (c && b)
			rows.push(['codec', `binary node ${d} (MB/s)`, c.mbs, b.mbs + ' (Baileys 7)',
			    `${x(c.mbs, b.mbs)} (target >= 10x)`]);
	}
}

function noise(t) {
	const raw = /raw libsodium aes256gcm \(one-shot\)\s+([\d.]+)/.exec(t);
	for (const be of ['libsodium', 'openssl']) {
		const r = new RegExp(`ours, ${be}\\s+backend\\s+([\\d.]+)`).exec(t);
		if (r && raw)
			rows.push(['noise', `transport encrypt+decrypt, 4 KiB frames, ${be} (MB/s)`,
			    num(r[1]), `${num(raw[1])} (raw libsodium AES-GCM)`, x(num(r[1]), num(raw[1]))]);
	}
}

function whitelist(t) {
	const pick = (label, what) => {
		const r = new RegExp(`^${label}\\s+(\\d+) ops\\s+([\\d.]+) ms\\s+(\\d+) ns/op`, 'm').exec(t);
		if (r)
			rows.push(['whitelist', what, num(r[1]) > 1 ? `${r[3]} ns/op` : `${r[2]} ms`, '', '']);
	};
	pick('has \\(hit\\)', 'lookup at 100 000 numbers');
	pick('replace \\+ save \\(fsync\\)', 'replace 100 000 numbers + atomic save');
	pick('load of full file', 'load 100 000 numbers');
}

function control(t) {
	const line = (route, server) => new RegExp(`^${route}\\s+${server}\\s+(\\d+)\\s+([\\d.]+)`, 'm').exec(t);
	for (const [route, label] of [['GET /api/whatsapp/state', 'GET /api/whatsapp/state'],
	    ['GET /api/whitelist', 'GET /api/whitelist, 10 000 numbers']]) {
		const c = line(route, 'wa-control'), e = line(route, 'express');
		if (c && e) {
			rows.push(['control', `${label} (req/s)`, num(c[1]), `${num(e[1])} (Express 4)`,
			    x(num(c[1]), num(e[1]))]);
			rows.push(['control', `${label} (p99 ms)`, num(c[2]), `${num(e[2])} (Express 4)`, '']);
		}
	}
	const big = /^GET \/api\/whitelist\s+wa-control\s+([\d.]+)\s+([\d.]+)\s+(yes|NO)/m.exec(t);
	if (big)
		rows.push(['control', 'GET /api/whitelist, 100 000 numbers (max ms)', num(big[2]), '',
		    `< 200 ms: ${big[3]}`]);
	const rss = /^wa-control after 100k runs\s+([\d.]+)\s+([\d.]+)/m.exec(t);
	const ers = /^express after 100k runs\s+([\d.]+)\s+([\d.]+)/m.exec(t);
	if (rss)
		rows.push(['control', 'RSS after the 100 000-number runs (MiB)', num(rss[1]),
		    ers ? `${num(ers[1])} (Express 4)` : '', ers ? x(num(rss[1]), num(ers[1])) : '']);
}

/** Markdown table rows printed by a benchmark: | metric | walink | ref | ratio |. */
function markdown(area, t) {
	const found = [];
	for (const l of t.split('\n')) {
		if (!/^\|.*\|\s*$/.test(l) || /^\|[\s|:-]+\|$/.test(l))
			continue;
		const cells = l.split('|').slice(1, -1).map((c) => c.trim());
		if (/^(metric|figure|benchmark)$/i.test(cells[0]))
			continue;
		found.push([area, cells[0], cells[1] ?? '', cells[2] ?? '', cells.slice(3).join(' ')]);
	}
	rows.push(...found);
	return found.length > 0;
}

function media(t) {
	const mem = /decrypt \+ verify\s+([\d.]+)/.exec(t);
	const bmem = /Baileys 7 downloadContentFromMessage \(loopback HTTP[^:]*:\s+([\d.]+) MB\/s/.exec(t);
	if (mem && bmem)
		rows.push(['media', 'decrypt + verify (HMAC, fileEncSha256, fileSha256), 32 MiB file in memory (MB/s)',
		    num(mem[1]), `${num(bmem[1])} (Baileys 7 \`downloadContentFromMessage\`, loopback HTTP, no checks)`,
		    x(num(mem[1]), num(bmem[1]))]);
	const head = /through the simulator CDN \(https, (\d+) MiB/.exec(t);
	const c = /walink media-fetch[^\n]*?\s([\d.]+)\s*$/m.exec(t);
	const b = /Baileys 7 downloadContentFromMessage \(\+ fileSha256 here\)\s+([\d.]+)/.exec(t);
	if (head && c && b)
		rows.push(['media', `download + decrypt + verify through the simulator's https CDN, ${head[1]} MiB, ` +
		    'verified plaintext fsync\'ed to disk on both sides (MB/s, best of 5)', num(c[1]),
		    `${num(b[1])} (Baileys 7 \`downloadContentFromMessage\` + a fileSha256 check)`,
		    `${x(num(c[1]), num(b[1]))}; same run, same file`]);
}

const parsers = { codec, noise, whitelist, control, media };
const names = ['codec', 'noise', 'whitelist', 'control', 'worker', 'messages'];
for (const f of fs.readdirSync(dir))
	if (/\.(log|skipped|failed)$/.test(f) && !names.includes(f.replace(/\.\w+$/, '')))
		names.push(f.replace(/\.\w+$/, ''));
for (const name of names) {
	if (fs.existsSync(path.join(dir, `${name}.skipped`))) {
		rows.push([name, '(not present yet)', '', '', '']);
		continue;
	}
	const t = read(name);
	if (t === null)
		continue;
	const before = rows.length;
	if (fs.existsSync(path.join(dir, `${name}.failed`)))
		rows.push([name, `FAILED: see ${name}.log / ${name}.err`, '', '', '']);
	else if (parsers[name])
		parsers[name](t);
	if (rows.length === before && !markdown(name, t)) {
		const last = t.trim().split('\n').pop() || '(no output)';
		rows.push([name, last, '', '', '']);
	}
}

const head = ['area', 'figure', 'walink', 'reference', 'ratio / target'];
const all = [head, ...rows.map((r) => r.map(String))];
const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
console.log([line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`,
    ...all.slice(1).map(line)].join('\n'));
