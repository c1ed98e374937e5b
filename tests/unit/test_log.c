/*
 * test_log: line formats (text and JSON lines), levels, error suffixes,
 * escaping of hostile messages, truncation, key fingerprints, fatal().
 */
#include "log.h"

#include <sys/wait.h>

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
#include <jansson.h>

#include "wl_error.h"

/* Each test logs into its own temp file and reads it back. */
static int
setup_capture(void **state)
{
	char path[] = "/tmp/test_log.XXXXXX";
	int *fd = malloc(sizeof(*fd));

	if (fd == NULL || (*fd = mkstemp(path)) == -1)
		return -1;
	unlink(path);
	log_set_fd(*fd);
	log_init("tester", WL_LOG_INFO, LOG_FORMAT_TEXT);
	*state = fd;
	return 0;
}

static int
teardown_capture(void **state)
{
	int *fd = *state;

	log_set_fd(2);
	close(*fd);
	free(fd);
	return 0;
}

/* Everything written so far, NUL-terminated; the caller frees it. */
static char *
captured(void **state)
{
	int fd = *(int *)*state;
	off_t end = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)end + 1);

	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)end, 0), end);
	return buf;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void
test_log_text_line_has_utc_ms_timestamp_component_and_level(void **state)
{
	char *out, comp[64], lvl[16], rest[64];
	int y, mo, d, h, mi, s, ms, pid;

	log_warnx("link: pong late");
	out = captured(state);
	assert_int_equal(sscanf(out, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ %63[a-z][%d] "
	    "%15[a-z]: %63[^\n]", &y, &mo, &d, &h, &mi, &s, &ms, comp, &pid, lvl,
	    rest), 11);
	assert_string_equal(comp, "tester");
	assert_int_equal(pid, getpid());
	assert_string_equal(lvl, "warn");
	assert_string_equal(rest, "link: pong late");
	assert_int_equal(count_lines(out), 1);
	free(out);
}

static void
test_log_warn_appends_text_of_negative_errno(void **state)
{
	char *out;

	log_warn(-ENOENT, "store: creds unreadable");
	out = captured(state);
	assert_non_null(strstr(out, "store: creds unreadable (No such file or "
	    "directory)\n"));
	free(out);
}

static void
test_log_warn_appends_text_of_walink_code(void **state)
{
	char *out;

	log_warn(-WL_EBADNUMBER, "whitelist: add refused");
	out = captured(state);
	assert_non_null(strstr(out, "(not a phone number of 10 to 15 digits)"));
	free(out);
}

static void
test_log_warnx_appends_nothing(void **state)
{
	char *out;

	errno = EIO;
	log_warnx("plain");
	out = captured(state);
	assert_non_null(strstr(out, ": plain\n"));
	assert_null(strstr(out, "("));
	free(out);
}

static void
test_log_hides_levels_below_minimum(void **state)
{
	char *out;

	log_debug("hidden");
	log_info("shown");
	log_init("tester", WL_LOG_ERROR, LOG_FORMAT_TEXT);
	log_warnx("hidden too");
	log_errorx("shown too");
	out = captured(state);
	assert_null(strstr(out, "hidden"));
	assert_non_null(strstr(out, "info: shown\n"));
	assert_non_null(strstr(out, "error: shown too\n"));
	assert_int_equal(count_lines(out), 2);
	free(out);
}

static void
test_log_text_escapes_newlines_so_one_message_is_one_line(void **state)
{
	char *out;

	log_info("forged\n2026-01-01T00:00:00.000Z tester[1] error: boom\x01");
	out = captured(state);
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, "forged\\n2026"));
	assert_non_null(strstr(out, "boom\\x01\n"));
	free(out);
}

static json_t *
parse_one_json_line(const char *line)
{
	json_error_t err;
	json_t *j = json_loads(line, JSON_DISABLE_EOF_CHECK, &err);

	if (j == NULL)
		fail_msg("not JSON (%s): %s", err.text, line);
	return j;
}

static void
test_log_json_line_has_fields_and_parses(void **state)
{
	char *out;
	json_t *j;

	log_init("worker", WL_LOG_DEBUG, LOG_FORMAT_JSON);
	log_warn(-ETIMEDOUT, "link: keepalive %d", 3);
	out = captured(state);
	assert_int_equal(count_lines(out), 1);
	j = parse_one_json_line(out);
	assert_string_equal(json_string_value(json_object_get(j, "level")),
	    "warn");
	assert_string_equal(json_string_value(json_object_get(j,
	    "component")), "worker");
	assert_int_equal(json_integer_value(json_object_get(j, "pid")),
	    getpid());
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
	    "link: keepalive 3 (Connection timed out)");
	assert_int_equal(strlen(json_string_value(json_object_get(j, "ts"))),
	    strlen("2026-11-25T07:29:24.123Z"));
	json_decref(j);
	free(out);
}

static void
test_log_json_escapes_quotes_backslashes_and_control_chars(void **state)
{
	static const char hostile[] = "a \"quoted\" \\path\\ \n\r\t\x01\x1f\x7f";
	char *out;
	json_t *j;

	log_init("worker", WL_LOG_INFO, LOG_FORMAT_JSON);
	log_info("%s", hostile);
	out = captured(state);
	assert_int_equal(count_lines(out), 1);
	j = parse_one_json_line(out);
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
	    hostile);
	json_decref(j);
	free(out);
}

static void
test_log_json_keeps_utf8_and_replaces_invalid_bytes(void **state)
{
	char *out;
	json_t *j;

	log_init("worker", WL_LOG_INFO, LOG_FORMAT_JSON);
	log_info("caf\xc3\xa9 \xff\xc3 \xed\xa0\x80 \xf0\x9f\x98\x80");
	out = captured(state);
	j = parse_one_json_line(out);	/* jansson refuses invalid UTF-8 */
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
	    "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd \xf0\x9f\x98\x80");
	json_decref(j);
	free(out);
}

static void
test_log_json_truncates_long_message_and_stays_valid(void **state)
{
	char *big = malloc(3 * LOG_LINE_MAX), *out;
	json_t *j;
	const char *msg;

	assert_non_null(big);
	memset(big, '"', 3 * LOG_LINE_MAX - 1);	/* each doubles when escaped */
	big[3 * LOG_LINE_MAX - 1] = '\0';
	log_init("worker", WL_LOG_INFO, LOG_FORMAT_JSON);
	log_info("%s", big);
	out = captured(state);
	assert_true(strlen(out) <= LOG_LINE_MAX);
	assert_int_equal(count_lines(out), 1);
	j = parse_one_json_line(out);
	msg = json_string_value(json_object_get(j, "msg"));
	assert_non_null(msg);
	assert_string_equal(msg + strlen(msg) - 5, "[...]");
	json_decref(j);
	free(out);
	free(big);
}

static void
test_log_text_truncates_long_message(void **state)
{
	char *big = malloc(2 * LOG_LINE_MAX), *out;

	assert_non_null(big);
	memset(big, 'x', 2 * LOG_LINE_MAX - 1);
	big[2 * LOG_LINE_MAX - 1] = '\0';
	log_info("%s", big);
	out = captured(state);
	assert_true(strlen(out) <= LOG_LINE_MAX);
	assert_string_equal(out + strlen(out) - 6, "[...]\n");
	free(out);
	free(big);
}

static void
test_log_level_and_format_parse(void **state)
{
	enum log_level l;
	enum log_format f;

	(void)state;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, WL_LOG_DEBUG);
	assert_int_equal(log_level_parse("warning", &l), 0);
	assert_int_equal(l, WL_LOG_WARN);
	assert_int_equal(log_level_parse("error", &l), 0);
	assert_int_equal(l, WL_LOG_ERROR);
	assert_int_equal(log_level_parse("loud", &l), -EINVAL);
	assert_int_equal(log_level_parse(NULL, &l), -EINVAL);
	assert_int_equal(log_format_parse("json", &f), 0);
	assert_int_equal(f, LOG_FORMAT_JSON);
	assert_int_equal(log_format_parse("text", &f), 0);
	assert_int_equal(f, LOG_FORMAT_TEXT);
	assert_int_equal(log_format_parse("xml", &f), -EINVAL);
}

static void
test_key_fpr_is_short_stable_hex(void **state)
{
	uint8_t a[32], b[32];
	char first[16];
	size_t i;

	(void)state;
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	snprintf(first, sizeof(first), "%s", key_fpr(a, sizeof(a)));
	assert_int_equal(strlen(first), 12);
	for (i = 0; i < 12; i++)
		assert_non_null(strchr("0123456789abcdef", first[i]));
	assert_string_equal(key_fpr(a, sizeof(a)), first);
	assert_string_not_equal(key_fpr(b, sizeof(b)), first);
	assert_string_equal(key_fpr(NULL, 0), "(none)");
}

static void
test_key_fpr_slots_survive_one_log_call(void **state)
{
	uint8_t k[4][32];
	const char *f[4];
	int i, j;

	(void)state;
	for (i = 0; i < 4; i++) {
		memset(k[i], i + 1, sizeof(k[i]));
		f[i] = key_fpr(k[i], sizeof(k[i]));
	}
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			assert_string_not_equal(f[i], f[j]);
}

static void
test_fatal_logs_and_exits_1(void **state)
{
	int status;
	pid_t pid;
	char *out;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		fatal(-EACCES, "config: cannot read %s", "x.conf");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	out = captured(state);
	assert_non_null(strstr(out, "error: config: cannot read x.conf "
	    "(Permission denied)\n"));
	free(out);
}

static void
test_fatalx_exits_1_without_suffix(void **state)
{
	int status;
	pid_t pid;
	char *out;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		fatalx("bad flag");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 1);
	out = captured(state);
	assert_non_null(strstr(out, "error: bad flag\n"));
	free(out);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup_capture, \
		    teardown_capture)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_log_text_line_has_utc_ms_timestamp_component_and_level),
		T(test_log_warn_appends_text_of_negative_errno),
		T(test_log_warn_appends_text_of_walink_code),
		T(test_log_warnx_appends_nothing),
		T(test_log_hides_levels_below_minimum),
		T(test_log_text_escapes_newlines_so_one_message_is_one_line),
		T(test_log_json_line_has_fields_and_parses),
		T(test_log_json_escapes_quotes_backslashes_and_control_chars),
		T(test_log_json_keeps_utf8_and_replaces_invalid_bytes),
		T(test_log_json_truncates_long_message_and_stays_valid),
		T(test_log_text_truncates_long_message),
		T(test_log_level_and_format_parse),
		T(test_key_fpr_is_short_stable_hex),
		T(test_key_fpr_slots_survive_one_log_call),
		T(test_fatal_logs_and_exits_1),
		T(test_fatalx_exits_1_without_suffix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
