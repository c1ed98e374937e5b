// media-cdn.js: media download + decrypt + verify through the simulator's
// https CDN, the worker's path (session-worker/tools/media-fetch, i.e.
// media/media_fetch.c: libcurl, streaming AES-CBC + HMAC + fileEncSha256 +
// fileSha256, a temporary file fsync'ed and renamed into place) beside
// Baileys 7's downloadContentFromMessage (tests/bench/media-cdn-baileys.js),
// in the same run, on the same 32 MiB file from the same CDN. Finish line on
// both sides: the verified plaintext in a file on disk, fsync'ed. Wall
// time per download, best of RUNS; the worker side includes starting the
// media-fetch process, the Baileys side runs inside an already started Node.
// Prints MB/s of plaintext. Never asserts on time.
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptedStream } from 'baileys';
import { startSim, tmpDir } from '../sim/support/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..', '..');
const BUILD = process.env.WALINK_RELEASE_BUILD || path.join(REPO, 'build');
const TOOL = path.join(BUILD, 'session-worker', 'media-fetch');
const SIZE = Number(process.env.MEDIA_BENCH_MIB || 32) << 20;
const RUNS = Number(process.env.MEDIA_BENCH_RUNS || 5);

const sim = await startSim();
try {
	const cdn = (await sim.api('GET', '/sim/media')).body;
	const plain = crypto.randomBytes(SIZE);
	const e = await encryptedStream(plain, 'video');
	const enc = fs.readFileSync(e.encFilePath);
	fs.unlinkSync(e.encFilePath);
	const token = crypto.createHash('sha256').update(enc).digest('base64url');
	const directPath = await new Promise((resolve, reject) => {
		const req = https.request(`https://${cdn.hostname}/mms/video/${token}?auth=` +
		    `${encodeURIComponent(cdn.auth)}&token=${token}`, { method: 'POST', ca: fs.readFileSync(cdn.ca) },
		(res) => {
			let b = '';
			res.on('data', (d) => { b += d; });
			res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(b).direct_path) :
			    reject(new Error(`upload ${res.statusCode}`)));
		});
		req.on('error', reject);
		req.end(enc);
	});
	const url = `https://${cdn.hostname}${directPath}`;
	const sha = e.fileSha256.toString('hex');
	const dir = tmpDir('walink-media-bench-');

	let best = Infinity;
	for (let i = 0; i < RUNS; i++) {
		const t0 = process.hrtime.bigint();
		const out = JSON.parse(execFileSync(TOOL, [url, 'video', e.mediaKey.toString('base64'), sha,
		    e.fileEncSha256.toString('hex'), String(SIZE), String(SIZE + (1 << 20)), dir, `walink-${i}.bin`,
		    cdn.ca]).toString());
		const s = Number(process.hrtime.bigint() - t0) / 1e9;
		if (out.rc !== 0 || out.sha256 !== sha || out.size !== SIZE)
			throw new Error(`media-fetch run ${i}: ${JSON.stringify(out)}`);
		fs.unlinkSync(out.path);
		best = Math.min(best, s);
	}
	const b = await new Promise((resolve, reject) => execFile(process.execPath,
	    [path.join(here, 'media-cdn-baileys.js'), url, e.mediaKey.toString('base64'), sha, String(SIZE), dir,
		String(RUNS)], { env: { ...process.env, NODE_EXTRA_CA_CERTS: cdn.ca }, maxBuffer: 1 << 20 },
	    (err, stdout, stderr) => err ? reject(new Error(`${err}\n${stderr}`)) :
		resolve(JSON.parse(stdout.trim().split('\n').pop()))));
	const mbs = (s) => (SIZE / s / 1e6).toFixed(1);
	console.log(`media download through the simulator CDN (https, ${SIZE >> 20} MiB video, verified plaintext ` +
	    `fsync'ed to disk), best of ${RUNS}, MB/s`);
	console.log(`  walink media-fetch (decrypt + HMAC + fileEncSha256 + fileSha256)  ${mbs(best)}`);
	console.log(`  Baileys 7 downloadContentFromMessage (+ fileSha256 here)           ${mbs(b.best_s)}`);
	fs.rmSync(dir, { recursive: true, force: true });
} finally {
	await sim.stop();
}
