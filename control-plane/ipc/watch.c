/* watch.c: event thread, cached view and SSE ring (see watch.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ipc.h"
#include "ipc/client.h"
#include "ipc/watch.h"
#include "log.h"

struct ctl_watch {
	pthread_t	 thread;
	int		 sub;
	struct ctl_ipc	*ping;
	pthread_mutex_t	 lock;		/* guards everything below */
	pthread_cond_t	 cond;		/* signalled on each new frame, stop */
	bool		 stopping;
	struct ctl_link_view view;
	uint64_t	 last_event_seq;
	char		*ring[CTL_SSE_RING];
	uint64_t	 seq;		/* frames queued so far */
};

/* Queue one frame; caller holds the lock. data is consumed. */
static void
ring_push_locked(struct ctl_watch *w, const char *event, json_t *data)
{
	char *body, *frame;
	size_t len;
	unsigned k;

	if (data == NULL)
		return;
	body = json_dumps(data, JSON_COMPACT);
	json_decref(data);
	if (body == NULL)
		return;
	len = strlen(event) + strlen(body) + 32;
	if ((frame = malloc(len)) != NULL) {
		snprintf(frame, len, "event: %s\ndata: %s\n\n", event, body);
		k = (unsigned)(w->seq % CTL_SSE_RING);
		free(w->ring[k]);
		w->ring[k] = frame;
		w->seq++;
		pthread_cond_broadcast(&w->cond);
	}
	free(body);
}

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
	if (old.have_state && old.state != v->state)
		view_note_change(v, old.state, v->state, clock_wall_ms());
	v->have_state = true;
	if (force || !old.have_state || old.state != v->state ||
	    strcmp(old.number, v->number) != 0 ||
	    old.qr_paused != v->qr_paused || pair_changed ||
	    old.last_reason != v->last_reason ||
	    old.next_attempt_ms != v->next_attempt_ms ||
	    strcmp(old.strategy, v->strategy) != 0)
		ring_push_locked(w, "state", ctl_view_state_json(v));
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
	ring_push_locked(w, "heartbeat", ctl_view_heartbeat_json(v));
	if (v->have_state && old != v->state) {
		view_note_change(v, old, v->state, clock_wall_ms());
		ring_push_locked(w, "state", ctl_view_state_json(v));
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
	ring_push_locked(w, "whitelist", json_pack("{s:i, s:o, s:o, s:b}",
	    "count", (json_int_t)c->count, "added", added, "removed", removed,
	    "replaced", c->has_replaced && c->replaced));
}

static void
watch_handle_event(struct ctl_watch *w, const Wlipc__Event *e)
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
		ring_push_locked(w, "qr", qr);
		break;
	case WLIPC__EVENT__BODY_QR_EXPIRED:
		ring_push_locked(w, "qr", json_pack("{s:b}", "expired", 1));
		break;
	case WLIPC__EVENT__BODY_WHITELIST:
		view_apply_whitelist_locked(w, e->whitelist);
		break;
	default:
		break;	/* message events: not shown by wa-control */
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
		log_info("worker reachable");
	else
		log_warnx("worker unreachable (no answer to get_state within "
		    "1 s); API answers 503");
	ring_push_locked(w, "worker", json_pack("{s:b}", "reachable", up));
	if (w->view.have_state)
		ring_push_locked(w, "state", ctl_view_state_json(&w->view));
}

static void
watch_ping(struct ctl_watch *w)
{
	Wlipc__Reply *rep = NULL;
	int rc;

	rc = ctl_ipc_call_empty(w->ping, WLIPC__REQUEST__BODY_GET_STATE, &rep);
	pthread_mutex_lock(&w->lock);
	if (rc == 0 && rep->body_case == WLIPC__REPLY__BODY_STATE) {
		watch_set_up_locked(w, true);
		view_apply_state_locked(w, rep->state, false);
	} else
		watch_set_up_locked(w, false);
	pthread_mutex_unlock(&w->lock);
	if (rep != NULL)
		ipc_reply_free(rep);
}

static void
watch_read_events(struct ctl_watch *w)
{
	Wlipc__Event *e;
	void *msg = NULL;
	size_t len;
	int rc;

	if (ipc_recv(w->sub, 0, &msg, &len) < 0)
		return;		/* timeout: time to ping again */
	rc = ipc_event_unpack(msg, len, &e);
	ipc_msg_free(msg);
	if (rc < 0)
		return;		/* undecodable or another version: dropped */
	watch_handle_event(w, e);
	ipc_event_free(e);
}

static void *
watch_main(void *arg)
{
	struct ctl_watch *w = arg;
	uint64_t next_ping = 0;
	bool stop = false;

	while (!stop) {
		if (clock_mono_ms() >= next_ping) {
			watch_ping(w);
			next_ping = clock_mono_ms() + CTL_WATCH_PING_MS;
		}
		watch_read_events(w);
		pthread_mutex_lock(&w->lock);
		stop = w->stopping;
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

int
ctl_watch_start(const char *events_url, const char *rpc_url,
    struct ctl_watch **out)
{
	struct ctl_watch *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if ((w->ping = ctl_ipc_new(rpc_url, CTL_WATCH_PING_TIMEOUT)) == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	if ((w->sub = ipc_connect_sub(events_url, CTL_WATCH_RECV_MS)) < 0) {
		rc = w->sub;
		goto out_ping;
	}
	if ((rc = pthread_create(&w->thread, NULL, watch_main, w)) != 0) {
		rc = -rc;
		goto out_sub;
	}
	*out = w;
	return 0;
out_sub:
	ipc_close(w->sub);
out_ping:
	ctl_ipc_free(w->ping);
out_free:
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return rc;
}

void
ctl_watch_end_streams(struct ctl_watch *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void
ctl_watch_stop(struct ctl_watch *w)
{
	size_t i;

	if (w == NULL)
		return;
	ctl_watch_end_streams(w);
	pthread_join(w->thread, NULL);
	ipc_close(w->sub);
	ctl_ipc_free(w->ping);
	for (i = 0; i < CTL_SSE_RING; i++)
		free(w->ring[i]);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
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

uint64_t
ctl_watch_seq(struct ctl_watch *w)
{
	uint64_t s;

	pthread_mutex_lock(&w->lock);
	s = w->seq;
	pthread_mutex_unlock(&w->lock);
	return s;
}

/* Concatenate frames [from, w->seq); caller holds the lock. */
static char *
ring_collect_locked(struct ctl_watch *w, uint64_t from)
{
	size_t len = 1, off = 0, n;
	uint64_t i;
	char *out;

	for (i = from; i < w->seq; i++)
		len += strlen(w->ring[i % CTL_SSE_RING]);
	if ((out = malloc(len)) == NULL)
		return NULL;
	for (i = from; i < w->seq; i++) {
		n = strlen(w->ring[i % CTL_SSE_RING]);
		memcpy(out + off, w->ring[i % CTL_SSE_RING], n);
		off += n;
	}
	out[off] = '\0';
	return out;
}

int
ctl_watch_wait(struct ctl_watch *w, uint64_t *seq, int timeout_ms, char **text)
{
	struct timespec until;
	int rc = 0;

	*text = NULL;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->stopping && w->seq == *seq &&
	    pthread_cond_timedwait(&w->cond, &w->lock, &until) == 0)
		;
	if (w->stopping)
		rc = -ESHUTDOWN;
	else if (w->seq - *seq > CTL_SSE_RING) {
		rc = -ESTALE;
		*seq = w->seq;
	} else if (w->seq != *seq) {
		*text = ring_collect_locked(w, *seq);
		*seq = w->seq;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}
