/*
 * worker_ipc_messages.c: the message requests (issue 13, POST
 * /api/messages and GET /api/messages[/:id]). A send is checked against
 * the worker's own whitelist here: wa-control's word is never enough to
 * write to a number. Lists are metadata only; bodies never leave the
 * worker this way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "clock.h"
#include "log.h"
#include "message/msg.h"
#include "message/msg_answer.h"
#include "whitelist/whitelist.h"
#include "wl_error.h"
#include "worker_ipc_impl.h"

/* A send request's JSON: a hook answer is small; media go by path. */
#define WIPC_SEND_JSON_MAX	(64u * 1024)
#define WIPC_LIST_DEFAULT	50
#define WIPC_LIST_MAX		200

void
worker_ipc_set_messages(struct worker_ipc *w, struct msg *m,
    struct msg_status_tab *st)
{
	w->msg = m;
	w->status = st;
}

void
wipc_inbound_note(struct worker_ipc *w, const struct worker_ipc_message *m)
{
	struct wipc_inbound *e;

	if (m->id == NULL)
		return;
	e = &w->inbound[w->inbound_next];
	w->inbound_next = (w->inbound_next + 1) % WORKER_IPC_INBOUND_MAX;
	if (w->inbound_n < WORKER_IPC_INBOUND_MAX)
		w->inbound_n++;
	snprintf(e->id, sizeof(e->id), "%s", m->id);
	snprintf(e->from, sizeof(e->from), "%s", m->from ? m->from : "");
	snprintf(e->reason, sizeof(e->reason), "%s", m->reason ? m->reason : "");
	e->accepted = m->accepted;
	e->t_ms = clock_wall_ms();
}

void
wipc_message_status_fill(Wlipc__MessageStatus *ms,
    const struct worker_ipc_message_status *s)
{
	ms->id = (char *)s->id;
	ms->to = (char *)s->to;
	ms->type = (char *)s->type;
	ms->status = (char *)s->status;
	if (strcmp(s->status, "failed") == 0) {
		ms->has_error = true;
		ms->error = s->error;
	}
	ms->updated_ms = s->updated_ms;
	ms->has_created_ms = true;
	ms->created_ms = s->created_ms;
}

/* The reply's MessageStatus from a record (copied into the answer). */
static void
answer_status(struct wipc_answer *a, const struct msg_status_rec *r)
{
	struct worker_ipc_message_status s = {
		.id = r->id, .to = r->to[0] ? r->to : NULL,
		.type = r->type[0] ? r->type : NULL,
		.status = msg_out_status_name(r->status), .error = r->code,
		.updated_ms = r->updated_ms, .created_ms = r->created_ms,
	};

	if ((a->mrecs = malloc(sizeof(*a->mrecs))) == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
		    "out of memory");
		return;
	}
	*a->mrecs = *r;
	s.id = a->mrecs->id;
	s.to = a->mrecs->to[0] ? a->mrecs->to : NULL;
	s.type = a->mrecs->type[0] ? a->mrecs->type : NULL;
	wlipc__message_status__init(&a->mstat);
	wipc_message_status_fill(&a->mstat, &s);
	a->rep.body_case = WLIPC__REPLY__BODY_MESSAGE_STATUS;
	a->rep.message_status = &a->mstat;
}

static void
send_message(struct worker_ipc *w, const Wlipc__SendMessage *sm,
    struct wipc_answer *a)
{
	char digits[PHONE_BUF], shown[WIPC_INPUT_SHOWN + 4], id[MSG_ID_MAX];
	char type[MSG_SEND_TYPE_MAX], bad[MSG_SEND_WHY_MAX] = "";
	struct msg_status_rec r;
	const char *why = NULL;
	int rc;

	if (w->wl == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
		    "no whitelist: this worker sends nothing");
		return;
	}
	if (phone_normalise(sm->to, digits, &why) < 0) {
		wipc_clip(sm->to, shown);
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER,
		    "\"to\" %s is not a phone number: %s", shown,
		    why ? why : "invalid");
		return;
	}
	if (!whitelist_has(w->wl, digits)) {
		log_info("ipc: send to %s refused: not whitelisted", digits);
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_NOT_ALLOWED,
		    "%s is not whitelisted: the bot writes to whitelisted "
		    "numbers only", digits);
		return;
	}
	if (w->msg == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
		    "messaging is still starting; try again shortly");
		return;
	}
	if (strlen(sm->json) > WIPC_SEND_JSON_MAX) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_BAD_REQUEST,
		    "the message is larger than %u bytes", WIPC_SEND_JSON_MAX);
		return;
	}
	/* the same shapes as a hook's answer (msg_answer.h, issue 13) */
	rc = msg_send_request(w->msg, digits, sm->json, strlen(sm->json), id,
	    type, bad);
	if (rc == -EINVAL || rc == -EMSGSIZE || rc == -ENODATA) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_BAD_REQUEST,
		    "%s", bad[0] != '\0' ? bad : rc == -ENODATA ?
		    "the message is empty" : "the text is too long or holds a NUL");
		return;
	}
	if (rc == -EPERM) {	/* the whitelist changed in between */
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_NOT_ALLOWED,
		    "%s is not whitelisted", digits);
		return;
	}
	if (rc == -EBUSY) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_BUSY,
		    "too many messages in flight; try again shortly");
		return;
	}
	if (rc < 0) {
		log_warn(rc, "ipc: send to %s failed", digits);
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
		    "the message could not be queued: %s", wl_strerror(rc));
		return;
	}
	msg_status_set_type(w->msg, id, type);
	log_info("ipc: message %s to %s queued (send API)", id, digits);
	if (w->status != NULL && msg_status_tab_get(w->status, id, &r)) {
		answer_status(a, &r);
		return;
	}
	/* no table (tests): the id alone */
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.to, sizeof(r.to), "%s", digits);
	snprintf(r.type, sizeof(r.type), "%s", type);
	r.updated_ms = r.created_ms = clock_wall_ms();
	answer_status(a, &r);
}

static void
get_message(struct worker_ipc *w, const char *id, struct wipc_answer *a)
{
	char shown[WIPC_INPUT_SHOWN + 4];
	struct msg_status_rec r;

	if (w->status == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
		    "message statuses are not kept by this worker");
		return;
	}
	if (!msg_status_tab_get(w->status, id, &r)) {
		wipc_clip(id, shown);
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_NOT_FOUND,
		    "no message %s among the last %u sent", shown,
		    MSG_STATUS_MAX);
		return;
	}
	answer_status(a, &r);
}

static int
by_time_desc(const void *x, const void *y)
{
	const Wlipc__MessageMeta *a = x, *b = y;

	return a->time_ms < b->time_ms ? 1 : a->time_ms > b->time_ms ? -1 : 0;
}

static void
list_messages(struct worker_ipc *w, const Wlipc__ListMessages *lm,
    struct wipc_answer *a)
{
	size_t limit = WIPC_LIST_DEFAULT, nout = 0, n = 0, i, k;
	uint64_t before = lm->has_before_ms ? lm->before_ms : 0;

	if (lm->has_limit && lm->limit > 0)
		limit = lm->limit < WIPC_LIST_MAX ? lm->limit : WIPC_LIST_MAX;
	a->mrecs = calloc(limit, sizeof(*a->mrecs));
	a->mitems = calloc(limit + WORKER_IPC_INBOUND_MAX, sizeof(*a->mitems));
	a->mptrs = calloc(limit + WORKER_IPC_INBOUND_MAX, sizeof(*a->mptrs));
	if (a->mrecs == NULL || a->mitems == NULL || a->mptrs == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
		    "out of memory");
		return;
	}
	if (w->status != NULL)
		nout = msg_status_tab_list(w->status, before, a->mrecs, limit);
	for (i = 0; i < nout; i++) {
		Wlipc__MessageMeta *m = &a->mitems[n++];
		const struct msg_status_rec *r = &a->mrecs[i];

		wlipc__message_meta__init(m);
		m->id = (char *)r->id;
		m->outbound = true;
		m->peer = r->to[0] ? (char *)r->to : NULL;
		m->type = r->type[0] ? (char *)r->type : NULL;
		m->status = (char *)msg_out_status_name(r->status);
		if (r->status == MSG_OUT_FAILED) {
			m->has_error = true;
			m->error = r->code;
		}
		m->time_ms = r->updated_ms;
	}
	for (i = 0; i < w->inbound_n; i++) {
		const struct wipc_inbound *e;
		Wlipc__MessageMeta *m;

		k = (w->inbound_next + WORKER_IPC_INBOUND_MAX - 1 - i) %
		    WORKER_IPC_INBOUND_MAX;
		e = &w->inbound[k];
		if (before != 0 && e->t_ms >= before)
			continue;
		m = &a->mitems[n++];
		wlipc__message_meta__init(m);
		m->id = (char *)e->id;
		m->outbound = false;
		m->peer = e->from[0] ? (char *)e->from : NULL;
		m->status = e->accepted ? "accepted" : "refused";
		m->reason = e->reason[0] ? (char *)e->reason : NULL;
		m->time_ms = e->t_ms;
	}
	qsort(a->mitems, n, sizeof(*a->mitems), by_time_desc);
	if (n > limit)
		n = limit;
	for (i = 0; i < n; i++)
		a->mptrs[i] = &a->mitems[i];
	wlipc__message_list__init(&a->mlist);
	a->mlist.n_messages = n;
	a->mlist.messages = a->mptrs;
	a->rep.body_case = WLIPC__REPLY__BODY_MESSAGES;
	a->rep.messages = &a->mlist;
}

void
wipc_messages_handle(struct worker_ipc *w, const Wlipc__Request *rq,
    struct wipc_answer *a)
{
	switch (rq->body_case) {
	case WLIPC__REQUEST__BODY_SEND_MESSAGE:
		send_message(w, rq->send_message, a);
		break;
	case WLIPC__REQUEST__BODY_GET_MESSAGE:
		get_message(w, rq->get_message, a);
		break;
	default:
		list_messages(w, rq->list_messages, a);
		break;
	}
}

void
wipc_messages_answer_fini(struct wipc_answer *a)
{
	free(a->mrecs);
	free(a->mitems);
	free(a->mptrs);
	a->mrecs = NULL;
	a->mitems = NULL;
	a->mptrs = NULL;
}
