/* test_control_auth: password store, sessions, revocation, bearer token. */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
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

static void
test_auth_revocations_and_generation_survive_restarts(void **state)
{
	struct ctl_auth *a = NULL;
	char gen[CTL_GENPW_LEN + 1], cp[96], c1[CTL_COOKIE_MAX];
	char c2[CTL_COOKIE_MAX], c3[CTL_COOKIE_MAX], csrf[CTL_CSRF_LEN + 1];
	const char *why;

	(void)state;
	snprintf(cp, sizeof(cp), "%s/cp6", dir);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why), 0);
	assert_int_equal(mode_of("../cp6/sessions"), 0600);
	ctl_auth_session_new(a, 1000, c1, csrf);
	ctl_auth_session_new(a, 1000, c2, csrf);
	assert_int_equal(ctl_auth_session_revoke(a, c1, 1001), 0);
	ctl_auth_free(a);
	/* the logout is on disk: the cookie stays dead after a restart */
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why), 0);
	assert_int_equal(ctl_auth_session_check(a, c1, 1002, csrf), -EACCES);
	assert_int_equal(ctl_auth_session_check(a, c2, 1002, csrf), 0);
	/* log out everywhere: every cookie, across a restart too */
	assert_int_equal(ctl_auth_end_all_sessions(a), 0);
	assert_int_equal(ctl_auth_session_check(a, c2, 1003, csrf), -EACCES);
	ctl_auth_session_new(a, 1003, c3, csrf);
	assert_int_equal(ctl_auth_session_check(a, c3, 1004, csrf), 0);
	ctl_auth_free(a);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why), 0);
	assert_int_equal(ctl_auth_session_check(a, c2, 1005, csrf), -EACCES);
	assert_int_equal(ctl_auth_session_check(a, c3, 1005, csrf), 0);
	ctl_auth_free(a);
	/* a new admin password ends the sessions of the old one */
	assert_int_equal(ctl_auth_open(cp, "pw2", NULL, &a, gen, &why), 0);
	assert_int_equal(ctl_auth_session_check(a, c3, 1006, csrf), -EACCES);
	assert_true(ctl_auth_password_ok(a, "pw2", 3));
	assert_false(ctl_auth_password_ok(a, "pw", 2));
	ctl_auth_free(a);
}

/* A lost or damaged file must not bring logged-out cookies back. */
static void
test_auth_damaged_sessions_file_ends_every_session(void **state)
{
	struct ctl_auth *a = NULL;
	char gen[CTL_GENPW_LEN + 1], cp[96], c1[CTL_COOKIE_MAX];
	char csrf[CTL_CSRF_LEN + 1];
	const char *why;

	(void)state;
	snprintf(cp, sizeof(cp), "%s/cp7", dir);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why), 0);
	ctl_auth_session_new(a, 1000, c1, csrf);
	ctl_auth_free(a);
	assert_int_equal(ctl_secretfile_write(cp, "sessions", "garbage", 7), 0);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why), 0);
	assert_int_equal(ctl_auth_session_check(a, c1, 1001, csrf), -EACCES);
	ctl_auth_free(a);
}

struct try_run {
	struct ctl_auth	*a;
	int		 ok, busy;
};

static void *
try_thread(void *arg)
{
	struct try_run *t = arg;
	int i, rc;

	for (i = 0; i < 3; i++) {
		rc = ctl_auth_password_try(t->a, "pw", 2);
		t->ok += rc == 1;
		t->busy += rc == -EBUSY;
	}
	return NULL;
}

/* Four threads guessing at once: the hash slot turns the others away. */
static void
test_auth_password_try_turns_concurrent_hashes_away(void **state)
{
	struct ctl_auth *a = NULL;
	struct try_run t[4];
	pthread_t th[4];
	char gen[CTL_GENPW_LEN + 1], cp[96];
	const char *why;
	int i, ok = 0, busy = 0;

	(void)state;
	snprintf(cp, sizeof(cp), "%s/cp8", dir);
	assert_int_equal(ctl_auth_open(cp, "pw", NULL, &a, gen, &why), 0);
	assert_int_equal(ctl_auth_password_try(a, "pw", 2), 1);
	assert_int_equal(ctl_auth_password_try(a, "nope", 4), 0);
	for (i = 0; i < 4; i++) {
		t[i] = (struct try_run){ .a = a };
		assert_int_equal(pthread_create(&th[i], NULL, try_thread, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		ok += t[i].ok;
		busy += t[i].busy;
	}
	assert_int_equal(ok + busy, 12);
	assert_true(ok >= 1);
	assert_true(busy >= 1);
	ctl_auth_free(a);
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
		cmocka_unit_test(test_auth_revocations_and_generation_survive_restarts),
		cmocka_unit_test(test_auth_damaged_sessions_file_ends_every_session),
		cmocka_unit_test(test_auth_password_try_turns_concurrent_hashes_away),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
