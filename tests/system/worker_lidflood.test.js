// A flood of LID-only strangers (issue 12): thousands of senders the
// whitelist does not hold write once each, as <lid>@lid with sender_pn
// (POST /sim/strangers, one control call). The worker's LID map holds
// LIDMAP_MAX (25 000) mappings; a flood past it must never cost a
// whitelisted contact its service. Checked: one whitelisted LID contact
// that wrote before the flood and two that write for the first time after
// it are all answered by the hook, and no stranger is.
// WALINK_LID_FLOOD sets the flood's size. The full run is 30000,
// past the map's size (README "Benchmarks and load checks"): 45-100 s on a
// shared 2-core machine while the worker still learns (and syncs) every
// stranger's mapping. In the suite: 6000, under 30 s. The worker is the
// release build (the binary that ships); the ASan build takes minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, simFixture, tmpDir, waitFor } from './helpers.js';

const RELEASE = process.env.WALINK_RELEASE_BUILD || path.join(REPO, 'build');
const FLOOD = Number(process.env.WALINK_LID_FLOOD || 6000);
const PHONE = '15550009301';
const BEFORE = '4915112349301';			// writes before the flood
const AFTER = ['4915112349302', '4915112349303'];	// first write after it

const fx = simFixture();

async function waitReply(contact, n, ms = 20000) {
	return waitFor(async () => {
		const box = (await fx.sim.api('GET', `/sim/contacts/${contact}/inbox`)).body;
		return box.length >= n ? box : null;
	}, ms, `${n} replies to ${contact}`);
}

async function send(contact, text) {
	const r = await fx.sim.api('POST', `/sim/contacts/${contact}/send`,
	    { to: `${PHONE}@s.whatsapp.net`, text });
	assert.equal(r.status, 200, r.text);
}

test(`${FLOOD} LID-only strangers with sender_pn: every whitelisted LID contact is still answered`, async (t) => {
	const dir = tmpDir('walink-lidflood-');
	const hook = path.join(dir, 'echo.sh');
	fs.writeFileSync(hook, '#!/bin/sh\nsed -n \'s/.*"text":"\\([^"]*\\)".*/echo: \\1/p\'\n',
	    { mode: 0o700 });
	fs.writeFileSync(path.join(dir, 'media-auth-config.json'), JSON.stringify([BEFORE, ...AFTER]));
	for (const phone of [BEFORE, ...AFTER]) {
		const r = await fx.sim.api('POST', '/sim/contacts', { phone, lid: true });
		assert.equal(r.status, 200, r.text);
	}
	const { w } = await fx.paired(PHONE, { dataDir: dir,
	    bin: path.join(RELEASE, 'session-worker', 'wa-worker'), extra: { '--hook-cmd': hook } });

	await send(BEFORE, 'before the flood');
	assert.equal((await waitReply(BEFORE, 1))[0].text, 'echo: before the flood');

	const t0 = Date.now();
	const r = await fx.sim.api('POST', '/sim/strangers',
	    { count: FLOOD, to: `${PHONE}@s.whatsapp.net` }, { timeoutMs: 120000 });
	assert.equal(r.status, 200, r.text);
	// every stranger's message handled: the worker acked them all
	await waitFor(async () => (await fx.sim.api('GET', '/sim/devices')).body
	    .every((d) => d.queued === 0), 60000, 'the flood acked');
	t.diagnostic(`${FLOOD} strangers delivered and acked in ${Date.now() - t0} ms`);

	await send(BEFORE, 'after the flood');
	for (const c of AFTER)
		await send(c, `first from ${c}`);
	assert.equal((await waitReply(BEFORE, 2))[1].text, 'echo: after the flood');
	for (const c of AFTER)
		assert.equal((await waitReply(c, 1))[0].text, `echo: first from ${c}`);
	const refused = (w.output().match(/ refused: /g) || []).length;
	const hooked = (w.output().match(/hook started/g) || []).length;
	t.diagnostic(`${refused} refused, ${hooked} hook runs`);
	assert.equal(hooked, 4, 'the hook ran for the whitelisted contacts only');
	// a refused stranger's sender_pn decides its stanza and is never stored
	const learnt = (w.output().match(/message: LID [0-9]+ is [0-9]+ \(saved\)/g) || []).length;
	assert.equal(learnt, 1 + AFTER.length, 'the LID map learnt the whitelisted contacts only');
});
