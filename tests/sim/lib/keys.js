// Prekeys and device lists (protocol-notes §7, §8): upload and count, key
// bundle fetch, digest, and usync device/LID queries.
import { node, child, children, bytes, beInt, beBytes, iqResult, iqError } from './nodes.js';
import * as curve from './curve.js';
import { usyncUsers, USYNC_MAX_OTHERS } from './strict.js';

/** Prekeys a device may hold on the server; Baileys uploads 812 at first. */
const MAX_PREKEYS = 2000;

export function handleEncrypt(sim, conn, n) {
	const d = sim.registry.device(conn.jid);
	if (n.attrs.type === 'get' && child(n, 'count')) {
		conn.send(iqResult(n, [node('count', { value: Object.keys(d.prekeys || {}).length })]));
		return sim.loginStep(conn, 'count');
	}
	if (n.attrs.type === 'set' && child(n, 'list'))
		return upload(sim, conn, n, d);
	if (n.attrs.type === 'set' && child(n, 'rotate')) {
		const sk = parseSkey(child(child(n, 'rotate'), 'skey'));
		if (!sk || !curve.verify(curve.unb64(d.identityKey), curve.signalPub(sk.public), sk.signature))
			return conn.send(iqError(n, 406, 'not-acceptable'));
		d.signedPreKey = { id: sk.id, public: curve.b64(sk.public), signature: curve.b64(sk.signature) };
		sim.registry.saveDevices();
		return conn.send(iqResult(n));
	}
	if (n.attrs.type === 'get' && child(n, 'digest'))
		return conn.send(iqResult(n, [digest(d)]));
	if (n.attrs.type === 'get' && child(n, 'key'))
		return conn.send(iqResult(n, [bundles(sim, children(child(n, 'key'), 'user'))]));
	return conn.send(iqError(n, 501, 'feature-not-implemented'));
}

function parseSkey(sk) {
	const id = bytes(child(sk, 'id'));
	const pub = bytes(child(sk, 'value'));
	const sig = bytes(child(sk, 'signature'));
	if (!id || id.length !== 3 || !pub || pub.length !== 32 || !sig || sig.length !== 64)
		return null;
	return { id: beInt(id), public: pub, signature: sig };
}

function upload(sim, conn, n, d) {
	const reg = bytes(child(n, 'registration'));
	const type = bytes(child(n, 'type'));
	const ident = bytes(child(n, 'identity'));
	if (!reg || reg.length !== 4 || !type || type[0] !== curve.KEY_TYPE || !ident || ident.length !== 32)
		return conn.send(iqError(n, 400, 'bad-request'));
	if (curve.b64(ident) !== d.identityKey)
		return conn.send(iqError(n, 406, 'identity-mismatch'));
	const keys = {};
	for (const k of children(child(n, 'list'), 'key')) {
		const id = bytes(child(k, 'id'));
		const v = bytes(child(k, 'value'));
		if (!id || id.length !== 3 || !v || v.length !== 32)
			return conn.send(iqError(n, 400, 'bad-request'));
		keys[beInt(id)] = curve.b64(v);
	}
	const sk = parseSkey(child(n, 'skey'));
	if (sk) {
		if (!curve.verify(ident, curve.signalPub(sk.public), sk.signature))
			return conn.send(iqError(n, 406, 'bad-signature'));
		d.signedPreKey = { id: sk.id, public: curve.b64(sk.public), signature: curve.b64(sk.signature) };
	}
	d.registrationId = reg.readUInt32BE(0);
	d.prekeys = { ...(d.prekeys || {}), ...keys };
	const ids = Object.keys(d.prekeys);
	if (ids.length > MAX_PREKEYS)
		for (const id of ids.slice(0, ids.length - MAX_PREKEYS))
			delete d.prekeys[id];
	sim.registry.saveDevices();
	return conn.send(iqResult(n));
}

function digest(d) {
	const sk = d.signedPreKey;
	return node('digest', {}, [
		node('registration', {}, beBytes(d.registrationId, 4)),
		node('type', {}, Buffer.from([curve.KEY_TYPE])),
		node('identity', {}, curve.unb64(d.identityKey)),
		node('skey', {}, [
			node('id', {}, beBytes(sk.id, 3)),
			node('value', {}, curve.unb64(sk.public)),
			node('signature', {}, curve.unb64(sk.signature))
		]),
		node('list', {}, Object.keys(d.prekeys || {}).map((id) => node('id', {}, beBytes(+id, 3))))
	]);
}

/** Key bundles for <user jid=…> entries: linked devices or simulated contacts. */
function bundles(sim, users) {
	return node('list', {}, users.map((u) => {
		const b = sim.bundleFor(u.attrs.jid);
		if (!b)
			return node('user', { jid: u.attrs.jid }, [node('error', { code: 404, text: 'item-not-found' })]);
		const content = [
			node('registration', {}, beBytes(b.registrationId, 4)),
			node('type', {}, Buffer.from([curve.KEY_TYPE])),
			node('identity', {}, b.identity),
			node('skey', {}, [
				node('id', {}, beBytes(b.signedPreKey.id, 3)),
				node('value', {}, b.signedPreKey.public),
				node('signature', {}, b.signedPreKey.signature)
			])
		];
		if (b.preKey)
			content.push(node('key', {}, [
				node('id', {}, beBytes(b.preKey.id, 3)),
				node('value', {}, b.preKey.public)
			]));
		return node('user', { jid: u.attrs.jid }, content);
	}));
}

/** usync: devices (with key indexes) and LIDs for the listed users. */
export function handleUsync(sim, conn, n) {
	const d = sim.registry.device(conn.jid);
	const own = new Set([d.phone, sim.registry.phones[d.phone]?.lid]);
	const others = usyncUsers(n).filter((u) => !own.has(u.replace(/^\+/, '').split(/[@:]/)[0]));
	if (others.length > USYNC_MAX_OTHERS)
		sim.log.add('!!', conn.id, conn.jid, `usync (context ${child(n, 'usync')?.attrs.context}) lists ${others.length} numbers at once: a bulk lookup (contact scraping pattern)`);
	const us = child(n, 'usync');
	const q = child(us, 'query');
	const wantDevices = !!child(q, 'devices');
	const wantLid = !!child(q, 'lid');
	const wantContact = !!child(q, 'contact');
	const out = [];
	for (const u of children(child(us, 'list'), 'user')) {
		let jid = u.attrs.jid;
		const contactNode = child(u, 'contact');
		if (!jid && contactNode) {
			const phone = bytes(contactNode)?.toString().replace(/[^0-9]/g, '');
			jid = phone ? `${phone}@s.whatsapp.net` : undefined;
		}
		if (!jid)
			continue;
		const info = sim.userInfo(jid);
		const content = [];
		if (wantContact)
			content.push(node('contact', { type: info ? 'in' : 'out' }));
		if (wantDevices && info)
			content.push(node('devices', {}, [
				node('device-list', {}, info.devices.map((dv) => node('device', {
					id: dv.id, 'key-index': dv.id ? dv.keyIndex : undefined
				}))),
			]));
		if (wantLid && info?.lid)
			content.push(node('lid', { val: `${info.lid}@lid` }));
		out.push(node('user', { jid }, content));
	}
	return conn.send(iqResult(n, [node('usync', { ...us.attrs }, [
		node('list', {}, out)
	])]));
}
