// LID mappings from history sync (issue 11 item 9): our phone sends the
// worker a HISTORY_SYNC_NOTIFICATION whose blob (on the CDN, md-msg-hist
// keys, zlib) lists phoneNumberToLidMappings and an old chat. A LID-only
// sender (no sender_pn) whose number is whitelisted waits for a mapping and
// is served once the history sync teaches it; the history's own messages
// never reach the hook; the notice gets its hist_sync receipt; no usync
// asks for the number. The same through an inline bootstrap payload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { proto } from 'baileys';
import { startSim, startWorker, waitState, scanQr, tmpDir, waitFor } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HOOK = `${process.execPath} ${path.join(here, 'hook-echo.js')}`;
const PHONE = '15550009201';
const A = '4915112349201', B = '4915112349202', C = '4915112349203', D = '4915112349204';

let sim, w, jid, hookLog;
before(async () => {
	sim = await startSim();
	for (const c of [A, B, D])
		assert.equal((await sim.api('POST', '/sim/contacts', { phone: c, lid: true, pn: false })).status, 200);
	assert.equal((await sim.api('POST', '/sim/contacts', { phone: C })).status, 200);
	const cdn = (await sim.api('GET', '/sim/media')).body;
	const dataDir = tmpDir('walink-hist-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify([A, B, C, D]));
	hookLog = path.join(dataDir, 'hook.log');
	w = await startWorker(sim, { dataDir, extra: { '--hook-cmd': HOOK, '--media-ca-file': cdn.ca },
	    env: { WALINK_HOOK_LOG: hookLog } });
	await waitState(w, 'qr');
	({ jid } = await scanQr(sim, w, PHONE));
	await waitState(w, 'connected', 10000);
});
after(async () => {
	await w?.stop();
	await sim?.stop();
});

const simLog = async () => (await sim.api('GET', '/sim/log?since=0')).text.split('\n');
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const hookRuns = () => fs.existsSync(hookLog) ? fs.readFileSync(hookLog, 'utf8').trim().split('\n')
    .filter(Boolean).map((x) => JSON.parse(x)) : [];

async function servedAfterHistory(c, { inline }) {
	const r = await sim.api('POST', `/sim/contacts/${c}/send`, { to: `${PHONE}@s.whatsapp.net`, text: `hello from ${c}` });
	assert.equal(r.status, 200, r.text);
	await w.waitOutput(new RegExp(`message ${r.body.id}: sender [0-9]+@lid has no known number yet`), 10000);
	assert.match(w.output(), new RegExp(`message ${r.body.id}: sender [0-9]+@lid has no known number yet`),
	    'held: the LID is not mapped before the history sync');
	assert.equal(hookRuns().filter((x) => x.from === c).length, 0);
	const h = await sim.api('POST', '/sim/phone/history-sync', { phone: PHONE, contacts: [c], inline,
		oldText: `history of ${c}` });
	assert.equal(h.status, 200, h.text);
	const run = await waitFor(() => hookRuns().find((x) => x.from === c), 15000, `the hook run for ${c}`)
	    .catch((e) => {
		e.message += `\n${w.output().split('\n').filter((l) => !/heartbeat/.test(l)).slice(-30).join('\n')}`;
		throw e;
	});
	assert.equal(run.text, `hello from ${c}`);
	assert.equal(run.id, r.body.id);
	const id = h.body.ids[0];
	assert.match(w.output(), new RegExp(`message ${id}: history sync \\(type 0, chunk 1\\) read: 1 LID mapping;`));
	await waitFor(async () => (await simLog()).some((l) => new RegExp(`in c\\d+ ${esc(jid)} <receipt [^>]*type='hist_sync'`).test(l) &&
	    l.includes(`id='${id}'`)), 10000, 'the hist_sync receipt');
	assert.ok(!hookRuns().some((x) => x.text === `history of ${c}`), "the history's messages never reach the hook");
	const lookups = (await simLog()).filter((l) => new RegExp(`in c\\d+ ${esc(jid)} <iq [^>]*xmlns='usync'`).test(l) &&
	    l.includes(`${c}@`));
	assert.deepEqual(lookups, [], 'the mapping came from the history sync, not a lookup of the number');
	return h.body;
}

test('a LID-only sender is served once the history sync blob from the CDN maps its number', async () => {
	const h = await servedAfterHistory(A, { inline: false });
	const gets = (await sim.api('GET', '/sim/media')).body.requests.filter((q) => q.method === 'GET' && q.path === h.directPath);
	assert.deepEqual(gets.map((q) => q.status), [200], 'the blob was fetched once');
	const left = fs.readdirSync(path.join(w.dataDir, 'media', 'default')).filter((f) => /hist/.test(f));
	assert.deepEqual(left, [], 'the blob is not kept');
});

test('an inline bootstrap payload teaches the mapping without a download', async () => {
	const h = await servedAfterHistory(B, { inline: true });
	assert.equal(h.directPath, null);
});

test('a history sync notice from a contact, even a whitelisted one, teaches nothing', async () => {
	const lid = (await sim.api('GET', '/sim/contacts')).body.find((x) => x.phone === D).lid;
	const blob = deflateSync(Buffer.from(proto.HistorySync.encode({ syncType: 0,
		phoneNumberToLidMappings: [{ pnJid: `${D}@s.whatsapp.net`, lidJid: lid }] }).finish()));
	const r = await sim.api('POST', `/sim/contacts/${C}/send`, { to: `${PHONE}@s.whatsapp.net`, message: {
		protocolMessage: { type: 5, historySyncNotification: { initialHistBootstrapInlinePayload: blob.toString('base64'),
			syncType: 0, chunkOrder: 1 } } } });
	assert.equal(r.status, 200, r.text);
	// the worker decrypted it (its delivery receipt) and went on
	await waitFor(async () => (await simLog()).some((l) => new RegExp(`in c\\d+ ${esc(jid)} <receipt [^>]*id='${r.body.id}'`).test(l)),
	    10000, 'the receipt for the contact\'s notice');
	const text = await sim.api('POST', `/sim/contacts/${C}/send`, { to: `${PHONE}@s.whatsapp.net`, text: 'after the notice' });
	await waitFor(() => hookRuns().find((x) => x.id === text.body.id), 10000, 'the next message served');
	assert.doesNotMatch(w.output(), new RegExp(`message ${r.body.id}: history sync`));
	assert.doesNotMatch(w.output(), new RegExp(`LID ${lid.split('@')[0]} is|${lid.split('@')[0]}.*${D}`));
	const receipts = (await simLog()).filter((l) => new RegExp(`in c\\d+ ${esc(jid)} <receipt [^>]*type='hist_sync'`).test(l) &&
	    l.includes(`id='${r.body.id}'`));
	assert.deepEqual(receipts, [], 'no hist_sync receipt for a stranger\'s notice');
});
