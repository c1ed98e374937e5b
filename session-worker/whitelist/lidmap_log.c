/*
 * lidmap_log.c: the LID map on disk as an append-only store log
 * (LIDMAP_LOG): each mapping learnt is one "lid phone" line appended,
 * where the whole table (up to 1 MiB) used to be rewritten. The appends
 * and the compactions (the log rewritten as the table, least recently
 * used first, once it holds far more lines than the table) are made by
 * a writer thread (store_async.h): lines learnt while one write runs go
 * out together in the next. The blob of the earlier releases
 * (LIDMAP_BLOB) is read once and moved into the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "store/store.h"
#include "store/store_async.h"

#include "lidmap.h"

/*
 * Compact once the log passes twice the table's size plus this: a
 * rewrite of n lines is paid for by at least n appends.
 */
#define LIDMAP_LOG_SLACK	(64 * 1024)
#define LIDMAP_LINE_AVG		30	/* a 15-digit LID, a 10-digit number, framing */

struct lidmap_log {
	struct lidmap		*m;
	struct store_async	*a;
	int			 failing;	/* the last write's error, once said */
};

static int
compact_now(struct store *st, const struct lidmap *m)
{
	uint8_t *b;
	size_t len;
	int rc;

	if ((rc = lidmap_encode(m, &b, &len)) < 0)
		return rc;
	rc = store_log_replace(st, LIDMAP_LOG, b, len);
	free(b);
	return rc;
}

int
lidmap_log_load(struct store *st, struct lidmap *m)
{
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	if ((rc = store_log_read(st, LIDMAP_LOG, &b, &len)) == 0) {
		rc = lidmap_load(m, b, len);
		free(b);
		return rc;
	}
	if (rc != -ENOENT)
		return rc;
	if ((rc = store_get(st, LIDMAP_BLOB, &b, &len)) < 0)
		return rc;	/* -ENOENT: nothing learnt yet */
	rc = lidmap_load(m, b, len);
	free(b);
	if (rc < 0)
		return rc;
	/* moved: the log first, so a crash in between loses nothing */
	if ((rc = compact_now(st, m)) == 0)
		store_del(st, LIDMAP_BLOB);
	return rc;
}

/* The table, replacing the log and the lines still waiting (it holds them). */
static int
compact(struct lidmap_log *lg)
{
	uint8_t *b;
	size_t len;
	int rc;

	if ((rc = lidmap_encode(lg->m, &b, &len)) < 0)
		return rc;
	rc = store_async_replace(lg->a, b, len);
	free(b);
	return rc;
}

/* On the loop, after each write. */
static void
written(void *arg, int rc, size_t file_len)
{
	struct lidmap_log *lg = arg;

	if (rc == -EFBIG || (rc == 0 && file_len > lidmap_count(lg->m) *
	    LIDMAP_LINE_AVG * 2 + LIDMAP_LOG_SLACK))
		rc = compact(lg);
	if (rc < 0 && rc != lg->failing)
		log_warn(rc, "LID map: could not save it; the mappings are kept "
		    "in memory and saved with the next write");
	else if (rc == 0 && lg->failing != 0)
		log_info("LID map: saved again");
	lg->failing = rc < 0 ? rc : 0;
}

int
lidmap_log_open(struct store_writer *w, struct store *st, struct lidmap *m,
    struct lidmap_log **out)
{
	struct lidmap_log *lg;
	int rc;

	if ((lg = calloc(1, sizeof(*lg))) == NULL)
		return -ENOMEM;
	lg->m = m;
	if ((rc = store_async_new(w, st, LIDMAP_LOG, STORE_ASYNC_LOG, written,
	    lg, &lg->a)) < 0) {
		free(lg);
		return rc;
	}
	*out = lg;
	return 0;
}

void
lidmap_log_free(struct lidmap_log *lg)
{
	if (lg == NULL)
		return;
	store_async_free(lg->a);
	free(lg);
}

int
lidmap_log_learnt(struct lidmap_log *lg, const char *lid, const char *phone)
{
	char line[LIDMAP_LID_MAX + 1 + 32];
	int n;

	n = snprintf(line, sizeof(line), "%s %s\n", lid, phone);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	return store_async_put(lg->a, (const uint8_t *)line, (size_t)n);
}
