/*
 * test_atomicfile: the replace recipe (STYLE.md rule 7) and every exit
 * path of it, through the fault-injection hooks: after any failure the old
 * content is untouched, no temp file is left behind, modes are exact.
 */
#include "atomicfile.h"
#include "slowio.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "wl_error.h"
#include "testdir.h"

struct fx {
	char	dir[64];
	char	path[128];	/* dir/data.json */
	char	bak[128];	/* dir/data.json.bak */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (testdir_make(f->dir, sizeof(f->dir), "atomicfile") < 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/data.json", f->dir);
	snprintf(f->bak, sizeof(f->bak), "%s/data.json.bak", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	atomicfile_fault_clear();
	if (testdir_remove(f->dir) < 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static void
assert_content(const char *path, const char *want)
{
	uint8_t *buf;
	size_t len;

	assert_int_equal(atomicfile_read(path, 1 << 20, &buf, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(buf, want, len);
	free(buf);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Temp files are ".NAME.tmp-*": none may survive a call. */
static void
assert_no_temp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp-") != NULL)
			fail_msg("temp file left behind: %s", e->d_name);
	closedir(d);
}

static void
test_atomicfile_write_creates_file_mode_0600(void **state)
{
	struct fx *f = *state;
	mode_t old = umask(0);

	assert_int_equal(atomicfile_write(f->path, "[]\n", 3, 0), 0);
	umask(old);
	assert_content(f->path, "[]\n");
	assert_int_equal(mode_of(f->path), 0600);
	assert_no_temp(f->dir);
}

static void
test_atomicfile_write_gives_exact_mode_despite_umask(void **state)
{
	struct fx *f = *state;
	mode_t old = umask(077);

	assert_int_equal(atomicfile_write(f->path, "x", 1, 0640), 0);
	umask(old);
	assert_int_equal(mode_of(f->path), 0640);
}

static void
test_atomicfile_write_replaces_old_content(void **state)
{
	struct fx *f = *state;

	testdir_put(f->path, "old content that is longer");
	assert_int_equal(atomicfile_write(f->path, "new", 3, 0), 0);
	assert_content(f->path, "new");
	assert_no_temp(f->dir);
}

static void
test_atomicfile_write_accepts_empty_content(void **state)
{
	struct fx *f = *state;

	testdir_put(f->path, "old");
	assert_int_equal(atomicfile_write(f->path, "", 0, 0), 0);
	assert_content(f->path, "");
}

/* One injected fault: the call fails with it, nothing else changes. */
static void
check_fault_keeps_old(struct fx *f, enum atomicfile_op op, int err)
{
	testdir_put(f->path, "old");
	atomicfile_fault_set(op, 1, err);
	assert_int_equal(atomicfile_write(f->path, "new", 3, 0), -err);
	assert_content(f->path, "old");
	assert_no_temp(f->dir);
}

static void
test_atomicfile_open_fault_keeps_old_content(void **state)
{
	check_fault_keeps_old(*state, AF_OP_OPEN, EACCES);
}

static void
test_atomicfile_write_fault_keeps_old_content(void **state)
{
	check_fault_keeps_old(*state, AF_OP_WRITE, ENOSPC);
}

static void
test_atomicfile_fsync_fault_keeps_old_content(void **state)
{
	check_fault_keeps_old(*state, AF_OP_FSYNC, EIO);
}

static void
test_atomicfile_close_fault_keeps_old_content(void **state)
{
	check_fault_keeps_old(*state, AF_OP_CLOSE, EDQUOT);
}

static void
test_atomicfile_rename_fault_keeps_old_content(void **state)
{
	check_fault_keeps_old(*state, AF_OP_RENAME, EXDEV);
}

static void
test_atomicfile_dirfsync_fault_reports_error_new_content_in_place(void **state)
{
	struct fx *f = *state;

	testdir_put(f->path, "old");
	atomicfile_fault_set(AF_OP_DIRFSYNC, 1, EIO);
	assert_int_equal(atomicfile_write(f->path, "new", 3, 0), -EIO);
	assert_content(f->path, "new");	/* renamed, durability unknown */
	assert_no_temp(f->dir);
}

static void
test_atomicfile_dirfsync_einval_is_tolerated(void **state)
{
	struct fx *f = *state;

	atomicfile_fault_set(AF_OP_DIRFSYNC, 1, EINVAL);
	assert_int_equal(atomicfile_write(f->path, "new", 3, 0), 0);
	assert_content(f->path, "new");
}

static void
test_atomicfile_fault_hits_only_the_nth_call(void **state)
{
	struct fx *f = *state;

	atomicfile_fault_set(AF_OP_WRITE, 2, ENOSPC);
	assert_int_equal(atomicfile_write(f->path, "one", 3, 0), 0);
	assert_int_equal(atomicfile_write(f->path, "two", 3, 0), -ENOSPC);
	assert_int_equal(atomicfile_write(f->path, "three", 5, 0), 0);
	assert_content(f->path, "three");
	assert_no_temp(f->dir);
}

static void
test_atomicfile_write_refuses_bad_names(void **state)
{
	struct fx *f = *state;
	char p[160];
	int dfd;

	snprintf(p, sizeof(p), "%s/", f->dir);
	assert_int_equal(atomicfile_write(p, "x", 1, 0), -EINVAL);
	assert_int_equal(atomicfile_write("", "x", 1, 0), -EINVAL);
	dfd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(atomicfile_write_at(dfd, "a/b", "x", 1, 0), -EINVAL);
	assert_int_equal(atomicfile_write_at(dfd, "..", "x", 1, 0), -EINVAL);
	assert_int_equal(atomicfile_write_at(dfd, "ok", "x", 1, 0), 0);
	close(dfd);
}

static void
test_atomicfile_write_refuses_name_too_long_for_temp(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	int n;

	n = snprintf(p, sizeof(p), "%s/", f->dir);
	memset(p + n, 'a', NAME_MAX - 2);	/* fits alone, not as a temp */
	p[n + NAME_MAX - 2] = '\0';
	assert_int_equal(atomicfile_write(p, "x", 1, 0), -ENAMETOOLONG);
	assert_no_temp(f->dir);
}

static void
test_atomicfile_write_missing_dir_is_enoent(void **state)
{
	(void)state;
	assert_int_equal(atomicfile_write("/nonexistent-dir/x", "x", 1, 0),
	    -ENOENT);
}

static void
test_atomicfile_keep_makes_bak_of_previous_version(void **state)
{
	struct fx *f = *state;

	testdir_put(f->path, "v1");
	assert_int_equal(atomicfile_write_keep(f->path, "v2", 2, 0), 0);
	assert_content(f->path, "v2");
	assert_content(f->bak, "v1");
	assert_int_equal(atomicfile_write_keep(f->path, "v3", 2, 0), 0);
	assert_content(f->path, "v3");
	assert_content(f->bak, "v2");
	assert_no_temp(f->dir);
}

static void
test_atomicfile_keep_without_current_makes_no_bak(void **state)
{
	struct fx *f = *state;

	assert_int_equal(atomicfile_write_keep(f->path, "v1", 2, 0), 0);
	assert_content(f->path, "v1");
	assert_int_equal(access(f->bak, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_atomicfile_keep_link_fault_replaces_nothing(void **state)
{
	struct fx *f = *state;

	testdir_put(f->path, "v1");
	atomicfile_fault_set(AF_OP_LINK, 1, EIO);
	assert_int_equal(atomicfile_write_keep(f->path, "v2", 2, 0), -EIO);
	assert_content(f->path, "v1");
	assert_int_equal(access(f->bak, F_OK), -1);
	assert_no_temp(f->dir);
}

static void
test_atomicfile_keep_falls_back_to_copy_without_hard_links(void **state)
{
	struct fx *f = *state;

	testdir_put(f->path, "v1");
	chmod(f->path, 0640);
	atomicfile_fault_set(AF_OP_LINK, 1, EPERM);	/* e.g. vfat, some FUSE */
	assert_int_equal(atomicfile_write_keep(f->path, "v2", 2, 0), 0);
	assert_content(f->path, "v2");
	assert_content(f->bak, "v1");
	assert_int_equal(mode_of(f->bak), 0640);
	assert_no_temp(f->dir);
}

static void
test_atomicfile_keep_bak_rename_fault_replaces_nothing(void **state)
{
	struct fx *f = *state;

	testdir_put(f->path, "v1");
	testdir_put(f->bak, "v0");
	atomicfile_fault_set(AF_OP_RENAME, 1, EIO);
	assert_int_equal(atomicfile_write_keep(f->path, "v2", 2, 0), -EIO);
	assert_content(f->path, "v1");
	assert_content(f->bak, "v0");
	assert_no_temp(f->dir);
}

static void
test_atomicfile_keep_write_fault_leaves_old_and_bak(void **state)
{
	struct fx *f = *state;

	testdir_put(f->path, "v1");
	atomicfile_fault_set(AF_OP_WRITE, 1, ENOSPC);
	assert_int_equal(atomicfile_write_keep(f->path, "v2", 2, 0), -ENOSPC);
	assert_content(f->path, "v1");
	assert_content(f->bak, "v1");	/* backup done; harmless */
	assert_no_temp(f->dir);
}

static void
test_atomicfile_remove_temps_clears_only_crash_leftovers(void **state)
{
	struct fx *f = *state;
	static const char *const gone[] = { ".data.json.tmp-1-0",
	    ".data.json.bak.tmp-77-3" };
	static const char *const kept[] = { "data.json", "data.json.bak",
	    ".other.json.tmp-1-0", ".data.jsonx.tmp-1-0", "data.json.tmp-1" };
	char p[256];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, gone[i]);
		testdir_put(p, "torn");
	}
	for (i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, kept[i]);
		testdir_put(p, "keep");
	}
	assert_int_equal(atomicfile_remove_temps(f->path), 2);
	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, gone[i]);
		assert_int_equal(access(p, F_OK), -1);
	}
	for (i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, kept[i]);
		assert_int_equal(access(p, F_OK), 0);
	}
	assert_int_equal(atomicfile_remove_temps(f->path), 0);
}

static void
test_atomicfile_read_returns_nul_terminated_content(void **state)
{
	struct fx *f = *state;
	uint8_t *buf;
	size_t len;

	testdir_put(f->path, "hello");
	assert_int_equal(atomicfile_read(f->path, 5, &buf, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal((char *)buf, "hello");
	free(buf);
}

static void
test_atomicfile_read_refuses_max_plus_one(void **state)
{
	struct fx *f = *state;
	uint8_t *buf = NULL;
	size_t len = 77;

	testdir_put(f->path, "hello");
	assert_int_equal(atomicfile_read(f->path, 4, &buf, &len), -EFBIG);
	assert_null(buf);
	assert_int_equal(len, 77);	/* out-params only on success */
}

static void
test_atomicfile_read_empty_file(void **state)
{
	struct fx *f = *state;
	uint8_t *buf = NULL;
	size_t len = 1;

	testdir_put(f->path, "");
	assert_int_equal(atomicfile_read(f->path, 0, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(buf[0], 0);
	free(buf);
}

static void
test_atomicfile_read_missing_is_enoent(void **state)
{
	struct fx *f = *state;
	uint8_t *buf;
	size_t len;

	assert_int_equal(atomicfile_read(f->path, 10, &buf, &len), -ENOENT);
}

static void
test_atomicfile_read_directory_is_eisdir(void **state)
{
	struct fx *f = *state;
	uint8_t *buf;
	size_t len;

	assert_int_equal(atomicfile_read(f->dir, 10, &buf, &len), -EISDIR);
}

static void
test_atomicfile_read_fifo_is_einval_without_hanging(void **state)
{
	struct fx *f = *state;
	uint8_t *buf;
	size_t len;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(atomicfile_read(f->path, 10, &buf, &len), -EINVAL);
}

static void
test_atomicfile_read_fault_is_reported(void **state)
{
	struct fx *f = *state;
	uint8_t *buf;
	size_t len;

	testdir_put(f->path, "hello");
	atomicfile_fault_set(AF_OP_READ, 1, EIO);
	assert_int_equal(atomicfile_read(f->path, 10, &buf, &len), -EIO);
}

static void
test_mkdir_mode_creates_nested_dirs_with_exact_mode(void **state)
{
	struct fx *f = *state;
	char p[160];
	mode_t old = umask(077);

	snprintf(p, sizeof(p), "%s/a/b/run", f->dir);
	assert_int_equal(mkdir_mode(p, 0750, MKDIR_STRICT), 0);
	umask(old);
	assert_int_equal(mode_of(p), 0750);
	snprintf(p, sizeof(p), "%s/a", f->dir);
	assert_int_equal(mode_of(p), 0750);
}

static void
test_mkdir_mode_syncs_the_parent_of_each_new_dir(void **state)
{
	struct fx *f = *state;
	char p[160], real[PATH_MAX], want[PATH_MAX + 8];

	assert_non_null(realpath(f->dir, real));
	snprintf(p, sizeof(p), "%s/x/y", f->dir);
	slowio_sync_reset();
	assert_int_equal(mkdir_mode(p, 0700, 0), 0);
	assert_true(slowio_synced(real));		/* x's parent */
	snprintf(want, sizeof(want), "%s/x", real);
	assert_true(slowio_synced(want));		/* y's parent */
	/* nothing new, nothing to sync */
	slowio_sync_reset();
	assert_int_equal(mkdir_mode(p, 0700, 0), 0);
	assert_int_equal(slowio_sync_count(), 0);
}

static void
test_mkdir_mode_zero_means_0700(void **state)
{
	struct fx *f = *state;
	char p[160];

	snprintf(p, sizeof(p), "%s/session", f->dir);
	assert_int_equal(mkdir_mode(p, 0, MKDIR_STRICT), 0);
	assert_int_equal(mode_of(p), 0700);
}

static void
test_mkdir_mode_accepts_existing_dir(void **state)
{
	struct fx *f = *state;

	assert_int_equal(chmod(f->dir, 0700), 0);
	assert_int_equal(mkdir_mode(f->dir, 0700, MKDIR_STRICT), 0);
	assert_int_equal(mode_of(f->dir), 0700);
}

static void
test_mkdir_mode_strict_refuses_group_writable_dir(void **state)
{
	struct fx *f = *state;
	char p[160];

	snprintf(p, sizeof(p), "%s/run", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, 0770), 0);
	assert_int_equal(mkdir_mode(p, 0750, MKDIR_STRICT), -WL_EUNSAFEMODE);
	assert_int_equal(chmod(p, 0707), 0);
	assert_int_equal(mkdir_mode(p, 0750, MKDIR_STRICT), -WL_EUNSAFEMODE);
	assert_int_equal(mkdir_mode(p, 0750, 0), 0);	/* not where it matters */
}

static void
test_mkdir_mode_refuses_file_in_the_way(void **state)
{
	struct fx *f = *state;
	char p[160];

	testdir_put(f->path, "x");
	assert_int_equal(mkdir_mode(f->path, 0700, 0), -ENOTDIR);
	snprintf(p, sizeof(p), "%s/sub", f->path);
	assert_int_equal(mkdir_mode(p, 0700, 0), -ENOTDIR);
}

static void
test_fsync_dir_syncs_and_reports_missing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fsync_dir(f->dir), 0);
	assert_int_equal(fsync_dir(f->path), -ENOENT);
	testdir_put(f->path, "x");
	assert_int_equal(fsync_dir(f->path), -ENOTDIR);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_atomicfile_write_creates_file_mode_0600),
		T(test_atomicfile_write_gives_exact_mode_despite_umask),
		T(test_atomicfile_write_replaces_old_content),
		T(test_atomicfile_write_accepts_empty_content),
		T(test_atomicfile_open_fault_keeps_old_content),
		T(test_atomicfile_write_fault_keeps_old_content),
		T(test_atomicfile_fsync_fault_keeps_old_content),
		T(test_atomicfile_close_fault_keeps_old_content),
		T(test_atomicfile_rename_fault_keeps_old_content),
		T(test_atomicfile_dirfsync_fault_reports_error_new_content_in_place),
		T(test_atomicfile_dirfsync_einval_is_tolerated),
		T(test_atomicfile_fault_hits_only_the_nth_call),
		T(test_atomicfile_write_refuses_bad_names),
		T(test_atomicfile_write_refuses_name_too_long_for_temp),
		T(test_atomicfile_write_missing_dir_is_enoent),
		T(test_atomicfile_keep_makes_bak_of_previous_version),
		T(test_atomicfile_keep_without_current_makes_no_bak),
		T(test_atomicfile_keep_link_fault_replaces_nothing),
		T(test_atomicfile_keep_falls_back_to_copy_without_hard_links),
		T(test_atomicfile_keep_bak_rename_fault_replaces_nothing),
		T(test_atomicfile_keep_write_fault_leaves_old_and_bak),
		T(test_atomicfile_remove_temps_clears_only_crash_leftovers),
		T(test_atomicfile_read_returns_nul_terminated_content),
		T(test_atomicfile_read_refuses_max_plus_one),
		T(test_atomicfile_read_empty_file),
		T(test_atomicfile_read_missing_is_enoent),
		T(test_atomicfile_read_directory_is_eisdir),
		T(test_atomicfile_read_fifo_is_einval_without_hanging),
		T(test_atomicfile_read_fault_is_reported),
		T(test_mkdir_mode_creates_nested_dirs_with_exact_mode),
		T(test_mkdir_mode_syncs_the_parent_of_each_new_dir),
		T(test_mkdir_mode_zero_means_0700),
		T(test_mkdir_mode_accepts_existing_dir),
		T(test_mkdir_mode_strict_refuses_group_writable_dir),
		T(test_mkdir_mode_refuses_file_in_the_way),
		T(test_fsync_dir_syncs_and_reports_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
