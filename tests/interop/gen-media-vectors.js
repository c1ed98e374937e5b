// gen-media-vectors.js: writes tests/vectors/media-crypto.json, the media
// encryption vectors test_media_crypto.c checks session-worker/media against.
//
// Provenance: every value comes from Baileys' own functions in the package
// pinned in tests/package.json (lib/Utils/messages-media.js):
//   - encryptedStream(plaintext, type) encrypts (it draws a fresh random
//     mediaKey: regenerating gives new keys, which is fine, the file is
//     committed once);
//   - getMediaKeys(mediaKey, type) gives iv/cipherKey/macKey;
//   - downloadContentFromMessage({mediaKey, url}, type) fetches the
//     encrypted file from a loopback HTTP server started here and decrypts
//     it: each vector is written only if that gives the plaintext back.
// Baileys' media types map to WhatsApp's HKDF info (MEDIA_HKDF_KEY_MAPPING):
// sticker uses the image keys, ptt the audio keys.
// Usage: node tests/interop/gen-media-vectors.js > tests/vectors/media-crypto.json
import http from 'node:http';
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const here = path.dirname(new URL(import.meta.url).pathname);
const lib = path.join(here, '..', 'node_modules', 'baileys', 'lib');
const M = await import(pathToFileURL(path.join(lib, 'Utils', 'messages-media.js')).href);

// A deterministic plaintext (the C test rebuilds the large one from this rule).
function pattern(n, seed) {
	const b = Buffer.alloc(n);
	let x = seed >>> 0;
	for (let i = 0; i < n; i++) {
		x = (Math.imul(x, 1103515245) + 12345) >>> 0;
		b[i] = x >>> 24;
	}
	return b;
}

const cases = [
	['image', 0], ['image', 1], ['video', 15], ['audio', 16], ['ptt', 17],
	['document', 31], ['sticker', 1000], ['document', 4097],
];
const large = { type: 'video', size: 300000, seed: 7 };

let served = null;
const server = http.createServer((req, res) => {
	res.writeHead(200, { 'content-type': 'application/octet-stream' });
	res.end(served);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/enc`;

async function vector(type, plain) {
	const e = await M.encryptedStream(plain, type);
	const enc = await readFile(e.encFilePath);
	await unlink(e.encFilePath);
	served = enc;
	const stream = await M.downloadContentFromMessage({ mediaKey: e.mediaKey, url }, type);
	const parts = [];
	for await (const c of stream)
		parts.push(c);
	if (!Buffer.concat(parts).equals(plain))
		throw new Error(`Baileys does not decrypt its own ${type} file`);
	const k = await M.getMediaKeys(e.mediaKey, type);
	return {
		type, hkdfInfo: M.hkdfInfoKey(type),
		mediaKey: e.mediaKey.toString('hex'),
		iv: Buffer.from(k.iv).toString('hex'), cipherKey: Buffer.from(k.cipherKey).toString('hex'),
		macKey: Buffer.from(k.macKey).toString('hex'),
		fileLength: e.fileLength,
		fileSha256: e.fileSha256.toString('hex'),
		fileEncSha256: e.fileEncSha256.toString('hex'),
		mac: e.mac.toString('hex'),
		enc: enc,
	};
}

const out = { source: 'Baileys ' + JSON.parse(await readFile(path.join(lib, '..',
    'package.json'))).version + ' encryptedStream/getMediaKeys/downloadContentFromMessage',
	vectors: [], large: null };
for (const [type, n] of cases) {
	const plain = pattern(n, n + 1);
	const v = await vector(type, plain);
	out.vectors.push({ ...v, plaintext: plain.toString('hex'), enc: v.enc.toString('hex') });
}
{
	const v = await vector(large.type, pattern(large.size, large.seed));
	delete v.enc;	// rebuilt from the pattern; checked through the hashes
	out.large = { ...v, patternSeed: large.seed };
}
server.close();
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
