// control-harness.js: the names the wa-control tests have always imported
// from here, now kept in tests/support/harness.js (one harness for every
// Node test). New tests may import from either; this file only re-exports.
import { BIN, BUILD, REPO } from '../support/harness.js';

export { freePort, sleep, waitFor, startFakeWorker, startControl, startStack, login }
    from '../support/harness.js';
export const repo = REPO;
export const build = BUILD;
export const bin = { control: BIN.control, fake: BIN.fake };
