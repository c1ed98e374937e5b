// Hook input version 2 (issue 13) against its published JSON Schema,
// docs/hook-v2.schema.json: every message kind, encoded by Baileys' own
// WAProto (as a WhatsApp client sends it), goes through the worker's decoder
// and JSON builder (the hook-json-v2 tool of the build) and must validate,
// with the fields a bot reads carrying what was sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { proto } from 'baileys';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const build = process.env.WALINK_BUILD || path.join(repo, 'build-asan');
const tool = path.join(build, 'session-worker', 'hook-json-v2');
const schema = JSON.parse(readFileSync(path.join(repo, 'docs', 'hook-v2.schema.json')));
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);

const key = Buffer.alloc(32, 7), sha = Buffer.alloc(32, 0xab), esha = Buffer.alloc(32, 0xcd);
const media = { mediaKey: key, fileSha256: sha, fileEncSha256: esha, fileLength: 4321,
	directPath: '/v/t62/xyz', url: 'https://mmg.example/xyz' };

// [name, Message, what the JSON must hold]
const cases = [
	['text', { conversation: 'pick me up at 9' }, { type: 'text', text: 'pick me up at 9' }],
	['reply', { extendedTextMessage: { text: 'yes', contextInfo: { stanzaId: '3EB0Q1',
		quotedMessage: { conversation: 'is 9 ok?' } } } },
	    { type: 'text', text: 'yes', quoted: { id: '3EB0Q1', text: 'is 9 ok?' } }],
	['image', { imageMessage: { ...media, mimetype: 'image/jpeg', caption: 'booking' } },
	    { type: 'image', text: 'booking', media: { path: null, mimetype: 'image/jpeg',
		size: 4321, sha256: 'ab'.repeat(32), error: 'not downloaded' } }],
	['video', { videoMessage: { ...media, mimetype: 'video/mp4', seconds: 12 } },
	    { type: 'video', text: '', media: { path: null, mimetype: 'video/mp4', size: 4321,
		sha256: 'ab'.repeat(32), seconds: 12, error: 'not downloaded' } }],
	['voice note', { audioMessage: { ...media, mimetype: 'audio/ogg; codecs=opus', ptt: true,
		seconds: 5 } },
	    { type: 'audio', media: { path: null, mimetype: 'audio/ogg; codecs=opus', size: 4321,
		sha256: 'ab'.repeat(32), seconds: 5, ptt: true, error: 'not downloaded' } }],
	['audio', { audioMessage: { ...media, mimetype: 'audio/mpeg' } },
	    { type: 'audio', media: { path: null, mimetype: 'audio/mpeg', size: 4321,
		sha256: 'ab'.repeat(32), ptt: false, error: 'not downloaded' } }],
	['document', { documentWithCaptionMessage: { message: { documentMessage: { ...media,
		mimetype: 'application/pdf', fileName: 'ticket.pdf', caption: 'my ticket' } } } },
	    { type: 'document', text: 'my ticket', media: { path: null, mimetype: 'application/pdf',
		size: 4321, sha256: 'ab'.repeat(32), fileName: 'ticket.pdf', error: 'not downloaded' } }],
	['sticker', { stickerMessage: { ...media, mimetype: 'image/webp' } },
	    { type: 'sticker', media: { path: null, mimetype: 'image/webp', size: 4321,
		sha256: 'ab'.repeat(32), error: 'not downloaded' } }],
	['location', { locationMessage: { degreesLatitude: 52.5, degreesLongitude: 13.25,
		name: 'Hbf', address: 'Europaplatz 1' } },
	    { type: 'location', location: { latitude: 52.5, longitude: 13.25, name: 'Hbf',
		address: 'Europaplatz 1' } }],
	['live location', { liveLocationMessage: { degreesLatitude: -33.5, degreesLongitude: 151.25,
		caption: 'on my way' } },
	    { type: 'live_location', text: 'on my way',
		location: { latitude: -33.5, longitude: 151.25 } }],
	['contact', { contactMessage: { displayName: 'Ann', vcard: 'BEGIN:VCARD\nEND:VCARD' } },
	    { type: 'contacts', contacts: [{ name: 'Ann', vcard: 'BEGIN:VCARD\nEND:VCARD' }] }],
	['contacts', { contactsArrayMessage: { displayName: '2 contacts', contacts: [
		{ displayName: 'Ann', vcard: 'A' }, { displayName: 'Bob', vcard: 'B' }] } },
	    { type: 'contacts', contacts: [{ name: 'Ann', vcard: 'A' }, { name: 'Bob', vcard: 'B' }] }],
	['reaction', { reactionMessage: { key: { id: '3EB0R1', remoteJid: 'x@s.whatsapp.net' },
		text: '👍', senderTimestampMs: 1 } },
	    { type: 'reaction', reaction: { emoji: '👍', targetId: '3EB0R1' } }],
	['edit', { protocolMessage: { key: { id: '3EB0E1' }, type: 14,
		editedMessage: { conversation: 'at 10 then' } } },
	    { type: 'edit', text: 'at 10 then', targetId: '3EB0E1' }],
	['edit wrapper', { editedMessage: { message: { protocolMessage: { key: { id: '3EB0E2' },
		type: 14, editedMessage: { conversation: 'new' } } } } },
	    { type: 'edit', text: 'new', targetId: '3EB0E2' }],
	['revoke', { protocolMessage: { key: { id: '3EB0D1' }, type: 0 } },
	    { type: 'revoke', targetId: '3EB0D1' }],
	['ephemeral', { ephemeralMessage: { message: { conversation: 'psst' } } },
	    { type: 'text', text: 'psst' }],
];

function run(messages) {
	const input = messages.map((m) => Buffer.from(proto.Message.encode(m).finish())
	    .toString('hex')).join('\n') + '\n';
	return execFileSync(tool, { input }).toString().trim().split('\n');
}

function contains(got, want, where) {
	for (const [k, v] of Object.entries(want)) {
		if (v !== null && typeof v === 'object' && !Array.isArray(v))
			contains(got[k], v, `${where}.${k}`);
		else
			assert.deepEqual(got?.[k], v, `${where}.${k}`);
	}
}

test('every kind Baileys encodes becomes version-2 hook JSON that fits the schema', () => {
	const lines = run(cases.map((c) => c[1]));
	assert.equal(lines.length, cases.length);
	const types = new Set();
	cases.forEach(([name, , want], i) => {
		assert.ok(lines[i].startsWith('{'), `${name}: ${lines[i]}`);
		const j = JSON.parse(lines[i]);
		assert.ok(validate(j), `${name}: ${JSON.stringify(validate.errors)}`);
		assert.equal(j.version, 2);
		assert.equal(j.from, '4915112340001');
		assert.equal(j.pushName, 'Ann');
		assert.equal(typeof j.timestamp, 'number');
		contains(j, want, name);
		types.add(j.type);
	});
	// every type the schema names is produced by some case
	assert.deepEqual([...types].sort(), [...schema.properties.type.enum].sort());
});

test('the schema refuses what breaks the interface', () => {
	const good = JSON.parse(run([cases[2][1]])[0]);
	assert.ok(validate(good));
	const { type, ...noType } = good;
	assert.equal(type, 'image');
	assert.equal(validate(noType), false);
	assert.equal(validate({ ...good, media: undefined }), false);
	assert.equal(validate({ ...good, version: 1 }), false);
	assert.equal(validate({ ...good, media: { ...good.media, sha256: 'AB' } }), false);
	assert.equal(validate({ ...good, type: 'location' }), false);
});

test('messages with nothing for a bot yield no hook input', () => {
	const lines = run([
		{ protocolMessage: { type: 5 } },
		{ pollCreationMessage: { name: 'lunch?' } },
		{ senderKeyDistributionMessage: { groupId: 'g', axolotlSenderKeyDistributionMessage: Buffer.from([1]) } },
	]);
	assert.deepEqual(lines, ['none', 'none', 'none']);
});
