/*
 * test_control_hub: the hub (ipc/hub.c) with three sessions on in-process
 * sockets: events are routed by the worker's session tag, untagged ones
 * are dropped when there are several sessions, a silent worker is marked
 * down without delaying the others' pings, SSE frames can be read for one
 * session or for all, and ids are checked and found.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#include "ipc.h"
#include "ipc/hub.h"
#include "ipc/watch.h"

#include "fakeworker.h"

/* A whitelist event, tagged with session (or untagged when NULL). */
static void
publish_whitelist(struct fakeworker *w, const char *session, uint32_t count)
{
	Wlipc__Event e = WLIPC__EVENT__INIT;
	Wlipc__WhitelistChanged c = WLIPC__WHITELIST_CHANGED__INIT;

	c.count = count;
	e.session = (char *)session;
	e.body_case = WLIPC__EVENT__BODY_WHITELIST;
	e.whitelist = &c;
	fakeworker_publish(w, &e);
}

static bool
wait_until(bool (*pred)(void *), void *arg, int ms)
{
	for (; ms > 0; ms -= 20) {
		if (pred(arg))
			return true;
		usleep(20000);
	}
	return false;
}

static bool
is_up(void *w)
{
	return ctl_watch_worker_up(w);
}

static bool
is_down(void *w)
{
	return !ctl_watch_worker_up(w);
}

static uint32_t
wl_count(struct ctl_watch *w)
{
	struct ctl_watch_summary m;

	ctl_watch_summary(w, &m);
	return m.have_whitelist_count ? m.whitelist_count : 0;
}

static bool
a_has_7(void *w)
{
	return wl_count(w) == 7;
}

static void
test_session_ids_are_checked(void **state)
{
	(void)state;
	assert_true(ctl_session_id_ok("city-3_A"));
	assert_false(ctl_session_id_ok(""));
	assert_false(ctl_session_id_ok("a/b"));
	assert_false(ctl_session_id_ok("a b"));
	assert_false(ctl_session_id_ok(
	    "x123456789012345678901234567890123456789012345678901234567890123456"));
}

static void
test_hub_routes_events_by_session_and_isolates_a_silent_worker(void **state)
{
	struct fakeworker a, b, c;
	struct ctl_hub *h = NULL;
	struct ctl_watch *wa, *wb, *wc;
	struct ctl_link_view v;
	uint64_t seq;
	char *text = NULL;

	(void)state;
	fakeworker_start(&a, "hub_a", "a", WLIPC__LINK_STATE__LS_CONNECTED);
	fakeworker_start(&b, "hub_b", "b", WLIPC__LINK_STATE__LS_QR);
	fakeworker_start(&c, "hub_c", "c", WLIPC__LINK_STATE__LS_CONNECTED);
	c.silent = true;
	assert_int_equal(ctl_hub_new(8, &h), 0);
	assert_int_equal(ctl_hub_add(h, "b", b.rpc, b.events, &wb), 0);
	assert_int_equal(ctl_hub_add(h, "a", a.rpc, a.events, &wa), 0);
	assert_int_equal(ctl_hub_add(h, "c", c.rpc, c.events, &wc), 0);
	assert_int_equal(ctl_hub_add(h, "a", a.rpc, a.events, NULL), -EEXIST);
	assert_int_equal(ctl_hub_add(h, "bad id", a.rpc, a.events, NULL), -EINVAL);
	assert_ptr_equal(ctl_hub_find(h, "a"), wa);
	assert_null(ctl_hub_find(h, "nope"));
	assert_ptr_equal(ctl_hub_default(h), wb);	/* no "default": the first */
	assert_int_equal(ctl_hub_count(h), 3);
	assert_int_equal(ctl_hub_start(h), 0);

	/* the silent worker is down, the others up and known, within 1.5 s */
	assert_true(wait_until(is_up, wa, 1500));
	assert_true(wait_until(is_up, wb, 1500));
	ctl_watch_view(wb, &v);
	assert_int_equal(v.state, WLIPC__LINK_STATE__LS_QR);
	assert_true(wait_until(is_down, wc, 2000));
	assert_true(ctl_watch_worker_up(wa));

	/* a tagged event reaches its session only; an untagged one nobody */
	seq = ctl_hub_seq(h);
	publish_whitelist(&a, NULL, 9);		/* several sessions: dropped */
	publish_whitelist(&a, "a", 7);
	assert_true(wait_until(a_has_7, wa, 2000));
	assert_int_equal(wl_count(wb), 0);
	assert_int_equal(ctl_hub_wait(h, wb, &seq, 200, &text), 0);
	assert_null(text);			/* nothing about b */
	seq = 0;
	assert_int_equal(ctl_hub_wait(h, wa, &seq, 1000, &text), 0);
	assert_non_null(text);
	assert_non_null(strstr(text, "event: whitelist\ndata: {\"count\":7"));
	assert_non_null(strstr(text, "\"session\":\"a\""));
	assert_null(strstr(text, "\"session\":\"b\""));
	free(text);

	ctl_hub_end_streams(h);
	assert_int_equal(ctl_hub_wait(h, NULL, &seq, 5000, &text), -ESHUTDOWN);
	ctl_hub_free(h);
	fakeworker_stop(&a);
	fakeworker_stop(&b);
	fakeworker_stop(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_ids_are_checked),
		cmocka_unit_test(test_hub_routes_events_by_session_and_isolates_a_silent_worker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
