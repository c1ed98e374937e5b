// codec.test.js: the C binary node codec (session-worker/binary) against
// Baileys 7, both directions, over a deterministic corpus of 2,000+ nodes
// (codec-corpus.js). One bn-tool process per direction handles the whole
// corpus, one line per node. Run: node --test tests/interop/codec.test.js
// (bn-tool from $WALINK_BUILD/session-worker, default <repo>/build-asan).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeBinaryNode, decodeDecompressedBinaryNode } from 'baileys/lib/WABinary/index.js';
import * as constants from 'baileys/lib/WABinary/constants.js';
import { makeCorpus, toToolJson, SINGLE, DOUBLE } from './codec-corpus.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const build = process.env.WALINK_BUILD || path.join(here, '..', '..', 'build-asan');
const TOOL = path.join(build, 'session-worker', 'bn-tool');
const SEED = 0x5eed2025;
const COUNT = 2100;

// One process for a whole batch of lines; bounded in time and output.
function runTool(mode, lines) {
	const r = spawnSync(TOOL, [mode], {
		input: lines.join('\n') + '\n',
		maxBuffer: 1 << 30,
		timeout: 240000,
		env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' },
	});
	if (r.error) throw r.error;
	assert.equal(r.status, 0, `bn-tool ${mode} failed: ${r.stderr}`);
	const out = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
	assert.equal(out.length, lines.length, `bn-tool ${mode} answered ${out.length} of ${lines.length}`);
	return out;
}

const baileysDecode = (buf) => decodeDecompressedBinaryNode(buf, constants, { index: 0 });

// bn-tool JSON with string content turned into its UTF-8 bytes: the wire
// keeps a string raw-encoded in content position only as bytes.
function lenient(j) {
	const o = { tag: j.tag, attrs: j.attrs };
	if (Array.isArray(j.content)) o.content = j.content.map(lenient);
	else if (j.content && typeof j.content.string === 'string')
		o.content = { bytes: Buffer.from(j.content.string).toString('hex') };
	else if (j.content) o.content = j.content;
	return o;
}

// The two places where the C encoder, like Baileys and as WhatsApp expects,
// does not keep a JID's text (bn_encode.c header): device 0 on an AD server
// and "_agent" with a device. Mirrors bn_jid_parse + write_jid.
const AD = { 's.whatsapp.net': 0, lid: 1, hosted: 128, 'hosted.lid': 129 };
const SRV = { 1: 'lid', 128: 'hosted', 129: 'hosted.lid' };
const canonNum = (s, max) => /^(0|[1-9]\d{0,4})$/.test(s) && +s <= max;
function jidNorm(s) {
	const at = s.indexOf('@');
	if (at < 0) return s;
	const server = s.slice(at + 1), uc = s.slice(0, at), ci = uc.indexOf(':');
	if (!server || server.includes('@') || ci < 0 || !Object.hasOwn(AD, server)) return s;
	const dev = uc.slice(ci + 1);
	if (!canonNum(dev, 255)) return s;
	let user = uc.slice(0, ci), agent = -1;
	const ui = user.indexOf('_');
	if (ui >= 0 && canonNum(user.slice(ui + 1), 255)) {
		agent = +user.slice(ui + 1);
		user = user.slice(0, ui);
	}
	const domain = server === 's.whatsapp.net' ? Math.max(agent, 0) : AD[server];
	return `${user}${+dev ? ':' + dev : ''}@${SRV[domain] || 's.whatsapp.net'}`;
}
function normalized(j) {
	const o = { tag: jidNorm(j.tag), attrs: j.attrs.map(([k, v]) => [jidNorm(k), jidNorm(v)]) };
	if (Array.isArray(j.content)) o.content = j.content.map(normalized);
	else if (j.content && typeof j.content.string === 'string')
		o.content = { string: jidNorm(j.content.string) };
	else if (j.content) o.content = j.content;
	return o;
}

let corpus, baileysBytes, ours, oursEnc;
before(() => {
	assert.ok(existsSync(TOOL), `${TOOL} missing: run scripts/build asan`);
	corpus = makeCorpus(SEED, COUNT);
	baileysBytes = corpus.map((n) => encodeBinaryNode(n));	// with the 0x00 flags byte
	ours = runTool('decode-frame', baileysBytes.map((b) => b.toString('hex')));
	oursEnc = runTool('encode', corpus.map((n) => JSON.stringify(toToolJson(n))));
});

function expectAll(label, check) {
	const bad = [];
	corpus.forEach((n, i) => {
		const why = check(i);
		if (why) bad.push(`#${i} <${String(n.tag).slice(0, 20)}>: ${why}`);
	});
	assert.deepEqual(bad.slice(0, 5), [], `${label}: ${bad.length} of ${corpus.length} failed`);
}

test('corpus holds 2000+ nodes with every token, boundary and JID form', () => {
	assert.ok(corpus.length >= 2000);
	const text = JSON.stringify(corpus.map(toToolJson));
	for (const t of [...SINGLE.slice(1), ...DOUBLE.flat()])
		assert.ok(text.includes(JSON.stringify(t)), `token ${t} unused`);
	const sizes = new Set(baileysBytes.map((b) => b.length));
	assert.ok(sizes.size > 100);
	for (const f of ['@msgr', '@interop', '_128:', '@hosted.lid', ':0@'])
		assert.ok(text.includes(f), `no JID with ${f}`);
});

test('C decodes every Baileys-encoded node', () => {
	expectAll('decode', (i) => (ours[i].error !== undefined ? `error ${ours[i].error}` : null));
});

test('C decodes Baileys bytes to the tree Baileys decodes', () => {
	expectAll('tree', (i) => {
		const want = toToolJson(baileysDecode(baileysBytes[i].subarray(1)));
		try { assert.deepEqual(ours[i].node, want); } catch { return 'trees differ'; }
		return null;
	});
});

// Baileys' decoder drops what its encoder wrote in a few places (AD_JID
// device 0, agent forms, lossy JIDs): there the tree, not the bytes, must
// survive. Everywhere else the bytes must.
function baileysKeeps(i) {
	try {
		assert.deepEqual(lenient(toToolJson(baileysDecode(baileysBytes[i].subarray(1)))),
		    lenient(toToolJson(corpus[i])));
		return true;
	} catch { return false; }
}

test('C re-encodes Baileys bytes byte for byte', (t) => {
	let same = 0;
	expectAll('re-encode', (i) => {
		const b = baileysBytes[i].subarray(1);
		if (ours[i].hex === b.toString('hex')) { same++; return null; }
		if (baileysKeeps(i)) return 'bytes differ';
		try {
			assert.deepEqual(toToolJson(baileysDecode(Buffer.from(ours[i].hex, 'hex'))),
			    toToolJson(baileysDecode(b)));
		} catch { return 'bytes and trees differ'; }
		return null;
	});
	t.diagnostic(`${same} of ${corpus.length} byte-identical, the rest equal as trees`);
});

test('Baileys decodes C-encoded nodes to the same tree', () => {
	expectAll('C->Baileys', (i) => {
		if (oursEnc[i].error !== undefined) return `encode error ${oursEnc[i].error}`;
		const got = toToolJson(baileysDecode(Buffer.from(oursEnc[i].hex, 'hex')));
		try {
			assert.deepEqual(lenient(got), lenient(normalized(toToolJson(corpus[i]))));
		} catch { return 'trees differ'; }
		return null;
	});
});

test('C encodes byte-identical to Baileys wherever Baileys keeps the tree', (t) => {
	let same = 0;
	expectAll('identical', (i) => {
		if (!baileysKeeps(i)) return null;
		same++;
		return oursEnc[i].hex === baileysBytes[i].subarray(1).toString('hex') ? null : 'bytes differ';
	});
	t.diagnostic(`${same} of ${corpus.length} nodes survive Baileys unchanged; all byte-identical`);
	assert.ok(same >= corpus.length / 2, `only ${same} lossless nodes`);
});
