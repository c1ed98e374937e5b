/* test_perms: the worker refuses paths other users own or may write. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "perms/perms.h"
#include "testdir.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return testdir_make(dir, sizeof(dir), "perms");
}

static int
teardown(void **state)
{
	(void)state;
	return testdir_remove(dir);
}

static void
make(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_perms_refuse_files_and_dirs_others_may_write(void **state)
{
	char p[128], why[PERMS_WHY_MAX];

	(void)state;
	snprintf(p, sizeof(p), "%s/whitelist.txt", dir);
	make(p, 0600);
	assert_int_equal(perms_check(p, "whitelist file", why), 0);
	make(p, 0644);
	assert_int_equal(perms_check(p, "whitelist file", why), 0);
	make(p, 0666);
	assert_int_equal(perms_check(p, "whitelist file", why), -EPERM);
	assert_non_null(strstr(why, p));
	assert_non_null(strstr(why, "chmod go-w"));
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(perms_check(dir, "data directory", why), -EPERM);
	assert_non_null(strstr(why, "writable by everyone"));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(perms_check(dir, "data directory", why), 0);
	snprintf(p, sizeof(p), "%s/absent", dir);
	assert_int_equal(perms_check(p, "whitelist file", why), -ENOENT);
}

/* umask 002 with a private group: the group is the worker's own. */
static void
test_perms_accept_group_write_for_the_workers_own_group(void **state)
{
	char p[128], why[PERMS_WHY_MAX];

	(void)state;
	snprintf(p, sizeof(p), "%s/wl", dir);
	make(p, 0664);
	assert_int_equal(chown(p, (uid_t)-1, getegid()), 0);
	assert_int_equal(perms_check(p, "whitelist file", why), 0);
}

static void
test_perms_refuse_a_file_another_user_owns(void **state)
{
	char p[128], why[PERMS_WHY_MAX];

	(void)state;
	snprintf(p, sizeof(p), "%s/theirs", dir);
	make(p, 0644);
	if (geteuid() != 0) {
		/* only root can give a file away; ours must pass */
		assert_int_equal(perms_check(p, "whitelist file", why), 0);
		return;
	}
	assert_int_equal(chown(p, 65534, (gid_t)-1), 0);
	assert_int_equal(perms_check(p, "whitelist file", why), -EPERM);
	assert_non_null(strstr(why, "belongs to user 65534"));
	assert_non_null(strstr(why, "chown"));
}

static void
test_perms_secret_must_be_0600(void **state)
{
	char p[128], why[PERMS_WHY_MAX];

	(void)state;
	snprintf(p, sizeof(p), "%s/session.key", dir);
	make(p, 0600);
	assert_int_equal(perms_check_secret(p, "session key file", why), 0);
	make(p, 0400);
	assert_int_equal(perms_check_secret(p, "session key file", why), 0);
	make(p, 0644);
	assert_int_equal(perms_check_secret(p, "session key file", why), -EPERM);
	assert_non_null(strstr(why, "chmod 600"));
	make(p, 0640);
	assert_int_equal(perms_check_secret(p, "session key file", why), -EPERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perms_refuse_files_and_dirs_others_may_write),
		cmocka_unit_test(test_perms_accept_group_write_for_the_workers_own_group),
		cmocka_unit_test(test_perms_refuse_a_file_another_user_owns),
		cmocka_unit_test(test_perms_secret_must_be_0600),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
