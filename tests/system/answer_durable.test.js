// An inbound message leaves the journal only once its whole answer is in
// the outbox (issue 12): a SIGKILL while the answer's second message
// waits for pacing, or while its photo uploads to a CDN that hangs, serves
// the message again after the restart, and each message of the answer
// arrives exactly once. A photo whose hook finds the hook's queue full is
// handed over once the queue frees, from the file already stored
// (downloaded once), as a text's hook is retried; a photo served again
// after a crash is not downloaded again either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, waitFor } from '../support/wait.js';
import { messagingFixture } from '../support/messaging.js';
import { fileURLToPath } from 'node:url';

const BOT = `${process.execPath} ${path.join(path.dirname(fileURLToPath(import.meta.url)), 'outbound-bot.js')}`;
const fx = messagingFixture({ prefix: 'walink-ans-', firstPhone: 15550009300 });
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

async function inbox(phone) {
	return (await fx.sim.api('GET', `/sim/contacts/${phone}/inbox`)).body;
}

/** Waits until some reply in phone's inbox has text; returns the inbox. */
async function replied(phone, text, w, ms = 15000) {
	return waitFor(async () => {
		const box = await inbox(phone);
		return box.some((m) => m.text === text) ? box : null;
	}, ms, `the reply "${text}"`).catch((e) => {
		e.message += `\n${w.output().split('\n').filter((l) => !/heartbeat/.test(l)).slice(-40).join('\n')}`;
		throw e;
	});
}

test('SIGKILL while the second message of an answer waits for pacing: after the restart each message arrives exactly once', async () => {
	const c = '4915112349301';
	await fx.contact(c);
	// one message a minute to a chat: the answer's second waits 60 s
	let w = await fx.paired({ allow: [c], extra: { '--pace-per-chat': '1' },
	    env: { WALINK_HOOK_MODE: 'pair' } });
	const { id } = await fx.send(c, w, 'late');
	await w.waitOutput(/answer to \S+: message 2 of 2 waits \d+ ms \(pacing\)/, 15000);
	await replied(c, 'late 1', w);
	await w.kill9();
	w = await fx.restart(w);
	await w.waitOutput(new RegExp(`message ${id}: served again after a restart`), 15000);
	const box = await replied(c, 'late 2', w);
	// the first went once (its ack lost in the kill, it goes again under
	// its own id: receivers drop the copy), the second once
	for (const text of ['late 1', 'late 2'])
		assert.equal(new Set(box.filter((m) => m.text === text).map((m) => m.id)).size, 1,
		    `one "${text}"`);
	assert.equal(box.filter((m) => /^late/.test(m.text)).length >= 2, true);
	assert.match(w.output(), /answer to \S+: message 1 of 2 already in the outbox; not sent twice/);
	assert.equal(fx.hookRuns(w).filter((r) => r.id === id).length, 2, 'the hook ran again after the crash');
	// nothing more comes for it: the message was served this time
	await w.waitOutput(/answer to \S+: message 2 of 2 \(text\) queued/, 5000);
	assert.doesNotMatch(w.output(), /cannot decrypt|Sanitizer|runtime error/);
});

test('SIGKILL while the answer\'s photo uploads to a CDN that hangs: after the restart each message of the answer arrives exactly once', async () => {
	const c = '4915112349304';
	await fx.contact(c);
	const cdn = (await fx.sim.api('GET', '/sim/media')).body;
	assert.equal((await fx.sim.api('POST', '/sim/media/faults', { upload: 'hold' })).status, 200);
	let w = await fx.paired({ allow: [c], extra: { '--hook-cmd': BOT, '--media-ca-file': cdn.ca },
	    env: { WALINK_BOT_MODE: 'sandwich' } });
	const sendDir = path.join(w.opts.dataDir, 'send', 'default');
	fs.mkdirSync(sendDir, { recursive: true, mode: 0o700 });
	const car = crypto.randomBytes(25000);
	fs.writeFileSync(path.join(sendDir, 'car.jpg'), car);
	const posts = async (status) => (await fx.sim.api('GET', '/sim/media')).body.requests
	    .filter((q) => q.method === 'POST' && q.status === status).length;
	const uploaded = await posts(200);
	const { id } = await fx.send(c, w, 'sandwich');
	await replied(c, 'sandwich 1', w);
	await waitFor(async () => await posts(0) >= 1, 15000, 'the upload held by the CDN');
	await w.kill9();
	assert.equal((await fx.sim.api('POST', '/sim/media/faults', { upload: 'normal' })).status, 200);
	w = await fx.restart(w);
	await w.waitOutput(new RegExp(`message ${id}: served again after a restart`), 15000);
	const box = await replied(c, 'sandwich 3', w);
	const mine = box.filter((m) => m.from.startsWith(`${w.phone}:`));
	assert.equal(new Set(mine.filter((m) => m.text === 'sandwich 1').map((m) => m.id)).size, 1, 'one "sandwich 1"');
	assert.equal(new Set(mine.filter((m) => m.text === 'sandwich 3').map((m) => m.id)).size, 1, 'one "sandwich 3"');
	const images = mine.filter((m) => m.content?.kind === 'image');
	assert.equal(new Set(images.map((m) => m.id)).size, 1, 'one photo');
	assert.equal(images[0].content.media.sha256, sha(car));
	assert.equal(await posts(200) - uploaded, 1, 'uploaded once, after the restart');
	assert.match(w.output(), /answer to \S+: message 1 of 3 already in the outbox; not sent twice/);
});

test('a photo whose hook finds the queue full gets its hook once the queue frees, from the file already stored', async () => {
	const c = '4915112349302';
	await fx.contact(c);
	const gate = path.join(tmpDir('walink-gate-'), 'open');
	const cdn = (await fx.sim.api('GET', '/sim/media')).body;
	const w = await fx.paired({ allow: [c], extra: { '--hook-max': '1', '--media-ca-file': cdn.ca },
	    env: { WALINK_HOOK_MODE: 'gate', WALINK_HOOK_GATE: gate } });
	// one hook runs (held by the gate) and 64 wait: hook.h HOOK_QUEUE_MAX
	for (let i = 0; i < 65; i++)
		await fx.send(c, w, `t${i}`);
	const gets = async () => (await fx.sim.api('GET', '/sim/media')).body.requests
	    .filter((q) => q.method === 'GET').length;
	const before = await gets();
	const photo = crypto.randomBytes(20000);
	const { id } = await fx.send(c, w, undefined, { media: { kind: 'image',
		data: photo.toString('base64'), caption: 'the photo' } });
	await w.waitOutput(new RegExp(`message ${id}: media stored`), 15000);
	await w.waitOutput(new RegExp(`message ${id}: hook queue full; the message waits`), 15000);
	fs.writeFileSync(gate, '');
	const run = await waitFor(() => fx.hookRuns(w).find((r) => r.id === id), 25000,
	    'the photo\'s hook run').catch((e) => {
		e.message += `\n${w.output().split('\n').filter((l) => !/heartbeat/.test(l)).slice(-40).join('\n')}`;
		throw e;
	});
	assert.equal(run.type, 'image');
	assert.equal(run.media.sha256, sha(photo));
	assert.equal(sha(fs.readFileSync(run.media.path)), sha(photo));
	assert.match(w.output(), new RegExp(`message ${id}: media already stored; hook started`));
	assert.equal(await gets() - before, 1, 'the photo was downloaded once');
	// and every text's hook
	await waitFor(() => new Set(fx.hookRuns(w).map((r) => r.text)).size >= 66, 20000, 'all 66 hook runs');
	assert.doesNotMatch(w.output(), /Sanitizer|runtime error/);
});

test('SIGKILL while a photo\'s hook runs: served again after the restart, the stored file is handed over without a second download', async () => {
	const c = '4915112349303';
	await fx.contact(c);
	const gate = path.join(tmpDir('walink-gate-'), 'open');
	const cdn = (await fx.sim.api('GET', '/sim/media')).body;
	let w = await fx.paired({ allow: [c], extra: { '--media-ca-file': cdn.ca },
	    env: { WALINK_HOOK_MODE: 'gate', WALINK_HOOK_GATE: gate } });
	const gets = async () => (await fx.sim.api('GET', '/sim/media')).body.requests
	    .filter((q) => q.method === 'GET').length;
	const before = await gets();
	const photo = crypto.randomBytes(30000);
	const { id } = await fx.send(c, w, undefined, { media: { kind: 'image',
		data: photo.toString('base64'), caption: 'before the crash' } });
	await w.waitOutput(new RegExp(`message ${id}: media stored \\(`), 15000);
	// the orphaned first hook holds the worker's stderr until the gate
	// opens: the kill is only over (its output closed) once it ends too
	const killed = w.kill9();
	fs.writeFileSync(gate, '');
	await killed;
	w = await fx.restart(w);
	await w.waitOutput(new RegExp(`message ${id}: media stored before; not downloaded again`), 15000);
	await replied(c, 'before the crash', w);
	const runs = fx.hookRuns(w).filter((r) => r.id === id);
	assert.ok(runs.length >= 1);
	for (const r of runs)
		assert.equal(sha(fs.readFileSync(r.media.path)), sha(photo));
	assert.equal(await gets() - before, 1, 'the photo was downloaded once');
});

test('an inbox full by its byte bound leaves the next messages undecrypted and unacked; once the hook works it off, a reconnect brings every one', async () => {
	const c = '4915112349304';
	await fx.contact(c);
	const gate = path.join(tmpDir('walink-gate-'), 'open');
	const w = await fx.paired({ allow: [c], extra: { '--hook-max': '1' },
	    env: { WALINK_HOOK_MODE: 'gate', WALINK_HOOK_GATE: gate } });
	// 72 texts of 250 KB (a text is at most 256 KiB): the inbox (16 MiB,
	// msg_internal.h MSG_INBOX_BYTES) holds about 67 while the gate holds
	// the hook
	const N = 72;
	const texts = [];
	for (let i = 0; i < N; i++) {
		const unit = `${i}-`;
		const repeat = Math.floor(250000 / unit.length);
		texts.push(unit.repeat(repeat));
		await fx.send(c, w, unit, { repeat });
	}
	await w.waitOutput(/message inbox: full \(\d+ messages, \d+ bytes\)/, 20000);
	fs.writeFileSync(gate, '');
	// half worked off: the worker reconnects for what it left unacked
	await w.waitOutput(/message inbox: room again; reconnecting so that the server sends the \d+ messages? left unacked/, 30000);
	await waitFor(() => new Set(fx.hookRuns(w).map((r) => r.text)).size >= N, 30000,
	    `all ${N} texts reach the hook`);
	assert.deepEqual([...new Set(fx.hookRuns(w).map((r) => r.text))].sort(), [...texts].sort());
	// the refused ones were never decrypted: their redelivery is no duplicate
	assert.doesNotMatch(w.output(), /already decrypted|cannot decrypt|Sanitizer|runtime error/);
});

test('every worker stops cleanly', async () => {
	for (const w of fx.workers.splice(0)) {
		const r = await w.stop();
		if (r.sig !== 'SIGKILL')
			assert.equal(r.code, 0, `worker exit: ${JSON.stringify(r)}`);
		assert.doesNotMatch(w.output(), /Sanitizer|runtime error/, w.output().slice(-3000));
	}
});
