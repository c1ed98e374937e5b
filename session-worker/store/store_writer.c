/*
 * store_writer.c: a job queue served by one thread. Finished jobs move to
 * a done list and the loop is woken (lws_cancel_service is safe from any
 * thread); on the loop, the wake callback runs their done functions. One
 * mutex guards both lists; work and done functions run without it.
 */
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <libwebsockets.h>

#include "transport/ws.h"

#include "store_writer.h"

struct job {
	STAILQ_ENTRY(job)	 entry;
	store_work_fn		*work;
	store_done_fn		*done;
	void			*arg;
	int			 rc;
};
STAILQ_HEAD(jobs, job);

struct store_writer {
	struct lws_context	*cx;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct jobs		 todo, done;
	bool			 running;	/* the thread holds a job */
	bool			 draining;	/* the loop waits in _drain */
	pthread_cond_t		 idle;		/* a job finished, for _drain */
	bool			 stopping;
};

static void *
writer_main(void *arg)
{
	struct store_writer *w = arg;
	struct job *j;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (STAILQ_EMPTY(&w->todo) && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if ((j = STAILQ_FIRST(&w->todo)) == NULL)
			break;		/* stopping, queue empty */
		STAILQ_REMOVE_HEAD(&w->todo, entry);
		w->running = true;
		pthread_mutex_unlock(&w->lock);
		j->rc = j->work(j->arg);
		pthread_mutex_lock(&w->lock);
		w->running = false;
		STAILQ_INSERT_TAIL(&w->done, j, entry);
		if (w->draining)
			pthread_cond_signal(&w->idle);
		else if (!w->stopping)
			lws_cancel_service(w->cx);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* On the loop: the done functions of finished jobs, in order. */
static void
writer_wake(void *arg)
{
	struct store_writer *w = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		if ((j = STAILQ_FIRST(&w->done)) != NULL)
			STAILQ_REMOVE_HEAD(&w->done, entry);
		pthread_mutex_unlock(&w->lock);
		if (j == NULL)
			return;
		if (j->done != NULL)
			j->done(j->arg, j->rc);
		free(j);
	}
}

int
store_writer_new(struct lws_context *cx, struct store_writer **out)
{
	struct store_writer *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->cx = cx;
	STAILQ_INIT(&w->todo);
	STAILQ_INIT(&w->done);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	pthread_cond_init(&w->idle, NULL);
	if ((rc = ws_wake_add(cx, writer_wake, w)) < 0)
		goto out_free;
	if ((rc = -pthread_create(&w->thread, NULL, writer_main, w)) < 0) {
		ws_wake_remove(cx, writer_wake, w);
		goto out_free;
	}
	*out = w;
	return 0;
out_free:
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return rc;
}

int
store_writer_submit(struct store_writer *w, store_work_fn *work,
    store_done_fn *done, void *arg)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {	/* the thread is gone or going: nobody would run it */
		pthread_mutex_unlock(&w->lock);
		free(j);
		return -ESHUTDOWN;
	}
	STAILQ_INSERT_TAIL(&w->todo, j, entry);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void
store_writer_drain(struct store_writer *w)
{
	bool idle;

	if (w == NULL)
		return;
	for (;;) {
		writer_wake(w);		/* may queue more */
		pthread_mutex_lock(&w->lock);
		w->draining = true;
		while (STAILQ_EMPTY(&w->done) &&
		    (w->running || !STAILQ_EMPTY(&w->todo)))
			pthread_cond_wait(&w->idle, &w->lock);
		idle = STAILQ_EMPTY(&w->done) && !w->running &&
		    STAILQ_EMPTY(&w->todo);
		w->draining = false;
		pthread_mutex_unlock(&w->lock);
		if (idle)
			return;
	}
}

void
store_writer_free(struct store_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	ws_wake_remove(w->cx, writer_wake, w);
	writer_wake(w);		/* what finished without its wake-up */
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
