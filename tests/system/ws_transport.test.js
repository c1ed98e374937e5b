// ws_transport: the worker's WebSocket transport (session-worker/transport/
// ws.c) driven through ws-check against servers on 127.0.0.1 that these
// tests control: request shape, bytes in both directions, every way a
// connection ends, and TLS verification with a CA made at test time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { BUILD, freePort, runProcess, testCerts, waitFor } from '../support/harness.js';

const wsCheck = path.join(BUILD, 'session-worker', 'ws-check');

const EXIT = { local: 0, usage: 2, failed: 3, timeout: 4, peer: 5, dropped: 6,
    protocol: 7, overall: 8 };
const MiB = 1 << 20;

// What ws-check sends for --send-size N as its k-th send.
function pattern(n, k) {
	const b = Buffer.alloc(n);
	for (let i = 0; i < n; i++)
		b[i] = (i * 31 + k) & 0xff;
	return b;
}

function sha128(buf) {
	return crypto.createHash('sha256').update(buf).digest('hex').slice(0, 32);
}

// Runs ws-check to completion (killed after limitMs) and parses its lines.
// lws tunnels every connection through $http_proxy: keep tests on loopback.
const checkEnv = { ...process.env };
delete checkEnv.http_proxy;

function runCheck(args, limitMs = 30000, cwd = undefined) {
	return runProcess(wsCheck, args, { env: checkEnv, ms: limitMs, cwd, inherit: false })
	    .then(({ code, sig: signal, out, err, ms }) => {
			const r = { code, signal, out, err, ms,
			    open: false, data: [], received: null, close: null };
			for (const line of out.split('\n')) {
				let m;
				if (line === 'open')
					r.open = true;
				else if ((m = /^data (\d+) ?(\S*)$/.exec(line)))
					r.data.push({ len: Number(m[1]), hex: m[2] });
				else if ((m = /^received (\d+) sha256=([0-9a-f]+)$/.exec(line)))
					r.received = { total: Number(m[1]), sha: m[2] };
				else if ((m = /^close (\S+) code=(\d+) detail=(.*)$/.exec(line)))
					r.close = { reason: m[1], code: Number(m[2]), detail: m[3] };
			}
			// ASan/UBSan findings (leaks included) fail every test.
			if (/Sanitizer|runtime error:/.test(err))
				throw new Error(`sanitizer report from ws-check:\n${err}`);
			return r;
		});
}

function explain(r) {
	return `exit ${r.code} ${r.signal ?? ''}\nstdout:\n${r.out}\nstderr:\n${r.err}`;
}

// An HTTP(S) server with a ws endpoint; onConnection(ws, req) drives it.
async function wsServer(onConnection, { tls, wssOptions } = {}) {
	const server = tls ? https.createServer(tls) : http.createServer();
	const wss = new WebSocketServer({ server, ...wssOptions });
	const requests = [];
	const closes = [];
	const messages = [];
	wss.on('connection', (ws, req) => {
		requests.push({ url: req.url, headers: req.headers });
		ws.on('message', (data, isBinary) => messages.push({ data, isBinary }));
		ws.on('close', (code) => closes.push(code));
		onConnection?.(ws, req);
	});
	await new Promise((res) => server.listen(0, '127.0.0.1', res));
	const port = server.address().port;
	return {
		port, requests, closes, messages, wss,
		async stop() {
			for (const c of wss.clients)
				c.terminate();
			wss.close();
			server.closeAllConnections?.();
			await new Promise((res) => server.close(res));
		},
	};
}

// Waits (bounded) for a condition the server side records asynchronously;
// resolves whether it came.
const until = (cond, ms = 5000) => waitFor(cond, ms).then(() => true, () => false);

test('ws-check is built', () => {
	assert.ok(fs.existsSync(wsCheck), `missing ${wsCheck}: run scripts/build asan`);
});

test('upgrade goes to the configured path with the Origin header as given', async () => {
	const s = await wsServer();
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/ws/chat?v=1`,
		    '--origin', 'https://origin.example', '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.local, explain(r));
		assert.equal(s.requests.length, 1);
		assert.equal(s.requests[0].url, '/ws/chat?v=1');
		assert.equal(s.requests[0].headers.origin, 'https://origin.example');
		assert.equal(s.requests[0].headers.host, `127.0.0.1:${s.port}`);
		assert.equal(s.requests[0].headers['sec-websocket-protocol'], undefined);
		assert.equal(s.requests[0].headers['sec-websocket-extensions'], undefined);
	} finally {
		await s.stop();
	}
});

test('default Origin is https://web.whatsapp.com and an empty path is /', async () => {
	const s = await wsServer();
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}`,
		    '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.local, explain(r));
		assert.equal(s.requests[0].url, '/');
		assert.equal(s.requests[0].headers.origin, 'https://web.whatsapp.com');
	} finally {
		await s.stop();
	}
});

test('client sends arrive as separate binary messages, intact and in order', async () => {
	const s = await wsServer();
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/ws/chat`,
		    '--send-hex', '00', '--send-hex', '', '--send-size', '1',
		    '--send-size', String(MiB), '--send-size', '0',
		    '--send-hex', '57410603', '--send-size', '70000',
		    '--timeout-ms', '20000']);
		assert.equal(r.code, EXIT.local, explain(r));
		assert.ok(await until(() => s.closes.length === 1));
		assert.equal(s.closes[0], 1000);	/* clean close after the flush */
		const want = [Buffer.from([0]), Buffer.alloc(0), pattern(1, 2),
		    pattern(MiB, 3), Buffer.alloc(0), Buffer.from('57410603', 'hex'),
		    pattern(70000, 6)];
		assert.equal(s.messages.length, want.length);
		want.forEach((w, i) => {
			assert.equal(s.messages[i].isBinary, true, `message ${i}`);
			assert.ok(s.messages[i].data.equals(w), `message ${i} differs`);
		});
	} finally {
		await s.stop();
	}
});

test('an echo of many sends comes back as the same stream, in order', async () => {
	const s = await wsServer((ws) => ws.on('message', (d) => ws.send(d)));
	const args = ['--url', `ws://127.0.0.1:${s.port}/ws/chat`];
	const sent = [];
	for (let k = 0; k < 60; k++) {
		const n = (k * 997) % 5003;
		args.push('--send-size', String(n));
		sent.push(pattern(n, k));
	}
	const stream = Buffer.concat(sent);
	try {
		const r = await runCheck([...args, '--expect-bytes', String(stream.length),
		    '--timeout-ms', '20000']);
		assert.equal(r.code, EXIT.local, explain(r));
		assert.equal(r.received.total, stream.length);
		assert.equal(r.received.sha, sha128(stream));
	} finally {
		await s.stop();
	}
});

// Sends `stream` cut at the given lengths, then waits for ws-check to close.
async function streamTest(chunks) {
	const stream = Buffer.concat(chunks);
	const s = await wsServer((ws) => {
		for (const c of chunks)
			ws.send(c, { binary: true });
	});
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/ws/chat`,
		    '--expect-bytes', String(stream.length), '--timeout-ms', '20000']);
		assert.equal(r.code, EXIT.local, explain(r));
		assert.equal(r.received.total, stream.length);
		assert.equal(r.received.sha, sha128(stream));
		return r;
	} finally {
		await s.stop();
	}
}

test('server messages of 0 bytes and 1 MiB give the identical byte stream', async () => {
	await streamTest([Buffer.alloc(0), crypto.randomBytes(MiB), Buffer.alloc(0),
	    Buffer.from('0a0b0c', 'hex'), crypto.randomBytes(MiB)]);
});

test('a byte stream split across many small messages is seen unchanged', async () => {
	const stream = crypto.randomBytes(200000);
	const chunks = [];
	for (let off = 0; off < stream.length;) {
		const n = Math.min(stream.length - off, crypto.randomInt(0, 700));
		chunks.push(stream.subarray(off, off + n));
		off += n;
	}
	const r = await streamTest(chunks);
	assert.ok(r.data.length >= chunks.filter((c) => c.length).length);
});

test('frames coalesced into one message are seen unchanged', async () => {
	// Many 3-byte-length frames (protocol-notes §1) packed into one message.
	const frames = [];
	for (let i = 0; i < 500; i++) {
		const body = crypto.randomBytes(crypto.randomInt(0, 300));
		const hdr = Buffer.from([body.length >> 16, (body.length >> 8) & 255,
		    body.length & 255]);
		frames.push(hdr, body);
	}
	await streamTest([Buffer.concat(frames)]);
});

test('a message sent in WebSocket fragments arrives as the same bytes', async () => {
	const parts = [crypto.randomBytes(10), Buffer.alloc(0), crypto.randomBytes(5000),
	    crypto.randomBytes(1)];
	const whole = Buffer.concat(parts);
	const s = await wsServer((ws) => {
		parts.forEach((p, i) => ws.send(p, { binary: true,
		    fin: i === parts.length - 1 }));
	});
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--expect-bytes', String(whole.length), '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.local, explain(r));
		assert.equal(r.received.sha, sha128(whole));
	} finally {
		await s.stop();
	}
});

test('a close frame from the server is reported with its code', async () => {
	const s = await wsServer((ws) => ws.close(4001, 'bye'));
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--wait-close', '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.peer, explain(r));
		assert.deepEqual([r.close.reason, r.close.code], ['peer-close', 4001]);
	} finally {
		await s.stop();
	}
});

test('a close frame without a code is reported as 1005', async () => {
	const s = await wsServer((ws) => ws.close());
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--wait-close', '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.peer, explain(r));
		assert.equal(r.close.code, 1005);
	} finally {
		await s.stop();
	}
});

test('data sent before the close frame is delivered before the close', async () => {
	const s = await wsServer((ws) => {
		ws.send(Buffer.from('a1a2a3', 'hex'));
		ws.close(1000);
	});
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--wait-close', '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.peer, explain(r));
		assert.equal(r.received.sha, sha128(Buffer.from('a1a2a3', 'hex')));
		assert.equal(r.close.code, 1000);
	} finally {
		await s.stop();
	}
});

test('a TCP connection destroyed without a close frame is a drop', async () => {
	const s = await wsServer((ws) => {
		ws.send(Buffer.from([1, 2, 3]));
		setTimeout(() => ws.terminate(), 50);
	});
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--wait-close', '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.dropped, explain(r));
		assert.equal(r.close.reason, 'dropped');
		assert.equal(r.received.total, 3);
	} finally {
		await s.stop();
	}
});

test('a refused connection is reported as connect failure at once', async () => {
	const port = await freePort();
	const r = await runCheck(['--url', `ws://127.0.0.1:${port}/`,
	    '--timeout-ms', '10000']);
	assert.equal(r.code, EXIT.failed, explain(r));
	assert.equal(r.close.reason, 'connect-failed');
	assert.equal(r.open, false);
	assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test('a name that does not resolve is reported as connect failure', async () => {
	// .invalid never resolves (RFC 6761); lws 4.1.6 looks it up blocking.
	// A slow resolver delays but cannot change the outcome: the failure is
	// reported in the same loop turn as the lookup returns.
	const r = await runCheck(['--url', 'ws://walink-test.invalid/',
	    '--timeout-ms', '60000'], 90000);
	assert.equal(r.code, EXIT.failed, explain(r));
	assert.equal(r.close.reason, 'connect-failed');
});

test('a listener that never answers the upgrade is a connect timeout', async () => {
	const held = [];
	const s = net.createServer((sock) => held.push(sock));
	await new Promise((res) => s.listen(0, '127.0.0.1', res));
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.address().port}/`,
		    '--connect-timeout-ms', '700', '--timeout-ms', '15000']);
		assert.equal(r.code, EXIT.timeout, explain(r));
		assert.equal(r.close.reason, 'connect-timeout');
		assert.ok(r.ms >= 600 && r.ms < 5000, `took ${r.ms} ms`);
		assert.equal(held.length, 1);	/* it did reach the listener */
	} finally {
		held.forEach((h) => h.destroy());
		await new Promise((res) => s.close(res));
	}
});

// Answers the upgrade by hand (RFC 6455 4.2.2), then stops reading, so
// the client's writes pile up in the socket buffers and stay there.
async function stuckServer() {
	const socks = [];
	const s = net.createServer((sock) => {
		socks.push(sock);
		let head = '';
		sock.on('data', (d) => {
			head += d.toString('latin1');
			if (!head.includes('\r\n\r\n'))
				return;
			const key = /sec-websocket-key: *(\S+)/i.exec(head)[1];
			const accept = crypto.createHash('sha1')
			    .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
			sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n' +
			    `Connection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
			sock.pause();
		});
	});
	await new Promise((res) => s.listen(0, '127.0.0.1', res));
	return {
		port: s.address().port,
		async stop() {
			socks.forEach((k) => k.destroy());
			await new Promise((res) => s.close(res));
		},
	};
}

test('a local close that cannot be flushed ends at the close timeout', async () => {
	const s = await stuckServer();
	try {
		const big = String(8 * MiB);	/* more than loopback buffers hold */
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--send-size', big, '--send-size', big, '--send-size', big,
		    '--close-timeout-ms', '400', '--timeout-ms', '15000']);
		assert.equal(r.code, EXIT.local, explain(r));
		assert.equal(r.open, true);
		assert.equal(r.close.reason, 'local-close');
		assert.ok(r.ms >= 350 && r.ms < 8000, `took ${r.ms} ms`);
	} finally {
		await s.stop();
	}
});

test('freeing an open client and its context leaves nothing behind', async () => {
	// ws-check's overall timeout frees the client while it is open.
	const s = await wsServer((ws) => ws.send(Buffer.from([7])));
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--wait-close', '--timeout-ms', '500']);
		assert.equal(r.code, EXIT.overall, explain(r));
		assert.equal(r.open, true);
		assert.equal(r.close, null);	/* freeing reports nothing */
		assert.ok(await until(() => s.closes.length === 1));
	} finally {
		await s.stop();
	}
});

test('an upgrade the server refuses is a connect failure', async () => {
	const s = await wsServer(null, { wssOptions: { verifyClient: () => false } });
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.failed, explain(r));
		assert.equal(r.open, false);
	} finally {
		await s.stop();
	}
});

test('a redirect on the upgrade is a connect failure, never followed', async () => {
	const other = await wsServer();
	const redirector = http.createServer();
	redirector.on('upgrade', (req, sock) => {
		sock.end('HTTP/1.1 302 Found\r\n' +
		    `Location: ws://127.0.0.1:${other.port}/elsewhere\r\n` +
		    'Content-Length: 0\r\n\r\n');
	});
	await new Promise((res) => redirector.listen(0, '127.0.0.1', res));
	try {
		const r = await runCheck(['--url',
		    `ws://127.0.0.1:${redirector.address().port}/ws/chat`,
		    '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.failed, explain(r));
		assert.equal(r.open, false);
		assert.equal(other.requests.length, 0);
	} finally {
		await new Promise((res) => redirector.close(res));
		await other.stop();
	}
});

test('a text message from the server is a protocol error', async () => {
	const s = await wsServer((ws) => ws.send('hello', { binary: false }));
	try {
		const r = await runCheck(['--url', `ws://127.0.0.1:${s.port}/`,
		    '--wait-close', '--timeout-ms', '10000']);
		assert.equal(r.code, EXIT.protocol, explain(r));
		assert.equal(r.close.reason, 'protocol');
		assert.equal(r.received.total, 0);	/* no text reached on_data */
		assert.ok(await until(() => s.closes.length === 1));
		assert.equal(s.closes[0], 1003);
	} finally {
		await s.stop();
	}
});

test('bad URLs are refused before connecting', async () => {
	for (const url of ['http://127.0.0.1/', 'ws://', 'ws://[::1]:80/',
	    'ws://h:0/', 'ws://h:65536/', 'ws://u@h/', 'ws://h/#frag']) {
		const r = await runCheck(['--url', url]);
		assert.equal(r.code, EXIT.usage, `${url}: ${explain(r)}`);
	}
});

// A CA-signed certificate for name/IP `san` (tests/support/certs.js).
function makeCerts(dir, san) {
	const c = testCerts(san, dir);
	return { ca: c.ca, tls: { key: c.key, cert: c.cert } };
}

test('wss:// verifies the server certificate', async (t) => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walink-ws-tls-'));
	t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
	const good = makeCerts(fs.mkdtempSync(path.join(dir, 'good-')),
	    'IP:127.0.0.1,DNS:localhost');
	const other = makeCerts(fs.mkdtempSync(path.join(dir, 'other-')),
	    'DNS:other.example');
	const echo = (ws) => ws.on('message', (d) => ws.send(d));

	await t.test('works when given the CA', async () => {
		const s = await wsServer(echo, { tls: good.tls });
		try {
			const r = await runCheck(['--url', `wss://127.0.0.1:${s.port}/ws/chat`,
			    '--ca', good.ca, '--send-size', '100000', '--send-hex', '0102',
			    '--expect-bytes', '100002', '--timeout-ms', '20000']);
			assert.equal(r.code, EXIT.local, explain(r));
			assert.equal(r.received.sha,
			    sha128(Buffer.concat([pattern(100000, 0), Buffer.from([1, 2])])));
			assert.equal(s.requests[0].headers.origin, 'https://web.whatsapp.com');
		} finally {
			await s.stop();
		}
	});

	await t.test('by name: looked up beside the loop, the certificate checked against the name', async () => {
		// lws is handed the resolved address; SNI and the certificate
		// check must still use "localhost", the name in the URL.
		const s = await wsServer(echo, { tls: good.tls });
		try {
			const r = await runCheck(['--url', `wss://localhost:${s.port}/ws/chat`,
			    '--ca', good.ca, '--send-hex', '0102', '--expect-bytes', '2',
			    '--timeout-ms', '20000']);
			assert.equal(r.code, EXIT.local, explain(r));
			assert.equal(s.requests[0].headers.host, `localhost:${s.port}`);
		} finally {
			await s.stop();
		}
		const o = await wsServer(echo, { tls: other.tls });
		try {
			const r = await runCheck(['--url', `wss://localhost:${o.port}/`,
			    '--ca', other.ca, '--timeout-ms', '20000']);
			assert.equal(r.code, EXIT.failed, explain(r));
			assert.match(r.close.detail, /^certificate: /);
		} finally {
			await o.stop();
		}
	});

	await t.test('an open TLS connection freed with its context leaks nothing', async () => {
		const s = await wsServer(echo, { tls: good.tls });
		try {
			const r = await runCheck(['--url', `wss://127.0.0.1:${s.port}/`,
			    '--ca', good.ca, '--wait-close', '--timeout-ms', '500']);
			assert.equal(r.code, EXIT.overall, explain(r));
			assert.equal(r.open, true);
		} finally {
			await s.stop();
		}
	});

	await t.test('fails without the CA (system store only)', async () => {
		const s = await wsServer(echo, { tls: good.tls });
		try {
			const r = await runCheck(['--url', `wss://127.0.0.1:${s.port}/`,
			    '--timeout-ms', '20000']);
			assert.equal(r.code, EXIT.failed, explain(r));
			assert.equal(r.open, false);
			assert.match(r.close.detail, /^certificate: /);
			assert.equal(s.requests.length, 0);
		} finally {
			await s.stop();
		}
	});

	await t.test('without --ca, a CA left in ../share is not trusted', async () => {
		// lws 4.1.6 on its own would load hashed CAs from "../share"
		// relative to the working directory (LWS_OPENSSL_CLIENT_CERTS).
		const jail = fs.mkdtempSync(path.join(dir, 'jail-'));
		fs.mkdirSync(path.join(jail, 'share'));
		fs.mkdirSync(path.join(jail, 'run'));
		const hash = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', good.ca])
		    .toString().trim();
		fs.copyFileSync(good.ca, path.join(jail, 'share', `${hash}.0`));
		const s = await wsServer(echo, { tls: good.tls });
		try {
			const r = await runCheck(['--url', `wss://127.0.0.1:${s.port}/`,
			    '--timeout-ms', '20000'], 30000, path.join(jail, 'run'));
			assert.equal(r.code, EXIT.failed, explain(r));
			assert.match(r.close.detail, /^certificate: /);
		} finally {
			await s.stop();
		}
	});

	await t.test('fails with another CA', async () => {
		const s = await wsServer(echo, { tls: good.tls });
		try {
			const r = await runCheck(['--url', `wss://127.0.0.1:${s.port}/`,
			    '--ca', other.ca, '--timeout-ms', '20000']);
			assert.equal(r.code, EXIT.failed, explain(r));
			assert.match(r.close.detail, /^certificate: /);
			assert.equal(s.requests.length, 0);
		} finally {
			await s.stop();
		}
	});

	await t.test('fails when the certificate names another host', async () => {
		const s = await wsServer(echo, { tls: other.tls });
		try {
			const r = await runCheck(['--url', `wss://127.0.0.1:${s.port}/`,
			    '--ca', other.ca, '--timeout-ms', '20000']);
			assert.equal(r.code, EXIT.failed, explain(r));
			assert.match(r.close.detail, /^certificate: .*mismatch/i);
			assert.equal(s.requests.length, 0);
		} finally {
			await s.stop();
		}
	});

	await t.test('a CA file that holds no certificate is refused up front', async () => {
		const bad = path.join(dir, 'empty.pem');
		fs.writeFileSync(bad, 'not a certificate\n');
		const r = await runCheck(['--url', 'wss://127.0.0.1:1/', '--ca', bad]);
		assert.equal(r.code, EXIT.usage, explain(r));
	});
});
