/*
 * media_prune.h: the retention of received media (issue 13): files in the
 * media directory older than the retention period go, then the oldest
 * until the directory fits its total size cap. The clock is a parameter,
 * so tests age files with their mtime instead of waiting. Blocking (it
 * stats and unlinks): runs in the media module's prune thread, never on
 * the loop.
 */
#ifndef WALINK_MEDIA_PRUNE_H
#define WALINK_MEDIA_PRUNE_H

#include <stdint.h>
#include <time.h>

struct media_prune_stats {
	unsigned	removed;	/* files unlinked */
	uint64_t	freed;		/* their bytes */
	unsigned	kept;
	uint64_t	kept_bytes;
};

/*
 * Prunes dir (its regular files; names starting with '.' are downloads in
 * progress and stay, unless a ".part-" file is a day old: a crash left
 * it): mtime older than now - max_age_s goes (0: no age limit), then
 * oldest first while the rest passes max_total bytes (0: no cap). 0 or
 * -errno when dir cannot be read.
 */
int	media_prune_run(const char *dir, time_t now, uint64_t max_age_s,
	    uint64_t max_total, struct media_prune_stats *out);

#endif
