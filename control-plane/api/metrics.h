/*
 * metrics.h: request counters (by route and status) and the Prometheus
 * text of GET /metrics. Counters are atomics: civetweb threads bump them
 * without a lock. ctl_metrics_render() is pure (view and counters in).
 */
#ifndef WALINK_CTL_METRICS_H
#define WALINK_CTL_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "http/route.h"
#include "ipc/view.h"

#define CTL_METRICS_NSTATUS	18	/* the statuses wa-control sends, + other */
#define CTL_METRICS_MAX		(64u * 1024)	/* rendered text ceiling */

struct ctl_metrics {
	_Atomic uint64_t	req[RT__MAX][CTL_METRICS_NSTATUS];
};

void	ctl_metrics_count(struct ctl_metrics *, enum ctl_route, int status);
/* Prometheus text exposition 0.0.4; malloc'd, NULL on ENOMEM. */
char	*ctl_metrics_render(const struct ctl_metrics *,
	    const struct ctl_link_view *, int sse_streams);

/*
 * Every session's link series with a session label (metrics_sessions.c);
 * malloc'd, NULL on ENOMEM.
 */
struct ctl_hub;
char	*ctl_metrics_render_sessions(struct ctl_hub *);

#endif
