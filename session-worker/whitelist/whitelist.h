/*
 * whitelist.h: the worker's whitelist of phone numbers (DESIGN.md
 * "Files": DATA/media-auth-config.json, a JSON array of digit strings,
 * the seed's format). The worker owns it (STYLE.md rule 1); the control
 * plane only asks over IPC.
 *
 * Numbers are kept normalised (phone.h) in insertion order, the order
 * the seed appended them and the order list() and the file show; a hash
 * index makes add, remove and has O(1). Every change is saved through
 * atomicfile_write_keep (previous version kept as FILE.bak) before the
 * list in memory takes it; if saving fails nothing changes and the error
 * is returned, so memory never holds what the disk does not. The save
 * may run on the store writer's thread: prepare, write, then apply on
 * the loop (the worker's IPC does so). A whitelist made without a path
 * lives in memory only (tests, fuzzing). whitelist_scan.c reads the file
 * entry by entry (a bad line costs that line); whitelist_log.c tells the
 * operator what a load left out; the set itself never logs (rule 3).
 */
#ifndef WALINK_WHITELIST_H
#define WALINK_WHITELIST_H

#include <stdbool.h>
#include <stddef.h>

#include "phone.h"

#define WHITELIST_FILE_NAME	"media-auth-config.json"

/*
 * At most 100 000 numbers: the largest list the seed's operators bulk-
 * load, and what WL_IPC_MSG_MAX was sized for (ipc.h).
 */
#define WHITELIST_MAX		100000
/*
 * Largest file loaded: 100 000 entries pretty-printed by any tool (up to
 * 15 digits, quotes, comma, indentation, CRLF: ~30 bytes each) is 3 MB.
 */
#define WHITELIST_FILE_MAX	(4u << 20)
/* Room for a load-failure reason. */
#define WHITELIST_WHY_MAX	160

struct whitelist;

/* path: the file (copied), or NULL for memory only. NULL on ENOMEM. */
struct whitelist	*whitelist_new(const char *path);
void			 whitelist_free(struct whitelist *);	/* NULL-safe */

/*
 * What the last load found in the file besides the numbers it serves.
 * An entry that is not a valid number, a line that is not JSON, a
 * missing ']' and text after it each cost their own line only and are
 * listed here (line, column, a static reason); the rest of the file is
 * served. The first WHITELIST_REJECTS_KEPT are kept, all are counted.
 */
#define WHITELIST_REJECTS_KEPT	100

struct whitelist_reject {
	unsigned	 line;		/* 1-based, as an editor numbers them */
	unsigned	 column;	/* 1-based, in bytes */
	const char	*reason;	/* static */
};

struct whitelist_report {
	size_t			rejected;	/* lines not served */
	size_t			duplicates;	/* entries dropped as repeats */
	size_t			kept;		/* entries in lines[] */
	/*
	 * The rejected lines are still in the file: true from the load until
	 * the first change saved through add or remove, which writes the
	 * served list alone (the file before it is kept as FILE.bak).
	 */
	bool			in_file;
	struct whitelist_reject	lines[WHITELIST_REJECTS_KEPT];
};

/*
 * (Re)loads the file: the start-up load and the SIGHUP reload. Each entry
 * is checked on its own: invalid ones are left out and reported
 * (whitelist_report), the valid ones served, so 0 is returned even if
 * some lines were rejected. The whole file is refused only when it is not
 * a JSON array at all, is empty, unreadable or too large (-WL_EBADFILE,
 * -EFBIG, -EISDIR, -EACCES ...) with one sentence in why; the list and
 * report in memory then stay as they were. A missing file is an empty
 * list. Entries are normalised as phone_normalise() does; duplicates are
 * dropped and counted; numbers beyond WHITELIST_MAX are rejected lines.
 * Temp files a crash left beside the file are removed first.
 */
int	whitelist_load(struct whitelist *, char why[static WHITELIST_WHY_MAX]);
/* Same, from bytes (fuzzing, tests); nothing is saved. */
int	whitelist_load_buf(struct whitelist *, const char *buf, size_t len,
	    char why[static WHITELIST_WHY_MAX]);
/* Writes the list to its file now (a path-less whitelist: no-op). */
int	whitelist_save(const struct whitelist *);

/*
 * add: normalises input (-WL_EBADNUMBER, *reason set as phone.h says),
 * -EEXIST if present, -WL_EFULL at WHITELIST_MAX; the normalised number
 * goes to out (if not NULL) on success and on -EEXIST.
 * remove: normalises; -ENOENT if absent.
 */
int	whitelist_add(struct whitelist *, const char *input,
	    char out[PHONE_BUF], const char **reason);
int	whitelist_remove(struct whitelist *, const char *input,
	    char out[PHONE_BUF], const char **reason);

/*
 * Replaces the whole list, all or nothing. Every invalid entry is passed
 * to on_invalid (index, the input, the reason) and then -WL_EBADNUMBER
 * returns with nothing changed. Duplicates are dropped (first kept);
 * more than WHITELIST_MAX distinct numbers: -WL_EFULL. n == 0 empties.
 */
typedef void whitelist_invalid_fn(void *arg, size_t index, const char *input,
    const char *reason);
int	whitelist_replace(struct whitelist *, const char *const *inputs,
	    size_t n, whitelist_invalid_fn *on_invalid, void *arg);

/*
 * The same three changes in two halves, so the file can be written beside
 * the loop (worker_ipc_whitelist.c hands the write to the store writer):
 * *_prepare checks as above and builds the file's new bytes, the list
 * untouched (memory follows disk); whitelist_change_write writes them
 * (any thread; it reads only the change); whitelist_change_apply, after
 * a write that succeeded, makes the list what the file now holds (it
 * cannot fail: the room was taken by prepare). A failed write: free the
 * change, nothing else changed. The list must stay alive meanwhile.
 */
struct whitelist_change;

int	whitelist_add_prepare(struct whitelist *, const char *input,
	    char out[PHONE_BUF], const char **reason,
	    struct whitelist_change **);
int	whitelist_remove_prepare(struct whitelist *, const char *input,
	    char out[PHONE_BUF], const char **reason,
	    struct whitelist_change **);
int	whitelist_replace_prepare(struct whitelist *, const char *const *inputs,
	    size_t n, whitelist_invalid_fn *on_invalid, void *arg,
	    struct whitelist_change **);
int	whitelist_change_write(const struct whitelist_change *);
void	whitelist_change_apply(struct whitelist *, struct whitelist_change *);
void	whitelist_change_free(struct whitelist_change *);	/* NULL-safe */

/* The last load's report; a replace empties it (the file is then exactly
 * the list given). Borrowed until the next change. */
const struct whitelist_report	*whitelist_report(const struct whitelist *);

/*
 * Logs the last load's report (whitelist_log.c): each rejected line
 * (line, column, reason; never the entry), their count, the repeats.
 */
void	whitelist_log_report(const struct whitelist *, const char *path);

/* True if input normalises to a listed number; false for invalid input. */
bool	whitelist_has(const struct whitelist *, const char *input);
size_t	whitelist_count(const struct whitelist *);

/*
 * Iterates in insertion order: start with *cursor = 0; returns each
 * number (borrowed until the next change) then NULL.
 */
const char	*whitelist_next(const struct whitelist *, size_t *cursor);

/*
 * A copy of the list in insertion order: a malloc'ed array of malloc'ed
 * strings, the shape protobuf-c frees (Wlipc__Whitelist.numbers), so an
 * IPC reply can take it as is. An empty list gives *out = NULL, *n = 0.
 */
int	whitelist_list(const struct whitelist *, char ***out, size_t *n);

#endif /* WALINK_WHITELIST_H */
