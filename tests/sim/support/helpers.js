// Shared helpers for the simulator tests: the protocol vectors, and the
// harness functions they use.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Waiting, ports, scratch dirs and starting the simulator live in the one
// test harness (tests/support/harness.js); the simulator tests import them
// from here as before.
export { freePort, tmpDir, sleep, waitFor } from '../../support/wait.js';
export { startSim } from '../../support/sim.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SIM_DIR = path.resolve(here, '..');
const REPO = path.resolve(SIM_DIR, '..', '..');

export function vectorsDir() {
	return process.env.WALINK_VECTORS_DIR || path.join(REPO, 'tests', 'vectors');
}

export function loadVector(name) {
	return JSON.parse(fs.readFileSync(path.join(vectorsDir(), name), 'utf8'));
}

export function hex(s) { return Buffer.from(s, 'hex'); }
