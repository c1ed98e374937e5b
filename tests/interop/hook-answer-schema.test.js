// Hook answers (issue 13) against their published JSON Schema,
// docs/hook-answer.schema.json: for each answer below, the worker's parser
// (the hook-answer tool of the build) and the schema must agree on whether
// it is a valid typed answer; plain text (not a JSON object or array) is
// outside the schema and sent as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const build = process.env.WALINK_BUILD || path.join(repo, 'build-asan');
const tool = path.join(build, 'session-worker', 'hook-answer');
const schema = JSON.parse(readFileSync(path.join(repo, 'docs', 'hook-answer.schema.json')));
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

const good = [
	{ type: 'text', text: 'your driver is outside' },
	{ type: 'text', text: 'yes', quote: true },
	{ type: 'image', path: '/data/send/s1/car.jpg', caption: 'your car', quote: true },
	{ type: 'video', path: 'clip.mp4', mimetype: 'video/mp4' },
	{ type: 'audio', path: 'note.ogg', ptt: true },
	{ type: 'document', path: 'ticket.pdf', fileName: 'ticket.pdf', caption: '' },
	{ type: 'location', latitude: 52.525, longitude: 13.369, name: 'Hbf', address: 'Europaplatz 1' },
	{ type: 'location', latitude: -90, longitude: 180 },
	{ type: 'reaction', emoji: '👍' },
	{ type: 'reaction', emoji: '', targetId: '3EB0AA' },
	[{ type: 'text', text: 'a' }, { type: 'location', latitude: 1, longitude: 2 }],
];
const bad = [
	{},
	{ type: 'sticker', path: 'a.webp' },
	{ type: 'image' },
	{ type: 'text' },
	{ type: 'text', text: '' },
	{ type: 'text', text: 'a', caption: 'b' },
	{ type: 'text', text: 'a', colour: 1 },
	{ type: 'text', text: 7 },
	{ type: 'text', text: 'a', quote: 'yes' },
	{ type: 'audio', path: 'n.ogg', ptt: 1 },
	{ type: 'location', latitude: 91, longitude: 0 },
	{ type: 'location', latitude: 1 },
	{ type: 'location', latitude: '1', longitude: 0 },
	{ type: 'reaction', emoji: 'x', quote: true },
	{ type: 'reaction' },
	{ type: 'document', path: 'a.pdf', ptt: true },
	[],
	[{ type: 'text', text: 'a' }, 3],
	Array.from({ length: 11 }, (_, i) => ({ type: 'text', text: `m${i}` })),
];

function run(lines) {
	const out = execFileSync(tool, { input: lines.join('\n') + '\n' }).toString();
	return out.trimEnd().split('\n');
}

test('every answer the schema accepts, the worker accepts, with as many messages', () => {
	const got = run(good.map((a) => JSON.stringify(a)));
	good.forEach((a, i) => {
		assert.ok(validate(a), `schema refused good #${i}: ${JSON.stringify(validate.errors)}`);
		assert.equal(got[i], `ok ${Array.isArray(a) ? a.length : 1}`, `worker on good #${i}`);
	});
});

test('every answer the schema refuses, the worker refuses with a reason', () => {
	const got = run(bad.map((a) => JSON.stringify(a)));
	bad.forEach((a, i) => {
		assert.equal(validate(a), false, `schema accepted bad #${i}`);
		assert.match(got[i], /^error .+/, `worker on bad #${i}`);
	});
});

test('plain text is outside the schema and sent as text', () => {
	const texts = ['your driver is outside', '[1] first choice', '{not json', '42'];
	assert.deepEqual(run(texts), texts.map(() => 'text'));
});
