/* store_internal.h: what store.c and store_backup.c share; not for callers. */
#ifndef WALINK_STORE_INTERNAL_H
#define WALINK_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* store_gen.c: the generations of the sealed files last written. */
#define STORE_GEN_LOG	"seal-gen.log"
struct store_gens;

struct store {
	char			 client_id[65];
	char			 session_dir[STORE_PATH_MAX];
	char			 backup_dir[STORE_PATH_MAX];
	char			 run_dir[STORE_PATH_MAX];
	const struct seal_key	*key;
	uint32_t		 backups_keep;
	int			 lock_fd;
	struct store_gens	*gens;		/* with a key only */
};

bool	store_valid_name(const char *);
int	store_path(char *out, size_t cap, const char *a, const char *b);
int	store_read_file(const struct store *, const char *dir, const char *name,
	    uint8_t **out, size_t *len);
int	store_write_file(const struct store *, const char *dir,
	    const char *name, const uint8_t *, size_t);
/* store_log.c: true for a file in the log format. */
bool	store_log_is_log(const uint8_t *, size_t);
/* store_gen.c: loads STORE_GEN_LOG (with a key; else nothing to do). */
int	store_gen_open(struct store *);
void	store_gen_free(struct store *);
/* The generation for the next sealed write: only grows. */
uint64_t store_gen_next(const struct store *);
/* -WL_EROLLEDBACK when name was last written with a newer generation. */
int	store_gen_check(const struct store *, const char *name, uint64_t gen);
/* After the files are written: their generations, in one log append. */
int	store_gen_note(const struct store *, const char *const *names,
	    const uint64_t *gens, size_t n);
/* store_backup.c: completes a restore a crash cut between two renames. */
int	store_finish_restore(struct store *);

#endif
