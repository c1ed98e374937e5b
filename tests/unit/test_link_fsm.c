/*
 * test_link_fsm: the transition table refuses what DESIGN.md does not
 * allow, and the names and indicators match the contract.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "ipc.pb-c.h"
#include "link/link_state.h"

static void
test_first_run_reaches_connected_through_qr_and_515(void **state)
{
	enum link_state s = LS_STARTING;

	(void)state;
	s = link_fsm_next(s, LE_CONNECT);
	assert_int_equal(s, LS_CONNECTING);
	s = link_fsm_next(s, LE_PAIR_DEVICE);
	assert_int_equal(s, LS_QR);
	s = link_fsm_next(s, LE_PAIR_SUCCESS);
	assert_int_equal(s, LS_PAIRING);
	s = link_fsm_next(s, LE_DOWN_NOW);	/* stream error 515 */
	assert_int_equal(s, LS_RESTARTING);
	s = link_fsm_next(s, LE_CONNECT);
	s = link_fsm_next(s, LE_LOGIN_OK);
	assert_int_equal(s, LS_CONNECTED);
}

static void
test_keepalive_moves_between_connected_and_unstable(void **state)
{
	(void)state;
	assert_int_equal(link_fsm_next(LS_CONNECTED, LE_PONG_LATE), LS_UNSTABLE);
	assert_int_equal(link_fsm_next(LS_UNSTABLE, LE_PONG_OK), LS_CONNECTED);
	assert_int_equal(link_fsm_next(LS_UNSTABLE, LE_DOWN_RETRY), LS_DISCONNECTED);
}

static void
test_stop_states_leave_only_by_operator_restart(void **state)
{
	static const enum link_state stops[] = { LS_CONFLICT, LS_OUTDATED };
	size_t i;
	int e;

	(void)state;
	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		for (e = 0; e < LE__MAX; e++) {
			enum link_state to = link_fsm_next(stops[i], e);
			if (e == LE_OPERATOR_RESTART)
				assert_int_equal(to, LS_RESTARTING);
			else
				assert_int_equal(to, LS__MAX);
		}
}

static void
test_wire_cannot_jump_to_connected_without_login(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < LS__MAX; s++)
		if (s != LS_CONNECTED && s != LS_UNSTABLE)
			assert_int_not_equal(link_fsm_next(s, LE_PONG_OK), LS_CONNECTED);
	assert_int_equal(link_fsm_next(LS_QR, LE_LOGIN_OK), LS__MAX);
	assert_int_equal(link_fsm_next(LS_STARTING, LE_PAIR_SUCCESS), LS__MAX);
	assert_int_equal(link_fsm_next(LS__MAX, LE_CONNECT), LS__MAX);
	assert_int_equal(link_fsm_next(LS_CONNECTED, LE__MAX), LS__MAX);
}

static void
test_logout_leads_to_fresh_pairing(void **state)
{
	(void)state;
	assert_int_equal(link_fsm_next(LS_CONNECTED, LE_LOGGED_OUT), LS_LOGGED_OUT);
	assert_int_equal(link_fsm_next(LS_LOGGED_OUT, LE_CONNECT), LS_CONNECTING);
}

static void
test_names_and_numbers_match_ipc_contract(void **state)
{
	(void)state;
	assert_int_equal(LS_LOGGED_OUT, WLIPC__LINK_STATE__LS_LOGGED_OUT);
	assert_int_equal(LS_OUTDATED, WLIPC__LINK_STATE__LS_OUTDATED);
	assert_int_equal(LS_QR, WLIPC__LINK_STATE__LS_QR);
	assert_int_equal(REASON_UNKNOWN, WLIPC__REASON__REASON_UNKNOWN);
	assert_int_equal(REASON_BAN, WLIPC__REASON__REASON_BAN);
	assert_string_equal(link_state_name(LS_LOGGED_OUT), "logged_out");
	assert_string_equal(link_state_name(LS__MAX), "invalid");
	assert_string_equal(link_reason_name(REASON_NAVIGATION), "NAVIGATION");
	assert_string_equal(link_state_indicator(LS_PAIRING), "connecting");
	assert_string_equal(link_state_indicator(LS_BANNED), "disconnected");
	assert_string_equal(link_state_indicator(LS_RESTARTING), "restarting");
	assert_true(link_state_needs_person(LS_QR, true));
	assert_false(link_state_needs_person(LS_QR, false));
	assert_true(link_state_needs_person(LS_CONFLICT, false));
	assert_false(link_state_needs_person(LS_UNSTABLE, false));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_run_reaches_connected_through_qr_and_515),
		cmocka_unit_test(test_keepalive_moves_between_connected_and_unstable),
		cmocka_unit_test(test_stop_states_leave_only_by_operator_restart),
		cmocka_unit_test(test_wire_cannot_jump_to_connected_without_login),
		cmocka_unit_test(test_logout_leads_to_fresh_pairing),
		cmocka_unit_test(test_names_and_numbers_match_ipc_contract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
