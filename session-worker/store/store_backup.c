/*
 * store_backup.c: snapshots of the session directory, recovery from the
 * newest readable one, and moving a logged-out session aside (DESIGN.md
 * Files and LOGOUT). Snapshots are built in a hidden temp directory and
 * renamed into place, so a crash leaves either no snapshot or a whole one;
 * sealed files are copied as they are, never decrypted. A restore builds
 * the whole generation beside the live directory and swaps the two in one
 * rename (RENAME_EXCHANGE), keeping the Signal ratchets (and what they
 * stand on) the live directory advanced since the snapshot (README
 * "Backups and restore").
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "atomicfile.h"
#include "store.h"
#include "store_internal.h"

#define TMP_PREFIX	".tmp-"

/* Sortable UTC time with ms, so two snapshots in one second still differ. */
static void
utc_stamp(char *out, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	char base[20];	/* "YYYYmmddTHHMMSS" */

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, cap, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* Deletes a flat directory of files (what the store writes). */
static int
rm_flat_dir(const char *path)
{
	char p[STORE_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (store_path(p, sizeof(p), path, de->d_name) == 0 &&
		    unlink(p) == -1 && rc == 0)
			rc = -errno;
	}
	closedir(d);
	if (rmdir(path) == -1 && rc == 0)
		rc = -errno;
	return rc;
}

/* Copies every store file of src into dst, bytes as they are. */
static int
copy_files(const char *src, const char *dst)
{
	char from[STORE_PATH_MAX], to[STORE_PATH_MAX];
	struct dirent *de;
	uint8_t *buf;
	size_t len;
	DIR *d;
	int rc = 0;

	if ((d = opendir(src)) == NULL)
		return -errno;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!store_valid_name(de->d_name))
			continue;	/* ".", "..", temp files of a crashed write */
		if ((rc = store_path(from, sizeof(from), src, de->d_name)) < 0 ||
		    (rc = store_path(to, sizeof(to), dst, de->d_name)) < 0)
			break;
		/* a log (store_log.c) may be larger than a blob */
		rc = atomicfile_read(from, STORE_LOG_MAX, &buf, &len);
		if (rc == -EISDIR || rc == -EINVAL) {
			rc = 0;		/* not a regular file: not ours */
			continue;
		}
		if (rc < 0)
			break;
		rc = atomicfile_write(to, buf, len, 0600);
		sodium_memzero(buf, len);
		free(buf);
	}
	closedir(d);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Names in the backup dir starting with prefix, sorted oldest first
 * (the stamp sorts). The caller frees each and the array.
 */
static int
list_prefixed(const char *dir, const char *prefix, char ***out, size_t *n)
{
	char **v = NULL, **nv;
	size_t cnt = 0, cap = 0, plen = strlen(prefix);
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto out_nomem;
			v = nv;
		}
		if ((v[cnt] = strdup(de->d_name)) == NULL)
			goto out_nomem;
		cnt++;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*out = v;
	*n = cnt;
	return 0;

out_nomem:
	closedir(d);
	while (cnt > 0)
		free(v[--cnt]);
	free(v);
	return -ENOMEM;
}

static void
free_list(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/* Keeps the newest `keep` entries with prefix; removes the rest. */
static int
prune_prefixed(struct store *st, const char *prefix, uint32_t keep)
{
	char **v, path[STORE_PATH_MAX];
	size_t n, i;
	int rc;

	if ((rc = list_prefixed(st->backup_dir, prefix, &v, &n)) < 0)
		return rc;
	for (i = 0; i + keep < n; i++)
		if (store_path(path, sizeof(path), st->backup_dir, v[i]) == 0 &&
		    (rc = rm_flat_dir(path)) < 0)
			break;
	free_list(v, n);
	return rc;
}

static int
prune(struct store *st)
{
	char prefix[96];
	int rc;

	snprintf(prefix, sizeof(prefix), "session-%s-", st->client_id);
	if ((rc = prune_prefixed(st, prefix, st->backups_keep)) < 0)
		return rc;
	snprintf(prefix, sizeof(prefix), "logged-out-%s-", st->client_id);
	if ((rc = prune_prefixed(st, prefix, st->backups_keep)) < 0)
		return rc;
	snprintf(prefix, sizeof(prefix), "replaced-%s-", st->client_id);
	if ((rc = prune_prefixed(st, prefix, st->backups_keep)) < 0)
		return rc;
	snprintf(prefix, sizeof(prefix), TMP_PREFIX "restore-%s-", st->client_id);
	if ((rc = prune_prefixed(st, prefix, 0)) < 0)
		return rc;
	/* Half-built snapshots of a crashed worker. */
	snprintf(prefix, sizeof(prefix), TMP_PREFIX "session-%s-", st->client_id);
	return prune_prefixed(st, prefix, 0);
}

struct store_snapshot {
	struct store	*st;
	char		 base[128];
	char		 links[STORE_PATH_MAX];	/* the instant's files, linked */
	char		 tmp[STORE_PATH_MAX];	/* the copies being made */
	char		 dst[STORE_PATH_MAX];
};

/*
 * Every store file of src into dst as a hard link: the store replaces its
 * files by rename and never changes them in place, so the links hold the
 * files as they were at this instant, for no data and no sync. Logs
 * (*.log) grow in place: copied. The links are only a stage: a snapshot
 * keeps copies of its own, or damage done in place to a live file would
 * reach every snapshot sharing its inode.
 */
/*
 * A log's copy in the stage: no sync, for this runs on the loop; the
 * writer makes the snapshot's own copy durable (copy_files_grouped).
 */
static int
write_stage(const char *path, const uint8_t *buf, size_t len)
{
	ssize_t n;
	size_t off = 0;
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return -errno;
	while (rc == 0 && off < len) {
		if ((n = write(fd, buf + off, len - off)) > 0)
			off += (size_t)n;
		else if (n == -1 && errno != EINTR)
			rc = -errno;
	}
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	return rc;
}

static int
link_files(const char *src, const char *dst)
{
	char from[STORE_PATH_MAX], to[STORE_PATH_MAX];
	struct dirent *de;
	uint8_t *buf;
	size_t len, nl;
	DIR *d;
	int rc = 0;

	if ((d = opendir(src)) == NULL)
		return -errno;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!store_valid_name(de->d_name) || de->d_type == DT_DIR)
			continue;
		if ((rc = store_path(from, sizeof(from), src, de->d_name)) < 0 ||
		    (rc = store_path(to, sizeof(to), dst, de->d_name)) < 0)
			break;
		nl = strlen(de->d_name);
		if ((nl < 4 || strcmp(de->d_name + nl - 4, ".log") != 0) &&
		    link(from, to) == 0)
			continue;
		/* a log, or a filesystem without hard links: a copy */
		rc = atomicfile_read(from, STORE_LOG_MAX, &buf, &len);
		if (rc == -EISDIR || rc == -EINVAL) {
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		rc = write_stage(to, buf, len);
		sodium_memzero(buf, len);
		free(buf);
	}
	closedir(d);
	return rc;
}

int
store_backup_begin(struct store *st, struct store_snapshot **out)
{
	struct store_snapshot *s;
	char stamp[40];
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->st = st;
	utc_stamp(stamp, sizeof(stamp));
	snprintf(s->base, sizeof(s->base), "session-%s-%s", st->client_id, stamp);
	if ((rc = store_path(s->dst, sizeof(s->dst), st->backup_dir, s->base)) < 0 ||
	    snprintf(s->tmp, sizeof(s->tmp), "%s/" TMP_PREFIX "%s", st->backup_dir,
	    s->base) >= (int)sizeof(s->tmp)) {
		free(s);
		return rc < 0 ? rc : -ENAMETOOLONG;
	}
	if (snprintf(s->links, sizeof(s->links), "%s.links", s->tmp) >=
	    (int)sizeof(s->links)) {
		free(s);
		return -ENAMETOOLONG;
	}
	if (mkdir(s->links, 0700) == -1) {
		rc = -errno;
		free(s);
		return rc;
	}
	if ((rc = link_files(st->session_dir, s->links)) < 0) {
		rm_flat_dir(s->links);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Copies of every file of src into dst, in one group commit. */
static int
copy_files_grouped(const char *src, const char *dst)
{
	struct atomicfile_item *items = NULL, *ni;
	char from[STORE_PATH_MAX];
	struct dirent *de;
	size_t n = 0, cap = 0, i;
	uint8_t *buf;
	size_t len;
	DIR *d;
	int dfd, rc = 0;

	if ((d = opendir(src)) == NULL)
		return -errno;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!store_valid_name(de->d_name))
			continue;
		if ((rc = store_path(from, sizeof(from), src, de->d_name)) < 0)
			break;
		if ((rc = atomicfile_read(from, STORE_LOG_MAX, &buf, &len)) < 0) {
			if (rc == -EISDIR || rc == -EINVAL)
				rc = 0;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((ni = realloc(items, cap * sizeof(*items))) == NULL) {
				rc = -ENOMEM;
				free(buf);
				break;
			}
			items = ni;
		}
		items[n].buf = buf;
		items[n].len = len;
		if ((items[n].name = strdup(de->d_name)) == NULL) {
			rc = -ENOMEM;
			free(buf);
			break;
		}
		n++;
	}
	closedir(d);
	if (rc == 0) {
		if ((dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			rc = -errno;
		else {
			rc = atomicfile_write_many_at(dfd, items, n, 0600);
			close(dfd);
		}
	}
	for (i = 0; i < n; i++) {
		sodium_memzero((void *)items[i].buf, items[i].len);
		free((void *)items[i].buf);
		free((void *)items[i].name);
	}
	free(items);
	return rc;
}

int
store_backup_commit(struct store_snapshot *s)
{
	int rc;

	if (mkdir(s->tmp, 0700) == -1) {
		rc = -errno;
		rm_flat_dir(s->links);
		return rc;
	}
	/* two syncs for all the copies; the dir sync comes with them */
	rc = copy_files_grouped(s->links, s->tmp);
	rm_flat_dir(s->links);
	if (rc < 0)
		goto out_rm;
	if (rename(s->tmp, s->dst) == -1) {
		rc = -errno;
		goto out_rm;
	}
	if ((rc = fsync_dir(s->st->backup_dir)) < 0)
		return rc;
	return prune(s->st);
out_rm:
	rm_flat_dir(s->tmp);
	return rc;
}

const char *
store_snapshot_name(const struct store_snapshot *s)
{
	return s->base;
}

void
store_snapshot_free(struct store_snapshot *s)
{
	free(s);
}

int
store_backup(struct store *st, char *name, size_t cap)
{
	struct store_snapshot *s;
	int rc;

	if ((rc = store_backup_begin(st, &s)) < 0)
		return rc;
	if ((rc = store_backup_commit(s)) == 0 && name != NULL)
		snprintf(name, cap, "%s", s->base);
	store_snapshot_free(s);
	return rc;
}

/* True when the backup's credentials decode under our key. */
static bool
backup_readable(struct store *st, const char *dir)
{
	struct creds *c = creds_new();
	uint8_t *buf;
	size_t len;
	bool ok = false;

	if (c == NULL)
		return false;
	if (store_read_file(st, dir, STORE_CREDS_FILE, &buf, &len) == 0) {
		ok = creds_decode(buf, len, c) == 0;
		sodium_free(buf);
	}
	creds_free(c);
	return ok;
}

/*
 * What a restore takes from the live directory when its readable copy is
 * newer than the snapshot's. Ratchet state, a Signal session ("ss-") or a
 * group sender key ("sk-"): an older one would reuse message keys the
 * worker has already used. With a kept session, the contact's identity it
 * was built on ("id-"): an older record (or none) would make the session
 * fail its identity check. And the contacts' privacy tokens ("tctokens"):
 * a contact issues its token once, so without the newer table every reply
 * to a contact first met since the snapshot is refused (463). And the
 * message journal ("journal.log", message/msg_journal.h): sessions
 * written since the last compaction live only there, beside the messages
 * not yet served and the sends not yet acked; a torn tail is the
 * journal's own to drop. The account's own keys and credentials always
 * come from the snapshot.
 */
#define KEEP_NEWER_LOG	"journal.log"

static bool
keeps_newer(const char *name)
{
	return strncmp(name, "ss-", 3) == 0 || strncmp(name, "sk-", 3) == 0 ||
	    strncmp(name, "id-", 3) == 0 || strcmp(name, "tctokens") == 0 ||
	    strcmp(name, KEEP_NEWER_LOG) == 0;
}

static bool
newer_than(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) == -1)
		return false;
	if (stat(b, &sb) == -1)
		return errno == ENOENT;		/* made after the snapshot */
	return sa.st_mtim.tv_sec > sb.st_mtim.tv_sec ||
	    (sa.st_mtim.tv_sec == sb.st_mtim.tv_sec &&
	    sa.st_mtim.tv_nsec > sb.st_mtim.tv_nsec);
}

/* Into gen: each readable live keeps_newer() file written after the snapshot's copy. */
static int
keep_newer_state(struct store *st, const char *snap, const char *gen)
{
	char live[STORE_PATH_MAX], old[STORE_PATH_MAX], to[STORE_PATH_MAX];
	struct dirent *de;
	uint8_t *buf;
	size_t len;
	bool log;
	DIR *d;
	int rc = 0;

	if ((d = opendir(st->session_dir)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!store_valid_name(de->d_name) || !keeps_newer(de->d_name))
			continue;
		if (store_path(live, sizeof(live), st->session_dir, de->d_name) < 0 ||
		    store_path(old, sizeof(old), snap, de->d_name) < 0 ||
		    store_path(to, sizeof(to), gen, de->d_name) < 0 ||
		    !newer_than(live, old))
			continue;
		log = strcmp(de->d_name, KEEP_NEWER_LOG) == 0;
		/* only a copy that opens: a damaged one loses to the snapshot */
		if (!log) {
			if (store_read_file(st, st->session_dir, de->d_name, &buf,
			    &len) < 0)
				continue;
			sodium_free(buf);
		}
		if ((rc = atomicfile_read(live, log ? STORE_LOG_MAX :
		    STORE_BLOB_MAX + SEAL_GEN_OVERHEAD, &buf, &len)) < 0)
			break;
		rc = atomicfile_write(to, buf, len, 0600);
		sodium_memzero(buf, len);
		free(buf);
	}
	closedir(d);
	return rc;
}

/* The directory a path sits in (for the fsync that makes a rename last). */
static int
fsync_parent(const char *path)
{
	char p[STORE_PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	return fsync_dir(dirname(p));
}

/*
 * gen takes the live directory's place in one step; the old live
 * directory goes to backups/replaced-<id>-<stamp> for the operator.
 */
static int
swap_in(struct store *st, const char *gen, const char *stamp)
{
	char aside[STORE_PATH_MAX], base[128];
	int rc;

	snprintf(base, sizeof(base), "replaced-%s-%s", st->client_id, stamp);
	if ((rc = store_path(aside, sizeof(aside), st->backup_dir, base)) < 0)
		return rc;
	if (renameat2(AT_FDCWD, gen, AT_FDCWD, st->session_dir,
	    RENAME_EXCHANGE) == 0) {
		/*
		 * Done: gen's name now holds the old live directory. Named
		 * for the operator if we can; else prune() clears it later.
		 */
		(void)rename(gen, aside);
	} else if (errno == EINVAL || errno == ENOSYS || errno == ENOENT) {
		/*
		 * No exchange on this filesystem (or no live directory): two
		 * renames. A crash between them leaves no live directory and
		 * the whole generation under gen's name: store_open() finishes
		 * the move (store_finish_restore). Never a mix.
		 */
		if (rename(st->session_dir, aside) == -1 && errno != ENOENT)
			return -errno;
		if (rename(gen, st->session_dir) == -1)
			return -errno;
	} else {
		return -errno;
	}
	/* both directories changed: both made durable */
	if ((rc = fsync_parent(st->session_dir)) < 0 ||
	    (rc = fsync_dir(st->backup_dir)) < 0)
		return rc;
	return 1;	/* swapped: gen is no longer ours to remove */
}

int
store_restore_newest(struct store *st, char *name, size_t cap)
{
	char prefix[96], **v, snap[STORE_PATH_MAX], gen[STORE_PATH_MAX];
	char stamp[40];
	size_t n, i;
	int rc;

	snprintf(prefix, sizeof(prefix), "session-%s-", st->client_id);
	if ((rc = list_prefixed(st->backup_dir, prefix, &v, &n)) < 0)
		return rc;
	rc = -ENOENT;
	for (i = n; i-- > 0;) {
		if (store_path(snap, sizeof(snap), st->backup_dir, v[i]) < 0 ||
		    !backup_readable(st, snap))
			continue;
		utc_stamp(stamp, sizeof(stamp));
		if (snprintf(gen, sizeof(gen), "%s/" TMP_PREFIX "restore-%s-%s",
		    st->backup_dir, st->client_id, stamp) >= (int)sizeof(gen)) {
			rc = -ENAMETOOLONG;
			break;
		}
		if (mkdir(gen, 0700) == -1) {
			rc = -errno;
			break;
		}
		if ((rc = copy_files(snap, gen)) < 0 ||
		    (rc = keep_newer_state(st, snap, gen)) < 0 ||
		    (rc = fsync_dir(gen)) < 0 ||
		    (rc = swap_in(st, gen, stamp)) < 0) {
			rm_flat_dir(gen);	/* never swapped: the live dir is whole */
			break;
		}
		if (name != NULL)
			snprintf(name, cap, "%s", v[i]);
		/* the generations the new live directory's files were written with */
		store_gen_free(st);
		if ((rc = store_gen_open(st)) == 0)
			rc = prune(st);
		break;
	}
	free_list(v, n);
	return rc;
}

/*
 * At open, before the live directory is made: a restore that crashed
 * between its two renames (filesystems without RENAME_EXCHANGE) left no
 * live directory and a whole generation in backups/. Move it in.
 */
int
store_finish_restore(struct store *st)
{
	char prefix[96], **v, gen[STORE_PATH_MAX];
	struct stat sb;
	size_t n;
	int rc;

	if (stat(st->session_dir, &sb) == 0 || errno != ENOENT)
		return 0;
	snprintf(prefix, sizeof(prefix), TMP_PREFIX "restore-%s-", st->client_id);
	if ((rc = list_prefixed(st->backup_dir, prefix, &v, &n)) < 0)
		return rc;
	if (n > 0 && (rc = store_path(gen, sizeof(gen), st->backup_dir,
	    v[n - 1])) == 0 && backup_readable(st, gen)) {
		if (rename(gen, st->session_dir) == -1)
			rc = -errno;
		else if ((rc = fsync_parent(st->session_dir)) == 0)
			rc = fsync_dir(st->backup_dir);
	}
	free_list(v, n);
	return rc;
}

int
store_archive_logged_out(struct store *st, char *name, size_t cap)
{
	char stamp[40], base[128], dst[STORE_PATH_MAX];
	int rc;

	utc_stamp(stamp, sizeof(stamp));
	snprintf(base, sizeof(base), "logged-out-%s-%s", st->client_id, stamp);
	if ((rc = store_path(dst, sizeof(dst), st->backup_dir, base)) < 0)
		return rc;
	if (rename(st->session_dir, dst) == -1)
		return -errno;
	/* the entry left one directory and joined another: sync both */
	if ((rc = fsync_parent(st->session_dir)) < 0 ||
	    (rc = fsync_dir(st->backup_dir)) < 0 ||
	    (rc = mkdir_mode(st->session_dir, 0700, MKDIR_STRICT)) < 0)
		return rc;
	if (name != NULL)
		snprintf(name, cap, "%s", base);
	store_gen_free(st);	/* an empty directory: nothing written yet */
	if ((rc = store_gen_open(st)) < 0)
		return rc;
	return prune(st);
}
