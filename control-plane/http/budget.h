/*
 * budget.h: what civetweb lacks in front of the handlers, so a flood of
 * slow or hostile clients cannot take the console down:
 *   - connections per client address (counted from accept to close by
 *     civetweb's init_connection/connection_close callbacks);
 *   - "open" requests in handlers at once: unauthenticated requests that
 *     may read a body or hash a password (login, junk), so the rest of
 *     the threads stay free for /healthz, the dashboard's own files and
 *     authenticated requests.
 * civetweb itself bounds the header read (request_timeout_ms is one
 * deadline for the whole head) and server.c bounds the body read.
 * Thread-safe; a fixed table, no allocation after ctl_budget_new().
 */
#ifndef WALINK_CTL_BUDGET_H
#define WALINK_CTL_BUDGET_H

#include <stdbool.h>

#define CTL_BUDGET_ADDRS	1024	/* client addresses tracked at once */
#define CTL_CLIENT_CONNS	32	/* connections one address may hold
					   for requests that are not logged in */
#define CTL_OPEN_MAX		64	/* open requests in handlers at once */

struct ctl_budget;
struct ctl_budget_addr;

struct ctl_budget *ctl_budget_new(void);
void	ctl_budget_free(struct ctl_budget *);

/* A connection from addr was accepted: its slot (NULL when the table is
 * full: such a connection counts as over the limit). */
struct ctl_budget_addr *ctl_budget_conn_open(struct ctl_budget *,
	    const char *addr);
void	ctl_budget_conn_close(struct ctl_budget *, struct ctl_budget_addr *);
/* May one more request that is not logged in run from this slot? */
bool	ctl_budget_client_ok(struct ctl_budget *,
	    const struct ctl_budget_addr *);

/* An open request starts (true) or is refused (false); _leave ends it. */
bool	ctl_budget_open_enter(struct ctl_budget *);
void	ctl_budget_open_leave(struct ctl_budget *);

#endif
