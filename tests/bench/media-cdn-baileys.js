// media-cdn-baileys.js: the Baileys side of tests/bench/media-cdn.js, a
// process of its own because Node reads NODE_EXTRA_CA_CERTS (the simulator
// CDN's test CA) only at start-up. Downloads one file RUNS times with
// Baileys 7's downloadContentFromMessage from the simulator's https CDN and
// brings it to the same finish line as the worker's media-fetch: the
// plaintext written to a file, fsync'ed, and its SHA-256 equal to the
// message's fileSha256 (Baileys itself checks neither the HMAC nor the
// hashes; the SHA-256 is computed here while the bytes stream by).
// Prints one JSON line {best_s, size}.
// Usage: node media-cdn-baileys.js URL MEDIAKEY_B64 SHA256_HEX SIZE DIR RUNS
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { downloadContentFromMessage } from 'baileys';

const [url, key, sha, size, dir, runs] = process.argv.slice(2);
let best = Infinity;
for (let i = 0; i < Number(runs); i++) {
	const file = path.join(dir, `baileys-${i}.bin`);
	const t0 = process.hrtime.bigint();
	const fd = fs.openSync(file, 'w', 0o600);
	const h = crypto.createHash('sha256');
	let n = 0;
	for await (const c of await downloadContentFromMessage({ mediaKey: Buffer.from(key, 'base64'), url }, 'video')) {
		h.update(c);
		fs.writeSync(fd, c);
		n += c.length;
	}
	fs.fsyncSync(fd);
	fs.closeSync(fd);
	const s = Number(process.hrtime.bigint() - t0) / 1e9;
	if (n !== Number(size) || h.digest('hex') !== sha)
		throw new Error(`Baileys run ${i}: ${n} bytes, not the file sent`);
	fs.unlinkSync(file);
	best = Math.min(best, s);
}
console.log(JSON.stringify({ best_s: best, size: Number(size) }));
