/*
 * link_view.c: the snapshot of the link others read (struct link_view,
 * link.h) and its publication to the IPC layer. Reads struct link, writes
 * none of it.
 */
#include <stdio.h>
#include <string.h>

#include "store/creds.h"

#include "link_internal.h"

void
link_get_view(const struct link *l, struct link_view *v)
{
	memset(v, 0, sizeof(*v));
	v->state = l->state;
	v->last_reason = l->last_reason;
	creds_phone(l->creds, v->phone);
	if (l->creds->paired)
		snprintf(v->jid, sizeof(v->jid), "%s", l->creds->me_jid);
	v->started_ms = l->started_wall;
	v->since_ms = l->since_wall;
	v->last_heartbeat_ms = l->last_heartbeat_wall;
	v->rtt_ms = l->rtt_ms;
	v->next_attempt_ms = l->next_attempt_wall;
	v->ban_until_ms = l->state == LS_BANNED ? l->ban_until_wall : 0;
	v->qr_paused = l->qr.paused;
	memcpy(v->disconnects, l->policy.totals, sizeof(v->disconnects));
	snprintf(v->strategy, sizeof(v->strategy), "%s", l->strategy);
	snprintf(v->detail, sizeof(v->detail), "%s", l->detail);
	if (l->state == LS_QR && l->qr.has_qr && !l->qr.paused) {
		v->has_qr = true;
		snprintf(v->qr, sizeof(v->qr), "%s", l->qr.text);
		v->qr_expires_ms = l->qr.expires_wall;
		v->qr_round = l->qr.round;
		v->qr_ref_index = l->qr.ref_next;
	}
	link_code_view(&l->code, &v->code);
}

void
link_publish_state(struct link *l)
{
	struct link_view v;

	if (l->ev.state == NULL)
		return;
	link_get_view(l, &v);
	l->ev.state(l->ev.arg, &v);
}

const struct creds *
link_creds(const struct link *l)
{
	return l->creds;
}
