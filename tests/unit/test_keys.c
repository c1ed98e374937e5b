/*
 * test_keys: a new identity is internally consistent: public keys match
 * their private keys, the signed prekey's signature verifies over the
 * 0x05-prefixed key, ids are in range, and two identities differ.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>

#include "crypto/xeddsa.h"
#include "store/keys.h"

static void
test_generated_identity_is_consistent(void **state)
{
	struct creds *c = creds_new(), *d = creds_new();
	uint8_t pub[32], msg[33];

	(void)state;
	assert_int_equal(keys_generate(c), 0);
	crypto_scalarmult_base(pub, c->noise_priv);
	assert_memory_equal(pub, c->noise_pub, 32);
	crypto_scalarmult_base(pub, c->ident_priv);
	assert_memory_equal(pub, c->ident_pub, 32);
	assert_in_range(c->registration_id, 1, 16380);
	assert_int_equal(c->spk_id, 1);
	assert_int_equal(c->next_prekey_id, 1);
	assert_false(c->paired);
	msg[0] = 0x05;
	memcpy(msg + 1, c->spk_pub, 32);
	assert_true(xeddsa_verify(c->ident_pub, msg, 33, c->spk_sig));
	assert_false(xeddsa_verify(c->ident_pub, msg + 1, 32, c->spk_sig));
	assert_int_equal(keys_generate(d), 0);
	assert_memory_not_equal(c->ident_priv, d->ident_priv, 32);
	assert_memory_not_equal(c->adv_secret, d->adv_secret, 32);
	creds_free(c);
	creds_free(d);
}

/* The first upload's prekey batch: entries found by id, used (zeroed)
 * and out-of-range ids are not, a damaged blob is refused. */
static void
test_prekey_batch_finds_entries_by_id(void **state)
{
	uint8_t b[KEYS_PREKEY_BATCH_HDR + 3 * KEYS_PREKEY_ENTRY];

	(void)state;
	memset(b, 0xab, sizeof(b));
	keys_prekey_batch_header(b, 100, 3);
	assert_int_equal(keys_prekey_batch_find(b, sizeof(b), 100), KEYS_PREKEY_BATCH_HDR);
	assert_int_equal(keys_prekey_batch_find(b, sizeof(b), 102),
	    KEYS_PREKEY_BATCH_HDR + 2 * KEYS_PREKEY_ENTRY);
	assert_int_equal(keys_prekey_batch_find(b, sizeof(b), 99), -ENOENT);
	assert_int_equal(keys_prekey_batch_find(b, sizeof(b), 103), -ENOENT);
	memset(b + KEYS_PREKEY_BATCH_HDR + KEYS_PREKEY_ENTRY, 0, KEYS_PREKEY_ENTRY);
	assert_int_equal(keys_prekey_batch_find(b, sizeof(b), 101), -ENOENT);
	assert_int_equal(keys_prekey_batch_find(b, sizeof(b) - 1, 100), -EBADMSG);
	assert_int_equal(keys_prekey_batch_find(b, 5, 100), -EBADMSG);
	b[0] = 'X';
	assert_int_equal(keys_prekey_batch_find(b, sizeof(b), 100), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_identity_is_consistent),
		cmocka_unit_test(test_prekey_batch_finds_entries_by_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
