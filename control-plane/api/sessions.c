/*
 * sessions.c: GET /api/sessions and GET /api/sessions/:id, from the
 * cached views (no IPC), so a list of thousands answers in milliseconds.
 */
#include <string.h>

#include "api/handlers.h"
#include "clock.h"
#include "http/server.h"
#include "ipc/hub.h"
#include "ipc/watch.h"

#define LS_QR		2
#define LS_LOGGED_OUT	8
#define LS_CONFLICT	9
#define LS_BANNED	10
#define LS_OUTDATED	11
#define LS_PASSKEY	12
#define LS_SERVER_FAILURE	13

/* The states where the link waits for a person (DESIGN.md, probe exit 2). */
static bool
needs_person(const struct ctl_watch_summary *m)
{
	if (!m->worker_up)
		return true;
	if (!m->have_state)
		return false;
	return m->state == LS_QR || m->state == LS_LOGGED_OUT ||
	    m->state == LS_CONFLICT || m->state == LS_BANNED ||
	    m->state == LS_OUTDATED || m->state == LS_PASSKEY ||
	    m->state == LS_SERVER_FAILURE;
}

static json_t *
iso_or_null(uint64_t ms)
{
	char buf[CLOCK_ISO_LEN];

	return ms != 0 && clock_iso8601(ms, buf) ? json_string(buf) : json_null();
}

static const char *
shown_state(const struct ctl_watch_summary *m)
{
	if (!m->worker_up)
		return "unreachable";
	return m->have_state ? ctl_view_state_name(m->state) : "unknown";
}

static json_t *
session_json(struct ctl_watch *w, struct ctl_watch_summary *m)
{
	json_t *o;

	ctl_watch_summary(w, m);
	o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:b, s:b}",
	    "id", ctl_watch_id(w),
	    "state", shown_state(m),
	    "linkState", m->have_state ? ctl_view_state_name(m->state) : "unknown",
	    "workerReachable", m->worker_up,
	    "number", m->number[0] ? json_string(m->number) : json_null(),
	    "lastHeartbeat", iso_or_null(m->last_heartbeat_ms),
	    "qrPaused", m->qr_paused,
	    "needsAttention", needs_person(m));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "rttMs", m->last_heartbeat_ms ?
	    json_integer(m->rtt_ms) : json_null());
	json_object_set_new(o, "whitelistCount", m->have_whitelist_count ?
	    json_integer(m->whitelist_count) : json_null());
	json_object_set_new(o, "since", iso_or_null(m->since_ms));
	json_object_set_new(o, "reason", m->last_reason ?
	    json_string(ctl_view_reason_name(m->last_reason)) : json_null());
	return o;
}

int
api_sessions(struct ctl_req *r)
{
	struct ctl_hub *hub = r->srv->hub;
	struct ctl_watch_summary m;
	json_t *list = json_array(), *counts = json_object(), *c;
	struct ctl_watch *w;
	size_t i, n = ctl_hub_count(hub), attention = 0;
	const char *st;

	if (list == NULL || counts == NULL) {
		json_decref(list);
		json_decref(counts);
		return ctl_reply_error(r, 500, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if ((w = ctl_hub_at(hub, i)) == NULL)
			break;
		json_array_append_new(list, session_json(w, &m));
		st = shown_state(&m);
		c = json_object_get(counts, st);
		json_object_set_new(counts, st, json_integer(c ?
		    json_integer_value(c) + 1 : 1));
		attention += needs_person(&m);
	}
	return ctl_reply_json(r, 200, json_pack("{s:b, s:I, s:I, s:o, s:s, s:I, "
	    "s:o}", "success", 1, "total", (json_int_t)json_array_size(list),
	    "needAttention", (json_int_t)attention, "counts", counts,
	    "default", ctl_hub_default(hub) ?
	    ctl_watch_id(ctl_hub_default(hub)) : "",
	    "pingPeriodMs", (json_int_t)ctl_hub_ping_period_ms(hub),
	    "sessions", list));
}

int
api_session_one(struct ctl_req *r)
{
	struct ctl_watch_summary m;
	struct ctl_watch *w = ctl_hub_find(r->srv->hub, r->param);

	if (w == NULL)
		return ctl_reply_error(r, 404, "no such session");
	return ctl_reply_json(r, 200, json_pack("{s:b, s:o}", "success", 1,
	    "session", session_json(w, &m)));
}
