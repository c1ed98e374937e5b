// gen-media-retry-vectors.js: writes tests/vectors/media-retry.json, the
// media retry vectors test_media_retry.c checks session-worker/media/
// media_retry.c against.
//
// Provenance: Baileys' own functions in the package pinned in
// tests/package.json (lib/Utils/messages-media.js, lib/Utils/crypto.js):
//   - encryptMediaRetryRequest(key, mediaKey, meId) makes the
//     <receipt type="server-error"> a companion sends; its enc_p/enc_iv are
//     recorded with the retry key Baileys derives (getMediaRetryKey is not
//     exported: hkdf(mediaKey, 32, {info}) is what it calls);
//   - the phone's MediaRetryNotification is sealed with Baileys'
//     aesEncryptGCM and written only if decryptMediaRetryData, Baileys'
//     reader, gives the same fields back.
// Keys and IVs are random: regenerating gives new bytes, which is fine,
// the file is committed once.
// Usage: node tests/interop/gen-media-retry-vectors.js > tests/vectors/media-retry.json
import crypto from 'node:crypto';
import { proto, encryptMediaRetryRequest, decryptMediaRetryData, hkdf, aesEncryptGCM,
	getBinaryNodeChild, getBinaryNodeChildBuffer } from 'baileys';

const hex = (b) => Buffer.from(b).toString('hex');
const ids = ['3EB0C431C26A1916E07A51', '3A5D1E46E3E4F0A8B4B5C6D7E8F90A1B2C3D4E5F'];
const R = proto.MediaRetryNotification.ResultType;

const requests = ids.map((id) => {
	const mediaKey = crypto.randomBytes(32);
	const n = encryptMediaRetryRequest({ id, remoteJid: '4915112349001@s.whatsapp.net', fromMe: false },
	    mediaKey, '15550009001:3@s.whatsapp.net');
	const enc = getBinaryNodeChild(n, 'encrypt');
	return { id, mediaKey: hex(mediaKey),
		retryKey: hex(hkdf(mediaKey, 32, { info: 'WhatsApp Media Retry Notification' })),
		to: n.attrs.to, type: n.attrs.type,
		iv: hex(getBinaryNodeChildBuffer(enc, 'enc_iv')), encP: hex(getBinaryNodeChildBuffer(enc, 'enc_p')) };
});

const answers = [
	[ids[0], R.SUCCESS, '/v/t62.7118-24/0123456789abcdef.enc?ccb=11-4&oh=01&oe=6800AAAA'],
	[ids[1], R.SUCCESS, '/v/t62.7117-24/fedcba9876543210.enc?ccb=11-4&oh=02&oe=6800BBBB'],
	[ids[0], R.NOT_FOUND, undefined],
	[ids[1], R.DECRYPTION_ERROR, undefined],
].map(([id, result, directPath]) => {
	const mediaKey = crypto.randomBytes(32);
	const iv = crypto.randomBytes(12);
	const key = hkdf(mediaKey, 32, { info: 'WhatsApp Media Retry Notification' });
	const pt = proto.MediaRetryNotification.encode({ stanzaId: id, directPath, result }).finish();
	const ct = aesEncryptGCM(Buffer.from(pt), key, iv, Buffer.from(id));
	const back = decryptMediaRetryData({ ciphertext: ct, iv }, mediaKey, id);
	if (back.result !== result || (back.directPath || undefined) !== directPath)
		throw new Error('Baileys does not read back what was sealed');
	return { id, mediaKey: hex(mediaKey), iv: hex(iv), encP: hex(ct), result, directPath: directPath ?? '' };
});

process.stdout.write(JSON.stringify({
	about: 'media retry (server-error receipt, mediaretry notification) sealed by Baileys; see tests/interop/gen-media-retry-vectors.js',
	requests, answers }, null, '\t') + '\n');
