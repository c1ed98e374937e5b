/*
 * worker_ipc.c: the REP side (worker_ipc.h). Each request is unpacked with
 * ipc.h's version and size checks, answered at once (a whitelist change
 * once its file is durable: worker_ipc_whitelist.c) and, when it changes
 * something, its packed reply is kept so a nanomsg re-send of the same id
 * gets the same answer instead of a second change (STYLE.md rule 11).
 * Whitelist requests are in worker_ipc_whitelist.c, events and the State
 * message in worker_ipc_events.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nanomsg/nn.h>
#include <sodium.h>

#include "clock.h"
#include "log.h"
#include "wl_error.h"
#include "worker_ipc_impl.h"

int
worker_ipc_open(const char *rpc_url, const char *events_url,
    const struct worker_ipc_ops *ops, void *ctx, struct whitelist *wl,
    struct worker_ipc **out)
{
	struct worker_ipc *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->pub.sock = -1;
	if ((w->rep = ipc_bind_rep(rpc_url)) < 0) {
		rc = w->rep;
		goto out_free;
	}
	if ((w->pub.sock = ipc_bind_pub(events_url)) < 0) {
		rc = w->pub.sock;
		goto out_close_rep;
	}
	w->ops = ops;
	w->ctx = ctx;
	w->wl = wl;
	w->opened_ms = clock_wall_ms();
	*out = w;
	return 0;

out_close_rep:
	ipc_close(w->rep);
out_free:
	free(w);
	return rc;
}

void
worker_ipc_close(struct worker_ipc *w)
{
	size_t i;

	if (w == NULL)
		return;
	wipc_whitelist_pending_free(w->pending);
	ipc_close(w->rep);
	ipc_close(w->pub.sock);
	for (i = 0; i < WORKER_IPC_REPLAY_SLOTS; i++)
		free(w->replay[i].reply);
	free(w);
}

void
worker_ipc_attach(struct worker_ipc *w, const struct worker_ipc_ops *ops,
    void *ctx)
{
	w->ops = ops;
	w->ctx = ctx;
}

void
worker_ipc_set_writer(struct worker_ipc *w, struct store_writer *writer,
    void (*reply_sent)(void *), void *arg)
{
	w->writer = writer;
	w->reply_sent = reply_sent;
	w->reply_sent_arg = arg;
}

bool
worker_ipc_waiting(const struct worker_ipc *w)
{
	return w->pending != NULL;
}

int
worker_ipc_fds(const struct worker_ipc *w, int fds[WORKER_IPC_FDS_MAX])
{
	int fd;

	if ((fd = ipc_recv_fd(w->rep)) < 0)
		return fd;
	fds[0] = fd;
	return 1;
}

void
worker_ipc_get_stats(const struct worker_ipc *w, struct worker_ipc_stats *st)
{
	*st = w->stats;
	st->events_sent = w->pub.sent;
	st->events_dropped = w->pub.dropped;
}

void
wipc_clip(const char *s, char out[WIPC_INPUT_SHOWN + 4])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < WIPC_INPUT_SHOWN; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

void
wipc_answer_error(struct wipc_answer *a, Wlipc__ErrorCode code,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->errmsg, sizeof(a->errmsg), fmt, ap);
	va_end(ap);
	a->err.code = code;
	a->err.message = a->errmsg;
	a->rep.error = &a->err;
	a->rep.body_case = WLIPC__REPLY__BODY__NOT_SET;
}

void
wipc_answer_done(struct wipc_answer *a)
{
	a->rep.body_case = WLIPC__REPLY__BODY_DONE;
	a->rep.done = &a->empty;
}

/* Appends "input: reason" to Error.invalid, up to WORKER_IPC_INVALID_MAX. */
int
wipc_answer_add_invalid(struct wipc_answer *a, const char *input,
    const char *reason)
{
	char clip[WIPC_INPUT_SHOWN + 4], **v;

	a->n_invalid_total++;
	if (a->n_invalid == WORKER_IPC_INVALID_MAX)
		return 0;
	if (a->invalid == NULL &&
	    (a->invalid = calloc(WORKER_IPC_INVALID_MAX, sizeof(*v))) == NULL)
		return -ENOMEM;
	wipc_clip(input, clip);
	if (asprintf(&a->invalid[a->n_invalid], "%s: %s", clip, reason) < 0)
		return -ENOMEM;
	a->n_invalid++;
	a->err.invalid = a->invalid;
	a->err.n_invalid = a->n_invalid;
	return 0;
}

static void
answer_init(struct wipc_answer *a, uint64_t id)
{
	memset(a, 0, sizeof(*a));
	wlipc__reply__init(&a->rep);
	wlipc__error__init(&a->err);
	wlipc__empty__init(&a->empty);
	wlipc__qr__init(&a->qr);
	wlipc__whitelist__init(&a->wl);
	wlipc__check__init(&a->check);
	a->rep.version = WL_IPC_VERSION;
	a->rep.id = id;
}

static void
answer_fini(struct wipc_answer *a)
{
	size_t i;

	for (i = 0; i < a->n_invalid; i++)
		free(a->invalid[i]);
	free(a->invalid);
	free(a->numbers);
	free(a->wl_rej);
	free(a->wl_rejp);
	wipc_webhook_answer_fini(a);
	wipc_messages_answer_fini(a);
}

static void
handle_get_qr(struct worker_ipc *w, struct wipc_answer *a)
{
	struct link_view *v = &a->view;

	wipc_view(w, v);
	if (v->state != LS_QR || v->qr_paused || !v->has_qr) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
		    v->state == LS_QR && v->qr_paused ?
		    "QR rounds are paused: ask for a new QR first" :
		    "no QR to show: the link is not waiting for a scan");
		return;
	}
	a->qr.code = v->qr;
	a->qr.has_expires_ms = true;
	a->qr.expires_ms = v->qr_expires_ms;
	a->qr.has_round = true;
	a->qr.round = v->qr_round;
	a->qr.has_ref_index = true;
	a->qr.ref_index = v->qr_ref_index;
	a->rep.body_case = WLIPC__REPLY__BODY_QR;
	a->rep.qr = &a->qr;
}

/* restart, logout and new_qr: one operator action on the link. */
static void
handle_link_request(struct worker_ipc *w, Wlipc__Request__BodyCase what,
    struct wipc_answer *a)
{
	int (*op)(void *) = NULL;
	const char *name, *already;
	int rc;

	switch (what) {
	case WLIPC__REQUEST__BODY_RESTART:
		name = "restart";
		already = "a restart is already under way";
		if (w->ops != NULL)
			op = w->ops->request_restart;
		break;
	case WLIPC__REQUEST__BODY_LOGOUT:
		name = "logout";
		already = "there is no linked session to log out";
		if (w->ops != NULL)
			op = w->ops->request_logout;
		break;
	default:
		name = "new QR";
		already = "no paused pairing to resume: a QR is already "
		    "being shown, or the account is linked";
		if (w->ops != NULL)
			op = w->ops->request_new_qr;
		break;
	}
	if (op == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
		    "the link is still starting; try again shortly");
		return;
	}
	if ((rc = op(w->ctx)) == 0) {
		log_info("ipc: %s requested; link told", name);
		wipc_answer_done(a);
	} else if (rc == -EALREADY) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE, "%s",
		    already);
	} else {
		log_warn(rc, "ipc: %s request failed; answered ERR_INTERNAL",
		    name);
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
		    "the %s failed: %s", name, wl_strerror(rc));
	}
}

static void
handle(struct worker_ipc *w, const Wlipc__Request *rq, struct wipc_answer *a)
{
	switch (rq->body_case) {
	case WLIPC__REQUEST__BODY_PING:
		a->rep.body_case = WLIPC__REPLY__BODY_PONG;
		a->rep.pong = &a->empty;
		break;
	case WLIPC__REQUEST__BODY_GET_STATE:
		wipc_view(w, &a->view);
		wipc_state_fill(w, &a->view, &a->state);
		a->rep.body_case = WLIPC__REPLY__BODY_STATE;
		a->rep.state = &a->state.st;
		break;
	case WLIPC__REQUEST__BODY_GET_QR:
		handle_get_qr(w, a);
		break;
	case WLIPC__REQUEST__BODY_NEW_QR:
	case WLIPC__REQUEST__BODY_LOGOUT:
	case WLIPC__REQUEST__BODY_RESTART:
		handle_link_request(w, rq->body_case, a);
		break;
	case WLIPC__REQUEST__BODY_PAIR_CODE:
		wipc_pair_code_handle(w, rq, a);
		break;
	case WLIPC__REQUEST__BODY_WHITELIST_LIST:
	case WLIPC__REQUEST__BODY_WHITELIST_ADD:
	case WLIPC__REQUEST__BODY_WHITELIST_REMOVE:
	case WLIPC__REQUEST__BODY_WHITELIST_REPLACE:
	case WLIPC__REQUEST__BODY_CHECK_NUMBER:
		wipc_whitelist_handle(w, rq, a);
		break;
	case WLIPC__REQUEST__BODY_WEBHOOK_DEAD_LIST:
	case WLIPC__REQUEST__BODY_WEBHOOK_REDELIVER:
		wipc_webhook_handle(w, rq, a);
		break;
	case WLIPC__REQUEST__BODY_SEND_MESSAGE:
	case WLIPC__REQUEST__BODY_GET_MESSAGE:
	case WLIPC__REQUEST__BODY_LIST_MESSAGES:
		wipc_messages_handle(w, rq, a);
		break;
	default:	/* ipc_request_unpack refuses a missing body */
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_BAD_REQUEST,
		    "unknown request");
		break;
	}
}

static bool
is_mutating(Wlipc__Request__BodyCase c)
{
	return c == WLIPC__REQUEST__BODY_NEW_QR ||
	    c == WLIPC__REQUEST__BODY_PAIR_CODE ||
	    c == WLIPC__REQUEST__BODY_LOGOUT ||
	    c == WLIPC__REQUEST__BODY_RESTART ||
	    c == WLIPC__REQUEST__BODY_WHITELIST_ADD ||
	    c == WLIPC__REQUEST__BODY_WHITELIST_REMOVE ||
	    c == WLIPC__REQUEST__BODY_WHITELIST_REPLACE ||
	    c == WLIPC__REQUEST__BODY_WEBHOOK_REDELIVER ||
	    c == WLIPC__REQUEST__BODY_SEND_MESSAGE;
}

static struct wipc_replay *
replay_find(struct worker_ipc *w, uint64_t id,
    const uint8_t digest[WIPC_DIGEST_LEN])
{
	size_t i;

	for (i = 0; i < WORKER_IPC_REPLAY_SLOTS; i++)
		if (w->replay[i].reply != NULL && w->replay[i].id == id &&
		    memcmp(w->replay[i].digest, digest, WIPC_DIGEST_LEN) == 0)
			return &w->replay[i];
	return NULL;
}

/* Keeps buf (taken) as the answer to id; the oldest slot makes room. */
static void
replay_keep(struct worker_ipc *w, uint64_t id,
    const uint8_t digest[WIPC_DIGEST_LEN], uint8_t *buf, size_t len)
{
	struct wipc_replay *r = &w->replay[w->replay_next];

	w->replay_next = (w->replay_next + 1) % WORKER_IPC_REPLAY_SLOTS;
	free(r->reply);
	r->id = id;
	memcpy(r->digest, digest, WIPC_DIGEST_LEN);
	r->reply = buf;
	r->len = len;
}

static int
send_bytes(struct worker_ipc *w, const uint8_t *buf, size_t len)
{
	if (nn_send(w->rep, buf, len, NN_DONTWAIT) < 0)
		return -nn_errno();
	return 0;
}

static void	finish(struct worker_ipc *, struct wipc_answer *, uint64_t id,
		    const uint8_t digest[WIPC_DIGEST_LEN], bool keep);

/* Answers one decoded request, from the replay cache if it is a re-send. */
static void
answer(struct worker_ipc *w, const Wlipc__Request *rq, const uint8_t *raw,
    size_t rawlen)
{
	uint8_t digest[WIPC_DIGEST_LEN];
	struct wipc_replay *r;
	struct wipc_answer *a;
	bool keep = is_mutating(rq->body_case) && rq->id != 0;
	int rc;

	crypto_generichash(digest, sizeof(digest), raw, rawlen, NULL, 0);
	if (keep && (r = replay_find(w, rq->id, digest)) != NULL) {
		w->stats.replayed++;
		if ((rc = send_bytes(w, r->reply, r->len)) < 0)
			log_warn(rc, "ipc: replayed reply not sent");
		return;
	}
	if ((a = malloc(sizeof(*a))) == NULL) {
		log_warnx("ipc: out of memory answering a request");
		return;
	}
	answer_init(a, rq->id);
	handle(w, rq, a);
	if (a->deferred) {	/* save_done (worker_ipc_whitelist.c) sends it */
		w->pending->id = rq->id;
		memcpy(w->pending->digest, digest, WIPC_DIGEST_LEN);
		w->pending->keep = keep;
		return;
	}
	finish(w, a, rq->id, digest, keep);
}

void
wipc_pending_send(struct worker_ipc *w, struct wipc_pending *p)
{
	finish(w, p->a, p->id, p->digest, p->keep);
	free(p);
	if (w->reply_sent != NULL)
		w->reply_sent(w->reply_sent_arg);
}

/* Packs a's reply, sends it, keeps it for a re-send if keep; frees a. */
static void
finish(struct worker_ipc *w, struct wipc_answer *a, uint64_t id,
    const uint8_t digest[WIPC_DIGEST_LEN], bool keep)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if ((rc = ipc_reply_pack(&a->rep, &buf, &len)) < 0) {
		log_warn(rc, "ipc: reply not packed; answering ERR_INTERNAL");
		answer_fini(a);
		answer_init(a, id);
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
		    "the answer could not be built");
		if (ipc_reply_pack(&a->rep, &buf, &len) < 0)
			buf = NULL;
	}
	answer_fini(a);
	free(a);
	if (buf == NULL)
		return;
	if ((rc = send_bytes(w, buf, len)) < 0)
		log_warn(rc, "ipc: reply not sent; a re-send will be answered");
	if (keep && len <= WORKER_IPC_REPLAY_BYTES_MAX)
		replay_keep(w, id, digest, buf, len);
	else
		free(buf);
}

/* Bad bytes are answered, counted and logged sparingly (a flood stays quiet). */
static void
refuse(struct worker_ipc *w, const uint8_t *buf, size_t len, int rc)
{
	uint64_t n = ++w->stats.refused;
	int sent;

	if ((n & (n - 1)) == 0)
		log_warnx("ipc: request refused (%s); answered with an error "
		    "(%llu refused so far)", wl_strerror(rc),
		    (unsigned long long)n);
	if ((sent = ipc_reply_send_unpack_error(w->rep, buf, len, rc)) < 0)
		log_warn(sent, "ipc: error reply not sent");
}

int
worker_ipc_service(struct worker_ipc *w)
{
	Wlipc__Request *rq;
	void *msg;
	size_t len;
	int n, rc;

	/*
	 * A REP that reads again drops the reply it owes: while a save is
	 * under way the next request waits in the socket (its fd stays
	 * readable, so the loop comes back for it once the reply is sent).
	 */
	for (n = 0; n < WORKER_IPC_BATCH_MAX && w->pending == NULL; n++) {
		if ((rc = ipc_recv(w->rep, NN_DONTWAIT, &msg, &len)) < 0) {
			if (rc == -EAGAIN || rc == -EINTR)
				break;
			if (rc == -EMSGSIZE)	/* dropped; the REP stays up */
				continue;
			return rc;
		}
		w->stats.requests++;
		if ((rc = ipc_request_unpack(msg, len, &rq)) < 0)
			refuse(w, msg, len, rc);
		else {
			answer(w, rq, msg, len);
			ipc_request_free(rq);
		}
		ipc_msg_free(msg);
	}
	return n;
}
