/*
 * ws_resolve.h: name lookups that never wait on the loop (transport
 * internal). glibc's getaddrinfo_a resolves on its own thread; the answer
 * comes back to the loop through lws_cancel_service(), whose
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED the client protocol forwards to
 * ws_resolve_poll(). lws is then handed the numeric address, while the
 * Host header, SNI and the certificate name stay the configured name.
 */
#ifndef WALINK_WS_RESOLVE_H
#define WALINK_WS_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

struct lws_context;
struct ws_resolve;

/* Long enough for an IPv6 address in text. */
#define WS_ADDR_TEXT_MAX	INET6_ADDRSTRLEN

/*
 * rc 0: addr is the first IPv4 address (else the first IPv6 one), valid
 * during the call. rc < 0: -EAGAIN (try later), -ENOENT (no such name),
 * -EIO; why says it in words. Called on the loop, at most once, never
 * after ws_resolve_cancel().
 */
typedef void ws_resolve_fn(void *arg, int rc, const char *addr,
    const char *why);

/* True when host is already an IPv4 address: nothing to look up. */
bool	ws_resolve_is_numeric(const char *host);
int	ws_resolve_start(struct lws_context *, const char *host,
	    ws_resolve_fn *, void *arg, struct ws_resolve **out);
/* The callback will not come; the lookup's memory goes when it ends. */
void	ws_resolve_cancel(struct ws_resolve *);
/* Delivers the finished lookups of this context (on its loop). */
void	ws_resolve_poll(struct lws_context *);

#endif
