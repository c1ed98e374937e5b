// Receive-side media edge cases end to end (issue 13): media the CDN no
// longer has (410 expired, 404 removed) is re-requested from our phone with
// a media retry receipt and fetched again from the new directPath; a phone
// that no longer has the file ends in a clear media.error; a 1 GB media
// message and a CDN streaming more than the message declares are refused by
// the caps without a download, a crash or a stored file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptedStream } from 'baileys';
import { startSim, startWorker, waitState, scanQr, tmpDir, waitFor } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HOOK = `${process.execPath} ${path.join(here, 'hook-echo.js')}`;
const C = '4915112349101';
const PHONE = '15550009101';

let sim, w, jid, cdn, hookLog, mediaDir;
before(async () => {
	sim = await startSim();
	cdn = (await sim.api('GET', '/sim/media')).body;
	assert.equal((await sim.api('POST', '/sim/contacts', { phone: C })).status, 200);
	const dataDir = tmpDir('walink-mretry-');
	fs.writeFileSync(path.join(dataDir, 'media-auth-config.json'), JSON.stringify([C]));
	hookLog = path.join(dataDir, 'hook.log');
	mediaDir = path.join(dataDir, 'media', 'default');
	w = await startWorker(sim, { dataDir, extra: { '--hook-cmd': HOOK, '--media-ca-file': cdn.ca,
	    '--media-max-bytes': 300000, '--media-retry-wait': '2s' }, env: { WALINK_HOOK_LOG: hookLog } });
	await waitState(w, 'qr');
	({ jid } = await scanQr(sim, w, PHONE));
	await waitState(w, 'connected', 10000);
});
after(async () => {
	await w?.stop();
	await sim?.stop();
});

/** Encrypts plain as Baileys does and uploads it to the simulator's CDN. */
async function uploaded(plain, type = 'image') {
	const e = await encryptedStream(plain, type);
	const enc = fs.readFileSync(e.encFilePath);
	fs.unlinkSync(e.encFilePath);
	const token = crypto.createHash('sha256').update(enc).digest('base64url');
	const directPath = await new Promise((resolve, reject) => {
		const req = https.request(`https://${cdn.hostname}/mms/${type}/${token}?auth=` +
		    `${encodeURIComponent(cdn.auth)}&token=${token}`, { method: 'POST', ca: fs.readFileSync(cdn.ca) },
		(res) => {
			let b = '';
			res.on('data', (d) => { b += d; });
			res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(b).direct_path) :
			    reject(new Error(`upload ${res.statusCode}`)));
		});
		req.on('error', reject);
		req.end(enc);
	});
	return { directPath, mediaKey: e.mediaKey.toString('base64'), fileSha256: e.fileSha256.toString('base64'),
		fileEncSha256: e.fileEncSha256.toString('base64'), fileLength: e.fileLength };
}

async function send(message) {
	const r = await sim.api('POST', `/sim/contacts/${C}/send`, { to: `${PHONE}@s.whatsapp.net`, message });
	assert.equal(r.status, 200, r.text);
	return r.body.id;
}

/** The hook run for message id (hooks log one JSON line each). */
function hookRun(id, ms = 15000) {
	return waitFor(() => {
		const runs = fs.existsSync(hookLog) ? fs.readFileSync(hookLog, 'utf8').trim().split('\n')
		    .filter(Boolean).map((x) => JSON.parse(x)) : [];
		return runs.find((r) => r.id === id) || null;
	}, ms, `the hook run for ${id}`).catch((e) => {
		e.message += `\n${w.output().split('\n').filter((l) => !/heartbeat/.test(l)).slice(-30).join('\n')}`;
		throw e;
	});
}

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const cdnLog = async () => (await sim.api('GET', '/sim/media')).body;

test('media expired (410) or removed (404) on the CDN is re-requested from the phone and handed over', async () => {
	assert.equal((await sim.api('POST', '/sim/media/faults', { retry: 'upload' })).status, 200);
	const photo = crypto.randomBytes(50000), voice = crypto.randomBytes(20000);
	const p = await uploaded(photo, 'image'), v = await uploaded(voice, 'audio');
	await sim.api('POST', '/sim/media/expire', { directPath: p.directPath });
	await sim.api('POST', '/sim/media/expire', { directPath: v.directPath, status: 404 });
	const pid = await send({ imageMessage: { ...p, mimetype: 'image/jpeg', caption: 'old photo' } });
	const vid = await send({ audioMessage: { ...v, mimetype: 'audio/ogg; codecs=opus', ptt: true } });
	const pr = await hookRun(pid), vr = await hookRun(vid);
	assert.equal(pr.media.sha256, sha(photo));
	assert.ok(fs.readFileSync(pr.media.path).equals(photo), 'the stored photo is what was sent');
	assert.equal(pr.text, 'old photo');
	assert.ok(fs.readFileSync(vr.media.path).equals(voice));
	const log = await cdnLog();
	for (const [id, dp, status] of [[pid, p.directPath, 410], [vid, v.directPath, 404]]) {
		assert.ok(log.requests.some((q) => q.path === dp && q.status === status), `first GET of ${id}: ${status}`);
		assert.deepEqual(log.retries.filter((r) => r.id === id).map((r) => [r.from, r.answer]),
		    [[jid, 'upload']], `one media retry receipt for ${id}, from the worker`);
	}
	assert.match(w.output(), new RegExp(`message ${pid}: media expired on the CDN \\(HTTP 410\\); asked the phone`));
	assert.match(w.output(), new RegExp(`message ${pid}: the phone uploaded the media again`));
});

test('a phone that no longer has the file, or does not answer in --media-retry-wait, ends in a clear media.error', async () => {
	const cases = [['not-found', /expired on the CDN; the phone no longer has the file$/],
		['error', /expired on the CDN; the phone no longer has the file \(code 2\)$/],
		['silent', /expired on the CDN; the phone did not upload it again in time$/]];
	for (const [mode, want] of cases) {
		assert.equal((await sim.api('POST', '/sim/media/faults', { retry: mode })).status, 200);
		const doc = await uploaded(crypto.randomBytes(3000), 'document');
		await sim.api('POST', '/sim/media/expire', { directPath: doc.directPath });
		const id = await send({ documentMessage: { ...doc, mimetype: 'application/pdf', fileName: 'a.pdf' } });
		const r = await hookRun(id);
		assert.equal(r.type, 'document');
		assert.equal(r.media.path, null);
		assert.match(r.media.error, want, mode);
		assert.match(w.output(), new RegExp(mode === 'silent' ? `message ${id}: the phone did not answer the media retry in 2000 ms` :
		    `message ${id}: media retry failed`));
	}
	await sim.api('POST', '/sim/media/faults', { retry: 'upload' });
	assert.deepEqual(fs.readdirSync(mediaDir).filter((f) => f.endsWith('.pdf') || f.startsWith('.')), [],
	    'nothing stored for them');
});

test('a 1 GB media message and a CDN sending more than declared are refused by the caps, nothing stored', async () => {
	const key = crypto.randomBytes(32).toString('base64');
	const huge = await send({ videoMessage: { mimetype: 'video/mp4', mediaKey: key,
		fileSha256: crypto.randomBytes(32).toString('base64'), fileLength: 1024 * 1024 * 1024,
		directPath: '/v/t62.7161-24/huge.enc?ccb=11-4' } });
	const hr = await hookRun(huge);
	assert.equal(hr.type, 'video');
	assert.equal(hr.media.path, null);
	assert.equal(hr.media.error, 'larger than the media size cap');
	assert.match(w.output(), new RegExp(`message ${huge} from ${C}: media not stored: larger than the media size cap`));
	assert.ok(!(await cdnLog()).requests.some((q) => q.path.includes('huge.enc')), 'never fetched');

	const small = crypto.randomBytes(40000);
	const s = await uploaded(small, 'image');
	assert.equal((await sim.api('POST', '/sim/media/faults', { serve: 'oversize' })).status, 200);
	try {
		const id = await send({ imageMessage: { ...s, mimetype: 'image/jpeg' } });
		const r = await hookRun(id);
		assert.equal(r.media.path, null);
		assert.equal(r.media.error, "the CDN sent more than the message's fileLength");
		assert.match(w.output(), new RegExp(`message ${id} from ${C}: media not stored: the CDN sent more`));
	} finally {
		await sim.api('POST', '/sim/media/faults', { serve: 'normal' });
	}
	assert.deepEqual(fs.readdirSync(mediaDir).filter((f) => f.startsWith('.')), [], 'no partial file left');
	assert.equal(w.child.exitCode, null, 'the worker is still running');
});

test('at start the worker deletes media past --media-retention, then the oldest past --media-max-total', async () => {
	const dataDir = tmpDir('walink-mkeep-');
	const dir = path.join(dataDir, 'media', 'default');
	fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
	const day = 86400;
	const now = Date.now() / 1000;
	const put = (name, size, ageDays) => {
		fs.writeFileSync(path.join(dir, name), Buffer.alloc(size));
		fs.utimesSync(path.join(dir, name), now - ageDays * day, now - ageDays * day);
	};
	put('expired.jpg', 1000, 31);
	put('older.ogg', 100000, 2);
	put('newer.pdf', 100000, 1);
	put('.crashed.part-1', 5000, 3);	// left by a crash: goes
	put('.running.part-2', 5000, 0);	// a download in progress is not touched
	const k = await startWorker(sim, { dataDir, extra: { '--media-retention': '30d', '--media-max-total': 150000 } });
	try {
		await k.waitOutput(/media: retention removed 3 files \(106000 bytes\); 1 kept \(100000 bytes\)/, 10000);
		assert.deepEqual(fs.readdirSync(dir).sort(), ['.running.part-2', 'newer.pdf']);
	} finally {
		await k.stop();
	}
});
