// media-retry-client.js: an unmodified Baileys 7 client asks the
// simulated phone for media the CDN no longer has, with its own
// updateMediaMessage (encryptMediaRetryRequest, then decodeMediaRetryNode
// and decryptMediaRetryData on the phone's answer), and downloads the file
// again from the new directPath. Then the same with the phone set to
// answer NOT_FOUND, then a malformed retry receipt (no <encrypt>) sent raw,
// which the simulator must mark `!!`. Run as its own process with
// NODE_EXTRA_CA_CERTS naming the CDN's test CA. Prints one JSON line:
// {sentSha256, gotSha256, oldPath, newPath, notFound, malformedId, error?}.
// Usage: node media-retry-client.js WS_URL CONTROL_URL AUTH_DIR CONTACT_PHONE
import crypto from 'node:crypto';
import fs from 'node:fs';
import { encryptedStream, downloadContentFromMessage, jidNormalizedUser } from 'baileys';
import { connect, pair } from './baileys-client.js';

const [url, control, dir, contact] = process.argv.slice(2);
const api = async (method, route, body) => {
	const res = await fetch(control + route, { method,
		headers: body === undefined ? {} : { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	let json;
	try { json = JSON.parse(text); } catch { json = undefined; }
	return { status: res.status, body: json, text };
};
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

async function upload(plain) {
	const cdn = (await api('GET', '/sim/media')).body;
	const e = await encryptedStream(plain, 'image');
	const enc = fs.readFileSync(e.encFilePath);
	fs.unlinkSync(e.encFilePath);
	const token = crypto.createHash('sha256').update(enc).digest('base64url');
	const r = await fetch(`https://${cdn.hostname}/mms/image/${token}?auth=${encodeURIComponent(cdn.auth)}&token=${token}`,
	    { method: 'POST', body: enc });
	const directPath = (await r.json()).direct_path;
	return { directPath, mediaKey: e.mediaKey.toString('base64'), fileSha256: e.fileSha256.toString('base64'),
		fileEncSha256: e.fileEncSha256.toString('base64'), fileLength: e.fileLength, mimetype: 'image/jpeg' };
}

async function download(im) {
	const parts = [];
	const host = (await api('GET', '/sim/media')).body.hostname;
	for await (const p of await downloadContentFromMessage({ mediaKey: im.mediaKey,
	    url: `https://${host}${im.directPath}` }, 'image'))
		parts.push(p);
	return Buffer.concat(parts);
}

try {
	const { auth, jid } = await pair({ url, api }, dir);
	const c = connect(url, auth, { shouldSyncHistoryMessage: () => false });
	const got = new Map();
	c.sock.ev.on('messages.upsert', ({ messages }) => {
		for (const m of messages)
			got.set(m.key.id, m);
	});
	await c.waitOpen();
	const heard = async (id) => {
		for (let i = 0; i < 200 && !got.has(id); i++)
			await new Promise((ok) => setTimeout(ok, 50));
		if (!got.has(id))
			throw new Error(`message ${id} never arrived`);
		return got.get(id);
	};
	const sendExpired = async (plain) => {
		const im = await upload(plain);
		await api('POST', '/sim/media/expire', { directPath: im.directPath });
		const r = await api('POST', `/sim/contacts/${contact}/send`, { to: jid, message: { imageMessage: im } });
		if (r.status !== 200)
			throw new Error(`contact send: ${r.text}`);
		return { im, msg: await heard(r.body.id) };
	};

	const image = crypto.randomBytes(64 * 1024);
	const { im, msg } = await sendExpired(image);
	let first = 'downloaded';
	try { await download(msg.message.imageMessage); } catch (e) { first = `${e.output?.statusCode} ${e.message}`; }
	if (!/^410 /.test(first))
		throw new Error(`the expired file answered ${first}, not 410`);
	await c.sock.updateMediaMessage(msg);
	const again = await download(msg.message.imageMessage);

	await api('POST', '/sim/media/faults', { retry: 'not-found' });
	const two = await sendExpired(crypto.randomBytes(1000));
	let notFound = null;
	try { await c.sock.updateMediaMessage(two.msg); } catch (e) { notFound = `${e.output?.statusCode} ${e.message}`; }
	await api('POST', '/sim/media/faults', { retry: 'upload' });

	await c.sock.sendNode({ tag: 'receipt', attrs: { id: msg.key.id, to: jidNormalizedUser(c.sock.user.id),
		type: 'server-error' }, content: [{ tag: 'rmr', attrs: { jid: msg.key.remoteJid, from_me: 'false' } }] });
	await new Promise((ok) => setTimeout(ok, 300));	// the receipt's ack comes back unasked
	console.log(JSON.stringify({ sentSha256: sha(image), gotSha256: sha(again), oldPath: im.directPath,
		newPath: msg.message.imageMessage.directPath, notFound, malformedId: msg.key.id }));
	await c.end();
	process.exit(0);
} catch (e) {
	console.log(JSON.stringify({ error: String(e?.stack || e) }));
	process.exit(1);
}
