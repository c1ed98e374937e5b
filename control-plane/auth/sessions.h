/*
 * sessions.h: what ends sessions, kept across restarts in
 * DIR/control-plane/sessions (0600, replaced atomically):
 *   - the generation: 16 random bytes mixed into the key that signs
 *     cookies (auth.c); a new one ends every cookie at once ("log out
 *     everywhere", a changed admin password, a lost or damaged file);
 *   - a fingerprint of the admin password hash in force, so a password
 *     changed while wa-control was down still ends the old sessions;
 *   - the revoked tokens (logouts) until their cookies expire.
 * Pure storage: the caller (auth.c) owns the struct and its lock.
 */
#ifndef WALINK_CTL_SESSIONS_H
#define WALINK_CTL_SESSIONS_H

#include <stdint.h>

#include "auth/cookie.h"

#define CTL_REVOKED_MAX		1024	/* logged-out tokens remembered */
#define CTL_GEN_LEN		16
#define CTL_PWFP_LEN		32
#define CTL_SESSIONS_FILE	"sessions"

struct ctl_revoked {
	uint8_t		token[CTL_TOKEN_LEN];
	uint64_t	expiry;		/* 0: free slot */
};

struct ctl_sessions {
	uint8_t			gen[CTL_GEN_LEN];
	uint8_t			pwfp[CTL_PWFP_LEN];
	struct ctl_revoked	revoked[CTL_REVOKED_MAX];
};

/* 0; -ENOENT (no file yet); -EBADMSG (damaged); -errno. s is filled
 * only on 0. */
int	ctl_sessions_load(const char *dir, struct ctl_sessions *s);
/* Writes every slot that expires after now. 0 or -errno. */
int	ctl_sessions_save(const char *dir, const struct ctl_sessions *s,
	    uint64_t now);

#endif
