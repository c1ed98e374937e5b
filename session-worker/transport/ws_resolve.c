/*
 * ws_resolve.c: getaddrinfo_a lookups whose answers reach the loop as
 * events. A lookup is PENDING while glibc works on it, then its
 * notification thread puts it on the done list and wakes the context's
 * loop; ws_resolve_poll() hands it over there. One mutex guards the list
 * and the states, so a cancel on the loop and a notification on glibc's
 * thread never both free a lookup and never touch a context that is gone
 * (a context's lookups are cancelled before it is destroyed: ws_client_free).
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "transport/ws_resolve.h"

enum rs_state {
	RS_PENDING,	/* glibc has it */
	RS_DONE,	/* on the done list, for the loop */
};

struct ws_resolve {
	TAILQ_ENTRY(ws_resolve)	 entry;
	struct lws_context	*cx;
	ws_resolve_fn		*fn;
	void			*arg;
	enum rs_state		 state;
	bool			 cancelled;	/* nobody waits: free when done */
	struct gaicb		 req;
	struct addrinfo		 hints;
	char			 host[];
};

static pthread_mutex_t rs_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, ws_resolve) rs_done = TAILQ_HEAD_INITIALIZER(rs_done);

bool
ws_resolve_is_numeric(const char *host)
{
	struct in_addr a;

	return inet_pton(AF_INET, host, &a) == 1;
}

static void
rs_free(struct ws_resolve *r)
{
	if (r->req.ar_result != NULL)
		freeaddrinfo(r->req.ar_result);
	free(r);
}

/* glibc's notification thread: never the loop. */
static void
rs_notify(union sigval v)
{
	struct ws_resolve *r = v.sival_ptr;

	pthread_mutex_lock(&rs_lock);
	if (r->cancelled) {
		pthread_mutex_unlock(&rs_lock);
		rs_free(r);
		return;
	}
	r->state = RS_DONE;
	TAILQ_INSERT_TAIL(&rs_done, r, entry);
	/* under the lock: a cancel (and so the context's end) waits for us */
	lws_cancel_service(r->cx);
	pthread_mutex_unlock(&rs_lock);
}

int
ws_resolve_start(struct lws_context *cx, const char *host, ws_resolve_fn *fn,
    void *arg, struct ws_resolve **out)
{
	size_t len = strlen(host);
	struct gaicb *list[1];
	struct sigevent sev;
	struct ws_resolve *r;
	int rc;

	if ((r = calloc(1, sizeof(*r) + len + 1)) == NULL)
		return -ENOMEM;
	memcpy(r->host, host, len + 1);
	r->cx = cx;
	r->fn = fn;
	r->arg = arg;
	r->state = RS_PENDING;
	r->hints.ai_family = AF_UNSPEC;
	r->hints.ai_socktype = SOCK_STREAM;
	r->req.ar_name = r->host;
	r->req.ar_request = &r->hints;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = rs_notify;
	sev.sigev_value.sival_ptr = r;
	list[0] = &r->req;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev)) != 0) {
		free(r);
		return rc == EAI_MEMORY ? -ENOMEM : -EAGAIN;
	}
	*out = r;
	return 0;
}

void
ws_resolve_cancel(struct ws_resolve *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&rs_lock);
	if (r->state == RS_DONE) {
		TAILQ_REMOVE(&rs_done, r, entry);
		pthread_mutex_unlock(&rs_lock);
		rs_free(r);
		return;
	}
	/* still queued in glibc: gone, and no notification will come */
	if (gai_cancel(&r->req) == EAI_CANCELED) {
		pthread_mutex_unlock(&rs_lock);
		free(r);
		return;
	}
	r->cancelled = true;	/* running: rs_notify frees it */
	pthread_mutex_unlock(&rs_lock);
}

static int
rs_error(int gai, const char **why)
{
	*why = gai_strerror(gai);
	switch (gai) {
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
	case EAI_ADDRFAMILY:
		return -ENOENT;
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* The first IPv4 answer, else the first IPv6 one. */
static int
rs_pick(const struct addrinfo *ai, char *buf, size_t len)
{
	const struct addrinfo *p, *v6 = NULL;

	for (p = ai; p != NULL; p = p->ai_next) {
		if (p->ai_family == AF_INET) {
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
			    (const void *)p->ai_addr)->sin_addr, buf,
			    (socklen_t)len);
			return 0;
		}
		if (p->ai_family == AF_INET6 && v6 == NULL)
			v6 = p;
	}
	if (v6 == NULL)
		return -ENOENT;
	inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
	    (const void *)v6->ai_addr)->sin6_addr, buf, (socklen_t)len);
	return 0;
}

static struct ws_resolve *
rs_take(struct lws_context *cx)
{
	struct ws_resolve *r;

	pthread_mutex_lock(&rs_lock);
	TAILQ_FOREACH(r, &rs_done, entry)
		if (r->cx == cx)
			break;
	if (r != NULL)
		TAILQ_REMOVE(&rs_done, r, entry);
	pthread_mutex_unlock(&rs_lock);
	return r;
}

void
ws_resolve_poll(struct lws_context *cx)
{
	char addr[WS_ADDR_TEXT_MAX];
	const char *why = NULL;
	struct ws_resolve *r;
	int gai, rc;

	/* one at a time: a callback may cancel another finished lookup */
	while ((r = rs_take(cx)) != NULL) {
		addr[0] = '\0';
		if ((gai = gai_error(&r->req)) != 0)
			rc = rs_error(gai, &why);
		else if ((rc = rs_pick(r->req.ar_result, addr, sizeof(addr))) < 0)
			why = "no IPv4 or IPv6 address";
		r->fn(r->arg, rc, addr, why);
		rs_free(r);
	}
}
