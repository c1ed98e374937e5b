/*
 * test_link_fsm: the transition table refuses what DESIGN.md does not
 * allow, and the names and indicators match the contract.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
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
	static const enum link_state stops[] = { LS_CONFLICT, LS_OUTDATED,
	    LS_PASSKEY, LS_SERVER_FAILURE };
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

/*
 * Every state and reason, walked against proto/ipc.proto through its
 * protobuf-c descriptors: the same number, the contract's name
 * ("LS_LOGGED_OUT" -> "logged_out", "REASON_BAN" -> "BAN"), and for states
 * the seed indicator and whether a person must act (DESIGN.md "Link states").
 */
static void
test_every_state_and_reason_matches_ipc_contract(void **state)
{
	static const struct {
		enum link_state s;
		const char *indicator;
		bool needs_person;
	} states[] = {
		{ LS_STARTING, "connecting", false },
		{ LS_CONNECTING, "connecting", false },
		{ LS_QR, "connecting", false },
		{ LS_PAIRING, "connecting", false },
		{ LS_CONNECTED, "connected", false },
		{ LS_UNSTABLE, "unstable", false },
		{ LS_DISCONNECTED, "disconnected", false },
		{ LS_RESTARTING, "restarting", false },
		{ LS_LOGGED_OUT, "disconnected", true },
		{ LS_CONFLICT, "disconnected", true },
		{ LS_BANNED, "disconnected", true },
		{ LS_OUTDATED, "disconnected", true },
		{ LS_PASSKEY, "disconnected", true },
		{ LS_SERVER_FAILURE, "disconnected", true },
	};
	const ProtobufCEnumDescriptor *sd = &wlipc__link_state__descriptor;
	const ProtobufCEnumDescriptor *rd = &wlipc__reason__descriptor;
	char want[64];
	size_t i, j;

	(void)state;
	assert_int_equal(sizeof(states) / sizeof(states[0]), LS__MAX);
	assert_int_equal(sd->n_values, LS__MAX);
	for (i = 0; i < LS__MAX; i++) {
		const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(sd,
		    (int)states[i].s);

		assert_int_equal(states[i].s, i);
		assert_non_null(v);
		assert_true(strncmp(v->name, "LS_", 3) == 0);
		for (j = 0; v->name[3 + j] != '\0' && j < sizeof(want) - 1; j++)
			want[j] = (char)tolower((unsigned char)v->name[3 + j]);
		want[j] = '\0';
		assert_string_equal(link_state_name(states[i].s), want);
		assert_string_equal(link_state_indicator(states[i].s), states[i].indicator);
		assert_int_equal(link_state_needs_person(states[i].s, false),
		    states[i].needs_person);
	}
	assert_string_equal(link_state_name(LS__MAX), "invalid");
	/* a paused QR round waits for a person; an active one does not */
	assert_true(link_state_needs_person(LS_QR, true));

	assert_int_equal(rd->n_values, REASON__MAX);
	for (i = 0; i < REASON__MAX; i++) {
		const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(rd, (int)i);

		assert_non_null(v);
		assert_true(strncmp(v->name, "REASON_", 7) == 0);
		assert_string_equal(link_reason_name((enum link_reason)i), v->name + 7);
	}
}

/*
 * The table restated move by move, from DESIGN.md "Link states": every
 * state x every event is walked, a listed move must lead where listed and
 * every other pair must be refused (LS__MAX). A move added to link_fsm.c
 * without being added here fails, and so does one dropped.
 */
struct move {
	enum link_state from;
	enum link_event ev;
	enum link_state to;
};

#define LIVE(s)								\
	{ s, LE_DOWN_RETRY, LS_DISCONNECTED },				\
	{ s, LE_DOWN_NOW, LS_RESTARTING },				\
	{ s, LE_LOGGED_OUT, LS_LOGGED_OUT },				\
	{ s, LE_GIVE_UP_CONFLICT, LS_CONFLICT },			\
	{ s, LE_BANNED, LS_BANNED },					\
	{ s, LE_OUTDATED, LS_OUTDATED },				\
	{ s, LE_SERVER_FAILURE, LS_SERVER_FAILURE },			\
	{ s, LE_OPERATOR_RESTART, LS_RESTARTING }

static const struct move moves[] = {
	{ LS_STARTING, LE_CONNECT, LS_CONNECTING },
	{ LS_STARTING, LE_BANNED, LS_BANNED },
	{ LS_STARTING, LE_OPERATOR_RESTART, LS_RESTARTING },
	LIVE(LS_CONNECTING),
	{ LS_CONNECTING, LE_PAIR_DEVICE, LS_QR },
	{ LS_CONNECTING, LE_LOGIN_OK, LS_CONNECTED },
	{ LS_CONNECTING, LE_PASSKEY, LS_PASSKEY },
	LIVE(LS_QR),
	{ LS_QR, LE_PAIR_DEVICE, LS_QR },
	{ LS_QR, LE_QR_PAUSE, LS_QR },
	{ LS_QR, LE_PAIR_SUCCESS, LS_PAIRING },
	{ LS_QR, LE_CONNECT, LS_QR },
	{ LS_QR, LE_PASSKEY, LS_PASSKEY },
	LIVE(LS_PAIRING),
	{ LS_PAIRING, LE_LOGIN_OK, LS_CONNECTED },
	{ LS_PAIRING, LE_PASSKEY, LS_PASSKEY },
	LIVE(LS_CONNECTED),
	{ LS_CONNECTED, LE_PONG_LATE, LS_UNSTABLE },
	{ LS_CONNECTED, LE_PONG_OK, LS_CONNECTED },
	LIVE(LS_UNSTABLE),
	{ LS_UNSTABLE, LE_PONG_LATE, LS_UNSTABLE },
	{ LS_UNSTABLE, LE_PONG_OK, LS_CONNECTED },
	LIVE(LS_DISCONNECTED),
	{ LS_DISCONNECTED, LE_CONNECT, LS_CONNECTING },
	LIVE(LS_RESTARTING),
	{ LS_RESTARTING, LE_CONNECT, LS_CONNECTING },
	{ LS_LOGGED_OUT, LE_CONNECT, LS_CONNECTING },
	{ LS_LOGGED_OUT, LE_OPERATOR_RESTART, LS_RESTARTING },
	{ LS_CONFLICT, LE_OPERATOR_RESTART, LS_RESTARTING },
	{ LS_BANNED, LE_CONNECT, LS_CONNECTING },
	{ LS_BANNED, LE_OPERATOR_RESTART, LS_RESTARTING },
	{ LS_OUTDATED, LE_OPERATOR_RESTART, LS_RESTARTING },
	{ LS_PASSKEY, LE_OPERATOR_RESTART, LS_RESTARTING },
	{ LS_SERVER_FAILURE, LE_OPERATOR_RESTART, LS_RESTARTING },
};

static void
test_every_state_times_every_event_matches_the_design(void **state)
{
	size_t i, n = sizeof(moves) / sizeof(moves[0]), listed = 0;
	bool seen[LS__MAX][LE__MAX];
	int s, e;

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		assert_false(seen[moves[i].from][moves[i].ev]);	/* listed once */
		seen[moves[i].from][moves[i].ev] = true;
	}
	for (s = 0; s < LS__MAX; s++)
		for (e = 0; e < LE__MAX; e++) {
			enum link_state want = LS__MAX, got;

			for (i = 0; i < n; i++)
				if ((int)moves[i].from == s && (int)moves[i].ev == e)
					want = moves[i].to;
			got = link_fsm_next((enum link_state)s, (enum link_event)e);
			if (got != want)
				fail_msg("%s on %s: table says %s, design says %s",
				    link_state_name(s), link_event_name(e),
				    link_state_name(got), link_state_name(want));
			listed += want != LS__MAX;
			/* nothing ever enters starting, nor moves on "none" */
			assert_int_not_equal(got, LS_STARTING);
			if (e == LE_NONE)
				assert_int_equal(got, LS__MAX);
		}
	assert_int_equal(listed, n);
	/* every state but starting can be reached, every one can be left */
	for (s = 1; s < LS__MAX; s++) {
		bool in = false, out = false;

		for (i = 0; i < n; i++) {
			in |= (int)moves[i].to == s && (int)moves[i].from != s;
			out |= (int)moves[i].from == s && (int)moves[i].to != s;
		}
		assert_true(in);
		assert_true(out);
	}
	/* the names every event is logged with */
	for (e = 0; e < LE__MAX; e++)
		assert_string_not_equal(link_event_name((enum link_event)e), "invalid");
	assert_string_equal(link_event_name(LE__MAX), "invalid");
}

/*
 * The connection beneath the state, walked the same way: every phase x
 * every connection event. Logged in is a phase of its own, a close asked
 * for twice or with no socket is refused (the first reason stays), and
 * shutting down is a phase too: a stop, from whatever phase, ends in
 * stopped, which nothing leaves (no dial, no second stop).
 */
static void
test_every_phase_times_every_conn_event_matches_the_design(void **state)
{
	static const struct {
		enum conn_phase from;
		enum conn_event ev;
		enum conn_phase to;
	} cm[] = {
		{ CP_IDLE, CE_DIAL, CP_CONNECTING },
		{ CP_CONNECTING, CE_WS_OPEN, CP_HANDSHAKE },
		{ CP_CONNECTING, CE_CLOSE, CP_CLOSING },
		{ CP_CONNECTING, CE_CLOSED, CP_IDLE },
		{ CP_HANDSHAKE, CE_NOISE_DONE, CP_TRANSPORT },
		{ CP_HANDSHAKE, CE_CLOSE, CP_CLOSING },
		{ CP_HANDSHAKE, CE_CLOSED, CP_IDLE },
		{ CP_TRANSPORT, CE_LOGIN, CP_LOGGED_IN },
		{ CP_TRANSPORT, CE_CLOSE, CP_CLOSING },
		{ CP_TRANSPORT, CE_CLOSED, CP_IDLE },
		{ CP_LOGGED_IN, CE_CLOSE, CP_CLOSING },
		{ CP_LOGGED_IN, CE_CLOSED, CP_IDLE },
		{ CP_CLOSING, CE_CLOSED, CP_IDLE },
		/* shutdown: from every phase, once; stopped is never left */
		{ CP_IDLE, CE_STOP, CP_STOPPED },
		{ CP_CONNECTING, CE_STOP, CP_STOPPING },
		{ CP_HANDSHAKE, CE_STOP, CP_STOPPING },
		{ CP_TRANSPORT, CE_STOP, CP_STOPPING },
		{ CP_LOGGED_IN, CE_STOP, CP_STOPPING },
		{ CP_CLOSING, CE_STOP, CP_STOPPING },
		{ CP_STOPPING, CE_CLOSED, CP_STOPPED },
	};
	size_t i, n = sizeof(cm) / sizeof(cm[0]);
	int p, e;

	(void)state;
	for (p = 0; p < CP__MAX; p++)
		for (e = 0; e < CE__MAX; e++) {
			enum conn_phase want = CP__MAX, got;

			for (i = 0; i < n; i++)
				if ((int)cm[i].from == p && (int)cm[i].ev == e)
					want = cm[i].to;
			got = link_conn_next((enum conn_phase)p, (enum conn_event)e);
			if (got != want)
				fail_msg("phase %s on event %d: table says %s, design says %s",
				    link_conn_phase_name(p), e, link_conn_phase_name(got),
				    link_conn_phase_name(want));
		}
	/* every phase can be stopped; only a socket's end leads to stopped */
	for (p = 0; p < CP__MAX; p++)
		if (p != CP_STOPPED && p != CP_STOPPING) {
			enum conn_phase to = link_conn_next((enum conn_phase)p, CE_STOP);

			assert_true(to == CP_STOPPED || to == CP_STOPPING);
			if (to == CP_STOPPING)
				assert_int_equal(link_conn_next(to, CE_CLOSED), CP_STOPPED);
		}
	for (e = 0; e < CE__MAX; e++)
		assert_int_equal(link_conn_next(CP_STOPPED, (enum conn_event)e), CP__MAX);
	assert_int_equal(link_conn_next(CP__MAX, CE_DIAL), CP__MAX);
	assert_int_equal(link_conn_next(CP_IDLE, CE__MAX), CP__MAX);
	for (p = 0; p < CP__MAX; p++)
		assert_string_not_equal(link_conn_phase_name((enum conn_phase)p), "invalid");
	assert_string_equal(link_conn_phase_name(CP__MAX), "invalid");
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
		cmocka_unit_test(test_every_state_and_reason_matches_ipc_contract),
		cmocka_unit_test(test_every_state_times_every_event_matches_the_design),
		cmocka_unit_test(test_every_phase_times_every_conn_event_matches_the_design),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
