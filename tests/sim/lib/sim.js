// The simulator core: connections, registration and QR pairing, login with
// its refusals, stanza routing, fault injection and the offline queue.
import { WebSocketServer } from 'ws';
import { encodeBinaryNode, decodeBinaryNode } from 'baileys';
import { Conn } from './conn.js';
import { StanzaLog } from './log.js';
import { Registry } from './registry.js';
import { loadOrCreateCertKeys } from './certs.js';
import * as curve from './curve.js';
import * as pairing from './pairing.js';
import { handleStanza } from './handlers.js';
import { Contacts } from './contacts.js';
import { LinkCodes } from './linkcode.js';
import { MediaCdn } from './media.js';
import { node, S_WA, nowSec, serverId } from './nodes.js';
import { SimError } from './errors.js';

export { SimError };

/** <failure reason=402 code=…>: whatsmeow's TempBanReason 101 ("sent to too many people"). */
const TEMP_BAN_CODE = 101;
/** Stanzas kept per device while unacknowledged; the oldest go first beyond it. */
const MAX_QUEUE = 1000;
/** The largest WebSocket message accepted: one maximal frame plus slack. */
const MAX_WS_MESSAGE = 17 * 1024 * 1024;

export const FAULTS = ['conflict', 'restart-required', 'logout', 'ban', 'temp-ban', 'outdated',
	'failure', 'undecryptable', 'drop', 'stall', 'close', 'clear', 'reg-refresh', 'passkey'];
/** Stanza kinds remembered per device to judge its receipts' types. */
const MAX_KINDS = 4000;
/** Stanzas the offline backlog hands out when a client asks for no count. */
const DEFAULT_BATCH = 100;

export class Sim {
	constructor(store, opts) {
		this.store = store;
		this.opts = opts;
		this.log = new StanzaLog(opts.verbose);
		this.registry = new Registry(store);
		this.certKeys = loadOrCreateCertKeys(store);
		this.stats = { connections: 0, handshakes: 0, handshakeFailures: 0, pings: 0,
			stanzasIn: 0, stanzasOut: 0, receipts: 0 };
		this.conns = new Set();
		this.online = new Map();
		this.refs = new Map();
		if (!store.get('queue'))
			store.set('queue', {});
		this.contacts = new Contacts(this);
		/** Server props (abt): privacy tokens required on 1:1 sends, as servers now do. */
		this.props = { privacyTokens: opts.privacyTokens !== false };
		/** device jid -> when its latest login became ready to send (ms since the epoch). */
		this.readyAt = new Map();
		/** device jid -> Map(stanza id -> 'contact'|'self'): what a receipt answers. */
		this.kinds = new Map();
		this.linkCodes = new LinkCodes(this);
		this.media = new MediaCdn();	// lib/media.js; started by wa-sim.js
		this.media.strict = (what) => this.log.add('!!', 0, 'cdn', what);
	}

	get queue() { return this.store.get('queue'); }

	listen(host, port) {
		return new Promise((resolve, reject) => {
			this.wss = new WebSocketServer({ host, port, path: '/ws/chat', maxPayload: MAX_WS_MESSAGE });
			this.wss.once('listening', () => resolve(this.wss.address()));
			this.wss.once('error', reject);
			this.wss.on('connection', (ws) => {
				this.stats.connections++;
				const c = new Conn(this, ws);
				this.conns.add(c);
			});
		});
	}

	close() {
		for (const c of this.conns)
			c.terminate();
		this.store.flush();
		this.media.close();
		return new Promise((r) => this.wss ? this.wss.close(() => r()) : r());
	}

	onConnClosed(c) {
		this.conns.delete(c);
		if (c.jid && this.online.get(c.jid) === c)
			this.online.delete(c.jid);
		if (c.pairing)
			for (const r of c.pairing.refs)
				this.refs.delete(r.ref);
		this.log.add('--', c.id, c.who(), 'connection closed');
	}

	async onClientPayload(c, cp) {
		for (const w of payloadWarnings(cp))
			this.log.add('!!', c.id, '-', `ClientPayload: ${w}`);
		if (this.opts.minVersion && versionBelow(cp.userAgent?.appVersion, this.opts.minVersion)) {
			c.state = 'failed';
			return c.failure({ reason: 405 });
		}
		if (cp.devicePairingData)
			return this.startPairing(c, cp);
		if (cp.username !== undefined && cp.username !== null && String(cp.username) !== '0')
			return this.login(c, cp);
		c.state = 'failed';
		return c.failure({ reason: 400 });
	}

	// Registration and pairing (protocol-notes §4)

	startPairing(c, cp) {
		let data;
		try {
			data = pairing.parsePairingData(cp.devicePairingData);
		} catch (e) {
			this.log.add('!!', c.id, '-', `registration refused: ${e.message}`);
			c.state = 'failed';
			return c.failure({ reason: 400 });
		}
		const { qrFirstMs, qrNextMs, qrRefs, qrGraceMs } = this.opts;
		const t0 = Date.now();
		const refs = [];
		for (let i = 0; i < qrRefs; i++)
			refs.push({ ref: pairing.makeRef(), until: t0 + qrFirstMs + i * qrNextMs });
		c.state = 'pairing';
		c.pairing = { ...data, refs, pushName: cp.pushName };
		for (const r of refs)
			this.refs.set(r.ref, c);
		c.send(node('iq', { from: S_WA, type: 'set', id: serverId(), xmlns: 'md' }, [
			node('pair-device', {}, refs.map((r) => node('ref', {}, Buffer.from(r.ref))))
		]));
		// The client closes when its last ref expires; we end lingering ones.
		c.later(() => {
			if (c.state === 'pairing')
				c.closeClean();
		}, refs[refs.length - 1].until - t0 + qrGraceMs);
	}

	/** The phone `number` scans `qr`: pairs the waiting companion; resolves {jid}. */
	async scan(qr, number) {
		let q;
		try {
			q = pairing.parseQr(qr);
		} catch (e) {
			throw new SimError(400, e.message);
		}
		const c = this.refs.get(q.ref);
		if (!c || c.closed || c.state !== 'pairing')
			throw new SimError(404, 'no companion is showing this QR');
		const r = c.pairing.refs.find((x) => x.ref === q.ref);
		if (Date.now() > r.until)
			throw new SimError(410, 'QR ref expired');
		if (!q.noiseKey.equals(c.clientStatic))
			throw new SimError(400, 'QR noise key is not the connection\'s');
		if (!q.identityKey.equals(c.pairing.identityKey))
			throw new SimError(400, 'QR identity key is not the registered one');
		return this.completePairing(c, number, q.advSecret);
	}

	/** pair-success for a companion whose adv secret the phone knows; resolves {jid}. */
	async completePairing(c, number, advSecret) {
		let phone;
		try {
			phone = this.registry.phone(String(number));
		} catch (e) {
			throw new SimError(400, e.message);
		}
		c.state = 'scanned';
		for (const x of c.pairing.refs)
			this.refs.delete(x.ref);
		const device = phone.nextDevice;
		const ps = pairing.buildPairSuccess({
			phone, device, identityKey: c.pairing.identityKey, advSecret
		});
		const reply = await c.request(ps.stanza, this.opts.pairTimeoutMs);
		if (!reply || reply.tag === 'closed')
			throw new SimError(504, 'companion did not answer pair-success');
		const bad = pairing.checkPairReply(reply, ps.expect);
		if (bad) {
			c.failure({ reason: 401 });
			throw new SimError(502, `pair-device-sign refused: ${bad}`);
		}
		const jid = `${phone.phone}:${device}@s.whatsapp.net`;
		this.registry.addDevice(phone, {
			jid, phone: phone.phone, device, lid: `${phone.lid}:${device}@lid`,
			noiseKey: curve.b64(c.clientStatic),
			identityKey: curve.b64(c.pairing.identityKey),
			registrationId: c.pairing.registrationId,
			signedPreKey: {
				id: c.pairing.signedPreKey.id,
				public: curve.b64(c.pairing.signedPreKey.public),
				signature: curve.b64(c.pairing.signedPreKey.signature)
			},
			keyIndex: ps.expect.keyIndex,
			prekeys: {}, removed: false, connects: 0, pushName: c.pairing.pushName || '',
			linkedAt: new Date().toISOString()
		});
		c.state = 'paired';
		c.streamError({ code: 515 });
		return { jid };
	}

	// Login (protocol-notes §4, §6)

	login(c, cp) {
		const user = String(cp.username);
		const jid = `${user}:${cp.device || 0}@s.whatsapp.net`;
		const d = this.registry.device(jid);
		c.state = 'failed';
		if (d)
			d.logins = (d.logins || 0) + 1;	// every attempt, refused ones too
		if (!d || d.removed || d.noiseKey !== curve.b64(c.clientStatic))
			return c.failure({ reason: 401 });
		const f = this.activeFaults(jid);
		if (f.outdated)
			return c.failure({ reason: 405 });
		if (f.failure)
			return c.failure({ reason: f.failure });
		if (f.ban)
			return c.failure({ reason: 403 });
		if (f.tempBanUntil && f.tempBanUntil > Date.now())
			return c.failure({ reason: 402, code: TEMP_BAN_CODE,
				expire: Math.ceil((f.tempBanUntil - Date.now()) / 1000) });
		const old = this.online.get(jid);
		if (old && old !== c) {
			old.streamError({}, node('conflict', { type: 'replaced' }));
			old.jid = null;
		}
		c.jid = jid;
		c.state = 'online';
		c.active = false;
		this.online.set(jid, c);
		d.connects = (d.connects || 0) + 1;
		if (cp.pushName)
			d.pushName = cp.pushName;
		this.registry.saveDevices();
		const phone = this.registry.phones[d.phone];
		c.send(node('success', {
			t: nowSec(), lid: `${phone.lid}@lid`, location: 'sim', creation: nowSec() - 86400,
			props: '1', abprops: '1'
		}));
		// Routing info for the ED intro of the next connection (protocol-notes §1).
		if (this.opts.edgeRouting)
			c.send(node('ib', { from: S_WA }, [node('edge_routing', {}, [
				node('routing_info', {}, Buffer.from([0x08, 0x08, 0x08, 0x02]))
			])]));
		if (this.opts.serverPingMs)
			this.schedulePing(c);
	}

	/** Server-initiated pings (urn:xmpp:ping); clients answer with an iq result. */
	schedulePing(c) {
		c.later(async () => {
			if (c.closed || c.state !== 'online')
				return;
			const r = await c.request(node('iq', { from: S_WA, type: 'get', xmlns: 'urn:xmpp:ping',
				id: serverId() }, [node('ping', {})]), this.opts.serverPingMs);
			if (!r)
				this.log.add('!!', c.id, c.who(), 'server ping unanswered');
			this.schedulePing(c);
		}, this.opts.serverPingMs);
	}

	activeFaults(jid) {
		const g = this.registry.fault('*');
		const d = this.registry.fault(jid);
		return {
			outdated: g.outdated || d.outdated,
			failure: d.failure || g.failure,
			ban: g.ban || d.ban,
			tempBanUntil: Math.max(g.tempBanUntil || 0, d.tempBanUntil || 0)
		};
	}

	// Stanzas after login

	async onStanza(c, n) {
		if (c.state === 'online')
			return handleStanza(this, c, n);
		if (c.state === 'pairing' && n.tag === 'iq' && n.attrs.xmlns === 'md' &&
		    n.attrs.type === 'set' && this.linkCodes.onIq(c, n))
			return;
		// Before login only keepalive is served (Baileys pings while showing a QR).
		if (n.tag === 'iq' && n.attrs.xmlns === 'w:p' && n.attrs.type === 'get' && !c.stalled) {
			this.stats.pings++;
			c.send(node('iq', { from: S_WA, type: 'result', id: n.attrs.id }));
		}
	}

	/**
	 * Passive iq <active/> done: the backlog is announced with
	 * <ib><offline_preview/> and held until the client asks for it with
	 * <ib><offline_batch count=N/> (Baileys socket.ts answers every preview
	 * with one; WA Web asks batch by batch); <ib><offline count=N/> ends it.
	 * Nothing waiting: the end marker at once.
	 */
	async flushQueue(c) {
		c.backlog = { handed: new Set(), sent: 0 };
		if (!this.waiting(c).length)
			return this.endBacklog(c);
		this.previewBacklog(c);
	}

	/** Queued stanzas not yet handed out in this connection's backlog. */
	waiting(c) {
		return (this.queue[c.jid] || []).filter((e) => !c.backlog.handed.has(e));
	}

	previewBacklog(c) {
		const left = this.waiting(c);
		const kinds = { message: 0, notification: 0, receipt: 0, call: 0 };
		for (const e of left)
			kinds[e.tag || 'message'] = (kinds[e.tag || 'message'] || 0) + 1;
		c.send(node('ib', { from: S_WA }, [node('offline_preview', { count: left.length, ...kinds })]));
	}

	/** The client asked for the next `count` backlog stanzas. */
	async sendBatch(c, count) {
		if (!c.backlog || c.backlog.done)
			return this.log.add('!!', c.id, c.who(), 'offline_batch without a backlog waiting');
		const want = Number(count) > 0 ? Number(count) : DEFAULT_BATCH;
		const part = this.waiting(c).slice(0, want);
		for (const e of part) {
			c.backlog.handed.add(e);
			const n = await decodeBinaryNode(Buffer.from(e.node, 'base64'));
			n.attrs.offline = n.attrs.offline || '1';
			c.send(n);
		}
		c.backlog.sent += part.length;
		if (!this.waiting(c).length)
			this.endBacklog(c);
		else
			this.previewBacklog(c);
	}

	endBacklog(c) {
		c.backlog.done = true;
		c.send(node('ib', { from: S_WA }, [node('offline', { count: c.backlog.sent })]));
	}

	/** Queues a stanza for a device until it acks it; sends it now if online. */
	deliver(jid, n, kind) {
		const q = this.queue[jid] || (this.queue[jid] = []);
		q.push({ id: n.attrs.id, tag: n.tag, node: encodeBinaryNode(n).toString('base64') });
		if (kind) {
			const k = this.kinds.get(jid) || new Map();
			k.set(n.attrs.id, kind);
			if (k.size > MAX_KINDS)
				k.delete(k.keys().next().value);
			this.kinds.set(jid, k);
		}
		const max = this.opts.maxQueue || MAX_QUEUE;
		if (q.length > max) {
			this.log.add('!!', 0, jid, `${q.length - max} unacknowledged stanzas dropped`);
			q.splice(0, q.length - max);
		}
		this.store.touch('queue');
		// Live only once the backlog is handed out; until then it joins it.
		const c = this.online.get(jid);
		if (c && c.active && c.backlog?.done)
			c.send(n);
	}

	/** The device acked a stanza we queued for it (any class): it is delivered. */
	acked(jid, id) {
		const q = this.queue[jid];
		if (!q)
			return;
		const i = q.findIndex((e) => e.id === id);
		if (i >= 0) {
			q.splice(i, 1);
			this.store.touch('queue');
		}
	}

	/** Signal key bundle for a device or contact jid, taking one prekey. */
	bundleFor(jid) {
		const d = this.registry.device(this.deviceJid(jid));
		if (d && !d.removed) {
			const ids = Object.keys(d.prekeys || {});
			let preKey;
			if (ids.length) {
				preKey = { id: +ids[0], public: curve.unb64(d.prekeys[ids[0]]) };
				delete d.prekeys[ids[0]];
				this.registry.saveDevices();
				// Few prekeys left: tell the device so it uploads more (protocol-notes §7).
				if (ids.length - 1 < this.opts.prekeyLow)
					this.deliver(d.jid, node('notification', { from: S_WA, type: 'encrypt',
						id: serverId(), t: nowSec() }, [node('count', { value: ids.length - 1 })]));
			}
			return {
				registrationId: d.registrationId,
				identity: curve.unb64(d.identityKey),
				signedPreKey: {
					id: d.signedPreKey.id, public: curve.unb64(d.signedPreKey.public),
					signature: curve.unb64(d.signedPreKey.signature)
				},
				preKey
			};
		}
		return this.contacts.bundleFor(jid);
	}

	/** Devices and LID of a user jid (phone account with companions, or contact). */
	userInfo(jid) {
		const [userPart, server] = jid.split('@');
		const user = userPart.split(':')[0];
		const phone = server === 'lid' ? this.registry.phoneByLid(user) : this.registry.phones[user];
		if (phone) {
			const devs = this.registry.devicesOf(phone.phone).map((d) => ({ id: d.device, keyIndex: d.keyIndex }));
			return { lid: phone.lid, devices: devs };
		}
		return this.contacts.userInfo(user, server);
	}

	/** "lid:dev@lid" of a simulated phone -> "phone:dev@s.whatsapp.net". */
	deviceJid(jid) {
		const m = /^([0-9]+)(?::([0-9]+))?@(s\.whatsapp\.net|lid)$/.exec(jid || '');
		if (!m)
			return jid;
		const phone = m[3] === 'lid' ? this.registry.phoneByLid(m[1])?.phone : m[1];
		return phone ? `${phone}:${m[2] || 0}@s.whatsapp.net` : jid;
	}

	/**
	 * The contacts' side of a stanza (decrypting, answering retries) runs in
	 * one queue of its own, in arrival order: libsignal sessions must not be
	 * touched by two tasks at once, and a busy contact must not hold up the
	 * connection's pings, as it would not on WhatsApp.
	 */
	contactWork(c, fn) {
		this.contactQueue = (this.contactQueue || Promise.resolve()).then(fn).catch((e) => {
			this.log.add('!!', c.id, c.who(), `contact handler error: ${e.stack || e}`);
		});
	}

	/**
	 * A login is ready to send once the client had its prekey count answered
	 * and went active (passive iq): both references do both before they say
	 * "open"/connected. Timed here, the same way for every client.
	 */
	loginStep(c, step) {
		c.loginSteps = c.loginSteps || new Set();
		if (c.loginSteps.has('ready'))
			return;
		c.loginSteps.add(step);
		if (c.loginSteps.has('count') && c.loginSteps.has('active')) {
			c.loginSteps.add('ready');
			this.readyAt.set(c.jid, performance.timeOrigin + performance.now());
		}
	}

	// The phone and fault injection

	unlink(jid) {
		const d = this.registry.device(jid);
		if (!d || d.removed)
			throw new SimError(404, 'no such linked device');
		d.removed = true;
		d.removedAt = new Date().toISOString();
		this.registry.saveDevices();
		const c = this.online.get(jid);
		if (c)
			c.streamError({ code: 401 }, node('conflict', { type: 'device_removed' }));
		return { ok: true };
	}

	inject(jid, fault, seconds, extra = {}) {
		if (!FAULTS.includes(fault))
			throw new SimError(400, `unknown fault; one of ${FAULTS.join(', ')}`);
		if (fault === 'undecryptable') {
			// A contact (or one of its devices) that cannot read what devices send it.
			const r = jid && this.contacts.injectUndecryptable(jid, extra.times ?? 1);
			if (!r)
				throw new SimError(404, 'undecryptable needs the jid of a contact or contact device');
			return r;
		}
		const key = jid || '*';
		if (fault === 'reg-refresh' || fault === 'passkey') {
			// Linking faults go to every connection still registering.
			if (!this.linkCodes.fault(fault))
				throw new SimError(409, 'no companion is registering');
			return { ok: true, connected: true };
		}
		if (key !== '*' && !this.registry.device(key))
			throw new SimError(404, 'no such linked device');
		const conns = key === '*' ? [...this.online.values()] : [this.online.get(key)].filter(Boolean);
		switch (fault) {
		case 'clear':
			// Without a jid every fault goes, device ones included.
			for (const k of key === '*' ? Object.keys(this.registry.faults) : [key])
				this.registry.setFault(k, null);
			for (const c of conns)
				c.stalled = false;
			return { ok: true, connected: conns.length > 0 };
		case 'ban':
			this.registry.setFault(key, { ban: true });
			conns.forEach((c) => c.failure({ reason: 403 }));
			return { ok: true, connected: conns.length > 0 };
		case 'temp-ban': {
			const s = Number(seconds ?? 60);
			if (!Number.isFinite(s) || s <= 0 || s > 366 * 86400)
				throw new SimError(400, 'seconds must be a positive number');
			const until = Date.now() + s * 1000;
			this.registry.setFault(key, { tempBanUntil: until });
			conns.forEach((c) => c.failure({ reason: 402, code: TEMP_BAN_CODE, expire: Math.ceil(s) }));
			return { ok: true, connected: conns.length > 0, until: new Date(until).toISOString() };
		}
		case 'outdated':
			this.registry.setFault(key, { outdated: true });
			conns.forEach((c) => c.failure({ reason: 405 }));
			return { ok: true, connected: conns.length > 0 };
		case 'failure': {
			// A refusal the client does not know (409 and others, protocol-notes §6).
			const reason = Number(extra.reason ?? 409);
			if (!Number.isInteger(reason) || reason < 100 || reason > 999)
				throw new SimError(400, 'reason must be a 3-digit number');
			this.registry.setFault(key, { failure: reason });
			conns.forEach((c) => c.failure({ reason }));
			return { ok: true, connected: conns.length > 0 };
		}
		case 'logout':
			if (key === '*')
				throw new SimError(400, 'logout needs a jid');
			this.unlink(key);
			return { ok: true, connected: conns.length > 0 };
		}
		if (!conns.length)
			throw new SimError(409, 'device not connected');
		for (const c of conns) {
			switch (fault) {
			case 'conflict':
				c.streamError({}, node('conflict', { type: 'replaced' }));
				break;
			case 'restart-required':
				c.streamError({ code: 515 });
				break;
			case 'drop':
				c.terminate();
				break;
			case 'stall':
				c.stalled = true;
				break;
			case 'close':
				c.closeClean();
				break;
			}
		}
		return { ok: true, connected: true };
	}

	/**
	 * Contacts took all but `keep` of a linked device's one-time prekeys:
	 * the device is told so (an encrypt notification with the count, as
	 * bundleFor does) and uploads more.
	 */
	drainPrekeys(jid, keep = 0) {
		const d = this.registry.device(this.deviceJid(jid));
		if (!d || d.removed)
			throw new SimError(404, 'no such linked device');
		const ids = Object.keys(d.prekeys || {});
		for (const id of ids.slice(Math.max(0, keep)))
			delete d.prekeys[id];
		this.registry.saveDevices();
		const left = Object.keys(d.prekeys || {}).length;
		this.deliver(d.jid, node('notification', { from: S_WA, type: 'encrypt',
			id: serverId(), t: nowSec() }, [node('count', { value: left })]));
		return { left, dropped: ids.length - left };
	}

	devicesList() {
		return Object.values(this.registry.devices).filter((d) => !d.removed).map((d) => ({
			jid: d.jid, phone: d.phone, device: d.device, lid: d.lid,
			connected: this.online.has(d.jid), connects: d.connects || 0,
			logins: d.logins || 0, readyAt: this.readyAt.get(d.jid) ?? null,
			prekeys: Object.keys(d.prekeys || {}).length,
			queued: (this.queue[d.jid] || []).length
		}));
	}
}

/** Deviations from what protocol-notes §4 says every ClientPayload carries. */
function payloadWarnings(cp) {
	const w = [];
	const ua = cp.userAgent;
	if (!ua)
		return ['no userAgent'];
	if (ua.platform !== 14)
		w.push(`userAgent.platform ${ua.platform}, WhatsApp Web is WEB (14)`);
	if (!ua.appVersion?.primary)
		w.push('no userAgent.appVersion');
	if (!cp.webInfo)
		w.push('no webInfo');
	if (cp.connectType !== 1)
		w.push(`connectType ${cp.connectType}, expected WIFI_UNKNOWN (1)`);
	if (cp.connectReason !== 1)
		w.push(`connectReason ${cp.connectReason}, expected USER_ACTIVATED (1)`);
	if (cp.devicePairingData) {
		if (cp.passive || cp.pull)
			w.push('registration with passive/pull set');
	} else if (!cp.passive || !cp.pull) {
		w.push('login without passive and pull');
	}
	return w;
}

/** True when appVersion is older than "X.Y.Z". */
function versionBelow(v, min) {
	const have = [v?.primary || 0, v?.secondary || 0, v?.tertiary || 0].map(Number);
	const want = min.split('.').map(Number);
	for (let i = 0; i < 3; i++)
		if (have[i] !== (want[i] || 0))
			return have[i] < (want[i] || 0);
	return false;
}

