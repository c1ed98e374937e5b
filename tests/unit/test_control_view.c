/* test_control_view: state JSON, metrics text, OpenAPI (ISO times: test_clock). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "api/metrics.h"
#include "api/openapi.h"
#include "ipc/view.h"

static void
test_state_json_connected_has_seed_shape(void **state)
{
	struct ctl_link_view v;
	json_t *o;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.have_state = v.worker_up = true;
	v.state = 4;
	strcpy(v.number, "971501476598");
	v.last_heartbeat_ms = 1753187445123ULL;
	o = ctl_view_state_json(&v);
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "connected");
	assert_true(json_is_true(json_object_get(o, "isReady")));
	assert_true(json_is_true(json_object_get(o, "isAuthenticated")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "connectedNumber")), "971501476598");
	assert_string_equal(json_string_value(json_object_get(o,
	    "lastHeartbeat")), "2025-07-22T12:30:45.123Z");
	assert_true(json_is_null(json_object_get(o, "reason")));
	json_decref(o);
}

static void
test_state_json_qr_is_neither_ready_nor_authenticated(void **state)
{
	struct ctl_link_view v;
	json_t *o;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.have_state = true;
	v.state = 2;
	strcpy(v.number, "971501476598");	/* stale number */
	o = ctl_view_state_json(&v);
	assert_true(json_is_false(json_object_get(o, "isReady")));
	assert_true(json_is_false(json_object_get(o, "isAuthenticated")));
	assert_true(json_is_null(json_object_get(o, "lastHeartbeat")));
	json_decref(o);
}

static void
test_state_json_disconnected_has_reason_and_next_attempt(void **state)
{
	struct ctl_link_view v;
	json_t *o;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.have_state = true;
	v.state = 6;
	v.last_reason = 2;
	strcpy(v.strategy, "wait 30s then reconnect");
	v.next_attempt_ms = 1753187475123ULL;
	o = ctl_view_state_json(&v);
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	    "TIMEOUT");
	assert_string_equal(json_string_value(json_object_get(o,
	    "nextAttempt")), "2025-07-22T12:31:15.123Z");
	json_decref(o);
}

static void
test_metrics_render_state_reasons_and_requests(void **state)
{
	static struct ctl_metrics m;
	struct ctl_link_view v;
	char *t;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.have_state = v.worker_up = true;
	v.state = 5;
	v.disconnects[3] = 2;
	v.rtt_ms = 42;
	v.whitelist_count = 7;
	ctl_metrics_count(&m, RT_WL_ADD, 409);
	ctl_metrics_count(&m, RT_WL_ADD, 409);
	ctl_metrics_count(&m, RT_NONE, 418);
	/* the statuses wa-control itself answers each have their label */
	ctl_metrics_count(&m, RT_NONE, 408);
	ctl_metrics_count(&m, RT_NONE, 411);
	ctl_metrics_count(&m, RT_NONE, 421);
	v.state = 13;
	t = ctl_metrics_render(&m, &v, 3);
	assert_non_null(t);
	assert_non_null(strstr(t, "walink_link_state{state=\"server_failure\"} 1\n"));
	assert_non_null(strstr(t, "walink_link_state{state=\"unstable\"} 0\n"));
	assert_non_null(strstr(t, "walink_reconnects_total{reason=\"CONFLICT\"} 2\n"));
	assert_non_null(strstr(t, "walink_heartbeat_rtt_ms 42\n"));
	assert_non_null(strstr(t, "walink_whitelist_size 7\n"));
	assert_non_null(strstr(t, "walink_sse_clients 3\n"));
	assert_non_null(strstr(t, "walink_http_requests_total{route="
	    "\"whitelist_add\",status=\"409\"} 2\n"));
	assert_non_null(strstr(t, "{route=\"other\",status=\"other\"} 1\n"));
	assert_non_null(strstr(t, "{route=\"other\",status=\"408\"} 1\n"));
	assert_non_null(strstr(t, "{route=\"other\",status=\"411\"} 1\n"));
	assert_non_null(strstr(t, "{route=\"other\",status=\"421\"} 1\n"));
	free(t);
}

static void
test_openapi_lists_each_route_once_and_again_per_session(void **state)
{
	json_t *doc = ctl_openapi_doc(), *paths;
	const struct ctl_route_def *d;
	size_t n = 0, ops = 0;
	const char *k;
	json_t *item;

	(void)state;
	assert_non_null(doc);
	paths = json_object_get(doc, "paths");
	/* per-session routes appear twice: as the seed's and under sessions */
	for (d = ctl_routes; d->id != RT_NONE; d++)
		n += (d->flags & RF_SESSION) ? 2 : 1;
	json_object_foreach(paths, k, item)
		ops += json_object_size(item);
	assert_int_equal(ops, n);
	assert_non_null(json_object_get(json_object_get(paths,
	    "/api/whitelist/remove/{number}"), "delete"));
	item = json_object_get(json_object_get(paths,
	    "/api/sessions/{id}/whitelist/remove/{number}"), "delete");
	assert_non_null(item);
	assert_int_equal(json_array_size(json_object_get(item, "parameters")), 2);
	json_decref(doc);
}

static void
test_state_json_pair_code_and_passkey(void **state)
{
	Wlipc__PairCode pc = WLIPC__PAIR_CODE__INIT;
	struct ctl_link_view v;
	json_t *o, *p;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.have_state = true;
	v.state = 2;
	o = ctl_view_state_json(&v);
	assert_true(json_is_null(json_object_get(o, "pairCode")));
	json_decref(o);

	pc.status = WLIPC__PAIR_CODE_STATUS__PCS_WRONG_CODE;
	pc.phone = "15550001111";
	pc.code = "ABCD-EFGH";
	pc.has_expires_ms = true;
	pc.expires_ms = 1753187445123ULL;
	pc.detail = "type it again";
	assert_true(ctl_view_apply_pair_code(&v.pair_code, &pc));
	assert_false(ctl_view_apply_pair_code(&v.pair_code, &pc));
	o = ctl_view_state_json(&v);
	p = json_object_get(o, "pairCode");
	assert_string_equal(json_string_value(json_object_get(p, "status")), "wrong_code");
	assert_string_equal(json_string_value(json_object_get(p, "code")), "ABCD-EFGH");
	assert_string_equal(json_string_value(json_object_get(p, "phoneNumber")), "15550001111");
	assert_string_equal(json_string_value(json_object_get(p, "expiresAt")),
	    "2025-07-22T12:30:45.123Z");
	json_decref(o);
	assert_true(ctl_view_apply_pair_code(&v.pair_code, NULL));
	assert_int_equal(v.pair_code.status, 0);

	v.state = 12;
	o = ctl_view_state_json(&v);
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "passkey_required");
	json_decref(o);

	v.state = 13;
	snprintf(v.detail, sizeof(v.detail), "WhatsApp refused the connection: failure 409");
	o = ctl_view_state_json(&v);
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "server_failure");
	assert_string_equal(json_string_value(json_object_get(o, "detail")),
	    "WhatsApp refused the connection: failure 409");
	assert_false(json_is_true(json_object_get(o, "isReady")));
	json_decref(o);
}

/*
 * wa-control names every link state and reason the IPC contract has, as
 * the worker and wa-probe do: "LS_SERVER_FAILURE" -> "server_failure".
 */
static void
test_view_names_every_state_and_reason_of_the_contract(void **state)
{
	const ProtobufCEnumDescriptor *sd = &wlipc__link_state__descriptor;
	const ProtobufCEnumDescriptor *rd = &wlipc__reason__descriptor;
	char want[64];
	unsigned i, j;

	(void)state;
	assert_int_equal(sd->n_values, CTL_VIEW_STATES);
	assert_int_equal(rd->n_values, CTL_VIEW_REASONS);
	for (i = 0; i < sd->n_values; i++) {
		const ProtobufCEnumValue *v = &sd->values[i];

		for (j = 0; v->name[3 + j] != '\0' && j < sizeof(want) - 1; j++)
			want[j] = (char)tolower((unsigned char)v->name[3 + j]);
		want[j] = '\0';
		assert_string_equal(ctl_view_state_name(v->value), want);
	}
	assert_string_equal(ctl_view_state_name(CTL_VIEW_STATES), "unknown");
	for (i = 0; i < rd->n_values; i++)
		assert_string_equal(ctl_view_reason_name(rd->values[i].value),
		    rd->values[i].name + sizeof("REASON_") - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_json_connected_has_seed_shape),
		cmocka_unit_test(test_state_json_qr_is_neither_ready_nor_authenticated),
		cmocka_unit_test(test_state_json_disconnected_has_reason_and_next_attempt),
		cmocka_unit_test(test_metrics_render_state_reasons_and_requests),
		cmocka_unit_test(test_openapi_lists_each_route_once_and_again_per_session),
		cmocka_unit_test(test_state_json_pair_code_and_passkey),
		cmocka_unit_test(test_view_names_every_state_and_reason_of_the_contract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
