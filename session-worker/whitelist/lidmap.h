/*
 * lidmap.h: LID -> phone number mappings (protocol-notes §9, DESIGN.md
 * "Senders and the whitelist"). A sender addressed as <lid>@lid can only
 * be checked against the phone-number whitelist through a mapping the
 * server told us (sender_pn, participant_pn, usync); every one learnt is
 * kept and persisted by the caller (lidmap_log.c: an append-only store
 * log). Codec and table only here: no I/O, no logging.
 *
 * Eviction: a full table drops its least recently used (learnt or looked
 * up) entry whose number the pin predicate does not claim. With the
 * whitelist as predicate, a flood of strangers' LIDs can never push out
 * a whitelisted contact's mapping.
 */
#ifndef WALINK_LIDMAP_H
#define WALINK_LIDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The compacted table is one store record (STORE_BLOB_MAX, 1 MiB) of
 * lines up to 24 + 1 + 15 + 1 bytes: 25,000 fit with room to spare. */
#define LIDMAP_MAX	25000
/* A LID user part: digits, WhatsApp's are 14-15, the simulator's up to 21. */
#define LIDMAP_LID_MAX	24
#define LIDMAP_BLOB	"lid-map"	/* earlier releases: one whole blob */
#define LIDMAP_LOG	"lid-map.log"	/* now: an append-only store log */

struct lidmap;

/* True when phone's mapping must never be evicted (a whitelisted number). */
typedef bool lidmap_pinned_fn(void *arg, const char *phone);

struct lidmap	*lidmap_new(void);
void		 lidmap_free(struct lidmap *);	/* NULL-safe */
/* Sets the pin predicate (NULL: nothing pinned); asked at eviction time. */
void		 lidmap_pin(struct lidmap *, lidmap_pinned_fn *, void *arg);

/*
 * Adds or updates lid -> phone (digits only, lid 1..LIDMAP_LID_MAX,
 * phone as phone.h). 1: the table changed, 0: already known, -EINVAL bad
 * input, -ENOSPC when LIDMAP_MAX entries are all pinned, -ENOMEM. At
 * LIDMAP_MAX the least recently used unpinned entry makes room.
 */
int		 lidmap_put(struct lidmap *, const char *lid, const char *phone);
/* The phone number for lid, or NULL (a hit counts as use). Borrowed
 * until the next change. */
const char	*lidmap_phone(struct lidmap *, const char *lid);
size_t		 lidmap_count(const struct lidmap *);

/*
 * File form: one "lid phone" line each, a later line for a LID winning
 * (a log of what was learnt; lidmap_encode writes it compacted, least
 * recently used first). Load replaces the table, all or nothing: -EBADMSG
 * on any bad line; past LIDMAP_MAX the eviction rule applies as it reads.
 */
int		 lidmap_load(struct lidmap *, const uint8_t *, size_t);
int		 lidmap_encode(const struct lidmap *, uint8_t **out, size_t *len);

/* lidmap_log.c: the table on disk (the one part here that does I/O). */
struct store;
struct store_writer;
struct lidmap_log;
/* Loads the log (or moves an earlier release's blob into it): -ENOENT
 * when nothing was ever saved. In place: before the loop runs. */
int		 lidmap_log_load(struct store *, struct lidmap *);
/*
 * The log's writes from now on, made by w's thread (NULL: in place):
 * each mapping learnt is a line appended, now and then the log is
 * compacted to the table; a failure is logged (the mapping stays in
 * memory and goes to disk with the next compaction).
 */
int		 lidmap_log_open(struct store_writer *w, struct store *,
		    struct lidmap *, struct lidmap_log **out);
/* After w is freed; NULL-safe. */
void		 lidmap_log_free(struct lidmap_log *);
/*
 * Records a mapping lidmap_put() just added or changed: queued before
 * this returns (see store_async.h: on disk before any job submitted to w
 * after it), written a moment later.
 */
int		 lidmap_log_learnt(struct lidmap_log *, const char *lid,
		    const char *phone);

#endif
