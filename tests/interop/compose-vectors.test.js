// tests/vectors/compose.json is exactly what gen-compose-vectors.js makes
// from the Baileys in tests/node_modules: the committed bytes that
// test_msg_compose.c compares against cannot drift from Baileys' encoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

test('compose.json is what Baileys writes today', () => {
	const made = execFileSync(process.execPath, [path.join(here, 'gen-compose-vectors.js')]);
	const committed = readFileSync(path.join(here, '..', 'vectors', 'compose.json'));
	assert.ok(made.equals(committed), 'regenerate: node tests/interop/gen-compose-vectors.js > tests/vectors/compose.json');
	assert.ok(JSON.parse(committed).vectors.length >= 10);
});
