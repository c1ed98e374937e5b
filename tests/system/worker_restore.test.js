// Restore after a torn live directory (issue 12, README "Backups and
// restore"). A worker talks with two contacts, a snapshot is taken, then
// the sessions move on: one contact writes again, a third writes for the
// first time. The worker is killed (-9) and its live directory torn as a
// crash outside our writes would leave it (credentials cut in half, a
// file gone). The next start restores, and the test shows:
//   - one whole generation came back: every file is the snapshot's copy,
//     except Signal sessions (with the identities they stand on, and the
//     contacts' privacy tokens) the live directory held newer (no mix);
//   - no Signal session older than one the worker used since: every live
//     session file comes back byte for byte;
//   - the torn directory is kept aside (backups/replaced-*);
//   - the next message from each contact decrypts on both sides: the hook
//     answers it and the contact reads the answer, with no retry receipt
//     and no decryption failure in the simulator's log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { simFixture, startWorker, tmpDir, waitFor, waitState, scanQr } from './helpers.js';

const PHONE = '15550009401';
const OLD = '4915112349401';	// before the snapshot and after it
const STILL = '4915112349402';	// before the snapshot only
const NEW = '4915112349403';	// first writes after the snapshot

const fx = simFixture();

function files(dir) {
	const out = new Map();
	for (const n of fs.readdirSync(dir)) {
		const p = path.join(dir, n);
		if (!n.startsWith('.') && fs.statSync(p).isFile())
			out.set(n, fs.readFileSync(p));
	}
	return out;
}

// What a restore keeps from the live directory when newer (store_backup.c
// keeps_newer): sessions, sender keys, the identities they stand on, the
// contacts' privacy tokens. Everything else is the snapshot's.
// journal.log: sessions since its last compaction live there (msg_journal.h)
const ratchet = (n) => /^(ss-|sk-|id-)/.test(n) || n === 'tctokens' || n === 'journal.log';

test('a torn live directory: one whole generation comes back, no older Signal session, the next message from each contact decrypts', async (t) => {
	const dir = tmpDir('walink-restore-');
	const live = path.join(dir, 'whatsapp-session', 'session-default');
	const backups = path.join(dir, 'whatsapp-session', 'backups');
	const hook = path.join(dir, 'echo.sh');
	fs.writeFileSync(hook, '#!/bin/sh\nsed -n \'s/.*"text":"\\([^"]*\\)".*/echo: \\1/p\'\n',
	    { mode: 0o700 });
	fs.writeFileSync(path.join(dir, 'media-auth-config.json'), JSON.stringify([OLD, STILL, NEW]));
	for (const phone of [OLD, STILL, NEW])
		assert.equal((await fx.sim.api('POST', '/sim/contacts', { phone })).status, 200);
	// A reply is found by its text: after a kill the journal may serve a
	// message again, and its reply goes out again under its own id (the
	// contact keeps one copy per id): never a second id for one text.
	const exchange = async (contact, text) => {
		const r = await fx.sim.api('POST', `/sim/contacts/${contact}/send`,
		    { to: `${PHONE}@s.whatsapp.net`, text });
		assert.equal(r.status, 200, r.text);
		const want = `echo: ${text}`;
		const mine = await waitFor(async () => {
			const b = (await fx.sim.api('GET', `/sim/contacts/${contact}/inbox`)).body;
			const m = b.filter((x) => x.text === want || x.error !== undefined);
			return m.length > 0 ? m : null;
		}, 20000, `the reply to ${contact}'s "${text}"`);
		assert.ok(mine.every((x) => x.error === undefined), `${contact} decrypted every reply`);
		assert.equal(new Set(mine.map((x) => x.id)).size, 1, `one reply to ${contact}'s "${text}"`);
	};
	const start = (extra = {}) => startWorker(fx.sim, { dataDir: dir,
	    extra: { '--hook-cmd': hook, ...extra } });

	// 1. sessions with two contacts, then a snapshot of that state
	const w1 = await start();
	await waitState(w1, 'qr');
	await scanQr(fx.sim, w1, PHONE);
	await waitState(w1, 'connected');
	await exchange(OLD, 'one');
	await exchange(STILL, 'one');
	await w1.stop();
	const w2 = await start({ '--backup-interval': '300ms' });
	const snaps = () => fs.readdirSync(backups).filter((n) => n.startsWith('session-default-'));
	await waitFor(() => snaps().length > 0, 10000, 'a snapshot');
	await w2.stop();
	for (const s of snaps().slice(1))
		fs.rmSync(path.join(backups, s), { recursive: true });
	const snap = snaps()[0];
	const snapFiles = files(path.join(backups, snap));
	assert.ok(snapFiles.has('creds.json'), 'the snapshot holds the credentials');

	// 2. the sessions move on, then a crash
	const w3 = await start();
	await waitState(w3, 'connected');
	await exchange(OLD, 'two');
	await exchange(NEW, 'one');
	await w3.kill9();
	const before = files(live);
	const moved = [...before.keys()].filter((n) => ratchet(n) &&
	    !before.get(n).equals(snapFiles.get(n) ?? Buffer.alloc(0)));
	assert.ok(moved.includes('journal.log') || moved.filter((n) => n.startsWith('ss-')).length >= 2,
	    `sessions moved on after the snapshot: ${moved.join(' ')}`);

	// 3. torn: credentials cut in half, one non-ratchet file gone
	const creds = before.get('creds.json');
	fs.writeFileSync(path.join(live, 'creds.json'), creds.subarray(0, creds.length >> 1));
	const gone = [...before.keys()].find((n) => n !== 'creds.json' && !ratchet(n) && snapFiles.has(n));
	assert.ok(gone, 'a file of the snapshot to remove');
	fs.unlinkSync(path.join(live, gone));
	t.diagnostic(`snapshot ${snap}: ${snapFiles.size} files; live ${before.size}; ` +
	    `moved on: ${moved.join(' ')}; removed: ${gone ?? '-'}`);

	// 4. restore, with the server out of reach: nothing is written after it
	const w4 = await start({ '--url': 'ws://127.0.0.1:9/ws/chat' });
	let after;
	try {
		await w4.waitOutput(new RegExp(`restored credentials from backups/${snap}`), 15000);
		after = files(live);
	} finally {
		await w4.stop();
	}
	for (const [n, bytes] of after) {
		const rolledBack = before.has(n) && snapFiles.has(n) &&
		    !before.get(n).equals(snapFiles.get(n)) && bytes.equals(snapFiles.get(n));
		if (ratchet(n) && moved.includes('journal.log'))
			// the kept journal, and the sessions the restarted worker
			// wrote out of it (its start-up compaction), never the
			// snapshot's older copy of one the worker had moved on from
			assert.ok((before.has(n) && bytes.equals(before.get(n))) || !rolledBack,
			    `${n}: the session the worker used last, not an older one`);
		else if (ratchet(n) && before.has(n))
			assert.ok(bytes.equals(before.get(n)),
			    `${n}: the session the worker used last, not an older one`);
		else
			assert.ok(snapFiles.has(n) && bytes.equals(snapFiles.get(n)), `${n}: the snapshot's copy`);
	}
	for (const n of [...snapFiles.keys(), ...moved])
		assert.ok(after.has(n), `${n} came back`);
	assert.ok(fs.readdirSync(backups).some((n) => n.startsWith('replaced-')),
	    'the torn directory is kept aside');

	const w5 = await start();
	try {
		await waitState(w5, 'connected', 15000);
		// 5. the next message from each contact decrypts, both ways
		const retries0 = {};
		for (const c of [OLD, STILL, NEW])
			retries0[c] = (await fx.sim.api('GET', `/sim/contacts/${c}/receipts`)).body
			    .filter((r) => r.type === 'retry').length;
		await exchange(OLD, 'after the restore');
		await exchange(STILL, 'after the restore');
		await exchange(NEW, 'after the restore');
		for (const c of [OLD, STILL, NEW]) {
			const retries = (await fx.sim.api('GET', `/sim/contacts/${c}/receipts`)).body
			    .filter((r) => r.type === 'retry').length;
			assert.equal(retries, retries0[c], `no retry receipt for ${c}'s message`);
		}
		const log = (await fx.sim.api('GET', '/sim/log?since=0')).text;
		assert.doesNotMatch(log, /could not decrypt/, 'no decryption failure in the simulator');
	} finally {
		await w5.stop();
	}
});
