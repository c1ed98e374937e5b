/*
 * link_internal.h: struct link and what the link's files share
 * (link.c: lifecycle and connection; link_stanza.c: what the server says;
 * link_keepalive.c; link_qr.c; prekeys.c). Not for other modules.
 */
#ifndef WALINK_LINK_INTERNAL_H
#define WALINK_LINK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "link.h"
#include "link_policy.h"

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

#define LINK_QR_REFS_MAX	16	/* WhatsApp sends 6 */
#define LINK_REF_MAX		128
#define LINK_ID_MAX		32

enum conn_phase {
	CP_IDLE,		/* no socket */
	CP_CONNECTING,		/* WebSocket opening */
	CP_HANDSHAKE,		/* client hello sent, waiting for server hello */
	CP_TRANSPORT,		/* Noise done; stanzas flow */
	CP_CLOSING,		/* we asked the socket to close */
};

/* Why we are closing a connection ourselves (the socket close then says nothing new). */
enum close_intent {
	CI_NONE,
	CI_FAULT,		/* the server told us why: close_reason holds it */
	CI_QR_ROUND,		/* last ref expired: new pairing round */
	CI_RESTART,		/* operator restart, or 515 after pairing */
	CI_LOGOUT,		/* operator logout */
	CI_SHUTDOWN,		/* SIGTERM */
	CI_PASSKEY,		/* a passkey step was demanded: stop, tell the operator */
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
	enum conn_phase		 phase;
	enum close_intent	 intent;
	enum link_reason	 close_reason;	/* with CI_FAULT */
	uint64_t		 close_ban_until_mono;
	int			 close_refused;	/* <failure> code that stops; 0 none */
	bool			 logged_in;
	int			 local_fault;	/* our error handling a frame */

	/* shutdown */
	bool			 stopping;
	void			(*stop_done)(void *);
	void			*stop_arg;

	/* periodic backups: made beside the loop (store_writer.h) */
	struct store_writer	*writer;
	struct store_snapshot	*backup;	/* one in flight, or NULL */

	/* timers, all on the loop */
	lws_sorted_usec_list_t	 sul_reconnect, sul_auth, sul_ka, sul_pong,
				 sul_qr, sul_backup, sul_stop;

	/* keepalive */
	char			 ping_id[LINK_ID_MAX];
	bool			 ping_outstanding;
	uint64_t		 ping_sent_mono, last_pong_mono;
	uint32_t		 rtt_ms;
	uint64_t		 last_heartbeat_wall;

	/* pairing */
	char			 refs[LINK_QR_REFS_MAX][LINK_REF_MAX];
	uint32_t		 nrefs, ref_next, round;
	bool			 qr_paused, has_qr;
	char			 qr[LINK_QR_MAX];
	uint64_t		 qr_expires_wall;
	uint64_t		 round_ends_wall;	/* last ref of the round expires */

	/* pairing by code (link_paircode.c) */
	struct pair_code	*pc;		/* sodium memory; NULL: none */
	enum link_code_status	 code_status;
	char			 code_phone[16];
	char			 code_detail[LINK_DETAIL_MAX];
	uint64_t		 code_expires_wall;
	bool			 code_hello_sent;
	bool			 code_round_ok;	/* this round serves the code */
	uint8_t			 code_qr_adv[32];	/* the QR's adv secret, back after a wrong code */
	unsigned		 code_gen;	/* bumped when the code is dropped */
	struct link_kdf		*kdf;		/* a stretch running off the loop */

	/* --wa-version auto (link_version.c) */
	struct wa_version_fetch	*version_fetch;
	lws_sorted_usec_list_t	 sul_version;
	lws_sorted_usec_list_t	 sul_kdf;
	char			 code_hello_id[LINK_ID_MAX];
	char			 code_finish_id[LINK_ID_MAX];

	/* stanza ids */
	char			 id_prefix[8];
	uint32_t		 id_next;
	char			 prekey_count_id[LINK_ID_MAX];
	char			 prekey_upload_id[LINK_ID_MAX];
	uint32_t		 prekey_upload_top;
	bool			 passive_due;	/* login's passive iq not sent yet */
	/* prekeys made a chunk per loop turn before one upload (prekeys.c) */
	lws_sorted_usec_list_t	 sul_prekeys;
	uint8_t			(*pk_pubs)[32];
	uint32_t		 pk_first, pk_n, pk_done;
	uint8_t			*pk_blob;	/* the first batch (store/keys.h) */
	size_t			 pk_blob_len;
};

#define LINK_OF(sul, field)	lws_container_of(sul, struct link, field)

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
void	link_auth_timeout(lws_sorted_usec_list_t *);
void	link_connect_soon(struct link *, uint64_t ms);
void	link_fire(struct link *, enum link_event, const char *detail);
void	link_fail(struct link *, enum link_reason, const char *detail);
void	link_close(struct link *, enum close_intent);
void	link_new_id(struct link *, char out[LINK_ID_MAX]);
int	link_save_creds(struct link *, const char *what);
void	link_publish_state(struct link *);
void	link_schedule(struct link *, lws_sorted_usec_list_t *, sul_cb_t,
	    uint64_t ms);

/* link_stanza.c */
int	link_on_node(struct link *, struct bn_node *);

/* link_keepalive.c */
void	link_keepalive_start(struct link *);
void	link_keepalive_stop(struct link *);
void	link_keepalive_on_result(struct link *);

/* link_qr.c */
int	link_qr_begin(struct link *, const struct bn_node *pair_device);
void	link_qr_stop(struct link *);
void	link_qr_round_ended(struct link *);	/* connection closed for a new round */

/* link_paircode.c */
void	link_code_on_round(struct link *);	/* pair-device: a live round began */
bool	link_code_on_round_end(struct link *);	/* true: keep the connection */
int	link_code_on_result(struct link *, const struct bn_node *iq);	/* 1: ours */
int	link_code_on_notification(struct link *, const struct bn_node *);
void	link_code_paired(struct link *);
void	link_code_conn_ended(struct link *);
void	link_code_free(struct link *);	/* link_free: waits for a stretch */
void	link_code_view(const struct link *, struct link_code_view *);
void	link_code_drop(struct link *, enum link_code_status, const char *why);
/* companion_reg_refresh and passkey_prologue_request (link_qr.c) */
int	link_qr_refresh(struct link *);
int	link_passkey_demanded(struct link *);

/* link_version.c */
void	link_version_refresh(struct link *, const char *why);
void	link_version_free(struct link *);

/* prekeys.c */
int	link_prekeys_on_login(struct link *);
int	link_prekeys_on_result(struct link *, const struct bn_node *iq);
int	link_prekeys_on_notification(struct link *, const struct bn_node *);
void	link_prekeys_stop(struct link *);	/* connection gone: drop a batch */

/* link_stanza.c: the passive iq, once after login's prekey round trips. */
int	link_passive_after_prekeys(struct link *);

#endif
