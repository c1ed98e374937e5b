/* test_hook_env: a hook sees PATH, HOME, LANG and WALINK_*, no secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "hook/hook_env.h"

static const char *
find(char **env, const char *prefix)
{
	size_t i;

	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], prefix, strlen(prefix)) == 0)
			return env[i];
	return NULL;
}

static void
test_hook_env_keeps_only_the_minimum_and_walink_variables(void **state)
{
	char *from[] = {
		"PATH=/opt/bin:/usr/bin", "HOME=/home/bot", "LANG=C.UTF-8",
		"WA_ADMIN_PASSWORD=hunter2", "WA_API_TOKEN=tok",
		"AWS_SECRET_ACCESS_KEY=x", "WALINK_BOT_NAME=shop",
		"PATHX=1", "WALINK_NOEQUALS", NULL,
	};
	char **env;
	size_t n;

	(void)state;
	assert_non_null(env = hook_env_build(from));
	assert_string_equal(find(env, "PATH="), "PATH=/opt/bin:/usr/bin");
	assert_string_equal(find(env, "HOME="), "HOME=/home/bot");
	assert_string_equal(find(env, "LANG="), "LANG=C.UTF-8");
	assert_string_equal(find(env, "WALINK_BOT_NAME="), "WALINK_BOT_NAME=shop");
	assert_null(find(env, "WA_"));
	assert_null(find(env, "AWS_"));
	assert_null(find(env, "PATHX"));
	assert_null(find(env, "WALINK_NOEQUALS"));
	for (n = 0; env[n] != NULL; n++)
		;
	assert_int_equal(n, 4);
	hook_env_free(env);
}

static void
test_hook_env_gives_a_default_path(void **state)
{
	char *from[] = { "WA_ADMIN_PASSWORD=hunter2", NULL };
	char **env;

	(void)state;
	assert_non_null(env = hook_env_build(from));
	assert_string_equal(env[0], "PATH=/usr/local/bin:/usr/bin:/bin");
	assert_null(env[1]);
	hook_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_env_keeps_only_the_minimum_and_walink_variables),
		cmocka_unit_test(test_hook_env_gives_a_default_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
