// The worker's media download (session-worker/media/media_fetch.c, driven
// by the media-fetch tool) against the simulator's https CDN: files Baileys
// encrypted are fetched, verified and stored; tampered, expired, removed and
// oversized ones are refused and leave nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { readFile, unlink } from 'node:fs/promises';
import { encryptedStream } from 'baileys';
import { startSim, tmpDir, BUILD } from './helpers.js';

const TOOL = path.join(BUILD, 'session-worker', 'media-fetch');
// media_crypto.h enum media_fault, negated; errno values of Linux
const E = { TOO_BIG: -200, ENC_SHA256: -202, MAC: -203, OVERRUN: -208, ENOENT: -2, ESTALE: -116 };

let sim, cdn;
before(async () => {
	sim = await startSim();
	cdn = (await sim.api('GET', '/sim/media')).body;
});
after(async () => { await sim?.stop(); });

/** Encrypts plain as Baileys does; returns its fields and the encrypted bytes. */
async function encrypt(plain, type = 'image') {
	const e = await encryptedStream(plain, type);
	const enc = await readFile(e.encFilePath);
	await unlink(e.encFilePath);
	return { ...e, enc };
}

/** Uploads bytes to the CDN as Baileys' getWAUploadToServer does; resolves its directPath. */
function upload(bytes, type = 'image') {
	const token = crypto.createHash('sha256').update(bytes).digest('base64url');
	return new Promise((resolve, reject) => {
		const req = https.request(`https://${cdn.hostname}/mms/${type}/${token}?auth=` +
		    `${encodeURIComponent(cdn.auth)}&token=${token}`, { method: 'POST', ca: fs.readFileSync(cdn.ca) },
		(res) => {
			let b = '';
			res.on('data', (d) => { b += d; });
			res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(b).direct_path) :
			    reject(new Error(`upload ${res.statusCode} ${b}`)));
		});
		req.on('error', reject);
		req.end(bytes);
	});
}

function fetchTool(directPath, e, { type = 'image', encSha = true, length, cap = 10 << 20, dir } = {}) {
	const args = [`https://${cdn.hostname}${directPath}`, type, e.mediaKey.toString('base64'),
	    e.fileSha256.toString('hex'), encSha ? e.fileEncSha256.toString('hex') : '-',
	    String(length ?? e.fileLength), String(cap), dir, 'file.bin', cdn.ca];
	return new Promise((resolve) => execFile(TOOL, args, (err, stdout, stderr) => {
		try {
			resolve(JSON.parse(stdout));
		} catch {
			resolve({ rc: 'no output', stderr });
		}
	}));
}

const gets = async (p) => (await sim.api('GET', '/sim/media')).body.requests
    .filter((q) => q.method === 'GET' && q.path === p).length;

test('a Baileys-encrypted file is fetched, verified and stored 0600 with its sha256', async () => {
	const plain = crypto.randomBytes(300 * 1024 + 5);
	const e = await encrypt(plain, 'audio');
	const dp = await upload(e.enc, 'audio');
	const dir = tmpDir('walink-media-');
	const r = await fetchTool(dp, e, { type: 'ptt', dir });
	assert.equal(r.rc, 0, JSON.stringify(r));
	assert.equal(r.status, 200);
	assert.equal(r.sha256, crypto.createHash('sha256').update(plain).digest('hex'));
	assert.equal(r.size, plain.length);
	assert.ok(fs.readFileSync(r.path).equals(plain));
	assert.equal(fs.statSync(r.path).mode & 0o777, 0o600);
	assert.deepEqual(fs.readdirSync(dir), ['file.bin'], 'no temporary file left');
});

test('a tampered file fails verification and nothing is stored', async () => {
	const e = await encrypt(crypto.randomBytes(64 * 1024));
	const bad = Buffer.from(e.enc);
	bad[1000] ^= 0x01;
	const dp = await upload(bad);
	const dir = tmpDir('walink-media-');
	assert.equal((await fetchTool(dp, e, { dir })).rc, E.ENC_SHA256);
	// without fileEncSha256 in the message the HMAC still catches it
	const r = await fetchTool(dp, e, { dir, encSha: false });
	assert.equal(r.rc, E.MAC);
	assert.equal(r.error, 'HMAC mismatch');
	assert.equal(r.path, '');
	assert.deepEqual(fs.readdirSync(dir), []);
});

test('expired (410) and removed (404) media are told apart, for a media retry', async () => {
	const e = await encrypt(crypto.randomBytes(1000));
	const dp = await upload(e.enc);
	const dir = tmpDir('walink-media-');
	await sim.api('POST', '/sim/media/expire', { directPath: dp });
	const r = await fetchTool(dp, e, { dir });
	assert.equal(r.rc, E.ESTALE);
	assert.equal(r.status, 410);
	assert.match(r.error, /expired/);
	await sim.api('POST', '/sim/media/expire', { directPath: dp, status: 404 });
	assert.equal((await fetchTool(dp, e, { dir })).rc, E.ENOENT);
	assert.deepEqual(fs.readdirSync(dir), []);
});

test('the size cap refuses before downloading, and when the message lies about the size', async () => {
	const e = await encrypt(crypto.randomBytes(256 * 1024));
	const dp = await upload(e.enc);
	const dir = tmpDir('walink-media-');
	const before = await gets(dp);
	const r = await fetchTool(dp, e, { dir, cap: 100 * 1024 });
	assert.equal(r.rc, E.TOO_BIG);
	assert.equal(r.error, 'larger than the media size cap');
	assert.equal(await gets(dp), before, 'declared too big: never fetched');
	const lie = await fetchTool(dp, e, { dir, cap: 100 * 1024, length: 1000 });
	assert.equal(lie.rc, E.OVERRUN, JSON.stringify(lie));
	assert.deepEqual(fs.readdirSync(dir), []);
});
