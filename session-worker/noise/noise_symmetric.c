/*
 * noise_symmetric.c: the Noise SymmetricState (spec §5.2) over SHA-256.
 * MixKey and Split use Noise's HKDF, which is RFC 5869 with salt = ck and
 * empty info (protocol-notes §2), built on libsodium's HMAC-SHA256.
 */
#include <string.h>

#include <sodium.h>

#include "noise/noise_internal.h"

/*
 * HKDF(ck, ikm) -> out1, out2 (Noise spec §4.3): temp = HMAC(ck, ikm),
 * out1 = HMAC(temp, 0x01), out2 = HMAC(temp, out1 || 0x02).
 */
static void
noise_hkdf(const uint8_t ck[NOISE_HASH_LEN], const uint8_t *ikm, size_t len,
    uint8_t out1[NOISE_HASH_LEN], uint8_t out2[NOISE_HASH_LEN])
{
	crypto_auth_hmacsha256_state st;
	uint8_t temp[NOISE_HASH_LEN];
	const uint8_t one = 0x01, two = 0x02;

	crypto_auth_hmacsha256_init(&st, ck, NOISE_HASH_LEN);
	crypto_auth_hmacsha256_update(&st, ikm, len);
	crypto_auth_hmacsha256_final(&st, temp);

	crypto_auth_hmacsha256_init(&st, temp, sizeof(temp));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out1);

	crypto_auth_hmacsha256_init(&st, temp, sizeof(temp));
	crypto_auth_hmacsha256_update(&st, out1, NOISE_HASH_LEN);
	crypto_auth_hmacsha256_update(&st, &two, 1);
	crypto_auth_hmacsha256_final(&st, out2);

	sodium_memzero(temp, sizeof(temp));
	sodium_memzero(&st, sizeof(st));
}

int
noise_symmetric_init(struct noise_symmetric *ss, const char *protocol_name)
{
	size_t len = strlen(protocol_name);

	if (sodium_init() < 0)
		return -EIO;
	memset(ss, 0, sizeof(*ss));
	noise_cipher_init(&ss->cs);
	/* WhatsApp's name is exactly 32 bytes: h = name, unhashed (§2). */
	if (len <= NOISE_HASH_LEN)
		memcpy(ss->h, protocol_name, len);
	else
		crypto_hash_sha256(ss->h, (const uint8_t *)protocol_name, len);
	memcpy(ss->ck, ss->h, NOISE_HASH_LEN);
	return 0;
}

void
noise_symmetric_fini(struct noise_symmetric *ss)
{
	noise_cipher_fini(&ss->cs);
	sodium_memzero(ss, sizeof(*ss));
}

int
noise_symmetric_new(struct noise_symmetric **out, const char *protocol_name)
{
	struct noise_symmetric *ss;
	int rc;

	if ((ss = noise_alloc(sizeof(*ss))) == NULL)
		return -ENOMEM;
	if ((rc = noise_symmetric_init(ss, protocol_name)) < 0) {
		noise_dealloc(ss);
		return rc;
	}
	*out = ss;
	return 0;
}

void
noise_symmetric_free(struct noise_symmetric *ss)
{
	if (ss == NULL)
		return;
	noise_symmetric_fini(ss);
	noise_dealloc(ss);
}

void
noise_symmetric_mix_hash(struct noise_symmetric *ss, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, ss->h, NOISE_HASH_LEN);
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, ss->h);
}

int
noise_symmetric_mix_key(struct noise_symmetric *ss, const uint8_t *ikm, size_t len)
{
	uint8_t ck[NOISE_HASH_LEN], k[NOISE_KEY_LEN];
	int rc;

	noise_hkdf(ss->ck, ikm, len, ck, k);
	rc = noise_cipher_init_key(&ss->cs, k);
	if (rc == 0)
		memcpy(ss->ck, ck, NOISE_HASH_LEN);
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
	return rc;
}

int
noise_symmetric_encrypt_and_hash(struct noise_symmetric *ss, const uint8_t *in,
    size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n;
	int rc;

	if ((rc = noise_cipher_encrypt(&ss->cs, ss->h, NOISE_HASH_LEN, in, len,
	    out, cap, &n)) < 0)
		return rc;
	noise_symmetric_mix_hash(ss, out, n);
	*outlen = n;
	return 0;
}

/*
 * h absorbs the ciphertext, which out may overwrite (out == in is
 * allowed): hash it first, and commit the new h only once the tag holds.
 */
int
noise_symmetric_decrypt_and_hash(struct noise_symmetric *ss, const uint8_t *in,
    size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	crypto_hash_sha256_state st;
	uint8_t h[NOISE_HASH_LEN];
	size_t n;
	int rc;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, ss->h, NOISE_HASH_LEN);
	crypto_hash_sha256_update(&st, in, len);
	crypto_hash_sha256_final(&st, h);
	if ((rc = noise_cipher_decrypt(&ss->cs, ss->h, NOISE_HASH_LEN, in, len,
	    out, cap, &n)) < 0)
		return rc;
	memcpy(ss->h, h, NOISE_HASH_LEN);
	*outlen = n;
	return 0;
}

int
noise_symmetric_split(struct noise_symmetric *ss, struct noise_cipher **c1,
    struct noise_cipher **c2)
{
	uint8_t k1[NOISE_KEY_LEN], k2[NOISE_KEY_LEN];
	struct noise_cipher *a = NULL, *b = NULL;
	int rc;

	noise_hkdf(ss->ck, (const uint8_t *)"", 0, k1, k2);	/* empty input */
	if ((rc = noise_cipher_new(&a, k1)) < 0)
		goto out_wipe;
	if ((rc = noise_cipher_new(&b, k2)) < 0) {
		noise_cipher_free(a);
		goto out_wipe;
	}
	*c1 = a;
	*c2 = b;
out_wipe:
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	return rc;
}

void
noise_symmetric_hash(const struct noise_symmetric *ss, uint8_t out[static NOISE_HASH_LEN])
{
	memcpy(out, ss->h, NOISE_HASH_LEN);
}
