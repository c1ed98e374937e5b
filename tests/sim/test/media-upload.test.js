// The simulator's CDN is strict about uploads (lib/media.js): a well-formed
// one (the path's base64url token is the body's SHA-256, the same token
// and media_conn's auth in the query) is stored by directPath and logs
// nothing; each malformed one is refused and marked `!!`: wrong auth,
// a token that is not the body's hash, a query token unlike the path's,
// a body that is not AES blocks plus a 10-byte MAC, an unknown media type.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { startSim } from '../support/helpers.js';

let sim, cdn;
before(async () => {
	sim = await startSim();
	cdn = (await sim.api('GET', '/sim/media')).body;
});
after(async () => { await sim?.stop(); });

/** POST body to the CDN from a child that trusts the test CA: the status. */
function post(pathAndQuery, body) {
	const js = `fetch(process.argv[1], { method: 'POST', body: Buffer.from(process.argv[2], 'hex'),
		headers: { origin: 'https://web.whatsapp.com' } }).then((r) => console.log(r.status))`;
	return new Promise((resolve) => {
		execFile(process.execPath, ['-e', js, `https://${cdn.hostname}${pathAndQuery}`,
		    body.toString('hex')], { env: { ...process.env, NODE_EXTRA_CA_CERTS: cdn.ca } },
		    (err, stdout) => resolve(Number(stdout.trim())));
	});
}

async function deviations() {
	const r = await sim.api('GET', '/sim/log?deviations=1');
	return r.text.split('\n').filter((l) => / !! .*cdn upload/.test(l));
}

const token = (b) => crypto.createHash('sha256').update(b).digest('base64url');

test('a well-formed upload is stored; each malformed one is refused and marked !!', async () => {
	const good = crypto.randomBytes(16 * 4 + 10);
	const t = token(good);
	assert.equal(await post(`/mms/image/${t}?auth=${cdn.auth}&token=${t}`, good), 200);
	assert.deepEqual(await deviations(), []);
	const cases = [
		[`/mms/image/${t}?auth=wrong&token=${t}`, good, 401, /auth is not the one media_conn gave/],
		[`/mms/image/${token(Buffer.from('x'))}?auth=${cdn.auth}&token=${token(Buffer.from('x'))}`,
		    good, 400, /the token is not the body's SHA-256/],
		[`/mms/image/${t}?auth=${cdn.auth}&token=AAAA`, good, 200, /query token differs/],
		[`/mms/image/${token(good.subarray(1))}?auth=${cdn.auth}&token=${token(good.subarray(1))}`,
		    good.subarray(1), 200, /not ciphertext blocks plus a MAC/],
		[`/mms/sticker-x/${t}?auth=${cdn.auth}&token=${t}`, good, 404, /not \/mms\//],
	];
	let seen = 0;
	for (const [p, body, status, re] of cases) {
		assert.equal(await post(p, body), status, p);
		const d = await deviations();
		assert.equal(d.length, seen + 1, `${p}: ${d.join('\n')}`);
		assert.match(d.at(-1), re);
		seen++;
	}
});
