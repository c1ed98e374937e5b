/*
 * pair_code_crypto.c: the cryptographic steps of linking by phone number,
 * one function each, on OpenSSL (PBKDF2, AES-CTR, AES-GCM, HKDF). Followed:
 * whatsmeow pair-code.go generateCompanionEphemeralKey and
 * handleCodePairNotification; Baileys crypto.js derivePairingCodeKey,
 * generics.js bytesToCrockford. Every intermediate key is wiped.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sodium.h>

#include "pair_code.h"

/* 2 << 16: the round count both references use. */
#define PBKDF2_ROUNDS		131072
#define BUNDLE_INFO		"link_code_pairing_key_bundle_encryption_key"
#define ADV_INFO		"adv_secret"

const char PAIR_CODE_ALPHABET[33] = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";

void
pair_code_encode(const uint8_t rnd[PAIR_CODE_RANDOM_LEN],
    char out[PAIR_CODE_LEN + 1])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < PAIR_CODE_RANDOM_LEN; i++)
		v = v << 8 | rnd[i];
	for (i = PAIR_CODE_LEN - 1; i >= 0; i--, v >>= 5)
		out[i] = PAIR_CODE_ALPHABET[v & 31];
	out[PAIR_CODE_LEN] = '\0';
}

int
pair_code_stretch(const char code[PAIR_CODE_LEN],
    const uint8_t salt[PAIR_CODE_SALT_LEN], uint8_t key[PAIR_CODE_KEY_LEN])
{
	if (PKCS5_PBKDF2_HMAC(code, PAIR_CODE_LEN, salt, PAIR_CODE_SALT_LEN,
	    PBKDF2_ROUNDS, EVP_sha256(), PAIR_CODE_KEY_LEN, key) != 1)
		return -EIO;
	return 0;
}

/* AES-256-CTR both ways: the key stream is the same. */
static int
ctr(const uint8_t key[32], const uint8_t iv[16], const uint8_t *in, size_t len,
    uint8_t *out)
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, rc = -EIO;

	if (cx != NULL &&
	    EVP_EncryptInit_ex(cx, EVP_aes_256_ctr(), NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(cx, out, &n, in, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(cx, out + n, &m) == 1 && (size_t)(n + m) == len)
		rc = 0;
	EVP_CIPHER_CTX_free(cx);
	return rc;
}

int
pair_code_ctr(const uint8_t key[PAIR_CODE_KEY_LEN], const uint8_t iv[PAIR_CODE_IV_LEN],
    const uint8_t in[32], uint8_t out[32])
{
	return ctr(key, iv, in, 32, out);
}

int
pair_code_wrap(const char code[PAIR_CODE_LEN],
    const uint8_t salt[PAIR_CODE_SALT_LEN], const uint8_t iv[PAIR_CODE_IV_LEN],
    const uint8_t pub[32], uint8_t out[PAIR_CODE_WRAPPED_LEN])
{
	uint8_t key[PAIR_CODE_KEY_LEN];
	int rc;

	memcpy(out, salt, PAIR_CODE_SALT_LEN);
	memcpy(out + PAIR_CODE_SALT_LEN, iv, PAIR_CODE_IV_LEN);
	if ((rc = pair_code_stretch(code, salt, key)) == 0)
		rc = ctr(key, iv, pub, 32, out + PAIR_CODE_SALT_LEN + PAIR_CODE_IV_LEN);
	sodium_memzero(key, sizeof(key));
	return rc;
}

int
pair_code_unwrap(const char code[PAIR_CODE_LEN],
    const uint8_t wrapped[PAIR_CODE_WRAPPED_LEN], uint8_t pub[32])
{
	uint8_t key[PAIR_CODE_KEY_LEN];
	int rc;

	if ((rc = pair_code_stretch(code, wrapped, key)) == 0)
		rc = ctr(key, wrapped + PAIR_CODE_SALT_LEN,
		    wrapped + PAIR_CODE_SALT_LEN + PAIR_CODE_IV_LEN, 32, pub);
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* HKDF-SHA256 (RFC 5869) with OpenSSL's implementation; salt may be NULL. */
static int
hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
    const char *info, uint8_t out[32])
{
	EVP_PKEY_CTX *cx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	static const uint8_t zero_salt[32];
	size_t len = 32;
	int rc = -EIO;

	if (salt == NULL) {
		salt = zero_salt;	/* RFC 5869: no salt = HashLen zeros */
		salt_len = sizeof(zero_salt);
	}
	if (cx != NULL && EVP_PKEY_derive_init(cx) == 1 &&
	    EVP_PKEY_CTX_set_hkdf_md(cx, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_salt(cx, salt, (int)salt_len) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_key(cx, ikm, (int)ikm_len) == 1 &&
	    EVP_PKEY_CTX_add1_hkdf_info(cx, (const unsigned char *)info,
	    (int)strlen(info)) == 1 &&
	    EVP_PKEY_derive(cx, out, &len) == 1 && len == 32)
		rc = 0;
	EVP_PKEY_CTX_free(cx);
	return rc;
}

int
pair_code_bundle(const uint8_t shared[32], const uint8_t salt[PAIR_CODE_SALT_LEN],
    const uint8_t nonce[PAIR_CODE_NONCE_LEN], const uint8_t ident_pub[32],
    const uint8_t primary_ident[32], const uint8_t adv_random[32],
    uint8_t out[PAIR_CODE_BUNDLE_LEN])
{
	uint8_t key[32], plain[PAIR_CODE_BUNDLE_PLAIN];
	uint8_t *ct = out + PAIR_CODE_SALT_LEN + PAIR_CODE_NONCE_LEN;
	EVP_CIPHER_CTX *cx = NULL;
	int n = 0, m = 0, rc;

	memcpy(out, salt, PAIR_CODE_SALT_LEN);
	memcpy(out + PAIR_CODE_SALT_LEN, nonce, PAIR_CODE_NONCE_LEN);
	memcpy(plain, ident_pub, 32);
	memcpy(plain + 32, primary_ident, 32);
	memcpy(plain + 64, adv_random, 32);
	if ((rc = hkdf(shared, 32, salt, PAIR_CODE_SALT_LEN, BUNDLE_INFO, key)) < 0)
		goto out;
	rc = -EIO;
	if ((cx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, PAIR_CODE_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(cx, NULL, NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(cx, ct, &n, plain, sizeof(plain)) != 1 ||
	    EVP_EncryptFinal_ex(cx, ct + n, &m) != 1 ||
	    n + m != PAIR_CODE_BUNDLE_PLAIN ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, PAIR_CODE_TAG_LEN,
	    ct + PAIR_CODE_BUNDLE_PLAIN) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(cx);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(plain, sizeof(plain));
	return rc;
}

int
pair_code_adv_secret(const uint8_t eph_shared[32], const uint8_t ident_shared[32],
    const uint8_t adv_random[32], uint8_t adv[32])
{
	uint8_t ikm[96];
	int rc;

	memcpy(ikm, eph_shared, 32);
	memcpy(ikm + 32, ident_shared, 32);
	memcpy(ikm + 64, adv_random, 32);
	rc = hkdf(ikm, sizeof(ikm), NULL, 0, ADV_INFO, adv);
	sodium_memzero(ikm, sizeof(ikm));
	return rc;
}
