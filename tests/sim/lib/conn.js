// One client connection: WebSocket bytes -> Noise responder -> binary nodes,
// serial processing of incoming stanzas, and the ways a server ends a
// connection (stream errors, failures, clean close, dropped TCP).
import zlib from 'node:zlib';
import { encodeBinaryNode, decodeBinaryNode, proto } from 'baileys';
import { node, S_WA } from './nodes.js';
import { NoiseResponder } from './noise.js';
import { bareServerJids } from './strict.js';

/** Time a client gets to close after a stream error before we close it. */
const CLOSE_GRACE_MS = 1500;

let nextConnId = 0;

export class Conn {
	constructor(sim, ws) {
		this.sim = sim;
		this.ws = ws;
		this.id = ++nextConnId;
		this.state = 'handshake';
		this.jid = null;
		this.waiters = new Map();
		this.queue = Promise.resolve();
		this.stalled = false;
		this.closed = false;
		this.timers = new Set();
		this.noise = new NoiseResponder({
			staticKey: sim.certKeys.server,
			certChain: sim.certKeys.chain,
			onSend: (b) => this.rawSend(b),
			onHandshake: (h) => this.onHandshake(h),
			onFrame: (f) => this.onPlaintext(f)
		});
		this.later(() => {
			if (this.state === 'handshake')
				this.fail('handshake timeout');
		}, sim.opts.handshakeTimeoutMs);
		ws.on('message', (data) => {
			if (this.closed)
				return;
			try {
				this.noise.push(Buffer.from(data));
			} catch (e) {
				this.fail(e.message);
			}
		});
		ws.on('close', () => this.onClosed());
		ws.on('error', () => this.onClosed());
	}

	later(fn, ms) {
		const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
		this.timers.add(t);
		return t;
	}

	who() { return this.jid || (this.state === 'pairing' ? 'pairing' : '-'); }

	rawSend(b) {
		if (this.ws.readyState === this.ws.OPEN)
			this.ws.send(b);
	}

	/** Protocol error from the peer: count it, log it, drop this connection only. */
	fail(reason) {
		if (this.closed)
			return;
		if (this.state === 'handshake')
			this.sim.stats.handshakeFailures++;
		this.sim.log.add('!!', this.id, this.who(), `closing: ${reason}`);
		this.noise.close();
		this.terminate();
	}

	onHandshake({ clientStatic, payload, routingInfo }) {
		this.sim.stats.handshakes++;
		this.clientStatic = clientStatic;
		this.routingInfo = routingInfo;
		let cp;
		try {
			cp = proto.ClientPayload.decode(payload);
		} catch {
			this.state = 'failed';
			return this.fail('undecodable ClientPayload');
		}
		this.clientPayload = cp;
		this.state = 'authenticating';
		this.sim.log.add('in', this.id, '-', `ClientPayload ${summarize(cp)} intro=${routingInfo ? 'ED' : 'WA'}`);
		this.enqueue(() => this.sim.onClientPayload(this, cp));
	}

	onPlaintext(plain) {
		this.enqueue(async () => {
			let n;
			try {
				n = await decodeBinaryNode(plain);
			} catch (e) {
				return this.fail(`undecodable node: ${e.message}`);
			}
			this.sim.stats.stanzasIn++;
			this.sim.log.add('in', this.id, this.who(), n);
			for (const w of bareServerJids(n))
				this.sim.log.add('!!', this.id, this.who(), w);
			if (n.tag === 'iq' && !n.attrs.id) {
				this.sim.log.add('!!', this.id, this.who(), 'iq without id');
				return;
			}
			if (n.tag === 'iq' && (n.attrs.type === 'result' || n.attrs.type === 'error')) {
				const w = this.waiters.get(n.attrs.id);
				if (w) {
					this.waiters.delete(n.attrs.id);
					w(n);
					return;
				}
			}
			try {
				await this.sim.onStanza(this, n);
			} catch (e) {
				// A request we could not handle still gets an answer, never silence.
				if (n.tag === 'iq' && (n.attrs.type === 'get' || n.attrs.type === 'set'))
					this.send(node('iq', { from: S_WA, type: 'error', id: n.attrs.id },
					    [node('error', { code: 500, text: 'internal-server-error' })]));
				throw e;
			}
		});
	}

	/** Serialises async handling so stanzas are processed in arrival order. */
	enqueue(fn) {
		this.queue = this.queue.then(fn).catch((e) => {
			this.sim.log.add('!!', this.id, this.who(), `handler error: ${e.stack || e}`);
		});
	}

	send(n) {
		if (this.closed || this.noise.stage !== 'transport')
			return false;
		this.sim.stats.stanzasOut++;
		this.sim.log.add('out', this.id, this.who(), n);
		let plain = encodeBinaryNode(n);
		// Flags byte 0x02: the rest is zlib-compressed (protocol-notes §2, §10.5).
		const min = this.sim.opts.compressMinBytes;
		if (min && plain.length - 1 >= min)
			plain = Buffer.concat([Buffer.from([0x02]), zlib.deflateSync(plain.subarray(1))]);
		this.rawSend(this.noise.seal(plain));
		return true;
	}

	/** Sends an iq and resolves with the reply (or null after ms). */
	request(n, ms = 10000) {
		return new Promise((resolve) => {
			const t = this.later(() => { this.waiters.delete(n.attrs.id); resolve(null); }, ms);
			this.waiters.set(n.attrs.id, (r) => { clearTimeout(t); this.timers.delete(t); resolve(r); });
			if (!this.send(n)) {
				this.waiters.delete(n.attrs.id);
				resolve(null);
			}
		});
	}

	/** Sends a final stanza (stream error or failure), then closes after a grace. */
	endWith(n) {
		this.send(n);
		this.ending = true;
		this.later(() => this.closeClean(), CLOSE_GRACE_MS);
	}

	streamError(attrs, childNode) {
		this.endWith(node('stream:error', attrs, childNode ? [childNode] : undefined));
	}

	failure(attrs) {
		this.endWith(node('failure', { ...attrs, location: 'sim' }));
	}

	closeClean() {
		if (!this.closed && this.ws.readyState === this.ws.OPEN)
			this.ws.close(1000);
		this.later(() => this.terminate(), CLOSE_GRACE_MS);
	}

	/** TCP destroyed without a close frame. */
	terminate() {
		this.ws.terminate();
		this.onClosed();
	}

	onClosed() {
		if (this.closed)
			return;
		this.closed = true;
		for (const t of this.timers)
			clearTimeout(t);
		this.timers.clear();
		for (const w of this.waiters.values())
			w({ tag: 'closed', attrs: {} });
		this.waiters.clear();
		this.sim.onConnClosed(this);
	}
}

function summarize(cp) {
	if (cp.devicePairingData)
		return 'registration (devicePairingData)';
	return `login username=${cp.username} device=${cp.device || 0} passive=${!!cp.passive} pull=${!!cp.pull}`;
}

