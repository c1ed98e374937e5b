// An unmodified Baileys 7 client pointed at the simulator, with its
// connection updates recorded so tests can wait on them with bounds.
import makeWASocket, { useMultiFileAuthState } from 'baileys';
import pino from 'pino';

// Baileys 7 races each prekey upload against a 30 s timer it never clears
// (Socket/socket.js uploadPreKeys, UPLOAD_TIMEOUT): it would keep every test
// process alive 30 s after a first login. Unref that one timer.
const UPLOAD_TIMEOUT_MS = 30000;
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = function (fn, ms, ...args) {
	const t = realSetTimeout(fn, ms, ...args);
	if (ms === UPLOAD_TIMEOUT_MS && t && typeof t.unref === 'function')
		t.unref();
	return t;
};

const logger = pino({ level: process.env.SIM_TEST_BAILEYS_LOG || 'silent' });

export async function loadAuth(dir) {
	return useMultiFileAuthState(dir);
}

/**
 * Opens one Baileys socket. auth = {state, saveCreds} from loadAuth.
 * Returns {sock, updates, waitUpdate(pred, ms), waitClose(ms), saved()}.
 */
export function connect(url, auth, extra = {}) {
	const sock = makeWASocket({
		auth: auth.state,
		waWebSocketUrl: url,
		logger,
		fireInitQueries: false,
		markOnlineOnConnect: false,
		connectTimeoutMs: 10000,
		defaultQueryTimeoutMs: 10000,
		keepAliveIntervalMs: 1000,
		...extra
	});
	const updates = [];
	const waiters = [];
	let saving = Promise.resolve();
	sock.ev.on('creds.update', () => { saving = saving.then(() => auth.saveCreds()); });
	sock.ev.on('connection.update', (u) => {
		updates.push(u);
		for (const w of [...waiters])
			if (w.pred(u)) {
				waiters.splice(waiters.indexOf(w), 1);
				w.resolve(u);
			}
	});
	const waitUpdate = (pred, ms = 15000, what = 'connection update') => {
		const seen = updates.find(pred);
		if (seen)
			return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const w = { pred, resolve: (u) => { clearTimeout(t); resolve(u); } };
			const t = setTimeout(() => {
				waiters.splice(waiters.indexOf(w), 1);
				reject(new Error(`timed out waiting for ${what}; saw ${JSON.stringify(updates.map(summary))}`));
			}, ms);
			waiters.push(w);
		});
	};
	const waitClose = async (ms) => {
		const u = await waitUpdate((x) => x.connection === 'close', ms, 'connection close');
		return u.lastDisconnect?.error?.output?.statusCode;
	};
	return {
		sock, updates, waitUpdate, waitClose,
		waitOpen: (ms) => waitUpdate((x) => x.connection === 'open', ms, 'connection open'),
		waitQr: (ms) => waitUpdate((x) => !!x.qr, ms, 'qr'),
		saved: () => saving,
		end: async () => {
			try { sock.end(undefined); } catch { /* already closed */ }
			await saving;
		}
	};
}

function summary(u) {
	return { ...u, qr: u.qr ? 'qr' : undefined,
		lastDisconnect: u.lastDisconnect ? u.lastDisconnect.error?.output?.statusCode : undefined };
}

/** Pairs a fresh Baileys auth dir with the simulated phone; returns {auth, jid}. */
export async function pair(sim, authDir, phone = '15550001111') {
	const auth = await loadAuth(authDir);
	const c = connect(sim.url, auth);
	const { qr } = await c.waitQr();
	const r = await sim.api('POST', '/sim/phone/scan', { qr, phone });
	if (r.status !== 200)
		throw new Error(`scan failed: ${r.status} ${r.text}`);
	const code = await c.waitClose();
	await c.saved();
	if (code !== 515)
		throw new Error(`expected restart required after pairing, got ${code}`);
	return { auth, jid: r.body.jid };
}
