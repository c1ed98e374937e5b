// harness.js: the one test harness for the Node tests. Import from here:
// waiting, ports and scratch dirs (wait.js), starting any program
// (proc.js), the simulator (sim.js), wa-worker and its IPC (worker.js),
// wa-control with the fake worker (control.js), the browser and axe-core
// (browser.js), a test CA (certs.js).
export * from './wait.js';
export * from './proc.js';
export { SIM_DIR } from './sim.js';
export * from './sim_strict.js';	// startSim with the `!!` check
export * from './worker.js';
export * from './control.js';
export * from './browser.js';
export * from './certs.js';
