/*
 * sig_crypto.c: the crypto provider libsignal-protocol-c asks for
 * (signal_protocol.h, struct signal_crypto_provider): HMAC-SHA256 and
 * SHA-512 from libsodium, AES-CBC (PKCS#5) and AES-CTR from OpenSSL EVP,
 * randomness from randombytes_buf. Contexts live in sodium memory because
 * HMAC keys are chain keys. Never logs.
 *
 * sodium_malloc is an mmap and an mlock (and guard pages): libsignal
 * makes several HMAC contexts per message, so they come from a small
 * pool allocated once and wiped on return (issue 12), not one mapping
 * each. Only a burst of more than POOL_SLOTS live at once allocates.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>
#include <signal/signal_protocol.h>
#include <sodium.h>

#include "sig_internal.h"

#define POOL_SLOTS	8

struct pool {
	size_t		 size;
	pthread_mutex_t	 lock;
	void		*slot[POOL_SLOTS];
	bool		 used[POOL_SLOTS];
};

static struct pool hmac_pool = { sizeof(crypto_auth_hmacsha256_state),
    PTHREAD_MUTEX_INITIALIZER, { 0 }, { 0 } };
static struct pool sha_pool = { sizeof(crypto_hash_sha512_state),
    PTHREAD_MUTEX_INITIALIZER, { 0 }, { 0 } };

static void *
pool_get(struct pool *p)
{
	size_t i;
	void *c = NULL;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < POOL_SLOTS; i++) {
		if (p->used[i])
			continue;
		if (p->slot[i] == NULL && (p->slot[i] = sodium_malloc(p->size)) == NULL)
			break;
		p->used[i] = true;
		c = p->slot[i];
		break;
	}
	pthread_mutex_unlock(&p->lock);
	return c != NULL ? c : sodium_malloc(p->size);
}

static void
pool_put(struct pool *p, void *c)
{
	size_t i;

	if (c == NULL)
		return;
	sodium_memzero(c, p->size);
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < POOL_SLOTS; i++)
		if (p->slot[i] == c) {
			p->used[i] = false;
			pthread_mutex_unlock(&p->lock);
			return;
		}
	pthread_mutex_unlock(&p->lock);
	sodium_free(c);
}

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
	if ((st = pool_get(&hmac_pool)) == NULL)
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
	pool_put(&hmac_pool, ctx);
}

static int
sc_sha512_init(void **ctx, void *user_data)
{
	crypto_hash_sha512_state *st;

	(void)user_data;
	if ((st = pool_get(&sha_pool)) == NULL)
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
	pool_put(&sha_pool, ctx);
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
