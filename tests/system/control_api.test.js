// control_api.test.js: wa-control's HTTP API against the fake worker.
// Every route, status and validation case; auth bypass attempts; CSRF;
// rate limit; body cap; worker down -> 503 within 2 s and recovery; the
// OpenAPI document against the routes the server answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { freePort, login, startControl, startFakeWorker, startStack, waitFor }
    from '../support/harness.js';

const ROUTES = [
	['GET', '/'], ['GET', '/static/{file}'], ['GET', '/healthz'],
	['GET', '/metrics'], ['GET', '/api/openapi.json'],
	['POST', '/api/auth/login'], ['POST', '/api/auth/logout'],
	['GET', '/api/auth/session'], ['GET', '/api/whitelist'],
	['POST', '/api/whitelist/add'], ['DELETE', '/api/whitelist/remove/{number}'],
	['PUT', '/api/whitelist/bulk'], ['GET', '/api/whitelist/export'],
	['GET', '/api/whatsapp/state'], ['GET', '/api/whatsapp/qr'],
	['POST', '/api/whatsapp/logout'], ['POST', '/api/whatsapp/restart'],
	['POST', '/api/whatsapp/qr/new'], ['POST', '/api/whatsapp/pair-code'],
	['GET', '/api/events'], ['POST', '/api/auth/logout-all'],
	// issue 13: sends the bot starts, their statuses, webhook dead letters
	['POST', '/api/messages'], ['GET', '/api/messages'], ['GET', '/api/messages/{messageId}'],
	['GET', '/api/webhooks/dead'], ['POST', '/api/webhooks/redeliver/{webhookId}'],
];
// Issue 15: the sessions list, and every per-session route again under
// /api/sessions/{id} (the seed's paths above serve the default session).
const SESSION_ROUTES = [['GET', '/api/sessions'], ['GET', '/api/sessions/{id}'],
    ...ROUTES.filter(([m, p]) => /^\/api\/(whitelist|whatsapp|events|messages|webhooks)/.test(p))
	.map(([m, p]) => [m, p.replace(/^\/api/, '/api/sessions/{id}')])];
const AUTH_ROUTES = ROUTES.filter(([m, p]) => p.startsWith('/api/') && p !== '/api/auth/login');
const concrete = (p) => p.replace('{number}', '971501476598').replace('{file}', 'app.js')
    .replace('{id}', 'default').replace('{messageId}', '3EB0NOSUCH').replace('{webhookId}', 'msg_nosuch');

let s, sess;

before(async () => {
	s = await startStack({ fakeArgs: ['--whitelist', '15550001111,15550002222'] });
	sess = await login(s.base, s.password);
});
after(async () => {
	const r = await s.stop();
	assert.deepEqual(r, { code: 0, sig: null }, 'wa-control exits cleanly (no leaks under ASan)');
});

const api = (p, opts = {}) => fetch(`${s.base}${p}`, opts);
const authed = (p, method = 'GET', body) => api(p, {
	method, headers: sess.headers(),
	body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
});
const bearer = (p, method = 'GET', body, token = s.token) => api(p, {
	method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
	body: body === undefined ? undefined : JSON.stringify(body),
});
const list = async () => (await (await authed('/api/whitelist')).json()).numbers;

describe('authentication', () => {
	it('refuses every /api/ route but login without credentials (401 JSON)', async () => {
		for (const [m, p] of AUTH_ROUTES) {
			const r = await api(concrete(p), { method: m });
			assert.equal(r.status, 401, `${m} ${p}`);
			const j = await r.json();
			assert.equal(j.success, false);
			assert.match(j.error, /authentication required/);
		}
	});
	it('refuses a wrong bearer token and accepts the right one', async () => {
		assert.equal((await bearer('/api/whitelist', 'GET', undefined, 'nope')).status, 401);
		assert.equal((await bearer('/api/whitelist', 'GET', undefined, s.token + 'x')).status, 401);
		assert.equal((await bearer('/api/whitelist')).status, 200);
	});
	it('refuses a random, tampered or expired cookie', async () => {
		// cookies are signed with HMAC(session.key, "wa-gen|" generation),
		// the generation being bytes 8..24 of control-plane/sessions
		const secret = readFileSync(path.join(s.dir, 'control-plane', 'session.key'));
		const gen = readFileSync(path.join(s.dir, 'control-plane', 'sessions')).subarray(8, 24);
		const key = createHmac('sha256', secret).update('wa-gen|').update(gen).digest();
		const forge = (tok, exp, k = key) => {
			const mac = createHmac('sha256', k).update(`wa-session|${tok}.${exp}`).digest('hex');
			return `wa_session=${tok}.${exp}.${mac}`;
		};
		const tok = randomBytes(16).toString('hex');
		const now = Math.floor(Date.now() / 1000);
		const good = forge(tok, now + 600);
		// the recipe is right: a cookie made with the real key works...
		assert.equal((await api('/api/whitelist', { headers: { cookie: good } })).status, 200);
		const bad = [
			'wa_session=abc',
			forge(tok, now + 600, randomBytes(32)),		// wrong key
			forge(tok, now - 1),				// expired
			good.replace(/\.(\d+)\./, (m, e) => `.${Number(e) + 1000}.`), // extended
			sess.cookie.slice(0, -1) + (sess.cookie.endsWith('0') ? '1' : '0'),
		];
		for (const c of bad)
			assert.equal((await api('/api/whitelist', { headers: { cookie: c } })).status, 401, c);
	});
	it('sets a hardened session cookie and rejects a wrong password', async () => {
		const r = await api('/api/auth/login', { method: 'POST',
		    headers: { 'content-type': 'application/json' },
		    body: JSON.stringify({ password: s.password }) });
		assert.equal(r.status, 200);
		const c = r.headers.get('set-cookie');
		for (const attr of [/HttpOnly/, /SameSite=Strict/, /Path=\//, /Max-Age=\d+/])
			assert.match(c, attr);
		assert.match(c, /^wa_session=[0-9a-f]{32}\.\d+\.[0-9a-f]{64};/);
		const w = await api('/api/auth/login', { method: 'POST',
		    headers: { 'content-type': 'application/json' },
		    body: JSON.stringify({ password: 'wrong' }) });
		assert.equal(w.status, 401);
		assert.equal((await w.json()).success, false);
		const b = await api('/api/auth/login', { method: 'POST', body: '{"pass":1}' });
		assert.equal(b.status, 400);
	});
	it('reports the session and its CSRF token', async () => {
		const j = await (await authed('/api/auth/session')).json();
		assert.equal(j.authenticated, true);
		assert.equal(j.csrfToken, sess.csrf);
		const b = await (await bearer('/api/auth/session')).json();
		assert.equal(b.via, 'bearer');
	});
	it('revokes the cookie on logout', async () => {
		const other = await login(s.base, s.password);
		const r = await api('/api/auth/logout', { method: 'POST', headers: other.headers() });
		assert.equal(r.status, 200);
		assert.match(r.headers.get('set-cookie'), /Max-Age=0/);
		assert.equal((await api('/api/whitelist', { headers: { cookie: other.cookie } })).status, 401);
		assert.equal((await authed('/api/whitelist')).status, 200, 'other sessions live on');
	});
});

describe('CSRF', () => {
	const add = (headers) => api('/api/whitelist/add', { method: 'POST', headers,
	    body: JSON.stringify({ phoneNumber: '4915112345678' }) });
	it('refuses cookie mutations without the CSRF header', async () => {
		const r = await add({ cookie: sess.cookie, 'content-type': 'application/json' });
		assert.equal(r.status, 403);
		assert.match((await r.json()).error, /cross-site/);
	});
	it('refuses a wrong CSRF token, a foreign Origin and Sec-Fetch-Site cross-site', async () => {
		assert.equal((await add(sess.headers({ 'x-csrf-token': '0'.repeat(32) }))).status, 403);
		assert.equal((await add(sess.headers({ origin: 'http://evil.example' }))).status, 403);
		assert.equal((await add(sess.headers({ 'sec-fetch-site': 'cross-site' }))).status, 403);
		assert.equal((await add(sess.headers({ 'sec-fetch-site': 'same-site' }))).status, 403);
		const login = await api('/api/auth/login', { method: 'POST',
		    headers: { origin: 'http://evil.example' }, body: JSON.stringify({ password: s.password }) });
		assert.equal(login.status, 403, 'login CSRF');
		assert.deepEqual(await list(), ['15550001111', '15550002222'], 'nothing changed');
	});
	it('accepts same-origin requests and exempts bearer requests', async () => {
		const r = await add(sess.headers({ origin: s.base, 'sec-fetch-site': 'same-origin' }));
		assert.equal(r.status, 200);
		assert.equal((await bearer('/api/whitelist/remove/4915112345678', 'DELETE')).status, 200);
	});
});

describe('whitelist', () => {
	it('lists numbers with a count', async () => {
		const j = await (await authed('/api/whitelist')).json();
		assert.deepEqual(j, { success: true, numbers: ['15550001111', '15550002222'], count: 2,
			fileRejects: { count: 0, duplicates: 0, inFile: false, lines: [] } });
	});
	it('normalises and adds a typed number', async () => {
		const r = await authed('/api/whitelist/add', 'POST', { phoneNumber: '+971 50-147 6598' });
		assert.equal(r.status, 200);
		const j = await r.json();
		assert.equal(j.success, true);
		assert.equal(j.number, '971501476598');
		assert.ok((await list()).includes('971501476598'));
	});
	it('accepts (..) and dots, 10 and 15 digits', async () => {
		for (const n of ['(555) 000.3333', '123456789012345']) {
			const r = await authed('/api/whitelist/add', 'POST', { phoneNumber: n });
			assert.equal(r.status, 200, n);
		}
		assert.ok((await list()).includes('5550003333'));
	});
	it('refuses a duplicate with 409', async () => {
		const r = await authed('/api/whitelist/add', 'POST', { phoneNumber: '971501476598' });
		assert.equal(r.status, 409);
		assert.match((await r.json()).error, /already/);
	});
	it('explains why a number is invalid (400)', async () => {
		const cases = [
			[{ phoneNumber: '123456789' }, /fewer than 10 digits/],
			[{ phoneNumber: '1234567890123456' }, /more than 15 digits/],
			[{ phoneNumber: '12345abc7890' }, /only digits/],
			[{ phoneNumber: '' }, /empty/],
			[{ phoneNumber: '+-() .' }, /no digits/],
			[{ phoneNumber: 15550001111 }, /must be a string/],
			[{}, /phoneNumber is required/],
			['[1]', /JSON object/],
			['{"phoneNumber":', /not valid JSON/],
			['', /empty/],
		];
		for (const [body, why] of cases) {
			const r = await authed('/api/whitelist/add', 'POST', body);
			assert.equal(r.status, 400, JSON.stringify(body));
			const j = await r.json();
			assert.equal(j.success, false);
			assert.match(j.error, why, JSON.stringify(body));
		}
	});
	it('removes a number, 404 when absent, 400 when malformed', async () => {
		assert.equal((await authed('/api/whitelist/remove/971501476598', 'DELETE')).status, 200);
		assert.ok(!(await list()).includes('971501476598'));
		const r = await authed('/api/whitelist/remove/971501476598', 'DELETE');
		assert.equal(r.status, 404);
		assert.match((await r.json()).error, /not on the whitelist/);
		assert.equal((await authed('/api/whitelist/remove/12ab', 'DELETE')).status, 400);
		// percent-encoded typed form is normalised too
		await authed('/api/whitelist/add', 'POST', { phoneNumber: '971501476598' });
		assert.equal((await authed('/api/whitelist/remove/%2B971%2050-147-6598', 'DELETE')).status, 200);
	});
	it('bulk replace refuses every invalid entry and changes nothing', async () => {
		const before = await list();
		const r = await authed('/api/whitelist/bulk', 'PUT',
		    { numbers: ['15550009999', '123', 'abcdefghijk', 42, '1234567890123456'] });
		assert.equal(r.status, 400);
		const j = await r.json();
		assert.equal(j.success, false);
		assert.deepEqual(j.invalid, ['123', 'abcdefghijk', '42', '1234567890123456']);
		assert.match(j.error, /4 invalid numbers/);
		assert.deepEqual(await list(), before);
		for (const body of [{}, { numbers: 'x' }, '[]'])
			assert.equal((await authed('/api/whitelist/bulk', 'PUT', body)).status, 400);
	});
	it('bulk replace swaps the whole list atomically (duplicates folded)', async () => {
		const r = await authed('/api/whitelist/bulk', 'PUT',
		    { numbers: ['+1 555 000 1111', '4915112345678', '15550001111'] });
		assert.equal(r.status, 200);
		assert.equal((await r.json()).count, 2);
		assert.deepEqual(await list(), ['15550001111', '4915112345678']);
		assert.equal((await authed('/api/whitelist/bulk', 'PUT', { numbers: [] })).status, 200);
		assert.deepEqual(await list(), []);
		await authed('/api/whitelist/bulk', 'PUT', { numbers: ['15550001111', '15550002222'] });
	});
	it('bulk replace takes 100,000 numbers (the whitelist ceiling) and refuses 100,001', async () => {
		const many = Array.from({ length: 100000 }, (_, i) => String(15550000000 + i));
		assert.equal((await authed('/api/whitelist/bulk', 'PUT', { numbers: many })).status, 200);
		assert.equal((await (await authed('/api/whitelist')).json()).count, 100000);
		const r = await authed('/api/whitelist/bulk', 'PUT', { numbers: [...many, '15559999999'] });
		assert.equal(r.status, 400);
		assert.match((await r.json()).error, /too many/);
		await authed('/api/whitelist/bulk', 'PUT', { numbers: ['15550001111', '15550002222'] });
	});
	it('exports a dated text file, one number a line', async () => {
		const r = await authed('/api/whitelist/export');
		assert.equal(r.status, 200);
		assert.match(r.headers.get('content-type'), /^text\/plain/);
		const day = new Date().toISOString().slice(0, 10);
		assert.equal(r.headers.get('content-disposition'),
		    `attachment; filename="whitelist-${day}.txt"`);
		assert.equal(await r.text(), '15550001111\n15550002222\n');
	});
	it('refuses bodies over 4 MiB with 413 before reading them', async () => {
		// wa-control answers from the Content-Length and closes without
		// reading the body, so this client writes only its start and reads
		// the answer (fetch would fail on the closed upload instead).
		const { status, body } = await new Promise((resolve, reject) => {
			const req = http.request(`${s.base}/api/whitelist/bulk`, {
				method: 'PUT',
				headers: { ...sess.headers(), 'content-length': String((1 << 22) + 1) },
			}, (res) => {
				let text = '';
				res.on('data', (d) => { text += d; });
				res.on('end', () => resolve({ status: res.statusCode, body: text }));
			});
			req.on('error', reject);
			req.write('{"numbers":["1');
		});
		assert.equal(status, 413);
		assert.equal(JSON.parse(body).success, false);
	});
});

describe('whatsapp', () => {
	const state = async () => (await (await authed('/api/whatsapp/state')).json()).connectionState;
	it('reports the qr state with the seed shape', async () => {
		const r = await authed('/api/whatsapp/state');
		assert.equal(r.status, 200);
		const j = await r.json();
		assert.equal(j.success, true);
		const c = j.connectionState;
		assert.equal(c.state, 'qr');
		assert.equal(c.isReady, false);
		assert.equal(c.isAuthenticated, false);
		assert.equal(c.connectedNumber, null);
		for (const k of ['lastHeartbeat', 'reason', 'strategy', 'nextAttempt'])
			assert.ok(k in c, k);
	});
	it('serves the QR as SVG in the qr state', async () => {
		const r = await authed('/api/whatsapp/qr');
		assert.equal(r.status, 200);
		assert.equal(r.headers.get('content-type'), 'image/svg+xml');
		const t = await r.text();
		assert.match(t, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
		assert.doesNotMatch(t, /fake-ref/, 'the code itself is not in the SVG text');
	});
	it('turns connected live, with number and ISO heartbeat', async () => {
		await s.fake.command('state connected');
		const c = await waitFor(async () => {
			const c = await state();
			return c.state === 'connected' && c.lastHeartbeat && c;
		}, 5000, 'connected with heartbeat');
		assert.equal(c.isReady, true);
		assert.equal(c.isAuthenticated, true);
		assert.equal(c.connectedNumber, '15550001111');
		assert.match(c.lastHeartbeat, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		assert.ok(Math.abs(Date.parse(c.lastHeartbeat) - Date.now()) < 10000);
		assert.equal(typeof c.rttMs, 'number');
	});
	it('answers 404 for the QR outside the qr state', async () => {
		const r = await authed('/api/whatsapp/qr');
		assert.equal(r.status, 404);
		assert.match((await r.json()).error, /no QR/);
	});
	it('shows reason, strategy and next attempt when disconnected', async () => {
		await s.fake.command('state disconnected TIMEOUT');
		const c = await waitFor(async () => {
			const c = await state();
			return c.state === 'disconnected' && c;
		}, 5000, 'disconnected');
		assert.equal(c.reason, 'TIMEOUT');
		assert.match(c.strategy, /wait 30s/);
		assert.match(c.nextAttempt, /Z$/);
		assert.equal(c.isReady, false);
		const m = await (await api('/metrics')).text();
		assert.match(m, /walink_reconnects_total\{reason="TIMEOUT"\} 1/);
	});
	it('restarts the link', async () => {
		await s.fake.command('state connected');
		const r = await authed('/api/whatsapp/restart', 'POST');
		assert.equal(r.status, 200);
		assert.equal((await r.json()).success, true);
		await waitFor(async () => (await state()).state === 'connected', 5000, 'back to connected');
	});
	it('refuses a new QR while connected (409), logs out to a fresh QR', async () => {
		assert.equal((await authed('/api/whatsapp/qr/new', 'POST')).status, 409);
		const r = await authed('/api/whatsapp/logout', 'POST');
		assert.equal(r.status, 200);
		const c = await waitFor(async () => {
			const c = await state();
			return c.state === 'qr' && c;
		}, 5000, 'qr after logout');
		assert.equal(c.connectedNumber, null);
		assert.equal(c.reason, 'LOGOUT');
	});
	it('resumes paused pairing with a new QR', async () => {
		await s.fake.command('paused 1');
		await waitFor(async () => (await state()).qrPaused, 5000, 'paused');
		assert.equal((await authed('/api/whatsapp/qr')).status, 404);
		assert.equal((await authed('/api/whatsapp/qr/new', 'POST')).status, 200);
		await waitFor(async () => !(await state()).qrPaused, 5000, 'resumed');
		assert.equal((await authed('/api/whatsapp/qr')).status, 200);
	});
});

describe('events (SSE)', () => {
	it('streams state, heartbeat and whitelist events', async () => {
		const ac = new AbortController();
		const r = await api('/api/events', { headers: { cookie: sess.cookie }, signal: ac.signal });
		assert.equal(r.status, 200);
		assert.match(r.headers.get('content-type'), /^text\/event-stream/);
		const reader = r.body.getReader();
		let text = '';
		const until = async (re) => waitFor(async () => {
			const { value } = await reader.read();
			text += Buffer.from(value).toString();
			return re.test(text);
		}, 8000, `SSE ${re}`);
		await until(/event: state\ndata: \{[^\n]*"state":"qr"/);
		await s.fake.command('state connected');
		await until(/event: state\ndata: \{[^\n]*"state":"connected"/);
		await until(/event: heartbeat\ndata: \{[^\n]*"rttMs":\d+/);
		await authed('/api/whitelist/add', 'POST', { phoneNumber: '4915112345678' });
		await until(/event: whitelist\ndata: \{[^\n]*"added":\["4915112345678"\]/);
		ac.abort();
		await authed('/api/whitelist/remove/4915112345678', 'DELETE');
	});
});

describe('events stream cap', () => {
	it('refuses streams past 32 with 503 and recovers', async () => {
		// A stream closed by an earlier test counts until its next write
		// fails, so count how many open before the first 503.
		const streams = [];
		let r;
		for (let i = 0; i < 40; i++) {
			const ac = new AbortController();
			r = await api('/api/events', { headers: { cookie: sess.cookie }, signal: ac.signal });
			if (r.status !== 200) break;
			await r.body.getReader().read();
			streams.push(ac);
		}
		assert.ok(streams.length >= 30 && streams.length <= 32, `${streams.length} streams`);
		assert.equal(r.status, 503);
		assert.match((await r.json()).error, /too many live event streams/);
		assert.equal((await authed('/api/whitelist')).status, 200, 'API still served');
		for (const ac of streams) ac.abort();
		await waitFor(async () => {
			const ac = new AbortController();
			const x = await api('/api/events', { headers: { cookie: sess.cookie }, signal: ac.signal });
			ac.abort();
			return x.status === 200;
		}, 20000, 'stream slots freed');
	});
});

describe('service routes', () => {
	it('healthz needs no auth', async () => {
		const j = await (await api('/healthz')).json();
		assert.equal(j.success, true);
		assert.equal(j.workerReachable, true);
	});
	it('metrics expose state, RTT, whitelist size and requests by route and status', async () => {
		const r = await api('/metrics');
		assert.match(r.headers.get('content-type'), /^text\/plain; version=0.0.4/);
		const m = await r.text();
		assert.match(m, /walink_link_state\{state="connected"\} 1/);
		assert.match(m, /walink_heartbeat_rtt_ms \d+/);
		assert.match(m, /walink_whitelist_size 2/);
		assert.match(m, /walink_http_requests_total\{route="whitelist_add",status="409"\} \d+/);
		assert.match(m, /walink_http_requests_total\{route="whitelist_list",status="401"\} \d+/);
	});
	it('sends security headers on every response', async () => {
		for (const p of ['/', '/static/app.js', '/nope', '/api/whitelist', '/healthz']) {
			const r = await api(p);
			assert.match(r.headers.get('content-security-policy'), /default-src 'self'/, p);
			assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/, p);
			assert.doesNotMatch(r.headers.get('content-security-policy'), /unsafe-inline/, p);
			assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
			assert.equal(r.headers.get('referrer-policy'), 'no-referrer', p);
		}
	});
	it('serves only embedded files: no listing, no traversal', async () => {
		for (const p of ['/static/', '/static/../main.c', '/static/%2e%2e%2fmain.c',
		    '/static/..%2fCMakeLists.txt', '/static/index.html', '/control-plane/main.c',
		    '/../../etc/passwd', '/static/nope.js'])
			assert.ok([400, 404].includes((await api(p)).status), p);
		const idx = await api('/');
		assert.match(idx.headers.get('content-type'), /^text\/html/);
	});
	it('answers 414 for a path over 512 bytes', async () => {
		const r = await authed(`/api/${'a'.repeat(600)}`);
		assert.equal(r.status, 414);
		assert.equal((await r.json()).success, false);
	});
	it('answers 405 for a known path with another method', async () => {
		const r = await authed('/api/whitelist', 'POST');
		assert.equal(r.status, 405);
		assert.equal((await r.json()).success, false);
	});
	it('the OpenAPI document lists exactly the routes the server answers', async () => {
		const doc = await (await authed('/api/openapi.json')).json();
		assert.equal(doc.openapi, '3.0.3');
		const listed = Object.entries(doc.paths).flatMap(([p, ops]) =>
		    Object.keys(ops).map((m) => [m.toUpperCase(), p])).sort();
		assert.deepEqual(listed, [...ROUTES, ...SESSION_ROUTES].sort());
		// a path template names each parameter once (/api/sessions/{id}/messages/{messageId})
		for (const p of Object.keys(doc.paths)) {
			const names = [...p.matchAll(/\{(\w+)\}/g)].map((x) => x[1]);
			assert.equal(new Set(names).size, names.length, p);
		}
		for (const [m, p] of listed) {
			if (p.endsWith('/events')) continue;	// a stream: checked in "live events"
			if (m === 'GET') {
				const st = (await bearer(concrete(p), m)).status;
				// a QR or a message id that does not exist is a routed 404
				assert.ok(st !== 404 && st !== 405 || p.endsWith('/whatsapp/qr') ||
				    p.endsWith('/messages/{messageId}'), `${m} ${p}: ${st}`);
			} else if (p === '/api/auth/login') {
				assert.equal((await api(p, { method: m, body: '{' })).status, 400, `${m} ${p}`);
			} else {
				// routed, and refused before it acts: no credentials is 401,
				// where the same method on a path nobody serves is 404
				assert.equal((await api(concrete(p), { method: m })).status, 401, `${m} ${p}`);
				// (POST /api/messages/unrouted is GET /api/messages/{id}'s path: 405)
				assert.equal((await api(concrete(p) + '/unrouted', { method: m })).status,
				    p.endsWith('/messages') ? 405 : 404, `${m} ${p}/unrouted`);
			}
		}
		for (const m of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'])
			for (const p of ['/api', '/api/whitelist/', '/api/whitelists', '/api/whatsapp',
			    '/api/whitelist/remove', '/api/whatsapp/qr/new/x'])
				assert.equal((await bearer(p, m)).status, 404, `${m} ${p}`);
	});
});

describe('worker down', () => {
	it('answers 503 within 2 s, then recovers when the worker is back', async () => {
		await s.fake.stop('SIGKILL');
		const routes = [['GET', '/api/whitelist'], ['GET', '/api/whatsapp/state'],
		    ['POST', '/api/whitelist/add'], ['GET', '/api/whatsapp/qr'],
		    ['POST', '/api/whatsapp/restart'], ['PUT', '/api/whitelist/bulk']];
		for (const [m, p] of routes) {
			const t0 = Date.now();
			const r = await authed(p, m, m === 'GET' ? undefined : { phoneNumber: '15550003333', numbers: [] });
			const dt = Date.now() - t0;
			assert.ok(dt < 2000, `${m} ${p} took ${dt} ms`);
			if (r.status !== 503) {	// the cache may not know yet: bounded
				await waitFor(async () => (await authed(p, m)).status === 503, 2000, `${p} 503`);
			} else {
				assert.match((await r.json()).error, /worker unreachable/);
			}
		}
		const h = await (await api('/healthz')).json();
		assert.equal(h.workerReachable, false);
		s.fake = await startFakeWorker(s.dir, ['--state', 'connected', '--number', '15550001111',
		    '--whitelist', '15550001111']);
		await waitFor(async () => (await authed('/api/whitelist')).status === 200, 5000, 'recovery');
		await waitFor(async () => (await (await authed('/api/whatsapp/state')).json())
		    .connectionState?.state === 'connected', 5000, 'state recovery');
	});
});

describe('login rate limit (last: it locks this address out)', () => {
	it('answers 429 with Retry-After after 5 failed logins', async () => {
		let r;
		for (let i = 0; i < 6; i++)
			r = await api('/api/auth/login', { method: 'POST',
			    body: JSON.stringify({ password: `wrong-${i}` }) });
		assert.equal(r.status, 429);
		assert.match(r.headers.get('retry-after'), /^\d+$/);
		assert.match((await r.json()).error, /too many failed logins/);
		const ok = await api('/api/auth/login', { method: 'POST',
		    body: JSON.stringify({ password: s.password }) });
		assert.equal(ok.status, 429, 'even the right password waits');
		assert.equal((await authed('/api/whitelist')).status, 200, 'existing sessions unaffected');
	});
});

describe('generated admin password', () => {
	it('is printed once, stored only as a 0600 hash, and works', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'walink-control-gen-'));
		const fake = await startFakeWorker(dir);
		try {
			let c = await startControl(dir, await freePort(), { WA_ADMIN_PASSWORD: '' });
			const m = c.out.match(/generated admin password: (\S+)/);
			assert.ok(m, c.out);
			const pw = m[1];
			const cp = path.join(dir, 'control-plane');
			assert.equal(statSync(cp).mode & 0o777, 0o700);
			for (const f of ['admin.pwhash', 'session.key'])
				assert.equal(statSync(path.join(cp, f)).mode & 0o777, 0o600, f);
			const hash = readFileSync(path.join(cp, 'admin.pwhash'), 'utf8');
			assert.match(hash, /^\$argon2id\$/);
			assert.ok(!hash.includes(pw));
			const first = await login(c.base, pw);
			assert.deepEqual(await c.stop(), { code: 0, sig: null });
			c = await startControl(dir, await freePort(), { WA_ADMIN_PASSWORD: '' });
			assert.doesNotMatch(c.out, /password/, 'shown only once');
			const r = await fetch(`${c.base}/api/auth/session`, { headers: { cookie: first.cookie } });
			assert.equal(r.status, 200, 'a session outlives a control-plane restart');
			await login(c.base, pw);
			await c.stop();
		} finally {
			await fake.stop();
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('command line', () => {
	it('--help lists every setting', async () => {
		const { execFileSync } = await import('node:child_process');
		const { BIN } = await import('../support/harness.js');
		const out = execFileSync(BIN.control, ['--help'], { encoding: 'utf8' });
		for (const k of ['--listen', '--data', '--ipc', '--events', '--help',
		    'WA_ADMIN_PASSWORD', 'WA_API_TOKEN', '127.0.0.1:3000'])
			assert.ok(out.includes(k), k);
	});
});

describe('shutdown (last)', () => {
	it('exits cleanly within 3 s while an SSE client is attached', async () => {
		const r = await api('/api/events', { headers: { cookie: sess.cookie } });
		const reader = r.body.getReader();
		await reader.read();
		const t0 = Date.now();
		const res = await s.control.stop();
		assert.deepEqual(res, { code: 0, sig: null });
		assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
		await reader.cancel().catch(() => {});
	});
});
