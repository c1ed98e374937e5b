/* metrics.c: counters and Prometheus text (see metrics.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/metrics.h"

static const int statuses[CTL_METRICS_NSTATUS] = {
	200, 201, 400, 401, 403, 404, 405, 408, 409, 411, 413, 414, 421, 429,
	500, 502, 503,
	0	/* anything else */
};

void
ctl_metrics_count(struct ctl_metrics *m, enum ctl_route rt, int status)
{
	int i;

	if ((int)rt < 0 || rt >= RT__MAX)
		rt = RT_NONE;
	for (i = 0; i < CTL_METRICS_NSTATUS - 1; i++)
		if (statuses[i] == status)
			break;
	atomic_fetch_add_explicit(&m->req[rt][i], 1, memory_order_relaxed);
}

struct out {
	char	*buf;
	size_t	 len;
	int	 overflow;
};

static void out_printf(struct out *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, CTL_METRICS_MAX - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= CTL_METRICS_MAX - o->len)
		o->overflow = 1;
	else
		o->len += (size_t)n;
}

static void
render_stores(struct out *o, const struct ctl_view_store *s, unsigned n)
{
	unsigned i;

	out_printf(o, "# HELP walink_message_store_evicted_total Kept entries "
	    "(acked sends, lapsed auto-reply marks) dropped because a message "
	    "store was full.\n"
	    "# TYPE walink_message_store_evicted_total counter\n");
	for (i = 0; i < n; i++)
		out_printf(o, "walink_message_store_evicted_total{store=\"%s\"} %"
		    PRIu64 "\n", s[i].name, s[i].evicted);
	out_printf(o, "# HELP walink_message_store_refused_total Admissions "
	    "refused because a message store was full of entries in use "
	    "(sends not yet acked, LID holds).\n"
	    "# TYPE walink_message_store_refused_total counter\n");
	for (i = 0; i < n; i++)
		out_printf(o, "walink_message_store_refused_total{store=\"%s\"} %"
		    PRIu64 "\n", s[i].name, s[i].refused);
}

static void
render_link(struct out *o, const struct ctl_link_view *v)
{
	int s, r;

	out_printf(o, "# HELP walink_worker_up 1 when the worker answers IPC.\n"
	    "# TYPE walink_worker_up gauge\nwalink_worker_up %d\n",
	    v->worker_up ? 1 : 0);
	out_printf(o, "# HELP walink_link_state 1 for the current link state.\n"
	    "# TYPE walink_link_state gauge\n");
	for (s = 0; s < CTL_VIEW_STATES; s++)
		out_printf(o, "walink_link_state{state=\"%s\"} %d\n",
		    ctl_view_state_name(s), v->have_state && v->state == s);
	out_printf(o, "# HELP walink_reconnects_total Link disconnects by reason.\n"
	    "# TYPE walink_reconnects_total counter\n");
	for (r = 1; r < CTL_VIEW_REASONS; r++)
		out_printf(o, "walink_reconnects_total{reason=\"%s\"} %" PRIu32
		    "\n", ctl_view_reason_name(r), v->disconnects[r]);
	out_printf(o, "# HELP walink_heartbeat_rtt_ms Last keepalive round trip.\n"
	    "# TYPE walink_heartbeat_rtt_ms gauge\nwalink_heartbeat_rtt_ms %"
	    PRIu32 "\n", v->rtt_ms);
	out_printf(o, "# HELP walink_heartbeat_last_seconds Unix time of the "
	    "last heartbeat.\n# TYPE walink_heartbeat_last_seconds gauge\n"
	    "walink_heartbeat_last_seconds %" PRIu64 ".%03u\n",
	    v->last_heartbeat_ms / 1000, (unsigned)(v->last_heartbeat_ms % 1000));
	out_printf(o, "# HELP walink_whitelist_size Numbers on the whitelist.\n"
	    "# TYPE walink_whitelist_size gauge\nwalink_whitelist_size %" PRIu32
	    "\n", v->whitelist_count);
	render_stores(o, v->stores, v->nstores);
	out_printf(o, "# HELP walink_ipc_events_missed_total Worker events lost "
	    "(sequence gaps).\n# TYPE walink_ipc_events_missed_total counter\n"
	    "walink_ipc_events_missed_total %" PRIu64 "\n", v->events_missed);
}

char *
ctl_metrics_render(const struct ctl_metrics *m, const struct ctl_link_view *v,
    int sse_streams)
{
	struct out o = { malloc(CTL_METRICS_MAX), 0, 0 };
	const struct ctl_route_def *d;
	uint64_t n;
	int rt, i;

	if (o.buf == NULL)
		return NULL;
	o.buf[0] = '\0';
	render_link(&o, v);
	out_printf(&o, "# HELP walink_sse_clients Open dashboard event streams.\n"
	    "# TYPE walink_sse_clients gauge\nwalink_sse_clients %d\n",
	    sse_streams);
	out_printf(&o, "# HELP walink_ipc_events_total Worker events received.\n"
	    "# TYPE walink_ipc_events_total counter\nwalink_ipc_events_total %"
	    PRIu64 "\n", v->events_seen);
	out_printf(&o, "# HELP walink_http_requests_total HTTP requests by "
	    "route and status.\n# TYPE walink_http_requests_total counter\n");
	for (rt = 0; rt < RT__MAX; rt++) {
		d = ctl_route_def((enum ctl_route)rt);
		for (i = 0; i < CTL_METRICS_NSTATUS; i++) {
			n = atomic_load_explicit(&m->req[rt][i],
			    memory_order_relaxed);
			if (n == 0)
				continue;
			if (statuses[i] != 0)
				out_printf(&o, "walink_http_requests_total{route="
				    "\"%s\",status=\"%d\"} %" PRIu64 "\n",
				    d->name, statuses[i], n);
			else
				out_printf(&o, "walink_http_requests_total{route="
				    "\"%s\",status=\"other\"} %" PRIu64 "\n",
				    d->name, n);
		}
	}
	if (o.overflow) {	/* cannot happen with today's table; be safe */
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
