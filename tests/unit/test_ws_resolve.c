/*
 * test_ws_resolve: name lookups beside a real lws loop with a 10 ms timer
 * standing in for the keepalive. The test links the slowio shim, so
 * WALINK_SHIM_DNS_DELAY_MS / _FAIL (set per test) make glibc's answer
 * late or failed: the timer stays on time, the answer comes once, a
 * cancelled lookup never calls back, and a client whose name resolves
 * too late ends as a connect timeout at its own deadline.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <libwebsockets.h>

#include "transport/ws.h"
#include "transport/ws_resolve.h"

#define TICK_MS			10
#define TICK_LATE_MAX_MS	250

struct loop {
	struct lws_context	*cx;
	lws_sorted_usec_list_t	 tick;
	lws_usec_t		 last, worst;
	int			 answers;
	int			 rc;
	char			 addr[WS_ADDR_TEXT_MAX];
	char			 why[128];
	bool			 closed;
	struct ws_close_info	 ci;
	char			 detail[128];
};

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct loop *l = lws_container_of(sul, struct loop, tick);
	lws_usec_t now = lws_now_usecs();

	if (l->last != 0 && now - l->last > l->worst)
		l->worst = now - l->last;
	l->last = now;
	lws_sul_schedule(l->cx, 0, &l->tick, on_tick, TICK_MS * LWS_US_PER_MS);
}

static void
on_answer(void *arg, int rc, const char *addr, const char *why)
{
	struct loop *l = arg;

	l->answers++;
	l->rc = rc;
	snprintf(l->addr, sizeof(l->addr), "%s", addr);
	snprintf(l->why, sizeof(l->why), "%s", why ? why : "");
}

static void
loop_start(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(ws_context_new_with(NULL, false, ws_client_protocol(),
	    NULL, &l->cx), 0);
	lws_sul_schedule(l->cx, 0, &l->tick, on_tick, TICK_MS * LWS_US_PER_MS);
	l->last = lws_now_usecs();
}

/* Serves until *flag or ms pass; returns the ms it took. */
static long
loop_until(struct loop *l, const bool *flag, const int *count, long ms)
{
	lws_usec_t start = lws_now_usecs(), end = start + ms * LWS_US_PER_MS;

	while (lws_now_usecs() < end && !(flag != NULL && *flag) &&
	    !(count != NULL && *count > 0))
		lws_service(l->cx, 0);
	return (long)((lws_now_usecs() - start) / LWS_US_PER_MS);
}

static void
loop_end(struct loop *l)
{
	lws_sul_cancel(&l->tick);
	ws_context_free(l->cx);
	unsetenv("WALINK_SHIM_DNS_DELAY_MS");
	unsetenv("WALINK_SHIM_DNS_FAIL");
}

static void
test_ws_resolve_knows_numeric_hosts(void **state)
{
	(void)state;
	assert_true(ws_resolve_is_numeric("127.0.0.1"));
	assert_false(ws_resolve_is_numeric("localhost"));
	assert_false(ws_resolve_is_numeric("web.whatsapp.com"));
}

static void
test_ws_resolve_answers_localhost_on_the_loop(void **state)
{
	struct ws_resolve *r;
	struct loop l;

	(void)state;
	loop_start(&l);
	assert_int_equal(ws_resolve_start(l.cx, "localhost", on_answer, &l, &r), 0);
	loop_until(&l, NULL, &l.answers, 10000);
	assert_int_equal(l.answers, 1);
	assert_int_equal(l.rc, 0);
	assert_true(strcmp(l.addr, "127.0.0.1") == 0 || strcmp(l.addr, "::1") == 0);
	loop_end(&l);
}

static void
test_ws_resolve_a_resolver_2_s_late_leaves_the_timer_on_time(void **state)
{
	struct ws_resolve *r;
	struct loop l;
	long took;

	(void)state;
	loop_start(&l);
	setenv("WALINK_SHIM_DNS_DELAY_MS", "2000", 1);
	assert_int_equal(ws_resolve_start(l.cx, "localhost", on_answer, &l, &r), 0);
	took = loop_until(&l, NULL, &l.answers, 10000);
	printf("# answer after %ld ms, worst timer gap %ld ms\n", took,
	    (long)(l.worst / LWS_US_PER_MS));
	assert_int_equal(l.answers, 1);
	assert_int_equal(l.rc, 0);
	assert_true(took >= 1900);
	assert_true(l.worst / LWS_US_PER_MS < TICK_LATE_MAX_MS);
	loop_end(&l);
}

static void
test_ws_resolve_a_failed_lookup_says_why(void **state)
{
	struct ws_resolve *r;
	struct loop l;

	(void)state;
	loop_start(&l);
	setenv("WALINK_SHIM_DNS_FAIL", "1", 1);
	assert_int_equal(ws_resolve_start(l.cx, "localhost", on_answer, &l, &r), 0);
	loop_until(&l, NULL, &l.answers, 10000);
	assert_int_equal(l.answers, 1);
	assert_int_equal(l.rc, -EAGAIN);
	assert_true(l.why[0] != '\0');
	loop_end(&l);
}

static void
test_ws_resolve_a_cancelled_lookup_never_calls_back(void **state)
{
	struct ws_resolve *r;
	struct loop l;

	(void)state;
	loop_start(&l);
	setenv("WALINK_SHIM_DNS_DELAY_MS", "300", 1);
	assert_int_equal(ws_resolve_start(l.cx, "localhost", on_answer, &l, &r), 0);
	ws_resolve_cancel(r);
	/* past the late answer: it finds the lookup cancelled and frees it */
	loop_until(&l, NULL, NULL, 800);
	assert_int_equal(l.answers, 0);
	loop_end(&l);
}

static void
on_close(void *user, const struct ws_close_info *ci)
{
	struct loop *l = user;

	l->closed = true;
	l->ci = *ci;
	snprintf(l->detail, sizeof(l->detail), "%s", ci->detail ? ci->detail : "");
}

static void
test_ws_client_name_resolving_past_the_deadline_is_a_connect_timeout(void **state)
{
	struct ws_config cfg = { .url = "ws://localhost:9/", .connect_timeout_ms = 500 };
	struct ws_callbacks cb = { .on_close = on_close };
	struct ws_client *c;
	struct loop l;
	long took;

	(void)state;
	loop_start(&l);
	setenv("WALINK_SHIM_DNS_DELAY_MS", "3000", 1);
	assert_int_equal(ws_client_new(l.cx, &cfg, &cb, &l, &c), 0);
	assert_int_equal(ws_client_connect(c), 0);
	took = loop_until(&l, &l.closed, NULL, 10000);
	assert_true(l.closed);
	assert_int_equal(l.ci.reason, WS_REASON_CONNECT_TIMEOUT);
	assert_true(took < 2000);
	assert_true(l.worst / LWS_US_PER_MS < TICK_LATE_MAX_MS);
	ws_client_free(c);
	/* let the late answer land on the cancelled lookup before the end */
	loop_until(&l, NULL, NULL, 3000);
	loop_end(&l);
}

static void
test_ws_client_failed_lookup_is_a_connect_failure_naming_the_host(void **state)
{
	struct ws_config cfg = { .url = "ws://localhost:9/" };
	struct ws_callbacks cb = { .on_close = on_close };
	struct ws_client *c;
	struct loop l;

	(void)state;
	loop_start(&l);
	setenv("WALINK_SHIM_DNS_FAIL", "1", 1);
	assert_int_equal(ws_client_new(l.cx, &cfg, &cb, &l, &c), 0);
	assert_int_equal(ws_client_connect(c), 0);
	loop_until(&l, &l.closed, NULL, 10000);
	assert_true(l.closed);
	assert_int_equal(l.ci.reason, WS_REASON_CONNECT_FAILED);
	assert_non_null(strstr(l.detail, "name lookup for localhost failed"));
	ws_client_free(c);
	loop_end(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_resolve_knows_numeric_hosts),
		cmocka_unit_test(test_ws_resolve_answers_localhost_on_the_loop),
		cmocka_unit_test(test_ws_resolve_a_resolver_2_s_late_leaves_the_timer_on_time),
		cmocka_unit_test(test_ws_resolve_a_failed_lookup_says_why),
		cmocka_unit_test(test_ws_resolve_a_cancelled_lookup_never_calls_back),
		cmocka_unit_test(test_ws_client_name_resolving_past_the_deadline_is_a_connect_timeout),
		cmocka_unit_test(test_ws_client_failed_lookup_is_a_connect_failure_naming_the_host),
	};

	lws_set_log_level(LLL_ERR, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
