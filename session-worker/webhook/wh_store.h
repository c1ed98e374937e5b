/*
 * wh_store.h: the webhook queue's files, written beside the loop. A
 * thread takes write and remove orders in the order given (so a remove
 * never overtakes the write it undoes) and carries them out with
 * shared/atomicfile; the loop only copies the bytes into the order.
 */
#ifndef WALINK_WH_STORE_H
#define WALINK_WH_STORE_H

#include <stddef.h>
#include <stdint.h>

struct wh_store;

/* Makes dir, dir/pending and dir/dead (0700) and starts the writer. */
int	wh_store_open(const char *dir, struct wh_store **out);
/* Carries out what is queued, stops the writer, frees. NULL-safe. */
void	wh_store_close(struct wh_store *);

/* Orders: sub is "pending" or "dead", name a file name without '/'. */
int	wh_store_put(struct wh_store *, const char *sub, const char *name,
	    const char *data, size_t len);
int	wh_store_del(struct wh_store *, const char *sub, const char *name);
/* Waits until every order given so far is on disk (tests, shutdown). */
void	wh_store_flush(struct wh_store *);

/* Start-up only (blocking): calls fn for each regular file in dir/sub,
 * removing crash temps first. Returns how many, or -errno. */
int	wh_store_load(const char *dir, const char *sub, size_t max_len,
	    void (*fn)(void *arg, const char *name, const uint8_t *, size_t),
	    void *arg);

#endif
