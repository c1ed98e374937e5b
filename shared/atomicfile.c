/*
 * atomicfile.c: atomic file replacement, bounded reads, directories
 * (see atomicfile.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "wl_error.h"

/* Temp-name attempts before giving up on EEXIST (stale temps, races). */
#define AF_TEMP_TRIES	64
#define AF_TEMP_INFIX	".tmp-"

/* Fault table: armed is checked first so production pays one load. */
static struct {
	bool		armed;
	unsigned	countdown[AF_OP__MAX];	/* 0: this op never fails */
	int		err[AF_OP__MAX];
} af_fault;

static atomic_uint af_temp_seq;

void
atomicfile_fault_set(enum atomicfile_op op, unsigned nth, int err)
{
	if ((unsigned)op >= AF_OP__MAX)
		return;
	af_fault.countdown[op] = nth;
	af_fault.err[op] = err;
	af_fault.armed = true;
}

void
atomicfile_fault_clear(void)
{
	memset(&af_fault, 0, sizeof(af_fault));
}

/* True if this call of op must fail; errno is then set. */
static bool
af_fails(enum atomicfile_op op)
{
	if (!af_fault.armed || af_fault.countdown[op] == 0)
		return false;
	if (--af_fault.countdown[op] > 0)
		return false;
	errno = af_fault.err[op];
	return true;
}

static int
af_fsync(int fd, enum atomicfile_op op)
{
	if (af_fails(op))
		return -1;
	return fsync(fd);
}

static int
af_close(int fd)
{
	if (af_fails(AF_OP_CLOSE)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static int
af_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = af_fails(AF_OP_WRITE) ? -1 : write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync a directory fd; EINVAL means the filesystem cannot, not failure. */
static int
af_fsync_dirfd(int dfd)
{
	if (af_fsync(dfd, AF_OP_DIRFSYNC) == -1 && errno != EINVAL)
		return -errno;
	return 0;
}

/* ".NAME.tmp-PID-N": never a name anyone reads; -ENAMETOOLONG if too long. */
static int
af_temp_name(char tmp[NAME_MAX + 1], const char *name)
{
	int n;

	n = snprintf(tmp, NAME_MAX + 1, ".%s" AF_TEMP_INFIX "%ld-%u", name,
	    (long)getpid(), atomic_fetch_add(&af_temp_seq, 1));
	return n < 0 || n > NAME_MAX ? -ENAMETOOLONG : 0;
}

/* Opens a fresh temp beside name; returns the fd or -errno, tmp filled. */
static int
af_open_temp(int dfd, const char *name, mode_t mode, char tmp[NAME_MAX + 1])
{
	int fd, i, n;

	for (i = 0; i < AF_TEMP_TRIES; i++) {
		if ((n = af_temp_name(tmp, name)) < 0)
			return n;
		if (af_fails(AF_OP_OPEN))
			return -errno;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    mode);
		if (fd == -1 && errno == EEXIST)
			continue;
		if (fd == -1)
			return -errno;
		if (fchmod(fd, mode) == -1) {	/* exact mode, whatever umask */
			n = -errno;
			close(fd);
			unlinkat(dfd, tmp, 0);
			return n;
		}
		return fd;
	}
	return -EEXIST;
}

/* Writes a temp and renames it over name; the directory is not synced. */
static int
af_replace(int dfd, const char *name, const void *buf, size_t len,
    mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int fd, rc;

	if ((fd = af_open_temp(dfd, name, mode, tmp)) < 0)
		return fd;
	rc = af_write_all(fd, buf, len);
	if (rc == 0 && af_fsync(fd, AF_OP_FSYNC) == -1)
		rc = -errno;
	if (af_close(fd) == -1 && rc == 0)
		rc = -errno;	/* NFS and quotas report late errors here */
	if (rc == 0 && (af_fails(AF_OP_RENAME) ||
	    renameat(dfd, tmp, dfd, name) == -1))
		rc = -errno;
	if (rc < 0)
		unlinkat(dfd, tmp, 0);	/* the old file is untouched */
	return rc;
}

static bool
af_name_ok(const char *name)
{
	return name[0] != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int
atomicfile_write_at(int dfd, const char *name, const void *buf, size_t len,
    mode_t mode)
{
	int rc;

	if (!af_name_ok(name))
		return -EINVAL;
	if (mode == 0)
		mode = ATOMICFILE_MODE_DEFAULT;
	if ((rc = af_replace(dfd, name, buf, len, mode & 07777)) < 0)
		return rc;
	return af_fsync_dirfd(dfd);	/* only now is the rename durable */
}

int
atomicfile_write_many_at(int dfd, const struct atomicfile_item *items,
    size_t n, mode_t mode)
{
	char (*tmp)[NAME_MAX + 1];
	size_t i, made = 0;
	int fd, rc = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!af_name_ok(items[i].name))
			return -EINVAL;
	if (mode == 0)
		mode = ATOMICFILE_MODE_DEFAULT;
	if ((tmp = calloc(n, sizeof(*tmp))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n && rc == 0; i++) {
		if ((fd = af_open_temp(dfd, items[i].name, mode & 07777,
		    tmp[i])) < 0) {
			rc = fd;
			break;
		}
		made++;
		rc = af_write_all(fd, items[i].buf, items[i].len);
		if (af_close(fd) == -1 && rc == 0)
			rc = -errno;
	}
	/*
	 * One sync for every temp's data (syncfs: the filesystem of dfd),
	 * instead of one fsync each: the group commit.
	 */
	if (rc == 0 && (af_fails(AF_OP_FSYNC) || syncfs(dfd) == -1))
		rc = -errno;
	for (i = 0; i < n && rc == 0; i++)
		if (af_fails(AF_OP_RENAME) ||
		    renameat(dfd, tmp[i], dfd, items[i].name) == -1)
			rc = -errno;
	if (rc < 0) {
		/* temps not yet renamed go; renamed ones are whole files */
		for (; made > 0; made--)
			unlinkat(dfd, tmp[made - 1], 0);
	}
	free(tmp);
	if (rc < 0)
		return rc;
	return af_fsync_dirfd(dfd);	/* one sync for every rename */
}

/* Opens path's directory; *name points into path at its last component. */
static int
af_open_parent(const char *path, const char **name)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int dfd;

	if (slash == NULL) {
		*name = path;
		snprintf(dir, sizeof(dir), ".");
	} else {
		*name = slash + 1;
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if (!af_name_ok(*name))
		return -EINVAL;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	return dfd;
}

int
atomicfile_write(const char *path, const void *buf, size_t len, mode_t mode)
{
	const char *name;
	int dfd, rc;

	if ((dfd = af_open_parent(path, &name)) < 0)
		return dfd;
	rc = atomicfile_write_at(dfd, name, buf, len, mode);
	close(dfd);
	return rc;
}

static int	af_read_fd(int, size_t, uint8_t **, size_t *);

/* Copies name to bak through a temp, for filesystems without hard links. */
static int
af_copy(int dfd, const char *name, const char *bak, mode_t mode)
{
	uint8_t *buf;
	size_t len;
	int fd, rc;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -errno;
	rc = af_read_fd(fd, SIZE_MAX / 4, &buf, &len);
	close(fd);
	if (rc < 0)
		return rc;
	rc = af_replace(dfd, bak, buf, len, mode);
	free(buf);
	return rc;
}

/* Hard-links name to a fresh temp beside bak; 0, or -errno from linkat. */
static int
af_link_temp(int dfd, const char *name, const char *bak,
    char tmp[NAME_MAX + 1])
{
	int i, rc;

	for (i = 0; i < AF_TEMP_TRIES; i++) {
		if ((rc = af_temp_name(tmp, bak)) < 0)
			return rc;
		if (af_fails(AF_OP_LINK) || linkat(dfd, name, dfd, tmp, 0) == -1) {
			if (errno == EEXIST)	/* a crashed run's temp */
				continue;
			return -errno;
		}
		return 0;
	}
	return -EEXIST;
}

/* Makes name's current content bak, atomically; no current file is fine. */
static int
af_backup(int dfd, const char *name, const char *bak)
{
	char tmp[NAME_MAX + 1];
	struct stat st;
	int rc;

	if (fstatat(dfd, name, &st, 0) == -1)
		return errno == ENOENT ? 0 : -errno;
	if ((rc = af_link_temp(dfd, name, bak, tmp)) < 0) {
		if (rc == -EPERM || rc == -EXDEV || rc == -EOPNOTSUPP ||
		    rc == -EMLINK)	/* no hard links here: copy instead */
			return af_copy(dfd, name, bak, st.st_mode & 07777);
		return rc;
	}
	if (af_fails(AF_OP_RENAME) || renameat(dfd, tmp, dfd, bak) == -1) {
		rc = -errno;
		unlinkat(dfd, tmp, 0);
		return rc;
	}
	return 0;
}

int
atomicfile_write_keep(const char *path, const void *buf, size_t len,
    mode_t mode)
{
	char bak[NAME_MAX + 1];
	const char *name;
	int dfd, rc;

	if ((dfd = af_open_parent(path, &name)) < 0)
		return dfd;
	if (snprintf(bak, sizeof(bak), "%s%s", name, ATOMICFILE_BAK_SUFFIX) >
	    NAME_MAX)
		rc = -ENAMETOOLONG;
	else if ((rc = af_backup(dfd, name, bak)) == 0)
		rc = atomicfile_write_at(dfd, name, buf, len, mode);
	close(dfd);
	return rc;
}

/*
 * Reads a regular file of at most max bytes. The size from fstat is only
 * a hint: the file may grow or shrink while we read, so the bound is
 * enforced on the bytes actually read.
 */
static int
af_read_fd(int fd, size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf, *nbuf;
	size_t cap, n = 0;
	ssize_t r;
	int rc;

	if (fstat(fd, &st) == -1)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	cap = (size_t)st.st_size + 1;	/* +1 so EOF is seen without regrowth */
	if ((buf = malloc(cap + 1)) == NULL)	/* +1 for the NUL */
		return -ENOMEM;
	for (;;) {
		if (n == cap) {		/* the file grew since fstat */
			cap = cap > max / 2 ? max + 1 : cap * 2;
			if ((nbuf = realloc(buf, cap + 1)) == NULL) {
				rc = -ENOMEM;
				goto out_free_buf;
			}
			buf = nbuf;
		}
		r = af_fails(AF_OP_READ) ? -1 : read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out_free_buf;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = -EFBIG;
			goto out_free_buf;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;

out_free_buf:
	free(buf);
	return rc;
}

int
atomicfile_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
	int fd, rc;

	if (max >= SIZE_MAX - 1)
		max = SIZE_MAX - 2;	/* room for the EOF probe and the NUL */
	/* O_NONBLOCK: opening a FIFO must not hang; regular files ignore it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -errno;
	rc = af_read_fd(fd, max, out, len);
	close(fd);
	return rc;
}

/* True if ent is a temp of name or of name.bak (".NAME[.bak].tmp-*"). */
static bool
af_is_temp_of(const char *ent, const char *name)
{
	size_t n = strlen(name);

	if (ent[0] != '.' || strncmp(ent + 1, name, n) != 0)
		return false;
	ent += 1 + n;
	if (strncmp(ent, ATOMICFILE_BAK_SUFFIX,
	    sizeof(ATOMICFILE_BAK_SUFFIX) - 1) == 0)
		ent += sizeof(ATOMICFILE_BAK_SUFFIX) - 1;
	return strncmp(ent, AF_TEMP_INFIX, sizeof(AF_TEMP_INFIX) - 1) == 0;
}

int
atomicfile_remove_temps(const char *path)
{
	const char *name;
	struct dirent *e;
	DIR *d;
	int dfd, n = 0;

	if ((dfd = af_open_parent(path, &name)) < 0)
		return dfd;
	if ((d = fdopendir(dfd)) == NULL) {
		n = -errno;
		close(dfd);
		return n;
	}
	while ((e = readdir(d)) != NULL)
		if (af_is_temp_of(e->d_name, name) &&
		    unlinkat(dfd, e->d_name, 0) == 0)
			n++;
	closedir(d);	/* closes dfd too */
	return n;
}

/* fsync of the directory p (a writable copy) was just made in. */
static int
fsync_parent_of(char *p)
{
	char *slash = strrchr(p, '/');
	int rc;

	if (slash == NULL)
		return fsync_dir(".");
	if (slash == p)
		return fsync_dir("/");
	*slash = '\0';
	rc = fsync_dir(p);
	*slash = '/';
	return rc;
}

int
mkdir_mode(const char *path, mode_t mode, unsigned flags)
{
	char p[PATH_MAX];
	struct stat st;
	size_t n, i;

	n = strlen(path);
	if (n == 0)
		return -ENOENT;
	if (mode == 0)
		mode = MKDIR_MODE_DEFAULT;
	if (n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) == 0) {
			int rc;

			if (chmod(p, mode) == -1)	/* beat the umask */
				return -errno;
			/* the new entry lasts only once its parent is synced */
			if ((rc = fsync_parent_of(p)) < 0)
				return rc;
		} else if (errno != EEXIST) {
			return -errno;
		}
		p[i] = path[i];
	}
	if (stat(path, &st) == -1)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((flags & MKDIR_STRICT) && (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -WL_EUNSAFEMODE;
	return 0;
}

int
fsync_dir(const char *path)
{
	int dfd, rc;

	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	rc = af_fsync_dirfd(dfd);
	close(dfd);
	return rc;
}
