/*
 * test_waversion: reading the WhatsApp Web version from the page
 * `--wa-version auto` fetches (waversion.c), in the shapes sw.js carries it
 * (inside an escaped JSON string, and plain), refusing pages without it and
 * revisions of 0 or past 32 bits; and the version order used to decide
 * whether a fetched version is newer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "link/waversion.h"

static int
parse(const char *page, struct wa_version *v)
{
	memset(v, 0, sizeof(*v));
	return wa_version_from_page(page, strlen(page), v);
}

static void
test_sw_js_shape(void **state)
{
	struct wa_version v;

	(void)state;
	assert_int_equal(parse("self.__swData=JSON.parse(/*BTDS*/\"{\\\"dynamic_data"
	    "\\\":{\\\"SiteData\\\":{\\\"server_revision\\\":1012345678,"
	    "\\\"client_revision\\\":1029384756,\\\"x\\\":1}}}\");", &v), 0);
	assert_int_equal(v.primary, 2);
	assert_int_equal(v.secondary, 3000);
	assert_int_equal(v.tertiary, 1029384756);
	assert_int_equal(parse("{\"client_revision\": 1043857760}", &v), 0);
	assert_int_equal(v.tertiary, 1043857760);
	/* a mention without a number does not stop the search */
	assert_int_equal(parse("client_revision is documented; "
	    "\"client_revision\":\"x\", \"client_revision\":7", &v), 0);
	assert_int_equal(v.tertiary, 7);
}

static void
test_refused_pages(void **state)
{
	struct wa_version v;

	(void)state;
	assert_int_equal(parse("", &v), -ENOENT);
	assert_int_equal(parse("<html>blocked</html>", &v), -ENOENT);
	assert_int_equal(parse("\"client_revision\":", &v), -ENOENT);
	assert_int_equal(parse("\"client_revision\":0", &v), -ERANGE);
	assert_int_equal(parse("\"client_revision\":4294967296", &v), -ERANGE);
	assert_int_equal(parse("\"client_revision\":4294967295", &v), 0);
	/* the length bounds the search: nothing past it is read */
	assert_int_equal(wa_version_from_page("\"client_revision\":12", 19, &v), 0);
	assert_int_equal(v.tertiary, 1);
}

static void
test_order(void **state)
{
	struct wa_version a = { 2, 3000, 10 }, b = { 2, 3000, 11 }, c = { 2, 2999, 99 };

	(void)state;
	assert_int_equal(wa_version_cmp(&a, &b), -1);
	assert_int_equal(wa_version_cmp(&b, &a), 1);
	assert_int_equal(wa_version_cmp(&a, &a), 0);
	assert_int_equal(wa_version_cmp(&c, &a), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sw_js_shape),
		cmocka_unit_test(test_refused_pages),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
