/*
 * slowio.h: what a test linked against libwalink_slowio.so (slowio_shim.c)
 * can ask it: the fsync/fdatasync/syncfs calls made since the last reset, by
 * count and by the path of the file or directory synced.
 */
#ifndef WALINK_SLOWIO_H
#define WALINK_SLOWIO_H

#include <stdbool.h>

void	slowio_sync_reset(void);
int	slowio_sync_count(void);
/* True when path (absolute, as /proc/self/fd shows it) was synced. */
bool	slowio_synced(const char *path);

#endif
