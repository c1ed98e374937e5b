/*
 * store.h: the worker's credential store (DESIGN.md "Files"): one session
 * directory per client id under DATA/whatsapp-session/, 0700 with 0600
 * files, every write atomic (shared/atomicfile), optionally sealed at rest,
 * guarded by a lock so a second worker on the same session refuses to
 * start, with periodic backups and recovery from the newest readable one.
 *
 * The store returns errors and never logs (STYLE.md rule 3): the link
 * decides what a corrupt file means and says so.
 */
#ifndef WALINK_STORE_H
#define WALINK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "creds.h"
#include "seal.h"

#define STORE_NAME_MAX		96	/* a blob name: [A-Za-z0-9._@:-], no leading dot */
#define STORE_BLOB_MAX		(1024 * 1024)	/* a Signal session is a few KB */
#define STORE_PATH_MAX		1024
#define STORE_CREDS_FILE	"creds.json"

struct store;

struct store_cfg {
	const char		*data_dir;
	const char		*client_id;	/* [A-Za-z0-9_-], 1..64 chars */
	const struct seal_key	*key;		/* NULL: files are plain */
	uint32_t		 backups_keep;	/* 0: keep none */
};

/*
 * Creates the directories, takes the lock. -EBUSY when another process
 * holds it (*holder gets its pid when known), -EINVAL for a bad client id,
 * -errno otherwise.
 */
int	store_open(const struct store_cfg *, struct store **out, pid_t *holder);
/* Releases the lock; NULL-safe. */
void	store_close(struct store *);

const char *store_session_dir(const struct store *);

/*
 * Loads the credentials. -ENOENT: none yet (first run). -EBADMSG: the file
 * is unreadable (torn by something outside our control, or corrupt).
 * -EKEYREJECTED: sealed under another key. -ENOKEY: sealed, no key given.
 */
int	store_load_creds(struct store *, struct creds *out);
int	store_save_creds(struct store *, const struct creds *);
/* The same from creds_encode's text (a save made beside the loop). */
int	store_put_creds_text(struct store *, const uint8_t *, size_t);

/* Blobs beside the credentials (Signal sessions, prekeys, LID map). */
int	store_put(struct store *, const char *name, const uint8_t *, size_t);
/*
 * Several blobs in one group commit (atomicfile_write_many_at): two syncs
 * for the lot instead of two per blob. Each blob is old or new after a
 * crash, never torn; the set may be partly new if the crash falls among
 * the renames.
 */
struct store_item {
	const char	*name;
	const uint8_t	*buf;
	size_t		 len;
};
int	store_put_many(struct store *, const struct store_item *, size_t n);
/* *out is malloc'd, caller frees (sodium_memzero first if secret). */
int	store_get(struct store *, const char *name, uint8_t **out, size_t *len);
int	store_del(struct store *, const char *name);
/* Deletes every blob whose name starts with prefix: the count, or negative. */
int	store_del_prefix(struct store *, const char *prefix);

/*
 * Append-only logs (store_log.c) for tables that grow a line at a time:
 * one write and one fdatasync per append. Records are sealed one by one
 * with a key. -EFBIG past STORE_LOG_MAX: time to store_log_replace() the
 * log with its compacted content. store_log_read() gives the records'
 * bytes concatenated (malloc'd, NUL after) and cuts a torn last record.
 */
/* The message journal is the largest: after a compaction it holds every
 * unanswered inbound message (msg_internal.h MSG_INBOX_BYTES, 16 MiB),
 * every kept send (MSG_OUTBOX_BYTES, 16 MiB) and the Signal state not yet
 * in its files, so the bound sits well above their sum. The other logs
 * compact long before it. */
#define STORE_LOG_MAX		(64 * 1024 * 1024)
int	store_log_append(struct store *, const char *name, const uint8_t *,
	    size_t, size_t *file_len);
int	store_log_replace(struct store *, const char *name, const uint8_t *,
	    size_t);
/* A log that cannot be read is renamed "<name>.unreadable" (replacing
 * an older one), so that nothing writes over what it may still hold. */
int	store_log_set_aside(struct store *, const char *name);
/* Several records in one write and one fdatasync (a group commit); the
 * items' names are ignored. A crash inside leaves a prefix of them. */
int	store_log_append_many(struct store *, const char *name,
	    const struct store_item *, size_t n, size_t *file_len);
/* The log replaced (atomically) by these records. */
int	store_log_replace_many(struct store *, const char *name,
	    const struct store_item *, size_t n);
int	store_log_read(struct store *, const char *name, uint8_t **out,
	    size_t *len);
/*
 * Each record's plaintext to take, in order (valid during the call
 * only); a torn tail is cut and its length put in *torn. take's error
 * stops the walk and is returned.
 */
typedef int store_log_take_fn(void *arg, const uint8_t *rec, size_t len);
int	store_log_each(struct store *, const char *name, store_log_take_fn *,
	    void *arg, size_t *torn);
/*
 * The log format's parser (pure; fuzzed): calls take for each whole
 * record in order and sets *keep to the length of the whole records (a
 * shorter file is torn, to be cut there). -EBADMSG when buf is not a
 * log; take's error stops it (-EKEYREJECTED on the last record counts as
 * a torn tail).
 */
int	store_log_parse(const uint8_t *buf, size_t len, store_log_take_fn *,
	    void *arg, size_t *keep);

/*
 * Snapshots the session directory into backups/session-<id>-<UTC time>/
 * (built whole, then renamed into place) and prunes to backups_keep.
 * name gets the snapshot's directory name.
 */
int	store_backup(struct store *, char *name, size_t cap);
/*
 * The same in two halves, for the loop and a writer thread: begin (on the
 * loop, fast: directory entries only, as hard links of files that are
 * never changed in place; logs copied) and commit (the syncs, the rename
 * into place, the pruning: off the loop, one at a time per store).
 */
struct store_snapshot;
int	store_backup_begin(struct store *, struct store_snapshot **out);
int	store_backup_commit(struct store_snapshot *);
const char *store_snapshot_name(const struct store_snapshot *);
void	store_snapshot_free(struct store_snapshot *);

/*
 * Replaces the live session directory, in one rename, with a generation
 * built from the newest backup whose credentials load: the backup's files,
 * except Signal sessions, sender keys, contacts' identities and privacy
 * tokens the live directory holds in a readable copy written after the
 * backup (a ratchet never goes back; store_backup.c keeps_newer).
 * The old live directory is kept as backups/replaced-<id>-<stamp>.
 * -ENOENT when no backup is readable. name gets the backup used.
 */
int	store_restore_newest(struct store *, char *name, size_t cap);

/*
 * Logout (DESIGN.md LOGOUT): moves the session directory to
 * backups/logged-out-<id>-<UTC time>/ (0700) and starts an empty one.
 * Old logged-out copies are pruned with the backups.
 */
int	store_archive_logged_out(struct store *, char *name, size_t cap);

#endif
