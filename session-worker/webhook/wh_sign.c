/*
 * wh_sign.c: see wh_sign.h. Signing as the Standard Webhooks specification
 * gives it (signed content "msg_id.timestamp.payload", HMAC-SHA256, base64,
 * "v1," prefix); the whsec_ secret form is theirs too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "webhook/wh_sign.h"

int
wh_secret_parse(const char *text, size_t len, uint8_t key[WH_KEY_MAX],
    size_t *key_len)
{
	size_t n;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -EINVAL;
	if (len > 6 && memcmp(text, "whsec_", 6) == 0) {
		if (sodium_base642bin(key, WH_KEY_MAX, text + 6, len - 6, NULL, &n,
		    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || n == 0)
			return -EINVAL;
		*key_len = n;
		return 0;
	}
	if (len > WH_KEY_MAX)
		return -EINVAL;
	memcpy(key, text, len);
	*key_len = len;
	return 0;
}

int
wh_sign(const uint8_t *key, size_t key_len, const char *id, uint64_t ts,
    const char *body, size_t len, char out[WH_SIG_MAX])
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	char head[160];
	int hl;
	EVP_MAC *m;
	EVP_MAC_CTX *c = NULL;
	OSSL_PARAM params[2];
	size_t outl = 0;
	int ok;

	hl = snprintf(head, sizeof(head), "%s.%llu.", id, (unsigned long long)ts);
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return -EINVAL;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = (m = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL &&
	    (c = EVP_MAC_CTX_new(m)) != NULL &&
	    EVP_MAC_init(c, key, key_len, params) > 0 &&
	    EVP_MAC_update(c, (const uint8_t *)head, (size_t)hl) > 0 &&
	    EVP_MAC_update(c, (const uint8_t *)body, len) > 0 &&
	    EVP_MAC_final(c, mac, &outl, sizeof(mac)) > 0 && outl == 32;
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
	if (!ok)
		return -EIO;
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, WH_SIG_MAX - 3, mac, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

bool
wh_status_ok(int status)
{
	return status >= 200 && status < 300;
}

bool
wh_status_final(int status)
{
	switch (status) {
	case 400: case 401: case 403: case 404: case 422:
		return true;
	default:
		return wh_status_ok(status);
	}
}

uint64_t
wh_backoff_ms(unsigned attempt, uint64_t base, uint64_t cap, uint32_t rnd)
{
	uint64_t d = base, half;
	unsigned i;

	if (attempt == 0)
		attempt = 1;
	for (i = 1; i < attempt && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	half = d - d / 2;
	if (half > UINT32_MAX)
		half = UINT32_MAX;
	/* half fixed, half random: never sooner than d/2, never later than d */
	return d / 2 + ((half * rnd) >> 32);
}
