/*
 * link_creds.c: the device credentials in the store: loaded at start (a
 * damaged file restored from a backup, or a fresh pairing, never a crash
 * loop), a new identity after a logout, and each save. The creds live in
 * sodium memory that link.c allocates; here only the store reads and
 * writes them.
 *
 * A save made while linked (pairing, login, edge routing, prekey ids,
 * the adv secret) is encoded on the loop and written by the store writer
 * (store_async: saves queued together coalesce, the newest wins). What
 * must not happen before the creds are durable (the pair-success reply,
 * a prekey upload naming the ids they record) waits with
 * link_save_creds_then. Only a new identity (at start, after a logout)
 * and a retry prekey asked for before the spares are ready save in place
 * (link_save_creds_now): the loop is not serving yet, or once per device,
 * or a receipt would be lost otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store/creds.h"
#include "store/keys.h"
#include "store/store.h"
#include "store/store_async.h"
#include "store/store_writer.h"

#include "link_internal.h"

/* On the loop: one write of the writer is done (every put up to _written). */
static void
saved(void *arg, int rc, size_t file_len)
{
	struct link *l = arg;
	struct link_creds_saves *s = &l->saves;
	uint64_t upto = store_async_written(s->a);
	struct link_creds_wait due[LINK_CREDS_WAITS];
	size_t i, n = 0, keep = 0;

	(void)file_len;
	if (rc < 0)
		log_error(rc, "store: could not save credentials after %s",
		    s->what);
	/* the callbacks may save again: take the due ones out first */
	for (i = 0; i < s->nwait; i++) {
		if (s->wait[i].upto <= upto)
			due[n++] = s->wait[i];
		else
			s->wait[keep++] = s->wait[i];
	}
	s->nwait = keep;
	for (i = 0; i < n; i++)
		due[i].fn(l, rc, due[i].tag);
}

int
link_creds_saves_open(struct link *l)
{
	return store_async_new(l->writer, l->st, "creds", STORE_ASYNC_CREDS,
	    saved, l, &l->saves.a);
}

/* After the writer has been drained: nothing of ours is queued. */
void
link_creds_saves_close(struct link *l)
{
	store_async_free(l->saves.a);
	l->saves.a = NULL;
	l->saves.nwait = 0;
}

int
link_save_creds(struct link *l, const char *what)
{
	char *text;
	size_t len;
	int rc;

	if (l->saves.a == NULL)
		return link_save_creds_now(l, what);
	if ((rc = creds_encode(l->creds, &text, &len)) == 0) {
		l->saves.what = what;
		rc = store_async_put(l->saves.a, (const uint8_t *)text, len);
		creds_text_free(text, len);
	}
	if (rc < 0)
		log_error(rc, "store: could not save credentials after %s", what);
	return rc;
}

int
link_save_creds_then(struct link *l, const char *what,
    link_creds_then_fn *fn, uint64_t tag)
{
	struct link_creds_saves *s = &l->saves;
	int rc;

	if (s->a != NULL && s->nwait == LINK_CREDS_WAITS)
		return -EBUSY;
	if ((rc = link_save_creds(l, what)) < 0)
		return rc;
	if (s->a == NULL) {	/* saved in place */
		fn(l, 0, tag);
		return 0;
	}
	s->wait[s->nwait++] = (struct link_creds_wait){
		.upto = store_async_puts(s->a), .fn = fn, .tag = tag };
	return 0;
}

/*
 * In place, on the loop. A save still queued would land after this one
 * with older content, and both would share the creds' temporary file:
 * drain the writer first (its other users' jobs with it).
 */
int
link_save_creds_now(struct link *l, const char *what)
{
	int rc;

	if (l->saves.a != NULL && store_async_busy(l->saves.a))
		store_writer_drain(l->writer);
	if ((rc = store_save_creds(l->st, l->creds)) < 0)
		log_error(rc, "store: could not save credentials after %s", what);
	return rc;
}

/* Fresh identity after a logout or an unrecoverable store. */
int
link_new_identity(struct link *l)
{
	int rc;

	if ((rc = keys_generate(l->creds)) < 0)
		return rc;
	return link_save_creds_now(l, "making a new identity");
}

/*
 * Credentials at start: load; a corrupt file is restored from the newest
 * readable backup; with none, the old session is moved aside and a new
 * pairing starts (a QR, never a crash loop). A key problem (sealed files
 * without the key, or with another) is the operator's to fix: refuse.
 */
int
link_load_credentials(struct link *l)
{
	char name[160];
	int rc;

	rc = store_load_creds(l->st, l->creds);
	if (rc == -ENOENT) {
		log_info("store: no credentials yet; making a new device identity");
		return link_new_identity(l);
	}
	if (rc == -ENOKEY || rc == -EKEYREJECTED) {
		log_error(rc, "store: credentials are sealed and %s",
		    rc == -ENOKEY ? "no session key was given (--session-key-file)" :
		    "the session key does not open them");
		return rc;
	}
	if (rc == 0)
		return 0;
	log_error(rc, "store: CREDENTIALS UNREADABLE in %s; restoring the newest "
	    "readable backup", store_session_dir(l->st));
	if ((rc = store_restore_newest(l->st, name, sizeof(name))) == 0 &&
	    (rc = store_load_creds(l->st, l->creds)) == 0) {
		log_warnx("store: restored credentials from backups/%s", name);
		return 0;
	}
	log_errorx("store: no readable backup; moving the damaged session aside "
	    "and starting a new pairing (a QR will be shown)");
	if ((rc = store_archive_logged_out(l->st, name, sizeof(name))) < 0)
		log_error(rc, "store: could not move the damaged session aside");
	return link_new_identity(l);
}
