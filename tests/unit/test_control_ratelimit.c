/* test_control_ratelimit: login token buckets (ratelimit.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <setjmp.h>
#include <cmocka.h>

#include "auth/ratelimit.h"

static void
test_ratelimit_allows_burst_then_refuses(void **state)
{
	struct ctl_ratelimit *rl = ctl_ratelimit_new(5, 30);
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(ctl_ratelimit_check(rl, "1.2.3.4", 100), 0);
		ctl_ratelimit_fail(rl, "1.2.3.4", 100);
	}
	assert_int_equal(ctl_ratelimit_check(rl, "1.2.3.4", 100), 30);
	assert_int_equal(ctl_ratelimit_check(rl, "1.2.3.4", 110), 20);
	ctl_ratelimit_free(rl);
}

static void
test_ratelimit_refills_one_token_per_period(void **state)
{
	struct ctl_ratelimit *rl = ctl_ratelimit_new(2, 30);

	(void)state;
	ctl_ratelimit_fail(rl, "a", 0);
	ctl_ratelimit_fail(rl, "a", 0);
	assert_true(ctl_ratelimit_check(rl, "a", 29) > 0);
	assert_int_equal(ctl_ratelimit_check(rl, "a", 30), 0);
	ctl_ratelimit_fail(rl, "a", 30);
	assert_true(ctl_ratelimit_check(rl, "a", 31) > 0);
	assert_int_equal(ctl_ratelimit_check(rl, "a", 1000), 0);
	ctl_ratelimit_free(rl);
}

static void
test_ratelimit_keeps_addresses_apart(void **state)
{
	struct ctl_ratelimit *rl = ctl_ratelimit_new(1, 60);

	(void)state;
	ctl_ratelimit_fail(rl, "a", 0);
	assert_true(ctl_ratelimit_check(rl, "a", 1) > 0);
	assert_int_equal(ctl_ratelimit_check(rl, "b", 1), 0);
	ctl_ratelimit_free(rl);
}

static void
test_ratelimit_full_table_keeps_locked_out_addresses(void **state)
{
	struct ctl_ratelimit *rl = ctl_ratelimit_new(1, 600);
	char key[32];
	int i;

	(void)state;
	ctl_ratelimit_fail(rl, "attacker", 0);
	for (i = 0; i < CTL_RL_SLOTS * 2; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		(void)ctl_ratelimit_check(rl, key, 1);
	}
	assert_true(ctl_ratelimit_check(rl, "attacker", 2) > 0);
	ctl_ratelimit_free(rl);
}

static void
test_ratelimit_new_rejects_zero_parameters(void **state)
{
	(void)state;
	assert_null(ctl_ratelimit_new(0, 1));
	assert_null(ctl_ratelimit_new(1, 0));
	ctl_ratelimit_free(NULL);
}

/* Take before the work: n concurrent attempts cannot all pass one check. */
static void
test_ratelimit_take_charges_up_front_and_refund_gives_back(void **state)
{
	struct ctl_ratelimit *rl = ctl_ratelimit_new(5, 30);
	int i, taken = 0;

	(void)state;
	for (i = 0; i < 30; i++)
		taken += ctl_ratelimit_take(rl, "1.2.3.4", 100) == 0;
	assert_int_equal(taken, 5);
	assert_int_equal(ctl_ratelimit_take(rl, "1.2.3.4", 100), 30);
	ctl_ratelimit_refund(rl, "1.2.3.4", 100);	/* a right password */
	assert_int_equal(ctl_ratelimit_take(rl, "1.2.3.4", 100), 0);
	assert_true(ctl_ratelimit_take(rl, "1.2.3.4", 100) > 0);
	/* refunds never lift a bucket past its burst */
	for (i = 0; i < 10; i++)
		ctl_ratelimit_refund(rl, "5.6.7.8", 100);
	for (i = 0, taken = 0; i < 10; i++)
		taken += ctl_ratelimit_take(rl, "5.6.7.8", 100) == 0;
	assert_int_equal(taken, 5);
	ctl_ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_allows_burst_then_refuses),
		cmocka_unit_test(test_ratelimit_refills_one_token_per_period),
		cmocka_unit_test(test_ratelimit_keeps_addresses_apart),
		cmocka_unit_test(test_ratelimit_full_table_keeps_locked_out_addresses),
		cmocka_unit_test(test_ratelimit_new_rejects_zero_parameters),
		cmocka_unit_test(test_ratelimit_take_charges_up_front_and_refund_gives_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
