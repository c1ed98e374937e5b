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
import { node } from './nodes.js';
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
			files: this.files.size, requests: this.requests };
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
		this.reply(req, res, 200, f.data, 'application/octet-stream');
	}
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
