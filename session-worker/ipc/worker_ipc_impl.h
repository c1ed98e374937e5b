/*
 * worker_ipc_impl.h: what the worker_ipc_*.c files share. Not a module
 * boundary: nothing outside session-worker/ipc/ includes it.
 */
#ifndef WALINK_WORKER_IPC_IMPL_H
#define WALINK_WORKER_IPC_IMPL_H

#include <stdarg.h>

#include "ipc.h"
#include "phone.h"
#include "worker_ipc.h"
#include "message/msg.h"
#include "message/msg_status.h"

/* A request's fingerprint: a re-send repeats id and bytes exactly. */
#define WIPC_DIGEST_LEN		16
/* Error.message: one sentence, with at most one clipped input in it. */
#define WIPC_ERRMSG_MAX		256
/* How much of an input is echoed back in errors (inputs are untrusted). */
#define WIPC_INPUT_SHOWN	32

struct wipc_replay {
	uint64_t	 id;
	uint8_t		 digest[WIPC_DIGEST_LEN];
	uint8_t		*reply;		/* packed Reply; NULL: slot empty */
	size_t		 len;
};

/* One inbound message as list_messages shows it. */
struct wipc_inbound {
	char		 id[128];
	char		 from[96];
	char		 reason[64];
	bool		 accepted;
	uint64_t	 t_ms;		/* when it was reported */
};

struct wipc_answer;
struct whitelist_change;

/* A reply that waits for its whitelist change to reach the disk. */
struct wipc_pending {
	struct worker_ipc		*w;
	struct wipc_answer		*a;	/* owned until sent */
	struct whitelist_change		*ch;
	Wlipc__Request__BodyCase	 what;
	bool				 in_file;	/* the report's, before */
	uint64_t			 id;
	uint8_t				 digest[WIPC_DIGEST_LEN];
	bool				 keep;	/* for the replay cache */
};

struct worker_ipc {
	int				 rep;
	struct ipc_publisher		 pub;
	const struct worker_ipc_ops	*ops;	/* NULL until attached */
	void				*ctx;
	struct whitelist		*wl;	/* borrowed; may be NULL */
	struct webhook			*wh;	/* borrowed; NULL: no --hook-url */
	struct msg			*msg;	/* borrowed; NULL: no sends */
	struct msg_status_tab		*status;	/* borrowed; may be NULL */
	struct store_writer		*writer;	/* borrowed; NULL: in place */
	struct wipc_pending		*pending;	/* a save under way */
	void				(*reply_sent)(void *);	/* or NULL */
	void				*reply_sent_arg;
	struct wipc_inbound		 inbound[WORKER_IPC_INBOUND_MAX];
	size_t				 inbound_n, inbound_next;
	uint64_t			 opened_ms;
	char				 session[WORKER_IPC_SESSION_MAX];	/* "" = untagged */
	struct worker_ipc_stats		 stats;
	unsigned			 replay_next;
	struct wipc_replay		 replay[WORKER_IPC_REPLAY_SLOTS];
};

/* A State message and the storage its repeated field points into. */
struct wipc_state {
	Wlipc__State		 st;
	Wlipc__ReasonCount	 rc[REASON__MAX];
	Wlipc__ReasonCount	*rcp[REASON__MAX];
	Wlipc__PairCode		 pc;
	Wlipc__StoreCount	 sc[MSG_STORES];
	Wlipc__StoreCount	*scp[MSG_STORES];
};

/*
 * One reply being built. Every part lives here, so a reply costs no
 * allocation except the whitelist list and the invalid-entry list.
 */
struct wipc_answer {
	Wlipc__Reply		 rep;
	Wlipc__Error		 err;
	char			 errmsg[WIPC_ERRMSG_MAX];
	char			**invalid;	/* malloc'ed strings */
	size_t			 n_invalid;
	size_t			 n_invalid_total;	/* listed or not */
	Wlipc__Empty		 empty;
	struct wipc_state	 state;
	Wlipc__Qr		 qr;
	Wlipc__Whitelist	 wl;
	char			**numbers;	/* malloc'ed array, borrowed strings */
	Wlipc__WhitelistReject	*wl_rej;	/* malloc'ed, static reasons */
	Wlipc__WhitelistReject	**wl_rejp;
	Wlipc__Check		 check;
	char			 number[PHONE_BUF];
	bool			 deferred;	/* sent later: w->pending */
	struct link_view	 view;
	/* webhook_dead (worker_ipc_webhook.c): malloc'ed, freed with the answer */
	Wlipc__WebhookDeadList	 whd;
	Wlipc__WebhookDead	*whd_items;
	Wlipc__WebhookDead	**whd_ptrs;
	struct webhook_dead	*whd_raw;
	/* messages (worker_ipc_messages.c): malloc'ed, freed with the answer */
	Wlipc__MessageStatus	 mstat;
	struct msg_status_rec	*mrecs;
	Wlipc__MessageList	 mlist;
	Wlipc__MessageMeta	*mitems;
	Wlipc__MessageMeta	**mptrs;
};

/* worker_ipc.c */
void	wipc_answer_error(struct wipc_answer *, Wlipc__ErrorCode,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	wipc_answer_done(struct wipc_answer *);
int	wipc_answer_add_invalid(struct wipc_answer *, const char *input,
	    const char *reason);
/* Sends p's answer (now complete), keeps it for re-sends, frees both. */
void	wipc_pending_send(struct worker_ipc *, struct wipc_pending *p);
/* Copies at most WIPC_INPUT_SHOWN bytes of s, printable ASCII only. */
void	wipc_clip(const char *s, char out[WIPC_INPUT_SHOWN + 4]);

/* worker_ipc_webhook.c */
void	wipc_webhook_handle(struct worker_ipc *, const Wlipc__Request *,
	    struct wipc_answer *);
void	wipc_webhook_answer_fini(struct wipc_answer *);

/* worker_ipc_messages.c */
void	wipc_messages_handle(struct worker_ipc *, const Wlipc__Request *,
	    struct wipc_answer *);
void	wipc_messages_answer_fini(struct wipc_answer *);
void	wipc_inbound_note(struct worker_ipc *, const struct worker_ipc_message *);
void	wipc_message_status_fill(Wlipc__MessageStatus *,
	    const struct worker_ipc_message_status *);

/* worker_ipc_events.c */
void	wipc_view(struct worker_ipc *, struct link_view *);
/* The message stores' counters into s (msg_store_counts). */
void	wipc_stores_fill(const struct msg *, struct wipc_state *);
void	wipc_state_fill(const struct worker_ipc *, const struct link_view *,
	    struct wipc_state *);
void	wipc_publish(struct worker_ipc *, Wlipc__Event *);

/* worker_ipc_paircode.c */
void	wipc_pair_code_fill(const struct link_view *, Wlipc__PairCode *);
void	wipc_pair_code_handle(struct worker_ipc *, const Wlipc__Request *,
	    struct wipc_answer *);

/* worker_ipc_whitelist.c */
void	wipc_whitelist_handle(struct worker_ipc *, const Wlipc__Request *,
	    struct wipc_answer *);
/* Frees a save's pending reply unsent (shutdown without a writer drain). */
void	wipc_whitelist_pending_free(struct wipc_pending *);

#endif /* WALINK_WORKER_IPC_IMPL_H */
