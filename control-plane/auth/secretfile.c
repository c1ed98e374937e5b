/* secretfile.c: small 0600 files replaced atomically (see secretfile.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	ssize_t n;
	size_t got = 0;
	int fd, rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -errno;
	while (got < *len) {
		if ((n = read(fd, (char *)buf + got, *len - got)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (rc == 0 && got == *len) {
		char extra;

		if (read(fd, &extra, 1) == 1)
			rc = -EFBIG;
	}
	close(fd);
	if (rc == 0)
		*len = got;
	return rc;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ctl_secretfile_write(const char *dir, const char *name, const void *buf,
    size_t len)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd, dfd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp-%d",
	    dir, name, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
		return -errno;
	rc = write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) == -1)
		rc = -errno;
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);	/* the old file, if any, is untouched */
		return rc;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	if (fsync(dfd) == -1)	/* only now is the rename durable */
		rc = -errno;
	close(dfd);
	return rc;
}
