/*
 * test_bn_encode: every string form and list form the encoder writes, with
 * the exact bytes protocol-notes §5 and Baileys' encode.js give, at each
 * length boundary, and its ceilings.
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

#include "binary/bn.h"
#include "binary/bn_tokens.h"

/* Encodes n and checks the bytes; frees n. */
static void
want_bytes(struct bn_node *n, const uint8_t *want, size_t wlen)
{
	uint8_t *out;
	size_t len;

	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(len, wlen);
	assert_memory_equal(out, want, wlen);
	free(out);
	bn_node_free(n);
}

/* <zz qq=value/>: F8 03, "zz" raw, "qq" raw, then the value. */
static void
want_value(const char *value, const uint8_t *want, size_t wlen)
{
	static const uint8_t head[] = { 0xf8, 0x03, 0xfc, 0x02, 'z', 'z',
	    0xfc, 0x02, 'q', 'q' };
	uint8_t buf[64];
	struct bn_node *n = bn_node_new("zz");

	assert_non_null(n);
	assert_int_equal(bn_node_set_attr(n, "qq", value), 0);
	memcpy(buf, head, sizeof(head));
	memcpy(buf + sizeof(head), want, wlen);
	want_bytes(n, buf, sizeof(head) + wlen);
}

static void
test_bn_encode_writes_bare_node_as_list_of_one(void **state)
{
	static const uint8_t want[] = { 0xf8, 0x01, 0xfc, 0x02, 'z', 'z' };

	(void)state;
	want_bytes(bn_node_new("zz"), want, sizeof(want));
}

static void
test_bn_encode_writes_single_byte_token(void **state)
{
	static const uint8_t want[] = { 0x04 };	/* "type" */

	(void)state;
	want_value("type", want, sizeof(want));
}

static void
test_bn_encode_writes_double_byte_token(void **state)
{
	static const uint8_t want[] = { 0xec, 0x00 };	/* "read-self" */
	static const uint8_t want3[] = { 0xef, 0xff };	/* "1961" */

	(void)state;
	want_value("read-self", want, sizeof(want));
	want_value("1961", want3, sizeof(want3));
}

static void
test_bn_encode_writes_empty_string_as_binary8_zero(void **state)
{
	static const uint8_t want[] = { 0xfc, 0x00 };

	(void)state;
	want_value("", want, sizeof(want));
}

static void
test_bn_encode_packs_nibbles_odd_length(void **state)
{
	static const uint8_t want[] = { 0xff, 0x83, 0x1b, 0x2a, 0x3f };

	(void)state;
	want_value("1.2-3", want, sizeof(want));
}

static void
test_bn_encode_packs_nibbles_even_length(void **state)
{
	static const uint8_t want[] = { 0xff, 0x02, 0x98, 0x76 };

	(void)state;
	want_value("9876", want, sizeof(want));
}

static void
test_bn_encode_packs_upper_case_hex(void **state)
{
	static const uint8_t want[] = { 0xfb, 0x82, 0xab, 0x1f };

	(void)state;
	want_value("AB1", want, sizeof(want));
}

static void
test_bn_encode_writes_lower_case_hex_raw(void **state)
{
	static const uint8_t want[] = { 0xfc, 0x03, 'a', 'b', '1' };

	(void)state;
	want_value("ab1", want, sizeof(want));	/* pitfall 8 */
}

static void
test_bn_encode_packs_127_chars_and_not_128(void **state)
{
	char s[129];
	uint8_t *out;
	size_t len;
	struct bn_node *n;

	(void)state;
	memset(s, '7', 128);
	s[127] = '\0';
	assert_non_null(n = bn_node_new("zz"));
	assert_int_equal(bn_node_set_attr(n, "qq", s), 0);
	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(len, 10 + 2 + 64);
	assert_int_equal(out[10], 0xff);
	assert_int_equal(out[11], 0x80 | 64);
	free(out);
	s[127] = '7';
	s[128] = '\0';
	assert_int_equal(bn_node_set_attr(n, "qq", s), 0);
	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(len, 10 + 2 + 128);
	assert_int_equal(out[10], 0xfc);
	free(out);
	bn_node_free(n);
}

static void
test_bn_encode_writes_jid_pair(void **state)
{
	static const uint8_t want[] = { 0xfa, 0xff, 0x82, 0x12, 0x3f, 0x03 };

	(void)state;
	want_value("123@s.whatsapp.net", want, sizeof(want));
}

static void
test_bn_encode_writes_jid_pair_empty_user_as_list_empty(void **state)
{
	static const uint8_t want[] = { 0xfa, 0x00, 0x03 };

	(void)state;
	want_value("@s.whatsapp.net", want, sizeof(want));
}

static void
test_bn_encode_writes_device_zero_as_ad_jid(void **state)
{
	static const uint8_t want[] = { 0xf7, 0x00, 0x00, 0xff, 0x82, 0x12, 0x3f };

	(void)state;
	want_value("123:0@s.whatsapp.net", want, sizeof(want));	/* pitfall 7 */
}

static void
test_bn_encode_writes_ad_jid_domains(void **state)
{
	static const uint8_t lid[] = { 0xf7, 0x01, 0x07, 0xff, 0x82, 0x12, 0x3f };
	static const uint8_t hosted[] = { 0xf7, 0x80, 0x05, 0xff, 0x82, 0x12, 0x3f };
	static const uint8_t hlid[] = { 0xf7, 0x81, 0xff, 0xff, 0x82, 0x12, 0x3f };

	(void)state;
	want_value("123:7@lid", lid, sizeof(lid));
	want_value("123:5@hosted", hosted, sizeof(hosted));
	want_value("123:255@hosted.lid", hlid, sizeof(hlid));
}

static void
test_bn_encode_writes_agent_as_domain_byte(void **state)
{
	static const uint8_t want[] = { 0xf7, 0x01, 0x02, 0xff, 0x82, 0x12, 0x3f };

	(void)state;
	want_value("123_1:2@s.whatsapp.net", want, sizeof(want));
}

static void
test_bn_encode_writes_device_256_as_jid_pair(void **state)
{
	static const uint8_t want[] = { 0xfa, 0xfc, 0x05, '1', ':', '2', '5',
	    '6', 0x03 };

	(void)state;
	want_value("1:256@s.whatsapp.net", want, sizeof(want));	/* lossless */
}

static void
test_bn_encode_writes_fb_jid_for_msgr(void **state)
{
	uint8_t want[] = { 0xf6, 0xff, 0x82, 0x12, 0x3f, 0x01, 0x2c, 0, 0 };
	int t = bn_token_find("msgr", 4);
	size_t wl = sizeof(want) - 1;

	(void)state;
	assert_true(t >= 0);
	if (t >= 256) {
		want[7] = (uint8_t)(0xec + (t >> 8) - 1);
		want[8] = (uint8_t)t;
		wl++;
	} else
		want[7] = (uint8_t)t;
	want_value("123:300@msgr", want, wl);
}

static void
test_bn_encode_writes_interop_jid(void **state)
{
	static const uint8_t want[] = { 0xf5, 0xff, 0x82, 0x12, 0x3f, 0x00, 0x03,
	    0x00, 0x07, 0xfc, 0x07, 'i', 'n', 't', 'e', 'r', 'o', 'p' };

	(void)state;
	assert_int_equal(bn_token_find("interop", 7), -1);
	want_value("7-123:3@interop", want, sizeof(want));
}

static void
test_bn_encode_writes_odd_jids_raw(void **state)
{
	static const uint8_t empty_server[] = { 0xfc, 0x02, 'a', '@' };
	static const uint8_t two_at[] = { 0xfc, 0x05, 'a', '@', 'b', '@', 'c' };

	(void)state;
	want_value("a@", empty_server, sizeof(empty_server));
	want_value("a@b@c", two_at, sizeof(two_at));
}

/* Content of n bytes: header bytes then the payload. */
static void
want_binary_header(size_t n, const uint8_t *hdr, size_t hlen)
{
	struct bn_node *node = bn_node_new("zz");
	uint8_t *data = calloc(1, n + 1), *out;
	size_t len;

	assert_non_null(node);
	assert_non_null(data);
	assert_int_equal(bn_node_set_bytes(node, data, n), 0);
	assert_int_equal(bn_encode(node, 0, &out, &len), 0);
	assert_int_equal(len, 6 + hlen + n);
	assert_int_equal(out[1], 0x02);
	assert_memory_equal(out + 6, hdr, hlen);
	free(out);
	free(data);
	bn_node_free(node);
}

static void
test_bn_encode_binary8_up_to_255(void **state)
{
	static const uint8_t h0[] = { 0xfc, 0x00 }, h255[] = { 0xfc, 0xff };

	(void)state;
	want_binary_header(0, h0, sizeof(h0));
	want_binary_header(255, h255, sizeof(h255));
}

static void
test_bn_encode_binary20_from_256_to_2p20_minus_1(void **state)
{
	static const uint8_t h256[] = { 0xfd, 0x00, 0x01, 0x00 };
	static const uint8_t hmax[] = { 0xfd, 0x0f, 0xff, 0xff };

	(void)state;
	want_binary_header(256, h256, sizeof(h256));
	want_binary_header((1u << 20) - 1, hmax, sizeof(hmax));
}

static void
test_bn_encode_binary32_from_2p20(void **state)
{
	static const uint8_t h[] = { 0xfe, 0x00, 0x10, 0x00, 0x00 };

	(void)state;
	want_binary_header(1u << 20, h, sizeof(h));
}

static void
test_bn_encode_raw_string_boundaries(void **state)
{
	char *s = malloc(257);
	struct bn_node *n = bn_node_new("zz");
	uint8_t *out;
	size_t len;

	(void)state;
	assert_non_null(s);
	memset(s, 'x', 256);
	s[255] = '\0';
	assert_int_equal(bn_node_set_attr(n, "qq", s), 0);
	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(out[10], 0xfc);
	assert_int_equal(out[11], 0xff);
	free(out);
	s[255] = 'x';
	s[256] = '\0';
	assert_int_equal(bn_node_set_attr(n, "qq", s), 0);
	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(out[10], 0xfd);
	assert_int_equal(out[12], 0x01);
	free(out);
	free(s);
	bn_node_free(n);
}

static struct bn_node *
node_with_children(size_t count)
{
	struct bn_node *n = bn_node_new("zz"), *kid;
	size_t i;

	assert_non_null(n);
	assert_int_equal(bn_node_set_list(n), 0);
	for (i = 0; i < count; i++) {
		assert_non_null(kid = bn_node_new("item"));
		assert_int_equal(bn_node_add_child(n, kid), 0);
	}
	return n;
}

static void
test_bn_encode_list8_up_to_255_children(void **state)
{
	struct bn_node *n = node_with_children(255);
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(out[6], 0xf8);
	assert_int_equal(out[7], 0xff);
	free(out);
	bn_node_free(n);
}

static void
test_bn_encode_list16_from_256_children(void **state)
{
	struct bn_node *n = node_with_children(256);
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(out[6], 0xf9);
	assert_int_equal(out[7], 0x01);
	assert_int_equal(out[8], 0x00);
	free(out);
	bn_node_free(n);
}

static void
test_bn_encode_empty_child_list_is_list_empty(void **state)
{
	static const uint8_t want[] = { 0xf8, 0x02, 0xfc, 0x02, 'z', 'z', 0x00 };

	(void)state;
	want_bytes(node_with_children(0), want, sizeof(want));
}

static void
test_bn_encode_header_size_255_and_256(void **state)
{
	struct bn_node *n = bn_node_new("zz");
	char k[16];
	uint8_t *out;
	size_t len;
	int i;

	(void)state;
	for (i = 0; i < 127; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(bn_node_set_attr(n, k, "v"), 0);
	}
	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(out[0], 0xf8);
	assert_int_equal(out[1], 0xff);
	free(out);
	assert_int_equal(bn_node_set_string(n, "x", 1), 0);
	assert_int_equal(bn_encode(n, 0, &out, &len), 0);
	assert_int_equal(out[0], 0xf9);
	assert_int_equal(out[1], 0x01);
	assert_int_equal(out[2], 0x00);
	free(out);
	bn_node_free(n);
}

static void
test_bn_encode_string_content_uses_string_forms(void **state)
{
	static const uint8_t want[] = { 0xf8, 0x02, 0xfc, 0x02, 'z', 'z', 0x04 };
	struct bn_node *n = bn_node_new("zz");

	(void)state;
	assert_int_equal(bn_node_set_string(n, "type", 4), 0);
	want_bytes(n, want, sizeof(want));
}

static void
test_bn_encode_bytes_content_stays_raw(void **state)
{
	static const uint8_t want[] = { 0xf8, 0x02, 0xfc, 0x02, 'z', 'z', 0xfc,
	    0x04, 't', 'y', 'p', 'e' };
	struct bn_node *n = bn_node_new("zz");

	(void)state;
	assert_int_equal(bn_node_set_bytes(n, (const uint8_t *)"type", 4), 0);
	want_bytes(n, want, sizeof(want));
}

static void
test_bn_encode_frame_prepends_flags_byte(void **state)
{
	struct bn_node *n = bn_node_new("zz");
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(bn_encode_frame(n, 0, &out, &len), 0);
	assert_int_equal(len, 7);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[1], 0xf8);
	free(out);
	bn_node_free(n);
}

static void
test_bn_encode_rejects_output_over_ceiling(void **state)
{
	struct bn_node *n = bn_node_new("zz");
	uint8_t *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(bn_encode(n, 6, &out, &len), 0);
	free(out);
	out = NULL;
	assert_int_equal(bn_encode(n, 5, &out, &len), -EMSGSIZE);
	assert_null(out);
	assert_int_equal(bn_encode_frame(n, 6, &out, &len), -EMSGSIZE);
	bn_node_free(n);
}

static void
test_bn_encode_into_fills_exact_buffer_and_no_more(void **state)
{
	struct bn_node *n = bn_node_new("zz");
	uint8_t buf[6];
	size_t len = 0;

	(void)state;
	assert_int_equal(bn_encode_into(n, buf, 6, &len), 0);
	assert_int_equal(len, 6);
	assert_int_equal(bn_encode_into(n, buf, 5, &len), -EMSGSIZE);
	assert_int_equal(bn_encode_into(n, buf, 0, &len), -EMSGSIZE);
	bn_node_free(n);
}

static struct bn_node *
chain(int depth)
{
	struct bn_node *root = bn_node_new("a"), *cur = root, *kid;
	int i;

	for (i = 1; i < depth; i++) {
		assert_non_null(kid = bn_node_new("a"));
		assert_int_equal(bn_node_add_child(cur, kid), 0);
		cur = kid;
	}
	return root;
}

static void
test_bn_encode_depth_max_and_not_beyond(void **state)
{
	struct bn_node *ok = chain(BN_DEPTH_MAX), *deep = chain(BN_DEPTH_MAX + 1);
	uint8_t *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(bn_encode(ok, 0, &out, &len), 0);
	free(out);
	out = NULL;
	assert_int_equal(bn_encode(deep, 0, &out, &len), -ELOOP);
	assert_null(out);
	bn_node_free(ok);
	bn_node_free(deep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bn_encode_writes_bare_node_as_list_of_one),
		cmocka_unit_test(test_bn_encode_writes_single_byte_token),
		cmocka_unit_test(test_bn_encode_writes_double_byte_token),
		cmocka_unit_test(test_bn_encode_writes_empty_string_as_binary8_zero),
		cmocka_unit_test(test_bn_encode_packs_nibbles_odd_length),
		cmocka_unit_test(test_bn_encode_packs_nibbles_even_length),
		cmocka_unit_test(test_bn_encode_packs_upper_case_hex),
		cmocka_unit_test(test_bn_encode_writes_lower_case_hex_raw),
		cmocka_unit_test(test_bn_encode_packs_127_chars_and_not_128),
		cmocka_unit_test(test_bn_encode_writes_jid_pair),
		cmocka_unit_test(test_bn_encode_writes_jid_pair_empty_user_as_list_empty),
		cmocka_unit_test(test_bn_encode_writes_device_zero_as_ad_jid),
		cmocka_unit_test(test_bn_encode_writes_ad_jid_domains),
		cmocka_unit_test(test_bn_encode_writes_agent_as_domain_byte),
		cmocka_unit_test(test_bn_encode_writes_device_256_as_jid_pair),
		cmocka_unit_test(test_bn_encode_writes_fb_jid_for_msgr),
		cmocka_unit_test(test_bn_encode_writes_interop_jid),
		cmocka_unit_test(test_bn_encode_writes_odd_jids_raw),
		cmocka_unit_test(test_bn_encode_binary8_up_to_255),
		cmocka_unit_test(test_bn_encode_binary20_from_256_to_2p20_minus_1),
		cmocka_unit_test(test_bn_encode_binary32_from_2p20),
		cmocka_unit_test(test_bn_encode_raw_string_boundaries),
		cmocka_unit_test(test_bn_encode_list8_up_to_255_children),
		cmocka_unit_test(test_bn_encode_list16_from_256_children),
		cmocka_unit_test(test_bn_encode_empty_child_list_is_list_empty),
		cmocka_unit_test(test_bn_encode_header_size_255_and_256),
		cmocka_unit_test(test_bn_encode_string_content_uses_string_forms),
		cmocka_unit_test(test_bn_encode_bytes_content_stays_raw),
		cmocka_unit_test(test_bn_encode_frame_prepends_flags_byte),
		cmocka_unit_test(test_bn_encode_rejects_output_over_ceiling),
		cmocka_unit_test(test_bn_encode_into_fills_exact_buffer_and_no_more),
		cmocka_unit_test(test_bn_encode_depth_max_and_not_beyond),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
