/*
 * msg_journal.c: see msg_journal.h. The loop owns the batch and the
 * callbacks; a commit job owns copies of its records and blobs, so the
 * writer thread touches nothing the loop does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "log.h"
#include "signal/sig.h"
#include "store/store.h"
#include "store/store_writer.h"

#include "msg_journal.h"

struct after {
	msg_journal_after_fn	*fn;
	void			*arg;
};

/* Owned record bytes; name set for blobs written to files. */
struct owned {
	char		 name[STORE_NAME_MAX];
	uint8_t		*buf;
	size_t		 len;
};

struct vec {
	struct owned	*v;
	size_t		 n, cap;
};

struct commit {
	struct msg_journal	*j;
	struct store		*st;
	struct vec		 recs;		/* appended, or the whole new log */
	struct vec		 blobs;		/* compaction: to their files */
	struct after		*after;
	size_t			 nafter;
	bool			 compact;
	uint64_t		 gen;
	size_t			 file_len;	/* out */
};

struct msg_journal {
	struct lws_context	*cx;
	struct store		*st;
	struct sig		*sig;
	struct store_writer	*w;
	msg_journal_live_fn	*live;
	void			*live_arg;
	struct vec		 batch;
	struct after		*after;
	size_t			 nafter, capafter;
	struct vec		*keep_into;	/* during live() */
	bool			 in_flight, armed, want_compact, closing;
	size_t			 file_len;
	lws_sorted_usec_list_t	 sul;
	struct msg_journal_stats stats;
};

static void
vec_clear(struct vec *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->v[i].buf != NULL) {
			sodium_memzero(v->v[i].buf, v->v[i].len);
			free(v->v[i].buf);
		}
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* Takes buf (owned from now on, also on failure). */
static int
vec_push(struct vec *v, const char *name, uint8_t *buf, size_t len)
{
	struct owned *grown;
	size_t cap;

	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 16;
		if ((grown = realloc(v->v, cap * sizeof(*grown))) == NULL) {
			if (buf != NULL) {
				sodium_memzero(buf, len);
				free(buf);
			}
			return -ENOMEM;
		}
		v->v = grown;
		v->cap = cap;
	}
	memset(&v->v[v->n], 0, sizeof(v->v[v->n]));
	if (name != NULL)
		snprintf(v->v[v->n].name, sizeof(v->v[v->n].name), "%s", name);
	v->v[v->n].buf = buf;
	v->v[v->n].len = len;
	v->n++;
	return 0;
}

static int
vec_push_rec(struct vec *v, const struct jrec *r)
{
	uint8_t *b;
	size_t n;
	int rc;

	if ((rc = jrec_encode(r, &b, &n)) < 0)
		return rc;
	return vec_push(v, NULL, b, n);
}

/* A Signal blob as a JR_BLOB record (len 0: deleted). */
static int
vec_push_blob_rec(struct vec *v, const char *name, const uint8_t *buf,
    size_t len)
{
	struct jrec r;

	memset(&r, 0, sizeof(r));
	r.type = JR_BLOB;
	snprintf(r.from, sizeof(r.from), "%s", name);
	r.data = buf;
	r.len = len;
	return vec_push_rec(v, &r);
}

static int
copy_blob(struct vec *v, const char *name, const uint8_t *buf, size_t len)
{
	uint8_t *c = NULL;

	if (len > 0 && (c = malloc(len)) == NULL)
		return -ENOMEM;
	if (len > 0)
		memcpy(c, buf, len);
	return vec_push(v, name, c, len);
}

struct blob_ctx {
	struct vec	*recs, *files;
	int		 rc;
};

static void
take_blob(void *arg, const char *name, const uint8_t *buf, size_t len)
{
	struct blob_ctx *c = arg;
	int rc;

	if ((rc = vec_push_blob_rec(c->recs, name, buf, len)) == 0 &&
	    c->files != NULL)
		rc = copy_blob(c->files, name, buf, len);
	if (rc < 0 && c->rc == 0)
		c->rc = rc;
}

static void
ignore_blob(void *arg, const char *name, const uint8_t *buf, size_t len)
{
	(void)arg, (void)name, (void)buf, (void)len;
}

static int
items_of(const struct vec *v, struct store_item **out)
{
	size_t i;

	*out = NULL;
	if (v->n == 0)
		return 0;
	if ((*out = calloc(v->n, sizeof(**out))) == NULL)
		return -ENOMEM;
	for (i = 0; i < v->n; i++) {
		(*out)[i].name = v->v[i].name;
		(*out)[i].buf = v->v[i].buf;
		(*out)[i].len = v->v[i].len;
	}
	return 0;
}

/* Blobs to their files: the live ones in one group commit, then the deleted. */
static int
write_blobs(struct store *st, const struct vec *blobs)
{
	struct store_item *items;
	size_t i, n = 0;
	int rc;

	if (blobs->n == 0)
		return 0;
	if ((items = calloc(blobs->n, sizeof(*items))) == NULL)
		return -ENOMEM;
	for (i = 0; i < blobs->n; i++)
		if (blobs->v[i].len > 0) {
			items[n].name = blobs->v[i].name;
			items[n].buf = blobs->v[i].buf;
			items[n].len = blobs->v[i].len;
			n++;
		}
	rc = n > 0 ? store_put_many(st, items, n) : 0;
	free(items);
	for (i = 0; rc == 0 && i < blobs->n; i++)
		if (blobs->v[i].len == 0 &&
		    (rc = store_del(st, blobs->v[i].name)) == -ENOENT)
			rc = 0;
	return rc;
}

/* On the writer thread. */
static int
commit_work(void *arg)
{
	struct commit *c = arg;
	struct store_item *items;
	int rc;

	if ((rc = items_of(&c->recs, &items)) < 0)
		return rc;
	if (c->compact) {
		if ((rc = store_log_replace_many(c->st, JOURNAL_LOG_NAME, items,
		    c->recs.n)) == 0)
			rc = write_blobs(c->st, &c->blobs);
		c->file_len = 0;
	} else {
		rc = store_log_append_many(c->st, JOURNAL_LOG_NAME, items,
		    c->recs.n, &c->file_len);
	}
	free(items);
	return rc;
}

static void submit(struct msg_journal *);

static void
commit_free(struct commit *c)
{
	vec_clear(&c->recs);
	vec_clear(&c->blobs);
	free(c->after);
	free(c);
}

/* On the loop. */
static void
commit_done(void *arg, int rc)
{
	struct commit *c = arg;
	struct msg_journal *j = c->j;
	size_t i;

	j->in_flight = false;
	if (rc == -EFBIG)
		j->want_compact = true;
	if (rc < 0) {
		j->stats.failures++;
		log_warn(rc, "message journal: %s failed; the messages of this "
		    "commit are not acknowledged (the server sends them again)",
		    c->compact ? "compaction" : "commit");
	} else {
		j->stats.commits++;
		j->stats.records += c->recs.n;
		if (c->compact) {
			j->stats.compactions++;
			j->file_len = 0;
			sig_cached_flushed(j->sig, c->gen);
		} else {
			j->file_len = c->file_len;
		}
	}
	if (j->file_len > JOURNAL_COMPACT_BYTES ||
	    sig_cached_count(j->sig) > JOURNAL_COMPACT_BLOBS)
		j->want_compact = true;
	/* closing: durable or not, nothing more goes out */
	for (i = 0; i < c->nafter; i++)
		c->after[i].fn(c->after[i].arg, j->closing ? -ECANCELED : rc);
	commit_free(c);
	if (!j->closing && (j->batch.n > 0 || j->nafter > 0))
		submit(j);
}

static void
run_after_now(struct msg_journal *j)
{
	struct after *a = j->after;
	size_t i, n = j->nafter;

	j->after = NULL;
	j->nafter = j->capafter = 0;
	for (i = 0; i < n; i++)
		a[i].fn(a[i].arg, 0);
	free(a);
}

static void
submit(struct msg_journal *j)
{
	struct blob_ctx bc;
	struct commit *c;
	int rc;

	if (j->in_flight)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->j = j;
	c->st = j->st;
	c->compact = j->want_compact;
	if (c->compact) {
		/* the blobs still in memory, then what is live: a whole log */
		bc = (struct blob_ctx){ &c->recs, &c->blobs, 0 };
		/* taken: this commit holds every cached blob */
		(void)sig_take_dirty(j->sig, ignore_blob, NULL);
		c->gen = sig_each_cached(j->sig, take_blob, &bc);
		j->keep_into = &c->recs;
		rc = bc.rc < 0 ? bc.rc : j->live(j->live_arg, j);
		j->keep_into = NULL;
		if (rc < 0) {
			commit_free(c);
			goto fail;
		}
		vec_clear(&j->batch);	/* their effect is in the live records */
		j->want_compact = false;
	} else {
		bc = (struct blob_ctx){ &j->batch, NULL, 0 };
		c->gen = sig_take_dirty(j->sig, take_blob, &bc);
		if (bc.rc < 0) {
			commit_free(c);
			goto fail;
		}
		if (j->batch.n == 0) {	/* nothing to write: only waiters */
			free(c);
			run_after_now(j);
			return;
		}
		c->recs = j->batch;
		memset(&j->batch, 0, sizeof(j->batch));
	}
	c->after = j->after;
	c->nafter = j->nafter;
	j->after = NULL;
	j->nafter = j->capafter = 0;
	j->in_flight = true;
	if (j->w == NULL) {	/* no loop (tests): in place */
		commit_done(c, commit_work(c));
		return;
	}
	if ((rc = store_writer_submit(j->w, commit_work, commit_done, c)) < 0) {
		j->in_flight = false;
		/* put the waiters back; the records are lost with c */
		j->after = c->after;
		j->nafter = j->capafter = c->nafter;
		c->after = NULL;
		commit_free(c);
		goto fail;
	}
	return;
fail:
	log_warnx("message journal: out of memory; waiting messages are not "
	    "acknowledged (the server sends them again)");
	{
		struct after *a = j->after;
		size_t i, n = j->nafter;

		j->after = NULL;
		j->nafter = j->capafter = 0;
		for (i = 0; i < n; i++)
			a[i].fn(a[i].arg, -ENOMEM);
		free(a);
	}
}

static void
turn_end(lws_sorted_usec_list_t *sul)
{
	struct msg_journal *j = lws_container_of(sul, struct msg_journal, sul);

	j->armed = false;
	submit(j);
}

/* The commit waits for the end of this loop turn: all that the turn
 * adds shares its fdatasync. */
static void
arm(struct msg_journal *j)
{
	if (j->armed || j->in_flight)
		return;
	if (j->cx == NULL || j->closing) {	/* no loop (tests): commit now */
		submit(j);
		return;
	}
	j->armed = true;
	lws_sul_schedule(j->cx, 0, &j->sul, turn_end, 1);
}

int
msg_journal_add(struct msg_journal *j, const struct jrec *r)
{
	int rc;

	/* without a loop, records wait for a waiter or msg_journal_flush */
	if ((rc = vec_push_rec(&j->batch, r)) == 0 && j->cx != NULL)
		arm(j);
	return rc;
}

int
msg_journal_after(struct msg_journal *j, msg_journal_after_fn *fn, void *arg)
{
	struct after *grown;
	size_t cap;

	if (j->nafter == j->capafter) {
		cap = j->capafter ? j->capafter * 2 : 16;
		if ((grown = realloc(j->after, cap * sizeof(*grown))) == NULL)
			return -ENOMEM;
		j->after = grown;
		j->capafter = cap;
	}
	j->after[j->nafter].fn = fn;
	j->after[j->nafter].arg = arg;
	j->nafter++;
	arm(j);
	return 0;
}

int
msg_journal_add_lazy(struct msg_journal *j, const struct jrec *r)
{
	return vec_push_rec(&j->batch, r);
}

void
msg_journal_flush(struct msg_journal *j)
{
	submit(j);
}

int
msg_journal_keep(struct msg_journal *j, const struct jrec *r)
{
	if (j->keep_into == NULL)
		return -EINVAL;
	return vec_push_rec(j->keep_into, r);
}

void
msg_journal_get_stats(const struct msg_journal *j, struct msg_journal_stats *s)
{
	*s = j->stats;
}

int
msg_journal_open(struct lws_context *cx, struct store_writer *w,
    struct store *st, struct sig *sig, msg_journal_live_fn *live, void *arg,
    struct msg_journal **out)
{
	struct msg_journal *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->cx = cx;
	j->st = st;
	j->sig = sig;
	j->live = live;
	j->live_arg = arg;
	j->w = w;
	*out = j;
	return 0;
}

struct replay {
	msg_journal_replay_fn	*fn;
	void			*arg;
	struct vec		 blobs;
	size_t			 bad;
};

static int
replay_take(void *arg, const uint8_t *rec, size_t len)
{
	struct replay *r = arg;
	struct jrec jr;
	size_t i;

	if (jrec_decode(rec, len, &jr) < 0) {
		r->bad++;	/* not ours to read: skipped, the rest is good */
		return 0;
	}
	if (jr.type != JR_BLOB)
		return r->fn(r->arg, &jr);
	for (i = 0; i < r->blobs.n; i++)	/* the newest wins */
		if (strcmp(r->blobs.v[i].name, jr.from) == 0) {
			if (r->blobs.v[i].buf != NULL) {
				sodium_memzero(r->blobs.v[i].buf, r->blobs.v[i].len);
				free(r->blobs.v[i].buf);
			}
			r->blobs.v[i].buf = NULL;
			r->blobs.v[i].len = 0;
			if (jr.len > 0 && (r->blobs.v[i].buf = malloc(jr.len)) == NULL)
				return -ENOMEM;
			if (jr.len > 0)
				memcpy(r->blobs.v[i].buf, jr.data, jr.len);
			r->blobs.v[i].len = jr.len;
			return 0;
		}
	return copy_blob(&r->blobs, jr.from, jr.data, jr.len);
}

int
msg_journal_set_aside(struct msg_journal *j)
{
	return store_log_set_aside(j->st, JOURNAL_LOG_NAME);
}

int
msg_journal_load(struct msg_journal *j, msg_journal_replay_fn *fn, void *arg)
{
	struct replay r = { fn, arg, { 0 }, 0 };
	struct commit c;
	size_t torn = 0;
	int rc;

	rc = store_log_each(j->st, JOURNAL_LOG_NAME, replay_take, &r, &torn);
	if (rc == -ENOENT)
		rc = 0;
	if (torn > 0)
		log_warnx("message journal: the last record was torn by a crash "
		    "(%zu bytes); dropped, the records before it are kept", torn);
	if (r.bad > 0)
		log_warnx("message journal: %zu unreadable record%s skipped",
		    r.bad, r.bad == 1 ? "" : "s");
	if (rc == 0 && r.blobs.n > 0)
		rc = write_blobs(j->st, &r.blobs);
	vec_clear(&r.blobs);
	if (rc < 0)
		return rc;
	/* the blobs are in their files: the new log holds what is live */
	memset(&c, 0, sizeof(c));
	c.st = j->st;
	c.compact = true;
	j->keep_into = &c.recs;
	rc = j->live(j->live_arg, j);
	j->keep_into = NULL;
	if (rc == 0)
		rc = commit_work(&c);
	vec_clear(&c.recs);
	return rc;
}

void
msg_journal_free(struct msg_journal *j)
{
	struct after *a;
	size_t i, n;

	if (j == NULL)
		return;
	if (j->cx != NULL)
		lws_sul_cancel(&j->sul);
	j->closing = true;
	/* finishes the commit in flight; its callbacks run from here; the
	 * writer is the worker's (main.c frees it) */
	store_writer_drain(j->w);
	j->w = NULL;
	j->in_flight = false;
	/* the last batch and Signal state, in place: a clean stop loses
	 * nothing; its waiters only free what they hold */
	a = j->after;
	n = j->nafter;
	j->after = NULL;
	j->nafter = j->capafter = 0;
	if (j->st != NULL)
		submit(j);
	for (i = 0; i < j->nafter; i++)
		j->after[i].fn(j->after[i].arg, -ECANCELED);
	free(j->after);
	for (i = 0; i < n; i++)
		a[i].fn(a[i].arg, -ECANCELED);
	free(a);
	vec_clear(&j->batch);
	free(j);
}
