/*
 * link_internal.h: struct link and what the link's files share. Not for
 * other modules. link.c is the one file that assigns fields of struct link
 * (link.h says who decides and who helps). Four sub-structs have their
 * own single writer: struct link_round (link_qr.c), struct link_code
 * (link_paircode.c), struct link_backup (link_backup.c) and the iq table
 * (link_iq.c); link.c embeds them and applies what their owners say.
 */
#ifndef WALINK_LINK_INTERNAL_H
#define WALINK_LINK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "link.h"
#include "link_policy.h"
#include "pair.h"

struct ws_client;
struct frame_reader;
struct frame_writer;
struct noise_hs;
struct noise_cipher;
struct creds;
struct bn_node;
struct pair_code;
struct link_kdf;
struct wa_version_fetch;
struct prekey_batch;
struct store_async;
struct store;

#define LINK_QR_REFS_MAX	16	/* WhatsApp sends 6 */
#define LINK_REF_MAX		128
#define LINK_ID_MAX		32

/*
 * Why the current connection closes: set once, by link.c, when the phase
 * enters CP_CLOSING (the first reason wins); read by ws_on_close.
 */
struct link_close {
	enum close_intent intent;	/* CI_NONE: the peer or the network closed */
	enum link_reason reason;	/* with CI_FAULT */
	int		 refused;	/* CI_FAULT: a <failure> code that stops; 0 none */
	uint64_t	 ban_until_mono;	/* CI_FAULT, REASON_BAN: 0 unknown */
};

/*
 * What one stanza calls for (link_stanza.c decides, link.c applies: the
 * stanza file writes no field of struct link).
 */
enum link_verdict_kind {
	LV_NONE,		/* nothing to change */
	LV_LOGIN,		/* <success>; lid may be set */
	LV_PAIRED,		/* a verified pair-success: pair, reply */
	LV_ROUTING,		/* new edge routing info to keep */
	LV_PAIR_DEVICE,		/* a pairing round's refs: pair_device */
	LV_QR_REFRESH,		/* companion_reg_refresh: a new QR secret */
	LV_PASSKEY,		/* passkey_prologue_request: stop linking */
	LV_PREKEYS_LOW,		/* an encrypt notification: prekeys_left */
	LV_CODE_ANSWER,		/* link_code_companion_reg: the phone typed the code */
	LV_DOWN,		/* the connection must end: down, detail */
};

struct link_verdict {
	enum link_verdict_kind kind;
	const char		*lid;		/* LV_LOGIN; borrowed from the stanza */
	struct pair_result	 pair;		/* LV_PAIRED */
	struct bn_node		*reply;		/* LV_PAIRED; link.c sends and frees */
	const struct bn_node	*pair_device;	/* LV_PAIR_DEVICE; borrowed */
	const struct bn_node	*code_answer;	/* LV_CODE_ANSWER; borrowed */
	const uint8_t		*routing;	/* LV_ROUTING; borrowed */
	size_t			 routing_len;
	int			 prekeys_left;	/* LV_PREKEYS_LOW; -1 unknown */
	struct link_close	 down;		/* LV_DOWN */
	char			 detail[LINK_DETAIL_MAX];	/* LV_DOWN */
};

/*
 * A pairing round and the QR on show: link_qr.c's alone (link.c reads it
 * and calls link_round_*() from its timers). The QR text is a secret.
 */
struct link_round {
	char			 refs[LINK_QR_REFS_MAX][LINK_REF_MAX];
	uint32_t		 nrefs, ref_next;	/* ref_next: 1-based index shown */
	uint32_t		 round;		/* unscanned rounds since a reset */
	bool			 paused;	/* qr_rounds unscanned: a person must ask */
	bool			 has_qr;
	char			 text[LINK_QR_MAX];
	uint64_t		 expires_wall;	/* of the QR on show */
	uint64_t		 ends_wall;	/* last ref of the round expires */
};

/*
 * Linking by phone number: link_paircode.c's alone (link.c only embeds it
 * and reads it for the view).
 */
struct link_code {
	struct pair_code	*pc;		/* sodium memory; NULL: none */
	enum link_code_status	 status;
	char			 phone[16];
	char			 detail[LINK_DETAIL_MAX];
	uint64_t		 expires_wall;
	bool			 hello_sent;
	bool			 round_ok;	/* this round serves the code */
	uint8_t			 qr_adv[32];	/* the QR's adv secret, back after a wrong code */
	unsigned		 gen;		/* bumped when the code is dropped */
	struct link_kdf		*kdf;		/* a stretch running off the loop */
	char			 hello_id[LINK_ID_MAX];
	char			 finish_id[LINK_ID_MAX];
};

/* Credential saves on the store writer: link_creds.c's alone. */
typedef void link_creds_then_fn(struct link *, int rc, uint64_t tag);
struct link_creds_wait {
	uint64_t		 upto;		/* store_async's put number */
	link_creds_then_fn	*fn;
	uint64_t		 tag;
};
#define LINK_CREDS_WAITS	4
struct link_creds_saves {
	struct store_async	*a;		/* NULL: saves in place */
	const char		*what;		/* the last save's reason, for logs */
	struct link_creds_wait	 wait[LINK_CREDS_WAITS];
	size_t			 nwait;
};

/* The periodic backup: link_backup.c's alone. */
struct link_backup {
	struct lws_context	*cx;
	struct store		*st;
	struct store_writer	*writer;
	const struct creds	*creds;
	uint64_t		 interval_ms;	/* 0: none */
	struct store_snapshot	*snap;		/* one in flight, or NULL */
	lws_sorted_usec_list_t	 sul;
};

struct link {
	struct lws_context	*cx;
	struct link_cfg		 cfg;
	struct store		*st;
	struct link_events	 ev;
	struct creds		*creds;		/* sodium memory */
	struct link_policy	 policy;

	enum link_state		 state;
	uint64_t		 started_wall, since_wall;
	enum link_reason	 last_reason;
	char			 strategy[LINK_STRATEGY_TEXT_MAX];
	char			 detail[LINK_DETAIL_MAX];
	uint64_t		 next_attempt_wall, ban_until_wall;

	/* connection */
	struct ws_client	*ws;
	struct frame_reader	*rd;
	struct frame_writer	*wr;
	struct noise_hs		*hs;
	struct noise_cipher	*tx, *rx;
	enum conn_phase		 phase;		/* link_conn_next() moves it */
	struct link_close	 closing;	/* with CP_CLOSING */
	int			 local_fault;	/* our error handling a frame */

	/* shutdown (phase CP_STOPPING/CP_STOPPED): done() once the socket is gone */
	void			(*stop_done)(void *);
	void			*stop_arg;

	/* durable writes beside the loop: the worker's one store writer
	 * (store_writer.h, link_cfg.writer); periodic backups on their own */
	struct store_writer	*writer;	/* NULL: writes in place (tests) */
	struct store_writer	*backup_writer;
	struct link_backup	 backup;	/* link_backup.c's */
	struct link_creds_saves	 saves;		/* link_creds.c's */

	/* timers, all on the loop */
	lws_sorted_usec_list_t	 sul_reconnect, sul_auth, sul_ka, sul_pong,
				 sul_qr, sul_stop;

	/* keepalive */
	char			 ping_id[LINK_ID_MAX];
	bool			 ping_outstanding;
	uint64_t		 ping_sent_mono, last_pong_mono;
	uint32_t		 rtt_ms;
	uint64_t		 last_heartbeat_wall;

	/* pairing rounds: link_qr.c writes it, link.c's timers move it */
	struct link_round	 qr;

	/* pairing by code: link_paircode.c writes it, link.c applies what it says */
	struct link_code	 code;
	lws_sorted_usec_list_t	 sul_kdf;	/* polls code.kdf while it runs */

	/* --wa-version auto: link.c fetches, link_version.c decides */
	struct wa_version_fetch	*version_fetch;
	lws_sorted_usec_list_t	 sul_version;

	/* stanza ids, and the iqs waiting for an answer (link_iq.h) */
	char			 id_prefix[8];
	uint32_t		 id_next;
	struct link_iq_table	 iqs;
	lws_sorted_usec_list_t	 sul_iq;	/* at the earliest iq deadline */
	uint32_t		 prekey_upload_top;
	bool			 passive_due;	/* login's passive iq not sent yet */
	/* prekeys made a step per loop turn before one upload (prekeys.c) */
	lws_sorted_usec_list_t	 sul_prekeys;
	struct prekey_batch	*pk;		/* NULL: none being made */
	uint64_t		 pk_gen;	/* bumped per batch: a save's tag */
	/* spare keys for retry receipts, made and saved ahead (link.c) */
	lws_sorted_usec_list_t	 sul_spare;
	struct prekey_batch	*spare;		/* NULL: none */
	uint32_t		 spare_used;	/* handed out of spare */
	bool			 spare_ready;	/* its keys and ids are durable */
	uint64_t		 spare_gen;
	/* the pair-success reply, sent once the pairing's creds are durable */
	struct bn_node		*pair_reply;
	uint64_t		 pair_gen;
};

/* link_shutdown() was called: no new connection, no operator request. */
static inline bool
link_stopping(const struct link *l)
{
	return l->phase == CP_STOPPING || l->phase == CP_STOPPED;
}

#define LINK_OF(sul, field)	lws_container_of(sul, struct link, field)

/* <success> came on this connection: a bot's stanzas may flow. */
static inline bool
link_logged_in(const struct link *l)
{
	return l->phase == CP_LOGGED_IN;
}

/* link.c */
/*
 * Why the bytes of one WebSocket message ended the connection, in words:
 * reader_rc from frame_reader_feed, local_fault the error our own handling
 * of a well-formed stanza returned (0: none). A local failure (a full send
 * queue: -ENOBUFS) is said to be ours, never the server's bad framing.
 */
void	link_feed_fault_text(int reader_rc, int local_fault, char *out,
	    size_t cap);
int	link_send_raw(struct link *, const struct bn_node *);	/* before login too */
/* link_iq_send() before login too (pairing by code). */
int	link_iq_send_raw(struct link *, struct bn_node *iq, uint64_t timeout_ms,
	    link_iq_done_fn, void *arg);
void	link_auth_timeout(lws_sorted_usec_list_t *);
void	link_connect_soon(struct link *, uint64_t ms);
void	link_fire(struct link *, enum link_event, const char *detail);
void	link_close(struct link *, enum close_intent);
void	link_new_id(struct link *, char out[LINK_ID_MAX]);
void	link_publish_state(struct link *);
void	link_schedule(struct link *, lws_sorted_usec_list_t *, sul_cb_t,
	    uint64_t ms);

/* link.c, asked by the pairing files: pair-success is signed with this
 * secret from now; a fresh pairing round for a code (resumes a paused one,
 * ends one in progress, leaves passkey_required). */
void	link_adv_secret_set(struct link *, const uint8_t secret[32]);
int	link_adv_secret_renew(struct link *, const char *why);	/* random, saved */
void	link_fail(struct link *, enum link_reason, const char *detail);
void	link_fresh_round(struct link *);

/* link_send.c: the login's passive iq (Baileys sendPassiveIq) */
int	link_send_passive(struct link *);

/* link_handshake.c: the client hello; the finish with the login payload */
int	link_hs_send_hello(struct link *);
int	link_hs_send_finish(struct link *);

/* link_creds.c: credentials at start (restored or new); a fresh identity */
int	link_load_credentials(struct link *);
int	link_new_identity(struct link *);
/* The saves: by the store writer (queued ones coalesce); _then calls fn
 * on the loop once this save is durable or failed (rc); _now in place.
 * Any of them logs a failure. */
int	link_creds_saves_open(struct link *);
void	link_creds_saves_close(struct link *);
int	link_save_creds(struct link *, const char *what);
int	link_save_creds_then(struct link *, const char *what,
	    link_creds_then_fn *, uint64_t tag);
int	link_save_creds_now(struct link *, const char *what);

/* link_backup.c: every interval_ms (0: never) while paired */
void	link_backup_start(struct link_backup *, struct lws_context *,
	    struct store *, struct store_writer *, const struct creds *,
	    uint64_t interval_ms);
void	link_backup_stop(struct link_backup *);

/*
 * link_stanza.c: answers what needs an answer (acks, pings, pairing
 * errors) and says in *v what the stanza calls for. Negative: a send failed.
 */
int	link_on_node(struct link *, struct bn_node *, struct link_verdict *v);
/* whatsmeow client.go sendUnifiedSession: the <ib> sent after a pairing. */
struct bn_node *link_unified_session_node(uint64_t now_wall_ms);

/* link_keepalive.c: what a keepalive tick calls for; link.c runs the timers. */
enum link_ka {
	KA_PING,		/* all well: ping */
	KA_PING_LATE,		/* the last ping went unanswered: unstable, ping again */
	KA_DEAD,		/* silent for keepalive_misses intervals: TIMEOUT */
};
enum link_ka	 link_keepalive_tick(uint64_t now_ms, uint64_t last_pong_ms,
		    uint64_t limit_ms, bool ping_outstanding);
uint64_t	 link_keepalive_late_ms(uint64_t heartbeat_ms);
struct bn_node	*link_keepalive_ping(void);

/* link_qr.c: the usable refs of a <pair-device> (0: none), the QR text */
uint32_t link_qr_refs(const struct bn_node *pair_device,
	    char refs[LINK_QR_REFS_MAX][LINK_REF_MAX]);
void	link_qr_text(char out[LINK_QR_MAX], const char *ref, const struct creds *);
/* A <pair-device>'s round begins (-EBADMSG: no usable ref). */
int	link_round_begin(struct link_round *, const struct bn_node *pd,
	    uint64_t now_wall, uint64_t first_ms, uint64_t next_ms);
/* Shows the next ref's QR for *ms; false: the round is over. */
bool	link_round_show_next(struct link_round *, const struct creds *,
	    uint64_t now_wall, uint64_t first_ms, uint64_t next_ms, uint64_t *ms);
/* The QR on show again with a new adv secret; false: none on show. */
bool	link_round_redraw(struct link_round *, const struct creds *);
void	link_round_hide(struct link_round *);	/* wipes the QR text */
void	link_round_stop(struct link_round *);	/* wipes QR and refs */
void	link_round_restart(struct link_round *);	/* rounds count from 0, unpaused */
void	link_round_pause(struct link_round *);
/* link_pairing.c: the rounds on the link; link_qr_stop ends the round's
 * timer and wipes its QR; link_qr_round_ended: its connection closed. */
void	link_qr_begin(struct link *, const struct bn_node *pair_device);
void	link_qr_refresh(struct link *);
void	link_passkey_demanded(struct link *);
void	link_qr_stop(struct link *);
void	link_qr_round_ended(struct link *);

/*
 * link_paircode.c: decides, link.c applies. What the link around the code
 * is now (link.c fills it), and what the code calls for.
 */
struct link_code_ctx {
	bool			 round_live;	/* CP_TRANSPORT with a round's refs */
	bool			 round_usable;	/* live, qr not paused, code_min_ms left */
	uint64_t		 round_ends_wall;
	const struct creds	*creds;
	const char		*platform_id, *display;	/* NULL: defaults */
};

enum link_code_iq { LCI_HELLO, LCI_FINISH };	/* which answer an iq awaits */

struct link_code_do {
	char		 forget[2][LINK_ID_MAX];	/* iqs of a dropped code; "" none */
	bool		 publish;	/* the code's status changed */
	bool		 fresh_round;	/* link_fresh_round() */
	bool		 login_deadline;	/* the login timeout from now */
	bool		 poll_kdf;	/* a stretch started: poll code.kdf */
	bool		 set_adv;	/* pair-success is signed with adv now */
	uint8_t		 adv[32];	/* link.c wipes it once applied */
	struct bn_node	*send;		/* an <iq xmlns=md> child; link.c sends, frees,
					 * then tells link_code_sent() */
	enum link_code_iq send_for;
};

int	link_code_request(struct link_code *, const char *phone,
	    const struct link_code_ctx *, struct link_code_do *);
void	link_code_on_round(struct link_code *, const struct link_code_ctx *,
	    struct link_code_do *);	/* pair-device: a live round began */
bool	link_code_on_round_end(struct link_code *, struct link_code_do *);	/* true: keep the connection */
void	link_code_on_notification(struct link_code *, const struct bn_node *,
	    struct link_code_do *);
void	link_code_on_hello_reply(struct link_code *, const struct bn_node *iq,
	    int why, struct link_code_do *);
void	link_code_on_finish_reply(struct link_code *, const struct bn_node *iq,
	    int why, struct link_code_do *);
/* The iq d->send went out as id (rc 0) or could not (rc < 0, id NULL). */
void	link_code_sent(struct link_code *, enum link_code_iq, const char *id,
	    int rc, const struct link_code_ctx *, struct link_code_do *);
/* true: the stretch still runs; else d says what its end calls for */
bool	link_code_kdf_poll(struct link_code *, const struct link_code_ctx *,
	    struct link_code_do *);
void	link_code_paired(struct link_code *, struct link_code_do *);
void	link_code_conn_ended(struct link_code *, struct link_code_do *);
/* Adds to d (never clears it): a drop may follow other steps. */
void	link_code_drop(struct link_code *, enum link_code_status, const char *why,
	    struct link_code_do *);
void	link_code_free(struct link_code *);	/* waits for a stretch */
void	link_code_view(const struct link_code *, struct link_code_view *);

/* link_code_apply.c: what the link is to the code; carries out d */
void	link_code_ctx_of(const struct link *, struct link_code_ctx *);
void	link_code_apply(struct link *, struct link_code_do *d);

/* link_version.c: what a version read means; link.c fetches and applies. */
enum link_version_kind {
	LVS_UNREAD,		/* no answer: keep the version */
	LVS_NOT_NEWER,		/* keep the version */
	LVS_NEWER,		/* use .use from the next connection */
};
struct link_version_step {
	enum link_version_kind kind;
	struct wa_version	 use;		/* LVS_NEWER */
	bool			 restart;	/* LVS_NEWER while outdated */
	bool			 detail_set;	/* LVS_UNREAD while outdated: */
	char			 detail[LINK_DETAIL_MAX];	/* the new detail line */
};
bool	link_version_wanted(bool version_auto, bool fetching, bool stopping);
struct link_version_step link_version_decide(const struct wa_version *cur,
	    enum link_state, int rc, const struct wa_version *got,
	    const char *url, const char *err);

/* prekeys.c */
/* n keys after next_id, made by steps: _step 1 more to do, 0 all stored */
int		 prekey_batch_new(uint32_t next_id, uint32_t n, struct prekey_batch **);
struct store_writer;
/* 1: call again (keys to make, or writes of w's thread not yet durable). */
int		 prekey_batch_step(struct prekey_batch *, struct store *,
		    struct store_writer *w);
uint32_t	 prekey_batch_first(const struct prekey_batch *);
uint32_t	 prekey_batch_count(const struct prekey_batch *);
struct bn_node	*prekey_batch_upload_node(const struct prekey_batch *,
		    const struct creds *);
void		 prekey_batch_free(struct prekey_batch *);
struct bn_node	*link_prekeys_count_iq(void);
int		 link_prekeys_count(const struct bn_node *);	/* <count value>; -1 */
/* Keys to make for a server count (-1 unknown); 0: none. topup_only:
 * an encrypt notification, never the first upload. */
uint32_t	 link_prekeys_wanted(int server_count, bool topup_only,
		    uint32_t uploaded_id);
/* The public half of the batch's i-th key (id first + i). */
const uint8_t	*prekey_batch_pub(const struct prekey_batch *, uint32_t i);
/* The first id a new batch of n may take: past next_id and pending. */
uint32_t	 prekey_batch_next_first(uint32_t next_id,
		    const struct prekey_batch *pending, uint32_t n);
int		 link_prekeys_make_one(struct store *, uint32_t next_id,
		    const struct prekey_batch *pending, uint32_t *id, uint8_t pub[32]);

#endif
