// The worker's media upload (session-worker/media/media_upload.c, driven by
// the media-upload tool) against the simulator's https CDN: what it uploads
// is fetched back and decrypted with Baileys' own media keys to the same
// bytes; a refused auth is told apart (-EACCES: ask media_conn again); a
// host that does not answer is passed for the next. Prints the upload rate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { getMediaKeys } from 'baileys';
import { startSim, allowSimDeviation, tmpDir, freePort, BUILD } from './helpers.js';

const TOOL = path.join(BUILD, 'session-worker', 'media-upload');
let sim, cdn, dir;
before(async () => {
	sim = await startSim();
	cdn = (await sim.api('GET', '/sim/media')).body;
	dir = tmpDir('walink-upload-');
});
after(async () => { await sim?.stop(); });

function uploadTool(file, type, { hosts = [cdn.hostname], auth = cdn.auth } = {}) {
	return new Promise((resolve) => execFile(TOOL, [file, type, hosts.join(','), auth, dir, cdn.ca],
	    (err, stdout, stderr) => {
		try {
			resolve(JSON.parse(stdout));
		} catch {
			resolve({ rc: 'no output', stderr });
		}
	}));
}

function get(url) {
	return new Promise((resolve, reject) => https.get(url, { ca: fs.readFileSync(cdn.ca) }, (res) => {
		const parts = [];
		res.on('data', (d) => parts.push(d));
		res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts) }));
	}).on('error', reject));
}

const posts = async () => (await sim.api('GET', '/sim/media')).body.requests
    .filter((q) => q.method === 'POST').length;

test('an uploaded file comes back from the CDN and decrypts with Baileys\' keys to the same bytes', async (t) => {
	const plain = crypto.randomBytes(8 * 1024 * 1024 + 3);
	const file = path.join(dir, 'clip.mp4');
	fs.writeFileSync(file, plain);
	const r = await uploadTool(file, 'video');
	assert.equal(r.rc, 0, JSON.stringify(r));
	assert.equal(r.status, 200);
	assert.equal(r.sha256, crypto.createHash('sha256').update(plain).digest('hex'));
	assert.equal(r.fileLength, plain.length);
	assert.equal(r.url, `https://${cdn.hostname}${r.directPath}`);
	const got = await get(r.url);
	assert.equal(got.status, 200);
	assert.equal(crypto.createHash('sha256').update(got.body).digest('hex'), r.encSha256);
	const k = await getMediaKeys(Buffer.from(r.mediaKey, 'base64'), 'video');
	const body = got.body.subarray(0, -10);
	const mac = crypto.createHmac('sha256', k.macKey).update(k.iv).update(body).digest().subarray(0, 10);
	assert.deepEqual(got.body.subarray(-10), mac);
	const d = crypto.createDecipheriv('aes-256-cbc', k.cipherKey, k.iv);
	assert.ok(Buffer.concat([d.update(body), d.final()]).equals(plain));
	t.diagnostic(`upload (encrypt + POST, ${BUILD.endsWith('asan') ? 'ASan' : 'release'} build): ` +
	    `${(plain.length / 1048576 / (Math.max(r.ms, 1) / 1000)).toFixed(1)} MB/s, ${r.ms} ms for 8 MiB`);
	// nothing left in the temporary directory: the ciphertext file had no name
	assert.deepEqual(fs.readdirSync(dir), ['clip.mp4']);
});

test('a refused auth is -EACCES (ask media_conn again), a dead host is passed for the next', async () => {
	const file = path.join(dir, 'ticket.pdf');
	fs.writeFileSync(file, crypto.randomBytes(5000));
	allowSimDeviation(sim, /auth is not the one media_conn gave/);
	const before = await posts();
	const bad = await uploadTool(file, 'document', { auth: 'stale' });
	assert.equal(bad.rc, -13, JSON.stringify(bad));
	assert.equal(bad.status, 401);
	assert.equal(bad.mediaKey, '', 'no key for a failed upload');
	const dead = `127.0.0.1:${await freePort()}`;
	const ok = await uploadTool(file, 'document', { hosts: [dead, cdn.hostname] });
	assert.equal(ok.rc, 0, JSON.stringify(ok));
	assert.equal(await posts(), before + 2, 'one refused, one on the live host');
	const none = await uploadTool(file, 'document', { hosts: [dead] });
	assert.equal(none.rc, -113, JSON.stringify(none));	/* -EHOSTUNREACH */
	assert.match(none.error, /connect/i);
});
