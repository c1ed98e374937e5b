/* test_clock: the ISO form of the seed's lastHeartbeat, at its bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <setjmp.h>
#include <cmocka.h>

#include "clock.h"

static void
test_iso8601_has_milliseconds_and_utc(void **state)
{
	char s[CLOCK_ISO_LEN];

	(void)state;
	assert_true(clock_iso8601(1753187445123ULL, s));
	assert_string_equal(s, "2025-07-22T12:30:45.123Z");
	assert_true(clock_iso8601(1, s));
	assert_string_equal(s, "1970-01-01T00:00:00.001Z");
	assert_true(clock_iso8601(253402300799999ULL, s));
	assert_string_equal(s, "9999-12-31T23:59:59.999Z");
	assert_false(clock_iso8601(253402300800000ULL, s));	/* year 10000 */
	assert_false(clock_iso8601(UINT64_MAX, s));
	assert_false(clock_iso8601(0, s));			/* never */
}

static void
test_monotonic_clock_never_goes_back(void **state)
{
	uint64_t a = clock_mono_ms(), b = clock_mono_ms();

	(void)state;
	assert_true(b >= a);
	assert_true(clock_wall_ms() > 1700000000000ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso8601_has_milliseconds_and_utc),
		cmocka_unit_test(test_monotonic_clock_never_goes_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
