// gen-compose-vectors.js: writes tests/vectors/compose.json, the outgoing
// messages test_msg_compose.c checks session-worker/message/msg_compose.c
// against byte for byte.
//
// Provenance: the bytes are Baileys' own (the package pinned in
// tests/package.json): WAProto.Message.encode of
//   - text: {conversation} unquoted (as whatsmeow SendMessage sends plain
//     text); quoted, generateWAMessageFromContent(chat,
//     {extendedTextMessage:{text}}, {quoted}) which adds contextInfo
//     {participant, stanzaId, quotedMessage} with the quoted message
//     normalised (normalizeMessageContent) and its contextInfo removed;
//   - media: the object prepareWAMessageMedia builds after its upload
//     ({url, directPath, mediaKey, fileEncSha256, fileSha256, fileLength,
//     mediaKeyTimestamp, ...uploadData}) with fixed keys and hashes, quoted
//     by generateWAMessageFromContent where the case says so;
//   - location and reaction: generateWAMessageContent({location}) and
//     ({react}), without the random messageContextInfo.messageSecret it
//     adds to some kinds (whatsmeow sends none).
// stanzaType/mediatype are what whatsmeow send.go getTypeFromMessage and
// getMediaTypeFromMessage give for the message (a location: "text", none).
// Deterministic: rerunning writes the same file.
// Usage: node tests/interop/gen-compose-vectors.js > tests/vectors/compose.json
import { proto, generateWAMessageFromContent, generateWAMessageContent } from 'baileys';

const chat = '4915112340001@s.whatsapp.net';
const hex = (b) => Buffer.from(b).toString('hex');
const fill = (n, v) => Buffer.alloc(n, v);

// The contact's messages a reply quotes: a photo inside an ephemeral
// wrapper with its own contextInfo (both must go), and plain text.
const inboundPhoto = proto.Message.fromObject({
	messageContextInfo: { messageSecret: fill(32, 9) },
	ephemeralMessage: { message: { imageMessage: {
		url: 'https://mmg.example/a', mimetype: 'image/jpeg', caption: 'my booking',
		fileSha256: fill(32, 1), fileLength: 2048, height: 640, width: 480,
		mediaKey: fill(32, 2), fileEncSha256: fill(32, 3), directPath: '/v/t62/a',
		mediaKeyTimestamp: 1700000000, contextInfo: { stanzaId: 'OLD', participant: chat },
	} } },
});
const inboundText = proto.Message.fromObject({ conversation: 'pick me up at 9' });
const quotes = {
	photo: { id: '3EB0PHOTO0000000000001', message: inboundPhoto },
	text: { id: '3EB0TEXT00000000000001', message: inboundText },
};

const media = (extra) => ({
	url: 'https://127.0.0.1:4443/v/t62.7118-24/abc.enc?ccb=11-4',
	directPath: '/v/t62.7118-24/abc.enc?ccb=11-4',
	mediaKey: fill(32, 0x11), fileEncSha256: fill(32, 0x22), fileSha256: fill(32, 0x33),
	fileLength: 123456, mediaKeyTimestamp: 1760000000, ...extra,
});

const cases = [
	{ name: 'text', type: 'text', text: 'your driver is outside',
	  content: { conversation: 'your driver is outside' }, stanzaType: 'text', mediatype: '' },
	{ name: 'text quoting text', type: 'text', text: 'yes, at 9', quote: 'text',
	  content: { extendedTextMessage: { text: 'yes, at 9' } }, stanzaType: 'text', mediatype: '' },
	{ name: 'image quoting a photo', type: 'image', quote: 'photo',
	  media: media({ mimetype: 'image/jpeg', caption: 'your car' }),
	  content: { imageMessage: media({ mimetype: 'image/jpeg', caption: 'your car' }) },
	  stanzaType: 'media', mediatype: 'image' },
	{ name: 'video', type: 'video', media: media({ mimetype: 'video/mp4', seconds: 12, caption: 'route' }),
	  content: { videoMessage: media({ mimetype: 'video/mp4', seconds: 12, caption: 'route' }) },
	  stanzaType: 'media', mediatype: 'video' },
	{ name: 'voice note', type: 'audio', media: media({ mimetype: 'audio/ogg; codecs=opus', seconds: 4, ptt: true }),
	  content: { audioMessage: media({ mimetype: 'audio/ogg; codecs=opus', seconds: 4, ptt: true }) },
	  stanzaType: 'media', mediatype: 'ptt' },
	{ name: 'audio', type: 'audio', media: media({ mimetype: 'audio/mpeg' }),
	  content: { audioMessage: media({ mimetype: 'audio/mpeg' }) },
	  stanzaType: 'media', mediatype: 'audio' },
	{ name: 'document with caption quoting text', type: 'document', quote: 'text',
	  media: media({ mimetype: 'application/pdf', fileName: 'ticket.pdf', caption: 'your ticket' }),
	  content: { documentMessage: media({ mimetype: 'application/pdf', fileName: 'ticket.pdf',
		caption: 'your ticket' }) },
	  stanzaType: 'media', mediatype: 'document' },
	{ name: 'location quoting a photo', type: 'location', quote: 'photo',
	  location: { degreesLatitude: 52.525083, degreesLongitude: 13.369402, name: 'Berlin Hbf',
		address: 'Europaplatz 1, 10557 Berlin' },
	  stanzaType: 'text', mediatype: '' },
	{ name: 'location without name', type: 'location',
	  location: { degreesLatitude: -33.8688, degreesLongitude: 151.2093 },
	  stanzaType: 'text', mediatype: '' },
	{ name: 'reaction', type: 'reaction',
	  react: { key: { remoteJid: chat, fromMe: false, id: '3EB0PHOTO0000000000001' }, text: '👍',
		senderTimestampMs: 1760000000123 },
	  stanzaType: 'reaction', mediatype: '' },
	{ name: 'reaction taken back', type: 'reaction',
	  react: { key: { remoteJid: chat, fromMe: true, id: '3EB0MINE' }, text: '',
		senderTimestampMs: 1760000000999 },
	  stanzaType: 'reaction', mediatype: '' },
];

const out = [];
for (const c of cases) {
	let content = c.content;
	if (c.location)
		content = await generateWAMessageContent({ location: c.location }, {});
	if (c.react)
		content = await generateWAMessageContent({ react: c.react }, {});
	// Baileys adds a random messageContextInfo.messageSecret (reporting
	// tokens) to some kinds; whatsmeow does not, nor do we: left out.
	content = { ...content, messageContextInfo: undefined };
	const q = c.quote ? quotes[c.quote] : null;
	let msg = proto.Message.fromObject(content);
	if (q) {
		msg = generateWAMessageFromContent(chat, msg, {
			quoted: { key: { remoteJid: chat, fromMe: false, id: q.id }, message: q.message },
			userJid: '4915199990000@s.whatsapp.net', timestamp: new Date(1760000000000),
		}).message;
	}
	const v = { name: c.name, type: c.type, stanzaType: c.stanzaType, mediatype: c.mediatype,
		pb: hex(proto.Message.encode(msg).finish()) };
	if (c.text)
		v.text = c.text;
	if (c.media) {
		const m = c.media;
		v.media = { url: m.url, directPath: m.directPath, mimetype: m.mimetype,
			mediaKey: hex(m.mediaKey), fileSha256: hex(m.fileSha256),
			fileEncSha256: hex(m.fileEncSha256), fileLength: m.fileLength,
			mediaKeyTimestamp: m.mediaKeyTimestamp, caption: m.caption, fileName: m.fileName,
			seconds: m.seconds, ptt: m.ptt };
	}
	if (c.location)
		Object.assign(v, { latitude: c.location.degreesLatitude, longitude: c.location.degreesLongitude,
			locName: c.location.name, address: c.location.address });
	if (c.react)
		Object.assign(v, { keyRemoteJid: c.react.key.remoteJid, keyFromMe: c.react.key.fromMe,
			keyId: c.react.key.id, emoji: c.react.text, senderTimestampMs: c.react.senderTimestampMs });
	if (q)
		v.quote = { id: q.id, participant: chat, pb: hex(proto.Message.encode(q.message).finish()) };
	out.push(v);
}
process.stdout.write(JSON.stringify({
	source: 'Baileys (tests/package.json) WAProto.Message.encode of generateWAMessageContent / ' +
	    'prepareWAMessageMedia fields / generateWAMessageFromContent quoting; types per whatsmeow ' +
	    'send.go getTypeFromMessage, getMediaTypeFromMessage',
	vectors: out,
}, null, 1) + '\n');
