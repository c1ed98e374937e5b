/* client.c: pooled nanomsg REQ sockets to the worker (see client.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <sodium.h>

#include "ipc/client.h"

struct ctl_ipc {
	char		*url;
	int		 timeout_ms;
	pthread_mutex_t	 lock;		/* guards idle[], nidle, next_id */
	int		 idle[CTL_IPC_POOL_MAX];
	int		 nidle;
	uint64_t	 next_id;
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
	/* Ids start random so a restarted wa-control never repeats one. */
	randombytes_buf(&c->next_id, sizeof(c->next_id));
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
ctl_ipc_free(struct ctl_ipc *c)
{
	if (c == NULL)
		return;
	while (c->nidle > 0)
		nn_close(c->idle[--c->nidle]);
	pthread_mutex_destroy(&c->lock);
	free(c->url);
	free(c);
}

static int
ipc_socket_open(struct ctl_ipc *c)
{
	int s, max = CTL_IPC_MSG_MAX, linger = 0;

	if ((s = nn_socket(AF_SP, NN_REQ)) < 0)
		return -nn_errno();
	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &c->timeout_ms,
	    sizeof(int)) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &c->timeout_ms,
	    sizeof(int)) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max,
	    sizeof(int)) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_LINGER, &linger,
	    sizeof(int)) < 0 ||
	    nn_connect(s, c->url) < 0) {
		int rc = -nn_errno();

		nn_close(s);
		return rc;
	}
	return s;
}

/* Borrow a socket: an idle one, else a new one. */
static int
ipc_take(struct ctl_ipc *c, uint64_t *id)
{
	int s = -1;

	pthread_mutex_lock(&c->lock);
	*id = c->next_id++;
	if (c->nidle > 0)
		s = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->lock);
	return s >= 0 ? s : ipc_socket_open(c);
}

static void
ipc_give_back(struct ctl_ipc *c, int s)
{
	pthread_mutex_lock(&c->lock);
	if (c->nidle < CTL_IPC_POOL_MAX) {
		c->idle[c->nidle++] = s;
		s = -1;
	}
	pthread_mutex_unlock(&c->lock);
	if (s >= 0)
		nn_close(s);
}

static int
ipc_send(int s, Wlipc__Request *req)
{
	size_t len = wlipc__request__get_packed_size(req);
	uint8_t *buf;
	int rc = 0;

	if (len > CTL_IPC_MSG_MAX)
		return -EMSGSIZE;
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	wlipc__request__pack(req, buf);
	if (nn_send(s, buf, len, 0) < 0)
		rc = nn_errno() == EAGAIN ? -ETIMEDOUT : -nn_errno();
	free(buf);
	return rc;
}

static int
ipc_recv(int s, uint64_t id, Wlipc__Reply **out)
{
	Wlipc__Reply *rep;
	void *buf = NULL;
	int n;

	if ((n = nn_recv(s, &buf, NN_MSG, 0)) < 0)
		return nn_errno() == EAGAIN ? -ETIMEDOUT : -nn_errno();
	if ((size_t)n > CTL_IPC_MSG_MAX) {	/* refuse before unpacking */
		nn_freemsg(buf);
		return -EMSGSIZE;
	}
	rep = wlipc__reply__unpack(NULL, (size_t)n, buf);
	nn_freemsg(buf);
	if (rep == NULL)
		return -EBADMSG;
	if (rep->version != CTL_IPC_VERSION || rep->id != id) {
		int rc = rep->version != CTL_IPC_VERSION ? -EPROTO : -EBADMSG;

		wlipc__reply__free_unpacked(rep, NULL);
		return rc;
	}
	*out = rep;
	return 0;
}

int
ctl_ipc_call(struct ctl_ipc *c, Wlipc__Request *req, Wlipc__Reply **out)
{
	uint64_t id;
	int s, rc;

	if ((s = ipc_take(c, &id)) < 0)
		return s;
	req->version = CTL_IPC_VERSION;
	req->id = id;
	if ((rc = ipc_send(s, req)) == 0)
		rc = ipc_recv(s, id, out);
	if (rc == 0)
		ipc_give_back(c, s);
	else
		nn_close(s);
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
