/*
 * link_backup.c: the periodic backup of a paired session (DESIGN.md
 * "Session store"). The loop only takes the instant's files (hard links:
 * directory entries, no data, no sync); copying and syncing them happens on
 * a writer of the backup's own (link.c's backup_writer), not the worker's
 * store writer: a copy of every session file must not hold a journal
 * commit back (store_writer.h). Writes only its own struct link_backup.
 */
#include <string.h>

#include <libwebsockets.h>

#include "log.h"
#include "store/creds.h"
#include "store/store.h"
#include "store/store_writer.h"

#include "link_internal.h"

/* On the writer: b->snap stays put until backup_done. */
static int
backup_work(void *arg)
{
	struct link_backup *b = arg;

	return store_backup_commit(b->snap);
}

static void
backup_done(void *arg, int rc)
{
	struct link_backup *b = arg;

	if (rc < 0)
		log_warn(rc, "store: periodic backup failed; will retry");
	else
		log_debug("store: backup %s", store_snapshot_name(b->snap));
	store_snapshot_free(b->snap);
	b->snap = NULL;
}

static void
backup_due(lws_sorted_usec_list_t *sul)
{
	struct link_backup *b = lws_container_of(sul, struct link_backup, sul);
	int rc;

	if (b->creds->paired && b->snap == NULL) {
		if ((rc = store_backup_begin(b->st, &b->snap)) < 0) {
			b->snap = NULL;
			log_warn(rc, "store: periodic backup failed; will retry");
		} else if ((rc = store_writer_submit(b->writer, backup_work,
		    backup_done, b)) < 0) {
			log_warn(rc, "store: periodic backup failed; will retry");
			store_snapshot_free(b->snap);
			b->snap = NULL;
		}
	}
	lws_sul_schedule(b->cx, 0, &b->sul, backup_due,
	    (lws_usec_t)b->interval_ms * 1000);
}

void
link_backup_start(struct link_backup *b, struct lws_context *cx,
    struct store *st, struct store_writer *w, const struct creds *c,
    uint64_t interval_ms)
{
	b->cx = cx;
	b->st = st;
	b->writer = w;
	b->creds = c;
	b->interval_ms = interval_ms;
	if (interval_ms > 0)
		lws_sul_schedule(cx, 0, &b->sul, backup_due,
		    (lws_usec_t)interval_ms * 1000);
}

void
link_backup_stop(struct link_backup *b)
{
	lws_sul_cancel(&b->sul);	/* a backup in flight ends on the writer */
}
