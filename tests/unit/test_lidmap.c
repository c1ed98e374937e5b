/*
 * test_lidmap: LID -> phone mappings (protocol-notes §9): put, update,
 * lookup, file form both ways, bad input and the table's ceiling.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "whitelist/lidmap.h"

static void
test_lidmap_put_then_lookup(void **state)
{
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "123456789012345", "4915112340001"), 1);
	assert_string_equal(lidmap_phone(m, "123456789012345"), "4915112340001");
	assert_null(lidmap_phone(m, "999"));
	assert_int_equal(lidmap_put(m, "123456789012345", "4915112340001"), 0);
	assert_int_equal(lidmap_count(m), 1);
	lidmap_free(m);
}

static void
test_lidmap_put_updates_a_changed_number(void **state)
{
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "42", "4915112340001"), 1);
	assert_int_equal(lidmap_put(m, "42", "4915112340002"), 1);
	assert_string_equal(lidmap_phone(m, "42"), "4915112340002");
	assert_int_equal(lidmap_count(m), 1);
	lidmap_free(m);
}

static void
test_lidmap_put_rejects_bad_lids_and_numbers(void **state)
{
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "", "4915112340001"), -EINVAL);
	assert_int_equal(lidmap_put(m, "12a", "4915112340001"), -EINVAL);
	assert_int_equal(lidmap_put(m, "1234567890123456789012345", "4915112340001"),
	    -EINVAL);	/* 25 digits: one past LIDMAP_LID_MAX */
	assert_int_equal(lidmap_put(m, "1", "12345"), -EINVAL);
	assert_int_equal(lidmap_put(m, "1", "+4915112340001"), -EINVAL);
	assert_int_equal(lidmap_count(m), 0);
	lidmap_free(m);
}

static void
test_lidmap_encode_then_load_round_trips(void **state)
{
	struct lidmap *m = lidmap_new(), *n = lidmap_new();
	uint8_t *b;
	size_t len;
	char lid[16], phone[16];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(lid, sizeof(lid), "%d", 100000 + i);
		snprintf(phone, sizeof(phone), "49151%08d", i);
		assert_int_equal(lidmap_put(m, lid, phone), 1);
	}
	assert_int_equal(lidmap_encode(m, &b, &len), 0);
	assert_int_equal(lidmap_load(n, b, len), 0);
	assert_int_equal(lidmap_count(n), 1000);
	assert_string_equal(lidmap_phone(n, "100999"), "4915100000999");
	free(b);
	lidmap_free(m);
	lidmap_free(n);
}

static void
test_lidmap_load_of_nothing_is_empty(void **state)
{
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "7", "4915112340001"), 1);
	assert_int_equal(lidmap_load(m, (const uint8_t *)"", 0), 0);
	assert_int_equal(lidmap_count(m), 0);
	lidmap_free(m);
}

static void
test_lidmap_load_is_all_or_nothing(void **state)
{
	static const char bad[] = "1 4915112340001\n2 notanumber\n";
	struct lidmap *m = lidmap_new();

	(void)state;
	assert_int_equal(lidmap_put(m, "7", "4915112340001"), 1);
	assert_int_equal(lidmap_load(m, (const uint8_t *)bad, strlen(bad)), -EBADMSG);
	assert_int_equal(lidmap_count(m), 1);
	assert_non_null(lidmap_phone(m, "7"));
	assert_int_equal(lidmap_load(m, (const uint8_t *)"1 49151\0x", 9), -EBADMSG);
	lidmap_free(m);
}

static void
test_lidmap_holds_the_maximum_and_refuses_one_more(void **state)
{
	struct lidmap *m = lidmap_new();
	char lid[16];
	uint8_t *b;
	size_t len;
	int i;

	(void)state;
	for (i = 0; i < LIDMAP_MAX; i++) {
		snprintf(lid, sizeof(lid), "%d", i + 1);
		assert_int_equal(lidmap_put(m, lid, "4915112340001"), 1);
	}
	assert_int_equal(lidmap_put(m, "99999999", "4915112340001"), -ENOSPC);
	assert_string_equal(lidmap_phone(m, "1"), "4915112340001");
	assert_int_equal(lidmap_encode(m, &b, &len), 0);
	assert_true(len < 1024 * 1024);	/* fits one store blob */
	free(b);
	lidmap_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lidmap_put_then_lookup),
		cmocka_unit_test(test_lidmap_put_updates_a_changed_number),
		cmocka_unit_test(test_lidmap_put_rejects_bad_lids_and_numbers),
		cmocka_unit_test(test_lidmap_encode_then_load_round_trips),
		cmocka_unit_test(test_lidmap_load_of_nothing_is_empty),
		cmocka_unit_test(test_lidmap_load_is_all_or_nothing),
		cmocka_unit_test(test_lidmap_holds_the_maximum_and_refuses_one_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
