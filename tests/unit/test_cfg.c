/*
 * test_cfg: settings come from defaults, then environment, then flags;
 * bad values are refused with a message naming the setting.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "cfg.h"

struct settings {
	const char	*data;
	uint64_t	 heartbeat_ms;
	uint64_t	 rounds;
	bool		 qr_terminal;
};

static const struct cfg_opt opts[] = {
	{ "data", "WT_DATA", CFG_STR, offsetof(struct settings, data), "./data", 0, 0, "Data directory." },
	{ "heartbeat", "WT_HEARTBEAT", CFG_MS, offsetof(struct settings, heartbeat_ms), "30", 100, 3600000, "Heartbeat period." },
	{ "qr-rounds", NULL, CFG_UINT, offsetof(struct settings, rounds), "5", 1, 100, "QR rounds." },
	{ "qr-terminal", "WT_QR", CFG_BOOL, offsetof(struct settings, qr_terminal), "no", 0, 0, "QR on the terminal." },
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static int
parse(struct settings *s, char err[CFG_ERR_MAX], int argc, ...)
{
	char *argv[16];
	va_list ap;
	int i;

	argv[0] = "prog";
	va_start(ap, argc);
	for (i = 1; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	memset(s, 0, sizeof(*s));
	return cfg_parse(opts, NOPTS, s, argc, argv, NULL, err);
}

static void
test_defaults_apply_without_input(void **state)
{
	struct settings s;
	char err[CFG_ERR_MAX];

	(void)state;
	unsetenv("WT_DATA");
	unsetenv("WT_HEARTBEAT");
	unsetenv("WT_QR");
	assert_int_equal(parse(&s, err, 1), 0);
	assert_string_equal(s.data, "./data");
	assert_int_equal(s.heartbeat_ms, 30000);
	assert_int_equal(s.rounds, 5);
	assert_false(s.qr_terminal);
}

static void
test_flag_wins_over_environment(void **state)
{
	struct settings s;
	char err[CFG_ERR_MAX];

	(void)state;
	setenv("WT_DATA", "/env", 1);
	setenv("WT_HEARTBEAT", "2s", 1);
	assert_int_equal(parse(&s, err, 1), 0);
	assert_string_equal(s.data, "/env");
	assert_int_equal(s.heartbeat_ms, 2000);
	assert_int_equal(parse(&s, err, 5, "--data", "/flag", "--heartbeat=500ms", "--qr-terminal"), 0);
	assert_string_equal(s.data, "/flag");
	assert_int_equal(s.heartbeat_ms, 500);
	assert_true(s.qr_terminal);
	assert_int_equal(parse(&s, err, 2, "--no-qr-terminal"), 0);
	assert_false(s.qr_terminal);
	unsetenv("WT_DATA");
	unsetenv("WT_HEARTBEAT");
}

static void
test_bad_values_name_the_setting(void **state)
{
	struct settings s;
	char err[CFG_ERR_MAX];

	(void)state;
	assert_int_equal(parse(&s, err, 3, "--heartbeat", "fast"), -EINVAL);
	assert_non_null(strstr(err, "--heartbeat"));
	assert_int_equal(parse(&s, err, 3, "--heartbeat", "50ms"), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(parse(&s, err, 3, "--qr-rounds", "0"), -EINVAL);
	assert_int_equal(parse(&s, err, 3, "--qr-rounds", "5x"), -EINVAL);
	assert_int_equal(parse(&s, err, 2, "--data"), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(&s, err, 2, "--bogus"), -EINVAL);
	assert_non_null(strstr(err, "unknown option --bogus"));
	assert_int_equal(parse(&s, err, 2, "stray"), -EINVAL);
	setenv("WT_QR", "maybe", 1);
	assert_int_equal(parse(&s, err, 1), -EINVAL);
	assert_non_null(strstr(err, "WT_QR"));
	unsetenv("WT_QR");
	assert_int_equal(parse(&s, err, 2, "--help"), 1);
}

static void
test_durations_accept_units(void **state)
{
	uint64_t ms;

	(void)state;
	assert_int_equal(cfg_parse_ms("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(cfg_parse_ms("5m", &ms), 0);
	assert_int_equal(ms, 300000);
	assert_int_equal(cfg_parse_ms("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(cfg_parse_ms("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(cfg_parse_ms("-1", &ms), -EINVAL);
	assert_int_equal(cfg_parse_ms("30d", &ms), 0);
	assert_int_equal(ms, 30ull * 86400000);
	assert_int_equal(cfg_parse_ms("1w", &ms), -EINVAL);
	assert_int_equal(cfg_parse_ms("", &ms), -EINVAL);
	assert_int_equal(cfg_parse_ms("99999999999999999999", &ms), -EINVAL);
}

static void
test_usage_lists_every_setting(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t i;

	(void)state;
	cfg_usage(f, "prog [settings]", opts, NOPTS);
	fclose(f);
	for (i = 0; i < NOPTS; i++)
		assert_non_null(strstr(buf, opts[i].name));
	assert_non_null(strstr(buf, "[env WT_HEARTBEAT]"));
	assert_non_null(strstr(buf, "(default: ./data)"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_apply_without_input),
		cmocka_unit_test(test_flag_wins_over_environment),
		cmocka_unit_test(test_bad_values_name_the_setting),
		cmocka_unit_test(test_durations_accept_units),
		cmocka_unit_test(test_usage_lists_every_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
