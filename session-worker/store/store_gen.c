/*
 * store_gen.c: the generation of every sealed file the store wrote last
 * (seal.h: a sealed file carries one, bound to it), so that an older
 * copy of a file put back in the live directory is refused
 * (-WL_EROLLEDBACK) instead of read: a Signal session rolled back would
 * reuse message keys. Kept in an append-only store log, STORE_GEN_LOG,
 * one "GEN NAME" line per file written; a later line for a name wins.
 *
 * A generation is max(last + 1, wall clock in microseconds): it only
 * grows within a run, and across runs and restores as long as the clock
 * does not go back by more than the time since the last write. The file
 * is written before its line is appended: a crash between the two leaves
 * a file newer than its line (read), never an older one refused.
 *
 * Files of earlier formats carry no generation: read while no line names
 * them, refused once one does (a copy from before the upgrade). Only the
 * live session directory is checked; backups are read as they are.
 * Calls may come from the loop and from a writer thread: one mutex.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wl_error.h"

#include "store_internal.h"

struct gen_entry {
	char		*name;	/* NULL: free slot */
	uint64_t	 gen;
};

struct store_gens {
	pthread_mutex_t	 lock;
	pthread_mutex_t	 log_lock;	/* taken before lock, held across the append */
	struct gen_entry *v;
	size_t		 cap, n;	/* cap a power of two, n < cap / 2 */
	uint64_t	 last;
	int		 err;	/* the log does not open: every check fails so */
};

static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return (size_t)h;
}

static struct gen_entry *
slot(struct store_gens *g, const char *name)
{
	size_t i = hash(name) & (g->cap - 1);

	while (g->v[i].name != NULL && strcmp(g->v[i].name, name) != 0)
		i = (i + 1) & (g->cap - 1);
	return &g->v[i];
}

static int
grow(struct store_gens *g)
{
	struct gen_entry *old = g->v;
	size_t i, cap = g->cap;

	if ((g->v = calloc(cap * 2, sizeof(*g->v))) == NULL) {
		g->v = old;
		return -ENOMEM;
	}
	g->cap = cap * 2;
	for (i = 0; i < cap; i++)
		if (old[i].name != NULL)
			*slot(g, old[i].name) = old[i];
	free(old);
	return 0;
}

static int
set(struct store_gens *g, const char *name, uint64_t gen)
{
	struct gen_entry *e;
	int rc;

	if ((g->n + 1) * 2 > g->cap && (rc = grow(g)) < 0)
		return rc;
	e = slot(g, name);
	if (e->name == NULL) {
		if ((e->name = strdup(name)) == NULL)
			return -ENOMEM;
		g->n++;
	}
	e->gen = gen;
	if (gen > g->last)
		g->last = gen;
	return 0;
}

/* One log's worth of "GEN NAME" lines into the table. */
static int
load_lines(struct store_gens *g, char *text)
{
	char *line, *save = NULL, *sp, *end;
	uint64_t gen;
	int rc;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((sp = strchr(line, ' ')) == NULL)
			return -WL_EBADFILE;
		*sp = '\0';
		errno = 0;
		gen = strtoull(line, &end, 10);
		if (errno != 0 || end != sp || !store_valid_name(sp + 1))
			return -WL_EBADFILE;
		if ((rc = set(g, sp + 1, gen)) < 0)
			return rc;
	}
	return 0;
}

int
store_gen_open(struct store *st)
{
	struct store_gens *g;
	uint8_t *text;
	size_t len;
	int rc;

	if (st->key == NULL)
		return 0;
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->v = calloc(64, sizeof(*g->v))) == NULL) {
		free(g);
		return -ENOMEM;
	}
	g->cap = 64;
	pthread_mutex_init(&g->lock, NULL);
	pthread_mutex_init(&g->log_lock, NULL);
	st->gens = g;
	rc = store_log_read(st, STORE_GEN_LOG, &text, &len);
	if (rc == -ENOENT)
		return 0;
	/*
	 * Another key (or a tampered log): the store still opens, so that
	 * loading the credentials says what is wrong; nothing reads or
	 * writes past the check with an unknown table (fail closed).
	 */
	if (rc == -EKEYREJECTED || rc == -ENOKEY) {
		g->err = rc;
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = load_lines(g, (char *)text);
	free(text);
	return rc;
}

void
store_gen_free(struct store *st)
{
	struct store_gens *g = st->gens;
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->cap; i++)
		free(g->v[i].name);
	free(g->v);
	pthread_mutex_destroy(&g->lock);
	pthread_mutex_destroy(&g->log_lock);
	free(g);
	st->gens = NULL;
}

uint64_t
store_gen_next(const struct store *st)
{
	struct store_gens *g = st->gens;
	struct timespec ts;
	uint64_t now, gen;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	if (g == NULL)
		return now;
	pthread_mutex_lock(&g->lock);
	gen = g->last + 1 > now ? g->last + 1 : now;
	g->last = gen;
	pthread_mutex_unlock(&g->lock);
	return gen;
}

int
store_gen_check(const struct store *st, const char *name, uint64_t gen)
{
	struct store_gens *g = st->gens;
	struct gen_entry *e;
	int rc = 0;

	if (g == NULL)
		return 0;
	pthread_mutex_lock(&g->lock);
	e = slot(g, name);
	if (g->err != 0)
		rc = g->err;
	else if (e->name != NULL && gen < e->gen)
		rc = -WL_EROLLEDBACK;
	pthread_mutex_unlock(&g->lock);
	return rc;
}

/* The whole table as log lines, for a compacted log. */
static int
encode_all(struct store_gens *g, char **out, size_t *len)
{
	size_t i, cap = g->n * (STORE_NAME_MAX + 24) + 1, off = 0;
	char *b;

	if ((b = malloc(cap)) == NULL)
		return -ENOMEM;
	for (i = 0; i < g->cap; i++)
		if (g->v[i].name != NULL)
			off += (size_t)snprintf(b + off, cap - off, "%" PRIu64 " %s\n",
			    g->v[i].gen, g->v[i].name);
	*out = b;
	*len = off;
	return 0;
}

int
store_gen_note(const struct store *st, const char *const *names,
    const uint64_t *gens, size_t n)
{
	struct store_gens *g = st->gens;
	size_t i, off = 0, cap = n * (STORE_NAME_MAX + 24) + 1;
	char *lines = NULL, *all;
	size_t len;
	int rc = 0;

	if (g == NULL || n == 0)
		return 0;
	if (g->err != 0)
		return g->err;
	if ((lines = malloc(cap)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(lines + off, cap - off, "%" PRIu64 " %s\n",
		    gens[i], names[i]);
	pthread_mutex_lock(&g->log_lock);
	pthread_mutex_lock(&g->lock);
	for (i = 0; i < n && rc == 0; i++)
		rc = set(g, names[i], gens[i]);
	pthread_mutex_unlock(&g->lock);
	/* the log functions take no const store, and change nothing of it */
	if (rc == 0)
		rc = store_log_append((struct store *)st, STORE_GEN_LOG,
		    (const uint8_t *)lines, off, NULL);
	if (rc == -EFBIG) {
		pthread_mutex_lock(&g->lock);
		rc = encode_all(g, &all, &len);
		pthread_mutex_unlock(&g->lock);
		if (rc == 0) {
			rc = store_log_replace((struct store *)st, STORE_GEN_LOG,
			    (const uint8_t *)all, len);
			free(all);
		}
	}
	pthread_mutex_unlock(&g->log_lock);
	free(lines);
	return rc;
}
