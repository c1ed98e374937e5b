/*
 * test_bn_node: the node model (ownership, attribute rules, content kinds,
 * lookups, equality), the JID helpers and the log printer.
 */
#include "binary/bn.h"	/* first: the header compiles alone */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

static void
test_bn_node_new_rejects_empty_tag(void **state)
{
	(void)state;
	assert_null(bn_node_new(""));
	assert_null(bn_node_new(NULL));
	bn_node_free(NULL);	/* NULL-safe */
}

static void
test_bn_node_set_attr_replaces_existing_key(void **state)
{
	struct bn_node *n = bn_node_new("iq");
	const char *k;

	(void)state;
	assert_int_equal(bn_node_set_attr(n, "id", "1"), 0);
	assert_int_equal(bn_node_set_attr(n, "to", "s.whatsapp.net"), 0);
	assert_int_equal(bn_node_set_attr(n, "id", "2"), 0);
	assert_int_equal(bn_node_attr_count(n), 2);
	assert_string_equal(bn_node_attr(n, "id"), "2");
	assert_int_equal(bn_node_attr_at(n, 0, &k, NULL, NULL, NULL), 0);
	assert_string_equal(k, "id");
	assert_int_equal(bn_node_attr_at(n, 2, &k, NULL, NULL, NULL), -ENOENT);
	assert_null(bn_node_attr(n, "type"));
	bn_node_free(n);
}

static void
test_bn_node_attr_with_duplicates_returns_last(void **state)
{
	/* <iq id=1 id=2/> as a peer may send it; Baileys keeps the last */
	static const uint8_t in[] = { 0xf8, 0x05, 0x19, 0x08, 0xff, 0x81, 0x1f,
	    0x08, 0xff, 0x81, 0x2f };
	struct bn_node *n = NULL;

	(void)state;
	assert_int_equal(bn_decode(in, sizeof(in), &n), 0);
	assert_int_equal(bn_node_attr_count(n), 2);
	assert_string_equal(bn_node_attr(n, "id"), "2");
	bn_node_free(n);
}

static void
test_bn_node_decoded_node_takes_more_attrs(void **state)
{
	/* <iq id=1/>: the decoder sizes the attribute room to exactly one */
	static const uint8_t in[] = { 0xf8, 0x03, 0x19, 0x08, 0xff, 0x81, 0x1f };
	struct bn_node *n = NULL;
	char k[8];
	int i;

	(void)state;
	assert_int_equal(bn_decode(in, sizeof(in), &n), 0);
	for (i = 0; i < 9; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(bn_node_set_attr(n, k, k), 0);
	}
	assert_int_equal(bn_node_set_attr(n, "id", "2"), 0);
	assert_int_equal(bn_node_attr_count(n), 10);
	assert_string_equal(bn_node_attr(n, "id"), "2");
	assert_string_equal(bn_node_attr(n, "k8"), "k8");
	bn_node_free(n);
}

static void
test_bn_node_attr_len_keeps_embedded_nul(void **state)
{
	struct bn_node *n = bn_node_new("x");
	size_t len;

	(void)state;
	assert_int_equal(bn_node_set_attr_len(n, "k", 1, "a\0b", 3), 0);
	assert_memory_equal(bn_node_attr_len(n, "k", &len), "a\0b", 3);
	assert_int_equal(len, 3);
	bn_node_free(n);
}

static void
test_bn_node_content_switches_kinds(void **state)
{
	struct bn_node *n = bn_node_new("x"), *kid = bn_node_new("y");
	size_t len;

	(void)state;
	assert_int_equal(bn_node_content(n), BN_CONTENT_NONE);
	assert_null(bn_node_peek_bytes(n, &len));
	assert_int_equal(len, 0);
	assert_int_equal(bn_node_set_bytes(n, (const uint8_t *)"ab", 2), 0);
	assert_int_equal(bn_node_content(n), BN_CONTENT_BYTES);
	assert_int_equal(bn_node_add_child(n, kid), 0);	/* replaces bytes */
	assert_int_equal(bn_node_content(n), BN_CONTENT_LIST);
	assert_null(bn_node_peek_bytes(n, &len));
	assert_ptr_equal(bn_node_peek_child(n, 0), kid);
	assert_null(bn_node_peek_child(n, 1));
	assert_int_equal(bn_node_set_string(n, "s", 1), 0);	/* frees kid */
	assert_int_equal(bn_node_content(n), BN_CONTENT_STRING);
	assert_int_equal(bn_node_child_count(n), 0);
	bn_node_free(n);
}

static void
test_bn_node_add_child_rejects_self_and_null(void **state)
{
	struct bn_node *n = bn_node_new("x");

	(void)state;
	assert_int_equal(bn_node_add_child(n, n), -EINVAL);
	assert_int_equal(bn_node_add_child(n, NULL), -EINVAL);
	bn_node_free(n);
}

static void
test_bn_node_add_child_stops_at_children_max(void **state)
{
	struct bn_node *n = bn_node_new("x"), *kid;
	size_t i;

	(void)state;
	for (i = 0; i < BN_CHILDREN_MAX; i++)
		assert_int_equal(bn_node_add_child(n, bn_node_new("y")), 0);
	kid = bn_node_new("y");
	assert_int_equal(bn_node_add_child(n, kid), -EMSGSIZE);
	bn_node_free(kid);	/* not taken on failure */
	bn_node_free(n);
}

static void
test_bn_node_peek_child_by_tag_finds_first(void **state)
{
	struct bn_node *n = bn_node_new("x"), *a = bn_node_new("a"),
	    *b1 = bn_node_new("b"), *b2 = bn_node_new("b");

	(void)state;
	assert_null(bn_node_peek_child_by_tag(n, "b"));
	bn_node_add_child(n, a);
	bn_node_add_child(n, b1);
	bn_node_add_child(n, b2);
	assert_ptr_equal(bn_node_peek_child_by_tag(n, "b"), b1);
	assert_null(bn_node_peek_child_by_tag(n, "c"));
	bn_node_free(n);
}

static void
test_bn_node_equal_compares_structure(void **state)
{
	struct bn_node *a = bn_node_new("x"), *b = bn_node_new("x");

	(void)state;
	assert_true(bn_node_equal(a, b));
	bn_node_set_bytes(a, (const uint8_t *)"s", 1);
	assert_false(bn_node_equal(a, b));
	bn_node_set_string(b, "s", 1);
	assert_true(bn_node_equal(a, b));	/* the wire cannot tell */
	bn_node_set_list(a);
	assert_false(bn_node_equal(a, b));
	bn_node_set_list(b);
	assert_true(bn_node_equal(a, b));
	bn_node_set_attr(a, "k", "v");
	assert_false(bn_node_equal(a, b));
	bn_node_set_attr(b, "k", "w");
	assert_false(bn_node_equal(a, b));
	bn_node_free(a);
	bn_node_free(b);
}

static void
test_bn_jid_parse_splits_user_agent_device_server(void **state)
{
	const char *s = "123_1:7@s.whatsapp.net";
	struct bn_jid j;

	(void)state;
	assert_int_equal(bn_jid_parse(s, strlen(s), &j), 0);
	assert_int_equal(j.user_len, 3);
	assert_memory_equal(j.user, "123", 3);
	assert_int_equal(j.agent, 1);
	assert_int_equal(j.device, 7);
	assert_int_equal(j.server_len, 14);
	s = "123@g.us";
	assert_int_equal(bn_jid_parse(s, strlen(s), &j), 0);
	assert_int_equal(j.agent, -1);
	assert_int_equal(j.device, -1);
}

static void
test_bn_jid_parse_rejects_non_canonical(void **state)
{
	static const char *bad[] = { "123", "123@", "1:05@s", "1:@s",
	    "1:65536@s", "1:x@s" };
	struct bn_jid j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bn_jid_parse(bad[i], strlen(bad[i]), &j), -EINVAL);
}

static void
test_bn_jid_parse_keeps_non_numeric_agent_in_user(void **state)
{
	const char *s = "a_b:1@s";
	struct bn_jid j;

	(void)state;
	assert_int_equal(bn_jid_parse(s, strlen(s), &j), 0);
	assert_int_equal(j.user_len, 3);
	assert_int_equal(j.agent, -1);
}

static void
test_bn_jid_format_round_trips_and_bounds(void **state)
{
	const char *s = "123_1:65535@lid";
	struct bn_jid j;
	char buf[32];
	size_t len;

	(void)state;
	assert_int_equal(bn_jid_parse(s, strlen(s), &j), 0);
	assert_int_equal(bn_jid_format(&j, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, s);
	assert_int_equal(len, strlen(s));
	assert_int_equal(bn_jid_format(&j, buf, strlen(s) + 1, &len), 0);
	assert_int_equal(bn_jid_format(&j, buf, strlen(s), &len), -EMSGSIZE);
}

static void
test_bn_jid_domain_server_maps_domains(void **state)
{
	(void)state;
	assert_string_equal(bn_jid_domain_server(0), "s.whatsapp.net");
	assert_string_equal(bn_jid_domain_server(1), "lid");
	assert_string_equal(bn_jid_domain_server(128), "hosted");
	assert_string_equal(bn_jid_domain_server(129), "hosted.lid");
	assert_string_equal(bn_jid_domain_server(7), "s.whatsapp.net");
}

static struct bn_node *
sample(void)
{
	struct bn_node *n = bn_node_new("iq"), *k = bn_node_new("enc");
	uint8_t body[20];

	memset(body, 0xab, sizeof(body));
	bn_node_set_attr(n, "id", "1\"2");
	bn_node_set_bytes(k, body, sizeof(body));
	bn_node_add_child(n, k);
	bn_node_add_child(n, bn_node_new("ping"));
	return n;
}

static void
test_bn_print_renders_tags_attrs_and_byte_lengths(void **state)
{
	struct bn_node *n = sample();
	char buf[256];
	size_t need;

	(void)state;
	need = bn_print(n, 0, buf, sizeof(buf));
	assert_string_equal(buf,
	    "<iq id=\"1\\x222\"><enc><20 bytes></enc><ping/></iq>");
	assert_int_equal(need, strlen(buf));
	bn_print(n, BN_PRINT_HEX, buf, sizeof(buf));
	assert_string_equal(buf, "<iq id=\"1\\x222\"><enc><20 bytes "
	    "abababababababababababababababab...></enc><ping/></iq>");
	bn_node_free(n);
}

static void
test_bn_print_truncates_to_buffer(void **state)
{
	struct bn_node *n = sample();
	char buf[8];
	size_t need;

	(void)state;
	need = bn_print(n, 0, buf, sizeof(buf));
	assert_int_equal(need, 49);
	assert_string_equal(buf, "<iq id=");
	assert_int_equal(bn_print(n, 0, NULL, 0), need);
	bn_node_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bn_node_new_rejects_empty_tag),
		cmocka_unit_test(test_bn_node_set_attr_replaces_existing_key),
		cmocka_unit_test(test_bn_node_attr_with_duplicates_returns_last),
		cmocka_unit_test(test_bn_node_decoded_node_takes_more_attrs),
		cmocka_unit_test(test_bn_node_attr_len_keeps_embedded_nul),
		cmocka_unit_test(test_bn_node_content_switches_kinds),
		cmocka_unit_test(test_bn_node_add_child_rejects_self_and_null),
		cmocka_unit_test(test_bn_node_add_child_stops_at_children_max),
		cmocka_unit_test(test_bn_node_peek_child_by_tag_finds_first),
		cmocka_unit_test(test_bn_node_equal_compares_structure),
		cmocka_unit_test(test_bn_jid_parse_splits_user_agent_device_server),
		cmocka_unit_test(test_bn_jid_parse_rejects_non_canonical),
		cmocka_unit_test(test_bn_jid_parse_keeps_non_numeric_agent_in_user),
		cmocka_unit_test(test_bn_jid_format_round_trips_and_bounds),
		cmocka_unit_test(test_bn_jid_domain_server_maps_domains),
		cmocka_unit_test(test_bn_print_renders_tags_attrs_and_byte_lengths),
		cmocka_unit_test(test_bn_print_truncates_to_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
