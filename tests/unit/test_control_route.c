/* test_control_route: route table matching and path parameters. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "http/route.h"

static int
match(const char *m, const char *p, enum ctl_route *rt, char *param)
{
	return ctl_route_match(m, p, rt, param);
}

static void
test_route_matches_every_table_entry(void **state)
{
	const struct ctl_route_def *d;
	char path[CTL_PATH_MAX], param[CTL_PARAM_MAX + 1];
	enum ctl_route rt;
	const char *c;

	(void)state;
	for (d = ctl_routes; d->id != RT_NONE; d++) {
		c = strchr(d->pattern, ':');
		if (c != NULL)
			snprintf(path, sizeof(path), "%.*sx", (int)(c - d->pattern),
			    d->pattern);
		else
			snprintf(path, sizeof(path), "%s", d->pattern);
		assert_int_equal(match(d->method, path, &rt, param), 0);
		assert_int_equal(rt, d->id);
	}
}

static void
test_route_decodes_number_parameter(void **state)
{
	char param[CTL_PARAM_MAX + 1];
	enum ctl_route rt;

	(void)state;
	assert_int_equal(match("DELETE", "/api/whitelist/remove/%2B971%2050",
	    &rt, param), 0);
	assert_int_equal(rt, RT_WL_REMOVE);
	assert_string_equal(param, "+971 50");
}

static void
test_route_wrong_method_is_405_unknown_path_is_404(void **state)
{
	char param[CTL_PARAM_MAX + 1];
	enum ctl_route rt;

	(void)state;
	assert_int_equal(match("POST", "/api/whitelist", &rt, param), -EPERM);
	assert_int_equal(match("GET", "/api/whitelist/", &rt, param), -ENOENT);
	assert_int_equal(match("GET", "/api/whitelist/remove/", &rt, param),
	    -ENOENT);
	assert_int_equal(match("DELETE", "/api/whitelist/remove/1/2", &rt,
	    param), -ENOENT);
	assert_int_equal(match("HEAD", "/healthz", &rt, param), -EPERM);
	assert_int_equal(match(NULL, "/", &rt, param), -ENOENT);
}

static void
test_route_rejects_bad_escapes_nul_and_slash(void **state)
{
	char param[CTL_PARAM_MAX + 1];
	enum ctl_route rt;

	(void)state;
	assert_int_equal(match("GET", "/static/%zz", &rt, param), -EINVAL);
	assert_int_equal(match("GET", "/static/%2", &rt, param), -EINVAL);
	assert_int_equal(match("GET", "/static/a%00b", &rt, param), -EINVAL);
	assert_int_equal(match("GET", "/static/..%2fmain.c", &rt, param),
	    -EINVAL);
}

static void
test_route_rejects_control_characters_and_decodes_once(void **state)
{
	char param[CTL_PARAM_MAX + 1];
	enum ctl_route rt;

	(void)state;
	assert_int_equal(match("GET", "/static/a%0ab", &rt, param), -EINVAL);
	assert_int_equal(match("GET", "/static/a%1Fb", &rt, param), -EINVAL);
	assert_int_equal(match("GET", "/static/a%7Fb", &rt, param), -EINVAL);
	assert_int_equal(match("GET", "/static/a\tb", &rt, param), -EINVAL);
	/* one decoding: %2500 is the text "%00", not a NUL */
	assert_int_equal(match("DELETE", "/api/whitelist/remove/15550001111%2500",
	    &rt, param), 0);
	assert_string_equal(param, "15550001111%00");
}

static void
test_route_param_max_and_max_plus_one(void **state)
{
	char path[CTL_PATH_MAX], param[CTL_PARAM_MAX + 1];
	enum ctl_route rt;

	(void)state;
	snprintf(path, sizeof(path), "/static/%0*d", CTL_PARAM_MAX, 0);
	assert_int_equal(match("GET", path, &rt, param), 0);
	assert_int_equal(strlen(param), CTL_PARAM_MAX);
	snprintf(path, sizeof(path), "/static/%0*d", CTL_PARAM_MAX + 1, 0);
	assert_int_equal(match("GET", path, &rt, param), -EINVAL);
}

static void
test_route_path_max_and_max_plus_one(void **state)
{
	char path[CTL_PATH_MAX + 2], param[CTL_PARAM_MAX + 1];
	enum ctl_route rt;

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[CTL_PATH_MAX] = '\0';
	assert_int_equal(match("GET", path, &rt, param), -ENOENT);
	path[CTL_PATH_MAX] = 'a';
	path[CTL_PATH_MAX + 1] = '\0';
	assert_int_equal(match("GET", path, &rt, param), -ENAMETOOLONG);
}

/* Issue 15: /api/sessions/ID/REST is REST's route for session ID. */
static void
test_route_session_prefix_maps_to_the_seed_route(void **state)
{
	char param[CTL_PARAM_MAX + 1], sess[CTL_PARAM_MAX + 1];
	enum ctl_route rt;

	(void)state;
	assert_int_equal(ctl_route_match_session("DELETE",
	    "/api/sessions/city-3/whitelist/remove/15550001111", &rt, param,
	    sess), 0);
	assert_int_equal(rt, RT_WL_REMOVE);
	assert_string_equal(param, "15550001111");
	assert_string_equal(sess, "city-3");
	assert_int_equal(ctl_route_match_session("GET", "/api/whatsapp/state",
	    &rt, param, sess), 0);
	assert_int_equal(rt, RT_WA_STATE);
	assert_string_equal(sess, "");
	assert_int_equal(ctl_route_match_session("GET", "/api/sessions/a_b",
	    &rt, param, sess), 0);
	assert_int_equal(rt, RT_SESSION_ONE);
	assert_string_equal(param, "a_b");
	assert_string_equal(sess, "");
	/* routes without RF_SESSION are not served per session */
	assert_int_equal(ctl_route_match_session("POST",
	    "/api/sessions/a/auth/login", &rt, param, sess), -ENOENT);
	assert_int_equal(ctl_route_match_session("GET",
	    "/api/sessions/a/sessions", &rt, param, sess), -ENOENT);
	assert_int_equal(ctl_route_match_session("GET",
	    "/api/sessions/a%2Fb/whitelist", &rt, param, sess), -EINVAL);
	assert_int_equal(ctl_route_match_session("GET",
	    "/api/sessions//whitelist", &rt, param, sess), -EINVAL);
	assert_int_equal(ctl_route_match_session("PUT",
	    "/api/sessions/a/whitelist", &rt, param, sess), -EPERM);
}

/* Issue 13: sends, statuses and dead letters, also per session. */
static void
test_route_messages_and_dead_letters(void **state)
{
	char param[CTL_PARAM_MAX + 1], sess[CTL_PARAM_MAX + 1];
	enum ctl_route rt;

	(void)state;
	assert_int_equal(match("POST", "/api/messages", &rt, param), 0);
	assert_int_equal(rt, RT_MSG_SEND);
	assert_true(ctl_route_def(rt)->flags & RF_MUTATES);
	assert_int_equal(match("GET", "/api/messages", &rt, param), 0);
	assert_int_equal(rt, RT_MSG_LIST);
	assert_int_equal(match("GET", "/api/messages/3EB0ABC", &rt, param), 0);
	assert_int_equal(rt, RT_MSG_ONE);
	assert_string_equal(param, "3EB0ABC");
	assert_int_equal(match("DELETE", "/api/messages/3EB0ABC", &rt, param),
	    -EPERM);
	assert_int_equal(match("GET", "/api/messages/a/b", &rt, param), -ENOENT);
	assert_int_equal(match("GET", "/api/webhooks/dead", &rt, param), 0);
	assert_int_equal(rt, RT_WH_DEAD);
	assert_int_equal(match("POST", "/api/webhooks/redeliver/msg_0f", &rt,
	    param), 0);
	assert_int_equal(rt, RT_WH_REDELIVER);
	assert_string_equal(param, "msg_0f");
	assert_true(ctl_route_def(rt)->flags & RF_MUTATES);
	assert_int_equal(ctl_route_match_session("POST",
	    "/api/sessions/city-3/messages", &rt, param, sess), 0);
	assert_int_equal(rt, RT_MSG_SEND);
	assert_string_equal(sess, "city-3");
	assert_int_equal(ctl_route_match_session("GET",
	    "/api/sessions/city-3/messages/XYZ", &rt, param, sess), 0);
	assert_int_equal(rt, RT_MSG_ONE);
	assert_string_equal(param, "XYZ");
	assert_int_equal(ctl_route_match_session("GET",
	    "/api/sessions/city-3/webhooks/dead", &rt, param, sess), 0);
	assert_int_equal(rt, RT_WH_DEAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_matches_every_table_entry),
		cmocka_unit_test(test_route_session_prefix_maps_to_the_seed_route),
		cmocka_unit_test(test_route_messages_and_dead_letters),
		cmocka_unit_test(test_route_decodes_number_parameter),
		cmocka_unit_test(test_route_wrong_method_is_405_unknown_path_is_404),
		cmocka_unit_test(test_route_rejects_bad_escapes_nul_and_slash),
		cmocka_unit_test(test_route_rejects_control_characters_and_decodes_once),
		cmocka_unit_test(test_route_param_max_and_max_plus_one),
		cmocka_unit_test(test_route_path_max_and_max_plus_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
