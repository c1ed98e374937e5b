/* cookie.c: signed session cookies and CSRF checks (see cookie.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/cookie.h"

#define MAC_LEN	crypto_auth_hmacsha256_BYTES

static void
cookie_mac(const uint8_t secret[CTL_SECRET_LEN], const char *tok_hex,
    uint64_t expiry, uint8_t mac[MAC_LEN])
{
	crypto_auth_hmacsha256_state st;
	char exp[24];

	snprintf(exp, sizeof(exp), ".%" PRIu64, expiry);
	crypto_auth_hmacsha256_init(&st, secret, CTL_SECRET_LEN);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)"wa-session|", 11);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)tok_hex,
	    CTL_TOKEN_LEN * 2);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)exp, strlen(exp));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

int
ctl_cookie_make(const uint8_t secret[CTL_SECRET_LEN],
    const uint8_t token[CTL_TOKEN_LEN], uint64_t expiry,
    char out[CTL_COOKIE_MAX])
{
	char tok_hex[CTL_TOKEN_LEN * 2 + 1], mac_hex[MAC_LEN * 2 + 1];
	uint8_t mac[MAC_LEN];

	sodium_bin2hex(tok_hex, sizeof(tok_hex), token, CTL_TOKEN_LEN);
	cookie_mac(secret, tok_hex, expiry, mac);
	sodium_bin2hex(mac_hex, sizeof(mac_hex), mac, MAC_LEN);
	snprintf(out, CTL_COOKIE_MAX, "%s.%" PRIu64 ".%s", tok_hex, expiry,
	    mac_hex);
	return 0;
}

/* Strict lower-case hex of exactly n bytes. */
static int
hex_exact(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t i, got;

	if (slen != n * 2)
		return -EBADMSG;
	for (i = 0; i < slen; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -EBADMSG;
	if (sodium_hex2bin(out, n, s, slen, NULL, &got, NULL) != 0 || got != n)
		return -EBADMSG;
	return 0;
}

int
ctl_cookie_verify(const uint8_t secret[CTL_SECRET_LEN], const char *value,
    uint64_t now, uint8_t token[CTL_TOKEN_LEN], uint64_t *expiry)
{
	const char *d1, *d2;
	uint8_t tok[CTL_TOKEN_LEN], mac[MAC_LEN], want[MAC_LEN];
	uint64_t exp = 0;
	const char *p;
	int rc;

	if (value == NULL || strnlen(value, CTL_COOKIE_MAX) >= CTL_COOKIE_MAX)
		return -EBADMSG;
	if ((d1 = strchr(value, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL)
		return -EBADMSG;
	if (hex_exact(value, (size_t)(d1 - value), tok, CTL_TOKEN_LEN) < 0 ||
	    hex_exact(d2 + 1, strlen(d2 + 1), mac, MAC_LEN) < 0)
		return -EBADMSG;
	if (d2 - d1 < 2 || d2 - d1 > 21)	/* 1..20 decimal digits */
		return -EBADMSG;
	for (p = d1 + 1; p < d2; p++) {
		if (*p < '0' || *p > '9' || exp > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		exp = exp * 10 + (uint64_t)(*p - '0');
	}
	{
		char tok_hex[CTL_TOKEN_LEN * 2 + 1];

		memcpy(tok_hex, value, CTL_TOKEN_LEN * 2);
		tok_hex[CTL_TOKEN_LEN * 2] = '\0';
		cookie_mac(secret, tok_hex, exp, want);
	}
	rc = sodium_memcmp(mac, want, MAC_LEN) == 0 ? 0 : -EACCES;
	if (rc == 0 && exp <= now)
		rc = -ESTALE;
	if (rc == 0) {
		memcpy(token, tok, CTL_TOKEN_LEN);
		*expiry = exp;
	}
	return rc;
}

int
ctl_cookie_find(const char *header, char out[CTL_COOKIE_MAX])
{
	const char *p = header;
	size_t nl = strlen(CTL_COOKIE_NAME), vl;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, CTL_COOKIE_NAME, nl) == 0 && p[nl] == '=') {
			p += nl + 1;
			vl = strcspn(p, ";");
			while (vl > 0 && p[vl - 1] == ' ')
				vl--;
			if (vl >= CTL_COOKIE_MAX)
				return -EMSGSIZE;
			memcpy(out, p, vl);
			out[vl] = '\0';
			return 0;
		}
		p = strchr(p, ';');
	}
	return -ENOENT;
}

void
ctl_csrf_token(const uint8_t secret[CTL_SECRET_LEN],
    const uint8_t token[CTL_TOKEN_LEN], char out[CTL_CSRF_LEN + 1])
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[MAC_LEN];

	crypto_auth_hmacsha256_init(&st, secret, CTL_SECRET_LEN);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)"wa-csrf|", 8);
	crypto_auth_hmacsha256_update(&st, token, CTL_TOKEN_LEN);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, CTL_CSRF_LEN + 1, mac, CTL_CSRF_LEN / 2);
	sodium_memzero(&st, sizeof(st));
}

/* Origin "scheme://host[:port]" must name the Host the request came to. */
static bool
origin_matches_host(const char *origin, const char *host)
{
	const char *p;

	if (strncmp(origin, "http://", 7) == 0)
		p = origin + 7;
	else if (strncmp(origin, "https://", 8) == 0)
		p = origin + 8;
	else
		return false;
	return host != NULL && strcmp(p, host) == 0;
}

bool
ctl_csrf_allows(const struct ctl_csrf_req *r)
{
	size_t n;

	if (r->fetch_site != NULL && strcmp(r->fetch_site, "same-origin") != 0 &&
	    strcmp(r->fetch_site, "none") != 0)
		return false;
	if (r->origin != NULL && !origin_matches_host(r->origin, r->host))
		return false;
	if (r->want_token == NULL)
		return true;
	if (r->header_token == NULL)
		return false;
	n = strlen(r->want_token);
	if (strlen(r->header_token) != n)
		return false;
	return sodium_memcmp(r->header_token, r->want_token, n) == 0;
}
