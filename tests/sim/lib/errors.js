// The error type control routes turn into a JSON {error} with its status.
export class SimError extends Error {
	constructor(status, msg) { super(msg); this.status = status; }
}
