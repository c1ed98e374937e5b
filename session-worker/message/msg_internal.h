/*
 * msg_internal.h: what msg.c (setup, routing, LID map, privacy tokens),
 * msg_recv.c, msg_retry.c, msg_lid.c, msg_send.c, msg_inbox.c and
 * msg_outbox.c share. Not for other modules. The stores' entries carry
 * a struct job_hdr (msg_job.h): their state, and their age for the one
 * eviction rule; the retry counters and token issuance times below are
 * small caches, not jobs (msg_job.h says why).
 */
#ifndef WALINK_MSG_INTERNAL_H
#define WALINK_MSG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "msg.h"
#include "msg_codec.h"
#include "msg_job.h"
#include "msg_status.h"

struct sig;
struct lidmap;
struct creds;
struct tctokens;

#define MSG_JID_MAX		96
#define MSG_IQ_ID_MAX		32
/* Sends worked on at once (usync, key fetch, encrypt): the rest wait
 * in the outbox, journaled, for one of these. */
#define MSG_JOBS_MAX		64
/* Devices a user may have: a phone and up to 4 companions today; with
 * our own account's devices beside the contact's. */
#define MSG_DEVICES_MAX		16
/* Retry receipts counted per message id, both ways, and sessions
 * rebuilt for them: caches (msg_job.h says why they are not jobs). */
#define MSG_RETRY_SLOTS		64
/* Stanzas from LIDs with no known number, waiting for a mapping to
 * arrive (sender_pn of a later message, a devices notification). */
#define MSG_HELD_MAX		32
#define MSG_LID_HOLD_MS		30000
/* An iq the server did not answer within this is given up; the same
 * bound for the server's <ack> of a sent message. */
#define MSG_IQ_TIMEOUT_MS	15000
/* One auto-reply per sender in this window: two bots auto-replying to
 * each other must not loop, and a flood must not make us a spammer. */
#define MSG_AUTO_REPLY_MS	(10 * 60 * 1000)
#define MSG_AUTO_REPLY_SLOTS	128
/* whatsmeow retry.go: no retry receipt is sent once the count reaches
 * this (so 4 go out); an incoming retry request past 10 is dropped. */
#define MSG_RETRY_MAX		5
#define MSG_RETRY_IN_MAX	10
/* whatsmeow recreateSessionTimeout. */
#define MSG_RECREATE_MS		(60 * 60 * 1000)
/* Contacts whose last token issuance we remember (whatsmeow keeps a map). */
#define MSG_ISSUED_SLOTS	128
/* Baileys socket.ts answers offline_preview with a batch of this. */
#define MSG_OFFLINE_BATCH	100

/* Inbound messages journaled and not yet answered (msg_inbox.c), by
 * count and by the bytes they hold in memory; past either a message is
 * not acked, and the server sends it again later (on the next
 * connection: so the bounds sit far above a burst a hook can work off). */
#define MSG_INBOX_MAX		65536
#define MSG_INBOX_BYTES		(16u << 20)
/* A hook that could not start (its queue full) is tried again after this. */
#define MSG_INBOX_RETRY_MS	2000
/* Sends kept in the outbox, the job store of sends (msg_job.h has the
 * states and the eviction rule): room for the replies to a backlog of
 * thousands of messages after a restart, which wait here (journaled)
 * for one of the MSG_JOBS_MAX, and for the acked ones that answer
 * retry receipts. */
#define MSG_OUTBOX_MAX		4096
/* ... and by the bytes of their bodies: what a compaction writes back to
 * the journal beside the inbox (store.h STORE_LOG_MAX holds both). */
#define MSG_OUTBOX_BYTES	(16u << 20)
/* A hook's tag: "<chat> <inbound id>" (msg_recv.c msg_hook_tag). */

/* A reply made while the link is down waits this long for it. */
#define MSG_WAIT_LINK_MS	(5 * 60 * 1000)
/* Without the offline marker, a waiting reply tries anyway after this. */
#define MSG_WAIT_TRY_MS		5000

struct msg_device {
	char		jid[MSG_JID_MAX];
	char		name[MSG_JID_MAX];	/* Signal address name */
	uint32_t	device;
	bool		own;			/* our account: deviceSentMessage */
	bool		ready;			/* has a session */
};

/* A retry receipt being answered (msg_retry.c). */
struct resend {
	char		to[MSG_JID_MAX];	/* the receipt's from: one device */
	char		recipient[MSG_JID_MAX];	/* copied when present */
	char		t[24];			/* the original's time */
	uint32_t	count;
};

/* An outgoing message's body, owned: the encoded WAMessage and its
 * stanza attributes (msg.h struct msg_out). */
struct msg_body {
	uint8_t		*pb;
	size_t		 len;
	char		 type[MSG_CONTENT_TYPE_MAX];
	char		 mediatype[MSG_CONTENT_TYPE_MAX];
};

/*
 * The work of one send while it is active: its iq, deadline, devices and
 * body. Its state is its outbox entry's header (msg_send.c job_state);
 * a resend (JK_RESEND) has no entry of its own and keeps it in rh.
 */
struct send_job {
	bool		 used;
	char		 iq_id[MSG_IQ_ID_MAX];
	uint64_t	 deadline_ms;
	char		 id[MSG_ID_MAX];
	char		 chat[MSG_JID_MAX];	/* a user JID, never a device */
	char		 name[MSG_JID_MAX];	/* the recipient's address name */
	struct msg_body	 body;
	bool		 is_resend;
	struct job_hdr	 rh;			/* JK_RESEND's state */
	struct resend	 resend;
	uint64_t	 wait_since_ms;		/* JS_WAIT_LINK */
	struct msg_device devs[MSG_DEVICES_MAX];
	size_t		 ndevs;
};

/* msg_inbox.c: a journaled inbound message until it is served. */
struct inbox_entry {
	char		 id[MSG_ID_MAX];
	uint8_t		*rec;		/* its JR_IN record, encoded */
	size_t		 len;
	bool		 durable;	/* committed: acked, may be served */
	bool		 hook_running;
	bool		 answering;	/* the hook answered; its answer is not
					 * all in the outbox yet (msg_answer.h) */
	bool		 resumed;	/* from the log: serve once the link is up */
	uint64_t	 retry_at_ms;	/* 0: nothing to retry */
};

/* msg_outbox.c: one send, from journaled to acked and kept. */
struct outbox_entry {
	struct job_hdr	 h;		/* JK_SEND: its state and age */
	char		 id[MSG_ID_MAX];
	char		 chat[MSG_JID_MAX];
	char		 answers[MSG_ID_MAX];	/* "" for a bot-started send */
	struct msg_body	 body;
	size_t		 ndevs;		/* JS_SENT: devices it went to */
	uint64_t	 ack_deadline_ms;	/* JS_SENT */
	uint32_t	 attempts;	/* sent again for a missing ack */
	bool		 in_job;	/* a send_job works on it */
	bool		 acked;		/* the server answered: JR_ACKED written
					 * (a send given up on has none, and
					 * goes out again after a restart) */
};

struct msg_outbox {
	struct outbox_entry *v;
	size_t		 n, capv;
	struct job_store js;	/* cap, eviction and refusal counters */
};

/* Past its eviction: acked (or failed) and no longer pending. */
static inline bool
msg_outbox_done(const struct outbox_entry *e)
{
	return e->h.state == JS_KEPT || e->h.state == JS_FAILED;
}
/* A send the server did not ack in time goes out again (same id) this
 * many times before it is reported failed. */
#define MSG_ACK_ATTEMPTS	3

struct held_msg {
	struct job_hdr	 h;		/* JK_HELD */
	char		 id[MSG_ID_MAX];
	uint8_t		*bytes;		/* the encoded stanza */
	size_t		 len;
	char		 lid[MSG_JID_MAX];	/* the sender's LID user */
	uint64_t	 until_ms;
};

struct auto_replied {
	struct job_hdr	 h;		/* JK_MARK; until_ms ends the window */
	char		 chat[MSG_JID_MAX];
};

/*
 * The four tallies below are kept records (msg_job.c job_table_take):
 * under the one eviction rule, each kept only until its room is wanted,
 * oldest first, every eviction counted. Losing one only repeats a
 * harmless protocol step (a retry count starts over, a token is issued
 * again, a session may be recreated once more).
 */
/* Retry receipts we sent per incoming message id. */
struct retry_count {
	struct job_hdr	 h;
	char		 id[MSG_ID_MAX];
	uint32_t	 n;
};

/* Retry receipts we answered per (device, message id). */
struct retry_in {
	struct job_hdr	 h;
	char		 id[MSG_ID_MAX];
	char		 from[MSG_JID_MAX];
	uint32_t	 n;
};

/* whatsmeow tcTokenSenderTS: when we last issued our token to a chat. */
struct token_issued {
	struct job_hdr	 h;
	char		 chat[MSG_JID_MAX];
	uint64_t	 t_s;
};

/* whatsmeow sessionRecreateHistory. */
struct recreated {
	struct job_hdr	 h;
	char		 jid[MSG_JID_MAX];
	uint64_t	 at_ms;
};

struct msg {
	struct msg_cfg		 cfg;
	char			 auto_reply[MSG_AUTO_REPLY_MAX + 1];
	struct link		*link;
	struct hook		*hook;
	struct msg_dl		*dl;		/* msg_media.c; NULL: no downloads */
	struct msg_answers	*answers;	/* msg_answer.c; NULL until used */
	struct sig		*sig;
	struct lidmap		*lids;
	struct lidmap_log	*lidlog;	/* lids' disk writes, off the loop */
	struct tctokens		*tct;
	struct store_async	*tct_out;	/* tct's disk writes, off the loop */
	struct msg_journal	*journal;	/* msg_journal.c */
	struct inbox_entry	*inbox;		/* msg_inbox.c */
	size_t			 ninbox, capinbox;
	size_t			 inbox_bytes;	/* records + entries, MSG_INBOX_BYTES */
	uint64_t		 inbox_refused;	/* messages left unacked: no room */
	size_t			 inbox_unacked;	/* refused on this connection */
	struct msg_outbox	 outbox;	/* msg_outbox.c */
	bool			 resumed;	/* log entries resumed (first link up) */
	struct send_job		 jobs[MSG_JOBS_MAX];
	struct held_msg		 held[MSG_HELD_MAX];
	size_t			 nheld;
	struct job_store	 held_js;	/* msg_lid.c */
	struct auto_replied	 auto_replied[MSG_AUTO_REPLY_SLOTS];
	size_t			 nauto_replied;
	struct job_store	 auto_js;	/* msg_recv.c auto_reply_due */
	struct retry_count	 retries[MSG_RETRY_SLOTS];
	size_t			 nretries;
	struct job_store	 retries_js;	/* msg_retry.c */
	struct retry_in		 retry_in[MSG_RETRY_SLOTS];
	size_t			 nretry_in;
	struct job_store	 retry_in_js;	/* msg_retry.c */
	struct recreated	 recreated[MSG_RETRY_SLOTS];
	size_t			 nrecreated;
	struct job_store	 recreated_js;	/* msg_retry.c */
	struct token_issued	 issued[MSG_ISSUED_SLOTS];
	size_t			 nissued;
	struct job_store	 issued_js;	/* msg_send.c issue_token */
	uint32_t		 iq_next;
	/* The link is up and the offline marker came (msg.c on_ib): sends
	 * go out; else replies wait (JOB_WAIT_LINK). */
	bool			 link_ready;
	lws_sorted_usec_list_t	 sul_sweep;
	bool			 sweep_armed;	/* sul_sweep is scheduled */
};

/* msg.c */
/* snprintf that reports truncation as false (callers treat it as bad input). */
bool		msg_fmt(char *buf, size_t cap, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
const struct creds *msg_creds(struct msg *);
void		msg_new_iq_id(struct msg *, char out[MSG_IQ_ID_MAX]);
/* Starts the timeout sweep (1 s) unless it runs; call after setting a deadline. */
void		msg_sweep_arm(struct msg *);
int		msg_send(struct msg *, const struct bn_node *);
/* An iq through link_iq (link.h); answer: its result goes to msg_send_on_result. */
int		msg_send_iq(struct msg *, struct bn_node *iq, bool answer);
/* LID -> phone: learns (and persists) a mapping; 0 or negative. */
int		msg_lid_learn(struct msg *, const char *lid_jid, const char *pn_jid);
/* The same, only when the number is whitelisted or ours: strangers are
 * never learnt (their traffic is refused; it must not fill the map). */
int		msg_lid_learn_served(struct msg *, const char *lid_jid,
		    const char *pn_jid);
const char	*msg_lid_phone(struct msg *, const char *lid_user);
/* A LID migration sync's pairs: learnt, then saved once. */
void		msg_lid_learn_many(struct msg *, const struct msg_lid_pair *, size_t);
/* Our own phone digits, "" when unpaired. */
void		msg_own_phone(struct msg *, char out[16]);
/* True when user (a JID's user part) is our account, by number or LID. */
bool		msg_is_own_user(struct msg *, const char *user, bool lid);
void		msg_publish(struct msg *, bool accepted, const char *from,
		    const char *id, const char *reason, uint64_t t_s);
/* JID helpers: user part, device, server. 0 or -EINVAL. */
int		msg_jid_split(const char *jid, char *user, size_t ucap,
		    uint32_t *device, bool *lid);
/* The user JID (device dropped) of jid: whatsmeow JID.ToNonAD(). */
int		msg_jid_non_ad(const char *jid, char *out, size_t cap);
/* The Signal address name of a user: phone digits, or "<lid>@lid". */
void		msg_address_name(struct msg *, const char *user, bool lid,
		    char out[MSG_JID_MAX]);
/* The privacy token to attach for a contact (address name), or NULL. */
const uint8_t	*msg_tctoken(struct msg *, const char *name, size_t *len);

/* msg_recv.c */
void		msg_recv_message(struct msg *, const struct bn_node *, bool replay);
void		msg_hook_done(void *, const char *tag, enum hook_status, int code,
		    const char *reply, size_t len);

/* msg_recv.c: serves a journaled JR_IN record: 1 a hook runs for it
 * (msg_hook_done ends it), 0 nothing more to wait for, -EBUSY the hook
 * could not start yet. */
struct jrec;
struct msg_journal;
int		msg_serve_pts(struct msg *, const struct jrec *);

/* msg_inbox.c */
struct bn_node	*msg_skeleton(const struct bn_node *);
/* The <ack> (when ack), then the receipt of type receipt (NULL: none),
 * once everything journaled so far is durable; then deliver (an inbox
 * id, or NULL) is served. */
int		msg_ack_after_commit(struct msg *, const struct bn_node *,
		    const char *receipt, bool hist, bool ack, const char *deliver);
void		msg_ack_now(struct msg *, const struct bn_node *);
int		msg_inbox_add(struct msg *, const struct bn_node *,
		    const char *chat, const char *phone, const uint8_t *pts,
		    size_t ptslen, const char *receipt, bool ack);
struct inbox_entry *msg_inbox_find(struct msg *, const char *id);
/* Room for a message of up to ct_bytes of ciphertext; when there is
 * none it is counted and logged once per burst, and the caller must
 * neither decrypt nor ack it. */
bool		msg_inbox_admit(struct msg *, const char *id, size_t ct_bytes);
void		msg_inbox_deliver(struct msg *, struct inbox_entry *, bool first);
void		msg_inbox_done(struct msg *, const char *id);
/* The hook for id could not start (rc -EBUSY: its queue is full; -EAGAIN,
 * -ENOMEM): tried again after MSG_INBOX_RETRY_MS or as the queue drains;
 * any other rc serves it without a hook, as msg_recv.c does for text. */
void		msg_inbox_hook_not_run(struct msg *, const char *id, int rc);
/* Serves what waits for the hook's queue; now UINT64_MAX: whatever
 * waits, at once (a hook just ended). */
void		msg_inbox_sweep(struct msg *, uint64_t now);
bool		msg_inbox_waiting(const struct msg *);
void		msg_inbox_resume(struct msg *);
int		msg_inbox_replay(struct msg *, const struct jrec *);
int		msg_inbox_live(struct msg *, struct msg_journal *);
void		msg_inbox_free_all(struct msg *);

/* msg_outbox.c */
void		msg_outbox_init(struct msg_outbox *, size_t cap, size_t cap_bytes);
void		msg_outbox_free(struct msg_outbox *);
int		msg_outbox_put(struct msg_outbox *, const char *id,
		    const char *chat, const char *answers,
		    const struct msg_body *, struct outbox_entry **out);
struct outbox_entry *msg_outbox_find(struct msg_outbox *, const char *id);
struct outbox_entry *msg_outbox_answered(struct msg_outbox *, const char *answers);
int		msg_outbox_record(struct msg *, const char *id, const char *chat,
		    const char *answers, const struct msg_body *);
/* The server's ack of id (refused: with an error): done with either way. */
void		msg_outbox_acked(struct msg *, const char *id, bool refused);
int		msg_outbox_replay(struct msg *, const struct jrec *);
int		msg_outbox_live(struct msg *, struct msg_journal *);

/* msg_retry.c: retry receipts both ways (protocol-notes §8). */
void		msg_retry_request(struct msg *, const struct bn_node *msg);
void		msg_retry_on_receipt(struct msg *, const struct bn_node *receipt);

/* msg_lid.c: LID senders waiting for a mapping. */
void		msg_lid_hold(struct msg *, const struct bn_node *, const char *lid_user);
void		msg_lid_replay(struct msg *, const char *lid_user);
void		msg_lid_sweep(struct msg *, uint64_t now);
void		msg_lid_free_all(struct msg *);
/* The journal's JR_HELD / JR_RELEASED records, both ways. */
int		msg_lid_replay_rec(struct msg *, const struct jrec *);
int		msg_lid_live(struct msg *, struct msg_journal *);

/* msg_send.c */
bool		msg_send_on_result(struct msg *, const struct bn_node *iq);
void		msg_send_on_ack(struct msg *, const struct bn_node *ack);
struct sig_bundle;
/* A prekey bundle from a key fetch's <user> or a retry receipt's <keys>. */
bool		msg_bundle_parse(const struct bn_node *reg_parent,
		    const struct bn_node *keys, struct sig_bundle *);
void		msg_send_sweep(struct msg *, uint64_t now);
void		msg_send_free_all(struct msg *);
/* The link is usable again: replies that waited go out. */
void		msg_send_link_ready(struct msg *);
/* The outbox's sends without a job (after a restart, or queued while
 * every job was busy) get one and wait for the link. */
void		msg_send_resume(struct msg *);
/* The same, and they start at once when the link is ready. */
void		msg_send_pump(struct msg *);
/* A message we sent (or are sending), or NULL: the outbox holds them. */
struct outbox_entry *msg_sent_find(struct msg *, const char *id);
/* The job's state: its outbox entry's, or its own for a resend. */
struct job_hdr	*msg_job_state(struct msg *, struct send_job *);
/* Copies a body (from a struct msg_out or another body); -ENOMEM. */
int		msg_body_set(struct msg_body *, const struct msg_out *);
int		msg_body_copy(struct msg_body *dst, const struct msg_body *src);
/* Wipes and frees; the body is empty after. */
void		msg_body_clear(struct msg_body *);
struct send_job	*msg_job_new(struct msg *);
void		msg_job_end(struct msg *, struct send_job *);
void		msg_job_add_device(struct send_job *, const char *user_jid,
		    uint32_t dev, const char *name, bool own);
int		msg_job_ask_keys(struct msg *, struct send_job *);
int		msg_job_encrypt_and_send(struct msg *, struct send_job *);

#endif
