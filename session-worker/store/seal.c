/* seal.c: see seal.h. */
#include <errno.h>
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

bool
seal_is_sealed(const uint8_t *in, size_t len)
{
	return len >= SEAL_MAGIC_LEN && memcmp(in, SEAL_MAGIC, SEAL_MAGIC_LEN) == 0;
}

int
seal_encrypt(const struct seal_key *key, const uint8_t *in, size_t len,
    uint8_t *out, size_t *out_len)
{
	uint8_t *nonce = out + SEAL_MAGIC_LEN;

	memcpy(out, SEAL_MAGIC, SEAL_MAGIC_LEN);
	randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
	if (crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, in, len,
	    nonce, key->k) != 0)
		return -EINVAL;
	*out_len = len + SEAL_OVERHEAD;
	return 0;
}

int
seal_decrypt(const struct seal_key *key, const uint8_t *in, size_t len,
    uint8_t *out, size_t *out_len)
{
	const uint8_t *nonce = in + SEAL_MAGIC_LEN;

	if (!seal_is_sealed(in, len) || len < SEAL_OVERHEAD)
		return -EBADMSG;
	if (crypto_secretbox_open_easy(out, nonce + crypto_secretbox_NONCEBYTES,
	    len - SEAL_MAGIC_LEN - crypto_secretbox_NONCEBYTES, nonce,
	    key->k) != 0)
		return -EKEYREJECTED;
	*out_len = len - SEAL_OVERHEAD;
	return 0;
}
