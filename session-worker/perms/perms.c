/* perms.c: ownership and mode checks before the worker trusts a path. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "perms/perms.h"

int
perms_check(const char *path, const char *what, char why[PERMS_WHY_MAX])
{
	struct stat st;
	uid_t me = geteuid();

	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			return -ENOENT;
		snprintf(why, PERMS_WHY_MAX, "%s %s cannot be examined: %s",
		    what, path, strerror(errno));
		return -errno;
	}
	if (st.st_uid != me && st.st_uid != 0) {
		snprintf(why, PERMS_WHY_MAX, "%s %s belongs to user %ld, not to "
		    "this worker's user %ld: anyone logged in as that user can "
		    "change it; fix: chown %ld %s", what, path,
		    (long)st.st_uid, (long)me, (long)me, path);
		return -EPERM;
	}
	/*
	 * Group write is refused unless the group is the worker's own (the
	 * user-private-group scheme, umask 002): then nobody else is in it.
	 */
	if ((st.st_mode & S_IWOTH) != 0 ||
	    ((st.st_mode & S_IWGRP) != 0 && st.st_gid != getegid())) {
		snprintf(why, PERMS_WHY_MAX, "%s %s is writable by %s (mode "
		    "%04o): other users could change it; fix: chmod go-w %s",
		    what, path, (st.st_mode & S_IWOTH) ? "everyone" :
		    "another group", (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

int
perms_check_secret(const char *path, const char *what,
    char why[PERMS_WHY_MAX])
{
	struct stat st;
	int rc;

	if ((rc = perms_check(path, what, why)) < 0 && rc != -ENOENT)
		return rc;
	if (rc == -ENOENT || stat(path, &st) == -1) {
		snprintf(why, PERMS_WHY_MAX, "%s %s cannot be read: %s", what,
		    path, strerror(ENOENT));
		return -ENOENT;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(why, PERMS_WHY_MAX, "%s %s is readable by other users "
		    "(mode %04o); fix: chmod 600 %s", what, path,
		    (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}
