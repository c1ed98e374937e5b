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

#define CTL_URL_MAX		(PATH_MAX + 32)
#define CTL_HTTP_THREADS	"64"	/* each SSE client holds one */
#define CTL_SSE_MAX		32	/* so API requests always find a thread */

struct ctl_config {
	char	listen[128];		/* civetweb listening_ports form */
	char	data_dir[PATH_MAX];	/* absolute */
	char	cp_dir[PATH_MAX];	/* DIR/control-plane */
	char	rpc_url[CTL_URL_MAX];
	char	events_url[CTL_URL_MAX];
	char	sessions_dir[PATH_MAX];		/* "" when not given */
	char	sessions_file[PATH_MAX];	/* "" when not given */
};

struct ctl_server {
	const struct ctl_config	*cfg;
	struct ctl_auth		*auth;
	struct ctl_ipc		*ipc;
	struct ctl_watch	*watch;	/* the default session at start */
	struct ctl_hub		*hub;	/* every session */
	struct ctl_metrics	 metrics;
	atomic_int		 sse_streams;
	volatile sig_atomic_t	*stop;
};

/* Serves until *stop is set. 0, or -errno when civetweb cannot start. */
int	ctl_server_run(struct ctl_server *);

#endif
