// gen-history-vectors.js: writes tests/vectors/history-sync.json, the
// history sync vectors test_msg_history.c checks session-worker/message/
// msg_history.c against.
//
// Provenance: Baileys' own protobufs and the reading path of its
// downloadHistory (lib/Utils/history.js): each blob is
// zlib(proto.HistorySync.encode(...)) and is written only if Baileys'
// processHistoryMessage, after inflating it as downloadHistory does, reports
// the same phone-number-to-LID mappings; each notice is
// proto.Message.encode({protocolMessage: {type: HISTORY_SYNC_NOTIFICATION,
// historySyncNotification}}) and must be found by Baileys' getHistoryMsg.
// Deterministic: no random bytes.
// Usage: node tests/interop/gen-history-vectors.js > tests/vectors/history-sync.json
import { inflateSync, deflateSync } from 'node:zlib';
import { proto, processHistoryMessage, getHistoryMsg } from 'baileys';

const hex = (b) => Buffer.from(b).toString('hex');
const mappings = [
	{ pnJid: '4915112349201@s.whatsapp.net', lidJid: '123456789012345@lid' },
	{ pnJid: '15550001111@s.whatsapp.net', lidJid: '98765432101@lid' },
	{ pnJid: 'not-a-number@s.whatsapp.net', lidJid: '55@lid' },	// skipped by both
];
const conversations = [{ id: '4915112349201@s.whatsapp.net', name: 'Ann', messages: [{ message: {
	key: { remoteJid: '4915112349201@s.whatsapp.net', fromMe: false, id: '3EB0AAAAAAAAAAAAAAAAAA' },
	message: { conversation: 'an old message' }, messageTimestamp: 1767225600 } }] }];
const blob = deflateSync(Buffer.from(proto.HistorySync.encode({
	syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP, conversations,
	phoneNumberToLidMappings: mappings, chunkOrder: 1, progress: 100 }).finish()));
const seen = processHistoryMessage(proto.HistorySync.decode(inflateSync(blob))).lidPnMappings || [];
const want = [{ pn: '4915112349201', lid: '123456789012345' }, { pn: '15550001111', lid: '98765432101' }];
for (const w of want)
	if (!seen.some((m) => m.lid === `${w.lid}@lid` && m.pn === `${w.pn}@s.whatsapp.net`))
		throw new Error(`Baileys does not read ${w.pn} -> ${w.lid} back`);

const notice = (n) => {
	const m = proto.Message.encode({ protocolMessage: {
		type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION, historySyncNotification: n } }).finish();
	if (!getHistoryMsg(proto.Message.decode(m)))
		throw new Error('Baileys does not see a history sync notice');
	return hex(m);
};
const key = Buffer.alloc(32).map((_, i) => i + 1);
const sha = Buffer.alloc(32).map((_, i) => 0xa0 + i);
const encSha = Buffer.alloc(32).map((_, i) => 0x40 + i);

process.stdout.write(JSON.stringify({
	about: 'history sync blobs and notices made with Baileys protobufs; see tests/interop/gen-history-vectors.js',
	blob: hex(blob), mappings: want,
	notice: { message: notice({ mediaKey: key, fileSha256: sha, fileEncSha256: encSha, fileLength: 4321,
		directPath: '/v/t62.36145-24/hist.enc?ccb=11-4', syncType: 0, chunkOrder: 3 }),
		mediaKey: hex(key), fileSha256: hex(sha), fileEncSha256: hex(encSha), fileLength: 4321,
		directPath: '/v/t62.36145-24/hist.enc?ccb=11-4', chunkOrder: 3 },
	inlineNotice: notice({ initialHistBootstrapInlinePayload: blob, syncType: 0, chunkOrder: 1 }),
	keylessNotice: notice({ directPath: '/v/x.enc', fileLength: 10 }),
	textMessage: hex(proto.Message.encode({ conversation: 'not a notice' }).finish()),
}, null, '\t') + '\n');
