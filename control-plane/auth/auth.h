/*
 * auth.h: wa-control's admin authentication, its only persistent state
 * (DESIGN.md "Files": DIR/control-plane/, 0700 dir, 0600 files):
 *   admin.pwhash  crypto_pwhash_str of the admin password
 *   session.key   32 random bytes; with the generation (sessions.h) it
 *                 makes the key that signs session cookies
 *   sessions      generation, password fingerprint, revoked tokens
 * WA_ADMIN_PASSWORD, when set, is checked against the stored hash and
 * replaces it when it differs (which ends every existing session).
 * Without it and without a stored hash, ctl_auth_open() generates a
 * password and hands it back once for main() to print; only its hash is
 * kept. WA_API_TOKEN, when set, is accepted as "Authorization: Bearer".
 * All functions are safe from civetweb's worker threads.
 */
#ifndef WALINK_CTL_AUTH_H
#define WALINK_CTL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/cookie.h"
#include "auth/sessions.h"

#define CTL_SESSION_TTL_S	(12 * 3600)	/* one working day */
#define CTL_GENPW_LEN		24		/* ~143 bits from a 62-char set */
#define CTL_HASH_MAX		1		/* Argon2id verifications at once:
						   64 MiB each (MEMLIMIT_INTERACTIVE) */
#define CTL_LOGIN_BURST		5		/* failed logins before 429 */
#define CTL_LOGIN_REFILL_S	30		/* one more attempt per 30 s */

struct ctl_auth;

/*
 * dir: DIR/control-plane (created 0700 if missing). generated receives a
 * NUL-terminated new password or "" when none was generated. 0 or -errno
 * with why naming the failed step.
 */
int	ctl_auth_open(const char *dir, const char *env_password,
	    const char *env_token, struct ctl_auth **out,
	    char generated[CTL_GENPW_LEN + 1], const char **why);
void	ctl_auth_free(struct ctl_auth *);

/* Verify a password (slow: Argon2id, 64 MiB). true on match. */
bool	ctl_auth_password_ok(struct ctl_auth *, const char *, size_t);
/*
 * The same, for requests: at most CTL_HASH_MAX run at once in the whole
 * process, so a login flood costs bounded memory. 1 match, 0 wrong,
 * -EBUSY when the hash slots are taken (answer 429, nothing evaluated).
 */
int	ctl_auth_password_try(struct ctl_auth *, const char *, size_t);

/* New session: Set-Cookie value (without attributes) and CSRF token. */
int	ctl_auth_session_new(struct ctl_auth *, uint64_t now,
	    char cookie[CTL_COOKIE_MAX], char csrf[CTL_CSRF_LEN + 1]);

/*
 * The session a cookie value proves: 0 with csrf filled, -EACCES for a
 * forged, malformed, expired or revoked one.
 */
int	ctl_auth_session_check(struct ctl_auth *, const char *cookie,
	    uint64_t now, char csrf[CTL_CSRF_LEN + 1]);
/* Ends one session, on disk before it returns. 0 or -errno (not kept
 * across a restart). A cookie that proves no session is ignored (0). */
int	ctl_auth_session_revoke(struct ctl_auth *, const char *cookie,
	    uint64_t now);
/* "Log out everywhere": a new generation ends every cookie. 0 or -errno
 * (ended now, but not kept across a restart). */
int	ctl_auth_end_all_sessions(struct ctl_auth *);

/* "Authorization" header value -> true for the right bearer token. */
bool	ctl_auth_bearer_ok(const struct ctl_auth *, const char *header);

struct ctl_ratelimit *ctl_auth_limiter(struct ctl_auth *);

#endif
