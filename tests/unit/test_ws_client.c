/*
 * test_ws_client: the client's rules that need no server: the send
 * queue's ceilings, calls refused in the wrong state, outcomes that are
 * only ever reported from the loop, and freeing in every state (ASan
 * proves nothing leaks or is touched after free). The one network step is
 * a connect to a loopback port that is bound but not listening.
 */
#include "transport/ws.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
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

struct fixture {
	struct lws_context	*cx;
	struct ws_client	*c;
	int			 opens;
	int			 closes;
	struct ws_close_info	 last;
	int			 free_in_close;	/* on_close frees the client */
	int			 guard_fired;
	lws_sorted_usec_list_t	 guard;
};

static void
on_open(void *user)
{
	struct fixture *f = user;

	f->opens++;
}

static void
on_data(void *user, const uint8_t *p, size_t len)
{
	(void)user;
	(void)p;
	(void)len;
	fail_msg("no data expected");
}

static void
on_close(void *user, const struct ws_close_info *ci)
{
	struct fixture *f = user;

	f->closes++;
	f->last = *ci;
	f->last.detail = NULL;		/* valid during the call only */
	if (f->free_in_close) {
		ws_client_free(f->c);
		f->c = NULL;
	}
	lws_cancel_service(f->cx);
}

static const struct ws_callbacks cbs = { on_open, on_data, on_close };

static void
guard_due(lws_sorted_usec_list_t *sul)
{
	struct fixture *f = lws_container_of(sul, struct fixture, guard);

	f->guard_fired = 1;
	/*
	 * lws 4.1.6 runs ripe timers before it polls: without this the poll
	 * that follows sleeps until the next event before we see the flag.
	 */
	lws_cancel_service(f->cx);
}

/* Runs the loop until on_close, bounded by a 10 s guard timer. */
static void
run_until_closed(struct fixture *f)
{
	lws_sul_schedule(f->cx, 0, &f->guard, guard_due,
	    10 * LWS_US_PER_SEC);
	while (f->closes == 0 && !f->guard_fired)
		if (lws_service(f->cx, 0) < 0)
			break;
	lws_sul_cancel(&f->guard);
	assert_false(f->guard_fired);
}

/* Runs the loop for ms milliseconds whatever happens. */
static void
run_for(struct fixture *f, int ms)
{
	f->guard_fired = 0;
	lws_sul_schedule(f->cx, 0, &f->guard, guard_due,
	    (lws_usec_t)ms * LWS_US_PER_MS);
	while (!f->guard_fired)
		if (lws_service(f->cx, 0) < 0)
			break;
	f->guard_fired = 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	lws_set_log_level(LLL_ERR | (getenv("WS_TEST_LWS_LOG") ? LLL_INFO | LLL_NOTICE : 0), NULL);
	if (ws_context_new(NULL, &f->cx) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ws_client_free(f->c);
	ws_context_free(f->cx);
	free(f);
	return 0;
}

static void
new_client(struct fixture *f, const char *url, size_t queue_max)
{
	struct ws_config cfg = { .url = url, .send_queue_max = queue_max };

	assert_int_equal(ws_client_new(f->cx, &cfg, &cbs, f, &f->c), 0);
}

static void
test_ws_client_new_rejects_bad_config(void **state)
{
	struct fixture *f = *state;
	struct ws_config cfg = { .url = "http://h/" };
	struct ws_client *c = (struct ws_client *)&cfg;	/* a canary */

	assert_int_equal(ws_client_new(f->cx, &cfg, &cbs, f, &c), -EINVAL);
	assert_ptr_equal(c, (struct ws_client *)&cfg);	/* untouched */
	assert_int_equal(ws_client_new(NULL, &cfg, &cbs, f, &c), -EINVAL);
}

static void
test_ws_client_refuses_send_and_close_when_idle(void **state)
{
	struct fixture *f = *state;
	static const uint8_t b[1];

	new_client(f, "ws://127.0.0.1:9/", 0);
	assert_int_equal(ws_client_send(f->c, b, 1), -ENOTCONN);
	assert_int_equal(ws_client_close(f->c), -ENOTCONN);
	assert_false(ws_client_is_open(f->c));
}

static void
test_ws_client_connect_twice_is_refused(void **state)
{
	struct fixture *f = *state;

	new_client(f, "ws://127.0.0.1:9/", 0);
	assert_int_equal(ws_client_connect(f->c), 0);
	assert_int_equal(ws_client_connect(f->c), -EALREADY);
	assert_int_equal(f->closes, 0);
}

static void
test_ws_client_send_accepts_maximum_message(void **state)
{
	struct fixture *f = *state;
	uint8_t b[64] = { 0 };

	new_client(f, "ws://127.0.0.1:9/", sizeof(b));
	assert_int_equal(ws_client_connect(f->c), 0);
	assert_int_equal(ws_client_send(f->c, b, sizeof(b)), 0);
	assert_int_equal(ws_client_queued(f->c), sizeof(b));
}

static void
test_ws_client_send_rejects_message_over_ceiling(void **state)
{
	struct fixture *f = *state;
	uint8_t b[65] = { 0 };

	new_client(f, "ws://127.0.0.1:9/", sizeof(b) - 1);
	assert_int_equal(ws_client_connect(f->c), 0);
	assert_int_equal(ws_client_send(f->c, b, sizeof(b)), -EMSGSIZE);
	assert_int_equal(ws_client_queued(f->c), 0);
}

static void
test_ws_client_send_rejects_byte_over_full_queue(void **state)
{
	struct fixture *f = *state;
	uint8_t b[40] = { 0 };

	new_client(f, "ws://127.0.0.1:9/", 64);
	assert_int_equal(ws_client_connect(f->c), 0);
	assert_int_equal(ws_client_send(f->c, b, 40), 0);
	assert_int_equal(ws_client_send(f->c, b, 24), 0);	/* exactly full */
	assert_int_equal(ws_client_send(f->c, b, 1), -ENOBUFS);
	assert_int_equal(ws_client_send(f->c, b, 0), 0);	/* 0 bytes fit */
	assert_int_equal(ws_client_queued(f->c), 64);
}

static void
test_ws_client_send_rejects_message_over_count_ceiling(void **state)
{
	struct fixture *f = *state;
	int i;

	new_client(f, "ws://127.0.0.1:9/", 0);
	assert_int_equal(ws_client_connect(f->c), 0);
	for (i = 0; i < WS_SEND_QUEUE_MSGS_MAX; i++)
		assert_int_equal(ws_client_send(f->c, NULL, 0), 0);
	assert_int_equal(ws_client_send(f->c, NULL, 0), -ENOBUFS);
}

static void
test_ws_client_close_while_connecting_reports_local_from_loop(void **state)
{
	struct fixture *f = *state;
	static const uint8_t b[3] = { 1, 2, 3 };

	new_client(f, "ws://127.0.0.1:9/", 0);
	assert_int_equal(ws_client_connect(f->c), 0);
	assert_int_equal(ws_client_send(f->c, b, sizeof(b)), 0);
	assert_int_equal(ws_client_close(f->c), 0);
	assert_int_equal(ws_client_close(f->c), 0);	/* already closing */
	assert_int_equal(f->closes, 0);		/* never from inside a call */
	run_until_closed(f);
	assert_int_equal(f->closes, 1);
	assert_int_equal(f->opens, 0);
	assert_int_equal(f->last.reason, WS_REASON_LOCAL_CLOSE);
	assert_int_equal(ws_client_queued(f->c), 0);	/* queue dropped */
	assert_int_equal(ws_client_send(f->c, b, 1), -ENOTCONN);
}

/* A bound socket that does not listen: connecting to it is refused. */
static int
bound_port(int *fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static void
test_ws_client_refused_connect_is_reported_and_retryable(void **state)
{
	struct fixture *f = *state;
	char url[64];
	int fd, port = bound_port(&fd);

	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
	new_client(f, url, 0);
	assert_int_equal(ws_client_connect(f->c), 0);
	assert_int_equal(f->closes, 0);
	run_until_closed(f);
	assert_int_equal(f->last.reason, WS_REASON_CONNECT_FAILED);
	/* idle again: a second attempt is allowed and fails the same way */
	f->closes = 0;
	assert_int_equal(ws_client_connect(f->c), 0);
	run_until_closed(f);
	assert_int_equal(f->last.reason, WS_REASON_CONNECT_FAILED);
	close(fd);
}

static void
test_ws_client_may_be_freed_inside_on_close(void **state)
{
	struct fixture *f = *state;
	char url[64];
	int fd, port = bound_port(&fd);

	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
	new_client(f, url, 0);
	f->free_in_close = 1;
	assert_int_equal(ws_client_connect(f->c), 0);
	run_until_closed(f);
	assert_null(f->c);
	close(fd);
}

/*
 * A listener that never accepts: the kernel completes the TCP handshake,
 * the upgrade request is never answered, so the wsi stays connecting.
 */
static void
test_ws_client_free_while_connecting_with_queue(void **state)
{
	struct fixture *f = *state;
	static const uint8_t b[100];
	char url[64];
	int fd, i, port = bound_port(&fd);

	assert_int_equal(listen(fd, 4), 0);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
	new_client(f, url, 0);
	assert_int_equal(ws_client_connect(f->c), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(ws_client_send(f->c, b, sizeof(b)), 0);
	run_for(f, 200);		/* lws starts the connection */
	ws_client_free(f->c);		/* the wsi is killed from the loop */
	f->c = NULL;
	run_for(f, 100);
	assert_int_equal(f->closes, 0);	/* freeing reports nothing */
	assert_int_equal(f->opens, 0);
	close(fd);
}

static void
test_ws_client_free_accepts_null(void **state)
{
	(void)state;
	ws_client_free(NULL);
	ws_context_free(NULL);
}

static void
test_ws_context_new_rejects_missing_ca_file(void **state)
{
	struct lws_context *cx = NULL;

	(void)state;
	assert_int_equal(ws_context_new("/nonexistent/ca.pem", &cx), -ENOENT);
	assert_null(cx);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ws_client_new_rejects_bad_config),
		T(test_ws_client_refuses_send_and_close_when_idle),
		T(test_ws_client_connect_twice_is_refused),
		T(test_ws_client_send_accepts_maximum_message),
		T(test_ws_client_send_rejects_message_over_ceiling),
		T(test_ws_client_send_rejects_byte_over_full_queue),
		T(test_ws_client_send_rejects_message_over_count_ceiling),
		T(test_ws_client_close_while_connecting_reports_local_from_loop),
		T(test_ws_client_refused_connect_is_reported_and_retryable),
		T(test_ws_client_may_be_freed_inside_on_close),
		T(test_ws_client_free_while_connecting_with_queue),
		cmocka_unit_test(test_ws_client_free_accepts_null),
		cmocka_unit_test(test_ws_context_new_rejects_missing_ca_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
