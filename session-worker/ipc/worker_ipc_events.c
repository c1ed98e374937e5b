/*
 * worker_ipc_events.c: the State message and the PUB side (worker_ipc.h).
 * Events are built on the stack from the link's view and handed to
 * ipc_publish(), which sends with NN_DONTWAIT: a missing or slow
 * subscriber costs a counted drop, never a wait (DESIGN.md "IPC").
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "whitelist/whitelist.h"
#include "worker_ipc_impl.h"

/* link_state.h promises the wire numbering; hold it to that. */
_Static_assert((int)LS_OUTDATED == (int)WLIPC__LINK_STATE__LS_OUTDATED &&
    (int)LS_QR == (int)WLIPC__LINK_STATE__LS_QR,
    "enum link_state must match wlipc.LinkState");
_Static_assert((int)LS_PASSKEY == (int)WLIPC__LINK_STATE__LS_PASSKEY_REQUIRED,
    "enum link_state must match wlipc.LinkState");
_Static_assert((int)LS_SERVER_FAILURE == (int)WLIPC__LINK_STATE__LS_SERVER_FAILURE &&
    (int)LS__MAX == (int)WLIPC__LINK_STATE__LS_SERVER_FAILURE + 1,
    "enum link_state must match wlipc.LinkState");
_Static_assert((int)REASON_UNKNOWN == (int)WLIPC__REASON__REASON_UNKNOWN &&
    (int)REASON_LOGOUT == (int)WLIPC__REASON__REASON_LOGOUT,
    "enum link_reason must match wlipc.Reason");

/* The link's view, or "starting" while no link is attached yet. */
void
wipc_view(struct worker_ipc *w, struct link_view *v)
{
	memset(v, 0, sizeof(*v));
	if (w->ops != NULL && w->ops->get_view != NULL) {
		w->ops->get_view(w->ctx, v);
		return;
	}
	v->state = LS_STARTING;
	v->started_ms = v->since_ms = w->opened_ms;
}

/* Strings in st point into v: v must outlive the packing. */
void
wipc_state_fill(const struct worker_ipc *w, const struct link_view *v,
    struct wipc_state *s)
{
	Wlipc__State *st = &s->st;
	size_t r;

	wlipc__state__init(st);
	st->state = (Wlipc__LinkState)v->state;
	if (v->phone[0] != '\0')
		st->connected_number = (char *)v->phone;
	if (v->jid[0] != '\0')
		st->device_jid = (char *)v->jid;
	if (v->last_heartbeat_ms != 0) {
		st->has_last_heartbeat_ms = st->has_rtt_ms = true;
		st->last_heartbeat_ms = v->last_heartbeat_ms;
		st->rtt_ms = v->rtt_ms;
	}
	st->has_since_ms = st->has_last_reason = true;
	st->since_ms = v->since_ms;
	st->last_reason = (Wlipc__Reason)v->last_reason;
	if (v->strategy[0] != '\0')
		st->strategy = (char *)v->strategy;
	st->has_next_attempt_ms = true;
	st->next_attempt_ms = v->next_attempt_ms;
	if (v->ban_until_ms != 0) {
		st->has_ban_until_ms = true;
		st->ban_until_ms = v->ban_until_ms;
	}
	st->has_qr_paused = true;
	st->qr_paused = v->qr_paused;
	for (r = REASON_NONE + 1; r < REASON__MAX; r++) {
		if (v->disconnects[r] == 0)
			continue;
		wlipc__reason_count__init(&s->rc[st->n_disconnects]);
		s->rc[st->n_disconnects].reason = (Wlipc__Reason)r;
		s->rc[st->n_disconnects].count = v->disconnects[r];
		s->rcp[st->n_disconnects] = &s->rc[st->n_disconnects];
		st->n_disconnects++;
	}
	st->disconnects = s->rcp;
	if (w->wl != NULL) {
		st->has_whitelist_count = true;
		st->whitelist_count = (uint32_t)whitelist_count(w->wl);
		st->has_whitelist_rejected = true;
		st->whitelist_rejected =
		    (uint32_t)whitelist_report(w->wl)->rejected;
	}
	if (v->detail[0] != '\0')
		st->detail = (char *)v->detail;
	if (v->code.status != LCS_NONE) {
		wipc_pair_code_fill(v, &s->pc);
		st->pair_code = &s->pc;
	}
	st->has_pid = st->has_started_ms = true;
	st->pid = (uint64_t)getpid();
	st->started_ms = v->started_ms;
	if (w->session[0] != '\0')
		st->session = (char *)w->session;
	if (w->msg != NULL)
		wipc_stores_fill(w->msg, s);
}

/* The message stores' counters; names are static strings. */
void
wipc_stores_fill(const struct msg *m, struct wipc_state *s)
{
	struct msg_store_count c[MSG_STORES];
	size_t i, n = msg_store_counts(m, c);

	for (i = 0; i < n; i++) {
		wlipc__store_count__init(&s->sc[i]);
		s->sc[i].store = (char *)c[i].store;
		s->sc[i].evicted = c[i].evicted;
		s->sc[i].refused = c[i].refused;
		s->scp[i] = &s->sc[i];
	}
	s->st.n_stores = n;
	s->st.stores = s->scp;
}

void
worker_ipc_set_session(struct worker_ipc *w, const char *name)
{
	snprintf(w->session, sizeof(w->session), "%s", name);
}

void
wipc_publish(struct worker_ipc *w, Wlipc__Event *ev)
{
	if (w->session[0] != '\0')
		ev->session = w->session;
	(void)ipc_publish(&w->pub, ev);	/* counted in pub.dropped */
}

void
worker_ipc_on_state(void *arg, const struct link_view *v)
{
	struct worker_ipc *w = arg;
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	struct wipc_state s;

	wipc_state_fill(w, v, &s);
	ev.body_case = WLIPC__EVENT__BODY_STATE;
	ev.state = &s.st;
	wipc_publish(w, &ev);
}

void
worker_ipc_on_heartbeat(void *arg, const struct link_view *v)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__Heartbeat hb = WLIPC__HEARTBEAT__INIT;

	if (v->phone[0] != '\0')
		hb.phone_number = (char *)v->phone;
	hb.state = (Wlipc__LinkState)v->state;
	hb.rtt_ms = v->rtt_ms;
	hb.timestamp_ms = v->last_heartbeat_ms != 0 ? v->last_heartbeat_ms :
	    clock_wall_ms();
	ev.body_case = WLIPC__EVENT__BODY_HEARTBEAT;
	ev.heartbeat = &hb;
	wipc_publish(arg, &ev);
}

void
worker_ipc_on_qr(void *arg, const struct link_view *v)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__Qr qr = WLIPC__QR__INIT;

	if (!v->has_qr)
		return;
	qr.code = (char *)v->qr;
	qr.has_expires_ms = qr.has_round = qr.has_ref_index = true;
	qr.expires_ms = v->qr_expires_ms;
	qr.round = v->qr_round;
	qr.ref_index = v->qr_ref_index;
	ev.body_case = WLIPC__EVENT__BODY_QR;
	ev.qr = &qr;
	wipc_publish(arg, &ev);
}

void
worker_ipc_on_qr_expired(void *arg, const struct link_view *v)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__Empty empty = WLIPC__EMPTY__INIT;

	(void)v;
	ev.body_case = WLIPC__EVENT__BODY_QR_EXPIRED;
	ev.qr_expired = &empty;
	wipc_publish(arg, &ev);
}

void
worker_ipc_link_events(struct worker_ipc *w, struct link_events *ev)
{
	ev->state = worker_ipc_on_state;
	ev->heartbeat = worker_ipc_on_heartbeat;
	ev->qr = worker_ipc_on_qr;
	ev->qr_expired = worker_ipc_on_qr_expired;
	ev->arg = w;
}

void
worker_ipc_publish_whitelist_reloaded(struct worker_ipc *w)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__WhitelistChanged ch = WLIPC__WHITELIST_CHANGED__INIT;

	ch.count = w->wl != NULL ? (uint32_t)whitelist_count(w->wl) : 0;
	ch.has_replaced = ch.replaced = true;
	ev.body_case = WLIPC__EVENT__BODY_WHITELIST;
	ev.whitelist = &ch;
	wipc_publish(w, &ev);
}

void
worker_ipc_publish_message(struct worker_ipc *w,
    const struct worker_ipc_message *m)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__MessageSeen ms = WLIPC__MESSAGE_SEEN__INIT;

	ms.accepted = m->accepted;
	ms.from = (char *)m->from;
	ms.id = (char *)m->id;
	ms.reason = (char *)m->reason;
	if (m->t_ms != 0) {
		ms.has_t = true;
		ms.t = m->t_ms;
	}
	ev.body_case = WLIPC__EVENT__BODY_MESSAGE;
	ev.message = &ms;
	wipc_publish(w, &ev);
	wipc_inbound_note(w, m);
}

void
worker_ipc_publish_send_failed(struct worker_ipc *w,
    const struct worker_ipc_send_failed *f)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__SendFailed sf = WLIPC__SEND_FAILED__INIT;

	sf.id = (char *)f->id;
	sf.to = (char *)f->to;
	sf.error = f->error > 0 ? (uint32_t)f->error : 0;
	ev.body_case = WLIPC__EVENT__BODY_SEND_FAILED;
	ev.send_failed = &sf;
	wipc_publish(w, &ev);
}

void
worker_ipc_publish_message_status(struct worker_ipc *w,
    const struct worker_ipc_message_status *s)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	Wlipc__MessageStatus ms = WLIPC__MESSAGE_STATUS__INIT;

	wipc_message_status_fill(&ms, s);
	ev.body_case = WLIPC__EVENT__BODY_MESSAGE_STATUS;
	ev.message_status = &ms;
	wipc_publish(w, &ev);
}
