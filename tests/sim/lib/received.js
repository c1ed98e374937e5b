// What a simulated contact's device makes of a message it decrypted: the
// kind and fields a WhatsApp client would show (text, the quoted message,
// media, location, reaction), media fetched from the simulator's CDN by
// directPath and decrypted and verified as a client does (HKDF media keys,
// the 10-byte HMAC, AES-256-CBC, fileEncSha256, fileSha256), and the
// <message type> / <enc mediatype> a sender must have used for it
// (whatsmeow send.go getTypeFromMessage, getMediaTypeFromMessage).
import crypto from 'node:crypto';

const HKDF_INFO = { image: 'Image', video: 'Video', audio: 'Audio', document: 'Document',
	sticker: 'Image' };
const KINDS = ['imageMessage', 'videoMessage', 'audioMessage', 'documentMessage', 'stickerMessage'];
const hex = (b) => (b ? Buffer.from(b).toString('hex') : undefined);

/** The message inside the wrappers a client opens (Baileys normalizeMessageContent). */
export function inner(m) {
	for (let i = 0; m && i < 5; i++) {
		const w = m.deviceSentMessage || m.ephemeralMessage || m.viewOnceMessage ||
		    m.viewOnceMessageV2 || m.viewOnceMessageV2Extension || m.documentWithCaptionMessage;
		if (!w?.message)
			break;
		m = w.message;
	}
	return m;
}

/** whatsmeow getTypeFromMessage / getMediaTypeFromMessage for m. */
export function expectedTypes(m) {
	m = inner(m);
	if (m.reactionMessage || m.encReactionMessage)
		return { type: 'reaction', mediatype: undefined };
	if (m.pollCreationMessage || m.pollUpdateMessage)
		return { type: 'poll', mediatype: undefined };
	let mediatype;
	if (m.extendedTextMessage?.title)
		mediatype = 'url';
	else if (m.imageMessage)
		mediatype = 'image';
	else if (m.stickerMessage)
		mediatype = 'sticker';
	else if (m.documentMessage)
		mediatype = 'document';
	else if (m.audioMessage)
		mediatype = m.audioMessage.ptt ? 'ptt' : 'audio';
	else if (m.videoMessage)
		mediatype = m.videoMessage.gifPlayback ? 'gif' : 'video';
	else if (m.contactMessage)
		mediatype = 'vcard';
	else if (m.contactsArrayMessage)
		mediatype = 'contact_array';
	// Baileys getMediaType says 'livelocation' where whatsmeow has none: both pass
	if (m.liveLocationMessage)
		return { type: 'text', mediatype: undefined, alt: { type: 'media', mediatype: 'livelocation' } };
	return { type: mediatype ? 'media' : 'text', mediatype };
}

/** Fetches and decrypts a media message's file from the CDN: {ok, sha256?, size?, error?}. */
export function fetchMedia(cdn, kind, mm) {
	const file = cdn?.files.get(mm.directPath || '');
	if (!file)
		return { ok: false, error: 'not on the CDN' };
	const data = file.data;
	const info = `WhatsApp ${HKDF_INFO[kind]} Keys`;
	const keys = Buffer.from(crypto.hkdfSync('sha256', Buffer.from(mm.mediaKey || []),
	    Buffer.alloc(0), info, 112));
	const iv = keys.subarray(0, 16), cipherKey = keys.subarray(16, 48), macKey = keys.subarray(48, 80);
	if (mm.fileEncSha256 && !crypto.createHash('sha256').update(data).digest()
	    .equals(Buffer.from(mm.fileEncSha256)))
		return { ok: false, error: 'fileEncSha256 mismatch' };
	const body = data.subarray(0, data.length - 10), mac = data.subarray(data.length - 10);
	const want = crypto.createHmac('sha256', macKey).update(iv).update(body).digest().subarray(0, 10);
	if (!want.equals(mac))
		return { ok: false, error: 'HMAC mismatch' };
	let plain;
	try {
		const d = crypto.createDecipheriv('aes-256-cbc', cipherKey, iv);
		plain = Buffer.concat([d.update(body), d.final()]);
	} catch (e) {
		return { ok: false, error: `decrypt: ${e.message}` };
	}
	const sha = crypto.createHash('sha256').update(plain).digest();
	if (!mm.fileSha256 || !sha.equals(Buffer.from(mm.fileSha256)))
		return { ok: false, error: 'fileSha256 mismatch' };
	if (mm.fileLength !== undefined && mm.fileLength !== null && Number(mm.fileLength) !== plain.length)
		return { ok: false, error: 'fileLength mismatch' };
	return { ok: true, sha256: sha.toString('hex'), size: plain.length };
}

/** A decrypted Message as the record a test reads (GET /sim/contacts/:phone/inbox). */
export function describe(m, cdn) {
	m = inner(m);
	const ctx = (x) => (x?.contextInfo?.stanzaId ? { quoted: { id: x.contextInfo.stanzaId,
		participant: x.contextInfo.participant, kind: Object.keys(x.contextInfo.quotedMessage || {})[0] } }
	    : {});
	if (m.conversation)
		return { kind: 'text', text: m.conversation };
	if (m.extendedTextMessage)
		return { kind: 'text', text: m.extendedTextMessage.text, ...ctx(m.extendedTextMessage) };
	for (const k of KINDS) {
		const mm = m[k];
		if (!mm)
			continue;
		const kind = k.replace('Message', '');
		return { kind, text: mm.caption || undefined, ...ctx(mm),
			media: { mimetype: mm.mimetype, fileName: mm.fileName || undefined,
				ptt: mm.ptt || undefined, fileSha256: hex(mm.fileSha256),
				fileLength: mm.fileLength !== undefined && mm.fileLength !== null ? Number(mm.fileLength) : undefined,
				directPath: mm.directPath, ...fetchMedia(cdn, kind, mm) } };
	}
	if (m.locationMessage) {
		const l = m.locationMessage;
		return { kind: 'location', ...ctx(l), location: { latitude: l.degreesLatitude,
			longitude: l.degreesLongitude, name: l.name || undefined, address: l.address || undefined } };
	}
	if (m.reactionMessage) {
		const r = m.reactionMessage;
		return { kind: 'reaction', reaction: { emoji: r.text, id: r.key?.id,
			remoteJid: r.key?.remoteJid, fromMe: !!r.key?.fromMe } };
	}
	return { kind: Object.keys(m).find((k) => k !== 'messageContextInfo') || 'empty' };
}

/**
 * A contact's media message: plain encrypted as WhatsApp clients do (a
 * fresh mediaKey), stored on the CDN, described as WAProto JSON for
 * contacts.send. spec: {kind: image|video|audio|document|sticker, data
 * (base64), mimetype?, caption?, fileName?, ptt?, seconds?}.
 */
export function mediaMessage(cdn, spec) {
	const kind = spec.kind;
	if (!HKDF_INFO[kind] || typeof spec.data !== 'string')
		throw new Error('media needs kind (image|video|audio|document|sticker) and data (base64)');
	const plain = Buffer.from(spec.data, 'base64');
	const mediaKey = crypto.randomBytes(32);
	const keys = Buffer.from(crypto.hkdfSync('sha256', mediaKey, Buffer.alloc(0),
	    `WhatsApp ${HKDF_INFO[kind]} Keys`, 112));
	const iv = keys.subarray(0, 16), cipherKey = keys.subarray(16, 48), macKey = keys.subarray(48, 80);
	const c = crypto.createCipheriv('aes-256-cbc', cipherKey, iv);
	const body = Buffer.concat([c.update(plain), c.final()]);
	const mac = crypto.createHmac('sha256', macKey).update(iv).update(body).digest().subarray(0, 10);
	const enc = Buffer.concat([body, mac]);
	const directPath = cdn.put(enc);
	const b64 = (b) => b.toString('base64');
	const m = { url: `https://${cdn.hostname}${directPath}`, directPath,
		mimetype: spec.mimetype || { image: 'image/jpeg', video: 'video/mp4',
			audio: 'audio/ogg; codecs=opus', document: 'application/pdf', sticker: 'image/webp' }[kind],
		mediaKey: b64(mediaKey), fileSha256: b64(crypto.createHash('sha256').update(plain).digest()),
		fileEncSha256: b64(crypto.createHash('sha256').update(enc).digest()),
		fileLength: plain.length, mediaKeyTimestamp: Math.floor(Date.now() / 1000) };
	if (spec.caption !== undefined && kind !== 'audio' && kind !== 'sticker')
		m.caption = spec.caption;
	if (kind === 'document')
		m.fileName = spec.fileName || 'file';
	if (kind === 'audio')
		m.ptt = !!spec.ptt;
	if (spec.seconds !== undefined && (kind === 'audio' || kind === 'video'))
		m.seconds = spec.seconds;
	return { [`${kind}Message`]: m };
}
