/*
 * msg_status_tab.c: the table of recent sent messages and its log (see
 * msg_status.h). Records sit in a ring in the order they were created,
 * so the eviction rule is the ring's: the oldest-created record makes
 * room. Lookups scan the ring newest first (1,000 short string compares
 * per receipt cost nothing beside its decryption-free handling).
 *
 * Persistence: one text line per change, "id to type status code
 * created updated", batched in a pending buffer that one store_writer
 * job at a time appends as one store_log record (fdatasync'ed there, not
 * on the loop). Replaying the lines in order rebuilds the same table,
 * evictions included. Past MSG_STATUS_LOG_COMPACT the writer replaces
 * the log with the table's current lines.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store/store.h"
#include "store/store_writer.h"

#include "msg_status.h"

struct msg_status_tab {
	struct msg_status_rec	 recs[MSG_STATUS_MAX];
	size_t			 n, next;	/* ring: next is the oldest when full */
	struct store		*st;		/* NULL: memory only */
	struct store_writer	*writer;	/* NULL: synchronous writes */
	msg_status_change_fn	*on_change;
	void			*arg;
	char			*pending;	/* lines not handed to the writer */
	size_t			 pending_len;
	bool			 busy;		/* a writer job in flight */
	bool			 compact;	/* the next job rewrites the log */
	bool			 overflow_warned;
	bool			 closing;	/* the writer is being stopped */
	uint64_t		 dropped;	/* lines past MSG_STATUS_PENDING_MAX */
};

/* One writer job: the bytes it owns, and what it learnt. */
struct status_job {
	struct msg_status_tab	*tab;
	char			*buf;
	size_t			 len;
	bool			 replace;
	size_t			 file_len;
};

static const char *const status_names[] = {
	[MSG_OUT_QUEUED] = "queued", [MSG_OUT_SENT] = "sent",
	[MSG_OUT_DELIVERED] = "delivered", [MSG_OUT_READ] = "read",
	[MSG_OUT_PLAYED] = "played", [MSG_OUT_FAILED] = "failed",
};

const char *
msg_out_status_name(enum msg_out_status s)
{
	if ((unsigned)s < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[s];
	return "unknown";
}

int
msg_out_status_parse(const char *name, enum msg_out_status *out)
{
	size_t i;

	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum msg_out_status)i;
			return 0;
		}
	return -EINVAL;
}

/* A token the log can carry: 1..cap-1 printable bytes, no space. */
static bool
token_ok(const char *s, size_t cap)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i + 1 >= cap || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] == 0x7f)
			return false;
	return i > 0;
}

/*
 * Whether a step moves a record forward. Failed ends a message, except
 * that a receipt proves it arrived (a send given up for want of an ack
 * can still have reached the contact).
 */
static bool
forward(enum msg_out_status from, enum msg_out_status to)
{
	if (from == MSG_OUT_FAILED)
		return to >= MSG_OUT_DELIVERED && to <= MSG_OUT_PLAYED;
	if (to == MSG_OUT_FAILED)
		return from <= MSG_OUT_SENT;
	return to > from;
}

static struct msg_status_rec *
find(const struct msg_status_tab *t, const char *id)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		k = (t->next + MSG_STATUS_MAX - 1 - i) % MSG_STATUS_MAX;
		if (strcmp(t->recs[k].id, id) == 0)
			return (struct msg_status_rec *)&t->recs[k];
	}
	return NULL;
}

/* A fresh record in the ring; the oldest-created one goes when full. */
static struct msg_status_rec *
add(struct msg_status_tab *t)
{
	struct msg_status_rec *r = &t->recs[t->next];

	t->next = (t->next + 1) % MSG_STATUS_MAX;
	if (t->n < MSG_STATUS_MAX)
		t->n++;
	memset(r, 0, sizeof(*r));
	return r;
}

int
msg_status_line(const struct msg_status_rec *r, char *buf, size_t cap)
{
	int n;

	n = snprintf(buf, cap, "%s %s %s %s %" PRIu32 " %" PRIu64 " %" PRIu64
	    "\n", r->id, r->to[0] != '\0' ? r->to : "-",
	    r->type[0] != '\0' ? r->type : "-", msg_out_status_name(r->status),
	    r->code, r->created_ms, r->updated_ms);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

/* --- the writer ------------------------------------------------------ */

static int
job_work(void *arg)
{
	struct status_job *j = arg;

	if (j->replace) {
		j->file_len = j->len;
		return store_log_replace(j->tab->st, MSG_STATUS_LOG,
		    (const uint8_t *)j->buf, j->len);
	}
	return store_log_append(j->tab->st, MSG_STATUS_LOG,
	    (const uint8_t *)j->buf, j->len, &j->file_len);
}

static void	kick(struct msg_status_tab *);

static void
job_done(void *arg, int rc)
{
	struct status_job *j = arg;
	struct msg_status_tab *t = j->tab;

	if (rc == -EFBIG || (rc == 0 && j->file_len > MSG_STATUS_LOG_COMPACT))
		t->compact = true;
	else if (rc < 0)
		log_warn(rc, "message status: could not save %zu bytes of "
		    "changes; they are kept in memory and saved at the next "
		    "compaction", j->len);
	free(j->buf);
	free(j);
	t->busy = false;
	/* after a failure the next change tries again: no spinning on a
	 * broken disk */
	if (rc < 0)
		t->compact = true;
	else if (!t->closing)
		kick(t);
}

/* The whole table as lines, oldest-created first: replaying it gives it back. */
static int
snapshot(const struct msg_status_tab *t, char **out, size_t *len)
{
	size_t i, k, cap = t->n * 320 + 1, n = 0;
	char *b;
	int w;

	if ((b = malloc(cap)) == NULL)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		k = (t->next + MSG_STATUS_MAX - t->n + i) % MSG_STATUS_MAX;
		if ((w = msg_status_line(&t->recs[k], b + n, cap - n)) < 0) {
			free(b);
			return w;
		}
		n += (size_t)w;
	}
	*out = b;
	*len = n;
	return 0;
}

/* Hands what is waiting to the writer (or writes it, without one). */
static void
kick(struct msg_status_tab *t)
{
	struct status_job *j;
	int rc;

	if (t->st == NULL || t->busy || (!t->compact && t->pending_len == 0))
		return;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return;		/* the lines stay pending */
	j->tab = t;
	if (t->compact) {
		if (snapshot(t, &j->buf, &j->len) < 0) {
			free(j);
			return;
		}
		j->replace = true;
		t->compact = false;
		free(t->pending);	/* the snapshot holds them */
		t->pending = NULL;
		t->pending_len = 0;
	} else {
		j->buf = t->pending;
		j->len = t->pending_len;
		t->pending = NULL;
		t->pending_len = 0;
	}
	if (t->writer == NULL) {
		t->busy = true;
		job_done(j, job_work(j));
		return;
	}
	if ((rc = store_writer_submit(t->writer, job_work, job_done, j)) < 0) {
		free(j->buf);
		free(j);
		t->compact = true;	/* the table still has them */
		return;
	}
	t->busy = true;
}

static void
persist(struct msg_status_tab *t, const struct msg_status_rec *r)
{
	char line[320];
	char *grown;
	int n;

	if (t->st == NULL || (n = msg_status_line(r, line, sizeof(line))) < 0)
		return;
	if (t->pending_len + (size_t)n > MSG_STATUS_PENDING_MAX) {
		/* the disk is that slow: the table itself is the backlog */
		t->dropped++;
		t->compact = true;
		if (!t->overflow_warned)
			log_warnx("message status: the disk is behind; changes "
			    "wait in memory for the next compaction");
		t->overflow_warned = true;
		return;
	}
	if ((grown = realloc(t->pending, t->pending_len + (size_t)n)) == NULL) {
		t->compact = true;
		return;
	}
	memcpy(grown + t->pending_len, line, (size_t)n);
	t->pending = grown;
	t->pending_len += (size_t)n;
	kick(t);
}

/* --- the table ------------------------------------------------------- */

static int
set(struct msg_status_tab *t, const char *id, const char *to,
    enum msg_out_status s, uint32_t code, uint64_t now_ms, bool from_receipt,
    struct msg_status_rec **out)
{
	struct msg_status_rec *r;

	if (!token_ok(id, MSG_STATUS_ID_MAX) ||
	    (to != NULL && !token_ok(to, MSG_STATUS_TO_MAX)))
		return -EINVAL;
	if ((r = find(t, id)) == NULL) {
		if (from_receipt)
			return -ENOENT;
		r = add(t);
		snprintf(r->id, sizeof(r->id), "%s", id);
		r->status = s;
		r->created_ms = now_ms;
	} else if (!forward(r->status, s)) {
		return 0;
	}
	if (to != NULL)
		snprintf(r->to, sizeof(r->to), "%s", to);
	r->status = s;
	r->code = s == MSG_OUT_FAILED ? code : 0;
	r->updated_ms = now_ms;
	*out = r;
	return 1;
}

int
msg_status_tab_set(struct msg_status_tab *t, const char *id, const char *to,
    enum msg_out_status s, uint32_t code, uint64_t now_ms)
{
	bool receipt = s == MSG_OUT_DELIVERED || s == MSG_OUT_READ ||
	    s == MSG_OUT_PLAYED;
	struct msg_status_rec *r;
	int rc;

	if ((rc = set(t, id, to, s, code, now_ms, receipt, &r)) != 1)
		return rc;
	persist(t, r);
	if (t->on_change != NULL)
		t->on_change(t->arg, r);
	return 1;
}

int
msg_status_tab_set_type(struct msg_status_tab *t, const char *id,
    const char *type)
{
	struct msg_status_rec *r;

	if (!token_ok(type, MSG_STATUS_TYPE_MAX))
		return -EINVAL;
	if ((r = find(t, id)) == NULL)
		return -ENOENT;
	if (strcmp(r->type, type) == 0)
		return 0;
	snprintf(r->type, sizeof(r->type), "%s", type);
	persist(t, r);
	return 0;
}

bool
msg_status_tab_get(const struct msg_status_tab *t, const char *id,
    struct msg_status_rec *out)
{
	const struct msg_status_rec *r = find(t, id);

	if (r == NULL)
		return false;
	*out = *r;
	return true;
}

size_t
msg_status_tab_count(const struct msg_status_tab *t)
{
	return t->n;
}

static int
by_updated_desc(const void *a, const void *b)
{
	const struct msg_status_rec *x = a, *y = b;

	if (x->updated_ms != y->updated_ms)
		return x->updated_ms < y->updated_ms ? 1 : -1;
	return x->created_ms < y->created_ms ? 1 :
	    x->created_ms > y->created_ms ? -1 : 0;
}

size_t
msg_status_tab_list(const struct msg_status_tab *t, uint64_t before_ms,
    struct msg_status_rec *out, size_t max)
{
	struct msg_status_rec *all;
	size_t i, n = 0;

	if (max == 0 || (all = malloc(sizeof(*all) * (t->n ? t->n : 1))) == NULL)
		return 0;
	for (i = 0; i < t->n; i++)
		if (before_ms == 0 || t->recs[i].updated_ms < before_ms)
			all[n++] = t->recs[i];
	qsort(all, n, sizeof(*all), by_updated_desc);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof(*all));
	free(all);
	return n;
}

/* --- loading ---------------------------------------------------------- */

static bool
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* One line (NUL-terminated, no "\n"): true when taken. */
static bool
replay_line(struct msg_status_tab *t, char *line)
{
	char *f[7], *save = NULL, *p;
	struct msg_status_rec *r = NULL;
	enum msg_out_status s;
	uint64_t code, created, updated;
	size_t n = 0;
	int rc;

	for (p = strtok_r(line, " ", &save); p != NULL && n < 7;
	    p = strtok_r(NULL, " ", &save))
		f[n++] = p;
	if (n != 7 || p != NULL || msg_out_status_parse(f[3], &s) < 0 ||
	    !parse_u64(f[4], &code) || code > UINT32_MAX ||
	    !parse_u64(f[5], &created) || !parse_u64(f[6], &updated))
		return false;
	if (strcmp(f[2], "-") != 0 && !token_ok(f[2], MSG_STATUS_TYPE_MAX))
		return false;
	/* the log holds every step in order: replay never refuses a record */
	if ((rc = set(t, f[0], strcmp(f[1], "-") == 0 ? NULL : f[1], s,
	    (uint32_t)code, updated, false, &r)) < 0)
		return false;
	if ((r = find(t, f[0])) == NULL)
		return true;
	if (rc == 1)
		r->created_ms = created;
	/* a type set after the step it came with: same status, new type */
	if (strcmp(f[2], "-") != 0)
		snprintf(r->type, sizeof(r->type), "%s", f[2]);
	return true;
}

size_t
msg_status_tab_replay(struct msg_status_tab *t, const char *buf, size_t len)
{
	char line[512];
	size_t i = 0, n, bad = 0;
	const char *nl;

	while (i < len) {
		nl = memchr(buf + i, '\n', len - i);
		n = (nl != NULL ? (size_t)(nl - buf) : len) - i;
		if (n == 0 || n >= sizeof(line) || memchr(buf + i, '\0', n)) {
			bad += n > 0;
		} else {
			memcpy(line, buf + i, n);
			line[n] = '\0';
			bad += !replay_line(t, line);
		}
		i += n + 1;
	}
	return bad;
}

int
msg_status_tab_new(struct store_writer *w, struct store *st,
    struct msg_status_tab **out)
{
	struct msg_status_tab *t;
	uint8_t *b = NULL;
	size_t len = 0, bad;
	int rc;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->st = st;
	if (st != NULL) {
		rc = store_log_read(st, MSG_STATUS_LOG, &b, &len);
		if (rc == 0) {
			if ((bad = msg_status_tab_replay(t, (const char *)b,
			    len)) > 0)
				log_warnx("message status: %zu unreadable "
				    "line%s in %s skipped", bad,
				    bad == 1 ? "" : "s", MSG_STATUS_LOG);
			free(b);
		} else if (rc != -ENOENT) {
			log_warn(rc, "message status: %s not read; statuses "
			    "start empty", MSG_STATUS_LOG);
		}
		t->writer = w;
	}
	*out = t;
	return 0;
}

void
msg_status_tab_free(struct msg_status_tab *t)
{
	if (t == NULL)
		return;
	/* finish the job in flight, then write the rest synchronously (the
	 * writer is the worker's: main.c frees it) */
	t->closing = true;
	store_writer_drain(t->writer);
	t->writer = NULL;
	t->busy = false;
	kick(t);
	free(t->pending);
	free(t);
}

void
msg_status_tab_on_change(struct msg_status_tab *t, msg_status_change_fn *fn,
    void *arg)
{
	t->on_change = fn;
	t->arg = arg;
}
