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

#define RPC	"inproc://test_control_watch_rpc"
#define EVENTS	"inproc://test_control_watch_events"

struct worker {
	int		 rep, pub;
	volatile bool	 silent;	/* stop answering pings */
	pthread_t	 thread;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	Wlipc__Reply rep = WLIPC__REPLY__INIT;
	Wlipc__State st = WLIPC__STATE__INIT;
	Wlipc__Request *q;
	uint8_t out[128];
	void *buf;
	int n;

	while ((n = nn_recv(w->rep, &buf, NN_MSG, 0)) >= 0) {
		q = wlipc__request__unpack(NULL, (size_t)n, buf);
		nn_freemsg(buf);
		if (q == NULL)
			continue;
		rep.version = q->version;
		rep.id = q->id;
		st.state = WLIPC__LINK_STATE__LS_QR;
		rep.body_case = WLIPC__REPLY__BODY_STATE;
		rep.state = &st;
		wlipc__request__free_unpacked(q, NULL);
		if (!w->silent)
			nn_send(w->rep, out, wlipc__reply__pack(&rep, out), 0);
	}
	return NULL;
}

static void
publish(struct worker *w, Wlipc__Event *e)
{
	static uint64_t seq;
	uint8_t out[256];

	e->version = WL_IPC_VERSION;
	e->seq = ++seq;
	e->time_ms = 1;
	nn_send(w->pub, out, wlipc__event__pack(e, out), 0);
}

static void
worker_start(struct worker *w)
{
	memset(w, 0, sizeof(*w));
	w->rep = nn_socket(AF_SP, NN_REP);
	w->pub = nn_socket(AF_SP, NN_PUB);
	assert_true(nn_bind(w->rep, RPC) >= 0);
	assert_true(nn_bind(w->pub, EVENTS) >= 0);
	assert_int_equal(pthread_create(&w->thread, NULL, worker_main, w), 0);
}

static void
worker_stop(struct worker *w)
{
	nn_close(w->rep);
	nn_close(w->pub);
	pthread_join(w->thread, NULL);
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
	struct worker w;
	struct ctl_watch *wt = NULL;

	(void)state;
	worker_start(&w);
	assert_int_equal(ctl_watch_start(EVENTS, RPC, &wt), 0);
	assert_true(wait_view(wt, is_up_qr, 3000));
	ctl_watch_stop(wt);
	worker_stop(&w);
}

static void
test_watch_heartbeat_updates_view_and_queues_frames(void **state)
{
	Wlipc__Event e = WLIPC__EVENT__INIT;
	Wlipc__Heartbeat hb = WLIPC__HEARTBEAT__INIT;
	struct ctl_watch *wt = NULL;
	struct worker w;
	uint64_t seq;
	char *text = NULL;
	int i;

	(void)state;
	worker_start(&w);
	assert_int_equal(ctl_watch_start(EVENTS, RPC, &wt), 0);
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
		publish(&w, &e);
	assert_true(i < 100);
	assert_int_equal(ctl_watch_wait(wt, &seq, 1000, &text), 0);
	assert_non_null(text);
	assert_non_null(strstr(text, "event: heartbeat\ndata: "));
	assert_non_null(strstr(text, "\"timestamp\":\"2025-07-22T12:30:45.123Z\""));
	assert_non_null(strstr(text, "event: state\ndata: "));	/* qr -> connected */
	free(text);
	ctl_watch_stop(wt);
	worker_stop(&w);
}

static void
test_watch_marks_worker_down_when_pings_go_unanswered(void **state)
{
	struct ctl_watch *wt = NULL;
	struct worker w;

	(void)state;
	worker_start(&w);
	assert_int_equal(ctl_watch_start(EVENTS, RPC, &wt), 0);
	assert_true(wait_view(wt, is_up_qr, 3000));
	w.silent = true;
	assert_true(wait_view(wt, is_down,
	    CTL_WATCH_PING_MS + CTL_WATCH_PING_TIMEOUT + 500));
	ctl_watch_stop(wt);
	worker_stop(&w);
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
