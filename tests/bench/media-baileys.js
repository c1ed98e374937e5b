// media-baileys.js: Baileys 7's own media decryption on the same kind of
// file bench_media uses (32 MiB, video keys): encryptedStream encrypts it,
// a loopback HTTP server serves it, downloadContentFromMessage fetches and
// decrypts it (Baileys checks neither the MAC nor the hashes). Prints MB/s
// of plaintext per wall-second, best of 5.
import http from 'node:http';
import { readFile, unlink } from 'node:fs/promises';
import crypto from 'node:crypto';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const M = await import(pathToFileURL(path.join(here, '..', 'node_modules', 'baileys', 'lib',
    'Utils', 'messages-media.js')).href);
const SIZE = 32 << 20;
const e = await M.encryptedStream(crypto.randomBytes(SIZE), 'video');
const enc = await readFile(e.encFilePath);
await unlink(e.encFilePath);
const srv = http.createServer((req, res) => { res.writeHead(200); res.end(enc); });
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${srv.address().port}/f`;
let best = 0;
for (let i = 0; i < 5; i++) {
	const t0 = process.hrtime.bigint();
	let n = 0;
	for await (const c of await M.downloadContentFromMessage({ mediaKey: e.mediaKey, url }, 'video'))
		n += c.length;
	const s = Number(process.hrtime.bigint() - t0) / 1e9;
	if (n !== SIZE)
		throw new Error(`got ${n} bytes`);
	best = Math.max(best, SIZE / s / 1e6);
}
srv.close();
console.log(`Baileys 7 downloadContentFromMessage (loopback HTTP + decrypt, no verify), 32 MiB: ${best.toFixed(1)} MB/s`);
