// gen-stanza-fixtures.js: the stanza shapes the worker's message layer
// sends (session-worker/message/msg_stanza.c, issue 11), encoded by
// Baileys' own encoder, written to tests/unit/fixtures/msg-stanzas.json
// for tests/unit/test_msg_stanza.c.
//
// Provenance: encodeBinaryNode from baileys/lib/WABinary (Baileys
// 7.0.0-rc14 as pinned in tests/package.json). Each node is written the
// way Baileys (messages-send.js, messages-recv.js, socket.js) or
// whatsmeow (receipt.go, retry.go, send.go, usync.go) builds it, with
// fixed inputs so the output never changes; server JIDs are
// '@s.whatsapp.net' (Baileys S_WHATSAPP_NET). The JSON is committed so
// the unit test needs no Node. Regenerate after changing a shape:
//   node tests/interop/gen-stanza-fixtures.js
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeBinaryNode } from 'baileys/lib/WABinary/index.js';
import { S_WHATSAPP_NET } from 'baileys/lib/WABinary/jid-utils.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'unit', 'fixtures', 'msg-stanzas.json');

const bytes = (n, v) => Buffer.alloc(n, v);
const ID22 = '3EB0C0FFEE0123456789AB';
const ID40 = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
const be = (v, n) => { const b = Buffer.alloc(n); b.writeUIntBE(v, 0, n); return b; };

// The inputs the C test uses, recorded beside the bytes.
const keys = {
	identity: bytes(32, 0x11), prekey_id: 0x0102ab, prekey: bytes(32, 0x22),
	spk_id: 7, spk: bytes(32, 0x33), spk_sig: bytes(64, 0x44), account: bytes(40, 0x55),
};

const fixtures = {
	receipt_inactive: {
		tag: 'receipt',
		attrs: { id: ID22, to: '15550002222:5@s.whatsapp.net', type: 'inactive' },
	},
	receipt_sender: {
		tag: 'receipt',
		attrs: { id: ID40, to: '15550001111:3@s.whatsapp.net',
			recipient: '15550002222@s.whatsapp.net', type: 'sender' },
	},
	receipt_peer_msg: {
		tag: 'receipt',
		attrs: { id: ID22, to: '15550001111@s.whatsapp.net', type: 'peer_msg' },
	},
	receipt_lid_delivery: {
		tag: 'receipt',
		attrs: { id: ID40, to: '123456789012345:7@lid', type: 'inactive' },
	},
	retry_1: {
		tag: 'receipt',
		attrs: { id: ID40, to: '15550002222:5@s.whatsapp.net', type: 'retry' },
		content: [
			{ tag: 'retry', attrs: { count: '1', id: ID40, t: '1764000000', v: '1' } },
			{ tag: 'registration', attrs: {}, content: be(0x1234, 4) },
		],
	},
	retry_2_keys: {
		tag: 'receipt',
		attrs: { id: ID22, to: '15550002222:5@s.whatsapp.net', type: 'retry' },
		content: [
			{ tag: 'retry', attrs: { count: '2', id: ID22, t: '1764000000', v: '1' } },
			{ tag: 'registration', attrs: {}, content: be(0x1234, 4) },
			{ tag: 'keys', attrs: {}, content: [
				{ tag: 'type', attrs: {}, content: Buffer.from([5]) },
				{ tag: 'identity', attrs: {}, content: keys.identity },
				{ tag: 'key', attrs: {}, content: [
					{ tag: 'id', attrs: {}, content: be(keys.prekey_id, 3) },
					{ tag: 'value', attrs: {}, content: keys.prekey },
				] },
				{ tag: 'skey', attrs: {}, content: [
					{ tag: 'id', attrs: {}, content: be(keys.spk_id, 3) },
					{ tag: 'value', attrs: {}, content: keys.spk },
					{ tag: 'signature', attrs: {}, content: keys.spk_sig },
				] },
				{ tag: 'device-identity', attrs: {}, content: keys.account },
			] },
		],
	},
	offline_batch: {
		tag: 'ib', attrs: {},
		content: [{ tag: 'offline_batch', attrs: { count: '100' } }],
	},
	usync_devices: {
		tag: 'iq',
		attrs: { id: 'msg.1.1', to: S_WHATSAPP_NET, type: 'get', xmlns: 'usync' },
		content: [{ tag: 'usync', attrs: { sid: 'msg.1.1', context: 'message',
			mode: 'query', last: 'true', index: '0' }, content: [
			{ tag: 'query', attrs: {}, content: [{ tag: 'devices', attrs: { version: '2' } }] },
			{ tag: 'list', attrs: {}, content: [
				{ tag: 'user', attrs: { jid: '15550002222@s.whatsapp.net' } },
				{ tag: 'user', attrs: { jid: '15550001111@s.whatsapp.net' } },
			] },
		] }],
	},
	prekey_fetch: {
		tag: 'iq',
		attrs: { id: 'msg.1.2', to: S_WHATSAPP_NET, type: 'get', xmlns: 'encrypt' },
		content: [{ tag: 'key', attrs: {}, content: [
			{ tag: 'user', attrs: { jid: '15550002222:5@s.whatsapp.net' } },
			{ tag: 'user', attrs: { jid: '15550001111:3@s.whatsapp.net' } },
		] }],
	},
	privacy_issue: {
		tag: 'iq',
		attrs: { id: 'msg.1.3', to: S_WHATSAPP_NET, type: 'set', xmlns: 'privacy' },
		content: [{ tag: 'tokens', attrs: {}, content: [
			{ tag: 'token', attrs: { jid: '15550002222@s.whatsapp.net', t: '1764000000',
				type: 'trusted_contact' } },
		] }],
	},
	message_fanout: {
		tag: 'message',
		attrs: { id: ID22, to: '15550002222@s.whatsapp.net', type: 'text' },
		content: [
			{ tag: 'participants', attrs: {}, content: [
				{ tag: 'to', attrs: { jid: '15550002222@s.whatsapp.net' }, content: [
					{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: bytes(24, 0xa1) }] },
				{ tag: 'to', attrs: { jid: '15550002222:5@s.whatsapp.net' }, content: [
					{ tag: 'enc', attrs: { v: '2', type: 'pkmsg' }, content: bytes(24, 0xa2) }] },
				{ tag: 'to', attrs: { jid: '15550001111:3@s.whatsapp.net' }, content: [
					{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: bytes(24, 0xa3) }] },
			] },
			{ tag: 'device-identity', attrs: {}, content: keys.account },
			{ tag: 'tctoken', attrs: {}, content: bytes(20, 0x77) },
		],
	},
	message_resend: {
		tag: 'message',
		attrs: { id: ID40, to: '15550002222:5@s.whatsapp.net', type: 'text',
			t: '1764000000', device_fanout: 'false' },
		content: [
			{ tag: 'enc', attrs: { v: '2', type: 'pkmsg', count: '2' }, content: bytes(24, 0xb1) },
			{ tag: 'device-identity', attrs: {}, content: keys.account },
		],
	},
	message_resend_own: {
		tag: 'message',
		attrs: { id: ID22, to: '15550001111:3@s.whatsapp.net', type: 'text',
			t: '1764000000', device_fanout: 'false', recipient: '15550002222@s.whatsapp.net' },
		content: [
			{ tag: 'enc', attrs: { v: '2', type: 'msg', count: '1' }, content: bytes(24, 0xb2) },
		],
	},
};

const hex = (b) => Buffer.from(b).toString('hex');
const json = {
	provenance: 'tests/interop/gen-stanza-fixtures.js: Baileys 7.0.0-rc14 encodeBinaryNode',
	inputs: {
		id22: ID22, id40: ID40, registration: 0x1234, t: '1764000000',
		identity: hex(keys.identity), prekey_id: keys.prekey_id, prekey: hex(keys.prekey),
		spk_id: keys.spk_id, spk: hex(keys.spk), spk_sig: hex(keys.spk_sig),
		account: hex(keys.account),
	},
	frames: Object.fromEntries(Object.entries(fixtures).map(([k, n]) => [k, hex(encodeBinaryNode(n))])),
};
writeFileSync(out, JSON.stringify(json, null, '\t') + '\n');
console.log(`wrote ${Object.keys(fixtures).length} frames to ${out}`);
