/*
 * store_async.h: one file of the store written by a store_writer thread
 * instead of the loop. What the loop hands over while a write is queued
 * and not yet started joins that write: a blob's newest content replaces
 * the older one, a log's records are appended in order. A burst costs one
 * write, at most one runs and one waits, and every put is in a job
 * submitted no later than the put itself: a job the loop submits to the
 * same writer afterwards (a journal commit) finds it on disk.
 *
 * Without a writer (tests without a loop), or once it is stopping, the
 * write is made in place and done is called before put returns.
 */
#ifndef WALINK_STORE_ASYNC_H
#define WALINK_STORE_ASYNC_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_writer;
struct store_async;

enum store_async_kind {
	STORE_ASYNC_BLOB,	/* store_put: the newest content wins */
	STORE_ASYNC_LOG,	/* store_log_append: one record per write */
	STORE_ASYNC_CREDS	/* the encoded credentials: the newest wins */
};

/* On the loop, for each write: its result and, for a log, its new length. */
typedef void store_async_done_fn(void *arg, int rc, size_t file_len);

int	store_async_new(struct store_writer *, struct store *, const char *name,
	    enum store_async_kind, store_async_done_fn *, void *arg,
	    struct store_async **out);
/* Copies buf (wiped once written). -ENOMEM, else 0: the result comes to done. */
int	store_async_put(struct store_async *, const uint8_t *, size_t);
/*
 * A log's compaction: buf replaces the log (store_log_replace) and
 * whatever was pending, which buf must already hold; puts after it are
 * appended to it in the same write.
 */
int	store_async_replace(struct store_async *, const uint8_t *, size_t);
/*
 * Puts are numbered 1, 2, ... in order: _puts is the number of the last
 * one made; in a done callback, _written is the last one that callback's
 * write holds (with rc 0: durable, and every earlier one with it).
 */
uint64_t store_async_puts(const struct store_async *);
uint64_t store_async_written(const struct store_async *);
/* True while a write is queued or running. */
int	store_async_busy(const struct store_async *);
/* After the writer is freed (its queue run); NULL-safe. */
void	store_async_free(struct store_async *);

#endif
