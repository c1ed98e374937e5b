// An inbound message leaves the journal only once its whole answer is in
// the outbox (issue 12): a SIGKILL while the answer's second message
// waits for pacing serves the message again after the restart, and each
// message of the answer arrives exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/wait.js';
import { messagingFixture } from '../support/messaging.js';

const fx = messagingFixture({ prefix: 'walink-ans-', firstPhone: 15550009300 });

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

test('every worker stops cleanly', async () => {
	for (const w of fx.workers.splice(0)) {
		const r = await w.stop();
		if (r.sig !== 'SIGKILL')
			assert.equal(r.code, 0, `worker exit: ${JSON.stringify(r)}`);
		assert.doesNotMatch(w.output(), /Sanitizer|runtime error/, w.output().slice(-3000));
	}
});
