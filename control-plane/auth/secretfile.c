/* secretfile.c: small 0600 files replaced atomically (see secretfile.h). */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "atomicfile.h"
#include "auth/secretfile.h"

int
ctl_secretfile_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -errno;
	if (stat(dir, &st) == -1)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) == -1)
		return -errno;
	return 0;
}

int
ctl_secretfile_read(const char *dir, const char *name, void *buf, size_t *len)
{
	char path[PATH_MAX];
	uint8_t *data;
	size_t n;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	if ((rc = atomicfile_read(path, *len, &data, &n)) < 0)
		return rc;
	memcpy(buf, data, n);
	sodium_memzero(data, n);	/* a password hash or a signing key */
	free(data);
	*len = n;
	return 0;
}

/* The recipe lives in shared/atomicfile (STYLE.md rule 7). */
int
ctl_secretfile_write(const char *dir, const char *name, const void *buf,
    size_t len)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	return atomicfile_write(path, buf, len, 0600);
}
