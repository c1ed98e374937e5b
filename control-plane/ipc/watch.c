/*
 * watch.c: one session's cached view, built from its worker's events and
 * get_state replies (watch.h); the hub's event thread calls in here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ipc/client.h"
#include "hub_impl.h"
#include "log.h"

static void
view_note_change(struct ctl_link_view *v, int from, int to, uint64_t t)
{
	struct ctl_view_change *c = &v->changes[v->change_head];

	c->t_ms = t;
	c->from = from;
	c->to = to;
	c->reason = v->last_reason;
	v->change_head = (v->change_head + 1) % CTL_VIEW_CHANGES;
	if (v->nchanges < CTL_VIEW_CHANGES)
		v->nchanges++;
}

static void
copy_text(char *dst, size_t cap, const char *src)
{
	if (src == NULL)
		src = "";
	strncpy(dst, src, cap - 1);
	dst[cap - 1] = '\0';
}

/* Digits only: anything else from the worker is not shown. */
static void
copy_number(char dst[PHONE_BUF], const char *src)
{
	size_t i;

	dst[0] = '\0';
	if (src == NULL || strlen(src) > PHONE_DIGITS_MAX)
		return;
	for (i = 0; src[i] != '\0'; i++)
		if (src[i] < '0' || src[i] > '9')
			return;
	memcpy(dst, src, i + 1);
}

/*
 * Apply a State (event or get_state reply); queue a "state" frame when
 * anything an operator sees changed, or always when force is set.
 */
static void
view_apply_state_locked(struct ctl_watch *w, const Wlipc__State *s, bool force)
{
	struct ctl_link_view *v = &w->view, old = w->view;
	bool pair_changed;
	size_t i;

	v->state = s->state;
	copy_number(v->number, s->connected_number);
	if (s->has_last_heartbeat_ms && s->last_heartbeat_ms > v->last_heartbeat_ms)
		v->last_heartbeat_ms = s->last_heartbeat_ms;
	if (s->has_rtt_ms && s->has_last_heartbeat_ms)
		v->rtt_ms = s->rtt_ms;
	v->since_ms = s->has_since_ms ? s->since_ms : 0;
	v->last_reason = s->has_last_reason ? (int)s->last_reason : 0;
	copy_text(v->strategy, sizeof(v->strategy), s->strategy);
	copy_text(v->detail, sizeof(v->detail), s->detail);
	v->next_attempt_ms = s->has_next_attempt_ms ? s->next_attempt_ms : 0;
	v->ban_until_ms = s->has_ban_until_ms ? s->ban_until_ms : 0;
	v->qr_paused = s->has_qr_paused && s->qr_paused;
	pair_changed = ctl_view_apply_pair_code(&v->pair_code, s->pair_code);
	for (i = 0; i < s->n_disconnects; i++)
		if ((int)s->disconnects[i]->reason >= 0 &&
		    s->disconnects[i]->reason < CTL_VIEW_REASONS)
			v->disconnects[s->disconnects[i]->reason] =
			    s->disconnects[i]->count;
	if (s->has_whitelist_count) {
		v->have_whitelist_count = true;
		v->whitelist_count = s->whitelist_count;
	}
	v->have_whitelist_rejected = s->has_whitelist_rejected;
	v->whitelist_rejected = s->whitelist_rejected;
	ctl_view_apply_stores(v->stores, &v->nstores, s);
	if (old.have_state && old.state != v->state)
		view_note_change(v, old.state, v->state, clock_wall_ms());
	v->have_state = true;
	if (force || !old.have_state || old.state != v->state ||
	    strcmp(old.number, v->number) != 0 ||
	    old.qr_paused != v->qr_paused || pair_changed ||
	    old.last_reason != v->last_reason ||
	    old.next_attempt_ms != v->next_attempt_ms ||
	    strcmp(old.strategy, v->strategy) != 0 ||
	    old.whitelist_rejected != v->whitelist_rejected)
		hub_push(w->hub, w, "state", ctl_view_state_json(v));
}

static void
view_apply_heartbeat_locked(struct ctl_watch *w, const Wlipc__Heartbeat *h)
{
	struct ctl_link_view *v = &w->view;
	int old = v->state;

	v->last_heartbeat_ms = h->timestamp_ms;
	v->rtt_ms = h->rtt_ms;
	v->rtts[v->rtt_head].t_ms = h->timestamp_ms;
	v->rtts[v->rtt_head].rtt_ms = h->rtt_ms;
	v->rtt_head = (v->rtt_head + 1) % CTL_VIEW_RTTS;
	if (v->nrtts < CTL_VIEW_RTTS)
		v->nrtts++;
	if (h->phone_number != NULL)
		copy_number(v->number, h->phone_number);
	v->state = h->state;
	hub_push(w->hub, w, "heartbeat", ctl_view_heartbeat_json(v));
	if (v->have_state && old != v->state) {
		view_note_change(v, old, v->state, clock_wall_ms());
		hub_push(w->hub, w, "state", ctl_view_state_json(v));
	}
}

static void
view_apply_whitelist_locked(struct ctl_watch *w, const Wlipc__WhitelistChanged *c)
{
	json_t *added = json_array(), *removed = json_array();
	size_t i;

	w->view.have_whitelist_count = true;
	w->view.whitelist_count = c->count;
	for (i = 0; i < c->n_added && i < 100; i++)
		json_array_append_new(added, json_string(c->added[i]));
	for (i = 0; i < c->n_removed && i < 100; i++)
		json_array_append_new(removed, json_string(c->removed[i]));
	hub_push(w->hub, w, "whitelist", json_pack("{s:i, s:o, s:o, s:b}",
	    "count", (json_int_t)c->count, "added", added, "removed", removed,
	    "replaced", c->has_replaced && c->replaced));
}

/* The same shape as GET /api/messages/:id's "message". */
static json_t *
watch_message_status_json(const Wlipc__MessageStatus *s)
{
	json_t *o = json_pack("{s:s, s:s?, s:s?, s:s, s:I}", "id", s->id,
	    "to", s->to, "type", s->type, "status", s->status,
	    "updatedAt", (json_int_t)s->updated_ms);

	if (o != NULL && s->has_error)
		json_object_set_new(o, "error", json_integer(s->error));
	return o;
}

void
watch_apply_event(struct ctl_watch *w, const Wlipc__Event *e)
{
	json_t *qr;

	pthread_mutex_lock(&w->lock);
	w->view.events_seen++;
	if (w->last_event_seq != 0 && e->seq > w->last_event_seq + 1)
		w->view.events_missed += e->seq - w->last_event_seq - 1;
	w->last_event_seq = e->seq;
	switch (e->body_case) {
	case WLIPC__EVENT__BODY_HEARTBEAT:
		view_apply_heartbeat_locked(w, e->heartbeat);
		break;
	case WLIPC__EVENT__BODY_STATE:
		view_apply_state_locked(w, e->state, false);
		break;
	case WLIPC__EVENT__BODY_QR:
		/* The code itself stays out of SSE: the page fetches the SVG. */
		qr = json_pack("{s:i, s:i, s:I, s:I}",
		    "round", (json_int_t)e->qr->round,
		    "refIndex", (json_int_t)e->qr->ref_index,
		    "expiresMs", (json_int_t)e->qr->expires_ms,
		    "seq", (json_int_t)e->seq);
		hub_push(w->hub, w, "qr", qr);
		break;
	case WLIPC__EVENT__BODY_QR_EXPIRED:
		hub_push(w->hub, w, "qr", json_pack("{s:b}", "expired", 1));
		break;
	case WLIPC__EVENT__BODY_WHITELIST:
		view_apply_whitelist_locked(w, e->whitelist);
		break;
	case WLIPC__EVENT__BODY_MESSAGE_STATUS:
		hub_push(w->hub, w, "message_status",
		    watch_message_status_json(e->message_status));
		break;
	case WLIPC__EVENT__BODY_MESSAGE:
		/* metadata only: the dashboard's Messages view */
		hub_push(w->hub, w, "message", json_pack("{s:s?, s:s?, s:b, "
		    "s:s?, s:I}", "id", e->message->id, "from", e->message->from,
		    "accepted", e->message->accepted, "reason",
		    e->message->reason, "time", (json_int_t)e->time_ms));
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&w->lock);
}

static void
watch_set_up_locked(struct ctl_watch *w, bool up)
{
	if (w->view.worker_up == up)
		return;
	w->view.worker_up = up;
	/* one line per transition: the decision point for "worker down" */
	if (up)
		log_info("session %s: worker reachable", w->id);
	else
		log_warnx("session %s: worker unreachable (no answer to "
		    "get_state within 1 s); its API answers 503", w->id);
	hub_push(w->hub, w, "worker", json_pack("{s:b}", "reachable", up));
	if (w->view.have_state)
		hub_push(w->hub, w, "state", ctl_view_state_json(&w->view));
}

void
watch_apply_ping(struct ctl_watch *w, const Wlipc__State *st)
{
	if (st->session != NULL && strcmp(st->session, w->id) != 0 &&
	    !w->tag_warned) {
		w->tag_warned = true;	/* event thread only */
		log_warnx("session %s: the worker calls itself '%s' "
		    "(--client-id); start it with --client-id %s or its events "
		    "cannot be told apart", w->id, st->session, w->id);
	}
	pthread_mutex_lock(&w->lock);
	watch_set_up_locked(w, true);
	view_apply_state_locked(w, st, false);
	pthread_mutex_unlock(&w->lock);
}

void
watch_set_down(struct ctl_watch *w)
{
	pthread_mutex_lock(&w->lock);
	watch_set_up_locked(w, false);
	pthread_mutex_unlock(&w->lock);
}

int
watch_init(struct ctl_watch *w, struct ctl_hub *hub, const char *id,
    const char *rpc_url, const char *events_url)
{
	memset(w, 0, sizeof(*w));
	w->hub = hub;
	w->ping_sock = -1;
	snprintf(w->id, sizeof(w->id), "%s", id);
	if ((size_t)snprintf(w->rpc_url, sizeof(w->rpc_url), "%s", rpc_url) >=
	    sizeof(w->rpc_url) || (size_t)snprintf(w->events_url,
	    sizeof(w->events_url), "%s", events_url) >= sizeof(w->events_url))
		return -ENAMETOOLONG;
	if ((w->ipc = ctl_ipc_new(rpc_url, CTL_IPC_TIMEOUT_MS)) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	return 0;
}

void
watch_destroy(struct ctl_watch *w)
{
	ipc_close(w->ping_sock);
	ctl_ipc_free(w->ipc);
	pthread_mutex_destroy(&w->lock);
}

int
ctl_watch_start(const char *events_url, const char *rpc_url,
    struct ctl_watch **out)
{
	struct ctl_hub *hub;
	struct ctl_watch *w;
	int rc;

	if ((rc = ctl_hub_new(1, &hub)) < 0)
		return rc;
	if ((rc = ctl_hub_add(hub, "default", rpc_url, events_url, &w)) < 0 ||
	    (rc = ctl_hub_start(hub)) < 0) {
		ctl_hub_free(hub);
		return rc;
	}
	w->owns_hub = true;
	*out = w;
	return 0;
}

void
ctl_watch_stop(struct ctl_watch *w)
{
	if (w != NULL && w->owns_hub)
		ctl_hub_free(w->hub);
}

void
ctl_watch_end_streams(struct ctl_watch *w)
{
	ctl_hub_end_streams(w->hub);
}

void
ctl_watch_view(struct ctl_watch *w, struct ctl_link_view *out)
{
	pthread_mutex_lock(&w->lock);
	*out = w->view;
	pthread_mutex_unlock(&w->lock);
}

bool
ctl_watch_worker_up(struct ctl_watch *w)
{
	bool up;

	pthread_mutex_lock(&w->lock);
	up = w->view.worker_up;
	pthread_mutex_unlock(&w->lock);
	return up;
}

void
ctl_watch_summary(struct ctl_watch *w, struct ctl_watch_summary *o)
{
	const struct ctl_link_view *v = &w->view;

	pthread_mutex_lock(&w->lock);
	o->worker_up = v->worker_up;
	o->have_state = v->have_state;
	o->qr_paused = v->qr_paused;
	o->have_whitelist_count = v->have_whitelist_count;
	o->state = v->state;
	o->last_reason = v->last_reason;
	memcpy(o->number, v->number, sizeof(o->number));
	o->last_heartbeat_ms = v->last_heartbeat_ms;
	o->since_ms = v->since_ms;
	o->rtt_ms = v->rtt_ms;
	o->whitelist_count = v->whitelist_count;
	memcpy(o->stores, v->stores, sizeof(o->stores));
	o->nstores = v->nstores;
	pthread_mutex_unlock(&w->lock);
}

const char *
ctl_watch_id(const struct ctl_watch *w)
{
	return w->id;
}

struct ctl_ipc *
ctl_watch_ipc(struct ctl_watch *w)
{
	return w->ipc;
}

struct ctl_hub *
ctl_watch_hub(struct ctl_watch *w)
{
	return w->hub;
}

uint64_t
ctl_watch_seq(struct ctl_watch *w)
{
	return ctl_hub_seq(w->hub);
}

int
ctl_watch_wait(struct ctl_watch *w, uint64_t *seq, int timeout_ms, char **text)
{
	return ctl_hub_wait(w->hub, w, seq, timeout_ms, text);
}
