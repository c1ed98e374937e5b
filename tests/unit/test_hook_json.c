/*
 * test_hook_json: the hook's JSON input (version 2, NUL-carrying text) and
 * reply trimming to 64 KiB at a UTF-8 boundary.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "hook/hook.h"

static void
test_hook_json_has_the_five_fields_plus_version_and_type(void **state)
{
	struct hook_input in = { .from = "4915112340001", .push_name = "Ann",
	    .id = "3EB0AA", .text = "hi \"there\"\n😀 مرحبا", .timestamp = 1700000000 };
	json_t *o;
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(hook_json_input(&in, &s, &len), 0);
	assert_non_null(o = json_loadb(s, len, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(o, "from")), in.from);
	assert_string_equal(json_string_value(json_object_get(o, "pushName")), "Ann");
	assert_string_equal(json_string_value(json_object_get(o, "id")), in.id);
	assert_string_equal(json_string_value(json_object_get(o, "text")), in.text);
	assert_int_equal(json_integer_value(json_object_get(o, "timestamp")), 1700000000);
	assert_int_equal(json_integer_value(json_object_get(o, "version")), 2);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "text");
	assert_int_equal(json_object_size(o), 7);
	json_decref(o);
	free(s);
}

static void
test_hook_json_gives_null_for_a_missing_push_name(void **state)
{
	struct hook_input in = { .from = "4915112340001", .id = "1", .text = "x" };
	json_t *o;
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(hook_json_input(&in, &s, &len), 0);
	assert_non_null(o = json_loadb(s, len, 0, NULL));
	assert_true(json_is_null(json_object_get(o, "pushName")));
	json_decref(o);
	free(s);
}

static void
test_hook_json_refuses_invalid_utf8(void **state)
{
	struct hook_input in = { .from = "4915112340001", .id = "1", .text = "\xff\xfe" };
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(hook_json_input(&in, &s, &len), -EINVAL);
}

static void
test_hook_json_keeps_a_nul_inside_the_text(void **state)
{
	static const char text[] = "before\0after\x01";
	struct hook_input in = { .from = "4915112340001", .id = "1", .text = text,
	    .text_len = sizeof(text) - 1 };
	json_t *o, *t;
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(hook_json_input(&in, &s, &len), 0);
	assert_non_null(strstr(s, "before\\u0000after\\u0001"));
	assert_int_equal(strlen(s), len);
	assert_non_null(o = json_loadb(s, len, JSON_ALLOW_NUL, NULL));
	assert_non_null(t = json_object_get(o, "text"));
	assert_int_equal(json_string_length(t), sizeof(text) - 1);
	assert_memory_equal(json_string_value(t), text, sizeof(text) - 1);
	json_decref(o);
	free(s);
}

static void
test_hook_reply_trim_cuts_whitespace(void **state)
{
	static const char r[] = " \n\t reply text \r\n";
	size_t a, n;

	(void)state;
	hook_reply_trim(r, strlen(r), &a, &n);
	assert_int_equal(n, strlen("reply text"));
	assert_memory_equal(r + a, "reply text", n);
	hook_reply_trim("  \n", 3, &a, &n);
	assert_int_equal(n, 0);
	hook_reply_trim("", 0, &a, &n);
	assert_int_equal(n, 0);
}

static void
test_hook_reply_trim_keeps_exactly_the_maximum(void **state)
{
	char *b = malloc(HOOK_REPLY_MAX + 1);
	size_t a, n;

	(void)state;
	memset(b, 'a', HOOK_REPLY_MAX + 1);
	hook_reply_trim(b, HOOK_REPLY_MAX, &a, &n);
	assert_int_equal(n, HOOK_REPLY_MAX);
	hook_reply_trim(b, HOOK_REPLY_MAX + 1, &a, &n);	/* maximum + 1 */
	assert_int_equal(n, HOOK_REPLY_MAX);
	free(b);
}

static void
test_hook_reply_trim_never_splits_a_character(void **state)
{
	char *b = malloc(HOOK_REPLY_MAX + 8);
	size_t a, n;

	(void)state;
	memset(b, 'a', HOOK_REPLY_MAX + 8);
	/* a 4-byte emoji straddling the limit */
	memcpy(b + HOOK_REPLY_MAX - 2, "\xf0\x9f\x98\x80", 4);
	hook_reply_trim(b, HOOK_REPLY_MAX + 8, &a, &n);
	assert_int_equal(n, HOOK_REPLY_MAX - 2);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_json_has_the_five_fields_plus_version_and_type),
		cmocka_unit_test(test_hook_json_gives_null_for_a_missing_push_name),
		cmocka_unit_test(test_hook_json_refuses_invalid_utf8),
		cmocka_unit_test(test_hook_json_keeps_a_nul_inside_the_text),
		cmocka_unit_test(test_hook_reply_trim_cuts_whitespace),
		cmocka_unit_test(test_hook_reply_trim_keeps_exactly_the_maximum),
		cmocka_unit_test(test_hook_reply_trim_never_splits_a_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
