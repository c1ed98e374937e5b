#!/usr/bin/env node
// wa-sim: a WhatsApp server simulator for walink's tests and offline demo.
// Usage: node wa-sim.js --ws HOST:PORT --control HOST:PORT --state DIR [options]
import { Store } from './lib/store.js';
import { Sim } from './lib/sim.js';
import { listenControl } from './lib/control.js';

const USAGE = `usage: wa-sim --ws HOST:PORT --control HOST:PORT --state DIR
  [--qr-first-ms 60000] [--qr-next-ms 20000] [--qr-refs 6] [--qr-grace-ms 10000]
  [--handshake-timeout-ms 20000] [--pair-timeout-ms 10000] [--server-ping-ms 0 (off)]
  [--compress-min-bytes 0 (off)] [--prekey-low 5] [--max-queue 1000] [--link-code-ms N (default: the QR round)] [--min-version X.Y.Z]
  [--no-edge-routing] [--no-privacy-tokens] [--verbose]`;

function parseArgs(argv) {
	const o = {
		ws: null, control: null, state: null, qrFirstMs: 60000, qrNextMs: 20000, qrRefs: 6,
		qrGraceMs: 10000, handshakeTimeoutMs: 20000, pairTimeoutMs: 10000, serverPingMs: 0,
		compressMinBytes: 0, prekeyLow: 5, edgeRouting: true, verbose: false
	};
	const nums = { '--qr-first-ms': 'qrFirstMs', '--qr-next-ms': 'qrNextMs', '--qr-refs': 'qrRefs',
		'--qr-grace-ms': 'qrGraceMs', '--handshake-timeout-ms': 'handshakeTimeoutMs',
		'--pair-timeout-ms': 'pairTimeoutMs', '--server-ping-ms': 'serverPingMs',
		'--compress-min-bytes': 'compressMinBytes', '--prekey-low': 'prekeyLow',
		'--link-code-ms': 'linkCodeMs', '--max-queue': 'maxQueue' };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--verbose') {
			o.verbose = true;
		} else if (a === '--no-edge-routing') {
			o.edgeRouting = false;
		} else if (a === '--no-privacy-tokens') {
			o.privacyTokens = false;
		} else if (a === '--help' || a === '-h') {
			console.log(USAGE);
			process.exit(0);
		} else if (['--ws', '--control', '--state'].includes(a) && i + 1 < argv.length) {
			o[a.slice(2)] = argv[++i];
		} else if (a === '--min-version' && i + 1 < argv.length) {
			o.minVersion = argv[++i];
			if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(o.minVersion))
				throw new Error('--min-version wants X.Y.Z');
		} else if (nums[a] && i + 1 < argv.length) {
			const v = Number(argv[++i]);
			if (!Number.isInteger(v) || v < (['--server-ping-ms', '--compress-min-bytes', '--prekey-low'].includes(a) ? 0 : 1))
				throw new Error(`${a} wants a positive integer`);
			o[nums[a]] = v;
		} else {
			throw new Error(`unknown argument ${a}`);
		}
	}
	if (!o.ws || !o.control || !o.state)
		throw new Error('--ws, --control and --state are required');
	return o;
}

function hostPort(s) {
	const m = /^(.*):([0-9]{1,5})$/.exec(s);
	if (!m)
		throw new Error(`bad HOST:PORT ${s}`);
	return [m[1].replace(/^\[|\]$/g, ''), Number(m[2])];
}

async function main() {
	if (Number(process.versions.node.split('.')[0]) < 20) {
		console.error('wa-sim: needs Node >= 20');
		process.exit(2);
	}
	let opts;
	try {
		opts = parseArgs(process.argv.slice(2));
	} catch (e) {
		console.error(`wa-sim: ${e.message}\n${USAGE}`);
		process.exit(2);
	}
	const store = new Store(opts.state);
	const sim = new Sim(store, opts);
	const [wh, wp] = hostPort(opts.ws);
	const [ch, cp] = hostPort(opts.control);
	const wa = await sim.listen(wh, wp);
	const ctl = await listenControl(sim, ch, cp);
	const cdn = await sim.media.start();	// https on 127.0.0.1 with its own test CA
	console.log(`wa-sim: media cdn https://${cdn.hostname} ca=${cdn.ca}`);
	const ca = ctl.address();
	console.log(`wa-sim: ready ws=ws://${wa.address}:${wa.port}/ws/chat control=http://${ca.address}:${ca.port}`);
	const stop = async () => {
		ctl.close();
		await sim.close();
		process.exit(0);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	// A simulator bug must not take every test's server down with it: report, keep serving.
	const report = (e) => {
		console.error(`wa-sim: internal error: ${e?.stack || e}`);
		sim.log.add('!!', 0, 'sim', `internal error: ${e?.stack || e}`);
	};
	process.on('uncaughtException', report);
	process.on('unhandledRejection', report);
}

main().catch((e) => {
	console.error(`wa-sim: ${e.stack || e}`);
	process.exit(1);
});
