/*
 * lidmap_log.c: the LID map on disk as an append-only store log
 * (LIDMAP_LOG): each mapping learnt is one "lid phone" line appended with
 * one fdatasync, where the whole table (up to 1 MiB) used to be rewritten.
 * The log is compacted (rewritten as the table, least recently used
 * first) once it holds far more lines than the table. The blob of the
 * earlier releases (LIDMAP_BLOB) is read once and moved into the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

#include "lidmap.h"

/*
 * Compact once the log passes twice the table's size plus this: a
 * rewrite of n lines is paid for by at least n appends.
 */
#define LIDMAP_LOG_SLACK	(64 * 1024)
#define LIDMAP_LINE_AVG		30	/* a 15-digit LID, a 10-digit number, framing */

static int
compact(struct store *st, const struct lidmap *m)
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
	if ((rc = compact(st, m)) == 0)
		store_del(st, LIDMAP_BLOB);
	return rc;
}

int
lidmap_log_learnt(struct store *st, struct lidmap *m, const char *lid,
    const char *phone)
{
	char line[LIDMAP_LID_MAX + 1 + 32];
	size_t file_len = 0;
	int n, rc;

	n = snprintf(line, sizeof(line), "%s %s\n", lid, phone);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	rc = store_log_append(st, LIDMAP_LOG, (const uint8_t *)line, (size_t)n,
	    &file_len);
	if (rc == -EFBIG || (rc == 0 && file_len > lidmap_count(m) *
	    LIDMAP_LINE_AVG * 2 + LIDMAP_LOG_SLACK))
		rc = compact(st, m);
	return rc;
}
