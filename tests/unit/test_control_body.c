/* test_control_body: JSON body validation for add, bulk and login. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "api/body.h"

#define S(x)	x, strlen(x)

static void
test_body_add_normalises_phone_number(void **state)
{
	char d[PHONE_BUF], err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_body_parse_add(S("{\"phoneNumber\":\"+971 50-147 6598\"}"),
	    d, err), 0);
	assert_string_equal(d, "971501476598");
}

static void
test_body_add_explains_each_refusal(void **state)
{
	static const struct { const char *in, *why; } cases[] = {
		{ "", "empty" },
		{ "{", "not valid JSON" },
		{ "[]", "JSON object" },
		{ "{}", "phoneNumber is required" },
		{ "{\"phoneNumber\":1}", "must be a string" },
		{ "{\"phoneNumber\":\"12\\u00003456789012\"}", "not valid JSON" },
		{ "{\"phoneNumber\":\"123\"}", "fewer than 10" },
		{ "{\"phoneNumber\":\"1\",\"phoneNumber\":\"2\"}", "not valid JSON" },
	};
	char d[PHONE_BUF], err[CTL_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ctl_body_parse_add(S(cases[i].in), d, err),
		    -EINVAL);
		assert_non_null(strstr(err, cases[i].why));
	}
}

static void
test_body_bulk_lists_every_invalid_entry(void **state)
{
	struct ctl_numbers n;
	char err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_body_parse_bulk(S("{\"numbers\":[\"15550001111\","
	    "\"12\",42,null,\"abcdefghijkl\"]}"), &n, err), -EINVAL);
	assert_int_equal(n.ninvalid, 4);
	assert_string_equal(n.invalid[0], "12");
	assert_string_equal(n.invalid[1], "42");
	assert_string_equal(n.invalid[2], "null");
	assert_string_equal(n.invalid[3], "abcdefghijkl");
	assert_non_null(strstr(err, "4 invalid numbers"));
	ctl_numbers_fini(&n);
}

static void
test_body_bulk_folds_duplicates_after_normalising(void **state)
{
	struct ctl_numbers n;
	char err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_body_parse_bulk(S("{\"numbers\":[\"+1 555 000 1111\","
	    "\"15550001111\",\"4915112345678\"]}"), &n, err), 0);
	assert_int_equal(n.n, 2);
	assert_string_equal(n.v[0], "15550001111");
	assert_string_equal(n.v[1], "4915112345678");
	ctl_numbers_fini(&n);
}

static void
test_body_bulk_accepts_empty_list(void **state)
{
	struct ctl_numbers n;
	char err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_body_parse_bulk(S("{\"numbers\":[]}"), &n, err), 0);
	assert_int_equal(n.n, 0);
	ctl_numbers_fini(&n);
}

/* {"numbers":["10000000000",...]} with count entries. */
static char *
bulk_of(size_t count)
{
	char *s = malloc(count * 16 + 32), *p = s;
	size_t i;

	p += sprintf(p, "{\"numbers\":[");
	for (i = 0; i < count; i++)
		p += sprintf(p, "%s\"%zu\"", i ? "," : "",
		    (size_t)10000000000ULL + i);
	sprintf(p, "]}");
	return s;
}

static void
test_body_bulk_max_and_max_plus_one(void **state)
{
	struct ctl_numbers n;
	char err[CTL_ERR_MAX], *s;

	(void)state;
	s = bulk_of(CTL_BULK_MAX);
	assert_int_equal(ctl_body_parse_bulk(s, strlen(s), &n, err), 0);
	assert_int_equal(n.n, CTL_BULK_MAX);
	ctl_numbers_fini(&n);
	free(s);
	s = bulk_of(CTL_BULK_MAX + 1);
	assert_int_equal(ctl_body_parse_bulk(s, strlen(s), &n, err), -EINVAL);
	assert_non_null(strstr(err, "too many"));
	ctl_numbers_fini(&n);
	free(s);
}

static void
test_body_bulk_rejects_non_array(void **state)
{
	struct ctl_numbers n;
	char err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_body_parse_bulk(S("{\"numbers\":\"1555\"}"), &n,
	    err), -EINVAL);
	ctl_numbers_fini(&n);
	assert_int_equal(ctl_body_parse_bulk(S("{}"), &n, err), -EINVAL);
	ctl_numbers_fini(&n);
}

static void
test_body_login_password_empty_max_and_max_plus_one(void **state)
{
	char pw[CTL_PASSWORD_MAX + 1], err[CTL_ERR_MAX];
	char body[CTL_PASSWORD_MAX + 32];

	(void)state;
	assert_int_equal(ctl_body_parse_login(S("{\"password\":\"\"}"), pw, err),
	    -EINVAL);
	snprintf(body, sizeof(body), "{\"password\":\"%0*d\"}",
	    CTL_PASSWORD_MAX, 0);
	assert_int_equal(ctl_body_parse_login(S(body), pw, err), 0);
	assert_int_equal(strlen(pw), CTL_PASSWORD_MAX);
	snprintf(body, sizeof(body), "{\"password\":\"%0*d\"}",
	    CTL_PASSWORD_MAX + 1, 0);
	assert_int_equal(ctl_body_parse_login(S(body), pw, err), -EINVAL);
}

static void
test_numbers_dedupe_keeps_first_of_each_in_order(void **state)
{
	char v[5][PHONE_BUF] = { "15550000002", "15550000001",
	    "15550000002", "15550000003", "15550000001" };
	size_t n = 5;

	(void)state;
	assert_int_equal(ctl_numbers_dedupe(v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "15550000002");
	assert_string_equal(v[1], "15550000001");
	assert_string_equal(v[2], "15550000003");
}

static void
test_numbers_dedupe_max_and_max_plus_one(void **state)
{
	char (*v)[PHONE_BUF] = calloc(CTL_BULK_MAX + 1, sizeof(*v));
	size_t i, n = CTL_BULK_MAX;

	(void)state;
	for (i = 0; i <= CTL_BULK_MAX; i++)
		snprintf(v[i], sizeof(v[i]), "%zu", (size_t)10000000000ULL +
		    i % 7000);
	assert_int_equal(ctl_numbers_dedupe(v, &n), 0);
	assert_int_equal(n, 7000);
	n = CTL_BULK_MAX + 1;
	assert_int_equal(ctl_numbers_dedupe(v, &n), -EINVAL);
	n = 0;
	assert_int_equal(ctl_numbers_dedupe(v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
}

/* "{"password":" + depth '[' + depth ']' + "}": a 2 KB body at 1000. */
static char *
deep_body(const char *key, size_t depth, size_t *len)
{
	size_t k = strlen(key), i, n = 0;
	char *b = malloc(k + 2 * depth + 8);

	assert_non_null(b);
	n += (size_t)sprintf(b, "{\"%s\":", key);
	for (i = 0; i < depth; i++)
		b[n++] = '[';
	for (i = 0; i < depth; i++)
		b[n++] = ']';
	b[n++] = '}';
	b[n] = '\0';
	*len = n;
	return b;
}

struct deep_run {
	int	login_rc, bulk_rc, add_rc;
	char	err[CTL_ERR_MAX];
};

static void *
deep_parse(void *arg)
{
	struct deep_run *d = arg;
	struct ctl_numbers nums;
	char pw[CTL_PASSWORD_MAX + 1], digits[PHONE_BUF], err[CTL_ERR_MAX];
	size_t len;
	char *b;

	b = deep_body("numbers", 5000, &len);
	d->bulk_rc = ctl_body_parse_bulk(b, len, &nums, d->err);
	ctl_numbers_fini(&nums);
	d->add_rc = ctl_body_parse_add(b, len, digits, err);
	free(b);
	b = deep_body("password", 500, &len);
	d->login_rc = ctl_body_parse_login(b, len, pw, err);
	free(b);
	return NULL;
}

/*
 * The attack: a nested body on a civetweb worker thread (100 KiB of
 * stack) used to overflow it inside jansson. The bodies are refused
 * before the parser, on a thread with that stack.
 */
static void
test_body_deep_nesting_refused_on_a_civetweb_sized_stack(void **state)
{
	struct deep_run d;
	pthread_attr_t a;
	pthread_t t;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(pthread_attr_init(&a), 0);
	assert_int_equal(pthread_attr_setstacksize(&a, 100 * 1024), 0);
	assert_int_equal(pthread_create(&t, &a, deep_parse, &d), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&a);
	assert_int_equal(d.bulk_rc, -EINVAL);
	assert_int_equal(d.add_rc, -EINVAL);
	assert_int_equal(d.login_rc, -EINVAL);
	assert_non_null(strstr(d.err, "nested too deeply"));
}

static void
test_body_shape_counts_brackets_outside_strings_only(void **state)
{
	(void)state;
	assert_int_equal(ctl_body_shape_ok(S("{\"a\":[[[[[[[1]]]]]]]}"), 8), 0);
	assert_int_equal(ctl_body_shape_ok(S("{\"a\":[[[[[[[[1]]]]]]]]}"), 8),
	    -E2BIG);
	/* brackets in a string, with an escaped quote before them */
	assert_int_equal(ctl_body_shape_ok(S("{\"a\":\"\\\"[[[[[[[[[[\"}"),
	    2), 0);
	/* closers first cannot lower the count below zero */
	assert_int_equal(ctl_body_shape_ok(S("]]]]{[[\"\"]]}"), 2), -E2BIG);
}

static void
test_body_bulk_names_containers_without_dumping_them(void **state)
{
	struct ctl_numbers n;
	char err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_body_parse_bulk(S("{\"numbers\":[[[\"1\"]],"
	    "{\"a\":[1]},\"0501476598\"]}"), &n, err), -EINVAL);
	assert_int_equal(n.ninvalid, 3);
	assert_string_equal(n.invalid[0], "[array]");
	assert_string_equal(n.invalid[1], "{object}");
	assert_string_equal(n.invalid[2], "0501476598");
	ctl_numbers_fini(&n);
}

static void
test_body_add_refuses_a_leading_zero(void **state)
{
	char d[PHONE_BUF], err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(ctl_body_parse_add(S("{\"phoneNumber\":\"0000000000\"}"),
	    d, err), -EINVAL);
	assert_non_null(strstr(err, "may not start with 0"));
}

static void
test_body_login_refuses_a_body_past_its_cap(void **state)
{
	char pw[CTL_PASSWORD_MAX + 1], err[CTL_ERR_MAX];
	char *b = malloc(CTL_LOGIN_BODY_MAX + 64);

	(void)state;
	assert_non_null(b);
	memset(b, ' ', CTL_LOGIN_BODY_MAX + 64);
	memcpy(b, "{\"password\":\"x\"}", 16);
	assert_int_equal(ctl_body_parse_login(b, CTL_LOGIN_BODY_MAX, pw, err), 0);
	assert_int_equal(ctl_body_parse_login(b, CTL_LOGIN_BODY_MAX + 1, pw, err),
	    -EINVAL);
	assert_non_null(strstr(err, "too large"));
	free(b);
}

/* POST /api/messages: "to" out, the rest passed on as JSON. */
static void
test_body_message_splits_to_from_the_rest(void **state)
{
	char d[PHONE_BUF], err[CTL_ERR_MAX], *json = NULL;

	(void)state;
	assert_int_equal(ctl_body_parse_message(S("{\"to\":\"+49 151 1234 0001\","
	    "\"type\":\"text\",\"text\":\"hi\"}"), d, &json, err), 0);
	assert_string_equal(d, "4915112340001");
	assert_string_equal(json, "{\"type\":\"text\",\"text\":\"hi\"}");
	free(json);
	assert_int_equal(ctl_body_parse_message(S("{\"to\":4915112340001,"
	    "\"text\":\"hi\"}"), d, &json, err), 0);
	assert_string_equal(d, "4915112340001");
	free(json);
	assert_int_equal(ctl_body_parse_message(S("{\"text\":\"hi\"}"), d,
	    &json, err), -EINVAL);
	assert_null(json);
	assert_non_null(strstr(err, "\"to\" is required"));
	assert_int_equal(ctl_body_parse_message(S("{\"to\":\"12\"}"), d, &json,
	    err), -EINVAL);
	assert_non_null(strstr(err, "not a phone number"));
	assert_int_equal(ctl_body_parse_message(S("{\"to\":\"4915112340001\","
	    "\"type\":5}"), d, &json, err), -EINVAL);
	assert_int_equal(ctl_body_parse_message(S("[1]"), d, &json, err),
	    -EINVAL);
	assert_int_equal(ctl_body_parse_message(S("{\"to\":\"4915112340001\","
	    "\"a\":[[[[[[[[[1]]]]]]]]]}"), d, &json, err), -EINVAL);
	assert_int_equal(ctl_body_parse_message(S("{\"to\":\"1\",\"to\":\"2\"}"),
	    d, &json, err), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_add_normalises_phone_number),
		cmocka_unit_test(test_body_add_explains_each_refusal),
		cmocka_unit_test(test_body_bulk_lists_every_invalid_entry),
		cmocka_unit_test(test_body_bulk_folds_duplicates_after_normalising),
		cmocka_unit_test(test_body_bulk_accepts_empty_list),
		cmocka_unit_test(test_body_bulk_max_and_max_plus_one),
		cmocka_unit_test(test_body_bulk_rejects_non_array),
		cmocka_unit_test(test_body_login_password_empty_max_and_max_plus_one),
		cmocka_unit_test(test_numbers_dedupe_keeps_first_of_each_in_order),
		cmocka_unit_test(test_numbers_dedupe_max_and_max_plus_one),
		cmocka_unit_test(test_body_deep_nesting_refused_on_a_civetweb_sized_stack),
		cmocka_unit_test(test_body_shape_counts_brackets_outside_strings_only),
		cmocka_unit_test(test_body_bulk_names_containers_without_dumping_them),
		cmocka_unit_test(test_body_add_refuses_a_leading_zero),
		cmocka_unit_test(test_body_login_refuses_a_body_past_its_cap),
		cmocka_unit_test(test_body_message_splits_to_from_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
