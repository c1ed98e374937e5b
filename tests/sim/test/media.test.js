// The simulator's media path (lib/media.js): an unmodified Baileys 7 client
// asks for media_conn, uploads an image to the https CDN (trusting its test
// CA through NODE_EXTRA_CA_CERTS), sends it, and downloads it back by its
// directPath; expired and removed files answer 410 and 404. The same client
// asks the phone for expired media with its own updateMediaMessage (media
// retry) and gets it again; a malformed retry receipt is marked `!!`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, tmpDir } from '../support/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim?.stop(); });

function runClient(to, ca, script = 'media-client.js') {
	return new Promise((resolve) => {
		execFile(process.execPath, [path.join(here, '..', 'support', script),
		    sim.url, `http://127.0.0.1:${sim.ctlPort}`, tmpDir('baileys-media-'), to],
		    { env: { ...process.env, NODE_EXTRA_CA_CERTS: ca }, timeout: 60000 },
		    (err, stdout, stderr) => {
			let out;
			try { out = JSON.parse(stdout.trim().split('\n').pop()); } catch { out = { error: `${err} ${stdout} ${stderr}` }; }
			resolve(out);
		});
	});
}

async function fetchCdn(info, p) {
	// this process does not trust the test CA: ask a child that does
	return new Promise((resolve) => {
		execFile(process.execPath, ['-e', `fetch(process.argv[1]).then((r) => console.log(r.status))`,
		    `https://${info.hostname}${p}`], { env: { ...process.env, NODE_EXTRA_CA_CERTS: info.ca } },
		    (err, stdout) => resolve(Number(stdout.trim())));
	});
}

test('Baileys uploads media through media_conn and the CDN and downloads it back', { timeout: 90000 }, async () => {
	const made = await sim.api('POST', '/sim/contacts', { phone: '4915112348001' });
	assert.equal(made.status, 200, made.text);
	const info = (await sim.api('GET', '/sim/media')).body;
	assert.match(info.hostname, /^127\.0\.0\.1:[0-9]+$/);
	const r = await runClient(made.body.jid, info.ca);
	assert.equal(r.error, undefined, r.error);
	assert.equal(r.gotSha256, r.sentSha256, 'the downloaded plaintext is what was sent');
	assert.equal(r.fileSha256, r.sentSha256);
	assert.match(r.directPath, /^\/v\/t62\.7118-24\/[0-9a-f]+\.enc\?ccb=11-4/);
	assert.ok(r.url.startsWith(`https://${info.hostname}/`));
	const log = (await sim.api('GET', '/sim/media')).body.requests;
	assert.ok(log.some((q) => q.method === 'POST' && q.path.startsWith('/mms/image/') && q.status === 200));
	assert.ok(log.some((q) => q.method === 'GET' && q.path === r.directPath && q.status === 200));
	assert.match((await sim.api('GET', '/sim/log?since=0')).text, /media_conn/);

	assert.equal(await fetchCdn(info, r.directPath), 200);
	assert.deepEqual((await sim.api('POST', '/sim/media/expire', { directPath: r.directPath })).body,
	    { found: true });
	assert.equal(await fetchCdn(info, r.directPath), 410);
	await sim.api('POST', '/sim/media/expire', { directPath: r.directPath, status: 404 });
	assert.equal(await fetchCdn(info, r.directPath), 404);
	assert.equal(await fetchCdn(info, '/v/t62.7118-24/nothing.enc'), 404);
});

test('Baileys gets expired media again through the phone (media retry); a malformed retry receipt is marked', { timeout: 90000 }, async () => {
	const phone = '4915112348002';
	assert.equal((await sim.api('POST', '/sim/contacts', { phone })).status, 200);
	const info = (await sim.api('GET', '/sim/media')).body;
	const r = await runClient(phone, info.ca, 'media-retry-client.js');
	assert.equal(r.error, undefined, r.error);
	assert.equal(r.gotSha256, r.sentSha256, 'the file fetched from the new directPath is what was sent');
	assert.notEqual(r.newPath, r.oldPath);
	assert.match(r.notFound, /^404 .*NOT_FOUND/, 'the phone\'s NOT_FOUND reaches Baileys as its 404');
	const after = (await sim.api('GET', '/sim/media')).body;
	assert.deepEqual(after.retries.map((x) => x.answer), ['upload', 'not-found'],
	    'the two well-formed receipts were answered, the malformed one not');
	const bad = (await sim.api('GET', '/sim/log?since=0&deviations=1')).text.split('\n')
	    .filter((l) => / !! /.test(l));
	assert.equal(bad.length, 1, bad.join('\n'));
	assert.match(bad[0], new RegExp(`media retry receipt ${r.malformedId}: want <encrypt><enc_p/><enc_iv/></encrypt> and <rmr/>`));
});
