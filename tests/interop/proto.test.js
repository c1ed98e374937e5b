// Our minimal proto/whatsapp.proto must agree with WhatsApp's own schema
// as Baileys ships it (node_modules/baileys/WAProto/WAProto.proto): every
// message and field we declare exists there under the same path, with the
// same number and a wire-compatible type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ours = protobuf.loadSync(path.resolve(here, '..', '..', 'proto', 'whatsapp.proto'));
const theirs = protobuf.loadSync(path.join(path.dirname(require.resolve('baileys/package.json')),
    'WAProto', 'WAProto.proto'));

// Scalar types that share a wire encoding (varint): an enum may stand for int32.
const VARINT = new Set(['int32', 'int64', 'uint32', 'uint64', 'bool', 'enum']);

function kind(field) {
	field.resolve();
	if (field.resolvedType instanceof protobuf.Enum)
		return 'enum';
	if (field.resolvedType instanceof protobuf.Type)
		return 'message';
	return field.type;
}

function messages(ns, out = []) {
	for (const n of ns.nestedArray || []) {
		if (n instanceof protobuf.Type)
			out.push(n);
		if (n.nestedArray)
			messages(n, out);
	}
	return out;
}

// WhatsApp keeps MessageContextInfo at top level; we nest it under Message.
const MOVED = { 'Message.MessageContextInfo': 'MessageContextInfo' };

test('every field of proto/whatsapp.proto matches WAProto.proto', () => {
	let checked = 0;
	for (const m of messages(ours.lookup('wa'))) {
		const rel = m.fullName.replace(/^\.wa\./, '');
		const them = theirs.lookupType('proto.' + (MOVED[rel] || rel));
		for (const f of m.fieldsArray) {
			const t = them.fields[f.name];
			assert.ok(t, `${rel}.${f.name} exists in WAProto`);
			assert.equal(t.id, f.id, `${rel}.${f.name} number`);
			const a = kind(f), b = kind(t);
			assert.ok(a === b || (VARINT.has(a) && VARINT.has(b)),
			    `${rel}.${f.name}: ours ${a}, WhatsApp's ${b}`);
			assert.equal(f.repeated, t.repeated, `${rel}.${f.name} repeated`);
			checked++;
		}
	}
	assert.ok(checked >= 80, `${checked} fields checked`);
});

test('every enum value we name has WhatsApp\'s number', () => {
	const walk = (ns) => (ns.nestedArray || []).flatMap((n) =>
	    [...(n instanceof protobuf.Enum ? [n] : []), ...(n.nestedArray ? walk(n) : [])]);
	for (const e of walk(ours.lookup('wa'))) {
		const rel = e.fullName.replace(/^\.wa\./, '');
		const them = theirs.lookupEnum('proto.' + rel);
		for (const [name, num] of Object.entries(e.values))
			assert.equal(them.values[name], num, `${rel}.${name}`);
	}
});
