/*
 * hub_impl.h: the hub's and the sessions' insides, shared by hub.c (the
 * registry, the event thread, the pings, the frame ring) and watch.c (one
 * session's view). Nothing outside control-plane/ipc/ includes it.
 */
#ifndef WALINK_CTL_HUB_IMPL_H
#define WALINK_CTL_HUB_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>
#include <nanomsg/nn.h>

#include "ipc.h"
#include "ipc/hub.h"
#include "ipc/watch.h"

struct ctl_watch {
	struct ctl_hub	*hub;
	uint32_t	 index;		/* in hub->sessions */
	char		 id[CTL_SESSION_ID_MAX + 1];
	char		 rpc_url[IPC_URL_MAX + 256];
	char		 events_url[IPC_URL_MAX + 256];
	struct ctl_ipc	*ipc;		/* handlers' request sockets */
	bool		 owns_hub;	/* made by ctl_watch_start() */
	pthread_mutex_t	 lock;		/* guards view and last_event_seq */
	struct ctl_link_view view;
	uint64_t	 last_event_seq;
	/* event thread only */
	uint64_t	 next_ping;	/* monotonic ms */
	bool		 pinging;
	int		 ping_sock;	/* kept between pings, or -1 */
	bool		 events_pending;	/* SUB not connected yet (hub_ping.c) */
	bool		 tag_warned;
};

struct hub_frame {
	char		*text;
	uint32_t	 session;	/* index of the session it is about */
};

struct hub_ping {
	struct ctl_watch *s;
	int		 sock;
	uint64_t	 id;
	uint64_t	 deadline;	/* monotonic ms */
	uint8_t		*buf;		/* packed request until sent */
	size_t		 len;
};

struct ctl_hub {
	pthread_t	 thread;
	bool		 running;
	int		 sub;
	/* registry: appended under reg_lock, read without it */
	pthread_mutex_t	 reg_lock;
	struct ctl_watch **sessions;
	size_t		 cap;
	_Atomic size_t	 n;
	_Atomic uint32_t *slots;	/* id hash: index + 1, 0 empty */
	size_t		 nslots;	/* power of two, >= 2 * cap */
	char		*src_dir, *src_file;
	int		 pool_max;	/* handlers' idle sockets per session */
	uint64_t	 next_rescan;
	/* event thread only */
	struct hub_ping	 pings[CTL_HUB_INFLIGHT_MAX];
	size_t		 npings;
	size_t		 cursor;	/* next session to ping */
	/* frames */
	pthread_mutex_t	 lock;		/* guards everything below */
	pthread_cond_t	 cond;		/* signalled on each new frame, stop */
	bool		 stopping;
	struct hub_frame ring[CTL_HUB_RING];
	uint64_t	 seq;		/* frames queued so far */
};

/* watch.c: apply what a worker said; s->lock is taken inside. */
void	watch_apply_event(struct ctl_watch *, const Wlipc__Event *);
void	watch_apply_ping(struct ctl_watch *, const Wlipc__State *st);
void	watch_set_down(struct ctl_watch *);
int	watch_init(struct ctl_watch *, struct ctl_hub *, const char *id,
	    const char *rpc_url, const char *events_url);
void	watch_destroy(struct ctl_watch *);

/* hub_ping.c: called by the event thread only. */
void	hub_ping_due(struct ctl_hub *, uint64_t now);
void	hub_ping_service(struct ctl_hub *, struct nn_pollfd *pf, uint64_t now);
void	hub_ping_end(struct ctl_hub *, size_t i, bool ok);
int	hub_next_wait(struct ctl_hub *, uint64_t now);	/* ms, <= CTL_WATCH_RECV_MS */
int	hub_events_connect(struct ctl_hub *, struct ctl_watch *);

/* hub_ring.c: queue one frame of session s ("session" is added); data consumed. */
void	hub_push(struct ctl_hub *, const struct ctl_watch *s,
	    const char *event, json_t *data);

#endif
