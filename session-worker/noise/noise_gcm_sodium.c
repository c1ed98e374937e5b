/*
 * noise_gcm_sodium.c: AES-256-GCM through libsodium's AES-NI code. The key
 * is expanded once (beforenm) and kept in the cipher state, so a frame
 * costs no key schedule.
 */
#include <sodium.h>

#include "noise/noise_internal.h"

static int
gcm_sodium_init(struct noise_gcm *g, const uint8_t *key)
{
	if (crypto_aead_aes256gcm_beforenm(&g->u.sodium, key) != 0)
		return -EIO;
	return 0;
}

static int
gcm_sodium_seal(struct noise_gcm *g, const uint8_t *nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
	unsigned long long clen;

	if (crypto_aead_aes256gcm_encrypt_afternm(out, &clen, in, len, ad,
	    adlen, NULL, nonce, &g->u.sodium) != 0)
		return -EIO;
	return 0;
}

static int
gcm_sodium_open(struct noise_gcm *g, const uint8_t *nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
	unsigned long long mlen;

	if (crypto_aead_aes256gcm_decrypt_afternm(out, &mlen, NULL, in, len,
	    ad, adlen, nonce, &g->u.sodium) != 0)
		return NOISE_ERR_AEAD;
	return 0;
}

static void
gcm_sodium_fini(struct noise_gcm *g)
{
	sodium_memzero(&g->u.sodium, sizeof(g->u.sodium));
}

const struct noise_gcm_ops noise_gcm_sodium_ops = {
	.name = "libsodium",
	.init = gcm_sodium_init,
	.seal = gcm_sodium_seal,
	.open = gcm_sodium_open,
	.fini = gcm_sodium_fini,
};
