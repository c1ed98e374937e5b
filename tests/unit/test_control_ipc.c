/*
 * test_control_ipc: wa-control's REQ client (ipc/client.c) against an
 * in-process REP socket that answers as told: correct, wrong id, wrong
 * version, garbage, or not at all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <cmocka.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "ipc/client.h"

#define URL	"inproc://test_control_ipc"

enum mode { ANSWER, WRONG_ID, WRONG_VERSION, GARBAGE, SILENT };

struct server {
	int		 rep;
	enum mode	 mode;
	int		 served;	/* requests received */
	pthread_t	 thread;
};

static void *
serve(void *arg)
{
	struct server *s = arg;
	Wlipc__Reply rep = WLIPC__REPLY__INIT;
	Wlipc__Empty pong = WLIPC__EMPTY__INIT;
	Wlipc__Request *q;
	uint8_t out[64];
	void *buf;
	int n;

	while ((n = nn_recv(s->rep, &buf, NN_MSG, 0)) >= 0) {
		s->served++;
		q = wlipc__request__unpack(NULL, (size_t)n, buf);
		nn_freemsg(buf);
		if (q == NULL || s->mode == SILENT) {
			wlipc__request__free_unpacked(q, NULL);
			continue;
		}
		rep.version = s->mode == WRONG_VERSION ? 99 : q->version;
		rep.id = s->mode == WRONG_ID ? q->id + 1 : q->id;
		rep.body_case = WLIPC__REPLY__BODY_PONG;
		rep.pong = &pong;
		wlipc__request__free_unpacked(q, NULL);
		if (s->mode == GARBAGE) {
			memset(out, 0xff, 8);
			nn_send(s->rep, out, 8, 0);
		} else
			nn_send(s->rep, out, wlipc__reply__pack(&rep, out), 0);
	}
	return NULL;
}

static void
server_start(struct server *s, enum mode m)
{
	int tmo = 100;

	memset(s, 0, sizeof(*s));
	s->mode = m;
	s->rep = nn_socket(AF_SP, NN_REP);
	assert_true(s->rep >= 0);
	assert_true(nn_setsockopt(s->rep, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo,
	    sizeof(tmo)) == 0);
	assert_true(nn_bind(s->rep, URL) >= 0);
	tmo = -1;
	nn_setsockopt(s->rep, NN_SOL_SOCKET, NN_RCVTIMEO, &tmo, sizeof(tmo));
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void
server_stop(struct server *s)
{
	nn_close(s->rep);	/* nn_recv fails with EBADF: the thread ends */
	pthread_join(s->thread, NULL);
}

static int
ping(struct ctl_ipc *c)
{
	Wlipc__Reply *rep = NULL;
	int rc = ctl_ipc_call_empty(c, WLIPC__REQUEST__BODY_PING, &rep);

	if (rc == 0) {
		assert_int_equal(rep->body_case, WLIPC__REPLY__BODY_PONG);
		ipc_reply_free(rep);
	} else
		assert_null(rep);
	return rc;
}

static void
test_ipc_call_returns_matching_reply_and_reuses_socket(void **state)
{
	struct server s;
	struct ctl_ipc *c = ctl_ipc_new(URL, 500);

	(void)state;
	server_start(&s, ANSWER);
	assert_int_equal(ping(c), 0);
	assert_int_equal(ping(c), 0);
	assert_int_equal(s.served, 2);
	ctl_ipc_free(c);
	server_stop(&s);
}

static void
test_ipc_call_times_out_without_a_server(void **state)
{
	struct ctl_ipc *c = ctl_ipc_new("inproc://nobody_here", 200);
	struct timespec a, b;
	long ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ping(c), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms < 1000);
	ctl_ipc_free(c);
}

static void
test_ipc_call_rejects_reply_with_another_id(void **state)
{
	struct server s;
	struct ctl_ipc *c = ctl_ipc_new(URL, 300);

	(void)state;
	server_start(&s, WRONG_ID);
	assert_int_equal(ping(c), -EBADMSG);
	ctl_ipc_free(c);
	server_stop(&s);
}

static void
test_ipc_call_rejects_other_version(void **state)
{
	struct server s;
	struct ctl_ipc *c = ctl_ipc_new(URL, 500);

	(void)state;
	server_start(&s, WRONG_VERSION);
	assert_int_equal(ping(c), -EPROTO);
	ctl_ipc_free(c);
	server_stop(&s);
}

static void
test_ipc_call_rejects_undecodable_reply(void **state)
{
	struct server s;
	struct ctl_ipc *c = ctl_ipc_new(URL, 500);

	(void)state;
	server_start(&s, GARBAGE);
	assert_int_equal(ping(c), -EBADMSG);
	ctl_ipc_free(c);
	server_stop(&s);
}

static void
test_ipc_call_after_timeout_gets_its_own_reply(void **state)
{
	struct server s;
	struct ctl_ipc *c = ctl_ipc_new(URL, 200);

	(void)state;
	server_start(&s, SILENT);
	assert_int_equal(ping(c), -ETIMEDOUT);
	s.mode = ANSWER;
	assert_int_equal(ping(c), 0);
	assert_int_equal(s.served, 2);	/* one each: the stale socket was closed */
	ctl_ipc_free(c);
	server_stop(&s);
}

static void
test_ipc_call_empty_refuses_non_empty_bodies(void **state)
{
	struct ctl_ipc *c = ctl_ipc_new(URL, 100);
	Wlipc__Reply *rep = NULL;

	(void)state;
	assert_int_equal(ctl_ipc_call_empty(c,
	    WLIPC__REQUEST__BODY_WHITELIST_ADD, &rep), -EINVAL);
	ctl_ipc_free(c);
	ctl_ipc_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipc_call_returns_matching_reply_and_reuses_socket),
		cmocka_unit_test(test_ipc_call_times_out_without_a_server),
		cmocka_unit_test(test_ipc_call_rejects_reply_with_another_id),
		cmocka_unit_test(test_ipc_call_rejects_other_version),
		cmocka_unit_test(test_ipc_call_rejects_undecodable_reply),
		cmocka_unit_test(test_ipc_call_after_timeout_gets_its_own_reply),
		cmocka_unit_test(test_ipc_call_empty_refuses_non_empty_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
