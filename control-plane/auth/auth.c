/* auth.c: admin password, sessions, bearer token (see auth.h). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "auth/secretfile.h"
#include "auth/sessions.h"

#define PWHASH_FILE	"admin.pwhash"
#define SECRET_FILE	"session.key"

struct ctl_auth {
	char		 pwhash[crypto_pwhash_STRBYTES];
	uint8_t		 secret[CTL_SECRET_LEN];
	bool		 has_token;
	uint8_t		 token_hash[crypto_generichash_BYTES];
	char		 dir[PATH_MAX];
	pthread_mutex_t	 lock;		/* guards cookie_key and sess */
	uint8_t		 cookie_key[CTL_SECRET_LEN];	/* secret + generation */
	struct ctl_sessions sess;
	atomic_int	 hashing;	/* password hashes running now */
	struct ctl_ratelimit *rl;
};

static int
auth_hash(const char *pw, size_t len, char out[crypto_pwhash_STRBYTES])
{
	if (crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -ENOMEM;
	return 0;
}

static void
auth_generate(char pw[CTL_GENPW_LEN + 1])
{
	static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	    "abcdefghijkmnopqrstuvwxyz23456789";
	size_t i;

	for (i = 0; i < CTL_GENPW_LEN; i++)
		pw[i] = set[randombytes_uniform(sizeof(set) - 1)];
	pw[CTL_GENPW_LEN] = '\0';
}

/* Load the stored hash, or make one from a new password. */
static int
auth_load_password(struct ctl_auth *a, const char *dir,
    char generated[CTL_GENPW_LEN + 1], const char **why)
{
	size_t len = sizeof(a->pwhash) - 1;
	int rc;

	rc = ctl_secretfile_read(dir, PWHASH_FILE, a->pwhash, &len);
	if (rc == 0) {
		a->pwhash[len] = '\0';
		a->pwhash[strcspn(a->pwhash, "\n")] = '\0';
		return 0;
	}
	if (rc != -ENOENT) {
		*why = "reading " PWHASH_FILE;
		return rc;
	}
	auth_generate(generated);
	if ((rc = auth_hash(generated, CTL_GENPW_LEN, a->pwhash)) < 0) {
		*why = "hashing the new admin password";
		return rc;
	}
	if ((rc = ctl_secretfile_write(dir, PWHASH_FILE, a->pwhash,
	    strlen(a->pwhash))) < 0)
		*why = "writing " PWHASH_FILE;
	return rc;
}

static int
auth_load_secret(struct ctl_auth *a, const char *dir, const char **why)
{
	size_t len = sizeof(a->secret);
	int rc;

	rc = ctl_secretfile_read(dir, SECRET_FILE, a->secret, &len);
	if (rc == 0 && len == sizeof(a->secret))
		return 0;
	if (rc == 0 || rc == -EFBIG) {
		*why = SECRET_FILE " has the wrong size (want 32 bytes)";
		return -EBADMSG;
	}
	if (rc != -ENOENT) {
		*why = "reading " SECRET_FILE;
		return rc;
	}
	randombytes_buf(a->secret, sizeof(a->secret));
	if ((rc = ctl_secretfile_write(dir, SECRET_FILE, a->secret,
	    sizeof(a->secret))) < 0)
		*why = "writing " SECRET_FILE;
	return rc;
}

/*
 * WA_ADMIN_PASSWORD: the stored hash stays the verifier while it matches;
 * a different password replaces it, and auth_load_sessions() then sees a
 * new fingerprint and ends every session made under the old one.
 */
static int
auth_env_password(struct ctl_auth *a, const char *dir, const char *pw,
    const char **why)
{
	size_t len = sizeof(a->pwhash) - 1;
	int rc;

	rc = ctl_secretfile_read(dir, PWHASH_FILE, a->pwhash, &len);
	if (rc == 0) {
		a->pwhash[len] = '\0';
		a->pwhash[strcspn(a->pwhash, "\n")] = '\0';
		if (crypto_pwhash_str_verify(a->pwhash, pw, strlen(pw)) == 0)
			return 0;
	} else if (rc != -ENOENT) {
		*why = "reading " PWHASH_FILE;
		return rc;
	}
	if ((rc = auth_hash(pw, strlen(pw), a->pwhash)) < 0) {
		*why = "hashing WA_ADMIN_PASSWORD";
		return rc;
	}
	if ((rc = ctl_secretfile_write(dir, PWHASH_FILE, a->pwhash,
	    strlen(a->pwhash))) < 0)
		*why = "writing " PWHASH_FILE;
	return rc;
}

/* The cookie key of the current generation; lock held (or not shared yet). */
static void
auth_derive_cookie_key(struct ctl_auth *a)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, a->secret, sizeof(a->secret));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)"wa-gen|", 7);
	crypto_auth_hmacsha256_update(&st, a->sess.gen, sizeof(a->sess.gen));
	crypto_auth_hmacsha256_final(&st, a->cookie_key);
	sodium_memzero(&st, sizeof(st));
}

/* A fresh generation: every cookie signed before is void. Lock held. */
static void
auth_new_generation(struct ctl_auth *a)
{
	randombytes_buf(a->sess.gen, sizeof(a->sess.gen));
	memset(a->sess.revoked, 0, sizeof(a->sess.revoked));
	auth_derive_cookie_key(a);
}

/*
 * The generation and revocations of the last run. No file, a damaged one
 * or another password fingerprint: a new generation (fail closed: a lost
 * file must not bring logged-out cookies back).
 */
static int
auth_load_sessions(struct ctl_auth *a, const char *dir, const char **why)
{
	uint8_t fp[CTL_PWFP_LEN];
	int rc;

	crypto_generichash(fp, sizeof(fp), (const uint8_t *)a->pwhash,
	    strlen(a->pwhash), a->secret, sizeof(a->secret));
	rc = ctl_sessions_load(dir, &a->sess);
	if (rc < 0 && rc != -ENOENT && rc != -EBADMSG) {
		*why = "reading " CTL_SESSIONS_FILE;
		return rc;
	}
	if (rc == 0 && sodium_memcmp(fp, a->sess.pwfp, sizeof(fp)) == 0) {
		auth_derive_cookie_key(a);
		return 0;
	}
	memcpy(a->sess.pwfp, fp, sizeof(fp));
	auth_new_generation(a);
	if ((rc = ctl_sessions_save(dir, &a->sess, 0)) < 0)
		*why = "writing " CTL_SESSIONS_FILE;
	return rc;
}

int
ctl_auth_open(const char *dir, const char *env_password, const char *env_token,
    struct ctl_auth **out, char generated[CTL_GENPW_LEN + 1], const char **why)
{
	struct ctl_auth *a;
	int rc;

	generated[0] = '\0';
	if (sodium_init() < 0) {
		*why = "libsodium init";
		return -ENOSYS;
	}
	if ((rc = ctl_secretfile_dir(dir)) < 0) {
		*why = "creating the control-plane directory";
		return rc;
	}
	if ((a = sodium_malloc(sizeof(*a))) == NULL) {
		*why = "allocating auth state";
		return -ENOMEM;
	}
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	if ((a->rl = ctl_ratelimit_new(CTL_LOGIN_BURST,
	    CTL_LOGIN_REFILL_S)) == NULL) {
		*why = "allocating the login limiter";
		rc = -ENOMEM;
		goto out_free;
	}
	snprintf(a->dir, sizeof(a->dir), "%s", dir);
	if (env_password != NULL && env_password[0] != '\0')
		rc = auth_env_password(a, dir, env_password, why);
	else
		rc = auth_load_password(a, dir, generated, why);
	if (rc < 0 || (rc = auth_load_secret(a, dir, why)) < 0 ||
	    (rc = auth_load_sessions(a, dir, why)) < 0)
		goto out_free;
	if (env_token != NULL && env_token[0] != '\0') {
		a->has_token = true;
		crypto_generichash(a->token_hash, sizeof(a->token_hash),
		    (const uint8_t *)env_token, strlen(env_token), NULL, 0);
	}
	*out = a;
	return 0;
out_free:
	ctl_auth_free(a);
	return rc;
}

void
ctl_auth_free(struct ctl_auth *a)
{
	if (a == NULL)
		return;
	ctl_ratelimit_free(a->rl);
	pthread_mutex_destroy(&a->lock);
	sodium_free(a);		/* wipes the hash and the secret */
}

bool
ctl_auth_password_ok(struct ctl_auth *a, const char *pw, size_t len)
{
	return crypto_pwhash_str_verify(a->pwhash, pw, len) == 0;
}

int
ctl_auth_password_try(struct ctl_auth *a, const char *pw, size_t len)
{
	int rc;

	if (atomic_fetch_add(&a->hashing, 1) >= CTL_HASH_MAX) {
		atomic_fetch_sub(&a->hashing, 1);
		return -EBUSY;
	}
	rc = ctl_auth_password_ok(a, pw, len) ? 1 : 0;
	atomic_fetch_sub(&a->hashing, 1);
	return rc;
}

int
ctl_auth_session_new(struct ctl_auth *a, uint64_t now,
    char cookie[CTL_COOKIE_MAX], char csrf[CTL_CSRF_LEN + 1])
{
	uint8_t token[CTL_TOKEN_LEN];

	randombytes_buf(token, sizeof(token));
	pthread_mutex_lock(&a->lock);
	ctl_cookie_make(a->cookie_key, token, now + CTL_SESSION_TTL_S, cookie);
	ctl_csrf_token(a->cookie_key, token, csrf);
	pthread_mutex_unlock(&a->lock);
	sodium_memzero(token, sizeof(token));
	return 0;
}

/* Lock held. */
static bool
auth_is_revoked(struct ctl_auth *a, const uint8_t token[CTL_TOKEN_LEN])
{
	size_t i;
	bool hit = false;

	for (i = 0; i < CTL_REVOKED_MAX && !hit; i++)
		hit = a->sess.revoked[i].expiry != 0 &&
		    sodium_memcmp(a->sess.revoked[i].token, token,
		    CTL_TOKEN_LEN) == 0;
	return hit;
}

int
ctl_auth_session_check(struct ctl_auth *a, const char *cookie, uint64_t now,
    char csrf[CTL_CSRF_LEN + 1])
{
	uint8_t token[CTL_TOKEN_LEN];
	uint64_t expiry;
	int rc = -EACCES;

	pthread_mutex_lock(&a->lock);
	if (ctl_cookie_verify(a->cookie_key, cookie, now, token, &expiry) == 0 &&
	    !auth_is_revoked(a, token)) {
		ctl_csrf_token(a->cookie_key, token, csrf);
		rc = 0;
	}
	pthread_mutex_unlock(&a->lock);
	sodium_memzero(token, sizeof(token));
	return rc;
}

int
ctl_auth_session_revoke(struct ctl_auth *a, const char *cookie, uint64_t now)
{
	uint8_t token[CTL_TOKEN_LEN];
	uint64_t expiry;
	size_t i, slot = 0;
	int rc;

	pthread_mutex_lock(&a->lock);
	if (ctl_cookie_verify(a->cookie_key, cookie, now, token, &expiry) < 0) {
		pthread_mutex_unlock(&a->lock);
		return 0;	/* not a live session: nothing to end */
	}
	/* Reuse an expired slot, else the one expiring first. */
	for (i = 0; i < CTL_REVOKED_MAX; i++) {
		if (a->sess.revoked[i].expiry <= now) {
			slot = i;
			break;
		}
		if (a->sess.revoked[i].expiry < a->sess.revoked[slot].expiry)
			slot = i;
	}
	memcpy(a->sess.revoked[slot].token, token, CTL_TOKEN_LEN);
	a->sess.revoked[slot].expiry = expiry;
	/* Under the lock: two logouts never write older state last. */
	rc = ctl_sessions_save(a->dir, &a->sess, now);
	pthread_mutex_unlock(&a->lock);
	sodium_memzero(token, sizeof(token));
	return rc;
}

int
ctl_auth_end_all_sessions(struct ctl_auth *a)
{
	int rc;

	pthread_mutex_lock(&a->lock);
	auth_new_generation(a);
	rc = ctl_sessions_save(a->dir, &a->sess, 0);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

bool
ctl_auth_bearer_ok(const struct ctl_auth *a, const char *header)
{
	uint8_t h[crypto_generichash_BYTES];
	bool ok;

	if (!a->has_token || header == NULL ||
	    strncmp(header, "Bearer ", 7) != 0)
		return false;
	/* Hash first so the comparison is constant-time whatever the length. */
	crypto_generichash(h, sizeof(h), (const uint8_t *)header + 7,
	    strlen(header + 7), NULL, 0);
	ok = sodium_memcmp(h, a->token_hash, sizeof(h)) == 0;
	sodium_memzero(h, sizeof(h));
	return ok;
}

struct ctl_ratelimit *
ctl_auth_limiter(struct ctl_auth *a)
{
	return a->rl;
}
