/*
 * link.h: the WhatsApp link, the worker's heart (DESIGN.md "Link states and
 * disconnect strategies"). One struct link owns the WebSocket, the Noise
 * session, pairing, login, keepalive and reconnects, all on the caller's
 * lws event loop (STYLE.md rule 9): no threads, every wait a timer.
 *
 * Outside link/, nothing touches struct link: others read a snapshot
 * through link_get_view(), ask for changes through link_request_*(), send
 * through link_send_node() / link_iq_send() and hear back through struct
 * link_events.
 *
 * Inside, link.c is the one writer of struct link (link_internal.h): it
 * moves the two tables of link_fsm.c (the state the operator sees; the
 * connection phase beneath it, shutdown included), keeps the close intent,
 * and applies what the other files decide. Deciding, writing none of it:
 * link_stanza.c (struct link_verdict), link_keepalive.c (enum link_ka),
 * link_qr.c (refs, QR text; it writes only its own struct link_round),
 * link_paircode.c (struct link_code_do; it writes only its own struct
 * link_code), link_version.c (struct link_version_step), link_policy.c
 * (struct link_decision), prekeys.c (its struct prekey_batch). Helping,
 * assigning no field: link_view.c, link_send.c, link_handshake.c,
 * link_creds.c, link_backup.c (its own struct link_backup),
 * link_pairing.c (the QR rounds' timers, through link_round_*() and
 * link.c's functions), link_code_apply.c (carries out link_code_do).
 * The check: grep finds `l->field =` in link.c only.
 *
 * One disconnect, from the socket to the policy, read in link.c alone
 * (three pure steps live elsewhere):
 *   ws_on_data -> frame_reader_feed -> on_frame -> on_transport_frame
 *     -> link_on_node (link_stanza.c: <failure reason=409> is a verdict
 *        LV_DOWN with REASON_UNKNOWN and refused=409)
 *     -> apply_verdict -> link_fail_with: l->closing = the verdict's
 *        reason (the first wins) -> link_close: phase -> closing
 *        (link_conn_next, link_fsm.c), ws_client_close
 *   ws_on_close (the socket is gone) -> conn_reset: phase -> idle, pending
 *     iqs fail -> link_policy_decide (link_policy.c)
 *     -> link_policy_stop_refused -> apply_decision:
 *        link_fire(LE_SERVER_FAILURE) through link_fsm_next, no reconnect.
 * A socket that drops on its own enters at ws_on_close with no intent
 * (REASON_TIMEOUT); the keepalive's silence at ka_due -> link_fail; a
 * shutdown at link_shutdown (CE_STOP) ends in ws_on_close's CP_STOPPED.
 */
#ifndef WALINK_LINK_H
#define WALINK_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link_iq.h"
#include "link_state.h"
#include "payload.h"

struct lws_context;
struct store;
struct bn_node;
struct creds;

#define LINK_QR_MAX		512	/* ref + three base64 keys + platform */
#define LINK_DETAIL_MAX		192
#define LINK_STRATEGY_TEXT_MAX	160

/* Linking by phone number (link_paircode.c); numbered as wlipc.PairCodeStatus. */
enum link_code_status {
	LCS_NONE = 0,
	LCS_REQUESTING = 1,	/* waiting for a connection or the server's ref */
	LCS_SHOWN = 2,		/* type the code on the phone */
	LCS_TYPED = 3,		/* the phone answered; waiting for pair-success */
	LCS_WRONG_CODE = 4,	/* the phone could not open our bundle: retype */
	LCS_EXPIRED = 5,
	LCS_NOT_ON_WHATSAPP = 6,
	LCS_REFUSED = 7,	/* the server said no for another reason */
	LCS__MAX
};

#define LINK_CODE_SHOWN_MAX	10	/* "ABCD-EFGH" */

struct link_code_view {
	enum link_code_status status;
	char		 phone[16];		/* digits */
	char		 code[LINK_CODE_SHOWN_MAX];	/* "" unless shown; never logged */
	uint64_t	 expires_ms;		/* 0: unknown yet */
	char		 detail[LINK_DETAIL_MAX];
};

const char	*link_code_status_name(enum link_code_status);

struct store_writer;

struct link_cfg {
	const char	*url;			/* NULL: wss://web.whatsapp.com/ws/chat */
	const char	*origin;		/* NULL: https://web.whatsapp.com */
	const uint8_t	*trust_root;		/* 32 bytes; NULL: WhatsApp's root */
	struct wa_version version;
	const char	*device_name;		/* shown on the phone */
	uint64_t	 auth_timeout_ms;	/* seed: 180 s */
	uint64_t	 heartbeat_ms;		/* seed: 30 s */
	uint32_t	 keepalive_misses;	/* intervals without a pong before TIMEOUT: 3 */
	uint64_t	 reconnect_wait_ms;	/* 30 s */
	uint64_t	 backoff_cap_ms;	/* 5 min */
	uint64_t	 backup_interval_ms;	/* 300 s; 0: no periodic backups */
	uint32_t	 qr_rounds;		/* unscanned rounds before pausing: 5 */
	uint64_t	 qr_first_ms;		/* how long the first ref shows: 60 s */
	uint64_t	 qr_next_ms;		/* each following ref: 20 s */
	bool		 qr_terminal;		/* draw each QR on stdout */
	/* Linking by code: "Browser (OS)" as the server demands, a client type. */
	const char	*code_display;		/* NULL: "Chrome (Linux)" */
	const char	*code_platform_id;	/* NULL: "1" (Chrome) */
	uint64_t	 code_min_ms;		/* less left in a round: next round (60 s) */
	/* --wa-version auto: read the current version at start and after 405 */
	bool		 version_auto;
	const char	*version_url;		/* the page with client_revision */
	/* the worker's store writer (store_writer.h); NULL: saves in place */
	struct store_writer *writer;
};

/* A snapshot of the link for IPC, the probe and logs (all times: Unix ms). */
struct link_view {
	enum link_state	 state;
	enum link_reason last_reason;
	char		 phone[16];		/* digits, "" while unpaired */
	char		 jid[96];
	uint64_t	 started_ms;
	uint64_t	 since_ms;		/* state entered */
	uint64_t	 last_heartbeat_ms;	/* last pong; 0: none yet */
	uint32_t	 rtt_ms;
	uint64_t	 next_attempt_ms;	/* 0: none planned */
	uint64_t	 ban_until_ms;
	bool		 qr_paused;
	uint32_t	 disconnects[REASON__MAX];	/* since start, per reason */
	char		 strategy[LINK_STRATEGY_TEXT_MAX];
	char		 detail[LINK_DETAIL_MAX];	/* one line for people */
	/* Valid while state is LS_QR and !qr_paused. Never logged. */
	bool		 has_qr;
	char		 qr[LINK_QR_MAX];
	uint64_t	 qr_expires_ms;
	uint32_t	 qr_round;		/* 1-based */
	uint32_t	 qr_ref_index;		/* 1-based within the round */
	struct link_code_view code;
};

/* Called from the loop; the view is valid during the call only. */
struct link_events {
	void	(*state)(void *arg, const struct link_view *);
	void	(*heartbeat)(void *arg, const struct link_view *);
	void	(*qr)(void *arg, const struct link_view *);	/* new ref shown */
	void	(*qr_expired)(void *arg, const struct link_view *);	/* rounds paused */
	/*
	 * Every message/receipt/notification stanza after login (the link
	 * acks it once this returns), and every iq result or error that no
	 * link_iq_send() waits for.
	 */
	void	(*stanza)(void *arg, const struct bn_node *);
	void	*arg;
	/* The message module acks each <message> itself with link_ack,
	 * once what it decrypted is durable (issue 12: whatsmeow
	 * SynchronousAck); the link then acks every other stanza only. */
	bool	 defer_message_acks;
};

struct link;

int	link_new(struct lws_context *, const struct link_cfg *, struct store *,
	    const struct link_events *, struct link **out);
/* NULL-safe. Drops the connection without a close frame. */
void	link_free(struct link *);

/* Loads or makes credentials and starts the first connection. */
int	link_start(struct link *);

/*
 * Closes the connection cleanly (close frame), cancels every timer and
 * calls done(arg) from the loop once the link is quiet (SIGTERM).
 */
void	link_shutdown(struct link *, void (*done)(void *), void *arg);

void	link_get_view(const struct link *, struct link_view *);

/* The <ack> of a stanza (protocol-notes §6), for defer_message_acks. */
int	link_ack(struct link *, const struct bn_node *);

/* Operator requests (IPC). 0, or -EALREADY when there is nothing to do. */
int	link_request_restart(struct link *);	/* reconnect now; leaves stop states */
int	link_request_logout(struct link *);	/* unlink, archive, new QR */
int	link_request_new_qr(struct link *);	/* resume paused pairing */
/*
 * Link by phone number instead of a QR: phone as digits (pair_code_phone).
 * The code and its progress show in link_view.code. -EISCONN already
 * paired; -EALREADY stopping; -EBUSY the phone is finishing a pairing;
 * -ENOMEM, -EIO.
 */
int	link_request_pair_code(struct link *, const char *phone);

/* The credentials the link holds (borrowed; NULL before link_start). */
const struct creds *link_creds(const struct link *);

/* Sends a stanza on the logged-in link: -ENOTCONN before <success>. */
int	link_send_node(struct link *, const struct bn_node *);

/*
 * Sends an <iq type=get|set> on the logged-in link and calls done(arg, …)
 * once with its answer, or with NULL and -ETIMEDOUT after timeout_ms (0:
 * LINK_IQ_TIMEOUT_MS), or -ENOTCONN when the connection closes first
 * (link_iq.h). The iq keeps an id it carries; one without gets a fresh
 * one. done may be NULL: the answer is then only swallowed. Never calls
 * done when it fails: -ENOTCONN, -ENOSPC (too many pending), -EEXIST,
 * -ENOMEM or the send's error.
 */
int	link_iq_send(struct link *, struct bn_node *iq, uint64_t timeout_ms,
	    link_iq_done_fn done, void *arg);

/*
 * Puts the account signature key back into a stored identity that lacks
 * it (account.h), once it verifies; saved. 0, -EALREADY when whole.
 */
int	link_account_complete(struct link *, const uint8_t key[32]);

/* A new one-time prekey (stored, id saved) for a retry receipt. */
int	link_prekey_one(struct link *, uint32_t *id, uint8_t pub[32]);

#endif
