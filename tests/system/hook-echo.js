#!/usr/bin/env node
// Test bot hook for wa-worker's --hook-cmd: reads the message JSON on stdin,
// appends it to $WALINK_HOOK_LOG (one JSON line per run) and prints a reply:
// the text itself (WALINK_HOOK_MODE unset or "echo"), nothing and a hang ("hang"),
// 70,000 bytes between newlines ("big"), the text after 700 ms ("slow"), a
// failure with exit status 3 ("fail"), or the sorted names of its environment
// ("env"), two messages "<text> 1" and "<text> 2" as a JSON answer
// ("pair"), or the text once the file $WALINK_HOOK_GATE exists ("gate").
// The worker passes a hook only PATH, HOME, LANG, LC_ALL, TZ and
// WALINK_*, hence the WALINK_ names. No jq on the machines: node it is.
import fs from 'node:fs';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
	const m = JSON.parse(input);
	const mode = process.env.WALINK_HOOK_MODE || 'echo';
	if (mode === 'slow') {	// 700 ms per run, start and end logged
		const start = Date.now();
		setTimeout(() => {
			fs.appendFileSync(process.env.WALINK_HOOK_LOG, JSON.stringify({ ...m, start,
			    end: Date.now() }) + '\n');
			process.stdout.write(m.text);
		}, 700);
		return;
	}
	if (mode === 'gate' && !fs.existsSync(process.env.WALINK_HOOK_GATE)) {
		const t = setInterval(() => {
			if (!fs.existsSync(process.env.WALINK_HOOK_GATE))
				return;
			clearInterval(t);
			fs.appendFileSync(process.env.WALINK_HOOK_LOG, JSON.stringify(m) + '\n');
			process.stdout.write(m.text ?? '');
		}, 20);
		return;
	}
	if (process.env.WALINK_HOOK_LOG)
		fs.appendFileSync(process.env.WALINK_HOOK_LOG, JSON.stringify(m) + '\n');
	if (mode === 'pair') {
		process.stdout.write(JSON.stringify([{ type: 'text', text: `${m.text} 1` },
			{ type: 'text', text: `${m.text} 2` }]));
		return;
	}
	if (mode === 'hang') {
		setInterval(() => {}, 1000);
		return;
	}
	if (mode === 'big') {
		process.stdout.write('\n' + 'b'.repeat(70000) + '\n');
		return;
	}
	if (mode === 'env') {
		process.stdout.write(Object.keys(process.env).sort().join(' '));
		return;
	}
	if (mode === 'fail') {
		process.stderr.write('hook-echo: failing on purpose\n');
		process.exit(3);
	}
	process.stdout.write(m.text);
});
