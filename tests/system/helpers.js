// helpers.js: the names system tests have always imported from here, now
// kept in tests/support/harness.js (one harness for every Node test).
// New tests may import from either; this file only re-exports.
export { startSim, allowSimDeviation, tmpDir, sleep, waitFor, freePort, REPO, BUILD, BIN, FAST,
    startWorker, simFixture, probe, probeState, LINK_UP, waitState, scanQr, simDevice,
    ipcRaw, ipcPipe, ipcCall, sleep as delay } from '../support/harness.js';
