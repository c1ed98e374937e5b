/*
 * msg_answer.h: what the bot sends (issue 13): a hook's answer to a
 * message, and the sends it starts itself (POST /api/messages). Either is
 * plain text or typed JSON (msg_answer_json.h); each message in it is
 * paced (msg_pace.h), optionally announced by "typing..." (a <chatstate>
 * composing, then paused, as whatsmeow SendChatPresence), its file opened
 * and uploaded beside the loop (media/media_upload.h, hosts from
 * msg_media.h), composed (msg_compose.h) and handed to msg_send_content.
 * The messages of one chat go out in order; the loop never waits: pacing
 * and typing are lws timers, uploads are threads.
 */
#ifndef WALINK_MSG_ANSWER_H
#define WALINK_MSG_ANSWER_H

#include <stddef.h>
#include <stdint.h>

struct msg;

struct msg_answer_cfg {
	uint32_t	 pace_per_chat;	/* messages a minute to one chat; 0: no limit */
	uint32_t	 pace_global;	/* messages a minute in all; 0: no limit */
	uint64_t	 typing_ms;	/* "typing..." before each message; 0: none */
	const char	*send_dir;	/* where bots write files to send (exists) */
	uint64_t	 send_max_bytes;	/* 0: 100 MiB */
};

/*
 * An answer has ended: each of its messages is in the outbox (journaled:
 * it goes out, across a crash too) or failed for good (logged). The
 * inbound message may leave the journal now (issue 12).
 */
typedef void msg_answer_done_fn(struct msg *, const char *inbound_id);

/* The message being answered. */
struct msg_answer_ctx {
	const char	*chat;			/* user JID to answer in */
	const char	*inbound_id;		/* NULL: none (no quote, no reaction target) */
	const char	*inbound_sender_jid;	/* its sender: a quote's participant */
	const uint8_t	*inbound_pb;		/* its unpadded Message, for quoting */
	size_t		 inbound_len;
	msg_answer_done_fn *done;		/* NULL: not told */
};

/*
 * Sends a hook's answer. 0 once queued: the messages go out later (each
 * failure is logged by item, type and reason, never content) and
 * ctx->done is called once for inbound_id when the last has reached the
 * outbox or failed, perhaps before msg_answer returns; never when the
 * worker stops first (the journal serves the message again). A message
 * of the answer already in the outbox for inbound_id (an answer made
 * again after a crash) is skipped at once: neither sent twice nor held
 * by pacing. -EINVAL for an answer of a bad shape (logged), -ENODATA for
 * an empty one, -EBUSY when too many answers wait; done is not called.
 */
int	msg_answer(struct msg *, const struct msg_answer_ctx *, const char *reply,
	    size_t len);

/*
 * A send the bot starts: to_digits a whitelisted number (-EPERM else),
 * json a hook answer in JSON ("to" is ignored if present). id_out gets the
 * first message's id at once (its status: queued) though it may go out
 * later (pacing, upload); type_out (may be NULL) its type. -EINVAL for a
 * body of the wrong shape: why (may be NULL) says which item and field,
 * never a value.
 */
#define MSG_SEND_WHY_MAX	128
#define MSG_SEND_TYPE_MAX	16	/* "document" and the like */
int	msg_send_request(struct msg *, const char *to_digits, const char *json,
	    size_t len, char id_out[], char type_out[MSG_SEND_TYPE_MAX],
	    char why[MSG_SEND_WHY_MAX]);

/* msg_free: cancels what waits, stops the uploads. NULL-safe state. */
void	msg_answer_free(struct msg *);

#endif
