/*
 * store_writer.h: one thread beside the loop for the worker's durable
 * writes: jobs run in submission order on the thread; each one's
 * completion comes back on the loop (lws_cancel_service, then
 * ws_wake_add's callback). The loop never waits on a job, except in
 * store_writer_drain and store_writer_free, at shutdown.
 *
 * The worker has ONE such writer for its session (main.c makes it and
 * hands it to the journal, the status table, the credentials, prekeys,
 * the LID map's log and the tctokens), so a job submitted after another
 * finds the other's writes on disk: the credentials recording prekey ids
 * follow the key files, a journal commit follows the LID map lines it
 * relies on. Batching stays with the users: the journal's group commit
 * (one loop turn's records, one sync), store_async's coalescing (queued
 * puts join the queued write). The periodic backup's copy alone runs on
 * a second writer of its own (link_backup.c): it copies every session
 * file and syncs each, seconds on a slow disk, and a journal commit (and
 * so an inbound message's ack) must not queue behind it; it reads only
 * hard links taken on the loop, so it needs no order with the rest.
 */
#ifndef WALINK_STORE_WRITER_H
#define WALINK_STORE_WRITER_H

struct lws_context;
struct store_writer;

/* work runs on the writer's thread; done(arg, work's result) on the loop. */
typedef int store_work_fn(void *arg);
typedef void store_done_fn(void *arg, int rc);

int	store_writer_new(struct lws_context *, struct store_writer **out);
/* -ENOMEM, or -ESHUTDOWN once store_writer_free has begun (a done
 * callback submitting more): the job is not queued then, and the caller
 * does the work in place. */
int	store_writer_submit(struct store_writer *, store_work_fn *,
	    store_done_fn *, void *arg);
/* On the loop, at shutdown: waits until nothing is queued or running
 * and every done callback (and what they queued) has run. The writer
 * stays usable; a user calls it before freeing what its jobs point to.
 * NULL-safe. */
void	store_writer_drain(struct store_writer *);
/* Runs what is queued, then stops the thread; done callbacks of jobs
 * still pending are called from here. NULL-safe. */
void	store_writer_free(struct store_writer *);

#endif
