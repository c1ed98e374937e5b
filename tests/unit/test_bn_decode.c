/*
 * test_bn_decode: every wire form decodes to what Baileys' decode.js makes
 * of it, and every malformed input gives an error, never a crash or a
 * half-built node: truncation at each offset, bad tags, lists longer than
 * their bytes, depth past the bound, memory past the budget, bad zlib.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <zlib.h>

#include "binary/bn.h"

/* <zz qq=X/> with X the given string bytes: decodes and returns X's value. */
static struct bn_node *
decode_ok(const uint8_t *p, size_t len)
{
	struct bn_node *n = NULL;

	assert_int_equal(bn_decode(p, len, &n), 0);
	assert_non_null(n);
	return n;
}

static void
want_value(const uint8_t *val, size_t vlen, const char *want, size_t wlen)
{
	uint8_t buf[256] = { 0xf8, 0x03, 0xfc, 0x02, 'z', 'z', 0xfc, 0x02,
	    'q', 'q' };
	struct bn_node *n;
	const char *v;
	size_t got;

	memcpy(buf + 10, val, vlen);
	n = decode_ok(buf, 10 + vlen);
	assert_non_null(v = bn_node_attr_len(n, "qq", &got));
	assert_int_equal(got, wlen);
	assert_memory_equal(v, want, wlen);
	bn_node_free(n);
}

static void
want_error(const uint8_t *p, size_t len, int err)
{
	struct bn_node *n = NULL;

	assert_int_equal(bn_decode(p, len, &n), err);
	assert_null(n);
}

static void
test_bn_decode_reads_tokens(void **state)
{
	static const uint8_t single[] = { 0x04 }, dbl[] = { 0xec, 0x00 },
	    last[] = { 0xef, 0xff };

	(void)state;
	want_value(single, 1, "type", 4);
	want_value(dbl, 2, "read-self", 9);
	want_value(last, 2, "1961", 4);
}

static void
test_bn_decode_reads_list_empty_as_empty_string(void **state)
{
	static const uint8_t v[] = { 0x00 };

	(void)state;
	want_value(v, 1, "", 0);
}

static void
test_bn_decode_reads_binary_strings(void **state)
{
	static const uint8_t b8[] = { 0xfc, 0x02, 'h', 'i' };
	static const uint8_t b20[] = { 0xfd, 0xf0, 0x00, 0x02, 'h', 'i' };
	static const uint8_t b32[] = { 0xfe, 0x00, 0x00, 0x00, 0x02, 'h', 'i' };
	static const uint8_t nul[] = { 0xfc, 0x03, 'a', 0, 'b' };

	(void)state;
	want_value(b8, sizeof(b8), "hi", 2);
	want_value(b20, sizeof(b20), "hi", 2);	/* top nibble masked (§5) */
	want_value(b32, sizeof(b32), "hi", 2);
	want_value(nul, sizeof(nul), "a\0b", 3);
}

static void
test_bn_decode_unpacks_nibbles_and_hex(void **state)
{
	static const uint8_t odd[] = { 0xff, 0x83, 0x1b, 0x2a, 0x3f };
	static const uint8_t even[] = { 0xff, 0x02, 0x98, 0x76 };
	static const uint8_t hex[] = { 0xfb, 0x82, 0xab, 0x1f };
	static const uint8_t none[] = { 0xff, 0x80 };

	(void)state;
	want_value(odd, sizeof(odd), "1.2-3", 5);
	want_value(even, sizeof(even), "9876", 4);
	want_value(hex, sizeof(hex), "AB1", 3);
	want_value(none, sizeof(none), "", 0);
}

static void
test_bn_decode_rejects_invalid_nibble(void **state)
{
	static const uint8_t in[] = { 0xf8, 0x03, 0x04, 0x04, 0xff, 0x01, 0x1c };

	(void)state;
	want_error(in, sizeof(in), -EBADMSG);
}

static void
test_bn_decode_reads_jid_pair(void **state)
{
	static const uint8_t v[] = { 0xfa, 0xff, 0x82, 0x12, 0x3f, 0x03 };
	static const uint8_t empty_user[] = { 0xfa, 0x00, 0x03 };

	(void)state;
	want_value(v, sizeof(v), "123@s.whatsapp.net", 18);
	want_value(empty_user, sizeof(empty_user), "@s.whatsapp.net", 15);
}

static void
test_bn_decode_rejects_jid_pair_without_server(void **state)
{
	static const uint8_t in[] = { 0xf8, 0x03, 0x04, 0x04, 0xfa, 0x04, 0x00 };

	(void)state;
	want_error(in, sizeof(in), -EBADMSG);
}

static void
test_bn_decode_reads_ad_jid_domains(void **state)
{
	static const uint8_t pn[] = { 0xf7, 0x00, 0x07, 0xff, 0x82, 0x12, 0x3f };
	static const uint8_t lid[] = { 0xf7, 0x01, 0x07, 0xff, 0x82, 0x12, 0x3f };
	static const uint8_t h[] = { 0xf7, 0x80, 0x07, 0xff, 0x82, 0x12, 0x3f };
	static const uint8_t hl[] = { 0xf7, 0x81, 0x07, 0xff, 0x82, 0x12, 0x3f };
	static const uint8_t other[] = { 0xf7, 0x05, 0x07, 0xff, 0x82, 0x12, 0x3f };

	(void)state;
	want_value(pn, sizeof(pn), "123:7@s.whatsapp.net", 20);
	want_value(lid, sizeof(lid), "123:7@lid", 9);
	want_value(h, sizeof(h), "123:7@hosted", 12);
	want_value(hl, sizeof(hl), "123:7@hosted.lid", 16);
	want_value(other, sizeof(other), "123:7@s.whatsapp.net", 20);
}

static void
test_bn_decode_drops_ad_jid_device_zero(void **state)
{
	static const uint8_t v[] = { 0xf7, 0x01, 0x00, 0xff, 0x82, 0x12, 0x3f };

	(void)state;
	want_value(v, sizeof(v), "123@lid", 7);
}

static void
test_bn_decode_reads_fb_jid(void **state)
{
	static const uint8_t v[] = { 0xf6, 0xff, 0x82, 0x12, 0x3f, 0x01, 0x2c,
	    0xfc, 0x01, 'x' };

	(void)state;
	want_value(v, sizeof(v), "123:300@x", 9);
}

static void
test_bn_decode_reads_interop_jid_with_server(void **state)
{
	static const uint8_t v[] = { 0xf5, 0xff, 0x82, 0x12, 0x3f, 0x00, 0x03,
	    0x00, 0x07, 0xfc, 0x01, 'x' };

	(void)state;
	want_value(v, sizeof(v), "7-123:3@x", 9);
}

static void
test_bn_decode_reads_interop_jid_without_server(void **state)
{
	static const uint8_t v[] = { 0xf5, 0xff, 0x82, 0x12, 0x3f, 0x00, 0x03,
	    0x00, 0x07 };

	(void)state;
	want_value(v, sizeof(v), "7-123:3@interop", 15);
}

static void
test_bn_decode_keeps_content_kinds(void **state)
{
	static const uint8_t bytes[] = { 0xf8, 0x02, 0x04, 0xfc, 0x01, 'x' };
	static const uint8_t str[] = { 0xf8, 0x02, 0x04, 0x04 };
	static const uint8_t list[] = { 0xf8, 0x02, 0x04, 0x00 };
	static const uint8_t none[] = { 0xf8, 0x01, 0x04 };
	struct bn_node *n;
	size_t len;

	(void)state;
	n = decode_ok(bytes, sizeof(bytes));
	assert_int_equal(bn_node_content(n), BN_CONTENT_BYTES);
	assert_memory_equal(bn_node_peek_bytes(n, &len), "x", 1);
	bn_node_free(n);
	n = decode_ok(str, sizeof(str));
	assert_int_equal(bn_node_content(n), BN_CONTENT_STRING);
	assert_memory_equal(bn_node_peek_bytes(n, &len), "type", 4);
	bn_node_free(n);
	n = decode_ok(list, sizeof(list));
	assert_int_equal(bn_node_content(n), BN_CONTENT_LIST);
	assert_int_equal(bn_node_child_count(n), 0);
	bn_node_free(n);
	n = decode_ok(none, sizeof(none));
	assert_int_equal(bn_node_content(n), BN_CONTENT_NONE);
	bn_node_free(n);
}

static void
test_bn_decode_reads_list16_children(void **state)
{
	uint8_t *in = malloc(6 + 256 * 3);
	struct bn_node *n;
	size_t i;

	(void)state;
	memcpy(in, (const uint8_t[]){ 0xf8, 0x02, 0x04, 0xf9, 0x01, 0x00 }, 6);
	for (i = 0; i < 256; i++)
		memcpy(in + 6 + 3 * i, (const uint8_t[]){ 0xf8, 0x01, 0x05 }, 3);
	n = decode_ok(in, 6 + 256 * 3);
	assert_int_equal(bn_node_child_count(n), 256);
	assert_true(bn_node_tag_is(bn_node_peek_child(n, 255), "participant"));
	bn_node_free(n);
	free(in);
}

/* A node with n bytes of content survives encode then decode. */
static void
roundtrip_bytes(size_t n, uint8_t first_tag)
{
	struct bn_node *a = bn_node_new("zz"), *b = NULL;
	uint8_t *data = malloc(n + 1), *out;
	size_t len, i;

	for (i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(bn_node_set_bytes(a, data, n), 0);
	assert_int_equal(bn_encode(a, 0, &out, &len), 0);
	assert_int_equal(out[6], first_tag);
	assert_int_equal(bn_decode(out, len, &b), 0);
	assert_true(bn_node_equal(a, b));
	assert_int_equal(bn_node_content(b), BN_CONTENT_BYTES);
	free(out);
	free(data);
	bn_node_free(a);
	bn_node_free(b);
}

static void
test_bn_decode_binary_length_boundaries(void **state)
{
	(void)state;
	roundtrip_bytes(0, 0xfc);
	roundtrip_bytes(255, 0xfc);
	roundtrip_bytes(256, 0xfd);
	roundtrip_bytes((1u << 20) - 1, 0xfd);
	roundtrip_bytes(1u << 20, 0xfe);
}

static void
roundtrip_kids(size_t n, uint8_t list_tag)
{
	struct bn_node *a = bn_node_new("zz"), *b = NULL;
	uint8_t *out;
	size_t len, i;

	bn_node_set_list(a);
	for (i = 0; i < n; i++)
		assert_int_equal(bn_node_add_child(a, bn_node_new("item")), 0);
	assert_int_equal(bn_encode(a, 0, &out, &len), 0);
	assert_int_equal(out[6], list_tag);
	assert_int_equal(bn_decode(out, len, &b), 0);
	assert_true(bn_node_equal(a, b));
	assert_int_equal(bn_node_child_count(b), n);
	free(out);
	bn_node_free(a);
	bn_node_free(b);
}

static void
test_bn_decode_list_size_boundaries(void **state)
{
	(void)state;
	roundtrip_kids(0, 0x00);
	roundtrip_kids(255, 0xf8);
	roundtrip_kids(256, 0xf9);
	roundtrip_kids(BN_CHILDREN_MAX, 0xf9);
}

static void
test_bn_decode_attribute_count_boundaries(void **state)
{
	struct bn_node *a = bn_node_new("zz"), *b = NULL;
	uint8_t *out;
	size_t len, i;
	char k[16];

	(void)state;
	for (i = 0; i < BN_ATTRS_MAX; i++) {
		snprintf(k, sizeof(k), "k%zu", i);
		assert_int_equal(bn_node_set_attr(a, k, "v"), 0);
	}
	assert_int_equal(bn_encode(a, 0, &out, &len), 0);	/* size 65535 */
	assert_int_equal(bn_decode(out, len, &b), 0);
	assert_true(bn_node_equal(a, b));
	free(out);
	bn_node_free(b);
	assert_int_equal(bn_node_set_string(a, "x", 1), 0);	/* size 65536 */
	out = NULL;
	assert_int_equal(bn_encode(a, 0, &out, &len), -EMSGSIZE);
	assert_null(out);
	bn_node_free(a);
}

static void
test_bn_decode_rejects_empty_input(void **state)
{
	(void)state;
	want_error((const uint8_t *)"", 0, -EBADMSG);
}

static void
test_bn_decode_rejects_list_size_zero(void **state)
{
	static const uint8_t empty[] = { 0x00 }, l8[] = { 0xf8, 0x00 };

	(void)state;
	want_error(empty, sizeof(empty), -EBADMSG);
	want_error(l8, sizeof(l8), -EBADMSG);
}

static void
test_bn_decode_rejects_empty_tag(void **state)
{
	static const uint8_t le[] = { 0xf8, 0x01, 0x00 };
	static const uint8_t b8[] = { 0xf8, 0x01, 0xfc, 0x00 };

	(void)state;
	want_error(le, sizeof(le), -EBADMSG);
	want_error(b8, sizeof(b8), -EBADMSG);
}

static void
test_bn_decode_rejects_non_list_header(void **state)
{
	static const uint8_t in[] = { 0x04, 0x01, 0x04 };

	(void)state;
	want_error(in, sizeof(in), -EBADMSG);
}

static void
test_bn_decode_rejects_unassigned_string_tags(void **state)
{
	uint8_t in[] = { 0xf8, 0x01, 0x00 };
	unsigned int t;

	(void)state;
	for (t = 240; t <= 244; t++) {
		in[2] = (uint8_t)t;
		want_error(in, sizeof(in), -EBADMSG);
	}
	in[2] = 0xf8;	/* a list where a string belongs */
	want_error(in, sizeof(in), -EBADMSG);
}

static void
test_bn_decode_rejects_trailing_bytes(void **state)
{
	static const uint8_t in[] = { 0xf8, 0x01, 0x04, 0x00 };

	(void)state;
	want_error(in, sizeof(in), -EBADMSG);
}

static void
test_bn_decode_rejects_list_longer_than_input(void **state)
{
	static const uint8_t kids[] = { 0xf8, 0x02, 0x04, 0xf9, 0xff, 0xff,
	    0xf8, 0x01, 0x04 };
	static const uint8_t attrs[] = { 0xf9, 0xff, 0xff, 0x04, 0x04, 0x04 };

	(void)state;
	want_error(kids, sizeof(kids), -EBADMSG);
	want_error(attrs, sizeof(attrs), -EBADMSG);
}

static void
test_bn_decode_rejects_binary_longer_than_input(void **state)
{
	static const uint8_t b32[] = { 0xf8, 0x02, 0x04, 0xfe, 0xff, 0xff,
	    0xff, 0xff, 'x' };
	static const uint8_t b8[] = { 0xf8, 0x02, 0x04, 0xfc, 0x02, 'x' };

	(void)state;
	want_error(b32, sizeof(b32), -EBADMSG);
	want_error(b8, sizeof(b8), -EBADMSG);
}

static void
test_bn_decode_rejects_input_over_frame_max(void **state)
{
	uint8_t *big = calloc(1, (size_t)BN_FRAME_MAX + 1);

	(void)state;
	assert_non_null(big);
	want_error(big, (size_t)BN_FRAME_MAX + 1, -EMSGSIZE);
	free(big);
}

/* A frame with every form: cutting it anywhere must fail cleanly. */
static const uint8_t every_form[] = {
	0xf8, 0x0c, 0x19,					/* iq, 5 attrs, kids */
	0x04, 0xec, 0x00,					/* type=read-self */
	0xfc, 0x02, 'q', 'q', 0xff, 0x83, 0x1b, 0x2a, 0x3f,	/* nibble */
	0xfc, 0x02, 'h', 'h', 0xfb, 0x82, 0xab, 0x1f,		/* hex */
	0xfc, 0x02, 'j', 'j', 0xfa, 0x00, 0x03,			/* jid pair */
	0xfc, 0x02, 'a', 'a', 0xf7, 0x01, 0x07, 0xff, 0x81, 0x1f,	/* ad */
	0xf8, 0x03,						/* 3 kids */
	0xf8, 0x03, 0x05, 0x04, 0xf6, 0xfc, 0x01, 'u', 0x00, 0x01,
	    0xfc, 0x01, 's',					/* fb jid */
	0xf8, 0x02, 0x05, 0xfd, 0x00, 0x00, 0x03, 'a', 'b', 'c',	/* bytes */
	0xf8, 0x02, 0x05, 0xf9, 0x00, 0x01, 0xf8, 0x01, 0x04,	/* list16 */
};

static void
test_bn_decode_every_form_frame_decodes(void **state)
{
	struct bn_node *n;

	(void)state;
	n = decode_ok(every_form, sizeof(every_form));
	assert_string_equal(bn_node_attr(n, "qq"), "1.2-3");
	assert_string_equal(bn_node_attr(n, "hh"), "AB1");
	assert_string_equal(bn_node_attr(n, "jj"), "@s.whatsapp.net");
	assert_string_equal(bn_node_attr(n, "aa"), "1:7@lid");
	assert_string_equal(bn_node_attr(bn_node_peek_child(n, 0), "type"),
	    "u:1@s");
	bn_node_free(n);
}

static void
test_bn_decode_rejects_truncation_at_every_offset(void **state)
{
	uint8_t *cut;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(every_form); i++) {
		cut = malloc(i + 1);	/* exact size: ASan sees any over-read */
		memcpy(cut, every_form, i);
		want_error(cut, i, -EBADMSG);
		free(cut);
	}
}

/* depth nested nodes: F8 02 04 F8 01 (F8 02 04 F8 01 ... F8 01 04). */
static uint8_t *
nested(int depth, size_t *len)
{
	uint8_t *p = malloc(5 * (size_t)depth + 3), *o = p;
	int i;

	for (i = 1; i < depth; i++) {
		memcpy(o, (const uint8_t[]){ 0xf8, 0x02, 0x04, 0xf8, 0x01 }, 5);
		o += 5;
	}
	memcpy(o, (const uint8_t[]){ 0xf8, 0x01, 0x04 }, 3);
	*len = (size_t)(o - p) + 3;
	return p;
}

static void
test_bn_decode_accepts_depth_max(void **state)
{
	size_t len;
	uint8_t *p = nested(BN_DEPTH_MAX, &len);

	(void)state;
	bn_node_free(decode_ok(p, len));
	free(p);
}

static void
test_bn_decode_rejects_depth_max_plus_one(void **state)
{
	size_t len;
	uint8_t *p = nested(BN_DEPTH_MAX + 1, &len);

	(void)state;
	want_error(p, len, -ELOOP);
	free(p);
}

/* <iq qq=JID_PAIR(JID_PAIR(... 0x04 ...), 0x03)> nested depth deep. */
static void
jid_nest(int depth, int err)
{
	size_t len = 5 + 2 * (size_t)depth + 1, i;
	uint8_t *p = malloc(len);
	struct bn_node *n = NULL;

	memcpy(p, (const uint8_t[]){ 0xf8, 0x03, 0x19, 0x04, 0x00 }, 4);
	for (i = 0; i < (size_t)depth; i++)
		p[4 + i] = 0xfa;
	p[4 + depth] = 0x04;
	for (i = 0; i < (size_t)depth; i++)
		p[5 + depth + i] = 0x03;
	len = 5 + 2 * (size_t)depth;
	assert_int_equal(bn_decode(p, len, &n), err);
	bn_node_free(n);
	free(p);
}

static void
test_bn_decode_bounds_jid_nesting(void **state)
{
	(void)state;
	jid_nest(BN_DEPTH_MAX, 0);
	jid_nest(BN_DEPTH_MAX + 1, -ELOOP);
}

/*
 * Nodes with one attribute each whose value is a JID of two double-byte
 * tokens: 9 input bytes become a node, an attribute array and a joined
 * string, some 200 bytes. A frame near BN_FRAME_MAX of them must stop at
 * the memory budget, not allocate 20 times its size.
 */
static void
test_bn_decode_rejects_frame_past_memory_budget(void **state)
{
	static const uint8_t kid[] = { 0xf8, 0x03, 0x04, 0x04, 0xfa, 0xed,
	    0x00, 0xed, 0x01 };
	size_t per = 6 + 60000 * sizeof(kid), nouter = BN_FRAME_MAX / per, i, j;
	uint8_t *p = malloc(6 + nouter * per), *o = p;

	(void)state;
	assert_non_null(p);
	memcpy(o, (const uint8_t[]){ 0xf8, 0x02, 0x04, 0xf9 }, 4);
	o[4] = (uint8_t)(nouter >> 8);
	o[5] = (uint8_t)nouter;
	o += 6;
	for (i = 0; i < nouter; i++) {
		memcpy(o, (const uint8_t[]){ 0xf8, 0x02, 0x04, 0xf9, 0xea, 0x60 }, 6);
		o += 6;
		for (j = 0; j < 60000; j++, o += sizeof(kid))
			memcpy(o, kid, sizeof(kid));
	}
	want_error(p, (size_t)(o - p), -EMSGSIZE);
	free(p);
}

static uint8_t *
frame_compressed(const uint8_t *node, size_t len, size_t *flen)
{
	uLongf clen = compressBound(len);
	uint8_t *f = malloc(1 + clen);

	assert_int_equal(compress(f + 1, &clen, node, len), Z_OK);
	f[0] = BN_FLAG_COMPRESSED;
	*flen = 1 + clen;
	return f;
}

static void
test_bn_decode_frame_reads_plain_frame(void **state)
{
	uint8_t f[1 + sizeof(every_form)];
	struct bn_node *n = NULL;

	(void)state;
	f[0] = 0;
	memcpy(f + 1, every_form, sizeof(every_form));
	assert_int_equal(bn_decode_frame(f, sizeof(f), &n), 0);
	assert_true(bn_node_tag_is(n, "iq"));
	bn_node_free(n);
}

static void
test_bn_decode_frame_inflates_compressed_frame(void **state)
{
	struct bn_node *n = NULL, *plain;
	size_t flen;
	uint8_t *f = frame_compressed(every_form, sizeof(every_form), &flen);

	(void)state;
	assert_int_equal(bn_decode_frame(f, flen, &n), 0);
	plain = decode_ok(every_form, sizeof(every_form));
	assert_true(bn_node_equal(n, plain));
	bn_node_free(plain);
	bn_node_free(n);
	free(f);
}

static void
test_bn_decode_frame_rejects_empty_frame(void **state)
{
	struct bn_node *n = NULL;

	(void)state;
	assert_int_equal(bn_decode_frame((const uint8_t *)"", 0, &n), -EBADMSG);
	assert_null(n);
}

static void
test_bn_decode_frame_rejects_corrupt_zlib(void **state)
{
	static const uint8_t f[] = { 0x02, 0x78, 0x9c, 0xff, 0xff, 0xff };
	struct bn_node *n = NULL;

	(void)state;
	assert_int_equal(bn_decode_frame(f, sizeof(f), &n), -EBADMSG);
	assert_null(n);
}

static void
test_bn_decode_frame_rejects_truncated_zlib_at_every_offset(void **state)
{
	struct bn_node *n = NULL;
	size_t flen, i;
	uint8_t *f = frame_compressed(every_form, sizeof(every_form), &flen);

	(void)state;
	for (i = 1; i < flen; i++) {
		assert_int_equal(bn_decode_frame(f, i, &n), -EBADMSG);
		assert_null(n);
	}
	free(f);
}

static void
test_bn_decode_frame_rejects_bytes_after_zlib_stream(void **state)
{
	struct bn_node *n = NULL;
	size_t flen;
	uint8_t *f = frame_compressed(every_form, sizeof(every_form), &flen);

	(void)state;
	f = realloc(f, flen + 1);
	f[flen] = 0;
	assert_int_equal(bn_decode_frame(f, flen + 1, &n), -EBADMSG);
	assert_null(n);
	free(f);
}

static void
test_bn_decode_frame_stops_inflating_at_frame_max(void **state)
{
	size_t big = (size_t)BN_FRAME_MAX + 1, flen;
	uint8_t *zeros = calloc(1, big), *f;
	struct bn_node *n = NULL;

	(void)state;
	f = frame_compressed(zeros, big, &flen);	/* a "zip bomb" */
	assert_int_equal(bn_decode_frame(f, flen, &n), -EMSGSIZE);
	assert_null(n);
	free(f);
	free(zeros);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bn_decode_reads_tokens),
		cmocka_unit_test(test_bn_decode_reads_list_empty_as_empty_string),
		cmocka_unit_test(test_bn_decode_reads_binary_strings),
		cmocka_unit_test(test_bn_decode_unpacks_nibbles_and_hex),
		cmocka_unit_test(test_bn_decode_rejects_invalid_nibble),
		cmocka_unit_test(test_bn_decode_reads_jid_pair),
		cmocka_unit_test(test_bn_decode_rejects_jid_pair_without_server),
		cmocka_unit_test(test_bn_decode_reads_ad_jid_domains),
		cmocka_unit_test(test_bn_decode_drops_ad_jid_device_zero),
		cmocka_unit_test(test_bn_decode_reads_fb_jid),
		cmocka_unit_test(test_bn_decode_reads_interop_jid_with_server),
		cmocka_unit_test(test_bn_decode_reads_interop_jid_without_server),
		cmocka_unit_test(test_bn_decode_keeps_content_kinds),
		cmocka_unit_test(test_bn_decode_reads_list16_children),
		cmocka_unit_test(test_bn_decode_binary_length_boundaries),
		cmocka_unit_test(test_bn_decode_list_size_boundaries),
		cmocka_unit_test(test_bn_decode_attribute_count_boundaries),
		cmocka_unit_test(test_bn_decode_rejects_empty_input),
		cmocka_unit_test(test_bn_decode_rejects_list_size_zero),
		cmocka_unit_test(test_bn_decode_rejects_empty_tag),
		cmocka_unit_test(test_bn_decode_rejects_non_list_header),
		cmocka_unit_test(test_bn_decode_rejects_unassigned_string_tags),
		cmocka_unit_test(test_bn_decode_rejects_trailing_bytes),
		cmocka_unit_test(test_bn_decode_rejects_list_longer_than_input),
		cmocka_unit_test(test_bn_decode_rejects_binary_longer_than_input),
		cmocka_unit_test(test_bn_decode_rejects_input_over_frame_max),
		cmocka_unit_test(test_bn_decode_every_form_frame_decodes),
		cmocka_unit_test(test_bn_decode_rejects_truncation_at_every_offset),
		cmocka_unit_test(test_bn_decode_accepts_depth_max),
		cmocka_unit_test(test_bn_decode_rejects_depth_max_plus_one),
		cmocka_unit_test(test_bn_decode_bounds_jid_nesting),
		cmocka_unit_test(test_bn_decode_rejects_frame_past_memory_budget),
		cmocka_unit_test(test_bn_decode_frame_reads_plain_frame),
		cmocka_unit_test(test_bn_decode_frame_inflates_compressed_frame),
		cmocka_unit_test(test_bn_decode_frame_rejects_empty_frame),
		cmocka_unit_test(test_bn_decode_frame_rejects_corrupt_zlib),
		cmocka_unit_test(test_bn_decode_frame_rejects_truncated_zlib_at_every_offset),
		cmocka_unit_test(test_bn_decode_frame_rejects_bytes_after_zlib_stream),
		cmocka_unit_test(test_bn_decode_frame_stops_inflating_at_frame_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
