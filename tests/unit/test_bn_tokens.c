/*
 * test_bn_tokens: the generated dictionary v3 tables are the published
 * ones (protocol-notes §5 hashes) and the encoder's lookup finds each token
 * under the code Baileys' TOKEN_MAP gives it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>

#include "binary/bn_tokens.h"

static void
hash_hex(crypto_hash_sha256_state *st, char out[65])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final(st, h);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static void
test_bn_tokens_single_table_matches_published_hash(void **state)
{
	crypto_hash_sha256_state st;
	char hex[65];
	int i;

	(void)state;
	crypto_hash_sha256_init(&st);
	for (i = 0; i < BN_TOKENS_SINGLE; i++) {
		if (i > 0)
			crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
		crypto_hash_sha256_update(&st, (const uint8_t *)bn_tokens_single[i],
		    strlen(bn_tokens_single[i]));
	}
	hash_hex(&st, hex);
	assert_string_equal(hex,
	    "1e8302d2aba0d8c40d09fd79fc9c70347350cb00926dd0e3565683b347be35a5");
	assert_string_equal(bn_tokens_single[0], "");
	assert_string_equal(bn_tokens_single[1], "xmlstreamstart");
	assert_string_equal(bn_tokens_single[235], "screen_height");
}

static void
test_bn_tokens_double_tables_match_published_hash(void **state)
{
	crypto_hash_sha256_state st;
	char hex[65];
	int d, i;

	(void)state;
	crypto_hash_sha256_init(&st);
	for (d = 0; d < BN_TOKENS_DICTS; d++) {
		if (d > 0)
			crypto_hash_sha256_update(&st, (const uint8_t *)"\n\n", 2);
		for (i = 0; i < 256; i++) {
			if (i > 0)
				crypto_hash_sha256_update(&st,
				    (const uint8_t *)"\n", 1);
			crypto_hash_sha256_update(&st,
			    (const uint8_t *)bn_tokens_double[d][i],
			    strlen(bn_tokens_double[d][i]));
		}
	}
	hash_hex(&st, hex);
	assert_string_equal(hex,
	    "4fb2683462fa3e79cb15b5a21a26a73df8eeef302ad69af80d1939f7b830b32b");
	assert_string_equal(bn_tokens_double[0][0], "read-self");
	assert_string_equal(bn_tokens_double[3][255], "1961");
}

static void
test_bn_tokens_lengths_match_strings(void **state)
{
	int d, i;

	(void)state;
	for (i = 0; i < BN_TOKENS_SINGLE; i++)
		assert_int_equal(bn_tokens_single_len[i], strlen(bn_tokens_single[i]));
	for (d = 0; d < BN_TOKENS_DICTS; d++)
		for (i = 0; i < 256; i++) {
			assert_int_equal(bn_tokens_double_len[d][i],
			    strlen(bn_tokens_double[d][i]));
			assert_true(bn_tokens_double_len[d][i] <= BN_TOKEN_LEN_MAX);
		}
}

static void
test_bn_token_find_finds_every_token(void **state)
{
	int d, i;

	(void)state;
	for (i = 1; i < BN_TOKENS_SINGLE; i++)
		assert_int_equal(bn_token_find(bn_tokens_single[i],
		    bn_tokens_single_len[i]), i);
	for (d = 0; d < BN_TOKENS_DICTS; d++)
		for (i = 0; i < 256; i++)
			assert_int_equal(bn_token_find(bn_tokens_double[d][i],
			    bn_tokens_double_len[d][i]), 256 * (d + 1) + i);
}

static void
test_bn_token_find_rejects_non_tokens(void **state)
{
	static const char long_str[BN_TOKEN_LEN_MAX + 2] = "x";

	(void)state;
	assert_int_equal(bn_token_find("", 0), -1);
	assert_int_equal(bn_token_find("typ", 3), -1);
	assert_int_equal(bn_token_find("types", 5), -1);
	assert_int_equal(bn_token_find("type", 4), 4);
	assert_int_equal(bn_token_find("TYPE", 4), -1);
	assert_int_equal(bn_token_find(long_str, sizeof(long_str) - 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bn_tokens_single_table_matches_published_hash),
		cmocka_unit_test(test_bn_tokens_double_tables_match_published_hash),
		cmocka_unit_test(test_bn_tokens_lengths_match_strings),
		cmocka_unit_test(test_bn_token_find_finds_every_token),
		cmocka_unit_test(test_bn_token_find_rejects_non_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
