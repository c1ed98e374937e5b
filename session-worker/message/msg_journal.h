/*
 * msg_journal.h: the message journal (issue 12), whatsmeow's
 * SynchronousAck and decrypted-event buffer (store/sqlstore
 * "whatsmeow_event_buffer"; message.go handleDecryptedMessage and
 * bufferedDecrypt) and its UseRetryMessageStore, on one append-only log
 * (store_log, "journal.log", 0600, sealed with the store's key).
 *
 * Records (msg_jrec.h) join a batch; at the end of the loop turn the
 * batch goes to the writer thread with every Signal blob changed since
 * (sig_take_dirty) as one write and one fdatasync: a group commit. What
 * must wait for durability (the server's <ack> and receipt of a
 * message, the hook, an encrypted stanza going out) waits in
 * msg_journal_after, called back on the loop once everything queued
 * before it is on disk. One commit is in flight at a time; what arrives
 * meanwhile forms the next batch.
 *
 * Compaction: when the log passes JOURNAL_COMPACT_BYTES, the next
 * commit replaces it (atomic rename) with the Signal blobs still only
 * in memory as records, then what the message layer says is live
 * (msg_journal_live_fn), then writes those blobs to their own files and
 * lets the Signal cache drop them. A crash at any point leaves a log
 * whose replay gives the newest state.
 */
#ifndef WALINK_MSG_JOURNAL_H
#define WALINK_MSG_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg_jrec.h"

struct lws_context;
struct store;
struct sig;
struct msg_journal;
struct store_writer;

#define JOURNAL_LOG_NAME	"journal.log"
#define JOURNAL_COMPACT_BYTES	(1024 * 1024)
/* Signal blobs held in memory before a compaction writes them out. */
#define JOURNAL_COMPACT_BLOBS	2048

/* rc: 0 durable, negative: the commit failed (nothing is promised). */
typedef void msg_journal_after_fn(void *arg, int rc);
/* Calls msg_journal_keep for every record still live. */
typedef int msg_journal_live_fn(void *arg, struct msg_journal *);
/* Replay: every record of the log, in order. */
typedef int msg_journal_replay_fn(void *arg, const struct jrec *);

struct msg_journal_stats {
	uint64_t	commits;	/* group commits (each: one fdatasync) */
	uint64_t	records;	/* records written */
	uint64_t	compactions;
	uint64_t	failures;
};

/* w: the worker's store writer, shared (store_writer.h); NULL: commits
 * in place (tests without a loop). */
int	msg_journal_open(struct lws_context *, struct store_writer *w,
	    struct store *, struct sig *, msg_journal_live_fn *, void *arg,
	    struct msg_journal **out);
/*
 * Before the loop runs: replays the log (a torn last record is dropped
 * and logged), writes its Signal blobs to their files, and compacts.
 */
int	msg_journal_load(struct msg_journal *, msg_journal_replay_fn *, void *arg);
/* After a load failed: the log is renamed aside (store_log_set_aside). */
int	msg_journal_set_aside(struct msg_journal *);
/* Finishes what is queued (blocking), then frees. NULL-safe. */
void	msg_journal_free(struct msg_journal *);

/* Queues a record for the next commit (encoded now: r may go). */
int	msg_journal_add(struct msg_journal *, const struct jrec *);
/* The same for a record whose loss only repeats work (a message served,
 * a send acked: served or sent again after a crash): it waits for the
 * next commit something else asks for, and shares its fdatasync. */
int	msg_journal_add_lazy(struct msg_journal *, const struct jrec *);
/* fn(arg, rc) once all queued so far (and the Signal state) is durable. */
int	msg_journal_after(struct msg_journal *, msg_journal_after_fn *, void *arg);
/* Commits now (when none is in flight): tests without a loop. */
void	msg_journal_flush(struct msg_journal *);
/* From msg_journal_live_fn only. */
int	msg_journal_keep(struct msg_journal *, const struct jrec *);
void	msg_journal_get_stats(const struct msg_journal *,
	    struct msg_journal_stats *);

#endif
