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
import makeWASocket, { useMultiFileAuthState } from 'baileys';
import pino from 'pino';

const [mode, authDir, url, keepAlive] = process.argv.slice(2);
if (!['pair', 'run'].includes(mode) || !authDir || !url) {
	process.stderr.write('usage: baileys-client-bench.js pair|run AUTH_DIR WS_URL [KEEPALIVE_MS]\n');
	process.exit(2);
}

const { state, saveCreds } = await useMultiFileAuthState(authDir);
const sock = makeWASocket({
	auth: state,
	waWebSocketUrl: url,
	logger: pino({ level: 'silent' }),
	...(keepAlive ? { keepAliveIntervalMs: Number(keepAlive) } : {}),
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
