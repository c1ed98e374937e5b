// wa-worker links by phone number against wa-sim: the code from
// `wa-probe pair-code`, typed on the simulated phone, links the worker; it
// restarts without a QR as the same device with keys like a QR pairing's.
// Every way a code can fail ends in its documented state and exit code, and
// so do the two 2026 linking edges: companion_reg_refresh (a new QR that
// scans) and a passkey demand (passkey_required, exit 2, new-qr resumes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { simFixture, waitState, scanQr, probe, probeState, simDevice, waitFor, ipcCall } from './helpers.js';

const fx = simFixture();

async function askCode(w, phone) {
	const r = await probe(w, 'pair-code', phone);
	const m = /^([1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4})$/m.exec(r.stdout);
	return { ...r, code: m ? m[1] : null };
}

async function waitCode(w, status, ms = 15000) {
	return waitFor(async () => {
		const s = await probeState(w);
		return s.pairCode && s.pairCode.status === status ? s : null;
	}, ms, `pairing code ${status}`);
}

function creds(w) {
	return JSON.parse(fs.readFileSync(path.join(w.dataDir, 'whatsapp-session',
	    'session-default', 'creds.json'), 'utf8'));
}

test('linked by code: connected, restart without a QR, same keys as a QR pairing', async () => {
	const w = await fx.worker();
	await waitState(w, 'qr');
	const r = await askCode(w, '+1 555 000-2001');
	assert.equal(r.code !== null, true, `a code in: ${r.stdout} ${r.stderr}`);
	assert.equal(r.code, r.code.toUpperCase());
	assert.equal((await probeState(w)).pairCode.status, 'shown');
	const typed = await fx.sim.api('POST', '/sim/phone/link-code', { phone: '15550002001', code: r.code });
	assert.equal(typed.status, 200, typed.text);
	assert.match(typed.body.jid, /^15550002001:\d+@s\.whatsapp\.net$/);
	const s = await waitState(w, 'connected', 10000);
	assert.equal(s.connectedNumber, '15550002001');
	assert.equal(s.pairCode, null, 'no code left once linked');
	assert.equal(w.output().includes(r.code), false, 'the code never reaches the log');

	// The same shape of credentials as a device linked by QR.
	const q = await fx.paired('15550002002');
	const a = creds(w), b = creds(q.w);
	assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
	assert.equal(a.paired ?? true, true);
	const dev = await simDevice(fx.sim, '15550002001');
	assert.equal(dev.jid, typed.body.jid);

	await w.stop();
	const w2 = await fx.worker({ dataDir: w.dataDir });
	const s2 = await waitState(w2, 'connected', 10000);
	assert.equal(s2.connectedNumber, '15550002001');
	assert.equal(w2.output().includes('QR 1/'), false, 'no QR on restart');
	assert.equal((await simDevice(fx.sim, '15550002001')).connects, dev.connects + 1);
	// Linked: another code is refused.
	const again = await probe(w2, 'pair-code', '15550002001');
	assert.equal(again.code, 1);
	assert.match(again.stderr, /already linked/);
});

test('a wrong code is refused and shown as wrong_code (exit 2); the right one still links', async () => {
	const w = await fx.worker();
	await waitState(w, 'qr');
	const { code, stdout, stderr } = await askCode(w, '15550002003');
	assert.ok(code, `no code: ${stdout} ${stderr}\n${w.output().slice(-3000)}`);
	const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
	const bad = await fx.sim.api('POST', '/sim/phone/link-code', { phone: '15550002003', code: typo });
	assert.equal(bad.status, 403, bad.text);
	const s = await waitCode(w, 'wrong_code');
	assert.equal(s.code, 2);
	assert.match(s.pairCode.detail, /wrong/);
	const ok = await fx.sim.api('POST', '/sim/phone/link-code', { phone: '15550002003', code });
	assert.equal(ok.status, 200, ok.text);
	await waitState(w, 'connected', 10000);
});

test('after a wrong code the QR on show still links (its secret is back)', async () => {
	const w = await fx.worker();
	await waitState(w, 'qr');
	const { code } = await askCode(w, '15550002010');
	assert.ok(code);
	const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
	assert.equal((await fx.sim.api('POST', '/sim/phone/link-code',
	    { phone: '15550002010', code: typo })).status, 403);
	await waitCode(w, 'wrong_code');
	await scanQr(fx.sim, w, '15550002010');
	await waitState(w, 'connected', 10000);
});

test('a QR refresh while the phone finishes a code pairing is ignored: pair-success still verifies', async () => {
	const w = await fx.worker();
	await waitState(w, 'qr');
	const { code } = await askCode(w, '15550002008');
	assert.ok(code);
	const r = await fx.sim.api('POST', '/sim/phone/link-code',
	    { phone: '15550002008', code, refreshFirst: true });
	assert.equal(r.status, 200, r.text);
	await waitState(w, 'connected', 10000);
	assert.match(w.output(), /QR refresh asked while a code pairing finishes; kept the current secret/);
});

test('a second request right after the first replaces it; the newest code links', async () => {
	const w = await fx.worker();
	await waitState(w, 'qr');
	const a = await ipcCall(w, { pairCode: '15550002009' });
	const b = await ipcCall(w, { pairCode: '15550002009' });
	assert.equal(a.error, undefined, JSON.stringify(a));
	assert.equal(b.error, undefined, JSON.stringify(b));
	const s = await waitCode(w, 'shown');
	const r = await fx.sim.api('POST', '/sim/phone/link-code', { phone: '15550002009', code: s.pairCode.code });
	assert.equal(r.status, 200, r.text);
	await waitState(w, 'connected', 10000);
});

test('--pair-phone asks for a code at start; a display name WhatsApp would refuse stops the start', async () => {
	const w = await fx.worker({ extra: { '--pair-phone': '+1 555 000-2011' } });
	const s = await waitCode(w, 'shown');
	assert.equal(s.pairCode.phone, '15550002011');
	const r = await fx.sim.api('POST', '/sim/phone/link-code', { phone: '15550002011', code: s.pairCode.code });
	assert.equal(r.status, 200, r.text);
	await waitState(w, 'connected', 10000);

	const bad = await fx.worker({ extra: { '--pair-display': 'walink bot' } });
	assert.equal((await bad.exited).code, 2, 'a settings error');
	assert.match(bad.output(), /--pair-display 'walink bot': WhatsApp accepts only "Browser \(OS\)"/);
});

test('a code not typed within its round expires (exit 2); a bad number is a usage error', async () => {
	// A 5 s round: long enough to see the code on a loaded machine, short to wait out.
	const w = await fx.worker({ extra: { '--qr-first': '4s', '--qr-next': '200ms' } });
	await waitState(w, 'qr');
	const r = await askCode(w, '15550002004');
	assert.ok(r.code, r.stdout + r.stderr);
	const s = await waitCode(w, 'expired', 20000);
	assert.equal(s.code, 2);
	assert.match(s.pairCode.detail, /expired/);
	assert.equal(s.pairCode.code, null, 'an expired code is not shown');
	const late = await fx.sim.api('POST', '/sim/phone/link-code', { phone: '15550002004', code: r.code });
	assert.notEqual(late.status, 200);

	const bad = await probe(w, 'pair-code', '0170 1234567');
	assert.equal(bad.code, 64);
	assert.match(bad.stderr, /country code/);
});

test('a number not on WhatsApp is said so (exit 2)', async () => {
	await fx.sim.api('POST', '/sim/phone/not-on-whatsapp', { phone: '15550002005' });
	const w = await fx.worker();
	await waitState(w, 'qr');
	const r = await probe(w, 'pair-code', '15550002005');
	assert.equal(r.code, 2, r.stdout + r.stderr);
	assert.match(r.stdout, /not_on_whatsapp: this number is not on WhatsApp/);
	assert.equal((await probeState(w)).pairCode.status, 'not_on_whatsapp');
});

test('companion_reg_refresh during a QR round: a new adv secret, and the new QR scans', async () => {
	const w = await fx.worker();
	await waitState(w, 'qr');
	const before = (await probe(w, 'qr')).stdout.trim();
	const inj = await fx.sim.api('POST', '/sim/inject', { fault: 'reg-refresh' });
	assert.equal(inj.status, 200, inj.text);
	const after = await waitFor(async () => {
		const q = (await probe(w, 'qr')).stdout.trim();
		return q && q !== before ? q : null;
	}, 5000, 'a new QR');
	const [refA, , , advA] = before.split('#')[1].split(',');
	const [refB, , , advB] = after.split('#')[1].split(',');
	assert.equal(refB, refA, 'same ref, shown anew');
	assert.notEqual(advB, advA, 'a new adv secret');
	const scan = await fx.sim.api('POST', '/sim/phone/scan', { qr: after, phone: '15550002006' });
	assert.equal(scan.status, 200, scan.text);
	await waitState(w, 'connected', 10000);
});

test('a passkey demand stops in passkey_required (exit 2) with an instruction; new-qr resumes', async () => {
	const w = await fx.worker();
	await waitState(w, 'qr');
	const inj = await fx.sim.api('POST', '/sim/inject', { fault: 'passkey' });
	assert.equal(inj.status, 200, inj.text);
	const s = await waitState(w, 'passkey_required', 5000);
	assert.equal(s.code, 2);
	assert.match(s.detail, /passkey/);
	assert.match(s.detail, /new QR/);
	assert.equal((await probe(w, 'qr')).code, 1, 'no QR while stopped');
	const r = await probe(w, 'new-qr');
	assert.equal(r.code, 0, r.stderr);
	await waitState(w, 'qr', 10000);
	await scanQr(fx.sim, w, '15550002007');
	await waitState(w, 'connected', 10000);
});
