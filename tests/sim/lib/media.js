// WhatsApp's media path, simulated: the media_conn iq answer (hosts, auth,
// ttl, as whatsmeow's queryMediaConn and Baileys' refreshMediaConn read it)
// and an https CDN with a test CA that stores what clients upload (Baileys
// getWAUploadToServer: POST /mms/<type>/<token>?auth=..&token=.., answered
// {url, direct_path}) and serves it back by directPath. Stored files expire
// (410 Gone, as WhatsApp's CDN answers for old media) or can be removed
// (404) through the control API, to drive media-retry paths. Every request
// is logged, so a test can show that a stranger's media was never fetched.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { proto, hkdf, aesEncryptGCM, aesDecryptGCM } from 'baileys';
import { node, child, bytes, nowSec } from './nodes.js';
import { testCerts } from '../../support/certs.js';

/** The largest upload accepted (WhatsApp's hosts advertise their own). */
const MAX_UPLOAD = 100 * 1024 * 1024;
const MEDIA_PATHS = /^\/mms\/(image|video|audio|document|md-app-state|md-msg-hist)\/([A-Za-z0-9_-]+={0,2})$/;

export class MediaCdn {
	constructor({ ttlMs = 24 * 3600 * 1000, maxUpload = MAX_UPLOAD } = {}) {
		this.ttlMs = ttlMs;
		this.maxUpload = maxUpload;
		this.auth = crypto.randomBytes(24).toString('base64url');
		this.files = new Map();	// directPath -> {data, expires, gone}
		this.requests = [];	// {method, path, status, t}
		// How the phone answers a media retry receipt: 'upload' (uploads the
		// file again), 'not-found' (encrypted NOT_FOUND result), 'error'
		// (<error code="2"/>: not on the phone), 'silent' (no answer).
		this.retryMode = 'upload';
		this.retries = [];	// {id, from, answer}
		// 'oversize': GETs stream 4x the stored file (a CDN sending more than declared)
		this.serveMode = 'normal';
		// 'hold': uploads are taken in and never answered (a CDN that hangs)
		// until the mode goes back to 'normal', which drops them
		this.uploadMode = 'normal';
		this.held = [];
	}

	setFaults(b) {
		if (b.retry !== undefined) {
			if (!['upload', 'not-found', 'error', 'silent'].includes(b.retry))
				return { error: 'retry must be upload, not-found, error or silent' };
			this.retryMode = b.retry;
		}
		if (b.serve !== undefined) {
			if (!['normal', 'oversize'].includes(b.serve))
				return { error: 'serve must be normal or oversize' };
			this.serveMode = b.serve;
		}
		if (b.upload !== undefined) {
			if (!['normal', 'hold'].includes(b.upload))
				return { error: 'upload must be normal or hold' };
			this.uploadMode = b.upload;
			if (b.upload === 'normal')
				for (const res of this.held.splice(0))
					res.destroy();
		}
		return { retry: this.retryMode, serve: this.serveMode, upload: this.uploadMode };
	}

	/** Starts the https listener; resolves {hostname, ca}. */
	async start(host = '127.0.0.1') {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-sim-cdn-'));
		this.certs = testCerts('IP:127.0.0.1', dir);
		this.server = https.createServer({ key: this.certs.key, cert: this.certs.cert },
		    (req, res) => this.handle(req, res));
		await new Promise((r, j) => {
			this.server.once('error', j);
			this.server.listen(0, host, r);
		});
		this.hostname = `${host}:${this.server.address().port}`;
		return { hostname: this.hostname, ca: this.certs.ca };
	}

	close() {
		for (const res of this.held.splice(0))
			res.destroy();
		return new Promise((r) => this.server ? this.server.close(() => r()) : r());
	}

	/** The <media_conn> child of the iq result (hosts that do not answer first, if set). */
	connNode() {
		return node('media_conn', { auth: this.auth, ttl: 300, auth_ttl: 21600,
			max_buckets: 12 }, [...(this.deadHosts || []), this.hostname].map((hostname) =>
			node('host', { hostname, maxContentLengthBytes: this.maxUpload })));
	}

	/** media_conn lists hostname (nothing listens there) before the CDN: clients must go on. */
	addDeadHost(hostname) {
		(this.deadHosts ??= []).push(String(hostname));
		return { hosts: [...this.deadHosts, this.hostname] };
	}

	info() {
		return { hostname: this.hostname, ca: this.certs?.ca, auth: this.auth,
			files: this.files.size, requests: this.requests, retries: this.retries,
			retryMode: this.retryMode, serveMode: this.serveMode };
	}

	/** Stores an encrypted file as an upload would (a contact's own send); its directPath. */
	put(data) {
		const directPath = `/v/t62.7118-24/${crypto.randomBytes(12).toString('hex')}.enc` +
		    `?ccb=11-4&oh=${crypto.randomBytes(8).toString('hex')}` +
		    `&oe=${Math.floor((Date.now() + this.ttlMs) / 1000).toString(16).toUpperCase()}`;
		this.files.set(directPath, { data, expires: Date.now() + this.ttlMs, gone: 0 });
		return directPath;
	}

	/** Makes a stored file answer 410 (expired) or 404 (removed). */
	expire(directPath, gone = 410) {
		const f = this.files.get(directPath);
		if (!f)
			return { found: false };
		f.gone = gone;
		return { found: true };
	}

	log(req, status) {
		this.requests.push({ method: req.method, path: req.url, status, t: Date.now() });
		if (this.requests.length > 1000)
			this.requests.shift();
	}

	reply(req, res, status, body, type = 'application/json') {
		this.log(req, status);
		res.writeHead(status, { 'content-type': type });
		res.end(type === 'application/json' ? JSON.stringify(body) : body);
	}

	handle(req, res) {
		const url = new URL(req.url, `https://${this.hostname}`);
		if (req.method === 'POST') {
			const m = MEDIA_PATHS.exec(url.pathname);
			// an upload that a WhatsApp client would never make is a bug in
			// the uploader: `!!` (whatsmeow upload.go rawUpload, Baileys
			// getWAUploadToServer)
			const deviation = uploadDeviation(req, url, m, this.auth);
			if (deviation)
				this.strict?.(`upload ${url.pathname}: ${deviation}`);
			if (!m)
				return this.reply(req, res, 404, { error: 'no such upload path' });
			if (url.searchParams.get('auth') !== this.auth)
				return this.reply(req, res, 401, { error: 'bad auth' });
			if (this.uploadMode === 'hold') {
				this.log(req, 0);	// status 0: held, never answered
				this.held.push(res);
				req.resume();
				return;
			}
			const parts = [];
			let size = 0;
			req.on('data', (d) => {
				size += d.length;
				if (size <= this.maxUpload)
					parts.push(d);
			});
			req.on('end', () => {
				if (size > this.maxUpload)
					return this.reply(req, res, 413, { error: 'too large' });
				const data = Buffer.concat(parts);
				const declared = Number(req.headers['content-length']);
				if (!(declared === data.length))
					this.strict?.(`upload ${url.pathname}: Content-Length ${req.headers['content-length']} for ${data.length} bytes`);
				// AES-CBC blocks and the 10-byte MAC: anything else is not an encrypted file
				if (data.length < 26 || (data.length - 10) % 16 !== 0)
					this.strict?.(`upload ${url.pathname}: ${data.length} bytes is not ciphertext blocks plus a MAC`);
				// the token is the base64url fileEncSha256: check it as the CDN does
				const sha = crypto.createHash('sha256').update(data).digest('base64url');
				if (sha !== m[2].replace(/=+$/, '')) {
					this.strict?.(`upload ${url.pathname}: the token is not the body's SHA-256`);
					return this.reply(req, res, 400, { error: 'hash mismatch' });
				}
				const directPath = `/v/t62.7118-24/${crypto.randomBytes(12).toString('hex')}.enc` +
				    `?ccb=11-4&oh=${crypto.randomBytes(8).toString('hex')}` +
				    `&oe=${Math.floor((Date.now() + this.ttlMs) / 1000).toString(16).toUpperCase()}`;
				this.files.set(directPath, { data, expires: Date.now() + this.ttlMs, gone: 0 });
				this.reply(req, res, 200, { url: `https://${this.hostname}${directPath}`,
					direct_path: directPath });
			});
			return;
		}
		if (req.method !== 'GET')
			return this.reply(req, res, 405, { error: 'method not allowed' });
		const f = this.files.get(req.url.replace(/&mms3=true$/, ''));
		if (!f)
			return this.reply(req, res, 404, 'not found', 'text/plain');
		if (f.gone || Date.now() > f.expires)
			return this.reply(req, res, f.gone || 410, 'gone', 'text/plain');
		if (this.serveMode === 'oversize') {
			// more than the stored file, and no Content-Length to warn the client
			this.log(req, 200);
			res.writeHead(200, { 'content-type': 'application/octet-stream' });
			for (let i = 0; i < 4; i++)
				res.write(f.data);
			return res.end();
		}
		this.reply(req, res, 200, f.data, 'application/octet-stream');
	}

	/** Stores encrypted bytes as the phone's upload would; returns the directPath. */
	store(data) {
		const fresh = `/v/t62.7118-24/${crypto.randomBytes(12).toString('hex')}.enc` +
		    `?ccb=11-4&oh=${crypto.randomBytes(8).toString('hex')}` +
		    `&oe=${Math.floor((Date.now() + this.ttlMs) / 1000).toString(16).toUpperCase()}`;
		this.files.set(fresh, { data, expires: Date.now() + this.ttlMs, gone: 0 });
		return fresh;
	}

	/** The phone uploads a stored file again under a new directPath (media retry). */
	reupload(directPath) {
		const f = this.files.get(directPath);
		return f ? this.store(f.data) : null;
	}
}

/** The media fields of a sent Message (JSON as the contact sent it), or null. */
function mediaOf(message) {
	for (const [k, v] of Object.entries(message || {}))
		if (/Message$/.test(k) && v && typeof v === 'object' && v.mediaKey)
			return v;
	return null;
}

/**
 * A companion's <receipt type="server-error"> (whatsmeow mediaretry.go
 * SendMediaRetryReceipt, Baileys encryptMediaRetryRequest): the server
 * routes it to the account's phone, which holds the message, uploads the
 * file again and answers <notification type="mediaretry"> (the shape
 * whatsmeow parseMediaRetryNotification and Baileys decodeMediaRetryNode
 * read). Strict: a receipt WhatsApp's phone could not use is a `!!` line.
 */
export function answerMediaRetry(sim, c, n) {
	const id = n.attrs.id;
	const say = (m) => sim.log.add('!!', c.id, c.who(), `media retry receipt ${id}: ${m}`);
	const phone = /^([0-9]+)[:@]/.exec(c.jid)?.[1];
	const own = `${phone}@s.whatsapp.net`;
	if (n.attrs.to !== own)
		return say(`to='${n.attrs.to}', want our own account '${own}' without a device`);
	const enc = child(n, 'encrypt'), rmr = child(n, 'rmr');
	const ct = bytes(child(enc, 'enc_p')), iv = bytes(child(enc, 'enc_iv'));
	if (!enc || !rmr || !ct || !iv)
		return say('want <encrypt><enc_p/><enc_iv/></encrypt> and <rmr/>');
	if (iv.length !== 12)
		return say(`enc_iv is ${iv.length} bytes, want 12`);
	if (!rmr.attrs.jid || /:/.test(rmr.attrs.jid.split('@')[0]) || !['true', 'false'].includes(rmr.attrs.from_me))
		return say(`<rmr jid='${rmr.attrs.jid}' from_me='${rmr.attrs.from_me}'>: want the chat (no device) and from_me true|false`);
	let sent = null;
	for (const ct2 of Object.values(sim.contacts.all))
		sent ??= (ct2.sent || []).find((e) => e.id === id && mediaOf(e.message));
	if (!sent)
		return say('no media message with that id was sent to this account');
	const media = mediaOf(sent.message);
	const mediaKey = Buffer.from(media.mediaKey, 'base64');
	const key = hkdf(mediaKey, 32, { info: 'WhatsApp Media Retry Notification' });
	let ok = true;
	try {
		const r = proto.ServerErrorReceipt.decode(aesDecryptGCM(ct, key, iv, Buffer.from(id)));
		if (r.stanzaId !== id) {
			say(`sealed stanzaId '${r.stanzaId}' differs from the receipt id`);
			ok = false;
		}
	} catch (e) {
		say(`enc_p does not open with the message's media retry key (${e.message})`);
		ok = false;
	}
	const R = proto.MediaRetryNotification.ResultType;
	let answer = sim.media.retryMode, result, directPath;
	if (!ok)
		answer = 'decryption-error', result = R.DECRYPTION_ERROR;
	else if (answer === 'upload') {
		directPath = sim.media.reupload(media.directPath);
		result = directPath ? R.SUCCESS : R.NOT_FOUND;
	} else if (answer === 'not-found')
		result = R.NOT_FOUND;
	sim.media.retries.push({ id, from: c.jid, answer });
	if (answer === 'silent')
		return;
	const attrs = { from: own, type: 'mediaretry', id, t: nowSec() };
	const rmrOut = node('rmr', { jid: rmr.attrs.jid, from_me: rmr.attrs.from_me });
	if (answer === 'error')
		return sim.deliver(c.jid, node('notification', attrs, [rmrOut, node('error', { code: 2 })]));
	const out = crypto.randomBytes(12);
	const pt = proto.MediaRetryNotification.encode({ stanzaId: id, directPath, result }).finish();
	sim.deliver(c.jid, node('notification', attrs, [rmrOut, node('encrypt', {}, [
		node('enc_p', {}, aesEncryptGCM(Buffer.from(pt), key, out, Buffer.from(id))),
		node('enc_iv', {}, out)])]));
}

/**
 * What is wrong with an upload's request line and headers (null: nothing):
 * the path /mms/<type>/<token> with token the base64url fileEncSha256, the
 * same token in the query beside the media_conn auth, no foreign Origin.
 */
function uploadDeviation(req, url, m, auth) {
	if (!m)
		return 'not /mms/<image|video|audio|document|...>/<base64url token>';
	const token = m[2].replace(/=+$/, '');
	if (Buffer.from(token, 'base64url').length !== 32)
		return 'the token is not a base64url SHA-256';
	if ((url.searchParams.get('token') || '').replace(/=+$/, '') !== token)
		return 'query token differs from the path token';
	if (!url.searchParams.get('auth'))
		return 'no auth in the query';
	if (url.searchParams.get('auth') !== auth)
		return 'auth is not the one media_conn gave';
	// (clients send WhatsApp Web's Origin too; tests' own uploads may not)
	if (req.headers.origin !== undefined && req.headers.origin !== 'https://web.whatsapp.com')
		return `Origin ${req.headers.origin} is not WhatsApp Web's`;
	return null;
}
