// codec-corpus.js: a deterministic corpus of binary nodes (protocol-notes
// §5) in Baileys' shape {tag, attrs, content}, shared by the interop test
// (tests/interop/codec.test.js) and the benchmark (tests/bench/).
// Attribute values are strings only (protocol-notes §5, last bullet), keys
// are unique and never integer-like (JS objects would reorder them) nor
// Object.prototype names (Baileys' TOKEN_MAP lookup would find those).
import * as C from 'baileys/lib/WABinary/constants.js';

export const SINGLE = C.SINGLE_BYTE_TOKENS;
export const DOUBLE = C.DOUBLE_BYTE_TOKENS;

// mulberry32: small, seeded, the same on every machine
export function rng(seed) {
	let s = seed >>> 0;
	const next = () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
	const pick = (a) => a[int(0, a.length - 1)];
	const bytes = (n) => {
		const b = Buffer.alloc(n);
		for (let i = 0; i < n; i++) b[i] = int(0, 255);
		return b;
	};
	return { next, int, pick, bytes };
}

const PROTO = new Set(Object.getOwnPropertyNames(Object.prototype));
const okKey = (k) => !PROTO.has(k) && !/^(0|[1-9]\d*)$/.test(k);

const from = (r, alphabet, n) => {
	let s = '';
	for (let i = 0; i < n; i++) s += alphabet[r.int(0, alphabet.length - 1)];
	return s;
};
const digits = (r, lo, hi) => String(r.int(1, 9)) + from(r, '0123456789', r.int(lo, hi) - 1);

// Every JID text form the codec knows, canonical and not.
export function randomJid(r) {
	const u = digits(r, 6, 15), dev = r.int(0, 99);
	switch (r.int(0, 19)) {
	case 0: return `${u}@s.whatsapp.net`;
	case 1: return `${u}:${dev}@s.whatsapp.net`;
	case 2: return `${u}@lid`;
	case 3: return `${u}:${dev}@lid`;
	case 4: return `${u}:${r.int(1, 255)}@hosted`;
	case 5: return `${u}:${r.int(0, 255)}@hosted.lid`;
	case 6: return `${u}@g.us`;
	case 7: return `${u}-${digits(r, 9, 10)}@g.us`;
	case 8: return 'status@broadcast';
	case 9: return '@s.whatsapp.net';
	case 10: return `${u}@c.us`;
	case 11: return `${u}@newsletter`;
	case 12: return `${u}:${r.int(0, 65535)}@msgr`;	// FB_JID
	case 13: return `${r.int(0, 65535)}-${u}:${r.int(0, 65535)}@interop`;
	case 14: return `${u}_1:${dev}@s.whatsapp.net`;	// agent forms
	case 15: return `${u}_128:${dev}@s.whatsapp.net`;
	case 16: return `${u}@bot`;
	case 17: return `${from(r, 'abcdefghij', r.int(1, 8))}@${from(r, 'abcdefghij', r.int(1, 8))}.net`;
	case 18: return `${u}:${dev}@g.us`;
	default: return `${u}@hosted`;
	}
}

const UTF8 = ['é', 'ß', 'ж', '漢', '字', '😀', '✓', ' ', 'a', 'Z', '~', '"', '\\', '<'];

export function randomString(r) {
	switch (r.int(0, 13)) {
	case 0: return r.pick(SINGLE.slice(1));
	case 1: return r.pick(r.pick(DOUBLE));
	case 2: return from(r, '0123456789-.', r.int(1, 20));	// nibble
	case 3: return from(r, '0123456789-.', r.int(100, 140));	// around PACKED_MAX
	case 4: return from(r, '0123456789ABCDEF', r.int(1, 20)) + 'F';	// hex
	case 5: return from(r, '0123456789ABCDEF', r.int(120, 130)) + 'A';
	case 6: return from(r, '0123456789abcdef', r.int(2, 20)) + 'a';	// lower: raw
	case 7: case 8: return randomJid(r);
	case 9: return from(r, UTF8, r.int(1, 30));
	case 10: return '';
	case 11: return 'x'.repeat(r.int(250, 260));	// BINARY_8 / BINARY_20
	default: return from(r, 'abcdefghijklmnopqrstuvwxyz_-', r.int(1, 12));
	}
}

function randomKey(r, used) {
	for (;;) {
		const k = r.int(0, 2) === 0 ? r.pick(SINGLE.slice(1)) :
		    from(r, 'abcdefghijklmnopqrstuvwxyz-', r.int(1, 10));
		if (okKey(k) && !used.has(k)) { used.add(k); return k; }
	}
}

export function randomNode(r, depth = 0, opts = {}) {
	const tag = r.int(0, 1) ? r.pick(SINGLE.slice(1)) : randomString(r) || 'x';
	const attrs = {};
	const used = new Set();
	for (let i = r.int(0, 6); i > 0; i--) attrs[randomKey(r, used)] = randomString(r);
	const node = { tag, attrs };
	const k = r.int(0, 9);
	if (k < 3) {
		// no content
	} else if (k < 5) {
		node.content = r.bytes(opts.small ? r.int(0, 64) : r.int(0, 300));
	} else if (k < 6) {
		node.content = randomString(r);
	} else if (depth < 4) {
		const kids = [];
		for (let i = r.int(0, 5); i > 0; i--) kids.push(randomNode(r, depth + 1, opts));
		node.content = kids;
	}
	return node;
}

// Nodes aimed at one rule each: length boundaries, list sizes, tokens.
export function boundaryNodes(r) {
	const out = [];
	for (const n of [0, 1, 255, 256, (1 << 20) - 1, 1 << 20])
		out.push({ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: r.bytes(n) });
	for (const n of [255, 256])
		out.push({ tag: 'list', attrs: {}, content: Array.from({ length: n },
		    (_, i) => ({ tag: 'item', attrs: { id: `i${i}` } })) });
	// list header sizes 255 (127 attributes) and 256 (127 plus content)
	const many = {};
	for (let i = 0; i < 127; i++) many[`k${i}`] = `v${i}`;
	out.push({ tag: 'wide', attrs: many });
	out.push({ tag: 'wide', attrs: many, content: Buffer.from('x') });
	for (const n of [255, 256, (1 << 20) - 1, 1 << 20])
		out.push({ tag: 'raw', attrs: { s: 'y'.repeat(n) } });
	for (const n of [126, 127, 128])
		out.push({ tag: 'pack', attrs: { n: '1'.repeat(n), h: 'A'.repeat(n) } });
	// every token, as tag and as attribute value
	const all = [...SINGLE.slice(1), ...DOUBLE.flat()];
	for (let i = 0; i < all.length; i += 50) {
		const attrs = {};
		all.slice(i, i + 50).forEach((t, j) => { attrs[`t${j}`] = t; });
		out.push({ tag: all[i], attrs, content: all[i + 1] });
	}
	out.push({ tag: 'iq', attrs: { to: '@s.whatsapp.net', type: 'get', id: '1.2-3' },
	    content: [{ tag: 'ping', attrs: {} }] });
	out.push({ tag: 'empty', attrs: {}, content: [] });
	return out;
}

export function makeCorpus(seed, count, opts = {}) {
	const r = rng(seed);
	const out = opts.small ? [] : boundaryNodes(r);
	while (out.length < count) out.push(randomNode(r, 0, opts));
	return out;
}

// Baileys node <-> bn-tool JSON ({tag, attrs: [[k, v]], content}).
export function toToolJson(n) {
	const j = { tag: n.tag, attrs: Object.entries(n.attrs || {}) };
	if (Array.isArray(n.content)) j.content = n.content.map(toToolJson);
	else if (typeof n.content === 'string') j.content = { string: n.content };
	else if (n.content instanceof Uint8Array)
		j.content = { bytes: Buffer.from(n.content).toString('hex') };
	return j;
}
