// A whitelist file with invalid lines, as an operator's hand edit leaves
// it: the worker serves every valid number and reports each invalid line
// (its number and why) in the log, wa-probe, the API's state and list; the
// first change through the API saves the served list and keeps the file
// as it was in .bak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor, freePort, probe } from './helpers.js';
import { messagingFixture } from '../support/messaging.js';
import { startControl, login } from './control-harness.js';

const fx = messagingFixture({ prefix: 'walink-wlf-', firstPhone: 15550031000 });
const { paired, hookRuns, contact, send } = fx;

// CRLF, as a Windows editor saves it; lines 3 and 4 are invalid
const FILE = '[\r\n' +
    '  "+49 151 1234 3001",\r\n' +	// 2: served, normalised
    '  "015112343003",\r\n' +		// 3: a national number
    '  garbage here,\r\n' +		// 4: not JSON
    '  "4915112343002",\r\n' +		// 5: served
    '  "4915112343002"\r\n' +		// 6: a repeat
    ']\r\n';

test('a whitelist file with invalid lines: valid numbers served, each invalid line reported with its number', { timeout: 60000 }, async () => {
	const ok1 = '4915112343001', ok2 = '4915112343002', national = '4915112343003';
	for (const c of [ok1, ok2, national])
		await contact(c);
	const w = await paired({ whitelistText: FILE });
	const out = () => w.output();
	assert.match(out(), /media-auth-config\.json line 3 not served: starts with 0: begin with the country code/);
	assert.match(out(), /media-auth-config\.json line 4 column 3 not served: not valid JSON/);
	assert.match(out(), /WHITELIST .*: 2 LINES REJECTED, 2 numbers served/);
	assert.match(out(), /1 repeated entries dropped/);
	assert.doesNotMatch(out(), /4915112343003|015112343003|garbage here/, 'line numbers, never the entries');

	await send(ok1, w, 'one');
	await send(ok2, w, 'two');
	await send(national, w, 'three');
	await waitFor(() => hookRuns(w).length >= 2, 15000, 'both whitelisted numbers at the hook');
	await waitFor(() => /refused: not whitelisted/.test(out()), 15000, 'the third sender refused');
	assert.deepEqual(hookRuns(w).map((r) => r.from).sort(), [ok1, ok2]);

	const p = await probe(w, '--json', 'state');
	assert.equal(JSON.parse(p.stdout).whitelistRejected, 2, p.stdout);
	const t = await probe(w, 'state');
	assert.match(t.stdout, /whitelist file: 2 lines not served/);

	const control = await startControl(w.dataDir, await freePort(), { WA_ADMIN_PASSWORD: 'wlf-pass' });
	try {
		const sess = await login(control.base, 'wlf-pass');
		const get = async (u) => (await fetch(`${control.base}${u}`, { headers: sess.headers() })).json();
		const st = await waitFor(async () => {
			const j = await get('/api/whatsapp/state');
			return j.connectionState?.whitelistRejected === 2 && j;
		}, 10000, 'whitelistRejected in /api/whatsapp/state');
		assert.equal(st.success, true);
		let list = await get('/api/whitelist');
		assert.deepEqual(list.numbers, [ok1, ok2]);
		assert.deepEqual(list.fileRejects, {
			count: 2, duplicates: 1, inFile: true,
			lines: [{ line: 3, reason: 'starts with 0: begin with the country code' },
				{ line: 4, column: 3, reason: 'not valid JSON: this entry and the rest of its line are skipped' }]
		});

		// the first change saves the served list; the file as it was is .bak
		const r = await fetch(`${control.base}/api/whitelist/add`, { method: 'POST',
			headers: sess.headers({ 'content-type': 'application/json' }),
			body: JSON.stringify({ phoneNumber: '+49 151 1234 3004' }) });
		assert.equal(r.status, 200, await r.text());
		const file = path.join(w.dataDir, 'media-auth-config.json');
		assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), [ok1, ok2, '4915112343004']);
		assert.equal(fs.readFileSync(`${file}.bak`, 'utf8'), FILE);
		await waitFor(() => /whitelist saved without the 2 lines its last load rejected/.test(out()),
		    5000, 'the log says where the rejected lines went');
		list = await get('/api/whitelist');
		assert.equal(list.fileRejects.count, 2, 'still told until the next load');
		assert.equal(list.fileRejects.inFile, false);
	} finally {
		await control.stop();
	}
});
