// certs.js: a throwaway test CA and a server certificate it signed, made
// with the openssl CLI, for the tests that speak TLS on loopback.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from './wait.js';

/**
 * A CA and a server certificate for san ("IP:127.0.0.1", "DNS:x") in dir
 * (a new temp dir by default); returns {ca: CA file path, key, cert} with
 * key and cert as PEM buffers.
 */
export function testCerts(san = 'IP:127.0.0.1', dir = tmpDir('walink-tls-')) {
	const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
	run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
	    '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
	    '-subj', '/CN=walink test CA']);
	run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
	    '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=walink test server']);
	fs.writeFileSync(path.join(dir, 'ext.cnf'),
	    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n`);
	run(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
	    '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf']);
	return {
		ca: path.join(dir, 'ca.pem'),
		key: fs.readFileSync(path.join(dir, 'srv.key')),
		cert: fs.readFileSync(path.join(dir, 'srv.pem')),
	};
}
