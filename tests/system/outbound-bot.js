#!/usr/bin/env node
// Test bot for the typed answers (issue 13), run as --hook-cmd: reads hook
// input version 2, appends it to $WALINK_HOOK_LOG and answers in JSON.
// WALINK_BOT_MODE "reply" (default): a photo is answered with the same
// photo quoting it, a location quoting it, a 👍 on it, the document
// ticket.pdf and the voice note eta.ogg from the send directory; text with
// "ok" quoting it.
// "hostile": files outside the allowed directories and through a symbolic
// link, then a text that must still arrive. "burst": car.jpg from the send
// directory, then six texts m1..m6. "sandwich": "<text> 1", car.jpg, "<text> 3".
import fs from 'node:fs';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
	const m = JSON.parse(input);
	if (process.env.WALINK_HOOK_LOG)
		fs.appendFileSync(process.env.WALINK_HOOK_LOG, JSON.stringify(m) + '\n');
	const mode = process.env.WALINK_BOT_MODE || 'reply';
	if (mode === 'hostile') {
		process.stdout.write(JSON.stringify([
			{ type: 'document', path: '/etc/passwd' },
			{ type: 'image', path: 'link.jpg' },
			{ type: 'document', path: '../default/ticket.pdf' },
			{ type: 'text', text: 'only this arrives' },
		]));
		return;
	}
	if (mode === 'sandwich') {
		process.stdout.write(JSON.stringify([{ type: 'text', text: `${m.text} 1` },
			{ type: 'image', path: 'car.jpg' }, { type: 'text', text: `${m.text} 3` }]));
		return;
	}
	if (mode === 'burst') {
		process.stdout.write(JSON.stringify([{ type: 'image', path: 'car.jpg' },
			...[1, 2, 3, 4, 5, 6].map((i) => ({ type: 'text', text: `m${i}` }))]));
		return;
	}
	if (m.type !== 'image') {
		process.stdout.write(JSON.stringify({ type: 'text', text: 'ok', quote: true }));
		return;
	}
	process.stdout.write(JSON.stringify([
		{ type: 'image', path: m.media.path, caption: 'your car', quote: true },
		{ type: 'location', latitude: 52.525083, longitude: 13.369402, name: 'Berlin Hbf',
			address: 'Europaplatz 1', quote: true },
		{ type: 'reaction', emoji: '👍' },
		{ type: 'document', path: 'ticket.pdf', fileName: 'ticket.pdf' },
		{ type: 'audio', path: 'eta.ogg', ptt: true },
	]));
});
