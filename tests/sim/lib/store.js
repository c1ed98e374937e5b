// Persistent simulator state: one JSON document per name in the state dir,
// each written atomically (temp file, fsync, rename, fsync of the directory)
// so a killed simulator leaves every file either old or new.
import fs from 'node:fs';
import path from 'node:path';

const NAME_RE = /^[a-z][a-z0-9-]{0,40}$/;

export class Store {
	constructor(dir) {
		this.dir = dir;
		this.docs = new Map();
		this.dirty = new Set();
		this.timer = null;
		this.lastFlushMs = 0;
		fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
	}

	file(name) {
		if (!NAME_RE.test(name))
			throw new Error(`bad document name ${name}`);
		return path.join(this.dir, `${name}.json`);
	}

	get(name) {
		if (this.docs.has(name))
			return this.docs.get(name);
		let doc = null;
		try {
			doc = JSON.parse(fs.readFileSync(this.file(name), 'utf8'));
		} catch (e) {
			if (e.code !== 'ENOENT')
				throw new Error(`state file ${name}.json unreadable: ${e.message}`);
		}
		this.docs.set(name, doc);
		return doc;
	}

	/** Replaces a document and writes it at once. */
	set(name, doc) {
		this.docs.set(name, doc);
		this.write(name);
	}

	/**
	 * Marks a document changed in place; written within a few ms (batched).
	 * Under load (bulk calls, bursts: megabytes of JSON per write) the wait
	 * grows with the last write's time, so writing never takes more than
	 * about a fifth of the simulator's time.
	 */
	touch(name) {
		this.dirty.add(name);
		if (!this.timer)
			this.timer = setTimeout(() => this.flush(), Math.max(5, 4 * this.lastFlushMs));
	}

	flush() {
		const t0 = Date.now();
		clearTimeout(this.timer);
		this.timer = null;
		for (const name of this.dirty)
			this.write(name);
		this.dirty.clear();
		this.lastFlushMs = Date.now() - t0;
	}

	write(name) {
		this.dirty.delete(name);
		const file = this.file(name);
		const tmp = `${file}.tmp-${process.pid}`;
		const data = JSON.stringify(this.docs.get(name));
		const fd = fs.openSync(tmp, 'w', 0o600);
		try {
			fs.writeSync(fd, data);
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
		fs.renameSync(tmp, file);
		const dfd = fs.openSync(this.dir, 'r');
		try {
			fs.fsyncSync(dfd);
		} finally {
			fs.closeSync(dfd);
		}
	}
}
