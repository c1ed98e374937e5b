/*
 * ipc.h: walink's IPC over nanomsg (DESIGN.md "IPC", STYLE.md rule 11).
 * Schema: proto/ipc.proto (package wlipc). The worker binds a REP socket
 * (Request -> Reply) and a PUB socket (Event); wa-control and wa-probe
 * connect REQ and SUB sockets.
 *
 * Every message carries version = WL_IPC_VERSION. Unpackers refuse a
 * message over WL_IPC_MSG_MAX (-EMSGSIZE) before protobuf-c allocates, a
 * known-layout envelope with another version (-WL_EVERSION, so the worker
 * can answer ERR_BAD_VERSION with the right id), undecodable bytes
 * (-EBADMSG) and a message without a body (-WL_ENOBODY). Functions return
 * 0 (or a socket) or a negative error; none logs (rule 3).
 *
 * Sockets are plain nanomsg ints: one thread uses one socket at a time.
 */
#ifndef WALINK_IPC_H
#define WALINK_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.pb-c.h"

#define WL_IPC_VERSION	1	/* bump on any incompatible schema change */

/*
 * Largest message either side sends or accepts. The biggest are a bulk
 * whitelist replace and the whitelist list reply: WHITELIST_MAX (100 000)
 * numbers of up to 15 digits, each a length-delimited string costing
 * 15 + 2 bytes (tag, length), is 1.7 MB; 1 MiB would not fit it. 4 MiB
 * leaves room for the envelope and for a WhitelistChanged event naming
 * as many numbers, and is also set as NN_RCVMAXSIZE on every socket.
 */
#define WL_IPC_MSG_MAX	(4u << 20)

/*
 * An ipc:// path lands in sockaddr_un.sun_path: 108 bytes with the NUL
 * on Linux (sys/un.h), so at most 107.
 */
#define IPC_PATH_MAX	107
#define IPC_URL_MAX	(sizeof("ipc://") - 1 + IPC_PATH_MAX + 1)

/* Modes of the worker's run directory and socket files (DESIGN.md). */
#define IPC_RUN_DIR_MODE	0750
#define IPC_SOCKET_MODE		0660

/* Default receive/send timeout of client sockets, milliseconds. */
#define IPC_TIMEOUT_MS_DEFAULT	5000

/*
 * ipc://ABS(datadir)/run/worker.rpc and .../worker.events. A relative
 * datadir is made absolute against the current directory (it need not
 * exist yet). -WL_EIPCPATH if a path would pass IPC_PATH_MAX.
 */
int	ipc_default_urls(const char *datadir, char rpc[static IPC_URL_MAX],
	    char events[static IPC_URL_MAX]);
/* 0, or -WL_EIPCPATH for an ipc:// URL whose path is too long. */
int	ipc_url_check(const char *url);

/*
 * Worker side. For ipc:// URLs the socket's directory is created 0750
 * (refused if group- or world-writable: -WL_EUNSAFEMODE) and the socket
 * file is made 0660. Call before other threads start: the umask is
 * narrowed around the bind. Returns the socket or a negative error.
 */
int	ipc_bind_rep(const char *url);
int	ipc_bind_pub(const char *url);
/*
 * Client side: send and receive timeouts in ms (<= 0: the default).
 * A SUB socket subscribes to everything. Returns the socket or -errno.
 */
int	ipc_connect_req(const char *url, int timeout_ms);
int	ipc_connect_sub(const char *url, int timeout_ms);
void	ipc_close(int sock);	/* negative sock: no-op */
/* The fd to poll for readability of sock (NN_RCVFD), or -errno. */
int	ipc_recv_fd(int sock);

/*
 * Receives one message (flags: 0 or NN_DONTWAIT). *msg is nanomsg's:
 * release it with ipc_msg_free(). -EAGAIN, -ETIMEDOUT, -EMSGSIZE ...
 */
int	ipc_recv(int sock, int flags, void **msg, size_t *len);
void	ipc_msg_free(void *msg);

/*
 * Pack: stamp version = WL_IPC_VERSION, check required fields (-EINVAL)
 * and size (-EMSGSIZE), return a malloc'ed buffer the caller frees.
 */
int	ipc_request_pack(Wlipc__Request *, uint8_t **out, size_t *len);
int	ipc_reply_pack(Wlipc__Reply *, uint8_t **out, size_t *len);
int	ipc_event_pack(Wlipc__Event *, uint8_t **out, size_t *len);

/*
 * Unpack with the checks above; free with ipc_*_free. A reply carrying
 * an error needs no body; requests and events do.
 */
int	ipc_request_unpack(const uint8_t *, size_t, Wlipc__Request **out);
int	ipc_reply_unpack(const uint8_t *, size_t, Wlipc__Reply **out);
int	ipc_event_unpack(const uint8_t *, size_t, Wlipc__Event **out);
void	ipc_request_free(Wlipc__Request *);	/* NULL-safe */
void	ipc_event_free(Wlipc__Event *);		/* NULL-safe */
/*
 * NULL-safe. Frees an unpacked reply or one built with ipc_reply_new /
 * ipc_reply_error: everything reachable from it must be malloc'ed.
 */
void	ipc_reply_free(Wlipc__Reply *);

/*
 * Reads version and id from a message's envelope without decoding the
 * rest, so a request that failed to unpack can still be answered with
 * its id. 0, or -EBADMSG if the fields cannot be found.
 */
struct ipc_envelope {
	uint32_t	version;
	uint64_t	id;	/* Request/Reply id; Event seq */
	bool		has_version;
	bool		has_id;
};
int	ipc_envelope_peek(const uint8_t *, size_t, struct ipc_envelope *out);

/* The ErrorCode to answer an unpack failure rc with. */
Wlipc__ErrorCode ipc_errcode_for(int rc);

/* A malloc'ed reply with version and id set, no body (NULL on ENOMEM). */
Wlipc__Reply	*ipc_reply_new(uint64_t id);
/* Same, carrying an Error; message copied (one human sentence). */
Wlipc__Reply	*ipc_reply_error(uint64_t id, Wlipc__ErrorCode code,
		    const char *message);
/* Appends one offending input to the reply's Error.invalid. */
int		 ipc_reply_add_invalid(Wlipc__Reply *, const char *input);

/*
 * Worker: answers an unpack failure rc of the request bytes buf: an error
 * reply with the envelope's id (0 if unreadable) and the matching code.
 */
int	ipc_reply_send_unpack_error(int sock, const uint8_t *buf, size_t len,
	    int rc);
/* Worker: packs and sends a reply (NN_DONTWAIT: REP never waits). */
int	ipc_reply_send(int sock, Wlipc__Reply *);

/*
 * Client: one REQ round trip within timeout_ms. req->id 0 gets a fresh
 * random id (written back). Stale replies (to an earlier request that
 * timed out) are dropped by nanomsg's REQ itself; -ETIMEDOUT when no
 * reply comes in time; -EPROTO if the reply carries another id (dropped);
 * -WL_EVERSION if the worker speaks another version. A new call on the
 * socket cancels one in flight. *reply is the caller's (ipc_reply_free).
 */
int	ipc_call(int sock, Wlipc__Request *req, Wlipc__Reply **reply,
	    int timeout_ms);

/*
 * Worker: the PUB side. ipc_publish stamps version, the next seq and
 * time_ms (if 0), sends with NN_DONTWAIT and never waits: a failed or
 * oversized send is counted in dropped and returned. nanomsg's PUB also
 * drops silently for absent or slow subscribers (nng pub0); the seq gap
 * tells them.
 */
struct ipc_publisher {
	int		sock;
	uint64_t	seq;	/* of the last event handed to nanomsg */
	uint64_t	sent;
	uint64_t	dropped;
};
int	ipc_publish(struct ipc_publisher *, Wlipc__Event *);

#endif /* WALINK_IPC_H */
