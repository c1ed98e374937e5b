// Typed answers end to end (issue 13, "Outbound, typed"): a contact with
// two devices sends a photo; the bot answers with that photo quoting it, a
// location quoting it, a reaction, a PDF and a voice note, then a text
// quoting the contact's next text. The worker uploads the files to the
// simulator's CDN (media_conn, encrypted, token checked), and every device
// of the contact decrypts them all; the files' SHA-256 match what was
// sent, the <message type>/<enc mediatype> are whatsmeow's (the simulator
// says `!!` otherwise), and "typing..." comes before each one. Pacing
// holds a burst to its rate; an upload passes a dead media host.
// A hostile answer's files outside the allowed directories or behind a
// symbolic link are refused with a log line and the rest still goes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, startWorker, waitState, scanQr, tmpDir, waitFor, freePort } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BOT = `${process.execPath} ${path.join(here, 'outbound-bot.js')}`;
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

let sim;
const workers = [];
before(async () => { sim = await startSim(); });
after(async () => {
	for (const w of workers)
		await w.stop();
	await sim.stop();
});

/** A linked worker whose bot is outbound-bot.js in mode, for contact c. */
async function linked(c, phone, mode, extra = {}) {
	assert.equal((await sim.api('POST', '/sim/contacts', { phone: c, devices: 2 })).status, 200);
	const dataDir = tmpDir('walink-out-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify([c]));
	const sendDir = path.join(dataDir, 'send', 'default');
	fs.mkdirSync(sendDir, { recursive: true, mode: 0o700 });
	const cdn = (await sim.api('GET', '/sim/media')).body;
	const w = await startWorker(sim, { dataDir, extra: { '--hook-cmd': BOT,
	    '--media-ca-file': cdn.ca, ...extra }, env: { WALINK_BOT_MODE: mode } });
	workers.push(w);
	await waitState(w, 'qr');
	await scanQr(sim, w, phone);
	await waitState(w, 'connected', 10000);
	return { w, sendDir, to: `${phone}@s.whatsapp.net` };
}

/** The worker's messages in c's inbox, by id: {id: [entry per device]}. */
async function fromWorker(c, n, w) {
	return waitFor(async () => {
		const inbox = (await sim.api('GET', `/sim/contacts/${c}/inbox`)).body;
		const by = {};
		for (const e of inbox)
			(by[e.id] ??= []).push(e);
		const done = Object.values(by).filter((l) => new Set(l.map((e) => e.device)).size === 2);
		return done.length >= n ? by : null;
	}, 30000, `${n} messages on both devices`).catch((e) => {
		e.message += `\n${w.output().split('\n').filter((l) => !/heartbeat/.test(l)).slice(-30).join('\n')}`;
		throw e;
	});
}

test('the bot answers a photo with it quoted, a location, a reaction, a PDF and a voice note, then text quoting text: every device decrypts them', async () => {
	const c = '4915112349101';
	const { w, sendDir, to } = await linked(c, '15550009101', 'reply', { '--typing': '150ms' });
	const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(20000)]);
	fs.writeFileSync(path.join(sendDir, 'ticket.pdf'), pdf);
	const ogg = Buffer.concat([Buffer.from('OggS'), crypto.randomBytes(7000)]);
	fs.writeFileSync(path.join(sendDir, 'eta.ogg'), ogg);
	const photo = crypto.randomBytes(48 * 1024);
	const r = await sim.api('POST', `/sim/contacts/${c}/send`, { to, media: { kind: 'image',
		data: photo.toString('base64'), caption: 'my booking' } });
	assert.equal(r.status, 200, r.text);
	const photoId = r.body.id;
	const by = await fromWorker(c, 5, w);
	const got = Object.values(by).map((l) => l.filter((e) => e.content));
	for (const l of got) {
		assert.equal(l.length, 2, 'both devices decrypted it');
		assert.deepEqual(l[0].content, l[1].content, 'both devices read the same');
	}
	const kinds = Object.fromEntries(got.map((l) => [l[0].content.kind, l[0].content]));
	assert.deepEqual(Object.keys(kinds).sort(), ['audio', 'document', 'image', 'location', 'reaction']);
	const image = kinds.image;
	assert.equal(image.media.ok, true, image.media.error);
	assert.equal(image.media.sha256, sha(photo));
	assert.equal(image.media.size, photo.length);
	assert.equal(image.media.mimetype, 'image/jpeg');
	assert.equal(image.text, 'your car');
	assert.deepEqual(image.quoted, { id: photoId, participant: `${c}@s.whatsapp.net`,
		kind: 'imageMessage' });
	assert.deepEqual(kinds.location.location, { latitude: 52.525083, longitude: 13.369402,
		name: 'Berlin Hbf', address: 'Europaplatz 1' });
	assert.equal(kinds.location.quoted.id, photoId);
	assert.deepEqual(kinds.reaction.reaction, { emoji: '👍', id: photoId,
		remoteJid: `${c}@s.whatsapp.net`, fromMe: false });
	const doc = kinds.document;
	assert.equal(doc.media.ok, true, doc.media.error);
	assert.equal(doc.media.sha256, sha(pdf));
	assert.equal(doc.media.fileName, 'ticket.pdf');
	assert.equal(doc.media.mimetype, 'application/pdf');
	assert.equal(doc.quoted, undefined);
	const voice = kinds.audio;
	assert.equal(voice.media.ok, true, voice.media.error);
	assert.equal(voice.media.sha256, sha(ogg));
	assert.equal(voice.media.ptt, true);
	assert.equal(voice.media.mimetype, 'audio/ogg; codecs=opus');
	// in the order the bot gave them (one chat's messages never overtake)
	const order = Object.values(by).map((l) => l[0].content.kind);
	assert.deepEqual(order.filter((k) => k !== 'text'), ['image', 'location', 'reaction', 'document', 'audio']);
	// uploads went to the CDN: three files (photo back, PDF, voice note
	// as "audio", whatsmeow mediaTypeToMMSType), each POSTed once
	const cdn = (await sim.api('GET', '/sim/media')).body;
	const posts = cdn.requests.filter((q) => q.method === 'POST');
	assert.deepEqual(posts.map((q) => [q.path.split('/')[2], q.status]).sort(),
	    [['audio', 200], ['document', 200], ['image', 200]]);
	// "typing..." before each message ("recording..." before the voice
	// note), "paused" before it goes
	const log = (await sim.api('GET', '/sim/log')).text.split('\n');
	const states = log.filter((l) => /<chatstate/.test(l) && l.includes(c));
	assert.equal(states.filter((l) => /<composing/.test(l)).length, 5, states.join('\n'));
	assert.equal(states.filter((l) => /<composing media='audio'/.test(l)).length, 1, states.join('\n'));
	assert.equal(states.filter((l) => /<paused/.test(l)).length, 5, states.join('\n'));
	// a text quoting the contact's next message (plain text), not the photo
	const t = await sim.api('POST', `/sim/contacts/${c}/send`, { to, text: 'thanks!' });
	assert.equal(t.status, 200, t.text);
	const by2 = await fromWorker(c, 6, w);
	const ok = Object.values(by2).map((l) => l[0].content).find((x) => x.kind === 'text');
	assert.deepEqual(ok, { kind: 'text', text: 'ok', quoted: { id: t.body.id,
		participant: `${c}@s.whatsapp.net`, kind: 'conversation' } });
	assert.doesNotMatch(w.output(), /your car|Berlin Hbf|Europaplatz|my booking|thanks!/, 'no content in logs');
});

test('files outside the send and media directories or behind a symbolic link are refused; the rest goes', async () => {
	const c = '4915112349102';
	const { w, sendDir, to } = await linked(c, '15550009102', 'hostile');
	const secret = path.join(path.dirname(path.dirname(sendDir)), 'secret.jpg');
	fs.writeFileSync(secret, crypto.randomBytes(1000));
	fs.symlinkSync(secret, path.join(sendDir, 'link.jpg'));
	const r = await sim.api('POST', `/sim/contacts/${c}/send`, { to, text: 'hello' });
	assert.equal(r.status, 200, r.text);
	const by = await fromWorker(c, 1, w);
	const contents = Object.values(by).map((l) => l[0].content);
	assert.deepEqual(contents, [{ kind: 'text', text: 'only this arrives' }]);
	await w.waitOutput(/message 1 of 4 \(document\) not sent: file outside the send and media directories/, 5000);
	await w.waitOutput(/message 2 of 4 \(image\) not sent: the file is a symbolic link/, 5000);
	await w.waitOutput(/message 3 of 4 \(document\) not sent: "\." or "\.\." in the file name/, 5000);
	const cdn = (await sim.api('GET', '/sim/media')).body;
	assert.equal(cdn.requests.filter((q) => q.method === 'POST').length, 3, 'only the first test uploaded');
});

test('pacing holds a burst to the rate, and an upload goes on past a media host that does not answer', async () => {
	const c = '4915112349103';
	// media_conn now lists a host where nothing listens before the CDN
	const dead = `127.0.0.1:${await freePort()}`;
	assert.equal((await sim.api('POST', '/sim/media/dead-host', { hostname: dead })).status, 200);
	const { w, sendDir, to } = await linked(c, '15550009103', 'burst', { '--pace-per-chat': 60 });
	const car = crypto.randomBytes(30000);
	fs.writeFileSync(path.join(sendDir, 'car.jpg'), car);
	const sentAt = Date.now();
	const r = await sim.api('POST', `/sim/contacts/${c}/send`, { to, text: 'where is my car?' });
	assert.equal(r.status, 200, r.text);
	const by = await fromWorker(c, 7, w);
	const got = Object.values(by).map((l) => l[0].content);
	assert.deepEqual(got.map((x) => x.kind === 'image' ? 'image' : x.text),
	    ['image', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'], 'in the order the bot gave');
	assert.equal(got[0].media.ok, true, got[0].media.error);
	assert.equal(got[0].media.sha256, sha(car));
	// when each left the worker, by the simulator's log (ms)
	const log = (await sim.api('GET', '/sim/log')).text.split('\n');
	const at = Object.keys(by).map((id) => {
		const line = log.find((l) => / in /.test(l) && l.includes(`<message`) && l.includes(`id='${id}'`));
		assert.ok(line, `the log has message ${id}`);
		return Date.parse(line.split(' ')[1]);
	});
	// a bucket of 5 at one a second: the image (once uploaded) and m1..m4
	// at once; m5 and m6 one and two seconds after the image's token,
	// which was taken after the contact wrote
	assert.ok(at[4] - at[0] < 900, `m1..m4 took ${at[4] - at[0]} ms after the image`);
	assert.ok(at[5] - sentAt >= 1000, `m5 came ${at[5] - sentAt} ms after the contact wrote`);
	assert.ok(at[6] - sentAt >= 2000, `m6 came ${at[6] - sentAt} ms after the contact wrote`);
	const cdn = (await sim.api('GET', '/sim/media')).body;
	assert.deepEqual(cdn.requests.filter((q) => q.method === 'POST').map((q) => q.status), [200, 200, 200, 200],
	    'one more upload, on the live host');
});
