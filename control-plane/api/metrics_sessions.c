/*
 * metrics_sessions.c: the per-session part of GET /metrics. Thousands of
 * sessions make megabytes, so the text grows as needed, and the state
 * gauge names only each session's current state (one series per session
 * instead of twelve).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/metrics.h"
#include "ipc/hub.h"
#include "ipc/watch.h"

struct buf {
	char	*p;
	size_t	 len, cap;
	bool	 failed;
};

static void bprintf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *np;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((np = realloc(b->p, b->cap * 2 + (size_t)n)) == NULL) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

/* Prometheus wants each family's series together: one pass per family. */
char *
ctl_metrics_render_sessions(struct ctl_hub *hub)
{
	size_t i, n = ctl_hub_count(hub);
	unsigned k;
	struct buf b = { malloc(4096), 0, 4096, false };
	struct ctl_watch_summary *m = calloc(n ? n : 1, sizeof(*m));
	const char **id = calloc(n ? n : 1, sizeof(*id));

	if (b.p == NULL || m == NULL || id == NULL) {
		free(b.p);
		free(m);
		free((void *)id);
		return NULL;
	}
	b.p[0] = '\0';
	for (i = 0; i < n; i++) {
		ctl_watch_summary(ctl_hub_at(hub, i), &m[i]);
		id[i] = ctl_watch_id(ctl_hub_at(hub, i));	/* [A-Za-z0-9_-] */
	}
	bprintf(&b, "# HELP walink_session_up 1 when the session's worker "
	    "answers IPC.\n# TYPE walink_session_up gauge\n");
	for (i = 0; i < n; i++)
		bprintf(&b, "walink_session_up{session=\"%s\"} %d\n", id[i],
		    m[i].worker_up ? 1 : 0);
	bprintf(&b, "# HELP walink_session_state The session's link state "
	    "(one series, the current state).\n"
	    "# TYPE walink_session_state gauge\n");
	for (i = 0; i < n; i++)
		bprintf(&b, "walink_session_state{session=\"%s\",state=\"%s\"} "
		    "1\n", id[i], m[i].have_state ?
		    ctl_view_state_name(m[i].state) : "unknown");
	bprintf(&b, "# HELP walink_session_heartbeat_last_seconds Unix time of "
	    "the session's last heartbeat.\n"
	    "# TYPE walink_session_heartbeat_last_seconds gauge\n");
	for (i = 0; i < n; i++)
		bprintf(&b, "walink_session_heartbeat_last_seconds{session=\"%s\"}"
		    " %" PRIu64 ".%03u\n", id[i], m[i].last_heartbeat_ms / 1000,
		    (unsigned)(m[i].last_heartbeat_ms % 1000));
	bprintf(&b, "# HELP walink_session_heartbeat_rtt_ms Last keepalive "
	    "round trip.\n# TYPE walink_session_heartbeat_rtt_ms gauge\n");
	for (i = 0; i < n; i++)
		bprintf(&b, "walink_session_heartbeat_rtt_ms{session=\"%s\"} %"
		    PRIu32 "\n", id[i], m[i].rtt_ms);
	bprintf(&b, "# HELP walink_session_whitelist_size Numbers on the "
	    "session's whitelist.\n# TYPE walink_session_whitelist_size gauge\n");
	for (i = 0; i < n; i++)
		bprintf(&b, "walink_session_whitelist_size{session=\"%s\"} %"
		    PRIu32 "\n", id[i], m[i].whitelist_count);
	bprintf(&b, "# HELP walink_session_message_store_evicted_total Kept "
	    "entries dropped because a message store was full.\n"
	    "# TYPE walink_session_message_store_evicted_total counter\n");
	for (i = 0; i < n; i++)
		for (k = 0; k < m[i].nstores; k++)
			bprintf(&b, "walink_session_message_store_evicted_total{"
			    "session=\"%s\",store=\"%s\"} %" PRIu64 "\n", id[i],
			    m[i].stores[k].name, m[i].stores[k].evicted);
	bprintf(&b, "# HELP walink_session_message_store_refused_total "
	    "Admissions refused because a message store was full of entries "
	    "in use.\n# TYPE walink_session_message_store_refused_total "
	    "counter\n");
	for (i = 0; i < n; i++)
		for (k = 0; k < m[i].nstores; k++)
			bprintf(&b, "walink_session_message_store_refused_total{"
			    "session=\"%s\",store=\"%s\"} %" PRIu64 "\n", id[i],
			    m[i].stores[k].name, m[i].stores[k].refused);
	free(m);
	free((void *)id);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
