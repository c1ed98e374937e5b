/*
 * watch.h: the control plane's one event thread. It subscribes to the
 * worker's PUB socket, pings the worker with get_state every
 * CTL_WATCH_PING_MS (so "worker unreachable" is known within ~1.5 s even
 * though heartbeats come only every 30 s), keeps the cached view (view.h)
 * and turns every event into a Server-Sent Events frame in a ring that
 * the SSE handlers read. The view and the ring are guarded by one mutex
 * and a condition variable; this is the only shared state in wa-control
 * besides the auth tables.
 */
#ifndef WALINK_CTL_WATCH_H
#define WALINK_CTL_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc/view.h"

#define CTL_WATCH_PING_MS	500	/* liveness probe period */
#define CTL_WATCH_PING_TIMEOUT	1000	/* unanswered this long: down (<= 1.5 s) */
#define CTL_WATCH_RECV_MS	100	/* longest wait for an event between pings */
#define CTL_SSE_RING		256	/* frames kept for slow SSE readers */

struct ctl_watch;

int	ctl_watch_start(const char *events_url, const char *rpc_url,
	    struct ctl_watch **out);
void	ctl_watch_stop(struct ctl_watch *);	/* joins the thread; NULL-safe */
/*
 * Wakes every ctl_watch_wait() with -ESHUTDOWN (and stops the thread), so
 * SSE handlers return and civetweb's mg_stop() does not wait on them.
 */
void	ctl_watch_end_streams(struct ctl_watch *);

void	ctl_watch_view(struct ctl_watch *, struct ctl_link_view *out);
bool	ctl_watch_worker_up(struct ctl_watch *);

/* The sequence number of the newest frame (a new SSE client starts here). */
uint64_t ctl_watch_seq(struct ctl_watch *);

/*
 * Waits up to timeout_ms for frames newer than *seq and returns them
 * concatenated in *text (malloc'd; NULL on timeout), advancing *seq.
 * 0 on success or timeout; -ESTALE when frames were overwritten before
 * this reader got them (it should resend a snapshot); -ESHUTDOWN when
 * the server is stopping.
 */
int	ctl_watch_wait(struct ctl_watch *, uint64_t *seq, int timeout_ms,
	    char **text);

#endif
