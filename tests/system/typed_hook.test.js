// Hook input version 2 end to end (issue 13): a whitelisted contact sends
// a location, a contact card, a reaction, an edit, a revoke, a voice note,
// a photo and text in a disappearing-messages chat; the hook gets each with
// its type and fields, as JSON that fits docs/hook-v2.schema.json; media
// from the simulator's CDN is downloaded, verified and handed over as files,
// a stranger's never fetched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { simFixture, startWorker, waitState, scanQr, tmpDir, waitFor, REPO } from './helpers.js';
import { HOOK } from '../support/messaging.js';

const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'docs', 'hook-v2.schema.json')));
const validate = new Ajv2020({ strict: true, strictRequired: false }).compile(schema);

const fx = simFixture();
const workers = fx.workers;

test('every kind a contact sends reaches the hook typed, fitting the schema', async () => {
	const c = '4915112349001';
	assert.equal((await fx.sim.api('POST', '/sim/contacts', { phone: c })).status, 200);
	const dataDir = tmpDir('walink-typed-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify([c]));
	const hookLog = path.join(dataDir, 'hook.log');
	const w = await startWorker(fx.sim, { dataDir, extra: { '--hook-cmd': HOOK },
	    env: { WALINK_HOOK_LOG: hookLog } });
	workers.push(w);
	await waitState(w, 'qr');
	const phone = '15550009001';
	await scanQr(fx.sim, w, phone);
	await waitState(w, 'connected', 10000);
	const to = `${phone}@s.whatsapp.net`;
	const send = async (body) => {
		const r = await fx.sim.api('POST', `/sim/contacts/${c}/send`, { to, ...body });
		assert.equal(r.status, 200, r.text);
		return r.body.id;
	};
	const key = crypto.randomBytes(32).toString('base64');
	const sha = crypto.randomBytes(32);
	const first = await send({ text: 'pick me up at 9' });
	await send({ message: { locationMessage: { degreesLatitude: 52.5, degreesLongitude: 13.25,
		name: 'Hbf', address: 'Europaplatz 1' } } });
	await send({ message: { contactMessage: { displayName: 'Ann', vcard: 'BEGIN:VCARD\nFN:Ann\nEND:VCARD' } } });
	await send({ message: { reactionMessage: { key: { id: first, fromMe: false }, text: '👍' } } });
	await send({ message: { protocolMessage: { key: { id: first }, type: 14,
		editedMessage: { conversation: 'pick me up at 10' } } } });
	await send({ message: { protocolMessage: { key: { id: first }, type: 0 } } });
	await send({ message: { audioMessage: { mimetype: 'audio/ogg; codecs=opus', ptt: true, seconds: 4,
		mediaKey: key, fileSha256: sha.toString('base64'), fileLength: 5120,
		directPath: '/v/t62.7117-24/x.enc' } } });
	await send({ message: { imageMessage: { mimetype: 'image/jpeg', caption: 'my booking',
		mediaKey: key, fileSha256: sha.toString('base64'), fileLength: 9000 } } });
	await send({ message: { extendedTextMessage: { text: 'yes, at the station', contextInfo: {
		stanzaId: first, quotedMessage: { conversation: 'pick me up at 9' } } } } });
	await send({ message: { ephemeralMessage: { message: { extendedTextMessage: { text: 'vanishing',
		contextInfo: { stanzaId: first, quotedMessage: { conversation: 'pick me up at 9' } } } } } } });
	const runs = await waitFor(() => {
		const l = fs.existsSync(hookLog) ? fs.readFileSync(hookLog, 'utf8').trim().split('\n')
		    .filter(Boolean).map((x) => JSON.parse(x)) : [];
		return l.length >= 10 ? l : null;
	}, 20000, 'ten hook runs').catch((e) => {
		e.message += `\n${w.output().split('\n').filter((l) => !/heartbeat/.test(l)).slice(-40).join('\n')}`;
		throw e;
	});
	for (const r of runs) {
		assert.ok(validate(r), `${r.type}: ${JSON.stringify(validate.errors)}`);
		assert.equal(r.from, c);
	}
	const byType = Object.fromEntries(runs.map((r) => [r.type, r]));
	assert.deepEqual(Object.keys(byType).sort(), ['audio', 'contacts', 'edit', 'image', 'location',
		'reaction', 'revoke', 'text'].sort());
	assert.deepEqual(byType.location.location, { latitude: 52.5, longitude: 13.25, name: 'Hbf',
		address: 'Europaplatz 1' });
	assert.equal(byType.contacts.contacts[0].name, 'Ann');
	assert.deepEqual(byType.reaction.reaction, { emoji: '👍', targetId: first });
	assert.equal(byType.edit.targetId, first);
	assert.equal(byType.edit.text, 'pick me up at 10');
	assert.equal(byType.revoke.targetId, first);
	assert.equal(byType.audio.media.ptt, true);
	assert.equal(byType.audio.media.seconds, 4);
	assert.equal(byType.audio.media.sha256, sha.toString('hex'));
	assert.equal(byType.audio.media.path, null);
	assert.equal(byType.image.text, 'my booking');
	// hooks run side by side (--hook-max): the log has them in the order they ended
	const texts = runs.filter((r) => r.type === 'text').map((r) => r.text).sort();
	assert.deepEqual(texts, ['pick me up at 9', 'vanishing', 'yes, at the station']);
	assert.equal(runs.find((r) => r.text === 'pick me up at 9').quoted, undefined);
	assert.deepEqual(runs.find((r) => r.text === 'yes, at the station').quoted,
	    { id: first, text: 'pick me up at 9' });
	const vanishing = runs.find((r) => r.text === 'vanishing');
	assert.deepEqual(vanishing.quoted, { id: first, text: 'pick me up at 9' });
	assert.doesNotMatch(w.output(), /unsupported type/);
	assert.doesNotMatch(w.output(), /pick me up|vanishing|Europaplatz/, 'no content in logs');
});

/** Encrypts plain as Baileys does and uploads it to the simulator's CDN. */
async function uploaded(plain, type, { tamper = false } = {}) {
	const { encryptedStream } = await import('baileys');
	const https = await import('node:https');
	const e = await encryptedStream(plain, type);
	const enc = fs.readFileSync(e.encFilePath);
	fs.unlinkSync(e.encFilePath);
	if (tamper)
		enc[enc.length >> 1] ^= 0x20;
	const cdn = (await fx.sim.api('GET', '/sim/media')).body;
	const token = crypto.createHash('sha256').update(enc).digest('base64url');
	const dp = await new Promise((resolve, reject) => {
		const req = https.request(`https://${cdn.hostname}/mms/${type === 'ptt' ? 'audio' : type}/` +
		    `${token}?auth=${encodeURIComponent(cdn.auth)}&token=${token}`,
		    { method: 'POST', ca: fs.readFileSync(cdn.ca) }, (res) => {
			let b = '';
			res.on('data', (d) => { b += d; });
			res.on('end', () => resolve(JSON.parse(b).direct_path));
		});
		req.on('error', reject);
		req.end(enc);
	});
	return { directPath: dp, mediaKey: e.mediaKey.toString('base64'),
		fileSha256: e.fileSha256.toString('base64'), fileEncSha256: e.fileEncSha256.toString('base64'),
		fileLength: e.fileLength };
}

test('a whitelisted voice note and photo are downloaded, verified and handed over as files', async () => {
	const c = '4915112349002', stranger = '4915112349003';
	for (const p of [c, stranger])
		assert.equal((await fx.sim.api('POST', '/sim/contacts', { phone: p })).status, 200);
	const dataDir = tmpDir('walink-typed-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify([c]));
	const hookLog = path.join(dataDir, 'hook.log');
	const cdn = (await fx.sim.api('GET', '/sim/media')).body;
	const w = await startWorker(fx.sim, { dataDir, extra: { '--hook-cmd': HOOK,
	    '--media-ca-file': cdn.ca, '--media-max-bytes': 200000 }, env: { WALINK_HOOK_LOG: hookLog } });
	workers.push(w);
	await waitState(w, 'qr');
	const phone = '15550009002';
	await scanQr(fx.sim, w, phone);
	await waitState(w, 'connected', 10000);
	const to = `${phone}@s.whatsapp.net`;
	const send = async (from, message) => {
		const r = await fx.sim.api('POST', `/sim/contacts/${from}/send`, { to, message });
		assert.equal(r.status, 200, r.text);
		return r.body.id;
	};
	const voice = crypto.randomBytes(40000), photo = crypto.randomBytes(70000);
	const v = await uploaded(voice, 'ptt');
	const p = await uploaded(photo, 'image');
	const bad = await uploaded(crypto.randomBytes(5000), 'document', { tamper: true });
	const big = await uploaded(crypto.randomBytes(300000), 'video');
	const strange = await uploaded(crypto.randomBytes(1000), 'image');
	await send(c, { audioMessage: { ...v, mimetype: 'audio/ogg; codecs=opus', ptt: true, seconds: 3 } });
	await send(c, { imageMessage: { ...p, mimetype: 'image/jpeg', caption: 'booking' } });
	await send(c, { documentMessage: { ...bad, mimetype: 'application/pdf',
		fileName: 'ticket.pdf' } });
	await send(c, { videoMessage: { ...big, mimetype: 'video/mp4' } });
	await send(stranger, { imageMessage: { ...strange, mimetype: 'image/jpeg' } });
	const runs = await waitFor(() => {
		const l = fs.existsSync(hookLog) ? fs.readFileSync(hookLog, 'utf8').trim().split('\n')
		    .filter(Boolean).map((x) => JSON.parse(x)) : [];
		return l.length >= 4 ? l : null;
	}, 20000, 'four hook runs').catch((e) => {
		e.message += `\n${w.output().split('\n').filter((l) => !/heartbeat/.test(l)).slice(-40).join('\n')}`;
		throw e;
	});
	for (const r of runs)
		assert.ok(validate(r), `${r.type}: ${JSON.stringify(validate.errors)}`);
	const by = Object.fromEntries(runs.map((r) => [r.type, r]));
	const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
	assert.equal(by.audio.media.ptt, true);
	assert.equal(by.audio.media.sha256, sha(voice));
	assert.ok(fs.readFileSync(by.audio.media.path).equals(voice), 'the stored voice note is what was sent');
	assert.ok(by.audio.media.path.startsWith(path.join(dataDir, 'media', 'default')));
	assert.equal(fs.statSync(by.audio.media.path).mode & 0o777, 0o600);
	assert.equal(by.image.media.sha256, sha(photo));
	assert.ok(fs.readFileSync(by.image.media.path).equals(photo));
	assert.equal(by.image.text, 'booking');
	assert.equal(by.document.media.path, null);
	assert.equal(by.document.media.error, 'fileEncSha256 mismatch');
	assert.equal(by.video.media.path, null);
	assert.equal(by.video.media.error, 'larger than the media size cap');
	assert.match(w.output(), /media not stored: larger than the media size cap/);
	const gets = (await fx.sim.api('GET', '/sim/media')).body.requests.filter((q) => q.method === 'GET');
	assert.ok(!gets.some((q) => q.path === strange.directPath), "a stranger's media is never fetched");
	assert.ok(!gets.some((q) => q.path === big.directPath), 'declared too big: never fetched');
	assert.deepEqual(fs.readdirSync(path.join(dataDir, 'media', 'default')).sort(),
	    [path.basename(by.audio.media.path), path.basename(by.image.media.path)].sort(),
	    'nothing else stored, no temporary file left');
	assert.equal(runs.filter((r) => r.from === stranger).length, 0);
});
