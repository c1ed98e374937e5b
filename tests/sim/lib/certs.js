// The simulator's Noise certificate chain (protocol-notes §2 "Certificate
// chain"): root -> intermediate -> leaf, XEdDSA signatures, leaf.key = the
// server static key. Its root public key is the trust root tests give clients.
import { proto } from 'baileys';
import * as curve from './curve.js';

const ROOT_SERIAL = 0;
const INTERMEDIATE_SERIAL = 1;
const LEAF_SERIAL = 2;
/** Validity window of generated certificates (seconds). */
const VALIDITY = 10 * 365 * 24 * 3600;

function details(serial, issuerSerial, key, notBefore, notAfter) {
	return Buffer.from(proto.CertChain.NoiseCertificate.Details.encode({
		serial, issuerSerial, key, notBefore, notAfter
	}).finish());
}

/** Encodes the CertChain for the given keys: {root, intermediate, server}. */
export function buildCertChain(keys, notBefore = Math.floor(Date.now() / 1000) - 3600) {
	const notAfter = notBefore + VALIDITY;
	const interDetails = details(INTERMEDIATE_SERIAL, ROOT_SERIAL,
	    keys.intermediate.public, notBefore, notAfter);
	const leafDetails = details(LEAF_SERIAL, INTERMEDIATE_SERIAL,
	    keys.server.public, notBefore, notAfter);
	return Buffer.from(proto.CertChain.encode({
		leaf: { details: leafDetails, signature: curve.sign(keys.intermediate.private, leafDetails) },
		intermediate: { details: interDetails, signature: curve.sign(keys.root.private, interDetails) }
	}).finish());
}

/**
 * Verifies a CertChain the way a careful client does (whatsmeow): both
 * signatures, the serial links, and leaf.key == the server static key.
 * Returns null when valid, else a reason.
 */
export function verifyCertChain(chainBytes, rootPub, serverStatic) {
	let chain, inter, leaf;
	try {
		chain = proto.CertChain.decode(chainBytes);
		if (!chain.leaf?.details || !chain.intermediate?.details)
			return 'missing certificate';
		inter = proto.CertChain.NoiseCertificate.Details.decode(chain.intermediate.details);
		leaf = proto.CertChain.NoiseCertificate.Details.decode(chain.leaf.details);
	} catch {
		return 'undecodable chain';
	}
	if (!curve.verify(rootPub, chain.intermediate.details, chain.intermediate.signature))
		return 'intermediate signature';
	if (inter.issuerSerial !== ROOT_SERIAL)
		return 'intermediate issuer serial';
	if (!curve.verify(inter.key, chain.leaf.details, chain.leaf.signature))
		return 'leaf signature';
	if (leaf.issuerSerial !== inter.serial)
		return 'leaf issuer serial';
	if (serverStatic && !Buffer.from(leaf.key).equals(Buffer.from(serverStatic)))
		return 'leaf key is not the server static key';
	return null;
}

/** Loads the persisted cert keys from the store or makes new ones. */
export function loadOrCreateCertKeys(store) {
	const doc = store.get('certs');
	if (doc?.root && doc?.intermediate && doc?.server && doc?.chain) {
		const kp = (o) => curve.keyPairFromPrivate(curve.unb64(o.private));
		return {
			root: kp(doc.root), intermediate: kp(doc.intermediate), server: kp(doc.server),
			chain: curve.unb64(doc.chain)
		};
	}
	const keys = {
		root: curve.generateKeyPair(),
		intermediate: curve.generateKeyPair(),
		server: curve.generateKeyPair()
	};
	keys.chain = buildCertChain(keys);
	const ser = (k) => ({ private: curve.b64(k.private), public: curve.b64(k.public) });
	store.set('certs', {
		root: ser(keys.root), intermediate: ser(keys.intermediate), server: ser(keys.server),
		chain: curve.b64(keys.chain)
	});
	return keys;
}
