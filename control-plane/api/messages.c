/*
 * messages.c: sends the bot starts (POST /api/messages), sent messages'
 * statuses (GET /api/messages/:id), the recent list the dashboard shows
 * (GET /api/messages) and --hook-url's dead letters (issue 13). Every
 * answer is the worker's: it checks the whitelist itself, so a number
 * wa-control let through is still refused there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "api/body.h"
#include "api/handlers.h"
#include "http/server.h"
#include "ipc/client.h"

#define LIST_LIMIT_MAX	200

/* The worker's refusal as HTTP: 403 for a number not whitelisted. */
static int
refused(struct ctl_req *r, Wlipc__Reply *rep)
{
	int st;

	switch (rep->error->code) {
	case WLIPC__ERROR_CODE__ERR_NOT_ALLOWED:	st = 403; break;
	case WLIPC__ERROR_CODE__ERR_BAD_REQUEST:
	case WLIPC__ERROR_CODE__ERR_INVALID_NUMBER:	st = 400; break;
	case WLIPC__ERROR_CODE__ERR_NOT_FOUND:		st = 404; break;
	case WLIPC__ERROR_CODE__ERR_UNAVAILABLE:	st = 503; break;
	case WLIPC__ERROR_CODE__ERR_BUSY:		st = 429; break;
	default:					st = 500; break;
	}
	st = st == 429 ? ctl_reply_error_h(r, st, rep->error->message ?
	    rep->error->message : "busy", "Retry-After: 2\r\n") :
	    ctl_reply_error(r, st, rep->error->message ?
	    rep->error->message : "the worker refused the request");
	ipc_reply_free(rep);
	return st;
}

/*
 * One round trip to the worker whose answer must be of kind want: 0 with
 * *out (the caller frees it), or the HTTP status of the error already
 * answered (worker down, a refusal, a reply of another kind).
 */
static int
ask(struct ctl_req *r, Wlipc__Request *req, Wlipc__Reply__BodyCase want,
    Wlipc__Reply **out)
{
	Wlipc__Reply *rep;
	int rc;

	*out = NULL;
	if ((rc = ctl_ipc_call(r->ipc, req, &rep)) < 0)
		return api_worker_error(r, rc);
	if (rep->error != NULL)
		return refused(r, rep);
	if (want != WLIPC__REPLY__BODY__NOT_SET && rep->body_case != want) {
		ipc_reply_free(rep);
		return ctl_reply_error(r, 502, "worker sent an invalid reply");
	}
	*out = rep;
	return 0;
}

static json_t *
status_json(const Wlipc__MessageStatus *s)
{
	json_t *o = json_pack("{s:s, s:s?, s:s?, s:s, s:I}", "id", s->id,
	    "to", s->to, "type", s->type, "status", s->status,
	    "updatedAt", (json_int_t)s->updated_ms);

	if (o != NULL && s->has_error)
		json_object_set_new(o, "error", json_integer(s->error));
	if (o != NULL && s->has_created_ms)
		json_object_set_new(o, "createdAt",
		    json_integer((json_int_t)s->created_ms));
	return o;
}

int
api_messages_send(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__SendMessage sm = WLIPC__SEND_MESSAGE__INIT;
	char digits[PHONE_BUF], err[CTL_ERR_MAX], *json;
	Wlipc__Reply *rep;
	json_t *o;
	int rc;

	if (ctl_body_parse_message(r->body, r->body_len, digits, &json,
	    err) < 0)
		return ctl_reply_error(r, 400, err);
	sm.to = digits;
	sm.json = json;
	req.body_case = WLIPC__REQUEST__BODY_SEND_MESSAGE;
	req.send_message = &sm;
	rc = ask(r, &req, WLIPC__REPLY__BODY_MESSAGE_STATUS, &rep);
	free(json);
	if (rc != 0)
		return rc;
	o = json_pack("{s:b, s:s, s:o}", "success", 1, "id",
	    rep->message_status->id, "message",
	    status_json(rep->message_status));
	ipc_reply_free(rep);
	return ctl_reply_json(r, 200, o);
}

int
api_message_one(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Reply *rep;
	json_t *o;
	int rc;

	req.body_case = WLIPC__REQUEST__BODY_GET_MESSAGE;
	req.get_message = r->param;
	if ((rc = ask(r, &req, WLIPC__REPLY__BODY_MESSAGE_STATUS, &rep)) != 0)
		return rc;
	o = json_pack("{s:b, s:o}", "success", 1, "message",
	    status_json(rep->message_status));
	ipc_reply_free(rep);
	return ctl_reply_json(r, 200, o);
}

/* ?name=digits -> value; 0 when absent, -EINVAL when not a number. */
static int
query_u64(struct ctl_req *r, const char *name, unsigned long long *out)
{
	const char *q = r->ri->query_string;
	char v[32], *end;

	*out = 0;
	if (q == NULL || mg_get_var(q, strlen(q), name, v, sizeof(v)) <= 0)
		return 0;
	if (v[0] < '0' || v[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno != 0 || *end != '\0' ? -EINVAL : 0;
}

int
api_messages_list(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__ListMessages lm = WLIPC__LIST_MESSAGES__INIT;
	unsigned long long limit, before;
	Wlipc__Reply *rep;
	json_t *arr, *o;
	size_t i;
	int rc;

	if (query_u64(r, "limit", &limit) < 0 || limit > LIST_LIMIT_MAX ||
	    query_u64(r, "before", &before) < 0)
		return ctl_reply_error(r, 400, "limit must be 1..200 and before "
		    "a time in Unix milliseconds");
	if (limit > 0) {
		lm.has_limit = true;
		lm.limit = (uint32_t)limit;
	}
	if (before > 0) {
		lm.has_before_ms = true;
		lm.before_ms = before;
	}
	req.body_case = WLIPC__REQUEST__BODY_LIST_MESSAGES;
	req.list_messages = &lm;
	if ((rc = ask(r, &req, WLIPC__REPLY__BODY_MESSAGES, &rep)) != 0)
		return rc;
	arr = json_array();
	for (i = 0; i < rep->messages->n_messages; i++) {
		const Wlipc__MessageMeta *m = rep->messages->messages[i];

		o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:I}",
		    "id", m->id, "direction", m->outbound ? "out" : "in",
		    m->outbound ? "to" : "from", m->peer, "type", m->type,
		    "status", m->status, "time", (json_int_t)m->time_ms);
		if (o != NULL && m->has_error)
			json_object_set_new(o, "error", json_integer(m->error));
		if (o != NULL && m->reason != NULL)
			json_object_set_new(o, "reason", json_string(m->reason));
		json_array_append_new(arr, o);
	}
	ipc_reply_free(rep);
	return ctl_reply_json(r, 200, json_pack("{s:b, s:o}", "success", 1,
	    "messages", arr));
}

int
api_webhooks_dead(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Empty empty = WLIPC__EMPTY__INIT;
	Wlipc__Reply *rep;
	json_t *arr, *o;
	size_t i;
	int rc;

	req.body_case = WLIPC__REQUEST__BODY_WEBHOOK_DEAD_LIST;
	req.webhook_dead_list = &empty;
	if ((rc = ctl_ipc_call(r->ipc, &req, &rep)) < 0)
		return api_worker_error(r, rc);
	if (rep->error != NULL) {
		/* no --hook-url: nothing can be dead; an empty list, said so */
		if (rep->error->code == WLIPC__ERROR_CODE__ERR_UNAVAILABLE) {
			ipc_reply_free(rep);
			return ctl_reply_json(r, 200, json_pack("{s:b, s:b, s:i, "
			    "s:[]}", "success", 1, "webhooks", 0, "count", 0,
			    "dead"));
		}
		return refused(r, rep);
	}
	if (rep->body_case != WLIPC__REPLY__BODY_WEBHOOK_DEAD) {
		ipc_reply_free(rep);
		return ctl_reply_error(r, 502, "worker sent an invalid reply");
	}
	arr = json_array();
	for (i = 0; i < rep->webhook_dead->n_dead; i++) {
		const Wlipc__WebhookDead *d = rep->webhook_dead->dead[i];

		o = json_pack("{s:s, s:I, s:I, s:i, s:i}", "id", d->id,
		    "createdAt", (json_int_t)d->created_ms,
		    "failedAt", (json_int_t)d->failed_ms,
		    "attempts", (json_int_t)d->attempts,
		    "status", (json_int_t)d->status);
		if (o != NULL && d->error != NULL)
			json_object_set_new(o, "error", json_string(d->error));
		json_array_append_new(arr, o);
	}
	o = json_pack("{s:b, s:b, s:i, s:o}", "success", 1, "webhooks", 1,
	    "count", (json_int_t)rep->webhook_dead->count, "dead", arr);
	ipc_reply_free(rep);
	return ctl_reply_json(r, 200, o);
}

int
api_webhooks_redeliver(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Reply *rep;
	int rc;

	req.body_case = WLIPC__REQUEST__BODY_WEBHOOK_REDELIVER;
	req.webhook_redeliver = r->param;
	if ((rc = ask(r, &req, WLIPC__REPLY__BODY__NOT_SET, &rep)) != 0)
		return rc;
	ipc_reply_free(rep);
	return ctl_reply_json(r, 200, json_pack("{s:b, s:s}", "success", 1,
	    "message", "queued for delivery again"));
}
