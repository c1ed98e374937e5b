/* test_control_auth: password store, sessions, revocation, bearer token. */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "auth/secretfile.h"
#include "testdir.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return testdir_make(dir, sizeof(dir), "control-auth");
}

static int
teardown(void **state)
{
	(void)state;
	return testdir_remove(dir);
}

static mode_t
mode_of(const char *name)
{
	char p[160];
	struct stat st;

	snprintf(p, sizeof(p), "%s/cp/%s", dir, name);
	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 0777;
}

static void
test_auth_generates_password_once_and_stores_hash_0600(void **state)
{
	struct ctl_auth *a = NULL;
	char gen[CTL_GENPW_LEN + 1], again[CTL_GENPW_LEN + 1], cp[96];
	const char *why;

	(void)state;
	snprintf(cp, sizeof(cp), "%s/cp", dir);
	assert_int_equal(ctl_auth_open(cp, NULL, NULL, &a, gen, &why), 0);
	assert_int_equal(strlen(gen), CTL_GENPW_LEN);
	assert_true(ctl_auth_password_ok(a, gen, strlen(gen)));
	assert_false(ctl_auth_password_ok(a, "nope", 4));
	assert_int_equal(mode_of("admin.pwhash"), 0600);
	assert_int_equal(mode_of("session.key"), 0600);
	assert_int_equal(mode_of("."), 0700);
	ctl_auth_free(a);
	assert_int_equal(ctl_auth_open(cp, "", NULL, &a, again, &why), 0);
	assert_string_equal(again, "");		/* shown only the first time */
	assert_true(ctl_auth_password_ok(a, gen, strlen(gen)));
	ctl_auth_free(a);
}

static void
test_auth_env_password_overrides_stored_hash(void **state)
{
	struct ctl_auth *a = NULL;
	char gen[CTL_GENPW_LEN + 1], cp[96];
	const char *why;

	(void)state;
	snprintf(cp, sizeof(cp), "%s/cp2", dir);
	assert_int_equal(ctl_auth_open(cp, "from-env", NULL, &a, gen, &why), 0);
	assert_string_equal(gen, "");
	assert_true(ctl_auth_password_ok(a, "from-env", 8));
	ctl_auth_free(a);
}

static void
test_auth_session_survives_restart_until_revoked(void **state)
{
	struct ctl_auth *a = NULL, *b = NULL;
	char gen[CTL_GENPW_LEN + 1], cp[96], cookie[CTL_COOKIE_MAX];
	char csrf[CTL_CSRF_LEN + 1], csrf2[CTL_CSRF_LEN + 1];
	const char *why;

	(void)state;
	snprintf(cp, sizeof(cp), "%s/cp3", dir);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why), 0);
	ctl_auth_session_new(a, 1000, cookie, csrf);
	assert_int_equal(ctl_auth_session_check(a, cookie, 1001, csrf2), 0);
	assert_string_equal(csrf, csrf2);
	assert_int_equal(ctl_auth_session_check(a, cookie,
	    1000 + CTL_SESSION_TTL_S, csrf2), -EACCES);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &b, gen, &why), 0);
	assert_int_equal(ctl_auth_session_check(b, cookie, 1001, csrf2), 0);
	ctl_auth_session_revoke(b, cookie, 1002);
	assert_int_equal(ctl_auth_session_check(b, cookie, 1003, csrf2),
	    -EACCES);
	ctl_auth_free(a);
	ctl_auth_free(b);
}

static void
test_auth_bearer_needs_exact_token(void **state)
{
	struct ctl_auth *a = NULL;
	char gen[CTL_GENPW_LEN + 1], cp[96];
	const char *why;

	(void)state;
	snprintf(cp, sizeof(cp), "%s/cp4", dir);
	assert_int_equal(ctl_auth_open(cp, "pw", "s3cret", &a, gen, &why), 0);
	assert_true(ctl_auth_bearer_ok(a, "Bearer s3cret"));
	assert_false(ctl_auth_bearer_ok(a, "Bearer s3cre"));
	assert_false(ctl_auth_bearer_ok(a, "Bearer s3cret "));
	assert_false(ctl_auth_bearer_ok(a, "bearer s3cret"));
	assert_false(ctl_auth_bearer_ok(a, "Basic s3cret"));
	assert_false(ctl_auth_bearer_ok(a, NULL));
	ctl_auth_free(a);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why), 0);
	assert_false(ctl_auth_bearer_ok(a, "Bearer "));	/* no token set */
	ctl_auth_free(a);
}

static void
test_auth_refuses_secret_of_wrong_size(void **state)
{
	struct ctl_auth *a = NULL;
	char gen[CTL_GENPW_LEN + 1], cp[96];
	const char *why = NULL;

	(void)state;
	snprintf(cp, sizeof(cp), "%s/cp5", dir);
	assert_int_equal(ctl_secretfile_dir(cp), 0);
	assert_int_equal(ctl_secretfile_write(cp, "session.key", "short", 5), 0);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why),
	    -EBADMSG);
	assert_null(a);
	assert_non_null(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_generates_password_once_and_stores_hash_0600),
		cmocka_unit_test(test_auth_env_password_overrides_stored_hash),
		cmocka_unit_test(test_auth_session_survives_restart_until_revoked),
		cmocka_unit_test(test_auth_bearer_needs_exact_token),
		cmocka_unit_test(test_auth_refuses_secret_of_wrong_size),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
