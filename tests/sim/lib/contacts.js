// Simulated contacts: WhatsApp users with their own Signal identity
// (libsignal), who send text to linked devices (pkmsg first, then msg) and
// decrypt what devices send them into an inbox (protocol-notes §8, §9).
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { proto } from 'baileys';
import { node, children, bytes, nowSec, messageId } from './nodes.js';
import { randomLid } from './registry.js';
import { SimError } from './errors.js';
import * as curve from './curve.js';

const require = createRequire(import.meta.url);
const libsignal = require('libsignal');

/** Inbox entries kept per contact. */
const MAX_INBOX = 1000;
/** Sent messages kept per contact for retries. */
const MAX_SENT = 200;
/** Retries answered per message, as WhatsApp clients stop after 5. */
const MAX_RETRIES = 5;
/** Longest text a contact sends (WhatsApp allows 65536 characters). */
const MAX_TEXT = 65536;

function pad(buf) {
	const n = 1 + crypto.randomInt(0, 16);
	return Buffer.concat([buf, Buffer.alloc(n, n)]);
}

function unpad(buf) {
	const n = buf.length ? buf[buf.length - 1] : 0;
	if (n < 1 || n > 16 || n > buf.length)
		throw new Error('bad message padding');
	return buf.subarray(0, buf.length - n);
}

function textOf(m) {
	if (!m)
		return null;
	if (m.deviceSentMessage?.message)
		return textOf(m.deviceSentMessage.message);
	return m.conversation || m.extendedTextMessage?.text || null;
}

/** The bundle a retry receipt carries in <keys> (Baileys: sendRetryRequest). */
function bundleFromKeys(keys, reg) {
	const get = (parent, tag) => bytes(children(parent, tag)[0]);
	const key = children(keys, 'key')[0];
	const skey = children(keys, 'skey')[0];
	const identity = get(keys, 'identity');
	if (!reg || reg.length !== 4 || !identity || !skey)
		return null;
	const preKey = key ? { id: get(key, 'id').readUIntBE(0, 3), public: get(key, 'value') } : undefined;
	return {
		registrationId: reg.readUInt32BE(0), identity,
		signedPreKey: { id: get(skey, 'id').readUIntBE(0, 3), public: get(skey, 'value'),
			signature: get(skey, 'signature') },
		preKey
	};
}

/** libsignal storage over one contact's persisted record. */
class ContactStore {
	constructor(contacts, c) {
		this.contacts = contacts;
		this.c = c;
	}
	save() { this.contacts.save(); }
	async getOurIdentity() {
		return { pubKey: curve.signalPub(curve.unb64(this.c.identity.public)),
			privKey: curve.unb64(this.c.identity.private) };
	}
	async getOurRegistrationId() { return this.c.registrationId; }
	async isTrustedIdentity(id, key) {
		// Trust on first use, like a phone that has not verified safety numbers.
		const k = curve.b64(curve.signalPub(key));
		if (!this.c.identities[id]) {
			this.c.identities[id] = k;
			this.save();
		}
		return true;
	}
	async loadPreKey(id) {
		const k = this.c.prekeys[id];
		return k ? { pubKey: curve.signalPub(curve.unb64(k.public)), privKey: curve.unb64(k.private) } : undefined;
	}
	async removePreKey(id) {
		delete this.c.prekeys[id];
		this.save();
	}
	async loadSignedPreKey(id) {
		const k = this.c.signedPreKey;
		if (k.id !== id)
			return undefined;
		return { pubKey: curve.signalPub(curve.unb64(k.public)), privKey: curve.unb64(k.private) };
	}
	async loadSession(addr) {
		const s = this.c.sessions[addr];
		return s ? libsignal.SessionRecord.deserialize(s) : undefined;
	}
	async storeSession(addr, record) {
		this.c.sessions[addr] = record.serialize();
		this.save();
	}
}

export class Contacts {
	constructor(sim) {
		this.sim = sim;
		if (!sim.store.get('contacts'))
			sim.store.set('contacts', {});
	}

	get all() { return this.sim.store.get('contacts'); }
	save() { this.sim.store.touch('contacts'); }

	create(b) {
		const phone = String(b.phone ?? '');
		if (!/^[1-9][0-9]{5,17}$/.test(phone))
			throw new SimError(400, 'phone must be 6-18 digits');
		if (this.sim.registry.phones[phone])
			throw new SimError(409, 'that number is a simulated phone with linked devices');
		let lid = null;
		if (b.lid === true)
			lid = randomLid();
		else if (typeof b.lid === 'string' && /^[1-9][0-9]{5,20}$/.test(b.lid))
			lid = b.lid;
		else if (b.lid !== undefined && b.lid !== false && b.lid !== null)
			throw new SimError(400, 'lid must be true or a digit string');
		let c = this.all[phone];
		if (!c) {
			const id = curve.generateKeyPair();
			const spk = curve.generateKeyPair();
			c = {
				phone,
				identity: { private: curve.b64(id.private), public: curve.b64(id.public) },
				registrationId: 1 + crypto.randomInt(0, 16380),
				signedPreKey: {
					id: 1, private: curve.b64(spk.private), public: curve.b64(spk.public),
					signature: curve.b64(curve.sign(id.private, curve.signalPub(spk.public)))
				},
				prekeys: {}, nextPreKeyId: 1, sessions: {}, identities: {}, inbox: [], receipts: [], sent: []
			};
		}
		c.sent = c.sent || [];
		c.lid = lid ?? c.lid ?? null;
		c.pn = b.pn === undefined ? (c.pn ?? true) : !!b.pn;
		c.name = typeof b.name === 'string' ? b.name.slice(0, 64) : (c.name || `Contact ${phone}`);
		this.all[phone] = c;
		this.sim.store.set('contacts', this.all);
		return { phone, jid: this.jidOf(c), lid: c.lid ? `${c.lid}@lid` : null };
	}

	jidOf(c) { return c.lid ? `${c.lid}@lid` : `${c.phone}@s.whatsapp.net`; }

	list() {
		return Object.values(this.all).map((c) => ({ phone: c.phone, jid: this.jidOf(c),
			lid: c.lid ? `${c.lid}@lid` : null, inbox: c.inbox.length }));
	}

	find(user, server) {
		if (server === 'lid')
			return Object.values(this.all).find((c) => c.lid === user);
		return this.all[user];
	}

	byJid(jid) {
		const m = /^([0-9]+)(?::[0-9]+)?@(s\.whatsapp\.net|lid)$/.exec(jid || '');
		return m ? this.find(m[1], m[2]) : undefined;
	}

	get(phone) {
		const c = this.all[phone];
		if (!c)
			throw new SimError(404, 'no such contact');
		return c;
	}

	userInfo(user, server) {
		const c = this.find(user, server);
		return c ? { lid: c.lid, devices: [{ id: 0 }] } : null;
	}

	/** A fresh one-time prekey per fetch, like a phone keeping its pool full. */
	bundleFor(jid) {
		const c = this.byJid(jid);
		if (!c)
			return null;
		const id = c.nextPreKeyId++;
		const kp = curve.generateKeyPair();
		c.prekeys[id] = { private: curve.b64(kp.private), public: curve.b64(kp.public) };
		this.save();
		return {
			registrationId: c.registrationId,
			identity: curve.unb64(c.identity.public),
			signedPreKey: { id: c.signedPreKey.id, public: curve.unb64(c.signedPreKey.public),
				signature: curve.unb64(c.signedPreKey.signature) },
			preKey: { id, public: kp.public }
		};
	}

	inbox(phone) {
		return this.get(phone).inbox;
	}

	/** The contact sends text to a phone's linked devices (or one device). */
	async send(phone, b) {
		const c = this.get(phone);
		// message: any WAProto Message as JSON (media, locations, ...: lib/media.js)
		if (b.message !== undefined ? typeof b.message !== 'object' || b.message === null :
		    typeof b.text !== 'string' || !b.text || b.text.length > MAX_TEXT)
			throw new SimError(400, 'text must be a non-empty string (or message an object)');
		if (b.to === undefined) {
			// With a single simulated phone, "to" may be left out.
			const phones = Object.keys(this.sim.registry.phones);
			if (phones.length === 1)
				b = { ...b, to: `${phones[0]}@s.whatsapp.net` };
		}
		if (typeof b.to !== 'string')
			throw new SimError(400, 'to (jid) is required');
		const m = /^([0-9]+)(?::([0-9]+))?@(s\.whatsapp\.net|lid)$/.exec(b.to);
		if (!m)
			throw new SimError(400, 'to must be a user or device jid');
		const target = this.sim.deviceJid(`${m[1]}:${m[2] || 0}@${m[3]}`);
		const ph = /^([0-9]+):/.exec(target)?.[1];
		let devices = this.sim.registry.devicesOf(ph);
		if (m[2] !== undefined)
			devices = devices.filter((d) => d.jid === target);
		if (!devices.length)
			throw new SimError(404, 'no linked device to deliver to');
		const id = messageId();
		const t = nowSec();
		for (const d of devices) {
			const enc = await this.encryptFor(c, d, b.message !== undefined ? pad(Buffer.from(
			    proto.Message.encode(proto.Message.fromObject(b.message)).finish())) :
			    this.plaintext(b.text));
			// corrupt: the device cannot decrypt it and must ask for a retry.
			// (a msg ends with its MAC; a pkmsg's middle holds keys and the inner message).
			if (b.corrupt === true)
				enc.body[enc.type === 'msg' ? enc.body.length - 1 : enc.body.length >> 1] ^= 0x55;
			c.sent.push({ id, text: b.text, to: d.jid, t });
			this.sim.deliver(d.jid, this.messageNode(c, id, t, enc));
		}
		if (c.sent.length > MAX_SENT)
			c.sent.splice(0, c.sent.length - MAX_SENT);
		this.save();
		return { id, to: devices.map((d) => d.jid) };
	}

	plaintext(text) {
		return pad(Buffer.from(proto.Message.encode({ conversation: text }).finish()));
	}

	messageNode(c, id, t, enc, count) {
		return node('message', {
			from: this.jidOf(c), id, t, type: 'text', notify: c.name,
			sender_pn: c.lid && c.pn ? `${c.phone}@s.whatsapp.net` : undefined,
			addressing_mode: c.lid ? 'lid' : 'pn'
		}, [node('enc', { v: 2, type: enc.type, count }, enc.body)]);
	}

	/**
	 * A device could not decrypt a contact's message and sent a retry receipt:
	 * start a new session (from the keys in the receipt, else a fetched bundle)
	 * and send the message again with the same id (whatsmeow retry.go, Baileys
	 * messages-recv sendRetryRequest).
	 */
	async retry(c, conn, n) {
		const r = children(n, 'retry')[0];
		const count = Number(r?.attrs.count || 1);
		const sent = c.sent.find((x) => x.id === n.attrs.id && x.to === conn.jid);
		if (!sent || !(count >= 1 && count <= MAX_RETRIES))
			return;
		const d = this.sim.registry.device(conn.jid);
		const addr = this.addrOf(d);
		delete c.sessions[addr.toString()];
		const keys = children(n, 'keys')[0];
		const bundle = keys ? bundleFromKeys(keys, bytes(children(n, 'registration')[0])) : null;
		const enc = await this.encryptFor(c, d, this.plaintext(sent.text), bundle);
		this.sim.deliver(conn.jid, this.messageNode(c, sent.id, sent.t, enc, count));
	}

	addrOf(d) { return new libsignal.ProtocolAddress(d.phone, d.device); }

	async encryptFor(c, d, plain, bundle) {
		const store = new ContactStore(this, c);
		const addr = this.addrOf(d);
		if (!c.sessions[addr.toString()]) {
			const b = bundle || this.sim.bundleFor(d.jid);
			await new libsignal.SessionBuilder(store, addr).initOutgoing({
				registrationId: b.registrationId,
				identityKey: curve.signalPub(b.identity),
				signedPreKey: { keyId: b.signedPreKey.id, publicKey: curve.signalPub(b.signedPreKey.public),
					signature: b.signedPreKey.signature },
				preKey: b.preKey ? { keyId: b.preKey.id, publicKey: curve.signalPub(b.preKey.public) } : undefined
			});
		}
		const r = await new libsignal.SessionCipher(store, addr).encrypt(plain);
		const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'binary');
		return { type: r.type === 3 ? 'pkmsg' : 'msg', body };
	}

	/** A device sent a message: decrypt the parts addressed to contacts, relay the rest. */
	async onMessage(conn, n) {
		const from = this.sim.registry.device(conn.jid);
		const tos = children(n, 'participants').flatMap((p) => children(p, 'to'));
		const direct = children(n, 'enc');
		if (!tos.length && direct.length)
			tos.push({ tag: 'to', attrs: { jid: n.attrs.to }, content: direct });
		for (const to of tos) {
			const enc = children(to, 'enc')[0];
			const body = bytes(enc);
			if (!enc || !body)
				continue;
			const dev = this.sim.registry.device(this.sim.deviceJid(to.attrs.jid));
			if (dev && !dev.removed) {
				// Another linked device: our own (a sent-message copy, with recipient)
				// or another simulated phone's (a message from us).
				const ownAccount = dev.phone === from.phone;
				if (dev.jid !== conn.jid)
					this.sim.deliver(dev.jid, node('message', {
						from: conn.jid, recipient: ownAccount ? n.attrs.to : undefined, id: n.attrs.id,
						t: nowSec(), type: n.attrs.type || 'text', notify: from.pushName || undefined
					}, [node('enc', { ...enc.attrs }, body)]));
				continue;
			}
			const c = this.byJid(to.attrs.jid);
			if (!c) {
				this.sim.log.add('!!', conn.id, conn.jid, `message to unknown ${to.attrs.jid} dropped`);
				continue;
			}
			await this.receive(c, from, conn, n, enc, body);
		}
	}

	async receive(c, from, conn, n, enc, body) {
		const store = new ContactStore(this, c);
		const cipher = new libsignal.SessionCipher(store, this.addrOf(from));
		let text = null;
		let error;
		try {
			const plain = enc.attrs.type === 'pkmsg'
				? await cipher.decryptPreKeyWhisperMessage(body)
				: await cipher.decryptWhisperMessage(body);
			text = textOf(proto.Message.decode(unpad(Buffer.from(plain))));
		} catch (e) {
			error = e.message || String(e);
			this.sim.log.add('!!', conn.id, conn.jid, `contact ${c.phone} could not decrypt: ${error}`);
		}
		c.inbox.push({ from: conn.jid, id: n.attrs.id, text, t: Number(n.attrs.t) || nowSec(),
			type: enc.attrs.type, ...(error ? { error } : {}) });
		if (c.inbox.length > MAX_INBOX)
			c.inbox.splice(0, c.inbox.length - MAX_INBOX);
		this.save();
		if (!error)
			this.sim.deliver(conn.jid, node('receipt', { from: this.jidOf(c), id: n.attrs.id, t: nowSec() }));
	}

	async onReceipt(conn, n) {
		const c = this.byJid(n.attrs.to);
		if (!c) {
			// A receipt for a message from another simulated phone: relay it.
			const target = this.sim.deviceJid(n.attrs.to || '');
			const phone = /^([0-9]+):/.exec(target)?.[1];
			for (const d of phone ? this.sim.registry.devicesOf(phone) : [])
				if (d.jid !== conn.jid)
					this.sim.deliver(d.jid, node('receipt', { from: conn.jid, id: n.attrs.id,
						t: nowSec(), type: n.attrs.type }));
			return;
		}
		if (n.attrs.type === 'retry')
			await this.retry(c, conn, n);
		c.receipts.push({ from: conn.jid, id: n.attrs.id, type: n.attrs.type || 'delivery', t: nowSec() });
		if (c.receipts.length > MAX_INBOX)
			c.receipts.splice(0, c.receipts.length - MAX_INBOX);
		this.save();
	}
}

