/*
 * msg_job.h: the life of everything the message layer keeps about an
 * outbound message or a waiting inbound one, as one state machine and
 * one eviction rule (issue 16).
 *
 * Kinds folded in, each a store of entries that embed a struct job_hdr:
 *   JK_SEND     the outbox (msg_outbox.c): a journaled send from queued
 *               to acked and then kept for retry receipts. The outbox IS
 *               the job store for sends: one owner of a message's life,
 *               journaled as before (JR_OUT, JR_ACKED). While a step is
 *               active a send_job (at most MSG_JOBS_MAX) holds its iq id,
 *               deadline and devices; the state stays in the entry. A send
 *               given up on (failed without the server's answer) has no
 *               JR_ACKED and goes out again after a restart, as before,
 *               unless it was evicted before the journal's compaction.
 *   JK_RESEND   an answer to a retry receipt (msg_retry.c): a send_job
 *               whose steps go through the same table; it ends once sent
 *               (the original's entry already holds the ack that counts).
 *   JK_HELD     a stanza waiting for its LID mapping (msg_lid.c,
 *               journaled JR_HELD / JR_RELEASED as before).
 *   JK_MARK     an auto-reply mark (msg_recv.c): one per chat per window.
 * Left as they are: the retry counters (msg_retry.c retries, retry_in,
 * recreated) and the privacy-token issuance times (msg_send.c issued)
 * are caches, not jobs: losing the oldest only repeats a harmless
 * protocol step (one more retry receipt, one more token issuance), they
 * have no state to walk and nothing to journal.
 *
 * The table (job_next; anything else is invalid and a bug to log):
 *
 *   state \ event  RECORD  WAIT_LINK ASK_DEVICES ASK_KEYS SENT  ACK   REFUSED FAIL   HOLD RELEASE MARK   EXPIRE EVICT LOGGED_ACK
 *   FREE           QUEUED  .         .           KEYS(1)  SENT  .     .       .      HELD .       MARKED .      .     .
 *   QUEUED         .       WAIT_LINK USYNC       .        .     .     .       FAILED .    .       .      .      .     KEPT
 *   WAIT_LINK      .       WAIT_LINK USYNC       .        .     .     .       FAILED .    .       .      .      .     .
 *   USYNC          .       WAIT_LINK .           KEYS     SENT  .     .       FAILED .    .       .      .      .     .
 *   KEYS           .       WAIT_LINK .           .        SENT  .     .       FAILED .    .       .      .      .     .
 *   SENT           .       WAIT_LINK .           .        .     KEPT  FAILED  FAILED .    .       .      .      .     .
 *   KEPT           .       .         .           .        .     .     .       .      .    .       .      .      FREE  .
 *   FAILED         .       .         .           .        .     .     .       .      .    .       .      .      FREE  .
 *   HELD           .       .         .           .        .     .     .       .      .    DONE    .      .      .     .
 *   MARKED         .       .         .           .        .     .     .       .      .    .       MARKED DONE   .     .
 *   DONE           .       .         .           .        .     .     .       .      .    .       MARKED .      FREE  .
 *
 *   (1) a resend whose session must be rebuilt; SENT straight from FREE
 *       is a resend on the session we have.
 *
 * Active states (never evicted: a full store refuses with -EBUSY and
 * counts it): QUEUED, WAIT_LINK, USYNC, KEYS, SENT, HELD, and MARKED
 * until its window lapses. Kept-only states (the oldest goes when the
 * store is full, counted): KEPT, FAILED, DONE, and a lapsed MARKED.
 */
#ifndef WALINK_MSG_JOB_H
#define WALINK_MSG_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum job_kind { JK_SEND, JK_RESEND, JK_HELD, JK_MARK, JK__MAX };

enum job_state {
	JS_FREE,	/* no job: the slot is unused */
	JS_QUEUED,	/* journaled; no active job yet (every one busy, or
			 * read back from the log unacked) */
	JS_WAIT_LINK,	/* waits for the link (and the offline marker) */
	JS_USYNC,	/* asked for the devices */
	JS_KEYS,	/* asked for key bundles */
	JS_SENT,	/* stanza out (after its commit), waits for the ack */
	JS_KEPT,	/* acked: kept only to answer retry receipts */
	JS_FAILED,	/* refused by the server, or given up */
	JS_HELD,	/* an inbound stanza waiting for its LID mapping */
	JS_MARKED,	/* auto-replied to this chat within the window */
	JS_DONE,	/* finished; kept only until the slot is wanted */
	JS__MAX,
	JS_INVALID = -1
};

enum job_event {
	JE_RECORD,	/* journaled (JR_OUT) */
	JE_WAIT_LINK,	/* the link is down or not ready: wait for it */
	JE_ASK_DEVICES,	/* usync went out */
	JE_ASK_KEYS,	/* key fetch went out */
	JE_SENT,	/* the stanza went out */
	JE_ACK,		/* the server's ack */
	JE_REFUSED,	/* the server's ack with an error */
	JE_FAIL,	/* given up: timeout, no ack, local error */
	JE_HOLD,	/* held for a LID mapping */
	JE_RELEASE,	/* its mapping came, or the hold lapsed: replayed */
	JE_MARK,	/* auto-reply sent to this chat */
	JE_EXPIRE,	/* the mark's window lapsed */
	JE_EVICT,	/* the slot is taken back */
	JE_LOGGED_ACK,	/* read back from the log: JR_ACKED */
	JE__MAX
};

/* The state after event, or JS_INVALID when the table has no such move. */
enum job_state	job_next(enum job_state, enum job_event);
const char	*job_state_name(enum job_state);
const char	*job_event_name(enum job_event);
/* Waiting for something (never evicted). */
bool		job_state_active(enum job_state);

/* Every kept entry of a store begins its life here. */
struct job_hdr {
	enum job_kind	 kind;
	enum job_state	 state;
	uint64_t	 seq;		/* admission order: the age eviction uses */
	uint64_t	 until_ms;	/* JS_MARKED: when the mark lapses */
};

/*
 * One move through the table. false (state unchanged, logged as a bug)
 * when the move is not in it; what names the job in that log line.
 */
bool	job_move(struct job_hdr *, enum job_event, const char *what);

/* A bounded store's counters and its eviction log's burst. */
struct job_store {
	const char	*name;		/* "outbox", "LID holds", ... */
	size_t		 cap;
	size_t		 cap_bytes;	/* 0: bounded by count alone */
	size_t		 bytes;		/* what the entries hold; the owner counts */
	uint64_t	 seq;
	uint64_t	 evicted;	/* kept entries dropped for room */
	uint64_t	 refused;	/* admissions refused: all active */
	uint64_t	 burst_evicted, burst_refused;	/* not yet logged */
	uint64_t	 logged_ms;	/* last log line; 0 none yet */
};

/* A burst's counts are logged at most this often (the first at once). */
#define JOB_LOG_EVERY_MS	60000

void	job_store_init(struct job_store *, const char *name, size_t cap);

/*
 * The one eviction rule. base holds n entries of stride bytes, each with
 * its struct job_hdr at hdr_off; a new one would hold need bytes. Full
 * means n reached cap, or (cap_bytes set) bytes + need passes cap_bytes.
 * Returns:
 *   0       room: append at index n
 *   1       full: *victim is the oldest entry in a kept-only state (a
 *           lapsed mark counts); its header has been moved to JS_FREE;
 *           the caller frees what it holds, takes its size off bytes and
 *           asks again (a large entry may need several to go). Counted
 *           in evicted.
 *   -EBUSY  full and every entry active: nothing evicted. Counted in
 *           refused.
 * now (ms, monotonic) decides whether a mark lapsed and paces the log.
 */
int	job_store_admit(struct job_store *, void *base, size_t n, size_t stride,
	    size_t hdr_off, size_t need, uint64_t now, size_t *victim);
/* A new entry's header: kind, JS_FREE, the next age. */
void	job_store_stamp(struct job_store *, struct job_hdr *, enum job_kind);
/*
 * A table of small kept records found by the caller's key (retry counts,
 * token issuances): the slot for a new one, zeroed, its header a mark
 * that lapsed at once (kept only until its room is wanted), taken by
 * job_store_admit's rule, so the oldest goes and is counted. *n grows up
 * to the store's cap.
 */
void	*job_table_take(struct job_store *, void *base, size_t *n,
	    size_t stride, size_t hdr_off, uint64_t now);

#endif
