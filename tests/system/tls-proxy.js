// A TLS front for the simulator (which speaks ws:// only), so system tests
// can run the worker's wss:// path end to end: a test CA and a server
// certificate for 127.0.0.1 (sim/lib/testca.js), and a loopback TLS
// listener that pipes each connection's plaintext to the simulator.
import net from 'node:net';
import tls from 'node:tls';
import { tmpDir } from './helpers.js';
import { makeTestCerts } from '../sim/lib/testca.js';

/**
 * Starts the TLS front for sim; resolves {url, ca, connections(), close()}:
 * url is the wss:// URL to give the worker, ca its --test-ca-file.
 */
export async function tlsProxy(sim) {
	const c = makeTestCerts(tmpDir('walink-tls-'));
	let count = 0;
	const socks = new Set();
	const server = tls.createServer({ key: c.key, cert: c.cert }, (s) => {
		count++;
		const up = net.connect(sim.wsPort, '127.0.0.1');
		socks.add(s);
		socks.add(up);
		const done = () => { s.destroy(); up.destroy(); socks.delete(s); socks.delete(up); };
		s.on('error', done).on('close', done);
		up.on('error', done).on('close', done);
		s.pipe(up);
		up.pipe(s);
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	return {
		url: `wss://127.0.0.1:${port}/ws/chat`,
		ca: c.ca,
		connections: () => count,
		close: () => new Promise((resolve) => {
			for (const s of socks)
				s.destroy();
			server.close(() => resolve());
		}),
	};
}
