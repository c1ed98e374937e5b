/*
 * cookie.h: session cookies and CSRF tokens. Pure functions of a 32-byte
 * secret (DIR/control-plane/session.key) and the clock the caller passes,
 * so tests can forge, expire and tamper at will.
 *
 * Cookie value: hex(token[16]) "." expiry (unix seconds) "." hex(mac[32])
 * with mac = HMAC-SHA256(secret, "wa-session|" hex(token) "." expiry).
 * The token is random per login; the expiry is checked by the server on
 * every request (a client cannot extend it without breaking the MAC); a
 * logout revokes the token server-side (auth.c).
 */
#ifndef WALINK_CTL_COOKIE_H
#define WALINK_CTL_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_SECRET_LEN		32
#define CTL_TOKEN_LEN		16
#define CTL_COOKIE_MAX		128	/* 32 + 1 + 20 + 1 + 64 + NUL fits */
#define CTL_CSRF_LEN		32	/* hex characters */
#define CTL_COOKIE_NAME		"wa_session"

int	ctl_cookie_make(const uint8_t secret[CTL_SECRET_LEN],
	    const uint8_t token[CTL_TOKEN_LEN], uint64_t expiry,
	    char out[CTL_COOKIE_MAX]);

/*
 * 0 with token/expiry filled; -EBADMSG malformed; -EACCES wrong MAC;
 * -ESTALE expired (expiry <= now).
 */
int	ctl_cookie_verify(const uint8_t secret[CTL_SECRET_LEN],
	    const char *value, uint64_t now, uint8_t token[CTL_TOKEN_LEN],
	    uint64_t *expiry);

/* Finds CTL_COOKIE_NAME in a Cookie header; 0 or -ENOENT/-EMSGSIZE. */
int	ctl_cookie_find(const char *header, char out[CTL_COOKIE_MAX]);

/* The session's CSRF token: hex of HMAC(secret, "wa-csrf|" token), cut. */
void	ctl_csrf_token(const uint8_t secret[CTL_SECRET_LEN],
	    const uint8_t token[CTL_TOKEN_LEN], char out[CTL_CSRF_LEN + 1]);

struct ctl_csrf_req {
	const char	*origin;	/* Origin header or NULL */
	const char	*fetch_site;	/* Sec-Fetch-Site header or NULL */
	const char	*host;		/* Host header or NULL */
	const char	*header_token;	/* X-CSRF-Token header or NULL */
	const char	*want_token;	/* the session's token; NULL: none yet */
};

/*
 * A state-changing request made with a cookie is refused (false) when the
 * browser says it is cross-site (Sec-Fetch-Site), when Origin names
 * another host, or, once a session exists, when X-CSRF-Token is not the
 * session's token. Bearer requests never reach this check.
 */
bool	ctl_csrf_allows(const struct ctl_csrf_req *);

#endif
