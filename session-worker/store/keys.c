/* keys.c: see keys.h. */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "crypto/xeddsa.h"
#include "keys.h"

#define DJB_TYPE	0x05	/* Signal's Curve25519 key type byte */

void
keys_curve_pair(uint8_t priv[CREDS_KEY_LEN], uint8_t pub[CREDS_KEY_LEN])
{
	randombytes_buf(priv, CREDS_KEY_LEN);
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
	crypto_scalarmult_base(pub, priv);
}

int
keys_sign_pub(const uint8_t ident_priv[CREDS_KEY_LEN],
    const uint8_t pub[CREDS_KEY_LEN], uint8_t sig[CREDS_SIG_LEN])
{
	uint8_t msg[1 + CREDS_KEY_LEN];

	msg[0] = DJB_TYPE;
	memcpy(msg + 1, pub, CREDS_KEY_LEN);
	return xeddsa_sign(ident_priv, msg, sizeof(msg), sig);
}

int
keys_generate(struct creds *c)
{
	memset(c, 0, sizeof(*c));
	keys_curve_pair(c->noise_priv, c->noise_pub);
	keys_curve_pair(c->ident_priv, c->ident_pub);
	/* 14 bits, never 0 (libsignal's KeyHelper range is 1..16380). */
	c->registration_id = 1 + randombytes_uniform(16380);
	c->spk_id = 1;
	keys_curve_pair(c->spk_priv, c->spk_pub);
	randombytes_buf(c->adv_secret, sizeof(c->adv_secret));
	c->next_prekey_id = 1;
	c->uploaded_prekey_id = 0;
	return keys_sign_pub(c->ident_priv, c->spk_pub, c->spk_sig);
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void
keys_prekey_batch_header(uint8_t *buf, uint32_t first, uint32_t count)
{
	memcpy(buf, "PKB1", 4);
	be32(buf + 4, first);
	be32(buf + 8, count);
}

long
keys_prekey_batch_find(const uint8_t *b, size_t len, uint32_t id)
{
	static const uint8_t zero[KEYS_PREKEY_ENTRY];
	uint32_t first, count;
	size_t off;

	if (len < KEYS_PREKEY_BATCH_HDR || memcmp(b, "PKB1", 4) != 0)
		return -EBADMSG;
	first = rd32(b + 4);
	count = rd32(b + 8);
	if ((len - KEYS_PREKEY_BATCH_HDR) / KEYS_PREKEY_ENTRY != count ||
	    (len - KEYS_PREKEY_BATCH_HDR) % KEYS_PREKEY_ENTRY != 0)
		return -EBADMSG;
	if (id < first || id - first >= count)
		return -ENOENT;
	off = KEYS_PREKEY_BATCH_HDR + (size_t)(id - first) * KEYS_PREKEY_ENTRY;
	if (memcmp(b + off, zero, KEYS_PREKEY_ENTRY) == 0)
		return -ENOENT;	/* used */
	return (long)off;
}
