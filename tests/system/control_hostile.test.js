// control_hostile.test.js: the attacks of issue 17 run against wa-control as
// an outsider would, each asserting the fixed behaviour: nested and slow
// bodies, slow heads, ambiguous framing, foreign Host names, login floods,
// sessions that must stay ended across restarts, double-decoded paths, and
// a worker that must refuse data others control. Loopback only (source
// addresses from 127/8 stand for distinct clients); every wait is bounded.
// The flood measurements use the release build (ASan's own memory would
// swamp an RSS bound): WALINK_RELEASE_BUILD, default <repo>/build.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bin, build, freePort, login, repo, sleep, startFakeWorker, waitFor } from './control-harness.js';

const PASSWORD = 'hostile-test-pass';
const TOKEN = 'hostile-test-token';
const RELEASE = process.env.WALINK_RELEASE_BUILD || path.join(repo, 'build');
const releaseControl = path.join(RELEASE, 'control-plane', 'wa-control');
const worker = path.join(build, 'session-worker', 'wa-worker');

// One request on its own connection (no keep-alive pool), optionally from
// another loopback address. Resolves { status, headers, text, ms }.
function request(port, method, p, { headers = {}, body, from, ms = 15000 } = {}) {
	return new Promise((resolve, reject) => {
		const t0 = Date.now();
		const data = body === undefined ? undefined
		    : typeof body === 'string' ? body : JSON.stringify(body);
		const h = { ...headers };
		if (data !== undefined) {
			h['content-type'] ??= 'application/json';
			h['content-length'] = Buffer.byteLength(data);
		}
		const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: h,
		    agent: false, localAddress: from, timeout: ms }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text,
			    ms: Date.now() - t0, json: () => JSON.parse(text) }));
		});
		req.on('timeout', () => req.destroy(new Error(`${method} ${p}: no answer in ${ms} ms`)));
		req.on('error', reject);
		req.end(data);
	});
}

// Raw bytes on one socket: resolves with everything received and whether
// the server closed the connection (within ms).
function raw(port, chunks, { from, ms = 5000, gapMs = 0 } = {}) {
	return new Promise((resolve) => {
		const t0 = Date.now();
		const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
		let text = '';
		let done = false;
		const finish = (closed) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			s.destroy();
			resolve({ text, closed, ms: Date.now() - t0 });
		};
		const timer = setTimeout(() => finish(false), ms);
		s.setEncoding('latin1');
		s.on('data', (d) => { text += d; });
		s.on('end', () => finish(true));
		s.on('close', () => finish(true));
		s.on('error', () => finish(true));
		s.on('connect', async () => {
			for (const c of Array.isArray(chunks) ? chunks : [chunks]) {
				if (done || s.destroyed) return;
				s.write(c);
				if (gapMs) await sleep(gapMs);
			}
		});
	});
}

function rssKb(pid) {
	try {
		const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
		return m ? Number(m[1]) : 0;
	} catch { return 0; }
}

// wa-control on dir (reused across restarts) with the test's password.
async function startControl(dir, port, { env = {}, args = [], binary = bin.control } = {}) {
	const child = spawn(binary, ['--data', dir, '--listen', `127.0.0.1:${port}`, ...args],
	    { stdio: ['ignore', 'pipe', 'pipe'],
	      env: { ...process.env, WA_ADMIN_PASSWORD: PASSWORD, WA_API_TOKEN: TOKEN, ...env } });
	const c = { child, port, pid: child.pid, out: '', exited: null };
	child.stdout.on('data', (d) => { c.out += d; });
	child.stderr.on('data', (d) => { c.out += d; });
	c.exit = new Promise((r) => child.on('exit', (code, sig) => { c.exited = { code, sig }; r(c.exited); }));
	await waitFor(async () => {
		if (c.exited) throw new Error(`wa-control exited: ${c.out}`);
		return (await request(port, 'GET', '/healthz', { ms: 2000 })).status === 200;
	}, 15000, 'wa-control /healthz');
	c.stop = async () => {
		if (c.exited) return c.exited;
		child.kill('SIGTERM');
		const t = setTimeout(() => child.kill('SIGKILL'), 5000);
		const r = await c.exit;
		clearTimeout(t);
		return r;
	};
	return c;
}

async function stack(opts = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walink-hostile-'));
	const fake = await startFakeWorker(dir);
	const port = await freePort();
	const s = { dir, fake, port, ctl: await startControl(dir, port, opts) };
	// s.ctl, not the first one: restart tests replace it
	s.stop = async () => {
		const r = await s.ctl.stop();
		await fake.stop();
		fs.rmSync(dir, { recursive: true, force: true });
		return r;
	};
	return s;
}

const nested = (key, depth) => `{"${key}":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const cookieOf = (r) => r.headers['set-cookie'][0].split(';')[0];

async function loginAs(port, password = PASSWORD) {
	const base = `http://127.0.0.1:${port}`;
	return login(base, password);
}

// The session's own view: 200 while it lives, 401 once ended.
const sessionStatus = async (port, cookie) =>
	(await request(port, 'GET', '/api/auth/session', { headers: { cookie } })).status;

describe('hostile clients against one wa-control', () => {
	let s;
	before(async () => { s = await stack(); });
	after(async () => {
		const r = await s?.stop();
		assert.deepEqual(r, { code: 0, sig: null }, 'wa-control survives every attack and exits cleanly');
	});

	it('a login body nested 1000 levels deep is refused before the parser (attack 1)', async () => {
		// the 2 KB body of the report: over the login cap
		let r = await request(s.port, 'POST', '/api/auth/login', { body: nested('password', 1000) });
		assert.equal(r.status, 413);
		// within the cap, 500 levels: the nesting check refuses it
		const body = nested('password', 500);
		assert.ok(body.length <= 1024);
		r = await request(s.port, 'POST', '/api/auth/login', { body });
		assert.equal(r.status, 400);
		assert.match(r.json().error, /nested too deeply/);
		assert.equal((await request(s.port, 'GET', '/healthz')).status, 200);
		assert.equal(s.ctl.exited, null);
	});

	it('a bulk body nested 300 levels deep (with the token) is refused, containers never dumped', async () => {
		const auth = { authorization: `Bearer ${TOKEN}` };
		let r = await request(s.port, 'PUT', '/api/whitelist/bulk', { headers: auth, body: nested('numbers', 300) });
		assert.equal(r.status, 400);
		assert.match(r.json().error, /nested too deeply/);
		// within the depth bound: a nested entry is named, not dumped
		r = await request(s.port, 'PUT', '/api/whitelist/bulk', { headers: auth,
		    body: '{"numbers":[[[[["15550001111"]]]],{"a":{"b":[1]}}]}' });
		assert.equal(r.status, 400);
		assert.deepEqual(r.json().invalid, ['[array]', '{object}']);
	});

	it('a login body declared over 1 KiB is refused at once and the connection closed (attack 2)', async () => {
		const r = await raw(s.port, [`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n` +
		    'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"pass'], { ms: 3000 });
		assert.match(r.text, /^HTTP\/1\.1 413 /);
		assert.equal(r.closed, true);
		assert.ok(r.ms < 2000, `${r.ms} ms`);
	});

	it('a body sent a byte at a time is cut within 11 s (408, closed)', async () => {
		const head = `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n` +
		    'Content-Type: application/json\r\nContent-Length: 600\r\n\r\n';
		const drip = [head, ...Array.from({ length: 40 }, () => ' ')];
		const r = await raw(s.port, drip, { gapMs: 400, ms: 16000 });
		assert.equal(r.closed, true, 'the slow body is cut');
		assert.match(r.text, /^HTTP\/1\.1 408 /);
		assert.ok(r.ms >= 4500 && r.ms < 11500, `${r.ms} ms`);
	});

	it('a request head sent a byte at a time is cut within 6 s', async () => {
		const head = `GET /api/auth/session HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nX-Slow: `;
		const r = await raw(s.port, [head, ...'a'.repeat(40).split('')], { gapMs: 300, ms: 10000 });
		assert.equal(r.closed, true, 'the slow head is cut');
		assert.ok(r.ms < 6500, `${r.ms} ms`);
		assert.doesNotMatch(r.text, /^HTTP\/1\.1 200/);
	});

	it('one address holds at most 32 connections while not logged in; 64 open slots in all', async () => {
		// full heads, bodies never sent: each holds a handler until cut;
		// status stays 'held' until the server answers the connection
		const hold = (from) => {
			const r = { sock: null, status: 'held', text: '' };
			r.connected = new Promise((resolve) => {
				const sock = net.connect({ host: '127.0.0.1', port: s.port, localAddress: from });
				r.sock = sock;
				sock.setEncoding('latin1');
				sock.on('data', (d) => {
					r.text += d;
					if (r.status === 'held' && /^HTTP\/1\.1 \d+/.test(r.text))
						r.status = Number(r.text.slice(9, 12));
				});
				sock.on('error', () => { if (r.status === 'held') r.status = 0; resolve(); });
				sock.on('connect', () => {
					sock.write(`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n` +
					    'Content-Type: application/json\r\nContent-Length: 600\r\n\r\n');
					resolve();
				});
			});
			return r;
		};
		const count = (rs, st) => rs.filter((r) => r.status === st).length;
		// the refusals are the events: 8 past the 32 an address may hold,
		// then 8 past the 64 slots in all
		const one = Array.from({ length: 40 }, () => hold('127.0.8.1'));
		await Promise.all(one.map((r) => r.connected));
		await waitFor(() => count(one, 429) >= 8, 5000, '8 refused past 32 from one address');
		const more = Array.from({ length: 40 }, (_, i) => hold(`127.0.8.${2 + (i % 2)}`));
		await Promise.all(more.map((r) => r.connected));
		await waitFor(() => count(more, 503) >= 8, 5000, '8 refused past 64 slots');
		try {
			assert.equal(count(one, 429), 8, JSON.stringify(one.map((r) => r.status)));
			assert.equal(count(one, 'held'), 32);
			assert.match(one.find((r) => r.status === 429).text, /too many connections from your address/);
			assert.equal(count(more, 503), 8, JSON.stringify(more.map((r) => r.status)));
			assert.equal(count(more, 'held'), 32);
			// meanwhile /healthz, the dashboard page and a logged-in client answer
			assert.equal((await request(s.port, 'GET', '/healthz', { from: '127.0.8.1' })).status, 200);
			assert.equal((await request(s.port, 'GET', '/', { from: '127.0.8.9' })).status, 200);
			assert.equal((await request(s.port, 'GET', '/api/whitelist', { from: '127.0.8.1',
			    headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
			// and the held ones are still held after all that
			assert.equal(count(one, 'held') + count(more, 'held'), 64);
		} finally {
			for (const r of [...one, ...more]) r.sock.destroy();
		}
	});

	it("civetweb's own error pages carry the security headers", async () => {
		const r = await raw(s.port, 'GARBAGE\r\n\r\n', { ms: 3000 });
		assert.match(r.text, /^HTTP\/1\.[01] 400 /);
		assert.match(r.text, /Content-Security-Policy: default-src 'self'/);
		assert.match(r.text, /X-Frame-Options: DENY/);
		assert.equal(r.closed, true);
	});

	it('Content-Length with Transfer-Encoding is refused and nothing is smuggled (attack 6)', async () => {
		const host = `Host: 127.0.0.1:${s.port}\r\n`;
		const smuggled = `GET /metrics HTTP/1.1\r\n${host}\r\n`;
		const r = await raw(s.port, `POST /api/auth/login HTTP/1.1\r\n${host}` +
		    'Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n' +
		    `0\r\n\r\n${smuggled}`, { ms: 3000 });
		assert.match(r.text, /^HTTP\/1\.1 400 /);
		assert.match(r.text, /Content-Length and Transfer-Encoding/);
		assert.equal(r.closed, true);
		assert.doesNotMatch(r.text, /walink_/, 'the smuggled request got no answer');
		assert.equal(r.text.match(/HTTP\/1\.1 /g).length, 1);
	});

	it('two Content-Length headers are refused and the connection closed', async () => {
		const host = `Host: 127.0.0.1:${s.port}\r\n`;
		const body = '{"password":"x"}';
		const r = await raw(s.port, `POST /api/auth/login HTTP/1.1\r\n${host}` +
		    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 0\r\n\r\n` +
		    `${body}GET /metrics HTTP/1.1\r\n${host}\r\n`, { ms: 3000 });
		assert.match(r.text, /^HTTP\/1\.1 400 /);
		assert.match(r.text, /several Content-Length/);
		assert.equal(r.closed, true);
		assert.equal(r.text.match(/HTTP\/1\.1 /g).length, 1);
	});

	it('a chunked body is refused with 411 and the connection closed', async () => {
		const r = await raw(s.port, `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n` +
		    'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"pa\r\n', { ms: 3000 });
		assert.match(r.text, /^HTTP\/1\.1 411 /);
		assert.equal(r.closed, true);
	});

	it('a foreign Host gets 421 on every route but /healthz (attack 8)', async () => {
		const evil = { host: `rebind.example:${s.port}` };
		for (const [m, p, body] of [['POST', '/api/auth/login', { password: PASSWORD }],
		    ['GET', '/metrics'], ['GET', '/'], ['GET', '/api/whitelist'], ['GET', '/nope']]) {
			const r = await request(s.port, m, p, { headers: evil, body });
			assert.equal(r.status, 421, `${m} ${p}`);
			assert.equal(r.headers['set-cookie'], undefined);
		}
		assert.equal((await request(s.port, 'GET', '/healthz', { headers: evil })).status, 200);
		assert.equal((await request(s.port, 'GET', '/metrics', { headers: { host: `localhost:${s.port}` } })).status, 200);
		assert.equal((await request(s.port, 'GET', '/metrics', { headers: { host: `127.0.0.1:${s.port}` } })).status, 200);
	});

	it('path parameters are decoded once; NUL, control characters and 0-leading numbers refused (attack 10)', async () => {
		const auth = { authorization: `Bearer ${TOKEN}` };
		let r = await request(s.port, 'DELETE', '/api/whitelist/remove/15550001111%00', { headers: auth });
		assert.equal(r.status, 400);
		assert.match(r.json().error, /malformed path parameter/);
		// %2500 is the text "%00": an invalid number, not a cut "15550001111"
		r = await request(s.port, 'DELETE', '/api/whitelist/remove/15550001111%2500', { headers: auth });
		assert.equal(r.status, 400);
		assert.doesNotMatch(r.json().error, /malformed path/);
		r = await request(s.port, 'GET', '/static/app.js%0a');
		assert.equal(r.status, 400);
		r = await request(s.port, 'POST', '/api/whitelist/add', { headers: auth, body: { phoneNumber: '0000000000' } });
		assert.equal(r.status, 400);
		assert.match(r.json().error, /may not start with 0/);
	});

	it('30 parallel wrong guesses from one address: at most 5 are evaluated (attack 3)', async () => {
		const from = '127.0.3.1';
		const rs = await Promise.all(Array.from({ length: 30 }, () =>
		    request(s.port, 'POST', '/api/auth/login', { body: { password: 'guess' }, from })));
		const evaluated = rs.filter((r) => r.status === 401).length;
		assert.ok(evaluated >= 1 && evaluated <= 5, `${evaluated} evaluated`);
		for (const r of rs.filter((r) => r.status !== 401)) {
			assert.equal(r.status, 429);
			assert.match(r.headers['retry-after'], /^\d+$/);
		}
	});

	it('a right password gives its token back; wrong ones keep theirs', async () => {
		const from = '127.0.3.2';
		const guess = (password) => request(s.port, 'POST', '/api/auth/login', { body: { password }, from });
		for (let i = 0; i < 4; i++)
			assert.equal((await guess('wrong')).status, 401);
		assert.equal((await guess(PASSWORD)).status, 200);
		assert.equal((await guess('wrong')).status, 401, 'the last token was given back');
		const r = await guess('wrong');
		assert.equal(r.status, 429);
		assert.ok(Number(r.headers['retry-after']) > 0);
	});

	it('an SSE stream ends when its session is logged out (attack 9)', async () => {
		const a = await loginAs(s.port);
		const ended = new Promise((resolve, reject) => {
			const req = http.get({ host: '127.0.0.1', port: s.port, path: '/api/events', agent: false,
			    headers: { cookie: a.cookie } }, (res) => {
				let got = '';
				res.setEncoding('utf8');
				res.on('data', (d) => {
					got += d;
					if (/event: worker/.test(got) && !res.loggedOut) {
						res.loggedOut = Date.now();
						request(s.port, 'POST', '/api/auth/logout', { headers: a.headers() }).catch(reject);
					}
				});
				res.on('close', () => resolve({ got, ms: Date.now() - res.loggedOut }));
			});
			req.on('error', reject);
			setTimeout(() => { req.destroy(); reject(new Error('stream still open 5 s after logout')); }, 8000);
		});
		const r = await ended;
		assert.match(r.got, /event: worker/);
		assert.ok(r.ms < 2000, `stream ended ${r.ms} ms after the logout`);
	});
});

describe('sessions that end stay ended across restarts (attack 4)', () => {
	let s;
	before(async () => { s = await stack(); });
	after(async () => { await s?.stop(); });

	const restart = async (env = {}) => {
		await s.ctl.stop();
		s.ctl = await startControl(s.dir, s.port, { env });
	};

	it('a logged-out cookie is refused after a restart', async () => {
		const a = await loginAs(s.port);
		const b = await loginAs(s.port);
		assert.equal((await request(s.port, 'POST', '/api/auth/logout', { headers: a.headers() })).status, 200);
		assert.equal(await sessionStatus(s.port, a.cookie), 401);
		await restart();
		assert.equal(await sessionStatus(s.port, a.cookie), 401, 'logout survives the restart');
		assert.equal(await sessionStatus(s.port, b.cookie), 200, 'other sessions survive the restart');
	});

	it('log out everywhere ends every cookie, also after a restart', async () => {
		const a = await loginAs(s.port);
		const b = await loginAs(s.port);
		const r = await request(s.port, 'POST', '/api/auth/logout-all', { headers: a.headers() });
		assert.equal(r.status, 200);
		assert.match(r.headers['set-cookie'][0], /Max-Age=0/);
		assert.equal(await sessionStatus(s.port, a.cookie), 401);
		assert.equal(await sessionStatus(s.port, b.cookie), 401);
		await restart();
		assert.equal(await sessionStatus(s.port, b.cookie), 401);
		const c = await loginAs(s.port);
		assert.equal(await sessionStatus(s.port, c.cookie), 200, 'new logins work');
	});

	it('a changed admin password ends the old sessions', async () => {
		const a = await loginAs(s.port);
		await restart();
		assert.equal(await sessionStatus(s.port, a.cookie), 200, 'same password: the session lives on');
		await restart({ WA_ADMIN_PASSWORD: 'a-new-admin-pass' });
		assert.equal(await sessionStatus(s.port, a.cookie), 401);
		const r = await request(s.port, 'POST', '/api/auth/login', { body: { password: PASSWORD }, from: '127.0.4.1' });
		assert.equal(r.status, 401, 'the old password is gone');
		const b = await loginAs(s.port, 'a-new-admin-pass');
		assert.equal(await sessionStatus(s.port, b.cookie), 200);
		// and back: the sessions of the second password end too
		await restart();
		assert.equal(await sessionStatus(s.port, b.cookie), 401);
	});
});

describe('the worker refuses data others control (attack 7)', () => {
	let dir;
	before(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walink-hostile-w-'));
	});
	after(() => { fs.rmSync(dir, { recursive: true, force: true }); });
	const check = (...extra) => spawnSync(worker, ['--check', '--data', dir, ...extra],
	    { encoding: 'utf8', timeout: 20000 });

	it('a world-writable data directory: start refused, the fix named', () => {
		fs.chmodSync(dir, 0o777);
		const r = check();
		fs.chmodSync(dir, 0o700);
		assert.notEqual(r.status, 0);
		assert.match(r.stderr + r.stdout, new RegExp(`data directory ${dir} is writable by everyone.*chmod go-w ${dir}`));
		assert.equal(check().status, 0, 'accepted once fixed');
	});

	it('a whitelist file writable by others or owned by another user: start refused', () => {
		const wl = path.join(dir, 'media-auth-config.json');
		fs.writeFileSync(wl, '["15550001111"]\n', { mode: 0o600 });
		fs.chmodSync(wl, 0o666);
		let r = check();
		assert.notEqual(r.status, 0);
		assert.match(r.stderr + r.stdout, /whitelist file .*media-auth-config\.json is writable by everyone/);
		fs.chmodSync(wl, 0o600);
		assert.equal(check().status, 0);
		if (process.getuid() === 0) {
			fs.chownSync(wl, 65534, 65534);
			r = check();
			assert.notEqual(r.status, 0);
			assert.match(r.stderr + r.stdout, /whitelist file .* belongs to user 65534.*chown/);
			fs.chownSync(wl, 0, 0);
		}
	});

	it('a session key file readable by others: start refused', () => {
		const key = path.join(dir, '..', `${path.basename(dir)}.key`);
		fs.writeFileSync(key, 'k'.repeat(32), { mode: 0o644 });
		fs.chmodSync(key, 0o644);
		try {
			let r = check('--session-key-file', key);
			assert.notEqual(r.status, 0);
			assert.match(r.stderr + r.stdout, /session key file .* is readable by other users.*chmod 600/);
			fs.chmodSync(key, 0o600);
			r = check('--session-key-file', key);
			assert.equal(r.status, 0, r.stderr);
		} finally { fs.rmSync(key, { force: true }); }
	});
});

describe('floods against the release build', () => {
	let s;
	before(async () => {
		assert.ok(fs.existsSync(releaseControl), `release wa-control at ${releaseControl} (scripts/build release)`);
		s = await stack({ binary: releaseControl });
	});
	after(async () => {
		const r = await s?.stop();
		assert.deepEqual(r, { code: 0, sig: null });
	});

	// RSS sampled every 20 ms while fn runs.
	async function peakRss(fn) {
		let peak = rssKb(s.ctl.pid);
		const t = setInterval(() => { peak = Math.max(peak, rssKb(s.ctl.pid)); }, 20);
		try { await fn(); } finally { clearInterval(t); }
		return Math.max(peak, rssKb(s.ctl.pid));
	}

	const wrongLogins = (n, base) => Promise.all(Array.from({ length: n }, (_, i) =>
	    request(s.port, 'POST', '/api/auth/login', { body: { password: `guess-${i}` },
	        from: `127.0.${base}.${i + 1}` }).catch((e) => ({ status: 0, error: e }))));

	it('64 parallel wrong logins from 64 addresses: one hash at a time, RSS < 100 MB', async () => {
		let rs;
		const peak = await peakRss(async () => { rs = await wrongLogins(64, 5); });
		const by = {};
		for (const r of rs) by[r.status] = (by[r.status] || 0) + 1;
		assert.deepEqual(Object.keys(by).sort(), Object.keys(by).filter((k) => k === '401' || k === '429').sort(),
		    JSON.stringify(by));
		assert.ok(by[401] >= 1, JSON.stringify(by));
		for (const r of rs.filter((r) => r.status === 429))
			assert.equal(r.headers['retry-after'], '1');
		console.log(`# 64 parallel logins: ${JSON.stringify(by)}, peak RSS ${(peak / 1024).toFixed(1)} MB`);
		assert.ok(peak < 100 * 1024, `peak RSS ${peak} kB`);
	});

	it('while 200 slow clients and 64 wrong logins run, /healthz answers in < 200 ms and RSS < 100 MB', async () => {
		const host = `Host: 127.0.0.1:${s.port}\r\n`;
		const sockets = [];
		let stop = false;
		// 100 slow heads and 100 slow bodies, 20 per source address, each
		// reconnecting 100 ms after the server cuts it.
		const slow = (i) => {
			if (stop) return;
			const sock = net.connect({ host: '127.0.0.1', port: s.port, localAddress: `127.0.6.${1 + (i % 10)}` });
			sockets.push(sock);
			sock.on('error', () => {});
			sock.on('close', () => { if (!stop) setTimeout(() => slow(i), 100); });
			sock.on('connect', () => {
				connected++;
				sock.write(i % 2 ? `POST /api/auth/login HTTP/1.1\r\n${host}X-Slow: `
				    : `POST /api/auth/login HTTP/1.1\r\n${host}Content-Type: application/json\r\n` +
				      'Content-Length: 900\r\n\r\n');
				const t = setInterval(() => { if (stop || sock.destroyed) clearInterval(t); else sock.write('a'); }, 1000);
			});
		};
		let connected = 0;
		for (let i = 0; i < 200; i++) slow(i);
		await waitFor(() => connected >= 200, 10000, 'all 200 connected and holding threads');
		const lat = [];
		const peak = await peakRss(async () => {
			const logins = wrongLogins(64, 7);
			for (let k = 0; k < 25; k++) {
				const r = await request(s.port, 'GET', '/healthz', { ms: 5000 });
				assert.equal(r.status, 200);
				lat.push(r.ms);
				await sleep(200);
			}
			await logins;
		});
		stop = true;
		for (const sock of sockets) sock.destroy();
		const max = Math.max(...lat);
		const p50 = [...lat].sort((a, b) => a - b)[Math.floor(lat.length / 2)];
		console.log(`# flood: /healthz max ${max} ms, median ${p50} ms over ${lat.length} probes; ` +
		    `peak RSS ${(peak / 1024).toFixed(1)} MB`);
		assert.ok(max < 200, `/healthz took ${max} ms`);
		assert.ok(peak < 100 * 1024, `peak RSS ${peak} kB`);
	});
});
