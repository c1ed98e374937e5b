/*
 * worker_ipc.h: the worker's side of IPC (DESIGN.md "IPC", STYLE.md rule
 * 11). It binds the REP socket (requests from wa-control and wa-probe) and
 * the PUB socket (events), answers every wlipc.Request body and publishes
 * what the link reports. Everything runs on the worker's one loop: no
 * threads, and nothing here ever waits on a peer (REP replies and PUB
 * events go out with NN_DONTWAIT).
 *
 * The link is reached through struct worker_ipc_ops, so tests and the
 * fake worker can script it; worker_ipc_link.c plugs in the real link.
 * The whitelist is borrowed: worker_ipc changes it only on request and
 * announces every change with a WhitelistChanged event.
 */
#ifndef WALINK_WORKER_IPC_H
#define WALINK_WORKER_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

struct whitelist;

/*
 * What worker_ipc needs from the link. request_* return 0, -EALREADY when
 * there is nothing to do (answered ERR_UNAVAILABLE) or another negative
 * error (answered ERR_INTERNAL). All are called from the loop.
 */
struct worker_ipc_ops {
	void	(*get_view)(void *ctx, struct link_view *);
	int	(*request_restart)(void *ctx);
	int	(*request_logout)(void *ctx);
	int	(*request_new_qr)(void *ctx);
	/* phone as digits; see link_request_pair_code() for the errors. */
	int	(*request_pair_code)(void *ctx, const char *phone);
};

/* The real link's ops (worker_ipc_link.c); ctx is the struct link. */
extern const struct worker_ipc_ops worker_ipc_link_ops;

/* Fds the loop polls for reading; readable means "call service". */
#define WORKER_IPC_FDS_MAX	1

/*
 * Requests handled per worker_ipc_service() call: the loop stays fair to
 * the WhatsApp link under a flood; the fd stays readable for the rest.
 */
#define WORKER_IPC_BATCH_MAX	64

/*
 * Replies remembered for replaying a mutating request's repeated id
 * (nanomsg REQ re-sends an unanswered request with the same bytes). One
 * REQ socket per control-plane request thread rarely has more than one
 * request in flight, so 32 covers every thread of a busy control plane.
 */
#define WORKER_IPC_REPLAY_SLOTS	32
/*
 * Replies larger than this are not remembered: only a bulk replace that
 * listed many invalid numbers gets that big, and it changed nothing, so
 * answering its re-send afresh is just as correct.
 */
#define WORKER_IPC_REPLAY_BYTES_MAX	(64u << 10)
/*
 * Error.invalid entries reported for one bulk replace; the message counts
 * the rest. 1,000 "input: reason" lines stay far below WL_IPC_MSG_MAX.
 */
#define WORKER_IPC_INVALID_MAX	1000

struct worker_ipc_stats {
	uint64_t	requests;	/* answered, errors included */
	uint64_t	refused;	/* undecodable or wrong version */
	uint64_t	replayed;	/* repeated ids answered from the cache */
	uint64_t	events_sent;
	uint64_t	events_dropped;	/* failed or oversized publishes */
};

struct worker_ipc;

/*
 * Binds both sockets (ipc:// files 0660 in a 0750 directory, see ipc.h).
 * ops may be NULL until worker_ipc_attach(): the link needs the event
 * callbacks below before it exists. wl may be NULL (whitelist requests
 * then answer ERR_UNAVAILABLE). 0 or a negative error; nothing is left
 * open on failure.
 */
int	worker_ipc_open(const char *rpc_url, const char *events_url,
	    const struct worker_ipc_ops *ops, void *ctx, struct whitelist *wl,
	    struct worker_ipc **out);
void	worker_ipc_close(struct worker_ipc *);	/* NULL-safe */
/*
 * Tags every event and state reply with the session name (--client-id),
 * so one wa-control can tell many workers' events apart. Cut to
 * WORKER_IPC_SESSION_MAX - 1 bytes.
 */
#define WORKER_IPC_SESSION_MAX	65
void	worker_ipc_set_session(struct worker_ipc *, const char *name);
void	worker_ipc_attach(struct worker_ipc *, const struct worker_ipc_ops *,
	    void *ctx);

/*
 * The worker's store writer (store_writer.h, borrowed): a whitelist change
 * is saved on it and answered once the file is durable; until then the
 * REP reads no other request (it alternates) and worker_ipc_waiting is
 * true, so the caller stops polling the request fd (it stays readable);
 * reply_sent(arg) says when to poll it again. NULL: saved in place.
 */
struct store_writer;
void	worker_ipc_set_writer(struct worker_ipc *, struct store_writer *,
	    void (*reply_sent)(void *), void *arg);
bool	worker_ipc_waiting(const struct worker_ipc *);

/* --hook-url's queue, for the dead-letter requests (borrowed; NULL: none). */
struct webhook;
void	worker_ipc_set_webhook(struct worker_ipc *, struct webhook *);

/* Fills fds with what to poll; returns how many (<= WORKER_IPC_FDS_MAX). */
int	worker_ipc_fds(const struct worker_ipc *, int fds[WORKER_IPC_FDS_MAX]);

/*
 * Answers pending requests (at most WORKER_IPC_BATCH_MAX) without
 * waiting. Returns how many were answered, or a negative error when the
 * REP socket itself failed. Bad requests are answered and counted, never
 * returned.
 */
int	worker_ipc_service(struct worker_ipc *);

void	worker_ipc_get_stats(const struct worker_ipc *,
	    struct worker_ipc_stats *);

/*
 * Publishers, shaped as struct link_events callbacks (arg is the struct
 * worker_ipc). They never wait and never fail loudly: a dropped event is
 * counted and the subscriber sees the sequence gap.
 */
void	worker_ipc_on_state(void *ipc, const struct link_view *);
void	worker_ipc_on_heartbeat(void *ipc, const struct link_view *);
void	worker_ipc_on_qr(void *ipc, const struct link_view *);
void	worker_ipc_on_qr_expired(void *ipc, const struct link_view *);
/* Sets the four callbacks above and arg; leaves stanza alone. */
void	worker_ipc_link_events(struct worker_ipc *, struct link_events *);

/* The whitelist changed outside IPC (SIGHUP reload): replaced, count. */
void	worker_ipc_publish_whitelist_reloaded(struct worker_ipc *);

/* A message was accepted or refused: metadata only, never its text. */
struct worker_ipc_message {
	bool		 accepted;
	const char	*from;		/* number or jid; NULL: unknown */
	const char	*id;		/* message id; NULL: none */
	const char	*reason;	/* why refused; NULL when accepted */
	uint64_t	 t_ms;		/* message time, Unix ms; 0: none */
};
void	worker_ipc_publish_message(struct worker_ipc *,
	    const struct worker_ipc_message *);

/* A sent message the server refused (error = its ack's code) or never
 * acknowledged (error 0). */
struct worker_ipc_send_failed {
	const char	*id;
	const char	*to;
	int		 error;
};
void	worker_ipc_publish_send_failed(struct worker_ipc *,
	    const struct worker_ipc_send_failed *);

/* A sent message's status changed (msg_status.c): metadata only. */
struct worker_ipc_message_status {
	const char	*id;
	const char	*to;		/* NULL: unknown */
	const char	*type;		/* NULL: unknown */
	const char	*status;	/* msg_out_status_name() */
	uint32_t	 error;		/* failed: the server's code */
	uint64_t	 updated_ms, created_ms;
};
void	worker_ipc_publish_message_status(struct worker_ipc *,
	    const struct worker_ipc_message_status *);

/*
 * The message requests (send_message, get_message, list_messages):
 * sends go through msg and are checked against the whitelist here,
 * statuses come from the table. Both borrowed; NULL: those requests
 * answer ERR_UNAVAILABLE.
 */
struct msg;
struct msg_status_tab;
void	worker_ipc_set_messages(struct worker_ipc *, struct msg *,
	    struct msg_status_tab *);
/* Inbound messages remembered for list_messages (metadata, memory only). */
#define WORKER_IPC_INBOUND_MAX	200

#endif /* WALINK_WORKER_IPC_H */
