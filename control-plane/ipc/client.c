/*
 * client.c: pooled REQ sockets to the worker (see client.h). Sockets,
 * packing, size and version checks are shared/ipc.c's; this file only
 * keeps the pool and says which socket a failed call must not reuse.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "ipc/client.h"
#include "wl_error.h"

struct ctl_ipc {
	char		*url;
	int		 timeout_ms;
	pthread_mutex_t	 lock;		/* guards idle[], nidle, pool_max */
	int		 idle[CTL_IPC_POOL_MAX];
	int		 nidle;
	int		 pool_max;
};

struct ctl_ipc *
ctl_ipc_new(const char *rpc_url, int timeout_ms)
{
	struct ctl_ipc *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->url = strdup(rpc_url)) == NULL) {
		free(c);
		return NULL;
	}
	c->timeout_ms = timeout_ms;
	c->pool_max = CTL_IPC_POOL_MAX;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
ctl_ipc_set_pool_max(struct ctl_ipc *c, int max)
{
	if (max < 0)
		max = 0;
	if (max > CTL_IPC_POOL_MAX)
		max = CTL_IPC_POOL_MAX;
	pthread_mutex_lock(&c->lock);
	c->pool_max = max;
	while (c->nidle > max)
		ipc_close(c->idle[--c->nidle]);
	pthread_mutex_unlock(&c->lock);
}

void
ctl_ipc_free(struct ctl_ipc *c)
{
	if (c == NULL)
		return;
	while (c->nidle > 0)
		ipc_close(c->idle[--c->nidle]);
	pthread_mutex_destroy(&c->lock);
	free(c->url);
	free(c);
}

/* Borrow a socket: an idle one, else a new one. */
static int
ctl_ipc_take(struct ctl_ipc *c)
{
	int s = -1;

	pthread_mutex_lock(&c->lock);
	if (c->nidle > 0)
		s = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->lock);
	return s >= 0 ? s : ipc_connect_req(c->url, c->timeout_ms);
}

static void
ctl_ipc_give_back(struct ctl_ipc *c, int s)
{
	pthread_mutex_lock(&c->lock);
	if (c->nidle < c->pool_max) {
		c->idle[c->nidle++] = s;
		s = -1;
	}
	pthread_mutex_unlock(&c->lock);
	ipc_close(s);
}

int
ctl_ipc_call(struct ctl_ipc *c, Wlipc__Request *req, Wlipc__Reply **out)
{
	int s, rc;

	if ((s = ctl_ipc_take(c)) < 0)
		return s;
	req->id = 0;		/* ipc_call draws a fresh random id */
	if ((rc = ipc_call(s, req, out, c->timeout_ms)) == 0) {
		ctl_ipc_give_back(c, s);
		return 0;
	}
	ipc_close(s);
	/* client.h's contract: the HTTP layer tells these two apart. */
	if (rc == -EPROTO)		/* a reply to another id */
		return -EBADMSG;
	if (rc == -WL_EVERSION)
		return -EPROTO;
	return rc;
}

int
ctl_ipc_call_empty(struct ctl_ipc *c, Wlipc__Request__BodyCase which,
    Wlipc__Reply **out)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Empty empty = WLIPC__EMPTY__INIT;

	req.body_case = which;
	switch (which) {
	case WLIPC__REQUEST__BODY_PING: req.ping = &empty; break;
	case WLIPC__REQUEST__BODY_GET_STATE: req.get_state = &empty; break;
	case WLIPC__REQUEST__BODY_GET_QR: req.get_qr = &empty; break;
	case WLIPC__REQUEST__BODY_NEW_QR: req.new_qr = &empty; break;
	case WLIPC__REQUEST__BODY_LOGOUT: req.logout = &empty; break;
	case WLIPC__REQUEST__BODY_RESTART: req.restart = &empty; break;
	case WLIPC__REQUEST__BODY_WHITELIST_LIST:
		req.whitelist_list = &empty;
		break;
	default:
		return -EINVAL;
	}
	return ctl_ipc_call(c, &req, out);
}
