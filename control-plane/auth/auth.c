/* auth.c: admin password, sessions, bearer token (see auth.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "auth/secretfile.h"

#define PWHASH_FILE	"admin.pwhash"
#define SECRET_FILE	"session.key"

struct revoked {
	uint8_t		token[CTL_TOKEN_LEN];
	uint64_t	expiry;		/* forget it once the cookie expires */
};

struct ctl_auth {
	char		 pwhash[crypto_pwhash_STRBYTES];
	uint8_t		 secret[CTL_SECRET_LEN];
	bool		 has_token;
	uint8_t		 token_hash[crypto_generichash_BYTES];
	pthread_mutex_t	 lock;		/* guards revoked[] */
	struct revoked	 revoked[CTL_REVOKED_MAX];
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
	if (env_password != NULL && env_password[0] != '\0')
		rc = auth_hash(env_password, strlen(env_password), a->pwhash);
	else
		rc = auth_load_password(a, dir, generated, why);
	if (rc < 0 || (rc = auth_load_secret(a, dir, why)) < 0)
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
ctl_auth_session_new(struct ctl_auth *a, uint64_t now,
    char cookie[CTL_COOKIE_MAX], char csrf[CTL_CSRF_LEN + 1])
{
	uint8_t token[CTL_TOKEN_LEN];

	randombytes_buf(token, sizeof(token));
	ctl_cookie_make(a->secret, token, now + CTL_SESSION_TTL_S, cookie);
	ctl_csrf_token(a->secret, token, csrf);
	sodium_memzero(token, sizeof(token));
	return 0;
}

static bool
auth_is_revoked(struct ctl_auth *a, const uint8_t token[CTL_TOKEN_LEN])
{
	size_t i;
	bool hit = false;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < CTL_REVOKED_MAX && !hit; i++)
		hit = a->revoked[i].expiry != 0 &&
		    sodium_memcmp(a->revoked[i].token, token,
		    CTL_TOKEN_LEN) == 0;
	pthread_mutex_unlock(&a->lock);
	return hit;
}

int
ctl_auth_session_check(struct ctl_auth *a, const char *cookie, uint64_t now,
    char csrf[CTL_CSRF_LEN + 1])
{
	uint8_t token[CTL_TOKEN_LEN];
	uint64_t expiry;

	if (ctl_cookie_verify(a->secret, cookie, now, token, &expiry) < 0 ||
	    auth_is_revoked(a, token))
		return -EACCES;
	ctl_csrf_token(a->secret, token, csrf);
	return 0;
}

void
ctl_auth_session_revoke(struct ctl_auth *a, const char *cookie, uint64_t now)
{
	uint8_t token[CTL_TOKEN_LEN];
	uint64_t expiry;
	size_t i, slot = 0;

	if (ctl_cookie_verify(a->secret, cookie, now, token, &expiry) < 0)
		return;
	pthread_mutex_lock(&a->lock);
	/* Reuse an expired slot, else the one expiring first. */
	for (i = 0; i < CTL_REVOKED_MAX; i++) {
		if (a->revoked[i].expiry <= now) {
			slot = i;
			break;
		}
		if (a->revoked[i].expiry < a->revoked[slot].expiry)
			slot = i;
	}
	memcpy(a->revoked[slot].token, token, CTL_TOKEN_LEN);
	a->revoked[slot].expiry = expiry;
	pthread_mutex_unlock(&a->lock);
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
