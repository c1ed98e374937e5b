// `--wa-version auto` against wa-sim --min-version and a loopback page in
// sw.js's shape: offline (the page fails) the worker keeps its version, stops
// as outdated after the 405 and says why; once the page answers, the next 405
// makes it read the newer version and restart with it, and it links.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSim, startWorker, waitState, waitFor, ipcCall } from './helpers.js';

const REVISION = 1099999999;	// newer than the built-in 2.3000.1043857760
let serve = false, hits = 0;
const page = http.createServer((req, res) => {
	hits++;
	if (!serve || req.url !== '/sw.js') {
		res.writeHead(503).end('unavailable');
		return;
	}
	res.writeHead(200, { 'content-type': 'text/javascript' });
	res.end(`self.__swData=JSON.parse(/*BTDS*/"{\\"dynamic_data\\":{\\"SiteData\\":` +
	    `{\\"server_revision\\":${REVISION - 5},\\"client_revision\\":${REVISION}}}}");`);
});
const stops = [];
after(async () => {
	for (const s of stops.reverse())
		await s();
	page.close();
});

test('--wa-version auto: offline keeps the version and says so; after a 405 a newer one is read and used', async () => {
	await new Promise((r) => page.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${page.address().port}/sw.js`;
	const sim = await startSim({ args: ['--min-version', `2.3000.${REVISION}`] });
	stops.push(() => sim.stop());
	const w = await startWorker(sim, { extra: { '--wa-version': 'auto', '--wa-version-url': url } });
	stops.push(() => w.stop());

	const s = await waitState(w, 'outdated', 20000);
	// the read started at start-up may still be under way when the 405
	// comes: then it is the one whose answer the outdated state gets
	await waitFor(async () => /could not read the current WhatsApp Web version .*HTTP status 503/
	    .test(w.output()) && hits >= 1, 20000, 'a failed read');
	await waitFor(async () => /current one could not be read/.test((await waitState(w, 'outdated')).detail),
	    10000, 'the detail says the version could not be read');
	assert.equal(s.state, 'outdated');

	serve = true;
	const r = await ipcCall(w, { restart: {} });
	assert.equal(r.error, undefined, JSON.stringify(r));
	await waitState(w, 'qr', 30000);
	assert.match(w.output(), new RegExp(`WhatsApp Web version now 2\\.3000\\.${REVISION}`));
	assert.match(w.output(), /restarting with the newer version after 405/);
});
