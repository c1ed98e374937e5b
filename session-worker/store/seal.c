/* seal.c: see seal.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "seal.h"

/* Domain separation: the same key file must not key anything else. */
static const char seal_context[] = "walink session at-rest key v1";

int
seal_key_from_bytes(const uint8_t *in, size_t len, struct seal_key *key)
{
	if (len < SEAL_KEYFILE_MIN || len > SEAL_KEYFILE_MAX)
		return -EINVAL;
	if (crypto_generichash(key->k, sizeof(key->k), in, len,
	    (const uint8_t *)seal_context, sizeof(seal_context) - 1) != 0)
		return -EINVAL;
	return 0;
}

/* Both formats add the same: magic, a 24-byte nonce, a 16-byte tag. */
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
    crypto_secretbox_NONCEBYTES, "nonce sizes");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES ==
    crypto_secretbox_MACBYTES, "tag sizes");

bool
seal_is_v1(const uint8_t *in, size_t len)
{
	return len >= SEAL_MAGIC_LEN &&
	    memcmp(in, SEAL_MAGIC_V1, SEAL_MAGIC_LEN) == 0;
}

static bool
is_v3(const uint8_t *in, size_t len)
{
	return len >= SEAL_MAGIC_LEN &&
	    memcmp(in, SEAL_MAGIC_V3, SEAL_MAGIC_LEN) == 0;
}

bool
seal_is_sealed(const uint8_t *in, size_t len)
{
	return (len >= SEAL_MAGIC_LEN &&
	    memcmp(in, SEAL_MAGIC, SEAL_MAGIC_LEN) == 0) || seal_is_v1(in, len) ||
	    is_v3(in, len);
}

/* The associated data of a v3 file: its name, then its generation. */
static int
gen_ad(const char *name, const uint8_t gen[SEAL_GEN_LEN], uint8_t **ad,
    size_t *adlen)
{
	size_t n = strlen(name);

	if ((*ad = malloc(n + SEAL_GEN_LEN)) == NULL)
		return -ENOMEM;
	memcpy(*ad, name, n);
	memcpy(*ad + n, gen, SEAL_GEN_LEN);
	*adlen = n + SEAL_GEN_LEN;
	return 0;
}

int
seal_encrypt_gen(const struct seal_key *key, const char *name, uint64_t gen,
    const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	uint8_t *g = out + SEAL_MAGIC_LEN, *nonce = g + SEAL_GEN_LEN, *ad;
	unsigned long long clen;
	size_t adlen;
	int i, rc;

	memcpy(out, SEAL_MAGIC_V3, SEAL_MAGIC_LEN);
	for (i = 0; i < SEAL_GEN_LEN; i++)
		g[i] = (uint8_t)(gen >> (8 * (SEAL_GEN_LEN - 1 - i)));
	if ((rc = gen_ad(name, g, &ad, &adlen)) < 0)
		return rc;
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(nonce +
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, in, len, ad,
	    adlen, NULL, nonce, key->k) != 0 ? -EINVAL : 0;
	free(ad);
	if (rc == 0)
		*out_len = len + SEAL_GEN_OVERHEAD;
	return rc;
}

static int
decrypt_v3(const struct seal_key *key, const char *name, const uint8_t *in,
    size_t len, uint8_t *out, size_t *out_len, uint64_t *gen)
{
	const uint8_t *g = in + SEAL_MAGIC_LEN, *nonce = g + SEAL_GEN_LEN;
	const uint8_t *ct = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	unsigned long long mlen;
	uint8_t *ad;
	size_t adlen;
	uint64_t v = 0;
	int i, rc;

	if (len < SEAL_GEN_OVERHEAD)
		return -EBADMSG;
	if ((rc = gen_ad(name, g, &ad, &adlen)) < 0)
		return rc;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, ct,
	    len - (size_t)(ct - in), ad, adlen, nonce, key->k) != 0)
		rc = -EKEYREJECTED;
	free(ad);
	if (rc < 0)
		return rc;
	for (i = 0; i < SEAL_GEN_LEN; i++)
		v = v << 8 | g[i];
	if (gen != NULL)
		*gen = v;
	*out_len = len - SEAL_GEN_OVERHEAD;
	return 0;
}

int
seal_encrypt(const struct seal_key *key, const char *name, const uint8_t *in,
    size_t len, uint8_t *out, size_t *out_len)
{
	uint8_t *nonce = out + SEAL_MAGIC_LEN;
	unsigned long long clen;

	memcpy(out, SEAL_MAGIC, SEAL_MAGIC_LEN);
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	/* the name as associated data: the file vouches for where it lives */
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(nonce +
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, in, len,
	    (const uint8_t *)name, strlen(name), NULL, nonce, key->k) != 0)
		return -EINVAL;
	*out_len = len + SEAL_OVERHEAD;
	return 0;
}

int
seal_decrypt(const struct seal_key *key, const char *name, const uint8_t *in,
    size_t len, uint8_t *out, size_t *out_len)
{
	return seal_decrypt_gen(key, name, in, len, out, out_len, NULL);
}

int
seal_decrypt_gen(const struct seal_key *key, const char *name,
    const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
    uint64_t *gen)
{
	const uint8_t *nonce = in + SEAL_MAGIC_LEN;
	const uint8_t *ct = nonce + crypto_secretbox_NONCEBYTES;
	size_t ctlen;
	unsigned long long mlen;

	if (!seal_is_sealed(in, len) || len < SEAL_OVERHEAD)
		return -EBADMSG;
	if (is_v3(in, len))
		return decrypt_v3(key, name, in, len, out, out_len, gen);
	if (gen != NULL)
		*gen = 0;
	ctlen = len - SEAL_MAGIC_LEN - crypto_secretbox_NONCEBYTES;
	if (seal_is_v1(in, len)) {
		if (crypto_secretbox_open_easy(out, ct, ctlen, nonce, key->k) != 0)
			return -EKEYREJECTED;
	} else if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL,
	    ct, ctlen, (const uint8_t *)name, strlen(name), nonce,
	    key->k) != 0) {
		return -EKEYREJECTED;
	}
	*out_len = len - SEAL_OVERHEAD;
	return 0;
}
