/*
 * test_clock: the ISO form of the seed's lastHeartbeat, at its bounds, and
 * which POSIX clock each reader follows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

/* ms read from a POSIX clock directly, for comparison */
static uint64_t
posix_ms(clockid_t clk)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(clk, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Deadlines must follow CLOCK_MONOTONIC (a wall clock that jumps must not
 * fire a keepalive) and people see CLOCK_REALTIME: each reader agrees with
 * its POSIX clock to the millisecond, and follows a 30 ms sleep.
 */
static void
test_each_clock_reads_its_posix_clock_in_ms(void **state)
{
	const struct timespec pause = { 0, 30 * 1000000L };
	uint64_t m0, m1, p0, p1, w0, w1, r0, r1;

	(void)state;
	p0 = posix_ms(CLOCK_MONOTONIC);
	m0 = clock_mono_ms();
	p1 = posix_ms(CLOCK_MONOTONIC);
	assert_true(m0 >= p0 && m0 <= p1);
	r0 = posix_ms(CLOCK_REALTIME);
	w0 = clock_wall_ms();
	r1 = posix_ms(CLOCK_REALTIME);
	assert_true(w0 >= r0 && w0 <= r1);

	assert_int_equal(nanosleep(&pause, NULL), 0);
	m1 = clock_mono_ms();
	w1 = clock_wall_ms();
	assert_true(m1 - m0 >= 30);
	assert_true(m1 - m0 < 30000);	/* milliseconds, not micro- or nanoseconds */
	assert_true(w1 >= w0 + 29);	/* realtime may be slewed by a fraction */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso8601_has_milliseconds_and_utc),
		cmocka_unit_test(test_each_clock_reads_its_posix_clock_in_ms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
