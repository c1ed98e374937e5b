/* test_control_body: JSON body validation for add, bulk and login. */
#include <errno.h>
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
