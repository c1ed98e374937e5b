/*
 * test_noise_cipher: the CipherState (noise/noise.h) with both AES-GCM
 * backends: WhatsApp's nonce layout, the nonce ceiling, sticky failure.
 */
#include "noise/noise.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>

static const uint8_t key[NOISE_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const uint8_t msg[] = "attack at dawn, bring the binary nodes";

/* Runs fn once per backend; the second run forces OpenSSL. */
static void
each_backend(void (*fn)(void))
{
	noise_gcm_force_openssl(false);
	fn();
	noise_gcm_force_openssl(true);
	fn();
	noise_gcm_force_openssl(false);
}

static struct noise_cipher *
cipher(void)
{
	struct noise_cipher *cs = NULL;

	assert_int_equal(noise_cipher_new(&cs, key), 0);
	return cs;
}

static void
test_noise_backend_default_is_libsodium_with_aesni(void **state)
{
	struct noise_cipher *cs;

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	noise_gcm_force_openssl(false);
	cs = cipher();
	assert_string_equal(noise_cipher_backend_name(cs),
	    crypto_aead_aes256gcm_is_available() ? "libsodium" : "openssl");
	noise_cipher_free(cs);
	noise_gcm_force_openssl(true);
	cs = cipher();
	assert_string_equal(noise_cipher_backend_name(cs), "openssl");
	assert_string_equal(noise_gcm_backend_name(), "openssl");
	noise_cipher_free(cs);
	noise_gcm_force_openssl(false);
}

/* Nonce = 8 zero bytes + 32-bit BE counter (protocol-notes §2). */
static void
nonce_layout(void)
{
	struct noise_cipher *cs = cipher();
	uint8_t out[sizeof(msg) + NOISE_TAG_LEN], ref[sizeof(out)];
	uint8_t nonce[12] = { 0 };
	unsigned long long rlen;
	size_t n;

	assert_int_equal(noise_cipher_set_nonce(cs, 0x01020304), 0);
	assert_int_equal(noise_cipher_encrypt(cs, (const uint8_t *)"ad", 2,
	    msg, sizeof(msg), out, sizeof(out), &n), 0);
	assert_int_equal(n, sizeof(out));
	assert_int_equal(noise_cipher_nonce(cs), 0x01020305);
	nonce[8] = 1, nonce[9] = 2, nonce[10] = 3, nonce[11] = 4;
	/* Reference: OpenSSL-free, CPU-independent check needs AES-NI. */
	if (crypto_aead_aes256gcm_is_available()) {
		crypto_aead_aes256gcm_encrypt(ref, &rlen, msg, sizeof(msg),
		    (const uint8_t *)"ad", 2, NULL, nonce, key);
		assert_memory_equal(out, ref, sizeof(out));
	}
	noise_cipher_free(cs);
}

static void
test_noise_cipher_nonce_is_zero_padded_big_endian_counter(void **state)
{
	(void)state;
	each_backend(nonce_layout);
}

static void
roundtrip(void)
{
	struct noise_cipher *a = cipher(), *b = cipher();
	uint8_t ct[sizeof(msg) + NOISE_TAG_LEN], pt[sizeof(msg)];
	size_t n, i;

	for (i = 0; i < 5; i++) {
		assert_int_equal(noise_cipher_encrypt(a, NULL, 0, msg,
		    sizeof(msg), ct, sizeof(ct), &n), 0);
		assert_int_equal(noise_cipher_decrypt(b, NULL, 0, ct, n, pt,
		    sizeof(pt), &n), 0);
		assert_int_equal(n, sizeof(msg));
		assert_memory_equal(pt, msg, sizeof(msg));
	}
	assert_int_equal(noise_cipher_nonce(a), 5);
	assert_int_equal(noise_cipher_nonce(b), 5);
	noise_cipher_free(a);
	noise_cipher_free(b);
}

static void
test_noise_cipher_roundtrips_and_counts(void **state)
{
	(void)state;
	each_backend(roundtrip);
}

static void
test_noise_cipher_backends_agree_byte_for_byte(void **state)
{
	struct noise_cipher *a, *b;
	uint8_t ca[sizeof(msg) + NOISE_TAG_LEN], cb[sizeof(ca)];
	size_t na, nb;

	(void)state;
	noise_gcm_force_openssl(false);
	a = cipher();
	noise_gcm_force_openssl(true);
	b = cipher();
	noise_gcm_force_openssl(false);
	assert_int_equal(noise_cipher_encrypt(a, msg, 7, msg, sizeof(msg), ca,
	    sizeof(ca), &na), 0);
	assert_int_equal(noise_cipher_encrypt(b, msg, 7, msg, sizeof(msg), cb,
	    sizeof(cb), &nb), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(ca, cb, na);
	noise_cipher_free(a);
	noise_cipher_free(b);
}

static void
empty_plaintext(void)
{
	struct noise_cipher *a = cipher(), *b = cipher();
	uint8_t ct[NOISE_TAG_LEN], pt[1];
	size_t n;

	assert_int_equal(noise_cipher_encrypt(a, NULL, 0, msg, 0, ct,
	    sizeof(ct), &n), 0);
	assert_int_equal(n, NOISE_TAG_LEN);
	assert_int_equal(noise_cipher_decrypt(b, NULL, 0, ct, n, pt, 0, &n), 0);
	assert_int_equal(n, 0);
	noise_cipher_free(a);
	noise_cipher_free(b);
}

static void
test_noise_cipher_handles_empty_plaintext(void **state)
{
	(void)state;
	each_backend(empty_plaintext);
}

static void
in_place(void)
{
	struct noise_cipher *a = cipher(), *b = cipher();
	uint8_t buf[sizeof(msg) + NOISE_TAG_LEN];
	size_t n;

	memcpy(buf, msg, sizeof(msg));
	assert_int_equal(noise_cipher_encrypt(a, NULL, 0, buf, sizeof(msg),
	    buf, sizeof(buf), &n), 0);
	assert_memory_not_equal(buf, msg, sizeof(msg));
	assert_int_equal(noise_cipher_decrypt(b, NULL, 0, buf, n, buf,
	    sizeof(buf), &n), 0);
	assert_memory_equal(buf, msg, sizeof(msg));
	noise_cipher_free(a);
	noise_cipher_free(b);
}

static void
test_noise_cipher_works_in_place(void **state)
{
	(void)state;
	each_backend(in_place);
}

/* The last valid nonce is 2^32 - 2; at 2^32 - 1 the state refuses. */
static void
nonce_ceiling(void)
{
	struct noise_cipher *a = cipher(), *b = cipher();
	uint8_t ct[sizeof(msg) + NOISE_TAG_LEN], pt[sizeof(msg)];
	size_t n;

	assert_int_equal(noise_cipher_set_nonce(a, NOISE_NONCE_MAX - 1), 0);
	assert_int_equal(noise_cipher_set_nonce(b, NOISE_NONCE_MAX - 1), 0);
	assert_int_equal(noise_cipher_encrypt(a, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &n), 0);
	assert_int_equal(noise_cipher_decrypt(b, NULL, 0, ct, n, pt,
	    sizeof(pt), &n), 0);
	assert_int_equal(noise_cipher_encrypt(a, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &n), NOISE_ERR_NONCE);
	assert_int_equal(noise_cipher_decrypt(b, NULL, 0, ct, sizeof(ct), pt,
	    sizeof(pt), &n), NOISE_ERR_NONCE);
	assert_int_equal(noise_cipher_nonce(a), NOISE_NONCE_MAX);
	assert_int_equal(noise_cipher_set_nonce(a, (uint64_t)NOISE_NONCE_MAX + 1),
	    -ERANGE);
	noise_cipher_free(a);
	noise_cipher_free(b);
}

static void
test_noise_cipher_refuses_at_nonce_max_instead_of_wrapping(void **state)
{
	(void)state;
	each_backend(nonce_ceiling);
}

static void
sticky_failure(void)
{
	struct noise_cipher *a = cipher(), *b = cipher();
	uint8_t ct[sizeof(msg) + NOISE_TAG_LEN], ct2[sizeof(ct)], pt[sizeof(msg)];
	size_t n;

	assert_int_equal(noise_cipher_encrypt(a, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &n), 0);
	assert_int_equal(noise_cipher_encrypt(a, NULL, 0, msg, sizeof(msg), ct2,
	    sizeof(ct2), &n), 0);
	ct[3] ^= 0x40;
	assert_int_equal(noise_cipher_decrypt(b, NULL, 0, ct, sizeof(ct), pt,
	    sizeof(pt), &n), NOISE_ERR_AEAD);
	assert_int_equal(noise_cipher_nonce(b), 0);
	ct[3] ^= 0x40;			/* even the genuine frame is refused now */
	assert_int_equal(noise_cipher_decrypt(b, NULL, 0, ct, sizeof(ct), pt,
	    sizeof(pt), &n), NOISE_ERR_AEAD);
	assert_int_equal(noise_cipher_encrypt(b, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct), &n), NOISE_ERR_AEAD);
	noise_cipher_free(a);
	noise_cipher_free(b);
}

static void
test_noise_cipher_failed_decrypt_is_sticky(void **state)
{
	(void)state;
	each_backend(sticky_failure);
}

static void
short_ciphertext(void)
{
	struct noise_cipher *b = cipher();
	uint8_t ct[NOISE_TAG_LEN - 1] = { 0 }, pt[16];
	size_t n;

	assert_int_equal(noise_cipher_decrypt(b, NULL, 0, ct, sizeof(ct), pt,
	    sizeof(pt), &n), NOISE_ERR_AEAD);
	noise_cipher_free(b);
}

static void
test_noise_cipher_refuses_ciphertext_shorter_than_tag(void **state)
{
	(void)state;
	each_backend(short_ciphertext);
}

static void
test_noise_cipher_short_output_is_enobufs_without_side_effect(void **state)
{
	struct noise_cipher *a = cipher();
	uint8_t ct[sizeof(msg) + NOISE_TAG_LEN];
	size_t n;

	(void)state;
	assert_int_equal(noise_cipher_encrypt(a, NULL, 0, msg, sizeof(msg), ct,
	    sizeof(ct) - 1, &n), -ENOBUFS);
	assert_int_equal(noise_cipher_nonce(a), 0);
	assert_int_equal(noise_cipher_decrypt(a, NULL, 0, ct, sizeof(ct), ct,
	    sizeof(msg) - 1, &n), -ENOBUFS);
	assert_int_equal(noise_cipher_nonce(a), 0);
	noise_cipher_free(a);
}

static void
test_noise_cipher_free_accepts_null(void **state)
{
	(void)state;
	noise_cipher_free(NULL);
	noise_symmetric_free(NULL);
	noise_hs_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noise_backend_default_is_libsodium_with_aesni),
		cmocka_unit_test(test_noise_cipher_nonce_is_zero_padded_big_endian_counter),
		cmocka_unit_test(test_noise_cipher_roundtrips_and_counts),
		cmocka_unit_test(test_noise_cipher_backends_agree_byte_for_byte),
		cmocka_unit_test(test_noise_cipher_handles_empty_plaintext),
		cmocka_unit_test(test_noise_cipher_works_in_place),
		cmocka_unit_test(test_noise_cipher_refuses_at_nonce_max_instead_of_wrapping),
		cmocka_unit_test(test_noise_cipher_failed_decrypt_is_sticky),
		cmocka_unit_test(test_noise_cipher_refuses_ciphertext_shorter_than_tag),
		cmocka_unit_test(test_noise_cipher_short_output_is_enobufs_without_side_effect),
		cmocka_unit_test(test_noise_cipher_free_accepts_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
