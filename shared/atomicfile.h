/*
 * atomicfile.h: the only way walink replaces a data file (STYLE.md rule 7,
 * DESIGN.md "Files": a crash at any instant leaves every file either old
 * or new, never torn).
 *
 * Recipe (redis rdbSave / fsyncFileDir): a temp file in the same
 * directory (O_EXCL|O_CLOEXEC, exact mode, default 0600), write all,
 * fsync, checked close, renameat over the target, fsync the directory.
 * On failure before the rename the temp is unlinked and the old file is
 * untouched. Functions return 0 or -errno and never log: the caller
 * names the file and decides (rule 3).
 *
 * Temp names are ".NAME.tmp-PID-N"; one left by a crash is never read
 * and atomicfile_remove_temps() clears it.
 */
#ifndef WALINK_ATOMICFILE_H
#define WALINK_ATOMICFILE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define ATOMICFILE_MODE_DEFAULT	0600
#define ATOMICFILE_BAK_SUFFIX	".bak"

/*
 * Replaces path with buf[0..len). mode 0 means ATOMICFILE_MODE_DEFAULT;
 * the file gets exactly mode whatever the umask. -errno on failure: if
 * the final directory fsync fails the new content is in place but its
 * durability is unknown.
 */
int	atomicfile_write(const char *path, const void *buf, size_t len,
	    mode_t mode);
/* Same, name relative to an open directory (no '/' in name). */
int	atomicfile_write_at(int dirfd, const char *name, const void *buf,
	    size_t len, mode_t mode);

/*
 * As atomicfile_write, but first makes path's current version
 * path.bak, atomically (hard link to a temp then rename; a copy when the
 * filesystem has no hard links). No current file: no backup, no error.
 * If the backup fails nothing is replaced.
 */
int	atomicfile_write_keep(const char *path, const void *buf, size_t len,
	    mode_t mode);

/*
 * Group commit: writes every item like atomicfile_write_at, with two
 * syncs in all instead of two per file: the temps are written, synced
 * together (syncfs), renamed, then the directory is synced. A failure
 * before the renames leaves every old file untouched; one during them
 * leaves each file either old or new, never torn.
 */
struct atomicfile_item {
	const char	*name;
	const void	*buf;
	size_t		 len;
};
int	atomicfile_write_many_at(int dirfd, const struct atomicfile_item *,
	    size_t n, mode_t mode);

/*
 * Reads a whole regular file of at most max bytes into a malloc'ed
 * buffer (NUL-terminated past *len for text parsers; caller frees).
 * -EFBIG if larger than max, -EISDIR for a directory, -EINVAL for any
 * other non-regular file, -ENOENT if absent. Out-params only on success.
 */
int	atomicfile_read(const char *path, size_t max, uint8_t **out,
	    size_t *len);

/*
 * Removes temps a crash left beside path (".NAME.tmp-*" and
 * ".NAME.bak.tmp-*"). For start-up, while nobody writes path. Returns
 * how many were removed, or -errno.
 */
int	atomicfile_remove_temps(const char *path);

/*
 * mkdir -p: creates each missing component with exactly mode (0: 0700),
 * fsyncing the parent of each one it creates. With
 * MKDIR_STRICT the final directory (new or existing) must not be group-
 * or world-writable: -WL_EUNSAFEMODE (the ntpd chroot check). -ENOTDIR
 * if path exists and is not a directory.
 */
#define MKDIR_STRICT		0x1
#define MKDIR_MODE_DEFAULT	0700
int	mkdir_mode(const char *path, mode_t mode, unsigned flags);

/*
 * fsync a directory so a rename in it is durable. EINVAL (filesystems
 * that cannot sync a directory) counts as success, as in redis.
 */
int	fsync_dir(const char *path);

/*
 * Fault injection for tests (STYLE.md rule 15, sqlite's SimulateIOError):
 * the nth call (1-based, counted from this call) of op fails with errno
 * err, once. Inert until set; one global table, so tests only, and not
 * while other threads write files.
 */
enum atomicfile_op {
	AF_OP_OPEN,	/* creating the temp file */
	AF_OP_WRITE,
	AF_OP_FSYNC,	/* fsync of the temp file */
	AF_OP_CLOSE,	/* the fd is closed anyway; only the result fails */
	AF_OP_RENAME,
	AF_OP_LINK,	/* hard link made for the .bak */
	AF_OP_DIRFSYNC,
	AF_OP_READ,
	AF_OP__MAX
};
void	atomicfile_fault_set(enum atomicfile_op, unsigned nth, int err);
void	atomicfile_fault_clear(void);

#endif /* WALINK_ATOMICFILE_H */
