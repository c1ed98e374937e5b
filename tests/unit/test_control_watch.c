/*
 * test_control_watch: the event thread (ipc/watch.c) against in-process
 * REP and PUB sockets: the get_state ping marks the worker up and fills
 * the view, events update it and become SSE frames, silence marks the
 * worker down within the documented bound.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#include "ipc/client.h"
#include "ipc/watch.h"

#include "fakeworker.h"

/* Answers every ping in the QR state, for no session. */
static void
worker_start(struct fakeworker *w)
{
	fakeworker_start(w, "test_control_watch", NULL, WLIPC__LINK_STATE__LS_QR);
}

/* Poll the view until pred holds or ms pass. */
static bool
wait_view(struct ctl_watch *wt, bool (*pred)(const struct ctl_link_view *),
    int ms)
{
	struct ctl_link_view v;

	for (; ms > 0; ms -= 20) {
		ctl_watch_view(wt, &v);
		if (pred(&v))
			return true;
		usleep(20000);
	}
	return false;
}

static bool
is_up_qr(const struct ctl_link_view *v)
{
	return v->worker_up && v->have_state && v->state == 2;
}

static bool
is_connected_hb(const struct ctl_link_view *v)
{
	return v->state == 4 && v->rtt_ms == 42 && v->nrtts > 0 &&
	    strcmp(v->number, "15550001111") == 0;
}

static bool
is_down(const struct ctl_link_view *v)
{
	return !v->worker_up;
}

static void
test_watch_ping_fills_view_and_marks_worker_up(void **state)
{
	struct fakeworker w;
	struct ctl_watch *wt = NULL;

	(void)state;
	worker_start(&w);
	assert_int_equal(ctl_watch_start(w.events, w.rpc, &wt), 0);
	assert_true(wait_view(wt, is_up_qr, 3000));
	ctl_watch_stop(wt);
	fakeworker_stop(&w);
}

static void
test_watch_heartbeat_updates_view_and_queues_frames(void **state)
{
	Wlipc__Event e = WLIPC__EVENT__INIT;
	Wlipc__Heartbeat hb = WLIPC__HEARTBEAT__INIT;
	struct ctl_watch *wt = NULL;
	struct fakeworker w;
	uint64_t seq;
	char *text = NULL;
	int i;

	(void)state;
	worker_start(&w);
	assert_int_equal(ctl_watch_start(w.events, w.rpc, &wt), 0);
	assert_true(wait_view(wt, is_up_qr, 3000));
	seq = ctl_watch_seq(wt);
	hb.phone_number = "15550001111";
	hb.state = WLIPC__LINK_STATE__LS_CONNECTED;
	hb.rtt_ms = 42;
	hb.timestamp_ms = 1753187445123ULL;
	e.body_case = WLIPC__EVENT__BODY_HEARTBEAT;
	e.heartbeat = &hb;
	/* SUB may join a moment after PUB binds: publish until seen */
	for (i = 0; i < 100 && !wait_view(wt, is_connected_hb, 20); i++)
		fakeworker_publish(&w, &e);
	assert_true(i < 100);
	assert_int_equal(ctl_watch_wait(wt, &seq, 1000, &text), 0);
	assert_non_null(text);
	assert_non_null(strstr(text, "event: heartbeat\ndata: "));
	assert_non_null(strstr(text, "\"timestamp\":\"2025-07-22T12:30:45.123Z\""));
	assert_non_null(strstr(text, "event: state\ndata: "));	/* qr -> connected */
	free(text);
	ctl_watch_stop(wt);
	fakeworker_stop(&w);
}

static void
test_watch_marks_worker_down_when_pings_go_unanswered(void **state)
{
	struct ctl_watch *wt = NULL;
	struct fakeworker w;

	(void)state;
	worker_start(&w);
	assert_int_equal(ctl_watch_start(w.events, w.rpc, &wt), 0);
	assert_true(wait_view(wt, is_up_qr, 3000));
	w.silent = true;
	assert_true(wait_view(wt, is_down,
	    CTL_WATCH_PING_MS + CTL_WATCH_PING_TIMEOUT + 500));
	ctl_watch_stop(wt);
	fakeworker_stop(&w);
}

static void
test_watch_wait_times_out_empty_and_ends_on_shutdown(void **state)
{
	struct ctl_watch *wt = NULL;
	uint64_t seq;
	char *text = (char *)1;

	(void)state;
	assert_int_equal(ctl_watch_start("inproc://nobody_pub",
	    "inproc://nobody_rep", &wt), 0);
	seq = ctl_watch_seq(wt);
	(void)ctl_watch_wait(wt, &seq, 50, &text);	/* may carry "worker" */
	free(text);
	ctl_watch_end_streams(wt);
	assert_int_equal(ctl_watch_wait(wt, &seq, 5000, &text), -ESHUTDOWN);
	assert_null(text);
	ctl_watch_stop(wt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch_ping_fills_view_and_marks_worker_up),
		cmocka_unit_test(test_watch_heartbeat_updates_view_and_queues_frames),
		cmocka_unit_test(test_watch_marks_worker_down_when_pings_go_unanswered),
		cmocka_unit_test(test_watch_wait_times_out_empty_and_ends_on_shutdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
