/*
 * watch.h: wa-control's picture of one worker (one session), kept by the
 * hub's event thread (hub.h) from the worker's events and its get_state
 * replies: the cached view behind GET /api/whatsapp/state, the worker's
 * reachability behind the 503 rule, and the SSE frames of this session.
 * Each session's view has its own lock, so reading one never waits on
 * another.
 *
 * ctl_watch_start() is the one-worker form (a hub of one session named
 * "default"), as wa-control ran before it served many.
 */
#ifndef WALINK_CTL_WATCH_H
#define WALINK_CTL_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc/view.h"

#define CTL_WATCH_PING_MS	500	/* liveness probe period, one session */
#define CTL_WATCH_PING_TIMEOUT	1000	/* unanswered this long: down (<= 1.5 s) */
#define CTL_WATCH_RECV_MS	100	/* longest wait of the event thread */
#define CTL_SSE_RING		256	/* frames kept for slow SSE readers */

struct ctl_watch;
struct ctl_ipc;
struct ctl_hub;

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
const char *ctl_watch_id(const struct ctl_watch *);
/* The pooled request sockets handlers use for this worker. */
struct ctl_ipc *ctl_watch_ipc(struct ctl_watch *);
struct ctl_hub *ctl_watch_hub(struct ctl_watch *);

/* The few fields the sessions list shows, copied under the lock. */
struct ctl_watch_summary {
	bool		worker_up, have_state, qr_paused, have_whitelist_count;
	int		state, last_reason;
	char		number[PHONE_BUF];
	uint64_t	last_heartbeat_ms, since_ms;
	uint32_t	rtt_ms, whitelist_count;
	struct ctl_view_store stores[CTL_VIEW_STORES];
	unsigned	nstores;
};
void	ctl_watch_summary(struct ctl_watch *, struct ctl_watch_summary *out);

/* The sequence number of the newest frame (a new SSE client starts here). */
uint64_t ctl_watch_seq(struct ctl_watch *);

/*
 * Waits up to timeout_ms for frames of this session newer than *seq and
 * returns them concatenated in *text (malloc'd; NULL on timeout),
 * advancing *seq. 0 on success or timeout; -ESTALE when frames were
 * overwritten before this reader got them (it should resend a snapshot);
 * -ESHUTDOWN when the server is stopping.
 */
int	ctl_watch_wait(struct ctl_watch *, uint64_t *seq, int timeout_ms,
	    char **text);

#endif
