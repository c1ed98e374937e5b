/*
 * store.c: session directory, lock and file I/O of the credential store.
 * Backups, restore and logout archiving are in store_backup.c.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "atomicfile.h"
#include "store.h"
#include "wl_error.h"

#include "store_internal.h"

static bool
valid_client_id(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '_' || id[i] == '-'))
			return false;
	return true;
}

bool
store_valid_name(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n >= STORE_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-' || ch == '@' || ch == ':'))
			return false;
	}
	return true;
}

int
store_path(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/*
 * One lock per data dir and client id, in run/ (DESIGN.md Files): flock
 * is dropped by the kernel when the holder dies, so a kill -9 never
 * leaves a stale lock behind; the pid inside is only for the message.
 */
static int
take_lock(struct store *st, pid_t *holder)
{
	char path[STORE_PATH_MAX], name[96], buf[32];
	ssize_t n;
	int fd, rc;

	snprintf(name, sizeof(name), "worker-%s.lock", st->client_id);
	if ((rc = store_path(path, sizeof(path), st->run_dir, name)) < 0)
		return rc;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (holder != NULL) {
			*holder = 0;
			if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
				buf[n] = '\0';
				*holder = (pid_t)strtol(buf, NULL, 10);
			}
		}
		close(fd);
		return rc;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n) {
		rc = -errno;
		close(fd);
		return rc;
	}
	st->lock_fd = fd;
	return 0;
}

/*
 * With a key configured, seals every plain file of the session directory
 * at open instead of "on its next write": credentials that never change
 * would otherwise stay plain on disk for good after the operator turned
 * encryption at rest on (DESIGN.md Files). Sealed files are left as they
 * are, and so is a file that cannot be read: loading decides what a
 * damaged one means (restore from a backup). Backups keep their bytes:
 * they are snapshots and rotate out. A failed write is returned.
 */
static int
seal_plain_files(const struct store *st)
{
	char path[STORE_PATH_MAX];
	struct dirent *de;
	uint8_t *raw;
	size_t n;
	DIR *d;
	int rc = 0;

	if ((d = opendir(st->session_dir)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!store_valid_name(de->d_name) ||
		    store_path(path, sizeof(path), st->session_dir, de->d_name) < 0 ||
		    atomicfile_read(path, STORE_BLOB_MAX + SEAL_GEN_OVERHEAD, &raw, &n) < 0)
			continue;
		/* logs seal record by record as they are compacted */
		if (!seal_is_sealed(raw, n) && !store_log_is_log(raw, n))
			rc = store_write_file(st, st->session_dir, de->d_name, raw, n);
		sodium_memzero(raw, n);
		free(raw);
	}
	closedir(d);
	return rc;
}

int
store_open(const struct store_cfg *cfg, struct store **out, pid_t *holder)
{
	struct store *st;
	char root[STORE_PATH_MAX], dir[STORE_PATH_MAX];
	int rc;

	if (cfg->data_dir == NULL || cfg->client_id == NULL ||
	    !valid_client_id(cfg->client_id))
		return -EINVAL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	st->lock_fd = -1;
	st->key = cfg->key;
	st->backups_keep = cfg->backups_keep;
	snprintf(st->client_id, sizeof(st->client_id), "%s", cfg->client_id);
	snprintf(dir, sizeof(dir), "session-%s", cfg->client_id);
	if ((rc = store_path(root, sizeof(root), cfg->data_dir, "whatsapp-session")) < 0 ||
	    (rc = store_path(st->session_dir, sizeof(st->session_dir), root, dir)) < 0 ||
	    (rc = store_path(st->backup_dir, sizeof(st->backup_dir), root, "backups")) < 0 ||
	    (rc = store_path(st->run_dir, sizeof(st->run_dir), cfg->data_dir, "run")) < 0)
		goto out_free;
	/* run/ holds the IPC sockets too: group may read, nobody else. */
	if ((rc = mkdir_mode(cfg->data_dir, 0750, 0)) < 0 ||
	    (rc = mkdir_mode(st->run_dir, 0750, MKDIR_STRICT)) < 0 ||
	    (rc = mkdir_mode(root, 0700, MKDIR_STRICT)) < 0 ||
	    (rc = mkdir_mode(st->backup_dir, 0700, MKDIR_STRICT)) < 0)
		goto out_free;
	if ((rc = take_lock(st, holder)) < 0)
		goto out_free;
	if ((rc = store_finish_restore(st)) < 0 ||
	    (rc = mkdir_mode(st->session_dir, 0700, MKDIR_STRICT)) < 0)
		goto out_unlock;
	if ((rc = store_gen_open(st)) < 0 ||
	    (st->key != NULL && (rc = seal_plain_files(st)) < 0))
		goto out_unlock;
	*out = st;
	return 0;

out_unlock:
	store_gen_free(st);
	close(st->lock_fd);
out_free:
	free(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->lock_fd != -1)
		close(st->lock_fd);	/* releases the flock */
	store_gen_free(st);
	free(st);
}

const char *
store_session_dir(const struct store *st)
{
	return st->session_dir;
}

/*
 * Reads dir/name, unsealing it, into *out: sodium memory (guarded,
 * mlocked: for the credentials, read once) when secure, else plain heap
 * with a NUL after the bytes (blobs: a Signal session is read for every
 * message, and an mmap + mlock each time is what the loop cannot afford).
 */
static int
read_file(const struct store *st, const char *dir, const char *name,
    bool secure, uint8_t **out, size_t *len)
{
	char path[STORE_PATH_MAX];
	uint8_t *raw, *plain;
	uint64_t gen;
	size_t n, m;
	int rc;

	if ((rc = store_path(path, sizeof(path), dir, name)) < 0)
		return rc;
	if ((rc = atomicfile_read(path, STORE_BLOB_MAX + SEAL_GEN_OVERHEAD, &raw, &n)) < 0)
		return rc;
	if (!seal_is_sealed(raw, n)) {
		/* A plain file with a key configured: read; sealed on next write. */
		if (!secure) {
			*out = raw;	/* atomicfile_read leaves room for a NUL */
			raw[n] = '\0';
			*len = n;
			return 0;
		}
		m = n;
	} else if (st->key == NULL) {
		rc = -ENOKEY;
		goto out;
	}
	if ((plain = secure ? sodium_malloc(n + 1) : malloc(n + 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (!seal_is_sealed(raw, n))
		memcpy(plain, raw, n);
	else if ((rc = seal_decrypt_gen(st->key, name, raw, n, plain, &m,
	    &gen)) < 0 || (strcmp(dir, st->session_dir) == 0 &&
	    (rc = store_gen_check(st, name, gen)) < 0)) {
		if (rc == -WL_EROLLEDBACK)
			sodium_memzero(plain, m);
		if (secure)
			sodium_free(plain);
		else
			free(plain);
		goto out;
	}
	plain[m] = '\0';
	*out = plain;
	*len = m;
out:
	sodium_memzero(raw, n);
	free(raw);
	return rc;
}

int
store_read_file(const struct store *st, const char *dir, const char *name,
    uint8_t **out, size_t *len)
{
	return read_file(st, dir, name, true, out, len);
}

int
store_write_file(const struct store *st, const char *dir, const char *name,
    const uint8_t *buf, size_t len)
{
	char path[STORE_PATH_MAX];
	uint8_t *sealed;
	uint64_t gen;
	size_t n;
	int rc;

	if ((rc = store_path(path, sizeof(path), dir, name)) < 0)
		return rc;
	if (st->key == NULL)
		return atomicfile_write(path, buf, len, 0600);
	if ((sealed = malloc(len + SEAL_GEN_OVERHEAD)) == NULL)
		return -ENOMEM;
	gen = store_gen_next(st);
	if ((rc = seal_encrypt_gen(st->key, name, gen, buf, len, sealed, &n)) == 0)
		rc = atomicfile_write(path, sealed, n, 0600);
	free(sealed);
	if (rc == 0 && strcmp(dir, st->session_dir) == 0)
		rc = store_gen_note(st, &name, &gen, 1);
	return rc;
}

int
store_load_creds(struct store *st, struct creds *out)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if ((rc = store_read_file(st, st->session_dir, STORE_CREDS_FILE, &buf,
	    &len)) < 0)
		return rc == -EFBIG ? -EBADMSG : rc;
	rc = creds_decode(buf, len, out);
	sodium_free(buf);
	return rc;
}

int
store_save_creds(struct store *st, const struct creds *c)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = creds_encode(c, &text, &len)) < 0)
		return rc;
	rc = store_put_creds_text(st, (const uint8_t *)text, len);
	creds_text_free(text, len);
	return rc;
}

int
store_put_creds_text(struct store *st, const uint8_t *text, size_t len)
{
	if (len > CREDS_FILE_MAX)
		return -EFBIG;
	return store_write_file(st, st->session_dir, STORE_CREDS_FILE, text,
	    len);
}

int
store_put(struct store *st, const char *name, const uint8_t *buf, size_t len)
{
	if (!store_valid_name(name) || strcmp(name, STORE_CREDS_FILE) == 0)
		return -EINVAL;
	if (len > STORE_BLOB_MAX)
		return -EFBIG;
	return store_write_file(st, st->session_dir, name, buf, len);
}

int
store_put_many(struct store *st, const struct store_item *items, size_t n)
{
	struct atomicfile_item *af;
	uint8_t **sealed = NULL;
	const char **names = NULL;
	uint64_t *gens = NULL;
	size_t i, m;
	int dfd, rc = 0;

	for (i = 0; i < n; i++)
		if (!store_valid_name(items[i].name) ||
		    strcmp(items[i].name, STORE_CREDS_FILE) == 0)
			return -EINVAL;
		else if (items[i].len > STORE_BLOB_MAX)
			return -EFBIG;
	if ((af = calloc(n ? n : 1, sizeof(*af))) == NULL ||
	    (st->key != NULL && ((sealed = calloc(n, sizeof(*sealed))) == NULL ||
	    (names = calloc(n, sizeof(*names))) == NULL ||
	    (gens = calloc(n, sizeof(*gens))) == NULL))) {
		free(af);
		free(sealed);
		free(names);
		return -ENOMEM;
	}
	for (i = 0; i < n && rc == 0; i++) {
		af[i].name = items[i].name;
		af[i].buf = items[i].buf;
		af[i].len = items[i].len;
		if (st->key == NULL)
			continue;
		names[i] = items[i].name;
		gens[i] = store_gen_next(st);
		if ((sealed[i] = malloc(items[i].len + SEAL_GEN_OVERHEAD)) == NULL)
			rc = -ENOMEM;
		else if ((rc = seal_encrypt_gen(st->key, items[i].name, gens[i],
		    items[i].buf, items[i].len, sealed[i], &m)) == 0) {
			af[i].buf = sealed[i];
			af[i].len = m;
		}
	}
	if (rc == 0) {
		if ((dfd = open(st->session_dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) < 0)
			rc = -errno;
		else {
			rc = atomicfile_write_many_at(dfd, af, n, 0600);
			close(dfd);
		}
	}
	if (rc == 0 && st->key != NULL)
		rc = store_gen_note(st, names, gens, n);
	for (i = 0; sealed != NULL && i < n; i++)
		free(sealed[i]);
	free(sealed);
	free(names);
	free(gens);
	free(af);
	return rc;
}

int
store_get(struct store *st, const char *name, uint8_t **out, size_t *len)
{
	if (!store_valid_name(name))
		return -EINVAL;
	return read_file(st, st->session_dir, name, false, out, len);
}

int
store_del(struct store *st, const char *name)
{
	char path[STORE_PATH_MAX];
	int rc;

	if (!store_valid_name(name) || strcmp(name, STORE_CREDS_FILE) == 0)
		return -EINVAL;
	if ((rc = store_path(path, sizeof(path), st->session_dir, name)) < 0)
		return rc;
	if (unlink(path) == -1)
		return -errno;
	return fsync_dir(st->session_dir);
}

int
store_del_prefix(struct store *st, const char *prefix)
{
	char path[STORE_PATH_MAX];
	struct dirent *de;
	size_t plen = strlen(prefix);
	int n = 0, rc = 0;
	DIR *d;

	if (plen == 0 || strncmp(STORE_CREDS_FILE, prefix, plen) == 0)
		return -EINVAL;
	if ((d = opendir(st->session_dir)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    !store_valid_name(de->d_name) ||
		    store_path(path, sizeof(path), st->session_dir, de->d_name) < 0)
			continue;
		if (unlink(path) == 0)
			n++;
		else if (errno != ENOENT)
			rc = -errno;
	}
	closedir(d);
	if (n > 0 && rc == 0)
		rc = fsync_dir(st->session_dir);
	return rc < 0 ? rc : n;
}
