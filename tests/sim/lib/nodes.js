// Binary-node helpers over Baileys' codec (protocol-notes §5): building the
// server's stanzas, reading children and a one-line text form for the log.
import crypto from 'node:crypto';

/** The server's JID: a JID pair with an empty user, as both references write it. */
export const S_WA = '@s.whatsapp.net';

/** Drops undefined attributes and stringifies the rest: Baileys' encoder
 *  counts non-string attributes but does not write them (§5). */
export function node(tag, attrs = {}, content) {
	const a = {};
	for (const [k, v] of Object.entries(attrs))
		if (v !== undefined && v !== null)
			a[k] = String(v);
	const n = { tag, attrs: a };
	if (content !== undefined)
		n.content = content;
	return n;
}

export function children(n, tag) {
	if (!n || !Array.isArray(n.content))
		return [];
	return n.content.filter((c) => c && typeof c === 'object' && c.tag && (!tag || c.tag === tag));
}

export function child(n, tag) {
	return children(n, tag)[0];
}

export function bytes(n) {
	if (!n)
		return null;
	if (n.content instanceof Uint8Array)
		return Buffer.from(n.content);
	if (typeof n.content === 'string')
		return Buffer.from(n.content, 'utf8');
	return null;
}

/** 4-byte or 3-byte big-endian integer content, as WhatsApp puts ids. */
export function beInt(buf) {
	let v = 0;
	for (const b of buf)
		v = v * 256 + b;
	return v;
}

export function beBytes(v, n) {
	const out = Buffer.alloc(n);
	for (let i = n - 1; i >= 0; i--) {
		out[i] = v & 0xff;
		v = Math.floor(v / 256);
	}
	return out;
}

export function nowSec() { return Math.floor(Date.now() / 1000); }

let idCounter = 0;
/** Server stanza ids: unique per process. */
export function serverId() {
	idCounter++;
	return `${crypto.randomBytes(4).toString('hex')}.${idCounter}`;
}

/**
 * Message ids as WhatsApp clients make them: 22 characters (3A + upper-case
 * hex, as phones and Baileys 7 do) or 40 (as other clients do); receivers
 * must not assume a length (protocol-notes §8).
 */
export function messageId(length = 22) {
	if (length === 40)
		return crypto.randomBytes(20).toString('hex').toUpperCase();
	return '3A' + crypto.randomBytes(10).toString('hex').toUpperCase();
}

export function iqResult(req, content, extra = {}) {
	return node('iq', { from: S_WA, type: 'result', id: req.attrs.id, ...extra }, content);
}

export function iqError(req, code, text) {
	return node('iq', { from: S_WA, type: 'error', id: req.attrs.id },
	    [node('error', { code, text })]);
}

const MAX_TEXT_BYTES = 48;

/** One line per stanza: <tag a='v'>children or hex</tag>, bytes shortened. */
export function toText(n) {
	if (n instanceof Uint8Array) {
		const b = Buffer.from(n);
		const h = b.subarray(0, MAX_TEXT_BYTES).toString('hex');
		return b.length > MAX_TEXT_BYTES ? `${h}…(${b.length} bytes)` : h;
	}
	if (typeof n === 'string')
		return n;
	if (!n || !n.tag)
		return String(n);
	const attrs = Object.entries(n.attrs || {}).map(([k, v]) => ` ${k}='${v}'`).join('');
	let inner = '';
	if (Array.isArray(n.content))
		inner = n.content.map(toText).join('');
	else if (n.content !== undefined)
		inner = toText(n.content);
	return inner ? `<${n.tag}${attrs}>${inner}</${n.tag}>` : `<${n.tag}${attrs}/>`;
}
