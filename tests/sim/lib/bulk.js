// Bulk control calls for load tests and benchmarks: what thousands of
// single calls would do, in one request and without one state write each.
//   contacts  create COUNT contacts with consecutive numbers from FIRST
//   burst     contacts send texts, all encrypted first and then delivered
//             back to back, so the receiver sees one burst
//   strangers LID-only senders unknown to the simulator write once each
//             with sender_pn (what a flood of strangers looks like)
// Delivery never overruns the simulator's queue of unacknowledged stanzas
// (--max-queue): past it, it waits for the device's acks.
import crypto from 'node:crypto';
import { node, nowSec, messageId } from './nodes.js';
import { SimError } from './errors.js';

/** Contacts or senders per bulk call. */
const MAX_BULK = 100000;
/** Messages per burst. */
const MAX_BURST = 200000;

function count(b, key, max) {
	const n = Number(b[key]);
	if (!Number.isInteger(n) || n < 1 || n > max)
		throw new SimError(400, `${key} must be 1..${max}`);
	return n;
}

/** FIRST, FIRST+1, ... as digit strings (FIRST a number below 2^53). */
function range(first, n) {
	if (!/^[1-9][0-9]{5,15}$/.test(String(first ?? '')))
		throw new SimError(400, 'first must be 6-16 digits');
	const f = Number(first);
	return Array.from({ length: n }, (_, i) => String(f + i));
}

/** The linked devices of the phone `to` names (a user jid or a number). */
function targets(sim, to) {
	const phone = /^([0-9]+)/.exec(String(to ?? ''))?.[1];
	const devices = phone ? sim.registry.devicesOf(phone) : [];
	if (!devices.length)
		throw new SimError(404, 'no linked device to deliver to');
	return { phone, devices };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Delivers [jid, node] pairs in order, waiting while a queue is full. */
async function deliverAll(sim, items) {
	const max = sim.opts.maxQueue || 1000;
	for (const [jid, n] of items) {
		while ((sim.queue[jid]?.length ?? 0) >= max - 1)
			await sleep(1);
		sim.deliver(jid, n, 'contact');
	}
}

/** POST /sim/contacts/bulk {first, count, lid?, pn?, tokens?} */
export function bulkContacts(sim, b) {
	const phones = range(b.first, count(b, 'count', MAX_BULK));
	for (const phone of phones)
		sim.contacts.create({ phone, lid: b.lid, pn: b.pn, tokens: b.tokens }, false);
	sim.store.set('contacts', sim.contacts.all);
	return { count: phones.length, first: phones[0], last: phones[phones.length - 1] };
}

/**
 * POST /sim/contacts/burst {phones | first+count, to, perContact?, text?}
 * Each contact's phone sends perContact texts "TEXT PHONE I", the contacts
 * taking turns. All are encrypted before the first is delivered.
 * Answers {messages, encryptMs, deliveredAt, doneAt} (wall-clock ms).
 */
export async function burst(sim, b) {
	const phones = Array.isArray(b.phones) ? b.phones.map(String) :
	    range(b.first, count(b, 'count', MAX_BULK));
	const per = b.perContact === undefined ? 1 : count(b, 'perContact', MAX_BURST);
	if (!phones.length || phones.length * per > MAX_BURST)
		throw new SimError(400, `phones x perContact must be 1..${MAX_BURST}`);
	const text = typeof b.text === 'string' && b.text ? b.text.slice(0, 1000) : 'burst';
	const { phone, devices } = targets(sim, b.to);
	const cs = phones.map((p) => sim.contacts.get(p));
	const t0 = Date.now();
	const items = [];
	for (const c of cs)
		sim.contacts.issueToken(c, phone);
	for (let i = 0; i < per; i++)
		for (const c of cs) {
			const dev = c.devices[0];
			const id = messageId(22);
			const t = nowSec();
			for (const d of devices) {
				const enc = await sim.contacts.encryptFor(dev, d,
				    sim.contacts.plaintext(`${text} ${c.phone} ${i}`));
				items.push([d.jid, sim.contacts.messageNode(c, dev, id, t, enc)]);
			}
		}
	const deliveredAt = Date.now();
	await deliverAll(sim, items);
	return { messages: phones.length * per, encryptMs: deliveredAt - t0, deliveredAt,
		doneAt: Date.now() };
}

/**
 * POST /sim/strangers {count, to, lidFirst?, pnFirst?}
 * COUNT senders LIDFIRST+i@lid (sender_pn PNFIRST+i) each write once. The
 * simulator holds no keys for them: the body is random bytes, which a
 * receiver that refuses strangers before decrypting never reads.
 */
export async function strangers(sim, b) {
	const n = count(b, 'count', MAX_BULK);
	const lids = range(b.lidFirst ?? '900000000000000', n);
	const pns = range(b.pnFirst ?? '19990000000', n);
	const { devices } = targets(sim, b.to);
	const items = [];
	for (let i = 0; i < n; i++) {
		const id = messageId(22);
		for (const d of devices)
			items.push([d.jid, node('message', {
				from: `${lids[i]}@lid`, id, t: nowSec(), type: 'text', notify: `Stranger ${i}`,
				sender_pn: `${pns[i]}@s.whatsapp.net`, addressing_mode: 'lid'
			}, [node('enc', { v: 2, type: 'pkmsg' }, crypto.randomBytes(80))])]);
	}
	const deliveredAt = Date.now();
	await deliverAll(sim, items);
	return { count: n, deliveredAt, doneAt: Date.now() };
}
