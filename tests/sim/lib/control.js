// Control API: HTTP JSON on its own port (routes fixed by issue 4).
import http from 'node:http';
import { SimError } from './errors.js';
import { sendHistorySync } from './history.js';
import { bulkContacts, burst, strangers } from './bulk.js';

/** Control requests are small but for a contact's media send (base64 in
 * the body: lib/received.js); refuse bigger bodies. */
const MAX_BODY = 16 * 1024 * 1024;

function send(res, status, obj, type = 'application/json') {
	const body = type === 'application/json' ? JSON.stringify(obj) : obj;
	res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
	res.end(body);
}

function readJson(req) {
	return new Promise((resolve, reject) => {
		let size = 0;
		const parts = [];
		req.on('data', (d) => {
			size += d.length;
			if (size > MAX_BODY) {
				reject(new SimError(413, 'body too large'));
				req.destroy();
				return;
			}
			parts.push(d);
		});
		req.on('end', () => {
			const text = Buffer.concat(parts).toString('utf8');
			if (!text.trim())
				return resolve({});
			try {
				const v = JSON.parse(text);
				if (!v || typeof v !== 'object' || Array.isArray(v))
					return reject(new SimError(400, 'body must be a JSON object'));
				resolve(v);
			} catch {
				reject(new SimError(400, 'bad JSON'));
			}
		});
		req.on('error', reject);
	});
}

function need(body, key, type = 'string') {
	const v = body[key];
	if (typeof v !== type || (type === 'string' && !v))
		throw new SimError(400, `${key} (${type}) is required`);
	return v;
}

export function route(sim) {
	const routes = [
		['GET', /^\/sim\/health$/, () => ({ ok: true })],
		['GET', /^\/sim\/trust-root$/, () => ({ publicKey: sim.certKeys.root.public.toString('base64') })],
		['GET', /^\/sim\/devices$/, () => sim.devicesList()],
		['POST', /^\/sim\/devices\/prekeys-drain$/, (b) => sim.drainPrekeys(need(b, 'jid'), Number(b.keep ?? 0))],
		['GET', /^\/sim\/stats$/, () => ({ ...sim.stats })],
		['POST', /^\/sim\/phone\/scan$/, async (b) => {
			const phone = b.phone === undefined ? '15550001111' : String(b.phone);
			return sim.scan(need(b, 'qr'), phone);
		}],
		['POST', /^\/sim\/phone\/link-code$/, (b) => sim.linkCodes.type(String(need(b, 'phone')), need(b, 'code'),
		    { refreshFirst: b.refreshFirst === true })],
		['POST', /^\/sim\/phone\/not-on-whatsapp$/, (b) => {
			sim.linkCodes.unregistered.add(String(need(b, 'phone')));
			return { ok: true };
		}],
		['POST', /^\/sim\/phone\/unlink$/, (b) => sim.unlink(need(b, 'jid'))],
		['POST', /^\/sim\/phone\/history-sync$/, (b) => sendHistorySync(sim, b)],
		['POST', /^\/sim\/inject$/, (b) => sim.inject(b.jid === undefined ? undefined : need(b, 'jid'),
		    need(b, 'fault'), b.seconds, { reason: b.reason, times: b.times })],
		['GET', /^\/sim\/props$/, () => ({ ...sim.props })],
		['POST', /^\/sim\/props$/, (b) => {
			if (b.privacyTokens !== undefined)
				sim.props.privacyTokens = !!b.privacyTokens;
			return { ...sim.props };
		}],
		['POST', /^\/sim\/contacts$/, (b) => sim.contacts.create(b)],
		['POST', /^\/sim\/contacts\/bulk$/, (b) => bulkContacts(sim, b)],
		['POST', /^\/sim\/contacts\/burst$/, (b) => burst(sim, b)],
		['POST', /^\/sim\/strangers$/, (b) => strangers(sim, b)],
		['POST', /^\/sim\/contacts\/([0-9]+)\/send$/, (b, m) => sim.contacts.send(m[1], b)],
		['GET', /^\/sim\/contacts\/([0-9]+)\/inbox$/, (b, m) => sim.contacts.inbox(m[1])],
		['GET', /^\/sim\/contacts\/([0-9]+)\/messages$/, (b, m) => sim.contacts.messages(m[1])],
		['GET', /^\/sim\/contacts\/([0-9]+)\/receipts$/, (b, m) => sim.contacts.receipts(m[1])],
		['POST', /^\/sim\/contacts\/([0-9]+)\/read$/, (b, m) => sim.contacts.read(m[1], b)],
		['POST', /^\/sim\/contacts\/([0-9]+)\/token$/, (b, m) => sim.contacts.rotateToken(m[1], b)],
		['POST', /^\/sim\/contacts\/([0-9]+)\/reinstall$/, (b, m) => sim.contacts.reinstall(m[1])],
		['POST', /^\/sim\/contacts\/([0-9]+)\/devices$/, (b, m) => sim.contacts.changeDevices(m[1], b)],
		['GET', /^\/sim\/contacts$/, () => sim.contacts.list()],
		['GET', /^\/sim\/media$/, () => sim.media.info()],
		['POST', /^\/sim\/media\/dead-host$/, (b) => sim.media.addDeadHost(need(b, 'hostname'))],
		['POST', /^\/sim\/media\/expire$/, (b) => sim.media.expire(need(b, 'directPath'),
		    b.status === 404 ? 404 : 410)],
		['POST', /^\/sim\/media\/faults$/, (b) => {
			const r = sim.media.setFaults(b);
			if (r.error)
				throw new SimError(400, r.error);
			return r;
		}]
	];
	return async (req, res) => {
		try {
			const url = new URL(req.url, 'http://x');
			if (req.method === 'GET' && url.pathname === '/sim/log') {
				const since = Number(url.searchParams.get('since') || 0);
				if (!Number.isInteger(since) || since < 0)
					throw new SimError(400, 'since must be a non-negative integer');
				res.setHeader('x-sim-log-last', String(sim.log.seq));
				const only = url.searchParams.get('deviations') === '1';
				return send(res, 200, sim.log.since(since, only) + '\n', 'text/plain; charset=utf-8');
			}
			let pathMatched = false;
			for (const [method, re, fn] of routes) {
				const m = re.exec(url.pathname);
				if (!m)
					continue;
				pathMatched = true;
				if (method !== req.method)
					continue;
				const body = method === 'POST' ? await readJson(req) : {};
				return send(res, 200, await fn(body, m));
			}
			throw new SimError(pathMatched ? 405 : 404, pathMatched ? 'method not allowed' : 'no such route');
		} catch (e) {
			const status = e instanceof SimError ? e.status : 500;
			if (!(e instanceof SimError))
				sim.log.add('!!', 0, 'control', `error: ${e.stack || e}`);
			if (!res.headersSent)
				send(res, status, { error: e.message || String(e) });
		}
	};
}

export function listenControl(sim, host, port) {
	return new Promise((resolve, reject) => {
		const srv = http.createServer(route(sim));
		srv.once('error', reject);
		srv.listen(port, host, () => resolve(srv));
	});
}
