/*
 * secretfile.h: read and atomically replace wa-control's small secret
 * files (temp O_EXCL 0600 in the same directory, write, fsync, close,
 * rename, fsync the directory: STYLE.md rule 7). Never logs.
 */
#ifndef WALINK_CTL_SECRETFILE_H
#define WALINK_CTL_SECRETFILE_H

#include <stddef.h>

#define CTL_SECRETFILE_MAX	4096	/* our files are < 200 bytes */

/* Reads the whole file into buf (len in/out). 0, -ENOENT, -EFBIG, -errno. */
int	ctl_secretfile_read(const char *dir, const char *name, void *buf,
	    size_t *len);
int	ctl_secretfile_write(const char *dir, const char *name,
	    const void *buf, size_t len);
/* mkdir 0700 if absent; refuses a group/world-accessible directory. */
int	ctl_secretfile_dir(const char *dir);

#endif
