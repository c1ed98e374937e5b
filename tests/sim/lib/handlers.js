// Routing of stanzas from a logged-in device (protocol-notes §4, §6-§8).
import { node, child, iqResult, iqError, nowSec } from './nodes.js';
import { handleEncrypt, handleUsync } from './keys.js';
import { RECEIPT_TYPES } from './strict.js';
import { answerMediaRetry } from './media.js';

export async function handleStanza(sim, c, n) {
	switch (n.tag) {
	case 'iq':
		return handleIq(sim, c, n);
	case 'ack':
		sim.acked(c.jid, n.attrs.id);
		return;
	case 'receipt':
		checkReceiptType(sim, c, n);
		// A media retry goes to our own phone, not to a contact (lib/media.js).
		if (n.attrs.type === 'server-error')
			answerMediaRetry(sim, c, n);
		// A delivery receipt also proves the message arrived; drop it from the queue.
		else if (n.attrs.type !== 'retry')
			sim.acked(c.jid, n.attrs.id);
		if (n.attrs.type !== 'server-error')
			sim.contactWork(c, () => sim.contacts.onReceipt(c, n));
		return c.send(node('ack', { id: n.attrs.id, class: 'receipt', from: n.attrs.to,
			type: n.attrs.type, participant: n.attrs.participant }));
	case 'message': {
		// Every message gets an ack; a refused one carries the error (protocol-notes §8).
		const error = sim.contacts.vetSend(c, n);
		c.send(node('ack', { id: n.attrs.id, class: 'message', from: n.attrs.to, t: nowSec(),
			error: error || undefined }));
		if (!error)
			return sim.contactWork(c, () => sim.contacts.onMessage(c, n));
		return;
	}
	case 'presence':
		// Receipts say "inactive" until the client marks itself available.
		if (n.attrs.type === 'available' || n.attrs.type === 'unavailable')
			c.available = n.attrs.type === 'available';
		return;
	case 'ib':
		if (child(n, 'offline_batch'))
			return sim.sendBatch(c, child(n, 'offline_batch').attrs.count);
		return;
	case 'chatstate':
		return checkChatstate(sim, c, n);
	default:
		// call: nothing to answer.
		return;
	}
}

/**
 * The receipt type must fit what it answers (protocol-notes §8; whatsmeow
 * receipt.go sendMessageReceipt, Baileys messages-recv): our own messages
 * echoed from another of our devices get `sender`; others a plain delivery
 * receipt, or `inactive` while the client has not marked itself available.
 */
function checkReceiptType(sim, c, n) {
	const type = n.attrs.type;
	const say = (m) => sim.log.add('!!', c.id, c.who(), `receipt ${n.attrs.id}: ${m}`);
	if (!RECEIPT_TYPES.has(type))
		return say(`unknown type '${type}'`);
	const kind = sim.kinds.get(c.jid)?.get(n.attrs.id);
	if (!kind || type === 'retry' || type === 'read' || type === 'read-self' || type === 'played')
		return;
	if (kind === 'self' && type !== 'sender')
		return say(`our own message echoed from another device wants type 'sender', got '${type ?? 'delivery'}'`);
	if (kind === 'contact') {
		if (type === 'sender' || type === 'peer_msg')
			return say(`a message from someone else is not answered with '${type}'`);
		if (type === undefined && !c.available)
			return say('plain delivery receipt from a client that never marked itself available (want \'inactive\')');
	}
}

/**
 * "typing..." (whatsmeow SendChatPresence): <chatstate to=user-jid> with one
 * <composing/> (media="audio": recording) or <paused/>; nothing to answer.
 */
function checkChatstate(sim, c, n) {
	const say = (m) => sim.log.add('!!', c.id, c.who(), `chatstate: ${m}`);
	const kids = Array.isArray(n.content) ? n.content : [];
	if (!/^[0-9]+@(s\.whatsapp\.net|lid)$/.test(n.attrs.to || ''))
		return say(`to '${n.attrs.to}' is not a user JID`);
	if (kids.length !== 1 || !['composing', 'paused'].includes(kids[0].tag))
		return say('wants exactly one <composing/> or <paused/>');
	const media = kids[0].attrs?.media;
	if (media !== undefined && (kids[0].tag !== 'composing' || media !== 'audio'))
		return say(`media='${media}' (only composing media="audio")`);
}

function handleIq(sim, c, n) {
	const { xmlns, type } = n.attrs;
	if (type !== 'get' && type !== 'set')
		return;
	switch (xmlns) {
	case 'w:p':
	case 'urn:xmpp:ping':
		if (c.stalled)
			return;
		sim.stats.pings++;
		return c.send(iqResult(n));
	case 'passive':
		c.send(iqResult(n));
		if (child(n, 'active') && !c.active) {
			c.active = true;
			sim.loginStep(c, 'active');
			return sim.flushQueue(c);
		}
		if (child(n, 'passive'))
			c.active = false;
		return;
	case 'encrypt':
		return handleEncrypt(sim, c, n);
	case 'usync':
		return handleUsync(sim, c, n);
	case 'abt':
	case 'w':
		// AB prop 10518: privacy tokens on 1:1 messages (Baileys chats.js fetchProps).
		if (child(n, 'props'))
			return c.send(iqResult(n, [node('props', { protocol: '1', hash: 'sim' }, [
				node('prop', { config_code: '10518', config_value: sim.props.privacyTokens ? 'true' : 'false' })
			])]));
		break;
	case 'w:m':	// lib/media.js
		if (child(n, 'media_conn'))
			return c.send(iqResult(n, [sim.media.connNode()]));
		break;
	case 'blocklist':
		return c.send(iqResult(n, [node('list', {})]));
	case 'privacy':
		// Issuing our own token to a contact (whatsmeow tctoken.go issuePrivacyToken).
		if (type === 'set' && child(n, 'tokens'))
			return c.send(iqResult(n));
		return c.send(iqResult(n, [node('privacy', {})]));
	case 'w:stats':
		return c.send(iqResult(n));
	case 'md':
		if (child(n, 'remove-companion-device')) {
			c.send(iqResult(n));
			const d = sim.registry.device(c.jid);
			if (d && !d.removed) {
				d.removed = true;
				sim.registry.saveDevices();
			}
			return;
		}
		break;
	}
	return c.send(iqError(n, 501, 'feature-not-implemented'));
}

