/*
 * perms.h: the worker trusts only files and directories nobody else can
 * change: owned by the worker's user (or root), not writable by others,
 * group-writable only for the worker's own group (umask 002). A data directory another user can write lets that user swap
 * the session or the whitelist; a whitelist another user owns decides
 * who talks to the bot. Pure check: path in, verdict and one sentence
 * naming the file and the fix out.
 */
#ifndef WALINK_PERMS_H
#define WALINK_PERMS_H

#define PERMS_WHY_MAX	512

/*
 * 0 when path is safe, -ENOENT when it does not exist (nothing to
 * check), -EPERM with why filled when another user owns it or group or
 * others may write it, -errno when it cannot be examined (why filled).
 * Symbolic links are followed: the target is what gets used.
 */
int	perms_check(const char *path, const char *what, char why[PERMS_WHY_MAX]);

/* 0 when a secret file is 0600 or stricter (-EPERM with why otherwise). */
int	perms_check_secret(const char *path, const char *what,
	    char why[PERMS_WHY_MAX]);

#endif
