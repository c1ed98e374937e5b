// A throwaway test CA and a server certificate for 127.0.0.1, made with the
// openssl CLI, for the simulator's https parts (the media CDN) and the
// system tests' wss:// front. Clients trust ca (a PEM file path): the
// worker with --test-ca-file, Node with NODE_EXTRA_CA_CERTS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Writes ca.pem, srv.key, srv.pem in dir; returns {ca (path), key, cert}. */
export function makeTestCerts(dir) {
	const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
	run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
	    '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
	    '-subj', '/CN=walink test CA']);
	run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
	    '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=walink test server']);
	fs.writeFileSync(path.join(dir, 'ext.cnf'),
	    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
	run(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
	    '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf']);
	return {
		ca: path.join(dir, 'ca.pem'),
		key: fs.readFileSync(path.join(dir, 'srv.key')),
		cert: fs.readFileSync(path.join(dir, 'srv.pem')),
	};
}
