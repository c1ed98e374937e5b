// Linking by phone number, the server and phone side (protocol-notes §4):
// the companion's companion_hello gets a pairing ref; POST
// /sim/phone/link-code plays the owner typing the code on the phone
// (primary_hello notification), the companion's companion_finish is checked
// by opening its key bundle (a wrong code cannot open it: the companion gets
// an iq error and the route 403), then pair-success follows as for a QR.
import crypto from 'node:crypto';
import * as curve from './curve.js';
import * as pairing from './pairing.js';
import { node, child, bytes, iqResult, iqError, S_WA, serverId, nowSec } from './nodes.js';
import { SimError } from './errors.js';

/** Wrong codes allowed per pairing ref before the ref is void (as the phone locks out). */
const MAX_WRONG = 3;

export class LinkCodes {
	constructor(sim) {
		this.sim = sim;
		this.unregistered = new Set();	// numbers "not on WhatsApp"
	}

	/** iq xmlns=md <link_code_companion_reg> from a registering connection. */
	onIq(c, n) {
		const reg = child(n, 'link_code_companion_reg');
		if (!reg)
			return false;
		if (reg.attrs.stage === 'companion_hello')
			this.hello(c, n, reg);
		else if (reg.attrs.stage === 'companion_finish')
			this.finish(c, n, reg);
		else
			c.send(iqError(n, 400, 'bad-request'));
		return true;
	}

	hello(c, n, reg) {
		let h;
		try {
			h = pairing.parseCompanionHello(reg, c.clientStatic);
		} catch (e) {
			this.sim.log.add('!!', c.id, '-', `companion_hello refused: ${e.message}`);
			return c.send(iqError(n, 400, 'bad-request'));
		}
		if (this.unregistered.has(h.phone))
			return c.send(iqError(n, 404, 'item-not-found'));
		const ref = pairing.makeRef();
		const last = c.pairing.refs[c.pairing.refs.length - 1];
		const ms = this.sim.opts.linkCodeMs;
		c.linkCode = { ...h, ref, wrong: 0, until: ms ? Date.now() + ms : last.until };
		c.send(iqResult(n, [node('link_code_companion_reg', {}, [
			node('link_code_pairing_ref', {}, Buffer.from(ref))])]));
	}

	finish(c, n, reg) {
		const lc = c.linkCode;
		const ref = bytes(child(reg, 'link_code_pairing_ref'));
		if (!lc || !lc.pending || !ref || ref.toString() !== lc.ref) {
			this.sim.log.add('!!', c.id, '-', 'companion_finish without a primary_hello for its ref');
			return c.send(iqError(n, 400, 'bad-request'));
		}
		const p = lc.pending;
		lc.pending = null;
		const ident = bytes(child(reg, 'companion_identity_public'));
		const plain = pairing.openKeyBundle(p.ephShared, bytes(child(reg, 'link_code_pairing_wrapped_key_bundle')));
		if (!plain) {
			lc.wrong++;
			c.send(iqError(n, 401, 'not-authorized'));
			return p.resolve({ wrong: true });
		}
		if (!ident || !ident.equals(c.pairing.identityKey) ||
		    !plain.subarray(0, 32).equals(c.pairing.identityKey) ||
		    !plain.subarray(32, 64).equals(p.primaryIdent.public)) {
			c.send(iqError(n, 400, 'bad-request'));
			return p.resolve({ error: 'key bundle does not name the right keys' });
		}
		const identShared = curve.dh(p.primaryIdent.private, c.pairing.identityKey);
		c.send(iqResult(n));
		p.resolve({ advSecret: pairing.codeAdvSecret(p.ephShared, identShared, plain.subarray(64, 96)) });
	}

	/**
	 * The owner of `phone` types `typed` on the phone. Resolves {jid}.
	 * refreshFirst: the server asks for a QR refresh between the companion's
	 * companion_finish and pair-success (a companion must not rotate then).
	 */
	async type(phone, typed, { refreshFirst = false } = {}) {
		const code = pairing.normalizeCode(typed);
		if (!code)
			throw new SimError(400, 'a code is 8 characters of 1-9 and A-Z without I, O, U');
		const c = [...this.sim.conns].find((x) => x.linkCode && x.linkCode.phone === phone &&
		    !x.closed && x.state === 'pairing');
		if (!c)
			throw new SimError(404, 'no companion is waiting for a code for this number');
		const lc = c.linkCode;
		if (Date.now() > lc.until)
			throw new SimError(410, 'pairing code expired');
		if (lc.wrong >= MAX_WRONG)
			throw new SimError(429, 'too many wrong codes for this pairing');
		if (lc.pending)
			throw new SimError(409, 'a code is being checked');
		// What the phone does: open the companion's key with the typed code.
		const companionEph = pairing.unwrapWithCode(code, lc.wrapped);
		const eph = curve.generateKeyPair();
		const primaryIdent = curve.generateKeyPair();
		const ephShared = curve.dh(eph.private, companionEph);
		const result = new Promise((resolve) => {
			lc.pending = { ephShared, primaryIdent, resolve };
		});
		c.send(node('notification', { from: S_WA, type: 'link_code_companion_reg', id: serverId(), t: nowSec() }, [
			node('link_code_companion_reg', { stage: 'primary_hello' }, [
				node('link_code_pairing_ref', {}, Buffer.from(lc.ref)),
				node('link_code_pairing_wrapped_primary_ephemeral_pub', {}, pairing.wrapWithCode(code, eph.public)),
				node('primary_identity_pub', {}, primaryIdent.public)
			])
		]));
		const timer = setTimeout(() => lc.pending?.resolve({ timeout: true }), this.sim.opts.pairTimeoutMs);
		const r = await result;
		clearTimeout(timer);
		if (lc.pending && lc.pending.resolve)
			lc.pending = null;
		if (r.timeout)
			throw new SimError(504, 'companion did not answer primary_hello');
		if (r.wrong)
			throw new SimError(403, 'wrong code: the companion\'s key bundle does not open with it');
		if (r.error)
			throw new SimError(502, r.error);
		if (refreshFirst)
			c.send(node('notification', { from: S_WA, type: 'companion_reg_refresh', id: serverId(), t: nowSec() }));
		return this.sim.completePairing(c, phone, r.advSecret);
	}

	/** Control-API faults on connections still registering. */
	fault(kind) {
		const conns = [...this.sim.conns].filter((c) => c.state === 'pairing' && !c.closed);
		for (const c of conns) {
			if (kind === 'reg-refresh') {
				c.send(node('notification', { from: S_WA, type: 'companion_reg_refresh', id: serverId(), t: nowSec() }));
			} else {
				// whatsmeow pair-passkey.go: options are WebAuthn request JSON.
				const opts = JSON.stringify({ challenge: crypto.randomBytes(32).toString('base64url'),
					rpId: 'whatsapp.com', timeout: 60000, userVerification: 'required' });
				c.send(node('notification', { from: S_WA, type: 'passkey_prologue_request', id: serverId(), t: nowSec() }, [
					node('passkey_request_options', {}, Buffer.from(opts))]));
			}
		}
		return conns.length;
	}
}
