/*
 * worker_ipc_webhook.c: the dead-letter requests (issue 13): list what
 * --hook-url could not deliver, and send one again. Metadata only: event
 * bodies hold message text and never leave the worker this way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "webhook/webhook.h"
#include "worker_ipc_impl.h"

void
worker_ipc_set_webhook(struct worker_ipc *w, struct webhook *wh)
{
	w->wh = wh;
}

static void
dead_list(struct worker_ipc *w, struct wipc_answer *a)
{
	size_t n, i;

	a->whd_raw = calloc(WEBHOOK_DEAD_MAX, sizeof(*a->whd_raw));
	if (a->whd_raw == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL, "out of memory");
		return;
	}
	n = webhook_dead_list(w->wh, a->whd_raw, WEBHOOK_DEAD_MAX);
	a->whd_items = calloc(n > 0 ? n : 1, sizeof(*a->whd_items));
	a->whd_ptrs = calloc(n > 0 ? n : 1, sizeof(*a->whd_ptrs));
	if (a->whd_items == NULL || a->whd_ptrs == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		Wlipc__WebhookDead *d = &a->whd_items[i];

		wlipc__webhook_dead__init(d);
		d->id = a->whd_raw[i].id;
		d->created_ms = a->whd_raw[i].created * 1000;
		d->failed_ms = a->whd_raw[i].failed * 1000;
		d->attempts = a->whd_raw[i].attempts;
		d->status = a->whd_raw[i].status;
		if (a->whd_raw[i].error[0] != '\0')
			d->error = a->whd_raw[i].error;
		a->whd_ptrs[i] = d;
	}
	wlipc__webhook_dead_list__init(&a->whd);
	a->whd.n_dead = n;
	a->whd.dead = a->whd_ptrs;
	a->whd.count = (uint32_t)n;
	a->rep.body_case = WLIPC__REPLY__BODY_WEBHOOK_DEAD;
	a->rep.webhook_dead = &a->whd;
}

static void
redeliver(struct worker_ipc *w, const char *id, struct wipc_answer *a)
{
	char shown[WIPC_INPUT_SHOWN + 4];
	int rc;

	if ((rc = webhook_redeliver(w->wh, id)) == 0) {
		wipc_answer_done(a);
		return;
	}
	wipc_clip(id, shown);
	if (rc == -ENOENT)
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_NOT_FOUND,
		    "no dead letter %s", shown);
	else
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
		    "cannot deliver %s again", shown);
}

void
wipc_webhook_handle(struct worker_ipc *w, const Wlipc__Request *rq,
    struct wipc_answer *a)
{
	if (w->wh == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
		    "no --hook-url: there are no webhooks");
		return;
	}
	if (rq->body_case == WLIPC__REQUEST__BODY_WEBHOOK_DEAD_LIST)
		dead_list(w, a);
	else
		redeliver(w, rq->webhook_redeliver, a);
}

void
wipc_webhook_answer_fini(struct wipc_answer *a)
{
	free(a->whd_raw);
	free(a->whd_items);
	free(a->whd_ptrs);
	a->whd_raw = NULL;
	a->whd_items = NULL;
	a->whd_ptrs = NULL;
}
