// Routing of stanzas from a logged-in device (protocol-notes §4, §6-§8).
import { node, child, iqResult, iqError, nowSec } from './nodes.js';
import { handleEncrypt, handleUsync } from './keys.js';

export async function handleStanza(sim, c, n) {
	switch (n.tag) {
	case 'iq':
		return handleIq(sim, c, n);
	case 'ack':
		sim.acked(c.jid, n.attrs.id);
		return;
	case 'receipt':
		// A delivery receipt also proves the message arrived; drop it from the queue.
		if (n.attrs.type !== 'retry')
			sim.acked(c.jid, n.attrs.id);
		await sim.contacts.onReceipt(c, n);
		return c.send(node('ack', { id: n.attrs.id, class: 'receipt', from: n.attrs.to,
			type: n.attrs.type, participant: n.attrs.participant }));
	case 'message':
		c.send(node('ack', { id: n.attrs.id, class: 'message', from: n.attrs.to, t: nowSec() }));
		return sim.contacts.onMessage(c, n);
	default:
		// presence, chatstate, ib (unified_session, offline_batch), call: nothing to answer.
		return;
	}
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
		if (child(n, 'props'))
			return c.send(iqResult(n, [node('props', { protocol: '1', hash: 'sim' })]));
		break;
	case 'w:m':	// lib/media.js
		if (child(n, 'media_conn'))
			return c.send(iqResult(n, [sim.media.connNode()]));
		break;
	case 'blocklist':
		return c.send(iqResult(n, [node('list', {})]));
	case 'privacy':
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

