/*
 * test_media_upload_open: which files a bot may send (issue 13, "Paths:
 * only regular files, size-capped, opened safely"): relative names under
 * the send directory and absolute ones under either allowed directory
 * open; "..", paths elsewhere, a symbolic link as the file or as any
 * directory on the way, a FIFO, a directory, an empty file and a file
 * past the cap (by one byte) are refused with a reason that never holds
 * the path.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "media/media_upload.h"
#include "testdir.h"

static char top[256], send_dir[512], media_dir[512];

static void
put(const char *dir, const char *name, size_t n)
{
	char p[PATH_MAX], buf[256];
	FILE *f;

	memset(buf, 'x', sizeof(buf));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	while (n > 0) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		assert_int_equal(fwrite(buf, 1, k, f), k);
		n -= k;
	}
	fclose(f);
}

static int
setup(void **state)
{
	char p[PATH_MAX], q[PATH_MAX];

	(void)state;
	assert_int_equal(testdir_make(top, sizeof(top), "upload-open"), 0);
	snprintf(send_dir, sizeof(send_dir), "%s/send", top);
	snprintf(media_dir, sizeof(media_dir), "%s/media", top);
	assert_int_equal(mkdir(send_dir, 0700), 0);
	assert_int_equal(mkdir(media_dir, 0700), 0);
	snprintf(p, sizeof(p), "%s/sub", send_dir);
	assert_int_equal(mkdir(p, 0700), 0);
	put(send_dir, "car.jpg", 1000);
	put(send_dir, "sub/ticket.pdf", 4096);
	put(send_dir, "empty", 0);
	put(send_dir, "big", 4097);
	put(media_dir, "in.jpg", 10);
	put(top, "secret", 10);
	snprintf(p, sizeof(p), "%s/secret", top);
	snprintf(q, sizeof(q), "%s/link.jpg", send_dir);
	assert_int_equal(symlink(p, q), 0);
	snprintf(q, sizeof(q), "%s/linkdir", send_dir);
	assert_int_equal(symlink(media_dir, q), 0);
	snprintf(q, sizeof(q), "%s/fifo", send_dir);
	assert_int_equal(mkfifo(q, 0600), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return testdir_remove(top);
}

static int
try_open(const char *path, uint64_t *size, char *err)
{
	const char *roots[] = { send_dir, media_dir };
	int fd = -1, rc;

	rc = media_upload_open(roots, 2, path, 4096, &fd, size, err);
	if (rc == 0) {
		assert_true(fd >= 0);
		close(fd);
	} else {
		assert_int_equal(fd, -1);
		assert_null(strstr(err, top));	/* no path in the reason */
	}
	return rc;
}

static void
test_media_upload_open_allows_files_beneath_the_roots(void **state)
{
	char err[MEDIA_UPLOAD_ERR], p[PATH_MAX];
	uint64_t size = 0;

	(void)state;
	assert_int_equal(try_open("car.jpg", &size, err), 0);
	assert_int_equal(size, 1000);
	assert_int_equal(try_open("sub//ticket.pdf", &size, err), 0);
	assert_int_equal(size, 4096);	/* exactly the cap */
	snprintf(p, sizeof(p), "%s/car.jpg", send_dir);
	assert_int_equal(try_open(p, &size, err), 0);
	snprintf(p, sizeof(p), "%s/in.jpg", media_dir);
	assert_int_equal(try_open(p, &size, err), 0);
	assert_int_equal(size, 10);
}

static void
test_media_upload_open_refuses_escapes_links_and_odd_files(void **state)
{
	char err[MEDIA_UPLOAD_ERR], p[PATH_MAX];
	uint64_t size;

	(void)state;
	assert_int_equal(try_open("../secret", &size, err), -EPERM);
	assert_string_equal(err, "\".\" or \"..\" in the file name");
	assert_int_equal(try_open("sub/../car.jpg", &size, err), -EPERM);
	assert_int_equal(try_open("/etc/passwd", &size, err), -EPERM);
	assert_string_equal(err, "file outside the send and media directories");
	snprintf(p, sizeof(p), "%s/secret", top);
	assert_int_equal(try_open(p, &size, err), -EPERM);
	/* a root's name as a prefix of another directory is not that root */
	snprintf(p, sizeof(p), "%s-other/x", send_dir);
	assert_int_equal(try_open(p, &size, err), -EPERM);
	assert_int_equal(try_open("link.jpg", &size, err), -ELOOP);
	assert_string_equal(err, "the file is a symbolic link");
	assert_int_equal(try_open("linkdir/in.jpg", &size, err), -ELOOP);
	assert_string_equal(err, "a symbolic link or a file on the way");
	assert_int_equal(try_open("car.jpg/x", &size, err), -ELOOP);
	assert_int_equal(try_open("fifo", &size, err), -EINVAL);
	assert_string_equal(err, "not a regular file");
	assert_int_equal(try_open("sub", &size, err), -EINVAL);
	assert_int_equal(try_open("empty", &size, err), -EINVAL);
	assert_string_equal(err, "empty file");
	assert_int_equal(try_open("big", &size, err), -EFBIG);
	assert_string_equal(err, "file larger than the send cap");
	assert_int_equal(try_open("missing.jpg", &size, err), -ENOENT);
	assert_int_equal(try_open("", &size, err), -EINVAL);
	assert_int_equal(try_open("sub/", &size, err), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_upload_open_allows_files_beneath_the_roots),
		cmocka_unit_test(test_media_upload_open_refuses_escapes_links_and_odd_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
