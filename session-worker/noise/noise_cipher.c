/*
 * noise_cipher.c: the Noise CipherState (spec §5.1) with WhatsApp's nonce
 * layout (protocol-notes §2): 8 zero bytes, then the counter as a 32-bit
 * big-endian number. The counter never wraps, and a failed decrypt ends
 * the state for good, as in noise-c: a stream with one forged or lost
 * frame cannot be trusted again.
 */
#include <string.h>

#include <sodium.h>

#include "noise/noise_internal.h"

void
noise_cipher_init(struct noise_cipher *cs)
{
	memset(cs, 0, sizeof(*cs));
}

void
noise_cipher_fini(struct noise_cipher *cs)
{
	if (cs->gcm.ops != NULL)
		cs->gcm.ops->fini(&cs->gcm);
	sodium_memzero(cs, sizeof(*cs));
}

/* InitializeKey(k): a new key, n = 0, and the backend chosen now. */
int
noise_cipher_init_key(struct noise_cipher *cs, const uint8_t key[static NOISE_KEY_LEN])
{
	const struct noise_gcm_ops *ops = noise_gcm_pick();
	int rc;

	noise_cipher_fini(cs);
	if ((rc = ops->init(&cs->gcm, key)) < 0)
		return rc;
	cs->gcm.ops = ops;
	return 0;
}

bool
noise_cipher_has_key(const struct noise_cipher *cs)
{
	return cs->gcm.ops != NULL;
}

int
noise_cipher_new(struct noise_cipher **out, const uint8_t key[static NOISE_KEY_LEN])
{
	struct noise_cipher *cs;
	int rc;

	if ((cs = noise_alloc(sizeof(*cs))) == NULL)
		return -ENOMEM;
	noise_cipher_init(cs);
	if ((rc = noise_cipher_init_key(cs, key)) < 0) {
		noise_dealloc(cs);
		return rc;
	}
	*out = cs;
	return 0;
}

void
noise_cipher_free(struct noise_cipher *cs)
{
	if (cs == NULL)
		return;
	noise_cipher_fini(cs);
	noise_dealloc(cs);
}

static void
cipher_nonce(const struct noise_cipher *cs, uint8_t nonce[NOISE_GCM_NONCE_LEN])
{
	memset(nonce, 0, NOISE_GCM_NONCE_LEN);
	nonce[8] = (uint8_t)(cs->n >> 24);
	nonce[9] = (uint8_t)(cs->n >> 16);
	nonce[10] = (uint8_t)(cs->n >> 8);
	nonce[11] = (uint8_t)cs->n;
}

/* Checks shared by both directions; 1 means "no key: pass through". */
static int
cipher_check(const struct noise_cipher *cs)
{
	if (cs->failed)
		return NOISE_ERR_AEAD;
	if (!noise_cipher_has_key(cs))
		return 1;
	if (cs->n >= NOISE_NONCE_MAX)
		return NOISE_ERR_NONCE;
	return 0;
}

int
noise_cipher_encrypt(struct noise_cipher *cs, const uint8_t *ad, size_t adlen,
    const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t nonce[NOISE_GCM_NONCE_LEN];
	int rc;

	if ((rc = cipher_check(cs)) < 0)
		return rc;
	if (rc == 1) {			/* textbook: no key, plaintext as is */
		if (cap < len)
			return -ENOBUFS;
		memmove(out, in, len);
		*outlen = len;
		return 0;
	}
	if (len > SIZE_MAX - NOISE_TAG_LEN || cap < len + NOISE_TAG_LEN)
		return -ENOBUFS;
	cipher_nonce(cs, nonce);
	if ((rc = cs->gcm.ops->seal(&cs->gcm, nonce, ad, adlen, in, len,
	    out)) < 0)
		return rc;
	cs->n++;
	*outlen = len + NOISE_TAG_LEN;
	return 0;
}

int
noise_cipher_decrypt(struct noise_cipher *cs, const uint8_t *ad, size_t adlen,
    const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t nonce[NOISE_GCM_NONCE_LEN];
	int rc;

	if ((rc = cipher_check(cs)) < 0)
		return rc;
	if (rc == 1) {
		if (cap < len)
			return -ENOBUFS;
		memmove(out, in, len);
		*outlen = len;
		return 0;
	}
	if (len < NOISE_TAG_LEN) {	/* too short to carry a tag: forged */
		cs->failed = true;
		return NOISE_ERR_AEAD;
	}
	if (cap < len - NOISE_TAG_LEN)
		return -ENOBUFS;
	cipher_nonce(cs, nonce);
	rc = cs->gcm.ops->open(&cs->gcm, nonce, ad, adlen, in, len, out);
	if (rc == NOISE_ERR_AEAD)
		cs->failed = true;
	if (rc < 0)
		return rc;
	cs->n++;
	*outlen = len - NOISE_TAG_LEN;
	return 0;
}

uint64_t
noise_cipher_nonce(const struct noise_cipher *cs)
{
	return cs->n;
}

int
noise_cipher_set_nonce(struct noise_cipher *cs, uint64_t n)
{
	if (n > NOISE_NONCE_MAX)
		return -ERANGE;
	cs->n = n;
	return 0;
}

const char *
noise_cipher_backend_name(const struct noise_cipher *cs)
{
	return cs->gcm.ops != NULL ? cs->gcm.ops->name : "none";
}
