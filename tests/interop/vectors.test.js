// vectors.test.js: the committed protocol vectors (tests/vectors/wa-*.json)
// are exactly what tests/vectors/make-vectors.js writes from Baileys, so
// their provenance is checked, not just stated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, runProcess, tmpDir } from '../support/harness.js';

test('make-vectors.js writes the committed wa-*.json byte for byte', async () => {
	const dir = path.join(REPO, 'tests', 'vectors');
	const out = tmpDir('walink-vectors-');
	const r = await runProcess(process.execPath, [path.join(dir, 'make-vectors.js'), out],
	    { ms: 60000 });
	assert.equal(r.code, 0, r.err);
	for (const name of ['wa-noise-handshake.json', 'wa-pair-success.json'])
		assert.equal(fs.readFileSync(path.join(out, name), 'utf8'),
		    fs.readFileSync(path.join(dir, name), 'utf8'), name);
});
