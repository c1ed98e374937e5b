/*
 * test_link_policy: the disconnect strategy table of DESIGN.md, the
 * backoff bounds and the conflict ping-pong limit, on a simulated clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

#include <setjmp.h>
#include <cmocka.h>

#include "link/link_policy.h"

#define SEC	1000ULL
#define MIN	(60 * SEC)

static struct link_policy
policy(void)
{
	struct link_policy p;

	link_policy_init(&p, NULL, 42);
	return p;
}

static void
test_classify_follows_protocol_notes_table(void **state)
{
	(void)state;
	assert_int_equal(link_reason_classify(LC_STREAM_ERROR, 515, NULL), REASON_NAVIGATION);
	assert_int_equal(link_reason_classify(LC_STREAM_ERROR, 503, NULL), REASON_NAVIGATION);
	assert_int_equal(link_reason_classify(LC_STREAM_ERROR, 0, "replaced"), REASON_CONFLICT);
	assert_int_equal(link_reason_classify(LC_STREAM_ERROR, 401, "device_removed"), REASON_LOGOUT);
	assert_int_equal(link_reason_classify(LC_STREAM_ERROR, 401, NULL), REASON_LOGOUT);
	assert_int_equal(link_reason_classify(LC_FAILURE, 401, NULL), REASON_LOGOUT);
	assert_int_equal(link_reason_classify(LC_FAILURE, 403, NULL), REASON_LOGOUT);
	assert_int_equal(link_reason_classify(LC_FAILURE, 402, NULL), REASON_BAN);
	assert_int_equal(link_reason_classify(LC_FAILURE, 405, NULL), REASON_OUTDATED);
	assert_int_equal(link_reason_classify(LC_FAILURE, 500, NULL), REASON_NAVIGATION);
	/* whatsmeow handleConnectFailure: only 500/503 reconnect */
	assert_int_equal(link_reason_classify(LC_FAILURE, 428, NULL), REASON_UNKNOWN);
	assert_true(link_failure_stops(409));
	assert_true(link_failure_stops(428));
	assert_false(link_failure_stops(503));
	assert_false(link_failure_stops(401));
	assert_int_equal(link_reason_classify(LC_FAILURE, 999, NULL), REASON_UNKNOWN);
	assert_int_equal(link_reason_classify(LC_SOCKET, 0, NULL), REASON_TIMEOUT);
	assert_int_equal(link_reason_classify(LC_STREAM_END, 0, NULL), REASON_TIMEOUT);
	assert_int_equal(link_reason_classify(LC_TIMEOUT, 0, NULL), REASON_TIMEOUT);
	assert_int_equal(link_reason_classify(LC_PROTOCOL, 0, NULL), REASON_UNKNOWN);
	assert_int_equal(link_reason_classify(LC_STREAM_ERROR, 0, "weird"), REASON_UNKNOWN);
}

static void
test_restart_required_reconnects_at_once(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;

	(void)state;
	assert_int_equal(link_policy_decide(&p, REASON_NAVIGATION, 10 * SEC, 0, &d), 0);
	assert_int_equal(d.action, LA_RECONNECT);
	assert_int_equal(d.event, LE_DOWN_NOW);
	assert_int_equal(d.delay_ms, 0);
	assert_string_equal(d.strategy, "reconnect at once");
}

static void
test_restart_loop_backs_off_after_free_retries(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;
	uint64_t prev = 0;
	int i;

	(void)state;
	for (i = 1; i <= 3; i++) {
		link_policy_decide(&p, REASON_NAVIGATION, i * SEC, 0, &d);
		assert_int_equal(d.delay_ms, 0);
	}
	for (i = 4; i <= 20; i++) {
		link_policy_decide(&p, REASON_NAVIGATION, i * SEC, 0, &d);
		assert_true(d.delay_ms >= SEC);
		assert_true(d.delay_ms <= 5 * MIN);
		assert_true(d.delay_ms >= prev || d.delay_ms >= 4 * MIN);
		prev = d.delay_ms;
	}
	assert_int_equal(d.delay_ms, 5 * MIN);	/* capped after jitter too */
}

static void
test_timeout_waits_configured_delay_then_backs_off_capped(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;
	int i;

	(void)state;
	link_policy_decide(&p, REASON_TIMEOUT, 0, 0, &d);
	assert_int_equal(d.delay_ms, 30 * SEC);	/* the first wait is exact */
	assert_int_equal(d.event, LE_DOWN_RETRY);
	link_policy_decide(&p, REASON_TIMEOUT, MIN, 0, &d);
	assert_in_range(d.delay_ms, 60 * SEC, 72 * SEC);	/* 2x + up to 1/5 */
	for (i = 0; i < 30; i++)
		link_policy_decide(&p, REASON_TIMEOUT, 2 * MIN, 0, &d);
	assert_int_equal(d.delay_ms, 5 * MIN);
	assert_int_equal(d.attempt, 32);
}

static void
test_stable_link_resets_repeat_count(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;

	(void)state;
	link_policy_decide(&p, REASON_TIMEOUT, 0, 0, &d);
	link_policy_decide(&p, REASON_TIMEOUT, 1 * MIN, 0, &d);
	assert_int_equal(d.attempt, 2);
	link_policy_link_up(&p, 2 * MIN);
	link_policy_decide(&p, REASON_TIMEOUT, 2 * MIN + 59 * SEC, 0, &d);
	assert_int_equal(d.attempt, 3);	/* up < 60 s: still a streak */
	link_policy_link_up(&p, 4 * MIN);
	link_policy_decide(&p, REASON_TIMEOUT, 5 * MIN, 0, &d);
	assert_int_equal(d.attempt, 1);
	assert_int_equal(d.delay_ms, 30 * SEC);
	assert_int_equal(p.totals[REASON_TIMEOUT], 4);
}

static void
test_third_conflict_in_window_stops(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;

	(void)state;
	link_policy_decide(&p, REASON_CONFLICT, 0, 0, &d);
	assert_int_equal(d.action, LA_RECONNECT);
	assert_int_equal(d.delay_ms, 30 * SEC);
	link_policy_decide(&p, REASON_CONFLICT, 1 * MIN, 0, &d);
	assert_int_equal(d.action, LA_RECONNECT);
	assert_int_equal(d.delay_ms, 30 * SEC);	/* no backoff: a fixed wait */
	link_policy_decide(&p, REASON_CONFLICT, 9 * MIN, 0, &d);
	assert_int_equal(d.action, LA_STOP);
	assert_int_equal(d.event, LE_GIVE_UP_CONFLICT);
	assert_non_null(strstr(d.strategy, "stopped"));
}

static void
test_conflicts_spread_beyond_window_never_stop(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		link_policy_decide(&p, REASON_CONFLICT, (uint64_t)i * 6 * MIN, 0, &d);
		assert_int_equal(d.action, LA_RECONNECT);
	}
}

static void
test_operator_reset_forgets_conflicts(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;

	(void)state;
	link_policy_decide(&p, REASON_CONFLICT, 0, 0, &d);
	link_policy_decide(&p, REASON_CONFLICT, SEC, 0, &d);
	link_policy_reset(&p);
	link_policy_decide(&p, REASON_CONFLICT, 2 * SEC, 0, &d);
	assert_int_equal(d.action, LA_RECONNECT);
}

static void
test_logout_archives_and_pairs_at_once(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;

	(void)state;
	link_policy_decide(&p, REASON_LOGOUT, 5 * SEC, 0, &d);
	assert_int_equal(d.action, LA_ARCHIVE_AND_PAIR);
	assert_int_equal(d.event, LE_LOGGED_OUT);
	assert_int_equal(d.at_ms, 5 * SEC);
}

static void
test_temporary_ban_waits_for_expiry(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;

	(void)state;
	link_policy_decide(&p, REASON_BAN, 10 * SEC, 3 * MIN, &d);
	assert_int_equal(d.action, LA_WAIT_UNTIL);
	assert_int_equal(d.event, LE_BANNED);
	assert_int_equal(d.at_ms, 3 * MIN);
	assert_int_equal(d.delay_ms, 3 * MIN - 10 * SEC);
	/* No expiry given: look again after the cap, never spin. */
	link_policy_decide(&p, REASON_BAN, 10 * SEC, 0, &d);
	assert_int_equal(d.delay_ms, 5 * MIN);
}

static void
test_outdated_stops_and_names_the_setting(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;

	(void)state;
	link_policy_decide(&p, REASON_OUTDATED, 0, 0, &d);
	assert_int_equal(d.action, LA_STOP);
	assert_int_equal(d.event, LE_OUTDATED);
	assert_non_null(strstr(d.strategy, "--wa-version"));
}

static void
test_unknown_reason_retries_then_backs_off(void **state)
{
	struct link_policy p = policy();
	struct link_decision d;

	(void)state;
	link_policy_decide(&p, REASON_UNKNOWN, 0, 0, &d);
	assert_int_equal(d.delay_ms, 0);
	link_policy_decide(&p, REASON_UNKNOWN, 0, 0, &d);
	assert_int_equal(d.delay_ms, SEC);
	link_policy_decide(&p, REASON_UNKNOWN, 0, 0, &d);
	assert_in_range(d.delay_ms, 2 * SEC, 2 * SEC + 2 * SEC / 5);
	assert_int_equal(link_policy_decide(&p, (enum link_reason)99, 0, 0, &d),
	    -EINVAL);
	assert_int_equal(d.action, LA_RECONNECT);	/* still a safe answer */
}

/* whatsmeow handleConnectFailure: a refusal we do not know stops. */
static void
test_unknown_failure_stops_with_its_code(void **state)
{
	struct link_policy p;
	struct link_decision d;

	(void)state;
	link_policy_init(&p, NULL, 1);
	link_policy_decide(&p, link_reason_classify(LC_FAILURE, 409, NULL), SEC, 0, &d);
	assert_int_equal(d.action, LA_RECONNECT);	/* the table alone retries… */
	link_policy_stop_refused(&d, 409);		/* …link.c turns it into a stop */
	assert_int_equal(d.action, LA_STOP);
	assert_int_equal(d.event, LE_SERVER_FAILURE);
	assert_int_equal(link_fsm_next(LS_CONNECTING, d.event), LS_SERVER_FAILURE);
	assert_non_null(strstr(d.strategy,
	    "WhatsApp refused the connection: failure 409"));
	assert_non_null(strstr(d.strategy, "failure 409 (bad user agent)"));
	/* the references' names; none for a code neither knows */
	assert_string_equal(link_code_label(LC_FAILURE, 418), "client unknown");
	assert_null(link_code_label(LC_FAILURE, 421));
	assert_string_equal(link_code_label(LC_STREAM_ERROR, 408), "connection lost");
	assert_string_equal(link_code_label(LC_STREAM_ERROR, 411), "multi-device mismatch");
	assert_null(link_code_label(LC_STREAM_ERROR, 409));
	link_policy_stop_refused(&d, 421);
	assert_non_null(strstr(d.strategy, "failure 421 (unknown code)"));
	/* whole in wa-control's 128-byte line (CTL_VIEW_TEXT), any code */
	link_policy_stop_refused(&d, -2147483647 - 1);
	assert_true(strlen(d.strategy) < 128);
	/* only 500 and 503 of the <failure> codes we do not map reconnect */
	assert_true(link_failure_stops(409));
	assert_true(link_failure_stops(418));
	assert_false(link_failure_stops(500));
	assert_false(link_failure_stops(503));
	assert_false(link_failure_stops(405));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_failure_stops_with_its_code),
		cmocka_unit_test(test_classify_follows_protocol_notes_table),
		cmocka_unit_test(test_restart_required_reconnects_at_once),
		cmocka_unit_test(test_restart_loop_backs_off_after_free_retries),
		cmocka_unit_test(test_timeout_waits_configured_delay_then_backs_off_capped),
		cmocka_unit_test(test_stable_link_resets_repeat_count),
		cmocka_unit_test(test_third_conflict_in_window_stops),
		cmocka_unit_test(test_conflicts_spread_beyond_window_never_stop),
		cmocka_unit_test(test_operator_reset_forgets_conflicts),
		cmocka_unit_test(test_logout_archives_and_pairs_at_once),
		cmocka_unit_test(test_temporary_ban_waits_for_expiry),
		cmocka_unit_test(test_outdated_stops_and_names_the_setting),
		cmocka_unit_test(test_unknown_reason_retries_then_backs_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
