// media-client.js: an unmodified Baileys 7 client that sends an image to a
// simulated contact, then downloads it back by its directPath. Run as its
// own process with NODE_EXTRA_CA_CERTS naming the simulator CDN's test CA
// (Node reads it only at start-up). Prints one JSON line:
// {directPath, url, mediaKey, fileSha256, sentSha256, gotSha256, error?}.
// Usage: node media-client.js WS_URL CONTROL_URL AUTH_DIR CONTACT_JID
import crypto from 'node:crypto';
import { downloadContentFromMessage } from 'baileys';
import { connect, pair } from './baileys-client.js';

const [url, control, dir, to] = process.argv.slice(2);
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

try {
	const { auth, jid } = await pair({ url, api }, dir);
	const c = connect(url, auth, { shouldSyncHistoryMessage: () => false });
	let heard = false;
	c.sock.ev.on('messages.upsert', () => { heard = true; });
	await c.waitOpen();
	// the contact writes first, so a Signal session exists (as a customer starts)
	const phone = to.split('@')[0];
	const r = await api('POST', `/sim/contacts/${phone}/send`, { to: jid, text: 'hi' });
	if (r.status !== 200)
		throw new Error(`contact send: ${r.text}`);
	for (let i = 0; i < 200 && !heard; i++)
		await new Promise((ok) => setTimeout(ok, 50));
	if (!heard)
		throw new Error('the contact\'s message never arrived');
	const image = crypto.randomBytes(200 * 1024);
	const sent = await c.sock.sendMessage(to, { image, caption: 'booking', mimetype: 'image/jpeg' });
	const im = sent.message.imageMessage;
	const parts = [];
	for await (const part of await downloadContentFromMessage(
	    { mediaKey: im.mediaKey, directPath: im.directPath, url: im.url }, 'image'))
		parts.push(part);
	console.log(JSON.stringify({ directPath: im.directPath, url: im.url,
		mediaKey: Buffer.from(im.mediaKey).toString('base64'),
		fileSha256: Buffer.from(im.fileSha256).toString('hex'),
		sentSha256: sha(image), gotSha256: sha(Buffer.concat(parts)) }));
	await c.end();
	process.exit(0);
} catch (e) {
	console.log(JSON.stringify({ error: String(e?.stack || e) }));
	process.exit(1);
}
