// baileys-client-bench.js: the smallest Baileys 7 client for the worker
// benchmark (tests/bench/worker-bench.js). Unmodified Baileys, its own
// useMultiFileAuthState, a silent logger; it answers nothing.
//   node baileys-client-bench.js pair AUTH_DIR WS_URL
//       prints "qr <code>"; once the phone scanned and the server asked
//       for the restart (515) it saves the credentials, prints "paired"
//       and exits 0.
//   node baileys-client-bench.js run AUTH_DIR WS_URL [KEEPALIVE_MS]
//       logs in from AUTH_DIR, prints "connected" on connection open and
//       stays up (pinging every KEEPALIVE_MS) until SIGTERM; a close prints
//       "closed <status>" and exits 1.
//   node baileys-client-bench.js recv AUTH_DIR WS_URL HOOK_CMD [MAX]
//       as run, and every text that arrives (messages.upsert) runs
//       `/bin/sh -c HOOK_CMD` with {"id","from","text"} as JSON on stdin,
//       at most MAX (default 4, the worker's --hook-max) at once, the rest
//       queued: the same work and finish line as wa-worker's bot hook
//       (tests/bench/messages-burst.js).
import makeWASocket, { useMultiFileAuthState } from 'baileys';
import pino from 'pino';
import { spawn } from 'node:child_process';

const [mode, authDir, url, keepAlive] = process.argv.slice(2);
if (!['pair', 'run', 'recv'].includes(mode) || !authDir || !url || (mode === 'recv' && !keepAlive)) {
	process.stderr.write('usage: baileys-client-bench.js pair|run AUTH_DIR WS_URL [KEEPALIVE_MS]\n' +
	    '       baileys-client-bench.js recv AUTH_DIR WS_URL HOOK_CMD [MAX]\n');
	process.exit(2);
}

const { state, saveCreds } = await useMultiFileAuthState(authDir);
const sock = makeWASocket({
	auth: state,
	waWebSocketUrl: url,
	logger: pino({ level: 'silent' }),
	...(keepAlive && mode === 'run' ? { keepAliveIntervalMs: Number(keepAlive) } : {}),
});
let saving = Promise.resolve();
sock.ev.on('creds.update', () => { saving = saving.then(saveCreds); });
// useMultiFileAuthState rewrites creds.json in place (not atomically): a
// kill during a write after login leaves a torn file, and the next start
// then registers afresh. Like any careful app, finish the saves first.
process.on('SIGTERM', async () => {
	await saving;
	process.exit(0);
});
sock.ev.on('connection.update', async (u) => {
	if (u.qr)
		process.stdout.write(`qr ${u.qr}\n`);
	if (u.connection === 'open')
		process.stdout.write('connected\n');
	if (u.connection === 'close') {
		const code = u.lastDisconnect?.error?.output?.statusCode;
		await saving;
		if (mode === 'pair' && code === 515) {
			process.stdout.write('paired\n');
			process.exit(0);
		}
		process.stdout.write(`closed ${code}\n`);
		process.exit(1);
	}
});

if (mode === 'recv') {
	const hook = keepAlive, max = Number(process.argv[6] || 4);
	const waiting = [];
	let running = 0;
	const next = () => {
		while (running < max && waiting.length) {
			const input = waiting.shift();
			running++;
			const c = spawn('/bin/sh', ['-c', hook], { stdio: ['pipe', 'ignore', 'ignore'] });
			c.stdin.on('error', () => {});
			c.stdin.end(input);
			c.on('close', () => { running--; next(); });
		}
	};
	sock.ev.on('messages.upsert', ({ messages }) => {
		for (const m of messages) {
			const text = m.message?.conversation || m.message?.extendedTextMessage?.text;
			if (m.key.fromMe || !text)
				continue;
			waiting.push(JSON.stringify({ id: m.key.id, from: m.key.remoteJid, text }) + '\n');
		}
		next();
	});
}
