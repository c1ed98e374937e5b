// History sync from the account's phone (issue 11 item 9): after linking,
// WhatsApp's phone sends each companion protocolMessage
// HISTORY_SYNC_NOTIFICATION messages pointing at zlib-compressed
// HistorySync blobs on the CDN (media type md-msg-hist, "WhatsApp History
// Keys"), which whatsmeow (DownloadHistorySync, storeHistoricalPNLIDMappings)
// and Baileys (downloadHistory, processHistoryMessage) read for chats and
// for phoneNumberToLidMappings. Here the phone is a Signal device of its own
// (device 0 of the account, keys kept in the `selves` document) and the
// blob is made and encrypted with Baileys' own functions.
import { deflateSync } from 'node:zlib';
import fs from 'node:fs';
import { proto, encryptedStream } from 'baileys';
import { node, nowSec, messageId } from './nodes.js';
import { newDeviceKeys, pad } from './contacts.js';
import { SimError } from './errors.js';

/** The account phone's own Signal device (device 0), made on first use. */
function phoneDevice(sim, phone) {
	const selves = sim.store.get('selves') || {};
	if (!selves[phone]) {
		selves[phone] = newDeviceKeys(0, 0);
		sim.store.set('selves', selves);
	}
	return selves[phone];
}

/**
 * Sends every linked device of `phone` a history sync notice whose blob
 * maps the given contacts' numbers to their LIDs (default: every contact)
 * and holds one old message per contact (never for the hook). inline: the
 * blob rides in initialHistBootstrapInlinePayload instead of the CDN.
 */
export async function sendHistorySync(sim, b) {
	const phone = String(b.phone ?? Object.keys(sim.registry.phones)[0] ?? '');
	if (!sim.registry.phones[phone])
		throw new SimError(404, 'no such simulated phone');
	const devices = sim.registry.devicesOf(phone);
	if (!devices.length)
		throw new SimError(409, 'the phone has no linked device');
	const all = Object.values(sim.contacts.all);
	const pick = Array.isArray(b.contacts) ? all.filter((c) => b.contacts.map(String).includes(c.phone)) : all;
	const hs = {
		syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
		chunkOrder: 1,
		progress: 100,
		phoneNumberToLidMappings: pick.map((c) => ({ pnJid: `${c.phone}@s.whatsapp.net`, lidJid: `${c.lid}@lid` })),
		conversations: pick.map((c) => ({ id: `${c.phone}@s.whatsapp.net`, messages: [{ message: {
			key: { remoteJid: `${c.phone}@s.whatsapp.net`, fromMe: false, id: messageId(22) },
			message: { conversation: b.oldText || 'an old message from history' },
			messageTimestamp: nowSec() - 86400 } }] }))
	};
	const zipped = deflateSync(Buffer.from(proto.HistorySync.encode(hs).finish()));
	const notice = { syncType: proto.Message.HistorySyncType.INITIAL_BOOTSTRAP, chunkOrder: 1, progress: 100 };
	if (b.inline)
		notice.initialHistBootstrapInlinePayload = zipped;
	else {
		const e = await encryptedStream(zipped, 'md-msg-hist');
		const enc = fs.readFileSync(e.encFilePath);
		fs.unlinkSync(e.encFilePath);
		Object.assign(notice, { mediaKey: e.mediaKey, fileSha256: e.fileSha256, fileEncSha256: e.fileEncSha256,
			fileLength: e.fileLength, directPath: sim.media.store(enc) });
	}
	const plain = pad(Buffer.from(proto.Message.encode({ protocolMessage: {
		type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
		historySyncNotification: notice } }).finish()));
	const dev = phoneDevice(sim, phone);
	const ids = [];
	for (const d of devices) {
		const enc = await sim.contacts.encryptFor(dev, d, plain);
		sim.store.touch('selves');
		const id = messageId(22);
		ids.push(id);
		// from our own phone (device 0): a peer message, as protocol messages to companions are
		sim.deliver(d.jid, node('message', { from: `${phone}@s.whatsapp.net`, id, t: nowSec(), type: 'text',
			category: 'peer' }, [node('enc', { v: 2, type: enc.type }, enc.body)]));
	}
	return { ids, mappings: hs.phoneNumberToLidMappings, directPath: notice.directPath ?? null };
}
