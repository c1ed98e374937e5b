/*
 * store_log.c: append-only logs beside the blobs, for tables that grow a
 * line at a time (the LID map): one fdatasync per append instead of a
 * whole-file rewrite. A log file is STORE_LOG_MAGIC then records, each a
 * 4-byte little-endian length and that many bytes, sealed one by one when
 * the store has a key. A torn last record (a crash inside an append) is
 * cut off when the log is next read.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "atomicfile.h"

#include "store_internal.h"

#define STORE_LOG_MAGIC		"WLLOG1\n"
#define STORE_LOG_MAGIC_LEN	7
#define STORE_LOG_REC_HDR	4

bool
store_log_is_log(const uint8_t *raw, size_t n)
{
	return n >= STORE_LOG_MAGIC_LEN &&
	    memcmp(raw, STORE_LOG_MAGIC, STORE_LOG_MAGIC_LEN) == 0;
}

/* A log's name ends in ".log": backups copy logs and link the rest. */
static int
log_path(const struct store *st, const char *name, char *path, size_t cap)
{
	size_t n = strlen(name);

	if (!store_valid_name(name) || n < 5 || strcmp(name + n - 4, ".log") != 0)
		return -EINVAL;
	return store_path(path, cap, st->session_dir, name);
}

/* The record for buf: length, then the bytes (sealed with a key). */
static int
log_record(const struct store *st, const char *name, const uint8_t *buf,
    size_t len, bool magic, uint8_t **out, size_t *out_len)
{
	size_t pre = magic ? STORE_LOG_MAGIC_LEN : 0, body = len, n;
	uint8_t *r;
	int rc;

	if (st->key != NULL)
		body += SEAL_OVERHEAD;
	if ((r = malloc(pre + STORE_LOG_REC_HDR + body)) == NULL)
		return -ENOMEM;
	if (magic)
		memcpy(r, STORE_LOG_MAGIC, STORE_LOG_MAGIC_LEN);
	if (st->key != NULL) {
		if ((rc = seal_encrypt(st->key, name, buf, len,
		    r + pre + STORE_LOG_REC_HDR, &n)) < 0) {
			free(r);
			return rc;
		}
	} else {
		memcpy(r + pre + STORE_LOG_REC_HDR, buf, len);
		n = len;
	}
	r[pre] = (uint8_t)n;
	r[pre + 1] = (uint8_t)(n >> 8);
	r[pre + 2] = (uint8_t)(n >> 16);
	r[pre + 3] = (uint8_t)(n >> 24);
	*out = r;
	*out_len = pre + STORE_LOG_REC_HDR + n;
	return 0;
}

/*
 * Torture tests (tests/system/torture.test.js) kill the worker inside
 * a journal write: WALINK_FAULT_LOG_KILL=N makes every Nth multi-record
 * append write half its bytes and SIGKILL the process. Unset in
 * production; read once.
 */
static void
fault_maybe_kill(int fd, const uint8_t *buf, size_t n)
{
	static long every = -1, count;
	const char *v;

	if (every < 0) {
		v = getenv("WALINK_FAULT_LOG_KILL");
		every = v != NULL ? strtol(v, NULL, 10) : 0;
	}
	if (every <= 0 || ++count % every != 0)
		return;
	if (write(fd, buf, n / 2) < 0)
		(void)0;
	raise(SIGKILL);
}

/* The records of recs, one after the other (the magic first if asked). */
static int
log_build(const struct store *st, const char *name,
    const struct store_item *recs, size_t n, bool magic, uint8_t **out,
    size_t *out_len)
{
	uint8_t *all = NULL, *r, *grown;
	size_t len = 0, rl, i;
	int rc;

	for (i = 0; i < n; i++) {
		if (recs[i].len > STORE_BLOB_MAX) {
			rc = -EFBIG;
			goto fail;
		}
		if ((rc = log_record(st, name, recs[i].buf, recs[i].len,
		    magic && i == 0, &r, &rl)) < 0)
			goto fail;
		if ((grown = realloc(all, len + rl)) == NULL) {
			sodium_memzero(r, rl);
			free(r);
			rc = -ENOMEM;
			goto fail;
		}
		all = grown;
		memcpy(all + len, r, rl);
		len += rl;
		sodium_memzero(r, rl);
		free(r);
	}
	if (n == 0 && magic) {
		if ((all = malloc(STORE_LOG_MAGIC_LEN)) == NULL)
			return -ENOMEM;
		memcpy(all, STORE_LOG_MAGIC, STORE_LOG_MAGIC_LEN);
		len = STORE_LOG_MAGIC_LEN;
	}
	*out = all;
	*out_len = len;
	return 0;
fail:
	if (all != NULL) {
		sodium_memzero(all, len);
		free(all);
	}
	return rc;
}

int
store_log_append_many(struct store *st, const char *name,
    const struct store_item *recs, size_t nrecs, size_t *file_len)
{
	char path[STORE_PATH_MAX];
	struct stat sb;
	uint8_t *buf;
	size_t n, off = 0;
	ssize_t w;
	int fd, rc;
	bool created;

	if ((rc = log_path(st, name, path, sizeof(path))) < 0)
		return rc;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		rc = -errno;
		goto out;
	}
	created = sb.st_size == 0;
	if ((rc = log_build(st, name, recs, nrecs, created, &buf, &n)) < 0)
		goto out;
	if ((uint64_t)sb.st_size + n > STORE_LOG_MAX) {
		sodium_memzero(buf, n);
		free(buf);
		rc = -EFBIG;	/* the caller compacts */
		goto out;
	}
	if (nrecs > 1)
		fault_maybe_kill(fd, buf, n);
	while (off < n) {
		if ((w = write(fd, buf + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	sodium_memzero(buf, n);
	free(buf);
	if (rc == 0 && fdatasync(fd) < 0)
		rc = -errno;
	if (rc == 0 && created)
		rc = fsync_dir(st->session_dir);
	if (rc == 0 && file_len != NULL)
		*file_len = (size_t)sb.st_size + n;
out:
	close(fd);
	return rc;
}

int
store_log_append(struct store *st, const char *name, const uint8_t *buf,
    size_t len, size_t *file_len)
{
	struct store_item it = { name, buf, len };

	return store_log_append_many(st, name, &it, 1, file_len);
}

int
store_log_replace_many(struct store *st, const char *name,
    const struct store_item *recs, size_t nrecs)
{
	char path[STORE_PATH_MAX];
	uint8_t *buf;
	size_t n;
	int rc;

	if ((rc = log_path(st, name, path, sizeof(path))) < 0)
		return rc;
	if ((rc = log_build(st, name, recs, nrecs, true, &buf, &n)) < 0)
		return rc;
	/* a log larger than the reader takes would be lost at the next start */
	if (n > STORE_LOG_MAX) {
		sodium_memzero(buf, n);
		free(buf);
		return -EFBIG;
	}
	rc = atomicfile_write(path, buf, n, 0600);
	sodium_memzero(buf, n);
	free(buf);
	return rc;
}

int
store_log_set_aside(struct store *st, const char *name)
{
	char path[STORE_PATH_MAX], aside[STORE_PATH_MAX + 16];
	int dfd, rc = 0;

	if ((rc = log_path(st, name, path, sizeof(path))) < 0)
		return rc;
	snprintf(aside, sizeof(aside), "%s.unreadable", path);
	if (rename(path, aside) < 0)
		return -errno;
	if ((dfd = open(st->session_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (fsync(dfd) < 0)
		rc = -errno;
	close(dfd);
	return rc;
}

int
store_log_replace(struct store *st, const char *name, const uint8_t *buf,
    size_t len)
{
	struct store_item it = { name, buf, len };

	return store_log_replace_many(st, name, &it, 1);
}

/* Appends one record's plaintext to *out. */
static int
log_take(const struct store *st, const char *name, const uint8_t *p, size_t n,
    uint8_t **out, size_t *out_len)
{
	uint8_t *grown;
	size_t m;
	int rc;

	if ((grown = realloc(*out, *out_len + n + 1)) == NULL)
		return -ENOMEM;
	*out = grown;
	if (seal_is_sealed(p, n)) {
		if (st->key == NULL)
			return -ENOKEY;
		if ((rc = seal_decrypt(st->key, name, p, n, *out + *out_len, &m)) < 0)
			return rc;
	} else {
		/* plain records with a key: written before the key; kept */
		memcpy(*out + *out_len, p, n);
		m = n;
	}
	*out_len += m;
	(*out)[*out_len] = '\0';
	return 0;
}

int
store_log_parse(const uint8_t *raw, size_t n, store_log_take_fn *take,
    void *arg, size_t *keep)
{
	size_t off, rl;
	int rc = 0;

	*keep = 0;
	if (n < STORE_LOG_MAGIC_LEN) {
		/* a create torn inside the magic: as good as empty */
		return memcmp(raw, STORE_LOG_MAGIC, n) == 0 ? 0 : -EBADMSG;
	}
	if (memcmp(raw, STORE_LOG_MAGIC, STORE_LOG_MAGIC_LEN) != 0)
		return -EBADMSG;
	for (off = STORE_LOG_MAGIC_LEN; off + STORE_LOG_REC_HDR <= n;
	    off += STORE_LOG_REC_HDR + rl) {
		rl = (size_t)raw[off] | (size_t)raw[off + 1] << 8 |
		    (size_t)raw[off + 2] << 16 | (size_t)raw[off + 3] << 24;
		if (rl > n - off - STORE_LOG_REC_HDR)
			break;		/* torn tail */
		if ((rc = take(arg, raw + off + STORE_LOG_REC_HDR, rl)) < 0) {
			/* a record whose seal fails as the last one is torn too */
			if (rc == -EKEYREJECTED &&
			    off + STORE_LOG_REC_HDR + rl == n)
				rc = 0;
			break;
		}
	}
	*keep = off > n ? n : off;
	return rc;
}

struct log_read {
	const struct store	*st;
	const char		*name;
	uint8_t			*plain;
	size_t			 plen;
};

static int
log_take_cb(void *arg, const uint8_t *p, size_t n)
{
	struct log_read *r = arg;

	return log_take(r->st, r->name, p, n, &r->plain, &r->plen);
}

int
store_log_read(struct store *st, const char *name, uint8_t **out, size_t *len)
{
	struct log_read r = { st, name, NULL, 0 };
	char path[STORE_PATH_MAX];
	uint8_t *raw;
	size_t n, keep;
	int rc;

	if ((rc = log_path(st, name, path, sizeof(path))) < 0)
		return rc;
	if ((rc = atomicfile_read(path, STORE_LOG_MAX, &raw, &n)) < 0)
		return rc;
	rc = store_log_parse(raw, n, log_take_cb, &r, &keep);
	/* a torn append: cut it so the next one starts on a boundary */
	if (rc == 0 && keep < n && truncate(path, (off_t)keep) < 0)
		rc = -errno;
	sodium_memzero(raw, n);
	free(raw);
	if (rc < 0) {
		free(r.plain);
		return rc;
	}
	if (r.plain == NULL && (r.plain = calloc(1, 1)) == NULL)
		return -ENOMEM;
	*out = r.plain;
	*len = r.plen;
	return 0;
}

struct log_each {
	const struct store	*st;
	const char		*name;
	store_log_take_fn	*take;
	void			*arg;
};

/* One record unsealed, handed over, wiped. */
static int
log_each_cb(void *arg, const uint8_t *p, size_t n)
{
	struct log_each *e = arg;
	uint8_t *plain = NULL;
	size_t len = 0;
	int rc;

	if ((rc = log_take(e->st, e->name, p, n, &plain, &len)) == 0)
		rc = e->take(e->arg, plain, len);
	if (plain != NULL) {
		sodium_memzero(plain, len);
		free(plain);
	}
	return rc;
}

int
store_log_each(struct store *st, const char *name, store_log_take_fn *take,
    void *arg, size_t *torn)
{
	struct log_each e = { st, name, take, arg };
	char path[STORE_PATH_MAX];
	uint8_t *raw;
	size_t n, keep;
	int rc;

	*torn = 0;
	if ((rc = log_path(st, name, path, sizeof(path))) < 0)
		return rc;
	if ((rc = atomicfile_read(path, STORE_LOG_MAX, &raw, &n)) < 0)
		return rc;
	rc = store_log_parse(raw, n, log_each_cb, &e, &keep);
	if (rc == 0 && keep < n) {
		*torn = n - keep;
		if (truncate(path, (off_t)keep) < 0)
			rc = -errno;
	}
	sodium_memzero(raw, n);
	free(raw);
	return rc;
}
