/*
 * test_creds: the credentials file round-trips, is strict about what it
 * accepts, and sealing detects a wrong key or a flipped bit.
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
#include <sodium.h>

#include "store/creds.h"
#include "store/seal.h"

static struct creds *
sample(bool paired)
{
	struct creds *c = creds_new();

	assert_non_null(c);
	randombytes_buf(c->noise_priv, sizeof(c->noise_priv));
	randombytes_buf(c->noise_pub, sizeof(c->noise_pub));
	randombytes_buf(c->ident_priv, sizeof(c->ident_priv));
	randombytes_buf(c->ident_pub, sizeof(c->ident_pub));
	randombytes_buf(c->spk_priv, sizeof(c->spk_priv));
	randombytes_buf(c->spk_pub, sizeof(c->spk_pub));
	randombytes_buf(c->spk_sig, sizeof(c->spk_sig));
	randombytes_buf(c->adv_secret, sizeof(c->adv_secret));
	c->registration_id = 0x3fff;
	c->spk_id = 1;
	c->next_prekey_id = 813;
	c->uploaded_prekey_id = 812;
	if (paired) {
		c->paired = true;
		snprintf(c->me_jid, sizeof(c->me_jid), "15550001111:7@s.whatsapp.net");
		snprintf(c->me_lid, sizeof(c->me_lid), "123456789012345:7@lid");
		snprintf(c->platform, sizeof(c->platform), "android");
		snprintf(c->push_name, sizeof(c->push_name), "Shop \"Bot\" \\ 1");
		c->key_index = 3;
		c->account_len = 200;
		randombytes_buf(c->account, c->account_len);
		c->routing_len = 5;
		memcpy(c->routing, "\x08\x08\x08\x02\x00", 5);
	}
	return c;
}

static void
roundtrip(bool paired)
{
	struct creds *c = sample(paired), *d = creds_new();
	char *text;
	size_t len;

	assert_int_equal(creds_encode(c, &text, &len), 0);
	assert_int_equal(creds_decode((uint8_t *)text, len, d), 0);
	assert_memory_equal(c, d, sizeof(*c));
	creds_text_free(text, len);
	creds_free(c);
	creds_free(d);
}

static void
test_unpaired_creds_roundtrip(void **state)
{
	(void)state;
	roundtrip(false);
}

static void
test_paired_creds_roundtrip_with_escaped_name(void **state)
{
	(void)state;
	roundtrip(true);
}

static void
test_phone_is_the_jid_user(void **state)
{
	struct creds *c = sample(true);
	char phone[16];

	(void)state;
	creds_phone(c, phone);
	assert_string_equal(phone, "15550001111");
	c->paired = false;
	creds_phone(c, phone);
	assert_string_equal(phone, "");
	creds_free(c);
}

/* Every truncation of a valid file is refused and leaves *out untouched. */
static void
test_decode_refuses_every_truncation(void **state)
{
	struct creds *c = sample(true), *d = creds_new();
	char *text;
	size_t len, i;

	(void)state;
	assert_int_equal(creds_encode(c, &text, &len), 0);
	for (i = 0; i + 2 < len; i++) {	/* the last two bytes are "}\n" */
		assert_int_equal(creds_decode((uint8_t *)text, i, d), -EBADMSG);
		assert_false(d->paired);
	}
	creds_text_free(text, len);
	creds_free(c);
	creds_free(d);
}

static void
test_decode_refuses_wrong_sizes_and_ranges(void **state)
{
	static const char *bad[] = {
		"",
		"[]",
		"{\"format\":2}",
		/* 31-byte noise key */
		"{\"format\":1,\"noise\":{\"private\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}}",
		"{\"format\":1,\"format\":1}",
	};
	struct creds *d = creds_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(creds_decode((const uint8_t *)bad[i],
		    strlen(bad[i]), d), -EBADMSG);
	assert_int_equal(creds_decode((const uint8_t *)"{}", CREDS_FILE_MAX + 1, d),
	    -EFBIG);
	creds_free(d);
}

static void
test_decode_refuses_registration_id_over_14_bits(void **state)
{
	struct creds *c = sample(false), *d = creds_new();
	char *text, *p;
	size_t len;

	(void)state;
	assert_int_equal(creds_encode(c, &text, &len), 0);
	p = strstr(text, "\"registrationId\":16383");
	assert_non_null(p);
	memcpy(p + 17, "16384", 5);
	assert_int_equal(creds_decode((uint8_t *)text, len, d), -EBADMSG);
	creds_text_free(text, len);
	creds_free(c);
	creds_free(d);
}

static void
test_seal_roundtrip_and_tamper_detection(void **state)
{
	static const uint8_t keyfile[] = "correct horse battery staple\n";
	static const uint8_t other[] = "another key file with enough bytes";
	struct seal_key *k = sodium_malloc(sizeof(*k)), *k2 = sodium_malloc(sizeof(*k2));
	uint8_t in[100], sealed[100 + SEAL_OVERHEAD], out[100];
	size_t n, m;

	(void)state;
	randombytes_buf(in, sizeof(in));
	assert_int_equal(seal_key_from_bytes(keyfile, sizeof(keyfile) - 1, k), 0);
	assert_int_equal(seal_key_from_bytes(other, sizeof(other) - 1, k2), 0);
	assert_int_equal(seal_key_from_bytes(keyfile, 15, k2), -EINVAL);
	assert_int_equal(seal_encrypt(k, "ss-alice.0", in, sizeof(in), sealed, &n), 0);
	assert_int_equal(n, sizeof(sealed));
	assert_true(seal_is_sealed(sealed, n));
	assert_false(seal_is_sealed(in, sizeof(in)));
	assert_int_equal(seal_decrypt(k, "ss-alice.0", sealed, n, out, &m), 0);
	assert_int_equal(m, sizeof(in));
	assert_memory_equal(in, out, m);
	assert_int_equal(seal_decrypt(k2, "ss-alice.0", sealed, n, out, &m), -EKEYREJECTED);
	/* the same bytes under another name: a swapped file */
	assert_int_equal(seal_decrypt(k, "ss-bob.0", sealed, n, out, &m), -EKEYREJECTED);
	sealed[n - 1] ^= 1;
	assert_int_equal(seal_decrypt(k, "ss-alice.0", sealed, n, out, &m), -EKEYREJECTED);
	assert_int_equal(seal_decrypt(k, "ss-alice.0", sealed, SEAL_OVERHEAD - 1, out, &m), -EBADMSG);
	sodium_free(k);
	sodium_free(k2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpaired_creds_roundtrip),
		cmocka_unit_test(test_paired_creds_roundtrip_with_escaped_name),
		cmocka_unit_test(test_phone_is_the_jid_user),
		cmocka_unit_test(test_decode_refuses_every_truncation),
		cmocka_unit_test(test_decode_refuses_wrong_sizes_and_ranges),
		cmocka_unit_test(test_decode_refuses_registration_id_over_14_bits),
		cmocka_unit_test(test_seal_roundtrip_and_tamper_detection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
