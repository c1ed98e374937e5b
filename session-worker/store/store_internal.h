/* store_internal.h: what store.c and store_backup.c share; not for callers. */
#ifndef WALINK_STORE_INTERNAL_H
#define WALINK_STORE_INTERNAL_H

#include <stdbool.h>

#include "store.h"

struct store {
	char			 client_id[65];
	char			 session_dir[STORE_PATH_MAX];
	char			 backup_dir[STORE_PATH_MAX];
	char			 run_dir[STORE_PATH_MAX];
	const struct seal_key	*key;
	uint32_t		 backups_keep;
	int			 lock_fd;
};

bool	store_valid_name(const char *);
int	store_path(char *out, size_t cap, const char *a, const char *b);
int	store_read_file(const struct store *, const char *dir, const char *name,
	    uint8_t **out, size_t *len);
int	store_write_file(const struct store *, const char *dir,
	    const char *name, const uint8_t *, size_t);
/* store_log.c: true for a file in the log format. */
bool	store_log_is_log(const uint8_t *, size_t);
/* store_backup.c: completes a restore a crash cut between two renames. */
int	store_finish_restore(struct store *);

#endif
