// Simulated contacts (placeholder; messaging lands later).
export class Contacts {
	constructor(sim) { this.sim = sim; }
	bundleFor() { return null; }
	userInfo() { return null; }
	onReceipt() {}
	onMessage() {}
}
