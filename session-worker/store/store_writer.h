/*
 * store_writer.h: one thread beside the loop for disk work that need not
 * hold the loop (syncs of finished snapshots, pruning): jobs run in
 * submission order on the thread; each one's completion comes back on
 * the loop (lws_cancel_service, then ws_wake_add's callback). The loop
 * never waits on a job, except in store_writer_free, which finishes the
 * queue first.
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
/* Runs what is queued, then stops the thread; done callbacks of jobs
 * still pending are called from here. NULL-safe. */
void	store_writer_free(struct store_writer *);

#endif
