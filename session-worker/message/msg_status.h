/*
 * msg_status.h: where each message we send stands, as an operator or a
 * bot asks about it (issue 13: GET /api/messages/:id, SSE, webhooks):
 * queued, sent (the server's ack), delivered and read (the contact's
 * receipts), failed with the server's code. The send pipeline reports
 * every step here and nowhere else.
 *
 * The table (struct msg_status_tab, msg_status_tab.c) keeps the newest
 * MSG_STATUS_MAX messages by the time they were queued, and survives a
 * restart: every change is one line appended to the store's
 * "msgstatus.log" from a writer thread (the loop never waits on disk),
 * compacted to the table's content when the log grows past
 * MSG_STATUS_LOG_COMPACT. Eviction rule: a message queued when the table
 * is full pushes out the one queued longest ago, whatever its status.
 * Statuses only move forward (queued < sent < delivered < read <
 * played); failed ends a message unless a contact's receipt later
 * proves it arrived.
 */
#ifndef WALINK_MSG_STATUS_H
#define WALINK_MSG_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct msg;
struct bn_node;
struct lws_context;
struct store;
struct webhook;
struct worker_ipc;

enum msg_out_status {
	MSG_OUT_QUEUED,
	MSG_OUT_SENT,
	MSG_OUT_DELIVERED,
	MSG_OUT_READ,
	MSG_OUT_PLAYED,		/* a voice note the contact listened to */
	MSG_OUT_FAILED,
};

/* "queued", "sent", ... */
const char	*msg_out_status_name(enum msg_out_status);
/* The reverse; -EINVAL for an unknown name. */
int		 msg_out_status_parse(const char *, enum msg_out_status *);

/* code: the server's error code for FAILED (0: never acknowledged). */
void	msg_status_note(struct msg *, const char *id, const char *chat,
	    enum msg_out_status, int code);
/* QUEUED for a message whose type ("image", ...) the caller knows before
 * its send job exists (msg_answer.c: pacing, uploads), so the first event
 * already carries it. */
void	msg_status_note_queued(struct msg *, const char *id, const char *chat,
	    const char *type);

/*
 * A contact's <receipt> (msg.c hands every one over): no type is
 * delivered, "read" read, "played" played, for the id attribute and each
 * <list><item id> (whatsmeow receipt.go parseReceipt), from any device of
 * the chat the message went to. Other types (retry, sender, read-self,
 * ...) and ids we did not send are ignored.
 */
void	msg_status_on_receipt(struct msg *, const struct bn_node *receipt);

/*
 * The send API's body type for id ("text", "image", ...): the wire's
 * <message type> says only "text"/"media"/"reaction".
 */
void	msg_status_set_type(struct msg *, const char *id, const char *type);

/*
 * True for the tag of a status webhook event: its answer is no reply to
 * send (msg_hook_done drops it).
 */
bool	msg_status_hook_done(const char *tag);

/* --- the table ------------------------------------------------------- */

#define MSG_STATUS_MAX		1000
#define MSG_STATUS_ID_MAX	128	/* MSG_ID_MAX */
#define MSG_STATUS_TO_MAX	96	/* digits, or a chat's user part */
#define MSG_STATUS_TYPE_MAX	24
#define MSG_STATUS_LOG		"msgstatus.log"
/* The log is rewritten with the table alone past this size. */
#define MSG_STATUS_LOG_COMPACT	(512u * 1024)
/* Lines waiting for the writer thread; past this, changes are kept in
 * memory only until the next compaction (counted, logged once). */
#define MSG_STATUS_PENDING_MAX	(256u * 1024)

struct msg_status_rec {
	char			id[MSG_STATUS_ID_MAX];
	char			to[MSG_STATUS_TO_MAX];
	char			type[MSG_STATUS_TYPE_MAX];	/* "": not known */
	enum msg_out_status	status;
	uint32_t		code;		/* FAILED: the server's code */
	uint64_t		created_ms;
	uint64_t		updated_ms;
};

struct msg_status_tab;
struct store_writer;

/* Called on the loop after every change (new message or a step forward). */
typedef void msg_status_change_fn(void *arg, const struct msg_status_rec *);

/*
 * Loads what st's log holds (a torn or unreadable line is skipped and
 * logged). w: the worker's store writer (store_writer.h); NULL: changes
 * are written before msg_status_tab_set returns (tests); st NULL: memory
 * only. 0 or -errno.
 */
int	msg_status_tab_new(struct store_writer *w, struct store *st,
	    struct msg_status_tab **out);
/* Waits for its writes in flight, writes what is pending. NULL-safe. */
void	msg_status_tab_free(struct msg_status_tab *);
void	msg_status_tab_on_change(struct msg_status_tab *,
	    msg_status_change_fn *, void *arg);

/*
 * Records a step of message id to chat "to" (NULL: keep). A message is
 * created by QUEUED, SENT or FAILED (the send path) but never by a
 * receipt's step. 1 when the record changed, 0 when the step was not
 * forward, -ENOENT for a receipt step of an unknown id, -EINVAL for an
 * id or to that is empty, too long or holds spaces or control bytes.
 */
int	msg_status_tab_set(struct msg_status_tab *, const char *id,
	    const char *to, enum msg_out_status, uint32_t code, uint64_t now_ms);
/* Sets the type of a known message (persisted); 0 or -ENOENT/-EINVAL. */
int	msg_status_tab_set_type(struct msg_status_tab *, const char *id,
	    const char *type);
bool	msg_status_tab_get(const struct msg_status_tab *, const char *id,
	    struct msg_status_rec *out);
/* Up to max records changed before before_ms (0: any), latest first. */
size_t	msg_status_tab_list(const struct msg_status_tab *, uint64_t before_ms,
	    struct msg_status_rec *out, size_t max);
size_t	msg_status_tab_count(const struct msg_status_tab *);

/* One record as its log line ("\n"-ended); the length or -ENOSPC. */
int	msg_status_line(const struct msg_status_rec *, char *buf, size_t cap);
/* Replays log lines into the table (the loader; pure; fuzzed): the number
 * of lines skipped as malformed. */
size_t	msg_status_tab_replay(struct msg_status_tab *, const char *buf,
	    size_t len);

#endif
