/*
 * msg.h: 1:1 messages (protocol-notes §8, §9), spoken as whatsmeow
 * speaks them (issue 11): receive and decrypt, whitelist every sender
 * first (LIDs mapped to phone numbers, fail closed), report
 * accepted/refused over IPC (metadata only), run the bot hook and send
 * its reply to the chat, which is the sender without its device, on
 * every device of the contact and of our own account. Everything runs
 * on the worker's loop: stanzas arrive through link_events.stanza, iqs
 * go out with link_send_node, hooks run beside the loop (hook.h).
 * Message text is never logged.
 *
 * Files: msg.c routing, notifications (privacy tokens, identity changes,
 * LID mappings) and the offline backlog; msg_recv.c incoming messages
 * and their receipts; msg_send.c fan-out, <tctoken>, the server's acks;
 * msg_retry.c retry receipts both ways; msg_lid.c LID senders waiting
 * for a mapping; msg_stanza.c the outgoing stanza shapes (tested against
 * Baileys' bytes); msg_tctoken.c the token table; msg_codec.c padding,
 * protobuf, ids.
 *
 * Durability (issue 12): msg_journal.c is the one append-only log every
 * decrypted message, send and Signal state change goes through (group
 * commit on a writer thread; msg_jrec.c its record format); msg_inbox.c
 * acks a message and runs its hook only once it is durable and keeps it
 * until answered; msg_outbox.c keeps every send until the server acked
 * it and never answers one message twice.
 *
 * Jobs (issue 16): msg_job.h is the one state machine of everything kept
 * about a message on its way: a send (queued, waiting for the link,
 * usync, keys, sent, kept for retry receipts or failed), a resend
 * answering a retry receipt, a LID hold, an auto-reply mark. Every move
 * goes through job_next's table; every bounded store (the outbox, which
 * is the store of sends; the LID holds; the auto-reply marks) makes room
 * by job_store_admit, the one eviction rule: the oldest entry that is
 * only kept goes, an active one never does (the newcomer is refused).
 * Both are counted per store and reach /metrics (msg_store_counts).
 */
#ifndef WALINK_MSG_H
#define WALINK_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "hook/hook.h"
#include "message/msg_answer.h"
#include "message/msg_media.h"

struct lws_context;
struct link;
struct store;
struct whitelist;
struct worker_ipc;
struct msg_status_tab;
struct bn_node;

/* The auto-reply is one short notice, not a bot. */
#define MSG_AUTO_REPLY_MAX	1023

struct store_writer;

struct msg_cfg {
	struct lws_context	*cx;
	struct store_writer	*writer;	/* the worker's; NULL: in place */
	struct store		*st;
	struct whitelist	*wl;
	struct worker_ipc	*ipc;		/* may be NULL (tests) */
	struct msg_status_tab	*status;	/* sent messages' statuses; may be NULL */
	bool			 hook_status;	/* status events to --hook-url too */
	struct hook_cfg		 hook;
	struct msg_media_cfg	 media;		/* received media downloads */
	struct msg_answer_cfg	 answer;	/* typed answers: pacing, typing, files */
	const char		*auto_reply;	/* to refused senders; NULL or "": none */
};

struct msg;

/* Loads the LID map; -EINVAL for a bad hook URL. */
int	msg_new(const struct msg_cfg *, struct msg **out);
/* The link exists after msg (its events point here): attach it next. */
void	msg_attach_link(struct msg *, struct link *);
/* NULL-safe; before the lws context is destroyed (hook.h). */
void	msg_free(struct msg *);

/* link_events.state: up is connected or unstable. A link going down
 * holds new replies and sends again what the server had not acked. */
void	msg_on_link_state(struct msg *, bool up);

/* link_events.stanza */
void	msg_on_stanza(void *msg, const struct bn_node *);

/* A message id from the wire: 22 (WA Web, Baileys 7), 32 and 40
 * characters are common; protocol-notes §8 says never assume a length. */
#define MSG_ID_MAX		128
#define MSG_CONTENT_TYPE_MAX	24

/*
 * One outgoing message as WhatsApp carries it: the encoded WAMessage
 * (not padded, not wrapped for our own devices) and the stanza
 * attributes its kind needs (whatsmeow send.go getTypeFromMessage,
 * getMediaTypeFromMessage).
 */
struct msg_out {
	const uint8_t	*pb;
	size_t		 len;
	const char	*type;		/* <message type>: "text", "media",
					 * "reaction"; NULL: "text" */
	const char	*mediatype;	/* <enc mediatype>: "image", "ptt",
					 * "document", ...; NULL: none */
	const char	*id;		/* a message id given out before (a send
					 * the bot started); NULL: a new one */
};

/*
 * Sends content to a chat (a user jid: a device jid is -EINVAL) on every
 * device, ours included. answers: the inbound message id this replies
 * to, NULL for a send the bot started. id_out (may be NULL) gets the new
 * message's id. 0 once queued; -EBUSY when too many are in flight.
 */
int	msg_send_content(struct msg *, const char *chat_jid,
	    const struct msg_out *, const char *answers,
	    char id_out[MSG_ID_MAX]);
/* The bounded stores' counters (msg_job.h), for /metrics; the inbox
 * never evicts, it only refuses (a message left unacked). */
#define MSG_STORES	8
struct msg_store_count {
	const char	*store;		/* "outbox", "lid_holds", ... */
	uint64_t	 evicted, refused;
};
size_t	msg_store_counts(const struct msg *, struct msg_store_count out[MSG_STORES]);

/* msg_send_content of Message{conversation: text}. */
int	msg_send_text(struct msg *, const char *chat_jid, const char *text);

#endif
