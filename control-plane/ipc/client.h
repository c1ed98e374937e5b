/*
 * client.h: wa-control's side of the worker's REP socket (DESIGN.md "IPC",
 * proto/ipc.proto). civetweb runs handlers on many threads and a nanomsg
 * REQ socket carries one request at a time, so each call borrows a REQ
 * socket from a small pool (one socket per request in flight, never
 * shared between threads). A socket whose call failed or timed out is
 * closed, never returned: nanomsg REQ would otherwise re-send the stale
 * request when the worker comes back (a 503'd "add" must not happen later).
 */
#ifndef WALINK_CTL_IPC_CLIENT_H
#define WALINK_CTL_IPC_CLIENT_H

#include <stdint.h>

#include "ipc.h"	/* WL_IPC_VERSION, WL_IPC_MSG_MAX, ipc_reply_free */

#define CTL_IPC_TIMEOUT_MS	1500	/* 503 within 2 s when the worker is down */
#define CTL_IPC_POOL_MAX	32	/* idle sockets kept */

struct ctl_ipc;

struct ctl_ipc	*ctl_ipc_new(const char *rpc_url, int timeout_ms);
void		 ctl_ipc_free(struct ctl_ipc *);
/*
 * Idle sockets kept (default CTL_IPC_POOL_MAX). nanomsg allows 512 sockets
 * in a process: with many workers each keeps few or none (ipc/hub.c).
 */
void		 ctl_ipc_set_pool_max(struct ctl_ipc *, int max);

/*
 * Sends req through ipc_call (version and a fresh id are set there) and
 * waits for its reply. 0 with *out set (free with ipc_reply_free);
 * -ETIMEDOUT when the worker did not answer in time; -EBADMSG for an
 * undecodable or mismatched reply; -EPROTO for another IPC version;
 * -errno otherwise.
 */
int	ctl_ipc_call(struct ctl_ipc *, Wlipc__Request *req, Wlipc__Reply **out);

/* One-line requests: body is one of the Empty oneof cases. */
int	ctl_ipc_call_empty(struct ctl_ipc *, Wlipc__Request__BodyCase,
	    Wlipc__Reply **out);

#endif
