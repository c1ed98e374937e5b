/*
 * noise_gcm_openssl.c: AES-256-GCM through OpenSSL's EVP, for CPUs where
 * libsodium offers none. Two contexts keep the key schedule: during the
 * handshake one key both decrypts (server static, certificate) and
 * encrypts (our static), so each direction keeps its own context and a
 * frame only sets a new IV.
 */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "noise/noise_internal.h"

static void
gcm_ossl_fini(struct noise_gcm *g)
{
	EVP_CIPHER_CTX_free(g->u.ossl.enc);	/* OpenSSL cleanses the key */
	EVP_CIPHER_CTX_free(g->u.ossl.dec);
	g->u.ossl.enc = g->u.ossl.dec = NULL;
}

static int
gcm_ossl_init(struct noise_gcm *g, const uint8_t *key)
{
	const EVP_CIPHER *c = EVP_aes_256_gcm();

	g->u.ossl.enc = EVP_CIPHER_CTX_new();
	g->u.ossl.dec = EVP_CIPHER_CTX_new();
	if (g->u.ossl.enc == NULL || g->u.ossl.dec == NULL)
		goto out_free_ctx;
	/* The default IV length of AES-GCM in EVP is 12, ours too. */
	if (EVP_EncryptInit_ex(g->u.ossl.enc, c, NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(g->u.ossl.dec, c, NULL, key, NULL) != 1)
		goto out_free_ctx;
	return 0;

out_free_ctx:
	gcm_ossl_fini(g);
	return -ENOMEM;
}

/* EVP counts in int; frames are below 2^24 (protocol-notes §1). */
static bool
gcm_ossl_fits(size_t adlen, size_t len)
{
	return adlen <= INT_MAX && len <= INT_MAX;
}

static int
gcm_ossl_seal(struct noise_gcm *g, const uint8_t *nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *x = g->u.ossl.enc;
	int n;

	if (!gcm_ossl_fits(adlen, len))
		return -EMSGSIZE;
	if (EVP_EncryptInit_ex(x, NULL, NULL, NULL, nonce) != 1)
		return -EIO;
	if (adlen > 0 && EVP_EncryptUpdate(x, NULL, &n, ad, (int)adlen) != 1)
		return -EIO;
	if (len > 0 && EVP_EncryptUpdate(x, out, &n, in, (int)len) != 1)
		return -EIO;
	if (EVP_EncryptFinal_ex(x, out + len, &n) != 1)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, NOISE_TAG_LEN,
	    out + len) != 1)
		return -EIO;
	return 0;
}

static int
gcm_ossl_open(struct noise_gcm *g, const uint8_t *nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *x = g->u.ossl.dec;
	uint8_t tag[NOISE_TAG_LEN];
	size_t mlen = len - NOISE_TAG_LEN;	/* caller checked len >= tag */
	int n;

	if (!gcm_ossl_fits(adlen, len))
		return -EMSGSIZE;
	/* SET_TAG wants a writable buffer; in is const. */
	memcpy(tag, in + mlen, NOISE_TAG_LEN);
	if (EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) != 1)
		return -EIO;
	if (adlen > 0 && EVP_DecryptUpdate(x, NULL, &n, ad, (int)adlen) != 1)
		return -EIO;
	if (mlen > 0 && EVP_DecryptUpdate(x, out, &n, in, (int)mlen) != 1)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, NOISE_TAG_LEN,
	    tag) != 1)
		return -EIO;
	if (EVP_DecryptFinal_ex(x, out + mlen, &n) != 1) {
		sodium_memzero(out, mlen);	/* no unauthenticated plaintext */
		return NOISE_ERR_AEAD;
	}
	return 0;
}

const struct noise_gcm_ops noise_gcm_openssl_ops = {
	.name = "openssl",
	.init = gcm_ossl_init,
	.seal = gcm_ossl_seal,
	.open = gcm_ossl_open,
	.fini = gcm_ossl_fini,
};
