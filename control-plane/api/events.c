/* events.c: GET /api/events, Server-Sent Events for the dashboard. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>

#include "api/handlers.h"
#include "auth/auth.h"
#include "http/server.h"
#include "ipc/hub.h"
#include "ipc/watch.h"

#define SSE_KEEPALIVE_MS	15000	/* under common proxy idle timeouts */
#define SSE_RECHECK_MS		500	/* a logged-out stream ends this soon */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A cookie stream lives as long as its session (logout, log out
 * everywhere, password change, expiry); a bearer stream as the token. */
static bool
sse_session_alive(struct ctl_req *r)
{
	char csrf[CTL_CSRF_LEN + 1];

	if (r->bearer || !r->session)
		return true;
	return ctl_auth_session_check(r->srv->auth, r->cookie,
	    (uint64_t)time(NULL), csrf) == 0;
}

/* The picture a new (or lagging) client starts from. */
static int
sse_snapshot(struct ctl_req *r)
{
	struct ctl_link_view v;
	json_t *st;
	char *text;
	int rc;

	if (r->watch == NULL)	/* every session: too many to replay */
		return mg_printf(r->conn, "event: resync\ndata: {\"sessions\":"
		    "%zu}\n\n", ctl_hub_count(r->srv->hub)) <= 0 ? -EPIPE : 0;
	ctl_watch_view(r->watch, &v);
	st = json_pack("{s:b, s:s}", "reachable", v.worker_up, "session",
	    ctl_watch_id(r->watch));
	text = st ? json_dumps(st, JSON_COMPACT) : NULL;
	json_decref(st);
	rc = mg_printf(r->conn, "event: worker\ndata: %s\n\n",
	    text ? text : "{}");
	free(text);
	if (rc <= 0 || !v.have_state)
		return rc <= 0 ? -EPIPE : 0;
	st = ctl_view_state_json(&v);
	if (st != NULL)
		json_object_set_new(st, "session",
		    json_string(ctl_watch_id(r->watch)));
	text = st ? json_dumps(st, JSON_COMPACT) : NULL;
	json_decref(st);
	rc = mg_printf(r->conn, "event: state\ndata: %s\n\n",
	    text ? text : "{}");
	free(text);
	return rc <= 0 ? -EPIPE : 0;
}

/*
 * ?session=ID picks another session's stream, ?session=* every session's
 * (frames carry "session"); 0 or the status sent.
 */
static int
pick_sessions(struct ctl_req *r)
{
	const char *q = r->ri->query_string;
	char want[CTL_PARAM_MAX + 1];

	if (q == NULL || mg_get_var(q, strlen(q), "session", want,
	    sizeof(want)) <= 0)
		return 0;
	if (strcmp(want, "*") == 0) {
		r->watch = NULL;
		return 0;
	}
	if ((r->watch = ctl_hub_find(r->srv->hub, want)) == NULL)
		return ctl_reply_error(r, 404, "no such session");
	return 0;
}

int
api_events(struct ctl_req *r)
{
	uint64_t seq, last_write;
	char *text;
	int rc;

	if (pick_sessions(r) != 0)
		return r->status;

	if (atomic_fetch_add(&r->srv->sse_streams, 1) >= CTL_SSE_MAX) {
		atomic_fetch_sub(&r->srv->sse_streams, 1);
		return ctl_reply_error(r, 503, "too many live event streams "
		    "(at most 32): close other dashboard tabs");
	}
	seq = ctl_hub_seq(r->srv->hub);
	mg_printf(r->conn, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/event-stream\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Accel-Buffering: no\r\n"
	    "Connection: close\r\n"
	    CTL_SECURITY_HEADERS "\r\n"
	    "retry: 2000\n\n");
	r->status = 200;
	if (sse_snapshot(r) < 0)
		goto out_count;
	last_write = now_ms();
	for (;;) {
		rc = ctl_hub_wait(r->srv->hub, r->watch, &seq,
		    SSE_RECHECK_MS, &text);
		if (rc == -ESHUTDOWN)
			break;
		if (!sse_session_alive(r)) {
			free(rc == -ESTALE ? NULL : text);
			break;
		}
		if (rc == -ESTALE) {
			if (sse_snapshot(r) < 0)
				break;
			last_write = now_ms();
			continue;
		}
		if (text == NULL) {	/* no event within SSE_RECHECK_MS */
			if (now_ms() - last_write < SSE_KEEPALIVE_MS)
				continue;
			rc = mg_printf(r->conn, ": keepalive\n\n");
		} else {
			rc = mg_write(r->conn, text, strlen(text));
			free(text);
		}
		if (rc <= 0)
			break;	/* the client went away */
		last_write = now_ms();
	}
out_count:
	atomic_fetch_sub(&r->srv->sse_streams, 1);
	/* The stream has no length: only the end of the connection ends it
	 * for the browser (no keep-alive wait). */
	ctl_reply_close_now(r);
	return 200;
}
