/*
 * link_creds.c: the device credentials in the store: loaded at start (a
 * damaged file restored from a backup, or a fresh pairing, never a crash
 * loop), a new identity after a logout, and each save. The creds live in
 * sodium memory that link.c allocates; here only the store reads and
 * writes them.
 */
#include <errno.h>
#include <stdio.h>

#include "log.h"
#include "store/creds.h"
#include "store/keys.h"
#include "store/store.h"

#include "link_internal.h"

int
link_save_creds(struct link *l, const char *what)
{
	int rc = store_save_creds(l->st, l->creds);

	if (rc < 0)
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
	return link_save_creds(l, "making a new identity");
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
