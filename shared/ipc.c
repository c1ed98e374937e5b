/*
 * ipc.c: nanomsg sockets, the client round trip and the event publisher
 * (see ipc.h). Envelopes are in ipc_msg.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>
#include <sodium.h>

#include "atomicfile.h"
#include "clock.h"
#include "ipc.h"
#include "wl_error.h"

#define IPC_SCHEME	"ipc://"

static const char *
ipc_path(const char *url)
{
	if (strncmp(url, IPC_SCHEME, sizeof(IPC_SCHEME) - 1) != 0)
		return NULL;
	return url + sizeof(IPC_SCHEME) - 1;
}

int
ipc_url_check(const char *url)
{
	const char *path;

	if (url == NULL || *url == '\0')
		return -EINVAL;
	if ((path = ipc_path(url)) != NULL &&
	    (*path == '\0' || strlen(path) > IPC_PATH_MAX))
		return *path == '\0' ? -EINVAL : -WL_EIPCPATH;
	return 0;
}

int
ipc_default_urls(const char *datadir, char rpc[static IPC_URL_MAX],
    char events[static IPC_URL_MAX])
{
	char cwd[4096], dir[4096 + 1 + 4096];
	size_t n;
	int a, b;

	if (datadir == NULL || *datadir == '\0')
		return -EINVAL;
	while (datadir[0] == '.' && datadir[1] == '/')	/* "./data" */
		datadir += 2;
	if (strcmp(datadir, ".") == 0 || *datadir == '\0')
		datadir = "";
	if (*datadir == '/')
		n = (size_t)snprintf(dir, sizeof(dir), "%s", datadir);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -errno;
	else
		n = (size_t)snprintf(dir, sizeof(dir), "%s/%s",
		    strcmp(cwd, "/") == 0 ? "" : cwd, datadir);
	if (n >= sizeof(dir))
		return -WL_EIPCPATH;
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	a = snprintf(rpc, IPC_URL_MAX, IPC_SCHEME "%s/run/worker.rpc",
	    n == 1 ? "" : dir);
	b = snprintf(events, IPC_URL_MAX, IPC_SCHEME "%s/run/worker.events",
	    n == 1 ? "" : dir);
	if (a < 0 || b < 0 || (size_t)a >= IPC_URL_MAX ||
	    (size_t)b >= IPC_URL_MAX)
		return -WL_EIPCPATH;
	return 0;
}

static int
ipc_setopt(int sock, int level, int opt, int v)
{
	if (nn_setsockopt(sock, level, opt, &v, sizeof(v)) < 0)
		return -nn_errno();
	return 0;
}

/* A socket of protocol proto with the message ceiling set, or -errno. */
static int
ipc_socket(int proto)
{
	int s, rc;

	if ((s = nn_socket(AF_SP, proto)) < 0)
		return -nn_errno();
	/* the peer's bytes are refused by nanomsg itself past the ceiling */
	if ((rc = ipc_setopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE,
	    (int)WL_IPC_MSG_MAX)) < 0) {
		nn_close(s);
		return rc;
	}
	return s;
}

/* Creates an ipc:// socket's directory: 0750, never group/world-writable. */
static int
ipc_prepare_dir(const char *path)
{
	char dir[IPC_PATH_MAX + 1];
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return 0;	/* the cwd or /: not ours to create */
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return mkdir_mode(dir, IPC_RUN_DIR_MODE, MKDIR_STRICT);
}

static int
ipc_bind(int proto, const char *url)
{
	const char *path;
	mode_t old;
	int s, rc;

	if ((rc = ipc_url_check(url)) < 0)
		return rc;
	path = ipc_path(url);
	if (path != NULL && (rc = ipc_prepare_dir(path)) < 0)
		return rc;
	if ((s = ipc_socket(proto)) < 0)
		return s;
	/*
	 * nanomsg binds ipc:// synchronously in this thread; the narrowed
	 * umask closes the window before the chmod below.
	 */
	old = umask(0117);
	rc = nn_bind(s, url) < 0 ? -nn_errno() : 0;
	umask(old);
	if (rc == 0 && path != NULL && chmod(path, IPC_SOCKET_MODE) == -1)
		rc = -errno;
	if (rc < 0) {
		nn_close(s);
		return rc;
	}
	return s;
}

int
ipc_bind_rep(const char *url)
{
	return ipc_bind(NN_REP, url);
}

int
ipc_bind_pub(const char *url)
{
	return ipc_bind(NN_PUB, url);
}

static int
ipc_connect(int proto, const char *url, int timeout_ms)
{
	int s, rc;

	if ((rc = ipc_url_check(url)) < 0)
		return rc;
	if (timeout_ms <= 0)
		timeout_ms = IPC_TIMEOUT_MS_DEFAULT;
	if ((s = ipc_socket(proto)) < 0)
		return s;
	if ((rc = ipc_setopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, timeout_ms)) < 0 ||
	    (rc = ipc_setopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, timeout_ms)) < 0)
		goto out_close;
	if (proto == NN_SUB && nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "",
	    0) < 0) {
		rc = -nn_errno();
		goto out_close;
	}
	if (nn_connect(s, url) < 0) {	/* asynchronous: no peer is fine */
		rc = -nn_errno();
		goto out_close;
	}
	return s;

out_close:
	nn_close(s);
	return rc;
}

int
ipc_connect_req(const char *url, int timeout_ms)
{
	return ipc_connect(NN_REQ, url, timeout_ms);
}

int
ipc_connect_sub(const char *url, int timeout_ms)
{
	return ipc_connect(NN_SUB, url, timeout_ms);
}

void
ipc_close(int sock)
{
	if (sock >= 0)
		nn_close(sock);
}

int
ipc_recv_fd(int sock)
{
	int fd;
	size_t sz = sizeof(fd);

	if (nn_getsockopt(sock, NN_SOL_SOCKET, NN_RCVFD, &fd, &sz) < 0)
		return -nn_errno();
	return fd;
}

int
ipc_recv(int sock, int flags, void **msg, size_t *len)
{
	void *buf = NULL;
	int n;

	if ((n = nn_recv(sock, &buf, NN_MSG, flags)) < 0)
		return -nn_errno();
	if ((size_t)n > WL_IPC_MSG_MAX) {	/* NN_RCVMAXSIZE should stop it */
		nn_freemsg(buf);
		return -EMSGSIZE;
	}
	*msg = buf;
	*len = (size_t)n;
	return 0;
}

void
ipc_msg_free(void *msg)
{
	if (msg != NULL)
		nn_freemsg(msg);
}

static int
ipc_send(int sock, const uint8_t *buf, size_t len, int flags)
{
	if (nn_send(sock, buf, len, flags) < 0)
		return -nn_errno();
	return 0;
}

int
ipc_reply_send(int sock, Wlipc__Reply *rp)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if ((rc = ipc_reply_pack(rp, &buf, &len)) < 0)
		return rc;
	rc = ipc_send(sock, buf, len, NN_DONTWAIT);
	free(buf);
	return rc;
}

int
ipc_reply_send_unpack_error(int sock, const uint8_t *buf, size_t len,
    int rc)
{
	struct ipc_envelope e;
	Wlipc__Reply *rp;
	uint64_t id = 0;
	int sent;

	if (len <= WL_IPC_MSG_MAX && ipc_envelope_peek(buf, len, &e) == 0 &&
	    e.has_id)
		id = e.id;
	if ((rp = ipc_reply_error(id, ipc_errcode_for(rc),
	    wl_strerror(rc))) == NULL)
		return -ENOMEM;
	sent = ipc_reply_send(sock, rp);
	ipc_reply_free(rp);
	return sent;
}

/*
 * Waits for the reply to id until deadline (monotonic ms). nanomsg's REQ
 * drops replies to older requests itself (its own request id travels in
 * the message header) and takes one reply per request, so a reply that
 * still carries another id answers a request we never sent: -EPROTO.
 */
static int
ipc_await_reply(int sock, uint64_t id, int64_t deadline,
    Wlipc__Reply **reply)
{
	Wlipc__Reply *rp;
	void *msg = NULL;
	size_t len = 0;
	int64_t left;
	int rc;

	if ((left = deadline - (int64_t)clock_mono_ms()) <= 0)
		return -ETIMEDOUT;
	if ((rc = ipc_setopt(sock, NN_SOL_SOCKET, NN_RCVTIMEO, (int)left)) < 0)
		return rc;
	if ((rc = ipc_recv(sock, 0, &msg, &len)) < 0)
		return rc == -EAGAIN ? -ETIMEDOUT : rc;
	rc = ipc_reply_unpack(msg, len, &rp);
	ipc_msg_free(msg);
	if (rc < 0)
		return rc;
	if (rp->id != id) {
		ipc_reply_free(rp);
		return -EPROTO;
	}
	*reply = rp;
	return 0;
}

int
ipc_call(int sock, Wlipc__Request *req, Wlipc__Reply **reply, int timeout_ms)
{
	uint8_t *buf;
	size_t len;
	int64_t deadline;
	int rc;

	if (timeout_ms <= 0)
		timeout_ms = IPC_TIMEOUT_MS_DEFAULT;
	deadline = (int64_t)clock_mono_ms() + timeout_ms;
	while (req->id == 0)
		req->id = (uint64_t)randombytes_random() << 32 |
		    randombytes_random();
	if ((rc = ipc_request_pack(req, &buf, &len)) < 0)
		return rc;
	if ((rc = ipc_setopt(sock, NN_SOL_SOCKET, NN_SNDTIMEO,
	    timeout_ms)) == 0)
		rc = ipc_send(sock, buf, len, 0);
	free(buf);
	if (rc < 0)
		return rc == -EAGAIN ? -ETIMEDOUT : rc;
	return ipc_await_reply(sock, req->id, deadline, reply);
}

int
ipc_publish(struct ipc_publisher *pub, Wlipc__Event *ev)
{
	uint8_t *buf;
	size_t len;
	int rc;

	ev->seq = ++pub->seq;
	if (ev->time_ms == 0)
		ev->time_ms = clock_wall_ms();
	if ((rc = ipc_event_pack(ev, &buf, &len)) == 0) {
		rc = ipc_send(pub->sock, buf, len, NN_DONTWAIT);
		free(buf);
	}
	if (rc < 0)
		pub->dropped++;
	else
		pub->sent++;
	return rc;
}
