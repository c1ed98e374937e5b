/*
 * test_media_prune: the retention of received media (media/media_prune.c)
 * with an injected clock: files are aged by their mtime, never by waiting.
 * Expired files go and fresh ones stay; past the total cap the oldest go
 * first; downloads in progress (dot files) and directories are left alone,
 * a download's temporary file left by a crash goes after a day.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "media/media_prune.h"
#include "testdir.h"

#define DAY	86400
static const time_t NOW = 1767225600;	/* 2026-01-01, any fixed instant */

static void
put(const char *dir, const char *name, size_t size, time_t mtime)
{
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	char path[512], buf[4096] = { 0 };
	size_t left = size;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	while (left > 0) {
		size_t k = left > sizeof(buf) ? sizeof(buf) : left;

		assert_int_equal(write(fd, buf, k), (ssize_t)k);
		left -= k;
	}
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

static bool
exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void
test_media_prune_removes_expired_files_and_keeps_fresh_ones(void **state)
{
	struct media_prune_stats st;
	char dir[256], sub[300];

	(void)state;
	assert_int_equal(testdir_make(dir, sizeof(dir), "prune"), 0);
	put(dir, "old.jpg", 1000, NOW - 31 * DAY);
	put(dir, "edge.ogg", 10, NOW - 30 * DAY);	/* exactly the period: kept */
	put(dir, "fresh.pdf", 2000, NOW - 1 * DAY);
	put(dir, "future.bin", 5, NOW + DAY);		/* a clock step back: kept */
	put(dir, ".new.part-1", 100, NOW - 60);		/* a download in progress */
	put(dir, ".old.part-2", 7, NOW - 2 * DAY);	/* left by a crash */
	snprintf(sub, sizeof(sub), "%s/olddir", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(media_prune_run(dir, NOW, 30 * DAY, 0, &st), 0);
	assert_false(exists(dir, "old.jpg"));
	assert_true(exists(dir, "edge.ogg"));
	assert_true(exists(dir, "fresh.pdf"));
	assert_true(exists(dir, "future.bin"));
	assert_true(exists(dir, ".new.part-1"));
	assert_false(exists(dir, ".old.part-2"));
	assert_true(exists(dir, "olddir"));
	assert_int_equal(st.removed, 2);
	assert_int_equal(st.freed, 1007);
	assert_int_equal(st.kept, 3);
	assert_int_equal(st.kept_bytes, 2015);
	/* the same pass a day later: edge.ogg has passed the period, and the
	 * download that was in progress never finished: its file goes too */
	assert_int_equal(media_prune_run(dir, NOW + DAY, 30 * DAY, 0, &st), 0);
	assert_false(exists(dir, "edge.ogg"));
	assert_false(exists(dir, ".new.part-1"));
	assert_int_equal(st.removed, 2);
	rmdir(sub);
	assert_int_equal(testdir_remove(dir), 0);
}

static void
test_media_prune_cuts_the_oldest_first_to_the_total_cap(void **state)
{
	struct media_prune_stats st;
	char dir[256];

	(void)state;
	assert_int_equal(testdir_make(dir, sizeof(dir), "prune"), 0);
	put(dir, "a", 4000, NOW - 5 * DAY);
	put(dir, "b", 4000, NOW - 4 * DAY);
	put(dir, "c", 4000, NOW - 3 * DAY);
	put(dir, "d", 4000, NOW - 2 * DAY);
	/* 16000 bytes, cap 9000: a and b go (oldest), c and d stay */
	assert_int_equal(media_prune_run(dir, NOW, 30 * DAY, 9000, &st), 0);
	assert_false(exists(dir, "a"));
	assert_false(exists(dir, "b"));
	assert_true(exists(dir, "c"));
	assert_true(exists(dir, "d"));
	assert_int_equal(st.removed, 2);
	assert_int_equal(st.kept_bytes, 8000);
	/* no limits at all: nothing goes */
	assert_int_equal(media_prune_run(dir, NOW + 400 * DAY, 0, 0, &st), 0);
	assert_int_equal(st.removed, 0);
	assert_int_equal(st.kept, 2);
	assert_int_equal(testdir_remove(dir), 0);
}

static void
test_media_prune_reports_a_missing_directory(void **state)
{
	struct media_prune_stats st;

	(void)state;
	assert_int_equal(media_prune_run("/nonexistent/walink-media", NOW, DAY, 0, &st),
	    -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_prune_removes_expired_files_and_keeps_fresh_ones),
		cmocka_unit_test(test_media_prune_cuts_the_oldest_first_to_the_total_cap),
		cmocka_unit_test(test_media_prune_reports_a_missing_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
