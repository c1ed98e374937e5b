/*
 * test_msg_pace: the send pacing buckets (issue 13) at their edges: a
 * burst of up to MSG_PACE_BURST, then exactly one message per 60/N
 * seconds; the per-chat and the global limit each hold on their own;
 * waits are exact to the millisecond; 0 means unlimited; chats past the
 * table's size evict the least recently used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <setjmp.h>
#include <cmocka.h>

#include "message/msg_pace.h"

static struct msg_pace p;

static void
test_msg_pace_burst_then_one_per_interval(void **state)
{
	uint64_t t = 1000000;
	int i;

	(void)state;
	msg_pace_init(&p, 60, 0);	/* one a second per chat */
	for (i = 0; i < MSG_PACE_BURST; i++)
		assert_int_equal(msg_pace_take(&p, "a", t), 0);
	assert_int_equal(msg_pace_take(&p, "a", t), 1000);
	assert_int_equal(msg_pace_take(&p, "a", t + 999), 1);
	assert_int_equal(msg_pace_take(&p, "a", t + 1000), 0);
	assert_int_equal(msg_pace_take(&p, "a", t + 1000), 1000);
	/* another chat is not held back by a */
	assert_int_equal(msg_pace_take(&p, "b", t + 1000), 0);
	/* a long pause refills to the burst, not more */
	t += 3600 * 1000;
	for (i = 0; i < MSG_PACE_BURST; i++)
		assert_int_equal(msg_pace_take(&p, "a", t), 0);
	assert_true(msg_pace_take(&p, "a", t) > 0);
}

static void
test_msg_pace_slow_rate_has_smaller_burst_and_exact_wait(void **state)
{
	uint64_t t = 5000;

	(void)state;
	msg_pace_init(&p, 0, 2);	/* two a minute for the account */
	assert_int_equal(msg_pace_take(&p, "a", t), 0);
	assert_int_equal(msg_pace_take(&p, "b", t), 0);
	assert_int_equal(msg_pace_take(&p, "c", t), 30000);
	assert_int_equal(msg_pace_take(&p, "c", t + 29999), 1);
	assert_int_equal(msg_pace_take(&p, "c", t + 30000), 0);
	assert_int_equal(msg_pace_take(&p, "a", t + 30000), 30000);
	/* partial refills add up: 7 ms steps are not lost to rounding */
	for (t = t + 30007; msg_pace_take(&p, "a", t) != 0; t += 7)
		;
	assert_true(t >= 5000 + 60000 && t < 5000 + 60000 + 7);
}

static void
test_msg_pace_both_limits_apply(void **state)
{
	uint64_t t = 0;
	int i;

	(void)state;
	msg_pace_init(&p, 1, 600);	/* one a minute per chat, ten a second overall */
	assert_int_equal(msg_pace_take(&p, "a", t), 0);
	assert_int_equal(msg_pace_take(&p, "a", t), 60000);
	for (i = 0; i < MSG_PACE_BURST - 1; i++) {
		char chat[8];

		snprintf(chat, sizeof(chat), "c%d", i);
		assert_int_equal(msg_pace_take(&p, chat, t), 0);
	}
	/* global bucket empty: a new chat waits 100 ms though its own is full */
	assert_int_equal(msg_pace_take(&p, "new", t), 100);
	/* a refused take took nothing: "new" still goes when the global allows */
	assert_int_equal(msg_pace_take(&p, "new", t + 100), 0);
}

static void
test_msg_pace_unlimited_and_eviction(void **state)
{
	char chat[16];
	int i;

	(void)state;
	msg_pace_init(&p, 0, 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(msg_pace_take(&p, "a", 0), 0);
	msg_pace_init(&p, 1, 0);
	assert_int_equal(msg_pace_take(&p, "a", 0), 0);
	assert_true(msg_pace_take(&p, "a", 1) > 0);
	/* MSG_PACE_CHATS other chats push "a" out; it comes back full */
	for (i = 0; i < MSG_PACE_CHATS; i++) {
		snprintf(chat, sizeof(chat), "x%d", i);
		assert_int_equal(msg_pace_take(&p, chat, 2 + (uint64_t)i), 0);
	}
	assert_int_equal(msg_pace_take(&p, "a", 5000), 0);
	/* "a" coming back pushed out x0 (least recently used): full again;
	 * x1 is still known and waits for the minute since its send at 3 */
	assert_int_equal(msg_pace_take(&p, "x1", 5001), 3 + 60000 - 5001);
	assert_int_equal(msg_pace_take(&p, "x0", 5001), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_pace_burst_then_one_per_interval),
		cmocka_unit_test(test_msg_pace_slow_rate_has_smaller_burst_and_exact_wait),
		cmocka_unit_test(test_msg_pace_both_limits_apply),
		cmocka_unit_test(test_msg_pace_unlimited_and_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
