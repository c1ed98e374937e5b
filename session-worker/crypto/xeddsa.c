/*
 * xeddsa.c: XEdDSA through libsignal-protocol-c (curve.h).
 *
 * Contexts: curve_decode_point() and curve_decode_private_point() take a
 * signal_context only to log a bad key (NULL is fine: signal_log() skips a
 * NULL context), and curve_verify_signature() takes none. Signing does need
 * one: curve_calculate_signature() draws its 64-byte nonce through the
 * context's crypto provider (signal_crypto_random() asserts random_func).
 * So xeddsa_sign() builds a throwaway context per call whose provider
 * draws from libsodium's randombytes. signal_context_set_crypto_provider()
 * also insists on the four HMAC callbacks; signing never calls them, so
 * they are stubs that fail. Nothing is kept between calls.
 */
#include <errno.h>
#include <string.h>

#include <signal/curve.h>
#include <signal/signal_protocol.h>
#include <sodium.h>

#include "crypto/xeddsa.h"

#define DJB_TYPE 0x05	/* libsignal's key type byte (protocol-notes §2) */

bool
xeddsa_verify(const uint8_t pub[static XEDDSA_KEY_LEN], const uint8_t *msg,
    size_t len, const uint8_t sig[static XEDDSA_SIG_LEN])
{
	uint8_t point[1 + XEDDSA_KEY_LEN];
	ec_public_key *key = NULL;
	int rc;

	point[0] = DJB_TYPE;
	memcpy(point + 1, pub, XEDDSA_KEY_LEN);
	if (curve_decode_point(&key, point, sizeof(point), NULL) < 0)
		return false;
	/* 1: valid, 0: invalid, < 0: wrong signature length. */
	rc = curve_verify_signature(key, msg, len, sig, XEDDSA_SIG_LEN);
	SIGNAL_UNREF(key);
	return rc == 1;
}

static int
xeddsa_random(uint8_t *data, size_t len, void *user_data)
{
	(void)user_data;
	randombytes_buf(data, len);
	return 0;
}

static int
xeddsa_hmac_init(void **hmac, const uint8_t *key, size_t key_len, void *user_data)
{
	(void)hmac, (void)key, (void)key_len, (void)user_data;
	return SG_ERR_UNKNOWN;
}

static int
xeddsa_hmac_update(void *hmac, const uint8_t *data, size_t len, void *user_data)
{
	(void)hmac, (void)data, (void)len, (void)user_data;
	return SG_ERR_UNKNOWN;
}

static int
xeddsa_hmac_final(void *hmac, signal_buffer **out, void *user_data)
{
	(void)hmac, (void)out, (void)user_data;
	return SG_ERR_UNKNOWN;
}

static void
xeddsa_hmac_cleanup(void *hmac, void *user_data)
{
	(void)hmac, (void)user_data;
}

static const signal_crypto_provider xeddsa_provider = {
	.random_func = xeddsa_random,
	.hmac_sha256_init_func = xeddsa_hmac_init,
	.hmac_sha256_update_func = xeddsa_hmac_update,
	.hmac_sha256_final_func = xeddsa_hmac_final,
	.hmac_sha256_cleanup_func = xeddsa_hmac_cleanup,
};

int
xeddsa_sign(const uint8_t priv[static XEDDSA_KEY_LEN], const uint8_t *msg,
    size_t len, uint8_t sig[static XEDDSA_SIG_LEN])
{
	signal_context *ctx = NULL;
	ec_private_key *key = NULL;
	signal_buffer *out = NULL;
	uint8_t k[XEDDSA_KEY_LEN];
	int rc = -ENOMEM;

	if (sodium_init() < 0)
		return -EIO;
	if (signal_context_create(&ctx, NULL) != 0)
		return -ENOMEM;
	if (signal_context_set_crypto_provider(ctx, &xeddsa_provider) != 0) {
		rc = -EINVAL;
		goto out_context;
	}
	/*
	 * The signer uses the scalar as given, while X25519 clamps it when it
	 * makes the public key: clamp here so any 32 bytes we use as a
	 * Curve25519 private key sign for the public key X25519 gives it.
	 */
	memcpy(k, priv, XEDDSA_KEY_LEN);
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
	rc = curve_decode_private_point(&key, k, XEDDSA_KEY_LEN, ctx);
	sodium_memzero(k, sizeof(k));
	if (rc != 0) {
		rc = -ENOMEM;		/* length is fixed: only ENOMEM is left */
		goto out_context;
	}
	if (curve_calculate_signature(ctx, &out, key, msg, len) < 0 ||
	    signal_buffer_len(out) != XEDDSA_SIG_LEN) {
		rc = -EIO;
		goto out_key;
	}
	memcpy(sig, signal_buffer_data(out), XEDDSA_SIG_LEN);
	rc = 0;
out_key:
	signal_buffer_free(out);
	SIGNAL_UNREF(key);	/* ec_private_key_destroy wipes the copy */
out_context:
	signal_context_destroy(ctx);
	return rc;
}
