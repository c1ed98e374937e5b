// Phones (accounts with their account signing key and LID) and linked
// companion devices (keys, prekeys, faults), persisted in the store.
import crypto from 'node:crypto';
import * as curve from './curve.js';

/** LIDs look like 15-digit numbers that are not phone numbers. */
export function randomLid() {
	return String(1 + crypto.randomInt(0, 9)) + String(crypto.randomInt(0, 1e7)).padStart(7, '0') +
	    String(crypto.randomInt(0, 1e7)).padStart(7, '0');
}

export class Registry {
	constructor(store) {
		this.store = store;
		if (!store.get('phones'))
			store.set('phones', {});
		if (!store.get('devices'))
			store.set('devices', {});
		if (!store.get('faults'))
			store.set('faults', {});
	}

	get phones() { return this.store.get('phones'); }
	get devices() { return this.store.get('devices'); }
	get faults() { return this.store.get('faults'); }

	/** The phone with that number, created on first use. */
	phone(number) {
		if (!/^[1-9][0-9]{5,17}$/.test(String(number)))
			throw new Error('phone must be 6-18 digits');
		let p = this.phones[number];
		if (!p) {
			const kp = curve.generateKeyPair();
			p = {
				phone: String(number),
				lid: randomLid(),
				accountPriv: curve.b64(kp.private),
				accountPub: curve.b64(kp.public),
				nextDevice: 1,
				nextKeyIndex: 1
			};
			this.phones[number] = p;
			this.store.set('phones', this.phones);
		}
		return p;
	}

	phoneByLid(lid) {
		return Object.values(this.phones).find((p) => p.lid === lid);
	}

	addDevice(p, rec) {
		this.devices[rec.jid] = rec;
		p.nextDevice = rec.device + 1;
		p.nextKeyIndex++;
		this.store.set('phones', this.phones);
		this.store.set('devices', this.devices);
		return rec;
	}

	device(jid) { return this.devices[jid]; }

	/** Live (not removed) devices of a phone number. */
	devicesOf(number) {
		return Object.values(this.devices).filter((d) => d.phone === String(number) && !d.removed);
	}

	saveDevices() { this.store.touch('devices'); }

	fault(key) {
		return this.faults[key] || {};
	}

	setFault(key, f) {
		if (f)
			this.faults[key] = { ...this.fault(key), ...f };
		else
			delete this.faults[key];
		this.store.set('faults', this.faults);
	}
}
