/*
 * hub.h: every worker wa-control watches ("sessions"), and the one event
 * thread that watches them all. A session is one wa-worker (one WhatsApp
 * account) named by an id, reached on its request (REP) and event (PUB)
 * URLs. The thread listens to every worker's events on one SUB socket
 * (events carry the worker's --client-id, so they can be told apart),
 * pings each worker with get_state without ever waiting on one of them
 * (requests are non-blocking and polled together, so a slow or dead
 * worker delays nobody) and turns every change into a Server-Sent Events
 * frame in one ring, tagged with its session.
 *
 * nanomsg allows 512 sockets per process, so sessions cannot each keep a
 * socket: with many sessions a ping opens a socket and closes it after.
 * The ping period grows with the number of sessions to keep the total at
 * CTL_HUB_PINGS_PER_SEC: 500 ms for up to 50 sessions (as with one), 10 s
 * for 1 000; a worker that dies is shown unreachable within one period
 * plus CTL_WATCH_PING_TIMEOUT.
 *
 * Sessions are only ever added (from a directory of data dirs or a list
 * file, both re-read every CTL_HUB_RESCAN_MS); readers find them without
 * a lock.
 */
#ifndef WALINK_CTL_HUB_H
#define WALINK_CTL_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/watch.h"

#define CTL_SESSION_ID_MAX	64	/* [A-Za-z0-9_-], as wa-worker --client-id */
#define CTL_HUB_RING		4096	/* SSE frames kept across all sessions */
#define CTL_HUB_PINGS_PER_SEC	100	/* get_state pings, all sessions together */
#define CTL_HUB_INFLIGHT_MAX	64	/* pings waiting for an answer at once */
#define CTL_HUB_KEEP_SOCKETS	100	/* up to this many sessions keep sockets */
#define CTL_HUB_RESCAN_MS	10000	/* re-read the sessions dir and file */
#define CTL_HUB_SESSIONS_MAX	20000	/* default capacity */

struct ctl_hub;

/* Where sessions come from; any field may be empty. */
struct ctl_hub_sources {
	const char	*dir;	/* DIR/<id>/run/worker.{rpc,events} */
	const char	*file;	/* lines "ID RPC_URL EVENTS_URL", # comments */
};

int	ctl_hub_new(size_t capacity, struct ctl_hub **out);
/* Reads the sources now and again every CTL_HUB_RESCAN_MS; 0 or -errno. */
int	ctl_hub_set_sources(struct ctl_hub *, const struct ctl_hub_sources *);
/*
 * Adds one session (before or after start). -EEXIST for a known id,
 * -EINVAL for a bad id or URL, -ENOSPC past the capacity.
 */
int	ctl_hub_add(struct ctl_hub *, const char *id, const char *rpc_url,
	    const char *events_url, struct ctl_watch **out);
int	ctl_hub_start(struct ctl_hub *);
void	ctl_hub_end_streams(struct ctl_hub *);
void	ctl_hub_free(struct ctl_hub *);		/* stops the thread; NULL-safe */

bool	ctl_session_id_ok(const char *id);

size_t	ctl_hub_count(struct ctl_hub *);
struct ctl_watch *ctl_hub_at(struct ctl_hub *, size_t i);
struct ctl_watch *ctl_hub_find(struct ctl_hub *, const char *id);
/* The session the seed's routes serve: "default" if declared, else the first. */
struct ctl_watch *ctl_hub_default(struct ctl_hub *);
uint64_t ctl_hub_ping_period_ms(struct ctl_hub *);

/*
 * The newest frame's sequence number, and a wait for newer frames as in
 * ctl_watch_wait(): only frames of session only (NULL: every session).
 */
uint64_t ctl_hub_seq(struct ctl_hub *);
int	ctl_hub_wait(struct ctl_hub *, const struct ctl_watch *only,
	    uint64_t *seq, int timeout_ms, char **text);

#endif
