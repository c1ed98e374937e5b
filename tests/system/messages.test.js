// wa-worker messaging against wa-sim's contacts (whose Signal is libsignal,
// independent of ours): whitelist first, the bot hook, replies to every
// device, LID senders, sessions across kill -9, hooks that hang or fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import protobuf from 'protobufjs';
import { waitState, ipcCall, tmpDir, waitFor, freePort } from '../support/harness.js';
import { messagingFixture } from '../support/messaging.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = messagingFixture({ prefix: 'walink-msg-', firstPhone: 15550002000 });
const { paired, restart, hookRuns, contact } = fx;
const workers = fx.workers;

/** The contact writes to the worker's phone; resolves the message id. */
async function send(from, w, text, extra = {}) {
	return (await fx.send(from, w, text, extra)).id;
}

async function inbox(phone) {
	return (await fx.sim.api('GET', `/sim/contacts/${phone}/inbox`)).body;
}

/** Waits until the contact's inbox holds n entries; returns them. */
async function waitInbox(phone, n, w, ms = 15000) {
	try {
		return await waitFor(async () => {
			const box = await inbox(phone);
			return box.length >= n ? box : null;
		}, ms, `${n} replies in ${phone}'s inbox`);
	} catch (e) {
		e.message += `\n--- worker output ---\n${w.output().slice(-6000)}`;
		throw e;
	}
}

/** Subscribes to the worker's events (nanocat --sub --hex); decoded MessageSeen bodies. */
async function subscribe(w) {
	const root = await protobuf.load(path.join(here, '..', '..', 'proto', 'ipc.proto'));
	const Event = root.lookupType('wlipc.Event');
	const sub = spawn('nanocat', ['--sub', '--connect', `ipc://${path.resolve(w.dataDir)}/run/worker.events`,
	    '--hex'], { stdio: ['ignore', 'pipe', 'ignore'] });
	let buf = '';
	sub.stdout.on('data', (d) => { buf += d; });
	// the subscription is in place once the first event (a heartbeat) arrives
	await waitFor(() => buf.length > 0, 5000, 'a first event on the subscription');
	return {
		messages: () => buf.split('\n').filter((l) => l.startsWith('"')).map((l) => {
			const bytes = Buffer.from((l.match(/\\x([0-9a-fA-F]{2})/g) || [])
			    .map((h) => parseInt(h.slice(2), 16)));
			return Event.toObject(Event.decode(bytes), { longs: Number });
		}).filter((e) => e.message).map((e) => e.message),
		raw: () => buf,
		stop: () => sub.kill('SIGKILL'),
	};
}

async function simLog() {
	return (await fx.sim.api('GET', '/sim/log')).text;
}

test('a whitelisted contact gets the hook\'s exact reply: plain, emoji, RTL, 4 KB', async (t) => {
	const c = '4915112340001';
	await contact(c);
	const w = await paired({ allow: [c] });
	const ev = await subscribe(w);
	const texts = ['hello walink', 'emoji 😀👍🏽 🇩🇪 ok', 'مرحبا بالعالم שלום עולם',
	    'x'.repeat(2000) + 'ü'.repeat(1000)];
	const ms = [];
	for (let i = 0; i < texts.length; i++) {
		const t0 = Date.now();
		await send(c, w, texts[i]);
		const box = await waitInbox(c, i + 1, w);
		ms.push(Date.now() - t0);
		assert.equal(box[i].text, texts[i], `reply ${i} is the exact text`);
		assert.equal(box[i].error, undefined);
	}
	// figures, not assertions: send -> hook (node start) -> reply in the inbox
	t.diagnostic(`round trips (ms, ASan build, hook = node): ${ms.join(' ')}`);
	const runs = hookRuns(w);
	assert.equal(runs.length, texts.length);
	const seen = ev.messages();
	ev.stop();
	assert.equal(seen.length, texts.length, 'one accepted event per message');
	assert.ok(seen.every((m) => m.accepted === true && m.from === c && !m.reason));
	assert.equal(runs[0].from, c);
	assert.equal(runs[0].text, texts[0]);
	assert.match(runs[0].id, /^[0-9A-F]+$/);
	assert.ok(runs[0].timestamp > 1.6e9);
	assert.equal(typeof runs[0].pushName, 'string');
	for (const t of texts)
		assert.equal(w.output().includes(t.slice(0, 12)), false, 'no message text in the log');
	assert.doesNotMatch(await simLog(), /could not decrypt/);
});

/** Stanza log lines from or to the worker's phone. */
async function logOf(w) {
	return (await simLog()).split('\n').filter((l) => l.includes(w.phone));
}

test('a contact off the whitelist: no hook run, no reply, a refusal logged', async () => {
	const c = '4915112340002';
	await contact(c);
	const w = await paired({ allow: ['4915199999999'] });
	const ev = await subscribe(w);
	const id = await send(c, w, 'let me in');
	await waitFor(() => /refused: not whitelisted/.test(w.output()), 10000, 'the refusal');
	const seen = await waitFor(() => ev.messages().length ? ev.messages() : null, 5000,
	    'a MessageSeen event');
	ev.stop();
	assert.deepEqual(seen[0], { accepted: false, from: c, id, reason: 'not whitelisted',
	    t: seen[0].t });
	assert.ok(seen[0].t > 1.6e12, 'message time in ms');
	const allBytes = Buffer.from((ev.raw().match(/\\x([0-9a-fA-F]{2})/g) || [])
	    .map((h) => parseInt(h.slice(2), 16)));
	assert.ok(allBytes.length > 0);
	assert.equal(allBytes.includes('let me in'), false, 'no message text in any event');
	// the refusal above is the worker's decision on this message: a hook
	// would have been started before it, never after
	assert.equal(hookRuns(w).length, 0, 'the hook never ran');
	assert.equal((await inbox(c)).length, 0, 'no reply');
	assert.equal(w.output().includes('let me in'), false);
	assert.equal((await waitState(w, 'connected')).state, 'connected');
});

test('--auto-reply: a refused contact gets exactly the configured text', async () => {
	const c = '4915112340003';
	await contact(c);
	const w = await paired({ allow: [], extra: { '--auto-reply': 'Sorry, this bot is private.' } });
	await send(c, w, 'hi?');
	const box = await waitInbox(c, 1, w);
	assert.equal(box[0].text, 'Sorry, this bot is private.');
	// a second message soon after gets no second auto-reply (no bot-to-bot loops)
	await send(c, w, 'hello??');
	await waitFor(() => (w.output().match(/refused: not whitelisted/g) || []).length === 2,
	    10000, 'the second refusal');
	// no event marks an auto-reply not sent: a marker is. Another refused
	// contact writes after the second refusal; auto-replies leave in the
	// order of their refusals, so once the marker's has arrived, a second
	// one to c would have too.
	const m = '4915112340093';
	await contact(m);
	await send(m, w, 'marker');
	await waitInbox(m, 1, w);
	assert.equal((await inbox(c)).length, 1, 'one auto-reply');
	assert.equal(hookRuns(w).length, 0);
});

test('LID senders: sender_pn serves, the mapping persists, unmapped LIDs are refused', async () => {
	const a = '4915112340004';		// whitelisted, writes from a LID with sender_pn
	const b = '4915112340005';		// not whitelisted, LID with sender_pn
	const ca = await contact(a, { lid: true });
	await contact(b, { lid: true });
	const w = await paired({ allow: [a] });
	await send(a, w, 'from my lid');
	let box = await waitInbox(a, 1, w);
	assert.equal(box[0].text, 'from my lid');
	assert.equal(hookRuns(w)[0].from, a, 'the hook sees the phone number, not the LID');
	await send(b, w, 'lid but not allowed');
	await waitFor(() => /refused: not whitelisted/.test(w.output()), 10000, 'b refused');
	// a without sender_pn: the mapping learnt above (and saved) still serves it
	await contact(a, { lid: ca.lid.split('@')[0], pn: false });
	await send(a, w, 'no pn now');
	box = await waitInbox(a, 2, w);
	assert.equal(box[1].text, 'no pn now');
	const blob = path.join(w.dataDir, 'whatsapp-session', 'session-default', 'lid-map.log');
	assert.ok(fs.existsSync(blob), 'the LID map is a session file');
	assert.equal((await inbox(b)).length, 0);
	assert.equal(hookRuns(w).length, 2);
});

test('LID without sender_pn: held without any lookup, served once a devices notification maps it', async () => {
	const c = '4915112340006';
	await contact(c, { lid: true, pn: false });
	const w = await paired({ allow: [c] });
	await send(c, w, 'who am i');
	await waitFor(() => /has no known number yet; waiting/.test(w.output()), 10000,
	    'held as unmapped');
	assert.equal(hookRuns(w).length, 0);
	assert.equal((await inbox(c)).length, 0);
	// the contact links a new device: the server's devices notification
	// carries its LID (whatsmeow handleDeviceNotification), the held
	// message is replayed and served
	const r = await fx.sim.api('POST', `/sim/contacts/${c}/devices`, { add: true });
	assert.equal(r.status, 200, r.text);
	const box = await waitInbox(c, 1, w);
	assert.equal(box[0].text, 'who am i');
	assert.equal(hookRuns(w)[0].from, c);
	// never a usync to find out who a LID is (protocol-notes §9)
	const lidQueries = (await logOf(w)).filter((l) => /xmlns='usync'.*<lid\/>/.test(l));
	assert.equal(lidQueries.length, 0, lidQueries.join('\n'));
});

test('a reply the hook makes while the link is down goes out once it is back', async () => {
	const c = '4915112340007';
	await contact(c);
	const w = await paired({ allow: [c], env: { WALINK_HOOK_MODE: 'slow' } });
	await send(c, w, 'answer me later');
	await waitFor(() => /hook started/.test(w.output()), 10000, 'the hook started');
	// the link goes down for 2 s while the 700 ms hook still runs
	const r = await fx.sim.api('POST', '/sim/inject', { jid: w.jid, fault: 'temp-ban', seconds: 2 });
	assert.equal(r.status, 200, r.text);
	await waitFor(() => /waits for the link/.test(w.output()), 10000, 'the reply waits');
	const box = await waitInbox(c, 1, w, 20000);
	assert.equal(box[0].text, 'answer me later');
	assert.doesNotMatch(w.output(), /could not send the reply/);
});

test('kill -9 mid-conversation: no decryption failure, no message answered twice', async () => {
	const c = '4915112340007';
	await contact(c);
	let w = await paired({ allow: [c] });
	for (let i = 0; i < 3; i++) {
		await send(c, w, `before ${i}`);
		await waitInbox(c, i + 1, w);
	}
	await w.kill9();
	// written while the worker is down: the server queues it for the next login
	await send(c, w, 'while you were out');
	w = await restart(w);
	// Each reply is waited for by its text. A kill that lands before the
	// server took in our ack of "before 2" has it delivered again; the
	// journal and the outbox (issue 12) keep the hook's second answer
	// from going out. A reply sent again under its own id after the
	// restart is the same message (receivers drop the copy): counted once.
	const replied = (text) => waitFor(async () => {
		const box = await inbox(c);
		return box.some((m) => m.text === text) ? box : null;
	}, 15000, `the reply "${text}"`);
	let box = await replied('while you were out');
	for (let i = 0; i < 3; i++) {
		await send(c, w, `after ${i}`);
		box = await replied(`after ${i}`);
		assert.equal(box.at(-1).text, `after ${i}`, 'replies keep their order');
	}
	// this worker's replies (the previous test's bot wrote to c too)
	const byId = new Map(box.filter((m) => m.from.startsWith(`${w.phone}:`))
	    .map((m) => [m.id, m.text]));
	const texts = [...byId.values()];
	assert.equal(new Set(texts).size, texts.length,
	    `no message answered twice: ${JSON.stringify(texts)}`);
	assert.equal(byId.size, 7, `one reply per message: ${JSON.stringify(box)}`);
	assert.ok((await inbox(c)).every((m) => !m.error && m.text !== null),
	    'every reply decrypted');
	const lines = await logOf(w);
	assert.equal(lines.filter((l) => /type="retry"/.test(l)).length, 0, 'no retry receipts');
	assert.doesNotMatch(w.output(), /cannot decrypt/);
	assert.doesNotMatch(await simLog(), /could not decrypt/);
});

test('an undecryptable message gets a retry receipt; the resent one is served', async () => {
	const c = '4915112340008';
	await contact(c);
	const w = await paired({ allow: [c] });
	await send(c, w, 'first, fine');
	await waitInbox(c, 1, w);
	await send(c, w, 'second, mangled', { corrupt: true });
	const box = await waitInbox(c, 2, w);
	assert.equal(box[1].text, 'second, mangled');
	assert.match(w.output(), /asked the sender to retry/);
});

test('a hook that hangs is killed at the timeout; one that fails is logged; the link stays', async () => {
	const c = '4915112340009';
	await contact(c);
	const w = await paired({ allow: [c], extra: { '--hook-timeout': '1s' },
	    env: { WALINK_HOOK_MODE: 'hang' } });
	await send(c, w, 'hang please');
	await waitFor(() => /killed at the timeout/.test(w.output()), 10000, 'the kill');
	assert.equal((await inbox(c)).length, 0);
	assert.equal((await waitState(w, 'connected')).state, 'connected');
	const c2 = '4915112340010';
	await contact(c2);
	const w2 = await paired({ allow: [c2], env: { WALINK_HOOK_MODE: 'fail' } });
	await send(c2, w2, 'fail please');
	await waitFor(() => /failed \(status 3\)/.test(w2.output()), 10000, 'the failure');
	assert.equal((await waitState(w2, 'connected')).state, 'connected');
	assert.equal((await inbox(c2)).length, 0);
});

test('our other device gets a deviceSentMessage copy of the reply and serves nothing', async () => {
	const c = '4915112340011';
	await contact(c);
	const a = await paired({ allow: [c] });
	const b = await paired({ allow: [c], phone: a.phone });
	const devA = (await fx.sim.api('GET', '/sim/devices')).body
	    .filter((d) => d.phone === a.phone).map((d) => d.jid);
	assert.equal(devA.length, 2);
	const [jidA, jidB] = devA;
	assert.ok(a.output().includes(`paired as ${jidA}`), 'the first device is a');
	const r = await fx.sim.api('POST', `/sim/contacts/${c}/send`, { to: jidA, text: 'to one device' });
	assert.equal(r.status, 200, r.text);
	const box = await waitInbox(c, 1, a);
	assert.equal(box[0].text, 'to one device');
	// the copy reached the other device (recipient = the chat), which decrypted
	// it (its delivery receipt to a proves that) and ran no hook
	const esc = (j) => j.replace(/[.]/g, '\\.');
	await waitFor(async () => {
		const lines = (await simLog()).split('\n');
		return lines.some((l) => new RegExp(`out c\\d+ ${esc(jidB)} <message from='${esc(jidA)}' ` +
		    `recipient='${c}@s\\.whatsapp\\.net'`).test(l)) &&
		    lines.some((l) => new RegExp(`in c\\d+ ${esc(jidB)} <receipt id='3EB0[0-9A-F]+' ` +
		    `to='${esc(jidA)}'`).test(l));
	}, 10000, 'the copy relayed to our other device and decrypted there');
	// b decides whether to serve a message as it sends the delivery receipt
	// (msg_recv.c): once the receipt is out, a hook would have been started
	assert.doesNotMatch(b.output(), /accepted \(\d+ bytes\)/, 'the other device serves nothing');
	assert.equal(hookRuns(b).length, 0);
	assert.doesNotMatch(b.output(), /cannot decrypt/);
	assert.equal(hookRuns(a).length, 1);
});

test('a hook printing more than 64 KiB is cut to 64 KiB', async () => {
	const c = '4915112340012';
	await contact(c);
	const w = await paired({ allow: [c], env: { WALINK_HOOK_MODE: 'big' } });
	await send(c, w, 'big please');
	const box = await waitInbox(c, 1, w);
	assert.equal(box[0].text, 'b'.repeat(65536));
});

test('the hook sees PATH, HOME, LANG and WALINK_* only, never the operator\'s secrets', async () => {
	const c = '4915112340019';
	await contact(c);
	const w = await paired({ allow: [c], env: { WALINK_HOOK_MODE: 'env',
	    WA_ADMIN_PASSWORD: 'operator-secret', WA_API_TOKEN: 'operator-token',
	    AWS_SECRET_ACCESS_KEY: 'cloud-key', LANG: 'C.UTF-8' } });
	await send(c, w, 'what do you see?');
	const box = await waitInbox(c, 1, w);
	const names = box[0].text.split(' ');
	assert.ok(names.includes('WALINK_HOOK_MODE') && names.includes('WALINK_HOOK_LOG'), box[0].text);
	assert.ok(names.includes('PATH') && names.includes('LANG'), box[0].text);
	for (const n of names)
		assert.ok(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'PWD', 'SHLVL', '_'].includes(n) ||
		    n.startsWith('WALINK_'), `the hook saw ${n}`);
});

test('--hook-url: the JSON is POSTed and the (chunked) body is the reply', async () => {
	const c = '4915112340013';
	await contact(c);
	const seen = [];
	const srv = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			const m = JSON.parse(body);
			seen.push({ m, type: req.headers['content-type'], path: req.url });
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.write('echo: ');
			res.end(m.text.toUpperCase());
		});
	});
	const port = await freePort();
	await new Promise((r) => srv.listen(port, '127.0.0.1', r));
	try {
		const w = await paired({ allow: [c], extra: { '--hook-cmd': undefined,
		    '--hook-url': `http://127.0.0.1:${port}/bot` } });
		await send(c, w, 'über url 😀');
		const box = await waitInbox(c, 1, w);
		assert.equal(box[0].text, 'echo: ÜBER URL 😀');
		assert.equal(seen.length, 1);
		assert.equal(seen[0].path, '/bot');
		assert.equal(seen[0].type, 'application/json');
		assert.equal(seen[0].m.from, c);
	} finally {
		srv.close();
	}
});

test('--hook-url answering 500 or not listening: logged, no reply, the link stays', async () => {
	const c = '4915112340016';
	await contact(c);
	const srv = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => { res.writeHead(500); res.end('bot broke'); });
	});
	const port = await freePort();
	await new Promise((r) => srv.listen(port, '127.0.0.1', r));
	try {
		const w = await paired({ allow: [c], extra: { '--hook-cmd': undefined,
		    '--hook-url': `http://127.0.0.1:${port}/`, '--hook-retries': 1 } });
		await send(c, w, 'server error please');
		await waitFor(() => /hook for .*: failed/.test(w.output()), 10000, 'the failure');
		srv.close();
		await send(c, w, 'nobody listens');
		await waitFor(() => (w.output().match(/hook for .*: failed/g) || []).length === 2,
		    10000, 'the second failure');
		assert.equal((await inbox(c)).length, 0);
		assert.equal((await waitState(w, 'connected')).state, 'connected');
	} finally {
		srv.close();
	}
});

test('sealed session files: Signal state is sealed at rest and survives kill -9', async () => {
	const c = '4915112340017';
	await contact(c);
	const keyFile = path.join(tmpDir('walink-key-'), 'session.key');
	fs.writeFileSync(keyFile, 'a-test-key-of-more-than-16-bytes', { mode: 0o600 });
	let w = await paired({ allow: [c], extra: { '--session-key-file': keyFile } });
	await send(c, w, 'sealed one');
	await waitInbox(c, 1, w);
	const dir = path.join(w.dataDir, 'whatsapp-session', 'session-default');
	// Signal sessions live in the message journal until it compacts
	// (message/msg_journal.h), then in ss-* files: sealed either way
	const sessions = fs.readdirSync(dir).filter((f) => f.startsWith('ss-'));
	const journal = path.join(dir, 'journal.log');
	assert.ok(sessions.length >= 1 || fs.existsSync(journal), 'a session blob or the journal');
	for (const f of sessions)
		assert.equal(fs.readFileSync(path.join(dir, f)).subarray(0, 8).toString(), 'WLSEAL3\n',
		    `${f} is sealed (store/seal.h)`);
	if (fs.existsSync(journal) && fs.statSync(journal).size > 7) {
		assert.equal(fs.readFileSync(journal).subarray(11, 19).toString(), 'WLSEAL2\n',
		    'journal.log records are sealed');
		assert.equal(fs.statSync(journal).mode & 0o777, 0o600, 'journal.log is 0600');
	}
	for (const f of fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()))
		assert.ok(!fs.readFileSync(path.join(dir, f)).includes('sealed one'),
		    `${f} holds no message text in the clear`);
	const log = path.join(dir, 'lid-map.log');	// sealed record by record
	if (fs.existsSync(log))
		assert.equal(fs.readFileSync(log).subarray(11, 19).toString(), 'WLSEAL2\n',
		    'lid-map.log records are sealed');
	await w.kill9();
	w = await restart(w);
	await send(c, w, 'sealed two');
	// by text: a reply whose ack the kill kept from the journal goes out
	// again under its own id first (receivers drop the copy)
	const box = await waitFor(async () => {
		const b = await inbox(c);
		return b.some((m) => m.text === 'sealed two') ? b : null;
	}, 15000, 'the reply "sealed two"');
	assert.equal(new Set(box.filter((m) => m.text === 'sealed one').map((m) => m.id)).size, 1,
	    'one reply to "sealed one", whatever was sent again');
	assert.doesNotMatch(w.output(), /cannot decrypt/);
});

test('--hook-max 1: hooks run one at a time and every message is answered', async () => {
	const c = '4915112340014';
	await contact(c);
	const w = await paired({ allow: [c], extra: { '--hook-max': '1' }, env: { WALINK_HOOK_MODE: 'slow' } });
	for (let i = 0; i < 3; i++)
		await send(c, w, `queued ${i}`);
	const box = await waitInbox(c, 3, w, 20000);
	assert.deepEqual(box.map((m) => m.text).sort(), ['queued 0', 'queued 1', 'queued 2']);
	const runs = hookRuns(w).sort((x, y) => x.start - y.start);
	assert.equal(runs.length, 3);
	for (let i = 1; i < runs.length; i++)
		assert.ok(runs[i].start >= runs[i - 1].end - 50, 'no two hooks overlap');
});

test('SIGTERM while a hook hangs: the hook is killed, the worker exits cleanly', async () => {
	const c = '4915112340015';
	await contact(c);
	const w = await paired({ allow: [c], extra: { '--hook-timeout': '60s' },
	    env: { WALINK_HOOK_MODE: 'hang' } });
	await send(c, w, 'hang forever');
	await waitFor(() => fs.existsSync(w.hookLog), 10000, 'the hook running');
	const r = await w.stop();
	assert.equal(r.code, 0, w.output().slice(-3000));
	assert.doesNotMatch(w.output(), /Sanitizer|runtime error/);
	await waitFor(() => processesOf(path.join(here, 'hook-echo.js')) === 0, 2000, 'the hung hook gone');
});

test('every worker stops cleanly: no sanitizer report, no hook left running', async () => {
	const all = workers.splice(0);
	for (const w of all) {
		const r = await w.stop();
		if (r.sig !== 'SIGKILL')
			assert.equal(r.code, 0, `worker exit: ${JSON.stringify(r)}`);
		assert.doesNotMatch(w.output(), /Sanitizer|runtime error/, w.output().slice(-3000));
	}
	await waitFor(() => processesOf(path.join(here, 'hook-echo.js')) === 0, 2000,
	    'no hook process left (the hung one was killed)');
});

/* Processes running name (a full path: another checkout's hooks, run by
 * tests beside these, are not ours to count). */
function processesOf(name) {
	let n = 0;
	for (const pid of fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
		try {
			const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
			// hooks, not the workers whose --hook-cmd names them
			if (cmd.includes(name) && !cmd.includes('wa-worker'))
				n++;
		} catch { /* gone */ }
	}
	return n;
}
