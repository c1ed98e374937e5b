/*
 * test_bn_vectors: the plaintext frames in the team's vectors (made by
 * Baileys 7) decode to the stanzas they describe and re-encode byte for
 * byte after the flags byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "binary/bn.h"
#include "testvec.h"

/* Decodes the frame at path, checks the re-encoding, returns the node. */
static struct bn_node *
decode_vector(json_t *v, const char *path)
{
	struct bn_node *n = NULL;
	uint8_t *f, *out;
	size_t flen, len;

	f = testvec_hex(v, path, &flen);
	assert_int_equal(f[0], 0x00);
	assert_int_equal(bn_decode_frame(f, flen, &n), 0);
	assert_int_equal(bn_encode_frame(n, 0, &out, &len), 0);
	assert_int_equal(len, flen);
	assert_memory_equal(out, f, flen);
	free(out);
	free(f);
	return n;
}

static void
test_bn_vector_server_success_decodes_and_reencodes(void **state)
{
	json_t *v = testvec_load("wa-noise-handshake.json");
	struct bn_node *n = decode_vector(v, "transport.server_success_plaintext");

	(void)state;
	assert_true(bn_node_tag_is(n, "success"));
	assert_string_equal(bn_node_attr(n, "t"), "1764000000");
	assert_string_equal(bn_node_attr(n, "lid"), "123456789012345@lid");
	assert_string_equal(bn_node_attr(n, "location"), "frc");
	assert_int_equal(bn_node_content(n), BN_CONTENT_NONE);
	bn_node_free(n);
	json_decref(v);
}

static void
test_bn_vector_client_ping_decodes_and_reencodes(void **state)
{
	json_t *v = testvec_load("wa-noise-handshake.json");
	struct bn_node *n = decode_vector(v, "transport.client_ping_plaintext");

	(void)state;
	assert_true(bn_node_tag_is(n, "iq"));
	assert_string_equal(bn_node_attr(n, "xmlns"), "w:p");
	assert_string_equal(bn_node_attr(n, "type"), "get");
	assert_string_equal(bn_node_attr(n, "to"), "s.whatsapp.net");
	assert_non_null(bn_node_peek_child_by_tag(n, "ping"));
	bn_node_free(n);
	json_decref(v);
}

static void
test_bn_vector_pair_success_decodes_and_reencodes(void **state)
{
	json_t *v = testvec_load("wa-pair-success.json");
	struct bn_node *n = decode_vector(v, "stanza_plaintext"), *ps, *dev;
	uint8_t *hmac;
	const uint8_t *b;
	size_t hlen, len;

	(void)state;
	assert_true(bn_node_tag_is(n, "iq"));
	assert_string_equal(bn_node_attr(n, "from"), "s.whatsapp.net");
	assert_string_equal(bn_node_attr(n, "type"), "set");
	assert_string_equal(bn_node_attr(n, "id"), "1234567890");
	assert_non_null(ps = bn_node_peek_child_by_tag(n, "pair-success"));
	dev = bn_node_peek_child_by_tag(ps, "device");
	assert_non_null(dev);
	assert_string_equal(bn_node_attr(dev, "jid"),
	    testvec_str(v, "expect.me_jid"));
	assert_string_equal(bn_node_attr(dev, "lid"),
	    testvec_str(v, "expect.me_lid"));
	assert_string_equal(bn_node_attr(bn_node_peek_child_by_tag(ps,
	    "platform"), "name"), testvec_str(v, "expect.platform"));
	hmac = testvec_hex(v, "device_identity_hmac", &hlen);
	b = bn_node_peek_bytes(bn_node_peek_child_by_tag(ps, "device-identity"),
	    &len);
	assert_int_equal(len, hlen);
	assert_memory_equal(b, hmac, hlen);
	free(hmac);
	bn_node_free(n);
	json_decref(v);
}

static void
test_bn_vector_pair_reply_example_decodes_and_reencodes(void **state)
{
	json_t *v = testvec_load("wa-pair-success.json");
	struct bn_node *n = decode_vector(v, "expect.reply_example_plaintext");

	(void)state;
	assert_string_equal(bn_node_attr(n, "to"), "@s.whatsapp.net");
	assert_non_null(bn_node_peek_child_by_tag(n, "pair-device-sign"));
	bn_node_free(n);
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bn_vector_server_success_decodes_and_reencodes),
		cmocka_unit_test(test_bn_vector_client_ping_decodes_and_reencodes),
		cmocka_unit_test(test_bn_vector_pair_success_decodes_and_reencodes),
		cmocka_unit_test(test_bn_vector_pair_reply_example_decodes_and_reencodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
