// express-baseline.js: the seed's shape of service (an Express 4 app that
// keeps the whitelist and the link state in its own memory) serving the
// two routes tests/bench/control.sh measures wa-control on, with the same
// bearer check and response bodies. It reads the whitelist from the same
// media-auth-config.json the worker uses and asks nothing of anyone per
// request: the fastest a single Node process can answer these routes.
//
// usage: node express-baseline.js PORT DATA_DIR TOKEN
// Prints "ready" once listening; exits on SIGTERM.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';

const [port, dataDir, token] = process.argv.slice(2);
if (!port || !dataDir || !token) {
	console.error('usage: node express-baseline.js PORT DATA_DIR TOKEN');
	process.exit(64);
}

const numbers = JSON.parse(readFileSync(path.join(dataDir, 'media-auth-config.json'), 'utf8'));
const link = { state: 'connected', isReady: true, isAuthenticated: true,
	connectedNumber: '15550001111', lastHeartbeat: new Date().toISOString() };

const app = express();
app.disable('x-powered-by');
app.disable('etag');	// wa-control sends none; keep the work equal
app.use('/api', (req, res, next) => {
	if (req.get('authorization') !== `Bearer ${token}`)
		return res.status(401).json({ success: false, error: 'authentication required' });
	return next();
});
app.get('/api/whatsapp/state', (req, res) => res.json({ success: true, connectionState: link }));
app.get('/api/whitelist', (req, res) => res.json({ success: true, numbers, count: numbers.length }));
app.get('/api/whitelist/export', (req, res) => {
	const day = new Date().toISOString().slice(0, 10);
	res.type('text/plain').attachment(`whitelist-${day}.txt`);
	res.send(numbers.length ? `${numbers.join('\n')}\n` : '');
});

const server = app.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
