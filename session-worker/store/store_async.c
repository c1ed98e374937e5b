/*
 * store_async.c: see store_async.h. The pending bytes are shared by the
 * loop (put) and the writer thread (the job taking them): one mutex. A
 * job carries its own result, so the loop reads nothing the thread may
 * be writing for the next one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store.h"
#include "store_async.h"
#include "store_writer.h"

struct store_async {
	struct store_writer	*w;
	struct store		*st;
	char			 name[STORE_NAME_MAX];
	enum store_async_kind	 kind;
	store_async_done_fn	*done;
	void			*arg;
	pthread_mutex_t		 lock;
	uint8_t			*buf;		/* pending: not yet taken by a job */
	size_t			 len, cap;
	bool			 queued;	/* a job will take buf */
	bool			 replace;	/* ... and replace the log with it */
	int			 jobs;		/* submitted, done not yet called */
	uint64_t		 puts;		/* loop: puts so far */
	uint64_t		 pend_upto;	/* under lock: puts buf holds */
	uint64_t		 written;	/* loop: puts of the job done last */
};

struct job {
	struct store_async	*a;
	size_t			 file_len;
	uint64_t		 upto;		/* the puts this job wrote */
};

static void
wipe_free(uint8_t *b, size_t cap)
{
	if (b != NULL) {
		sodium_memzero(b, cap);
		free(b);
	}
}

/* On the writer thread (or in place): takes what is pending, writes it. */
static int
job_work(void *arg)
{
	struct job *j = arg;
	struct store_async *a = j->a;
	uint8_t *b;
	size_t len, cap;
	bool replace;
	int rc;

	pthread_mutex_lock(&a->lock);
	replace = a->replace;
	a->replace = false;
	b = a->buf;
	len = a->len;
	cap = a->cap;
	a->buf = NULL;
	a->len = a->cap = 0;
	a->queued = false;
	j->upto = a->pend_upto;
	pthread_mutex_unlock(&a->lock);
	if (b == NULL)
		return 0;
	switch (a->kind) {
	case STORE_ASYNC_BLOB:
		rc = store_put(a->st, a->name, b, len);
		break;
	case STORE_ASYNC_CREDS:
		rc = store_put_creds_text(a->st, b, len);
		break;
	default:
		if (!replace) {
			rc = store_log_append(a->st, a->name, b, len, &j->file_len);
			break;
		}
		rc = store_log_replace(a->st, a->name, b, len);
		j->file_len = len;
		break;
	}
	wipe_free(b, cap);
	return rc;
}

/* On the loop. */
static void
job_done(void *arg, int rc)
{
	struct job *j = arg;
	struct store_async *a = j->a;
	size_t file_len = j->file_len;

	a->written = j->upto;
	free(j);
	a->jobs--;
	if (a->done != NULL)
		a->done(a->arg, rc, file_len);
}

int
store_async_new(struct store_writer *w, struct store *st, const char *name,
    enum store_async_kind kind, store_async_done_fn *done, void *arg,
    struct store_async **out)
{
	struct store_async *a;

	if (strlen(name) >= STORE_NAME_MAX || (a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	a->w = w;
	a->st = st;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->kind = kind;
	a->done = done;
	a->arg = arg;
	pthread_mutex_init(&a->lock, NULL);
	*out = a;
	return 0;
}

/* Adds b to what is pending (appended for a log, in place of it else). */
static int
pend(struct store_async *a, const uint8_t *b, size_t len, bool replace)
{
	size_t keep = a->kind == STORE_ASYNC_LOG && !replace ? a->len : 0, cap;
	uint8_t *grown;

	if (keep + len > a->cap || a->buf == NULL) {
		cap = a->cap ? a->cap : 256;
		while (cap < keep + len)
			cap *= 2;
		if ((grown = malloc(cap)) == NULL)
			return -ENOMEM;
		if (keep > 0)
			memcpy(grown, a->buf, keep);
		wipe_free(a->buf, a->cap);
		a->buf = grown;
		a->cap = cap;
	} else if (keep == 0 && a->len > 0) {
		sodium_memzero(a->buf, a->len);
	}
	memcpy(a->buf + keep, b, len);
	a->len = keep + len;
	if (replace)
		a->replace = true;
	return 0;
}

static int
put(struct store_async *a, const uint8_t *b, size_t len, bool replace)
{
	struct job *j;
	bool submit = false;
	int rc;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->a = a;
	pthread_mutex_lock(&a->lock);
	if ((rc = pend(a, b, len, replace)) == 0) {
		submit = !a->queued;
		a->queued = true;
		a->pend_upto = ++a->puts;
	}
	pthread_mutex_unlock(&a->lock);
	if (rc < 0 || !submit) {	/* joined the queued job */
		free(j);
		return rc;
	}
	a->jobs++;
	if (a->w == NULL ||
	    store_writer_submit(a->w, job_work, job_done, j) < 0)
		job_done(j, job_work(j));	/* no thread (any more): in place */
	return 0;
}

int
store_async_put(struct store_async *a, const uint8_t *b, size_t len)
{
	return put(a, b, len, false);
}

int
store_async_replace(struct store_async *a, const uint8_t *b, size_t len)
{
	return put(a, b, len, true);
}

uint64_t
store_async_puts(const struct store_async *a)
{
	return a->puts;
}

uint64_t
store_async_written(const struct store_async *a)
{
	return a->written;
}

int
store_async_busy(const struct store_async *a)
{
	return a->jobs > 0;
}

void
store_async_free(struct store_async *a)
{
	if (a == NULL)
		return;
	wipe_free(a->buf, a->cap);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
