/*
 * sig_crypto.c: the crypto provider libsignal-protocol-c asks for
 * (signal_protocol.h, struct signal_crypto_provider): HMAC-SHA256 and
 * SHA-512 from libsodium, AES-CBC (PKCS#5) and AES-CTR from OpenSSL EVP,
 * randomness from randombytes_buf. Contexts live in sodium memory because
 * HMAC keys are chain keys. Never logs.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <signal/signal_protocol.h>
#include <sodium.h>

#include "sig_internal.h"

static int
sc_random(uint8_t *data, size_t len, void *user_data)
{
	(void)user_data;
	randombytes_buf(data, len);
	return 0;
}

static int
sc_hmac_init(void **ctx, const uint8_t *key, size_t key_len, void *user_data)
{
	crypto_auth_hmacsha256_state *st;

	(void)user_data;
	if ((st = sodium_malloc(sizeof(*st))) == NULL)
		return SG_ERR_NOMEM;
	crypto_auth_hmacsha256_init(st, key, key_len);
	*ctx = st;
	return 0;
}

static int
sc_hmac_update(void *ctx, const uint8_t *data, size_t len, void *user_data)
{
	(void)user_data;
	crypto_auth_hmacsha256_update(ctx, data, len);
	return 0;
}

static int
sc_hmac_final(void *ctx, signal_buffer **out, void *user_data)
{
	uint8_t mac[crypto_auth_hmacsha256_BYTES];

	(void)user_data;
	crypto_auth_hmacsha256_final(ctx, mac);
	*out = signal_buffer_create(mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
	return *out != NULL ? 0 : SG_ERR_NOMEM;
}

static void
sc_hmac_cleanup(void *ctx, void *user_data)
{
	(void)user_data;
	sodium_free(ctx);
}

static int
sc_sha512_init(void **ctx, void *user_data)
{
	crypto_hash_sha512_state *st;

	(void)user_data;
	if ((st = sodium_malloc(sizeof(*st))) == NULL)
		return SG_ERR_NOMEM;
	crypto_hash_sha512_init(st);
	*ctx = st;
	return 0;
}

static int
sc_sha512_update(void *ctx, const uint8_t *data, size_t len, void *user_data)
{
	(void)user_data;
	crypto_hash_sha512_update(ctx, data, len);
	return 0;
}

static int
sc_sha512_final(void *ctx, signal_buffer **out, void *user_data)
{
	uint8_t h[crypto_hash_sha512_BYTES];

	(void)user_data;
	crypto_hash_sha512_final(ctx, h);
	/* libsignal reuses the context after final (ge_* hashing): restart it. */
	crypto_hash_sha512_init(ctx);
	*out = signal_buffer_create(h, sizeof(h));
	return *out != NULL ? 0 : SG_ERR_NOMEM;
}

static void
sc_sha512_cleanup(void *ctx, void *user_data)
{
	(void)user_data;
	sodium_free(ctx);
}

static const EVP_CIPHER *
sc_cipher(int cipher, size_t key_len)
{
	bool cbc = cipher == SG_CIPHER_AES_CBC_PKCS5;

	if (cipher != SG_CIPHER_AES_CBC_PKCS5 && cipher != SG_CIPHER_AES_CTR_NOPADDING)
		return NULL;
	switch (key_len) {
	case 16:
		return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ctr();
	case 24:
		return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ctr();
	case 32:
		return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ctr();
	}
	return NULL;
}

/* One AES pass; enc selects the direction. */
static int
sc_aes(signal_buffer **out, int cipher, const uint8_t *key, size_t key_len,
    const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t in_len, int enc)
{
	const EVP_CIPHER *c = sc_cipher(cipher, key_len);
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *buf = NULL;
	int n1 = 0, n2 = 0, rc = SG_ERR_UNKNOWN;

	if (c == NULL || iv_len != 16 || in_len > SIG_PLAIN_MAX)
		return SG_ERR_INVAL;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    (buf = malloc(in_len + 16)) == NULL) {
		rc = SG_ERR_NOMEM;
		goto out;
	}
	if (EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) != 1 ||
	    EVP_CipherUpdate(ctx, buf, &n1, in, (int)in_len) != 1 ||
	    EVP_CipherFinal_ex(ctx, buf + n1, &n2) != 1)
		goto out;
	if ((*out = signal_buffer_create(buf, (size_t)n1 + (size_t)n2)) == NULL)
		rc = SG_ERR_NOMEM;
	else
		rc = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, in_len + 16);
		free(buf);
	}
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

static int
sc_encrypt(signal_buffer **out, int cipher, const uint8_t *key, size_t key_len,
    const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t in_len,
    void *user_data)
{
	(void)user_data;
	return sc_aes(out, cipher, key, key_len, iv, iv_len, in, in_len, 1);
}

static int
sc_decrypt(signal_buffer **out, int cipher, const uint8_t *key, size_t key_len,
    const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t in_len,
    void *user_data)
{
	(void)user_data;
	return sc_aes(out, cipher, key, key_len, iv, iv_len, in, in_len, 0);
}

const signal_crypto_provider sig_crypto_provider = {
	.random_func = sc_random,
	.hmac_sha256_init_func = sc_hmac_init,
	.hmac_sha256_update_func = sc_hmac_update,
	.hmac_sha256_final_func = sc_hmac_final,
	.hmac_sha256_cleanup_func = sc_hmac_cleanup,
	.sha512_digest_init_func = sc_sha512_init,
	.sha512_digest_update_func = sc_sha512_update,
	.sha512_digest_final_func = sc_sha512_final,
	.sha512_digest_cleanup_func = sc_sha512_cleanup,
	.encrypt_func = sc_encrypt,
	.decrypt_func = sc_decrypt,
};
