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

int
store_log_append(struct store *st, const char *name, const uint8_t *buf,
    size_t len, size_t *file_len)
{
	char path[STORE_PATH_MAX];
	struct stat sb;
	uint8_t *rec;
	size_t n, off = 0;
	ssize_t w;
	int fd, rc;
	bool created;

	if (len > STORE_BLOB_MAX)
		return -EFBIG;
	if ((rc = log_path(st, name, path, sizeof(path))) < 0)
		return rc;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		rc = -errno;
		goto out;
	}
	if ((uint64_t)sb.st_size + len + SEAL_OVERHEAD > STORE_LOG_MAX) {
		rc = -EFBIG;	/* the caller compacts */
		goto out;
	}
	created = sb.st_size == 0;
	if ((rc = log_record(st, name, buf, len, created, &rec, &n)) < 0)
		goto out;
	while (off < n) {
		if ((w = write(fd, rec + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	sodium_memzero(rec, n);
	free(rec);
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
store_log_replace(struct store *st, const char *name, const uint8_t *buf,
    size_t len)
{
	char path[STORE_PATH_MAX];
	uint8_t *rec;
	size_t n;
	int rc;

	if (len > STORE_BLOB_MAX)
		return -EFBIG;
	if ((rc = log_path(st, name, path, sizeof(path))) < 0)
		return rc;
	if ((rc = log_record(st, name, buf, len, true, &rec, &n)) < 0)
		return rc;
	rc = atomicfile_write(path, rec, n, 0600);
	sodium_memzero(rec, n);
	free(rec);
	return rc;
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
