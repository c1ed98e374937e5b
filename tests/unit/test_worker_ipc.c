/*
 * test_worker_ipc: the worker's REP and PUB sockets over real nanomsg
 * ipc:// sockets in a temporary directory. A scripted link (our own
 * worker_ipc_ops) stands in for link.c. Every request body gets its
 * answer, errors carry the documented codes, a re-sent id replays its
 * reply, garbage is answered without stopping the service, and the
 * publisher never waits on subscribers.
 */
#include "ipc/worker_ipc.h"

#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <sodium.h>

#include "ipc.h"
#include "log.h"
#include "message/msg_status.h"
#include "whitelist/whitelist.h"
#include "testdir.h"

#define WAIT_MS	3000	/* bound on every wait in this file */

struct fake_link {
	struct link_view view;
	int		 rc;		/* what each request_* returns */
	int		 restarts, logouts, new_qrs;
	char		 pair_phone[32];	/* last pair_code asked for */
};

struct fx {
	char		 dir[64];
	char		 rpc[IPC_URL_MAX], events[IPC_URL_MAX];
	struct fake_link link;
	struct whitelist *wl;
	struct worker_ipc *w;
	int		 req;
	int		 sub;
};

static void
fake_get_view(void *ctx, struct link_view *v)
{
	*v = ((struct fake_link *)ctx)->view;
}

static int
fake_restart(void *ctx)
{
	struct fake_link *l = ctx;

	l->restarts++;
	return l->rc;
}

static int
fake_logout(void *ctx)
{
	struct fake_link *l = ctx;

	l->logouts++;
	return l->rc;
}

static int
fake_new_qr(void *ctx)
{
	struct fake_link *l = ctx;

	l->new_qrs++;
	return l->rc;
}

/* As link.c: the code and its status show in the view at once. */
static int
fake_pair_code(void *ctx, const char *phone)
{
	struct fake_link *l = ctx;

	snprintf(l->pair_phone, sizeof(l->pair_phone), "%s", phone);
	if (l->rc < 0)
		return l->rc;
	l->view.code.status = LCS_SHOWN;
	snprintf(l->view.code.phone, sizeof(l->view.code.phone), "%s", phone);
	snprintf(l->view.code.code, sizeof(l->view.code.code), "ABCD-EFGH");
	snprintf(l->view.code.detail, sizeof(l->view.code.detail), "type it");
	l->view.code.expires_ms = 1700000000000ULL;
	return 0;
}

static const struct worker_ipc_ops fake_ops = {
	fake_get_view, fake_restart, fake_logout, fake_new_qr, fake_pair_code,
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[128];

	log_init("test", WL_LOG_ERROR, LOG_FORMAT_TEXT);
	assert_int_equal(testdir_make(f->dir, sizeof(f->dir), "wipc"), 0);
	assert_int_equal(ipc_default_urls(f->dir, f->rpc, f->events), 0);
	snprintf(path, sizeof(path), "%s/%s", f->dir, WHITELIST_FILE_NAME);
	assert_non_null(f->wl = whitelist_new(path));
	f->link.view.state = LS_CONNECTED;
	assert_int_equal(worker_ipc_open(f->rpc, f->events, &fake_ops,
	    &f->link, f->wl, &f->w), 0);
	assert_true((f->req = ipc_connect_req(f->rpc, WAIT_MS)) >= 0);
	f->sub = -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	ipc_close(f->req);
	ipc_close(f->sub);
	worker_ipc_close(f->w);
	whitelist_free(f->wl);
	rc = testdir_remove(f->dir);
	free(f);
	return rc;
}

/* Waits for the REP fd, then lets the worker answer what is pending. */
static int
serve(struct fx *f)
{
	struct pollfd p = { .events = POLLIN };
	int fds[WORKER_IPC_FDS_MAX];

	assert_int_equal(worker_ipc_fds(f->w, fds), 1);
	p.fd = fds[0];
	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	return worker_ipc_service(f->w);
}

static Wlipc__Reply *
recv_reply(int sock)
{
	Wlipc__Reply *rp = NULL;
	void *msg;
	size_t len;

	assert_int_equal(ipc_recv(sock, 0, &msg, &len), 0);
	assert_int_equal(ipc_reply_unpack(msg, len, &rp), 0);
	ipc_msg_free(msg);
	return rp;
}

/* Sends raw bytes on the REQ socket and returns the worker's reply. */
static Wlipc__Reply *
call_raw(struct fx *f, const void *buf, size_t len)
{
	assert_true(nn_send(f->req, buf, len, 0) >= 0);
	assert_int_equal(serve(f), 1);
	return recv_reply(f->req);
}

static Wlipc__Reply *
call(struct fx *f, Wlipc__Request *rq)
{
	Wlipc__Reply *rp;
	uint8_t *buf;
	size_t len;

	if (rq->id == 0)
		rq->id = 1000 + randombytes_uniform(1000000);
	assert_int_equal(ipc_request_pack(rq, &buf, &len), 0);
	rp = call_raw(f, buf, len);
	free(buf);
	assert_int_equal(rp->id, rq->id);
	return rp;
}

static Wlipc__Empty empty = WLIPC__EMPTY__INIT;

/* A request with an Empty body (ping, get_state, ...). */
static Wlipc__Reply *
call_empty(struct fx *f, Wlipc__Request__BodyCase c)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT;

	rq.body_case = c;
	rq.ping = &empty;	/* every Empty body shares the union slot */
	return call(f, &rq);
}

static Wlipc__Reply *
call_string(struct fx *f, Wlipc__Request__BodyCase c, const char *s)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT;

	rq.body_case = c;
	rq.whitelist_add = (char *)s;	/* the string bodies share it too */
	return call(f, &rq);
}

static Wlipc__Reply *
call_replace(struct fx *f, char **numbers, size_t n)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__NumberList nl = WLIPC__NUMBER_LIST__INIT;

	nl.numbers = numbers;
	nl.n_numbers = n;
	rq.body_case = WLIPC__REQUEST__BODY_WHITELIST_REPLACE;
	rq.whitelist_replace = &nl;
	return call(f, &rq);
}

static void
assert_error(Wlipc__Reply *rp, Wlipc__ErrorCode code)
{
	assert_non_null(rp->error);
	assert_int_equal(rp->error->code, code);
	assert_true(strlen(rp->error->message) > 0);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY__NOT_SET);
}

/* Subscribes and waits until events flow (SUB joins asynchronously). */
static void
subscribe(struct fx *f)
{
	Wlipc__Event *ev;
	void *msg;
	size_t len;
	int i;

	assert_true((f->sub = ipc_connect_sub(f->events, 50)) >= 0);
	for (i = 0; i < WAIT_MS / 50; i++) {
		worker_ipc_on_qr_expired(f->w, &f->link.view);
		if (ipc_recv(f->sub, 0, &msg, &len) == 0) {
			ipc_msg_free(msg);
			break;
		}
	}
	assert_true(i < WAIT_MS / 50);
	/* drain what the probing left behind */
	while (ipc_recv(f->sub, NN_DONTWAIT, &msg, &len) == 0) {
		assert_int_equal(ipc_event_unpack(msg, len, &ev), 0);
		ipc_event_free(ev);
		ipc_msg_free(msg);
	}
}

static Wlipc__Event *
next_event(struct fx *f)
{
	Wlipc__Event *ev = NULL;
	void *msg;
	size_t len;

	assert_int_equal(nn_setsockopt(f->sub, NN_SOL_SOCKET, NN_RCVTIMEO,
	    &(int){ WAIT_MS }, sizeof(int)), 0);
	assert_int_equal(ipc_recv(f->sub, 0, &msg, &len), 0);
	assert_int_equal(ipc_event_unpack(msg, len, &ev), 0);
	ipc_msg_free(msg);
	return ev;
}

static void
assert_no_event(struct fx *f)
{
	void *msg;
	size_t len;

	assert_int_equal(nn_setsockopt(f->sub, NN_SOL_SOCKET, NN_RCVTIMEO,
	    &(int){ 100 }, sizeof(int)), 0);
	assert_int_equal(ipc_recv(f->sub, 0, &msg, &len), -ETIMEDOUT);
}

static void
test_ping_answers_pong(void **state)
{
	Wlipc__Reply *rp = call_empty(*state, WLIPC__REQUEST__BODY_PING);

	assert_null(rp->error);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_PONG);
	ipc_reply_free(rp);
}

static void
test_fds_reports_the_rep_fd(void **state)
{
	struct fx *f = *state;
	int fds[WORKER_IPC_FDS_MAX] = { -1 };

	assert_int_equal(worker_ipc_fds(f->w, fds), 1);
	assert_true(fds[0] >= 0);
	assert_int_equal(worker_ipc_service(f->w), 0);	/* nothing pending */
}

static void
test_get_state_maps_every_view_field(void **state)
{
	struct fx *f = *state;
	struct link_view *v = &f->link.view;
	Wlipc__Reply *rp;
	Wlipc__State *st;

	v->state = LS_DISCONNECTED;
	v->last_reason = REASON_TIMEOUT;
	strcpy(v->phone, "971501476598");
	strcpy(v->jid, "971501476598:7@s.whatsapp.net");
	v->started_ms = 1700000000000;
	v->since_ms = 1700000001000;
	v->last_heartbeat_ms = 1700000000500;
	v->rtt_ms = 85;
	v->next_attempt_ms = 1700000031000;
	v->ban_until_ms = 1700000099000;
	v->qr_paused = false;
	v->disconnects[REASON_TIMEOUT] = 3;
	v->disconnects[REASON_CONFLICT] = 1;
	strcpy(v->strategy, "wait 30s then reconnect");
	strcpy(v->detail, "socket dropped");
	assert_int_equal(whitelist_add(f->wl, "15550001111", NULL, NULL), 0);
	rp = call_empty(f, WLIPC__REQUEST__BODY_GET_STATE);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_STATE);
	st = rp->state;
	assert_int_equal(st->state, WLIPC__LINK_STATE__LS_DISCONNECTED);
	assert_string_equal(st->connected_number, "971501476598");
	assert_string_equal(st->device_jid, "971501476598:7@s.whatsapp.net");
	assert_true(st->has_last_heartbeat_ms && st->has_rtt_ms);
	assert_int_equal(st->last_heartbeat_ms, 1700000000500);
	assert_int_equal(st->rtt_ms, 85);
	assert_int_equal(st->since_ms, 1700000001000);
	assert_int_equal(st->last_reason, WLIPC__REASON__REASON_TIMEOUT);
	assert_string_equal(st->strategy, "wait 30s then reconnect");
	assert_int_equal(st->next_attempt_ms, 1700000031000);
	assert_int_equal(st->ban_until_ms, 1700000099000);
	assert_true(st->has_qr_paused);
	assert_false(st->qr_paused);
	assert_int_equal(st->n_disconnects, 2);
	assert_int_equal(st->disconnects[0]->reason,
	    WLIPC__REASON__REASON_TIMEOUT);
	assert_int_equal(st->disconnects[0]->count, 3);
	assert_int_equal(st->disconnects[1]->reason,
	    WLIPC__REASON__REASON_CONFLICT);
	assert_int_equal(st->whitelist_count, 1);
	assert_string_equal(st->detail, "socket dropped");
	assert_int_equal(st->pid, (uint64_t)getpid());
	assert_int_equal(st->started_ms, 1700000000000);
	ipc_reply_free(rp);
}

static void
test_get_state_leaves_unknowns_unset(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	memset(&f->link.view, 0, sizeof(f->link.view));
	f->link.view.state = LS_QR;
	rp = call_empty(f, WLIPC__REQUEST__BODY_GET_STATE);
	assert_null(rp->state->connected_number);
	assert_false(rp->state->has_last_heartbeat_ms);
	assert_false(rp->state->has_ban_until_ms);
	assert_null(rp->state->strategy);
	assert_int_equal(rp->state->n_disconnects, 0);
	ipc_reply_free(rp);
}

static void
test_get_state_before_attach_reports_starting(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	worker_ipc_attach(f->w, NULL, NULL);
	rp = call_empty(f, WLIPC__REQUEST__BODY_GET_STATE);
	assert_int_equal(rp->state->state, WLIPC__LINK_STATE__LS_STARTING);
	ipc_reply_free(rp);
	rp = call_empty(f, WLIPC__REQUEST__BODY_RESTART);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	ipc_reply_free(rp);
}

static void
set_qr(struct fake_link *l, bool paused)
{
	l->view.state = LS_QR;
	l->view.qr_paused = paused;
	l->view.has_qr = !paused;
	strcpy(l->view.qr, "2@ref,noise,identity,adv");
	l->view.qr_expires_ms = 1700000060000;
	l->view.qr_round = 2;
	l->view.qr_ref_index = 3;
}

static void
test_get_qr_returns_the_code_in_qr_state(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	set_qr(&f->link, false);
	rp = call_empty(f, WLIPC__REQUEST__BODY_GET_QR);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_QR);
	assert_string_equal(rp->qr->code, "2@ref,noise,identity,adv");
	assert_int_equal(rp->qr->expires_ms, 1700000060000);
	assert_int_equal(rp->qr->round, 2);
	assert_int_equal(rp->qr->ref_index, 3);
	ipc_reply_free(rp);
}

static void
test_get_qr_is_unavailable_outside_qr_state(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	set_qr(&f->link, false);
	f->link.view.state = LS_CONNECTED;
	rp = call_empty(f, WLIPC__REQUEST__BODY_GET_QR);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	ipc_reply_free(rp);
}

static void
test_get_qr_is_unavailable_while_paused(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	set_qr(&f->link, true);
	rp = call_empty(f, WLIPC__REQUEST__BODY_GET_QR);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	assert_non_null(strstr(rp->error->message, "paused"));
	ipc_reply_free(rp);
}

static void
test_link_requests_reach_the_link(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	rp = call_empty(f, WLIPC__REQUEST__BODY_RESTART);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_DONE);
	ipc_reply_free(rp);
	rp = call_empty(f, WLIPC__REQUEST__BODY_LOGOUT);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_DONE);
	ipc_reply_free(rp);
	rp = call_empty(f, WLIPC__REQUEST__BODY_NEW_QR);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_DONE);
	ipc_reply_free(rp);
	assert_int_equal(f->link.restarts, 1);
	assert_int_equal(f->link.logouts, 1);
	assert_int_equal(f->link.new_qrs, 1);
}

static void
test_link_request_already_done_is_unavailable(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	f->link.rc = -EALREADY;
	rp = call_empty(f, WLIPC__REQUEST__BODY_NEW_QR);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	ipc_reply_free(rp);
	rp = call_empty(f, WLIPC__REQUEST__BODY_LOGOUT);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	ipc_reply_free(rp);
}

static void
test_link_request_failure_is_internal(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	f->link.rc = -EIO;
	rp = call_empty(f, WLIPC__REQUEST__BODY_RESTART);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INTERNAL);
	ipc_reply_free(rp);
}

static Wlipc__Reply *
call_pair_code(struct fx *f, const char *phone)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT;

	rq.body_case = WLIPC__REQUEST__BODY_PAIR_CODE;
	rq.pair_code = (char *)phone;
	return call(f, &rq);
}

static void
test_pair_code_checks_the_number_before_the_link(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	rp = call_pair_code(f, "0170 1234567");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	assert_int_equal(rp->error->n_invalid, 1);
	assert_non_null(strstr(rp->error->message, "country code"));
	ipc_reply_free(rp);
	rp = call_pair_code(f, "12345");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	ipc_reply_free(rp);
	assert_string_equal(f->link.pair_phone, "");

	rp = call_pair_code(f, "+49 170 123-4567");
	assert_null(rp->error);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_PAIR_CODE);
	assert_int_equal(rp->pair_code->status, WLIPC__PAIR_CODE_STATUS__PCS_SHOWN);
	assert_string_equal(rp->pair_code->phone, "491701234567");
	assert_string_equal(rp->pair_code->code, "ABCD-EFGH");
	assert_true(rp->pair_code->has_expires_ms);
	assert_string_equal(f->link.pair_phone, "491701234567");
	ipc_reply_free(rp);
	/* and State carries it for the dashboard and the probe */
	rp = call_empty(f, WLIPC__REQUEST__BODY_GET_STATE);
	assert_non_null(rp->state->pair_code);
	assert_string_equal(rp->state->pair_code->detail, "type it");
	ipc_reply_free(rp);
}

static void
test_pair_code_refusals_say_why(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	f->link.rc = -EISCONN;
	rp = call_pair_code(f, "15550001111");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	assert_non_null(strstr(rp->error->message, "already linked"));
	ipc_reply_free(rp);
	f->link.rc = -EBUSY;
	rp = call_pair_code(f, "15550001111");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	ipc_reply_free(rp);
	f->link.rc = -ENOMEM;
	rp = call_pair_code(f, "15550001111");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INTERNAL);
	ipc_reply_free(rp);
}

static void
test_whitelist_add_normalises_and_announces(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;
	Wlipc__Event *ev;

	subscribe(f);
	rp = call_string(f, WLIPC__REQUEST__BODY_WHITELIST_ADD,
	    "+971 50-147 6598");
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_CHECK);
	assert_string_equal(rp->check->number, "971501476598");
	assert_true(rp->check->allowed);
	ipc_reply_free(rp);
	assert_true(whitelist_has(f->wl, "971501476598"));
	ev = next_event(f);
	assert_int_equal(ev->body_case, WLIPC__EVENT__BODY_WHITELIST);
	assert_int_equal(ev->whitelist->count, 1);
	assert_int_equal(ev->whitelist->n_added, 1);
	assert_string_equal(ev->whitelist->added[0], "971501476598");
	assert_int_equal(ev->whitelist->n_removed, 0);
	ipc_event_free(ev);
}

static void
test_whitelist_add_takes_fifteen_digits_refuses_sixteen(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	rp = call_string(f, WLIPC__REQUEST__BODY_WHITELIST_ADD,
	    "123456789012345");
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_CHECK);
	ipc_reply_free(rp);
	rp = call_string(f, WLIPC__REQUEST__BODY_WHITELIST_ADD,
	    "1234567890123456");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	assert_non_null(strstr(rp->error->message, "too long"));
	assert_int_equal(rp->error->n_invalid, 1);
	assert_string_equal(rp->error->invalid[0],
	    "1234567890123456: too long: more than 15 digits");
	ipc_reply_free(rp);
	assert_int_equal(whitelist_count(f->wl), 1);
}

static void
test_whitelist_add_of_empty_input_is_invalid(void **state)
{
	Wlipc__Reply *rp;

	rp = call_string(*state, WLIPC__REQUEST__BODY_WHITELIST_ADD, "");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	ipc_reply_free(rp);
}

static void
test_whitelist_add_clips_echoed_garbage(void **state)
{
	char input[200];
	Wlipc__Reply *rp;

	memset(input, 'x', sizeof(input) - 1);
	input[0] = '\x01';
	input[sizeof(input) - 1] = '\0';
	rp = call_string(*state, WLIPC__REQUEST__BODY_WHITELIST_ADD, input);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	assert_int_equal(rp->error->invalid[0][0], '?');
	assert_true(strlen(rp->error->invalid[0]) < 100);
	ipc_reply_free(rp);
}

static void
test_whitelist_add_duplicate_is_refused(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	assert_int_equal(whitelist_add(f->wl, "15550001111", NULL, NULL), 0);
	rp = call_string(f, WLIPC__REQUEST__BODY_WHITELIST_ADD,
	    "+1 555 000 1111");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_DUPLICATE);
	assert_non_null(strstr(rp->error->message, "15550001111"));
	ipc_reply_free(rp);
}

static void
test_whitelist_remove_announces(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;
	Wlipc__Event *ev;

	assert_int_equal(whitelist_add(f->wl, "15550001111", NULL, NULL), 0);
	subscribe(f);
	rp = call_string(f, WLIPC__REQUEST__BODY_WHITELIST_REMOVE,
	    "15550001111");
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_CHECK);
	assert_false(rp->check->allowed);
	ipc_reply_free(rp);
	ev = next_event(f);
	assert_int_equal(ev->whitelist->count, 0);
	assert_int_equal(ev->whitelist->n_removed, 1);
	assert_string_equal(ev->whitelist->removed[0], "15550001111");
	ipc_event_free(ev);
}

static void
test_whitelist_remove_of_absent_is_not_found(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	subscribe(f);
	rp = call_string(f, WLIPC__REQUEST__BODY_WHITELIST_REMOVE,
	    "15550001111");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_NOT_FOUND);
	ipc_reply_free(rp);
	assert_no_event(f);
}

static void
test_whitelist_replace_lists_every_invalid_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	char *in[] = { "15550001111", "abc", "12", "+44 20 7946 0958" };
	Wlipc__Reply *rp;

	assert_int_equal(whitelist_add(f->wl, "19990000000", NULL, NULL), 0);
	rp = call_replace(f, in, 4);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	assert_int_equal(rp->error->n_invalid, 2);
	assert_string_equal(rp->error->invalid[0], "abc: has letters");
	assert_string_equal(rp->error->invalid[1],
	    "12: too short: 2 digits, need 10-15");
	assert_non_null(strstr(rp->error->message, "2 invalid numbers"));
	ipc_reply_free(rp);
	assert_int_equal(whitelist_count(f->wl), 1);
	assert_true(whitelist_has(f->wl, "19990000000"));
}

/* WORKER_IPC_INVALID_MAX entries are listed in full; one more is cut. */
static void
replace_with_invalid(struct fx *f, size_t n, size_t listed, bool cut)
{
	char **in = calloc(n, sizeof(*in));
	Wlipc__Reply *rp;
	size_t i;

	for (i = 0; i < n; i++)
		in[i] = "bad";
	rp = call_replace(f, in, n);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	assert_int_equal(rp->error->n_invalid, listed);
	assert_int_equal(strstr(rp->error->message, "are listed") != NULL, cut);
	ipc_reply_free(rp);
	free(in);
}

static void
test_whitelist_replace_lists_up_to_the_invalid_maximum(void **state)
{
	replace_with_invalid(*state, WORKER_IPC_INVALID_MAX,
	    WORKER_IPC_INVALID_MAX, false);
	replace_with_invalid(*state, WORKER_IPC_INVALID_MAX + 1,
	    WORKER_IPC_INVALID_MAX, true);
}

static void
test_whitelist_replace_swaps_the_list_and_announces(void **state)
{
	struct fx *f = *state;
	char *in[] = { "15550001111", "+44 20 7946 0958", "15550001111" };
	Wlipc__Reply *rp;
	Wlipc__Event *ev;

	assert_int_equal(whitelist_add(f->wl, "19990000000", NULL, NULL), 0);
	subscribe(f);
	rp = call_replace(f, in, 3);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_DONE);
	ipc_reply_free(rp);
	assert_int_equal(whitelist_count(f->wl), 2);
	assert_false(whitelist_has(f->wl, "19990000000"));
	ev = next_event(f);
	assert_true(ev->whitelist->replaced);
	assert_int_equal(ev->whitelist->count, 2);
	ipc_event_free(ev);
}

static void
test_whitelist_replace_with_nothing_empties(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	assert_int_equal(whitelist_add(f->wl, "19990000000", NULL, NULL), 0);
	rp = call_replace(f, NULL, 0);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_DONE);
	ipc_reply_free(rp);
	assert_int_equal(whitelist_count(f->wl), 0);
}

static void
test_whitelist_list_keeps_insertion_order(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	rp = call_empty(f, WLIPC__REQUEST__BODY_WHITELIST_LIST);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_WHITELIST);
	assert_int_equal(rp->whitelist->count, 0);
	ipc_reply_free(rp);
	assert_int_equal(whitelist_add(f->wl, "19990000000", NULL, NULL), 0);
	assert_int_equal(whitelist_add(f->wl, "15550001111", NULL, NULL), 0);
	rp = call_empty(f, WLIPC__REQUEST__BODY_WHITELIST_LIST);
	assert_int_equal(rp->whitelist->count, 2);
	assert_int_equal(rp->whitelist->n_numbers, 2);
	assert_string_equal(rp->whitelist->numbers[0], "19990000000");
	assert_string_equal(rp->whitelist->numbers[1], "15550001111");
	ipc_reply_free(rp);
}

static void
test_check_number_says_allowed_or_not(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	assert_int_equal(whitelist_add(f->wl, "15550001111", NULL, NULL), 0);
	rp = call_string(f, WLIPC__REQUEST__BODY_CHECK_NUMBER, "+1 555 000 1111");
	assert_string_equal(rp->check->number, "15550001111");
	assert_true(rp->check->allowed);
	ipc_reply_free(rp);
	rp = call_string(f, WLIPC__REQUEST__BODY_CHECK_NUMBER, "15550002222");
	assert_false(rp->check->allowed);
	ipc_reply_free(rp);
	rp = call_string(f, WLIPC__REQUEST__BODY_CHECK_NUMBER, "555");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	ipc_reply_free(rp);
}

static void
test_whitelist_save_failure_is_internal_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct whitelist *bad = whitelist_new("/nonexistent-walink/wl.json");
	Wlipc__Reply *rp;

	worker_ipc_close(f->w);
	assert_int_equal(worker_ipc_open(f->rpc, f->events, &fake_ops,
	    &f->link, bad, &f->w), 0);
	rp = call_string(f, WLIPC__REQUEST__BODY_WHITELIST_ADD, "15550001111");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INTERNAL);
	ipc_reply_free(rp);
	assert_int_equal(whitelist_count(bad), 0);
	worker_ipc_close(f->w);
	f->w = NULL;
	whitelist_free(bad);
}

static void
test_whitelist_requests_without_whitelist_are_unavailable(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;

	worker_ipc_close(f->w);
	assert_int_equal(worker_ipc_open(f->rpc, f->events, &fake_ops,
	    &f->link, NULL, &f->w), 0);
	rp = call_empty(f, WLIPC__REQUEST__BODY_WHITELIST_LIST);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	ipc_reply_free(rp);
}

static void
test_repeated_id_replays_the_cached_reply(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	struct worker_ipc_stats st;
	Wlipc__Reply *rp;
	Wlipc__Event *ev;
	uint8_t *buf;
	size_t len;

	subscribe(f);
	rq.id = 77;
	rq.body_case = WLIPC__REQUEST__BODY_WHITELIST_ADD;
	rq.whitelist_add = "15550001111";
	assert_int_equal(ipc_request_pack(&rq, &buf, &len), 0);
	rp = call_raw(f, buf, len);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_CHECK);
	ipc_reply_free(rp);
	rp = call_raw(f, buf, len);	/* what REQ's re-send delivers */
	assert_null(rp->error);		/* not ERR_DUPLICATE */
	assert_int_equal(rp->id, 77);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_CHECK);
	ipc_reply_free(rp);
	free(buf);
	worker_ipc_get_stats(f->w, &st);
	assert_int_equal(st.replayed, 1);
	ev = next_event(f);		/* one change, one event */
	ipc_event_free(ev);
	assert_no_event(f);
}

static void
test_repeated_id_of_a_link_request_acts_once(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Reply *rp;

	rq.id = 78;
	rq.body_case = WLIPC__REQUEST__BODY_RESTART;
	rq.restart = &empty;
	rp = call(f, &rq);
	ipc_reply_free(rp);
	rp = call(f, &rq);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_DONE);
	ipc_reply_free(rp);
	assert_int_equal(f->link.restarts, 1);
}

static void
test_repeated_id_of_a_read_is_answered_afresh(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Reply *rp;

	rq.id = 79;
	rq.body_case = WLIPC__REQUEST__BODY_GET_STATE;
	rq.get_state = &empty;
	rp = call(f, &rq);
	assert_int_equal(rp->state->state, WLIPC__LINK_STATE__LS_CONNECTED);
	ipc_reply_free(rp);
	f->link.view.state = LS_UNSTABLE;
	rp = call(f, &rq);
	assert_int_equal(rp->state->state, WLIPC__LINK_STATE__LS_UNSTABLE);
	ipc_reply_free(rp);
}

static void
test_same_id_with_another_body_is_not_replayed(void **state)
{
	struct fx *f = *state;
	Wlipc__Reply *rp;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;

	rq.id = 80;
	rq.body_case = WLIPC__REQUEST__BODY_WHITELIST_ADD;
	rq.whitelist_add = "15550001111";
	ipc_reply_free(call(f, &rq));
	rq.whitelist_add = "15550002222";
	rp = call(f, &rq);
	assert_string_equal(rp->check->number, "15550002222");
	ipc_reply_free(rp);
	assert_int_equal(whitelist_count(f->wl), 2);
}

static void
test_wrong_version_gets_bad_version_with_its_id(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Reply *rp;
	uint8_t buf[64];
	size_t len;

	rq.version = WL_IPC_VERSION + 1;
	rq.id = 4242;
	rq.body_case = WLIPC__REQUEST__BODY_PING;
	rq.ping = &empty;
	len = wlipc__request__pack(&rq, buf);	/* not ipc_*: keeps version */
	rp = call_raw(f, buf, len);
	assert_int_equal(rp->id, 4242);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_BAD_VERSION);
	ipc_reply_free(rp);
}

static void
test_request_without_body_is_bad_request(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Reply *rp;
	uint8_t buf[32];
	size_t len;

	rq.version = WL_IPC_VERSION;
	rq.id = 9;
	len = wlipc__request__pack(&rq, buf);
	rp = call_raw(f, buf, len);
	assert_int_equal(rp->id, 9);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_BAD_REQUEST);
	ipc_reply_free(rp);
}

static void
test_random_bytes_get_errors_and_service_goes_on(void **state)
{
	struct fx *f = *state;
	struct worker_ipc_stats st;
	uint8_t buf[256];
	Wlipc__Reply *rp;
	size_t len;
	int i;

	for (i = 0; i < 200; i++) {
		len = i == 0 ? 0 : randombytes_uniform(sizeof(buf)) + 1;
		randombytes_buf(buf, len);
		buf[0] = 0xff;	/* never a valid field key: undecodable */
		rp = call_raw(f, buf, len);
		assert_non_null(rp->error);
		assert_true(rp->error->code == WLIPC__ERROR_CODE__ERR_BAD_REQUEST ||
		    rp->error->code == WLIPC__ERROR_CODE__ERR_BAD_VERSION);
		ipc_reply_free(rp);
	}
	worker_ipc_get_stats(f->w, &st);
	assert_int_equal(st.refused, 200);
	rp = call_empty(f, WLIPC__REQUEST__BODY_PING);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_PONG);
	ipc_reply_free(rp);
}

static void
test_service_drains_requests_from_several_clients(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	struct pollfd p = { .events = POLLIN };
	int socks[3], fds[WORKER_IPC_FDS_MAX], i, n = 0, tries;
	uint8_t *buf;
	size_t len;

	rq.id = 5;
	rq.body_case = WLIPC__REQUEST__BODY_PING;
	rq.ping = &empty;
	assert_int_equal(ipc_request_pack(&rq, &buf, &len), 0);
	for (i = 0; i < 3; i++) {
		assert_true((socks[i] = ipc_connect_req(f->rpc, WAIT_MS)) >= 0);
		assert_true(nn_send(socks[i], buf, len, 0) >= 0);
	}
	free(buf);
	assert_int_equal(worker_ipc_fds(f->w, fds), 1);
	p.fd = fds[0];
	for (tries = 0; n < 3 && tries < 100; tries++) {
		assert_true(poll(&p, 1, WAIT_MS) == 1);
		n += worker_ipc_service(f->w);
	}
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		Wlipc__Reply *rp = recv_reply(socks[i]);

		assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_PONG);
		ipc_reply_free(rp);
		ipc_close(socks[i]);
	}
}

static void
test_publish_without_subscriber_never_blocks(void **state)
{
	struct fx *f = *state;
	struct worker_ipc_stats st;
	int i;

	for (i = 0; i < 20000; i++)
		worker_ipc_on_state(f->w, &f->link.view);
	worker_ipc_get_stats(f->w, &st);
	assert_int_equal(st.events_sent + st.events_dropped, 20000);
}

static void
test_publish_to_an_idle_subscriber_never_blocks(void **state)
{
	struct fx *f = *state;
	struct worker_ipc_stats st;
	int i;

	subscribe(f);	/* then never read again */
	set_qr(&f->link, false);
	memset(f->link.view.detail, 'd', LINK_DETAIL_MAX - 1);
	for (i = 0; i < 20000; i++)
		worker_ipc_on_state(f->w, &f->link.view);
	worker_ipc_get_stats(f->w, &st);
	assert_true(st.events_sent + st.events_dropped >= 20000);
}

static void
test_events_reach_a_subscriber_in_sequence(void **state)
{
	struct fx *f = *state;
	struct link_view *v = &f->link.view;
	struct worker_ipc_message m = { false, "15550001111", "MSGID",
	    "sender not whitelisted", 1700000000000 };
	Wlipc__Event *ev;
	uint64_t seq;

	subscribe(f);
	set_qr(&f->link, false);
	strcpy(v->phone, "971501476598");
	v->rtt_ms = 42;
	v->last_heartbeat_ms = 1700000000123;
	worker_ipc_on_state(f->w, v);
	worker_ipc_on_heartbeat(f->w, v);
	worker_ipc_on_qr(f->w, v);
	worker_ipc_on_qr_expired(f->w, v);
	worker_ipc_publish_whitelist_reloaded(f->w);
	worker_ipc_publish_message(f->w, &m);

	ev = next_event(f);
	assert_int_equal(ev->body_case, WLIPC__EVENT__BODY_STATE);
	assert_int_equal(ev->state->state, WLIPC__LINK_STATE__LS_QR);
	assert_int_equal(ev->version, WL_IPC_VERSION);
	assert_true(ev->time_ms > 0);
	seq = ev->seq;
	ipc_event_free(ev);
	ev = next_event(f);
	assert_int_equal(ev->body_case, WLIPC__EVENT__BODY_HEARTBEAT);
	assert_string_equal(ev->heartbeat->phone_number, "971501476598");
	assert_int_equal(ev->heartbeat->rtt_ms, 42);
	assert_int_equal(ev->heartbeat->timestamp_ms, 1700000000123);
	assert_int_equal(ev->seq, seq + 1);
	ipc_event_free(ev);
	ev = next_event(f);
	assert_int_equal(ev->body_case, WLIPC__EVENT__BODY_QR);
	assert_string_equal(ev->qr->code, "2@ref,noise,identity,adv");
	ipc_event_free(ev);
	ev = next_event(f);
	assert_int_equal(ev->body_case, WLIPC__EVENT__BODY_QR_EXPIRED);
	ipc_event_free(ev);
	ev = next_event(f);
	assert_int_equal(ev->body_case, WLIPC__EVENT__BODY_WHITELIST);
	assert_true(ev->whitelist->replaced);
	ipc_event_free(ev);
	ev = next_event(f);
	assert_int_equal(ev->body_case, WLIPC__EVENT__BODY_MESSAGE);
	assert_false(ev->message->accepted);
	assert_string_equal(ev->message->from, "15550001111");
	assert_string_equal(ev->message->reason, "sender not whitelisted");
	assert_int_equal(ev->seq, seq + 5);
	ipc_event_free(ev);
}

static void
test_link_events_fills_the_callbacks(void **state)
{
	struct fx *f = *state;
	struct link_events ev = { 0 };

	worker_ipc_link_events(f->w, &ev);
	assert_ptr_equal(ev.arg, f->w);
	assert_ptr_equal(ev.state, worker_ipc_on_state);
	assert_ptr_equal(ev.heartbeat, worker_ipc_on_heartbeat);
	assert_ptr_equal(ev.qr, worker_ipc_on_qr);
	assert_ptr_equal(ev.qr_expired, worker_ipc_on_qr_expired);
	assert_null(ev.stanza);
}

static void
test_open_failure_leaves_nothing_open(void **state)
{
	struct fx *f = *state;
	struct worker_ipc *w2 = NULL;
	char bad[IPC_URL_MAX];

	snprintf(bad, sizeof(bad), "ipc://%s/run/other.rpc", f->dir);
	assert_true(worker_ipc_open(bad, "bogus://x", &fake_ops, &f->link,
	    f->wl, &w2) < 0);
	assert_null(w2);
}

static void
test_open_makes_sockets_0660_in_a_0750_run_dir(void **state)
{
	struct fx *f = *state;
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/run", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	snprintf(path, sizeof(path), "%s/run/worker.rpc", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	snprintf(path, sizeof(path), "%s/run/worker.events", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
}

/* Issue 13: the worker's own whitelist decides, before any send. */
static void
test_send_message_checks_the_whitelist_itself(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__SendMessage sm = WLIPC__SEND_MESSAGE__INIT;
	Wlipc__Reply *rp;
	char out[PHONE_BUF];

	assert_true(whitelist_add(f->wl, "4915112340001", out, NULL) >= 0);
	assert_true(whitelist_has(f->wl, "4915112340001"));
	rq.body_case = WLIPC__REQUEST__BODY_SEND_MESSAGE;
	rq.send_message = &sm;
	sm.json = "{\"type\":\"text\",\"text\":\"hi\"}";
	sm.to = "4915112340002";
	rp = call(f, &rq);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_NOT_ALLOWED);
	assert_non_null(strstr(rp->error->message, "not whitelisted"));
	ipc_reply_free(rp);
	rq.id = 0;
	sm.to = "12";
	rp = call(f, &rq);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER);
	ipc_reply_free(rp);
	/* whitelisted, but no messaging attached (still starting) */
	rq.id = 0;
	sm.to = "+49 151 1234 0001";
	rp = call(f, &rq);
	assert_error(rp, WLIPC__ERROR_CODE__ERR_UNAVAILABLE);
	ipc_reply_free(rp);
}

static void
test_get_and_list_messages_read_the_status_table(void **state)
{
	struct fx *f = *state;
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__ListMessages lm = WLIPC__LIST_MESSAGES__INIT;
	struct worker_ipc_message in = { .accepted = true,
	    .from = "4915112340009", .id = "IN1" };
	struct msg_status_tab *tab;
	Wlipc__Reply *rp;

	assert_int_equal(msg_status_tab_new(NULL, NULL, &tab), 0);
	worker_ipc_set_messages(f->w, NULL, tab);
	rp = call_string(f, WLIPC__REQUEST__BODY_GET_MESSAGE, "OUT1");
	assert_error(rp, WLIPC__ERROR_CODE__ERR_NOT_FOUND);
	ipc_reply_free(rp);
	assert_int_equal(msg_status_tab_set(tab, "OUT1", "4915112340001",
	    MSG_OUT_QUEUED, 0, 1000), 1);
	assert_int_equal(msg_status_tab_set(tab, "OUT1", NULL, MSG_OUT_FAILED,
	    463, 3000), 1);
	worker_ipc_publish_message(f->w, &in);	/* now: newer than OUT1 */
	rp = call_string(f, WLIPC__REQUEST__BODY_GET_MESSAGE, "OUT1");
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_MESSAGE_STATUS);
	assert_string_equal(rp->message_status->status, "failed");
	assert_true(rp->message_status->has_error);
	assert_int_equal(rp->message_status->error, 463);
	assert_string_equal(rp->message_status->to, "4915112340001");
	assert_int_equal(rp->message_status->updated_ms, 3000);
	ipc_reply_free(rp);
	rq.body_case = WLIPC__REQUEST__BODY_LIST_MESSAGES;
	rq.list_messages = &lm;
	rp = call(f, &rq);
	assert_int_equal(rp->body_case, WLIPC__REPLY__BODY_MESSAGES);
	assert_int_equal(rp->messages->n_messages, 2);
	assert_string_equal(rp->messages->messages[0]->id, "IN1");
	assert_false(rp->messages->messages[0]->outbound);
	assert_string_equal(rp->messages->messages[0]->status, "accepted");
	assert_string_equal(rp->messages->messages[1]->id, "OUT1");
	assert_true(rp->messages->messages[1]->outbound);
	ipc_reply_free(rp);
	/* paging: only what changed before 2000 ms */
	rq.id = 0;
	lm.has_before_ms = true;
	lm.before_ms = 2000;
	rp = call(f, &rq);
	assert_int_equal(rp->messages->n_messages, 0);
	ipc_reply_free(rp);
	rq.id = 0;
	lm.before_ms = 3001;
	lm.has_limit = true;
	lm.limit = 1;
	rp = call(f, &rq);
	assert_int_equal(rp->messages->n_messages, 1);
	assert_string_equal(rp->messages->messages[0]->id, "OUT1");
	ipc_reply_free(rp);
	worker_ipc_set_messages(f->w, NULL, NULL);
	msg_status_tab_free(tab);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ping_answers_pong),
		T(test_fds_reports_the_rep_fd),
		T(test_get_state_maps_every_view_field),
		T(test_get_state_leaves_unknowns_unset),
		T(test_get_state_before_attach_reports_starting),
		T(test_pair_code_checks_the_number_before_the_link),
		T(test_pair_code_refusals_say_why),
		T(test_get_qr_returns_the_code_in_qr_state),
		T(test_get_qr_is_unavailable_outside_qr_state),
		T(test_get_qr_is_unavailable_while_paused),
		T(test_link_requests_reach_the_link),
		T(test_link_request_already_done_is_unavailable),
		T(test_link_request_failure_is_internal),
		T(test_whitelist_add_normalises_and_announces),
		T(test_whitelist_add_takes_fifteen_digits_refuses_sixteen),
		T(test_whitelist_add_of_empty_input_is_invalid),
		T(test_whitelist_add_clips_echoed_garbage),
		T(test_whitelist_add_duplicate_is_refused),
		T(test_whitelist_remove_announces),
		T(test_whitelist_remove_of_absent_is_not_found),
		T(test_whitelist_replace_lists_every_invalid_and_changes_nothing),
		T(test_whitelist_replace_lists_up_to_the_invalid_maximum),
		T(test_whitelist_replace_swaps_the_list_and_announces),
		T(test_whitelist_replace_with_nothing_empties),
		T(test_whitelist_list_keeps_insertion_order),
		T(test_check_number_says_allowed_or_not),
		T(test_whitelist_save_failure_is_internal_and_changes_nothing),
		T(test_whitelist_requests_without_whitelist_are_unavailable),
		T(test_repeated_id_replays_the_cached_reply),
		T(test_repeated_id_of_a_link_request_acts_once),
		T(test_repeated_id_of_a_read_is_answered_afresh),
		T(test_same_id_with_another_body_is_not_replayed),
		T(test_wrong_version_gets_bad_version_with_its_id),
		T(test_request_without_body_is_bad_request),
		T(test_random_bytes_get_errors_and_service_goes_on),
		T(test_service_drains_requests_from_several_clients),
		T(test_publish_without_subscriber_never_blocks),
		T(test_publish_to_an_idle_subscriber_never_blocks),
		T(test_events_reach_a_subscriber_in_sequence),
		T(test_link_events_fills_the_callbacks),
		T(test_open_failure_leaves_nothing_open),
		T(test_open_makes_sockets_0660_in_a_0750_run_dir),
		T(test_send_message_checks_the_whitelist_itself),
		T(test_get_and_list_messages_read_the_status_table),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
