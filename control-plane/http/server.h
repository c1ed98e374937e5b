/*
 * server.h: wa-control's HTTP server (civetweb). One handler takes every
 * path: it matches the route table, caps the body, applies the auth and
 * CSRF gate and the worker-down gate, then calls the route's handler.
 */
#ifndef WALINK_CTL_SERVER_H
#define WALINK_CTL_SERVER_H

#include <limits.h>
#include <signal.h>
#include <stdatomic.h>

#include "api/metrics.h"
#include "http/hosts.h"

#define CTL_URL_MAX		(PATH_MAX + 32)
/*
 * Threads: every connection holds one while civetweb reads its head, so
 * there are enough for a few hundred slow clients at once (each costs
 * ~30 KiB resident: civetweb's 100 KiB stacks are mostly untouched).
 */
#define CTL_HTTP_THREADS	"256"
#define CTL_SSE_MAX		32	/* so API requests always find a thread */
#define CTL_HEAD_TIMEOUT_MS	"5000"	/* whole request head, one deadline */
#define CTL_BODY_DEADLINE_MS	5000	/* body, plus at most one 5 s wait */

struct ctl_config {
	char	listen[128];		/* civetweb listening_ports form */
	char	data_dir[PATH_MAX];	/* absolute */
	char	cp_dir[PATH_MAX];	/* DIR/control-plane */
	char	rpc_url[CTL_URL_MAX];
	char	events_url[CTL_URL_MAX];
	struct ctl_hosts hosts;		/* Host names answered (else 421) */
	char	sessions_dir[PATH_MAX];		/* "" when not given */
	char	sessions_file[PATH_MAX];	/* "" when not given */
};

struct ctl_server {
	const struct ctl_config	*cfg;
	struct ctl_auth		*auth;
	struct ctl_ipc		*ipc;
	struct ctl_watch	*watch;	/* the default session at start */
	struct ctl_budget	*budget;	/* http/budget.h */
	struct ctl_hub		*hub;	/* every session */
	struct ctl_metrics	 metrics;
	atomic_int		 sse_streams;
	volatile sig_atomic_t	*stop;
};

/* Serves until *stop is set. 0, or -errno when civetweb cannot start. */
int	ctl_server_run(struct ctl_server *);

#endif
