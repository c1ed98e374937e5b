/*
 * media_fetch.c: see media_fetch.h. The cap is enforced twice: from
 * Content-Length before any byte is taken, and by the decryptor while
 * bytes arrive (a server may lie or not say).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "atomicfile.h"
#include "media/media_fetch.h"

#define DEFAULT_CAP	(100ull * 1024 * 1024)
#define OUT_CHUNK	(CURL_MAX_WRITE_SIZE + MEDIA_BLOCK)

struct fetch {
	CURL			*c;
	const _Atomic int	*cancel;
	struct media_dec	*dec;
	int			 fd;
	uint8_t			*out;
	int			 err;	/* first failure inside a callback */
	uint64_t		 cap_enc;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n, done = 0;
	long code = 0;

	/* an error page is not the file: read and dropped */
	if (curl_easy_getinfo(f->c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
	    code != 200)
		return len;
	while (done < len) {
		size_t k = len - done > CURL_MAX_WRITE_SIZE ? CURL_MAX_WRITE_SIZE :
		    len - done, got;
		int rc;

		if ((rc = media_dec_update(f->dec, (const uint8_t *)p + done, k,
		    f->out, &got)) != 0 || (rc = media_write_all(f->fd, f->out, got)) != 0) {
			f->err = rc;
			return 0;	/* curl stops: CURLE_WRITE_ERROR */
		}
		done += k;
	}
	return len;
}

static int
on_header(struct fetch *f, CURL *c)
{
	curl_off_t cl = -1;

	if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
	    cl > 0 && f->cap_enc > 0 && (uint64_t)cl > f->cap_enc)
		return -MEDIA_FAULT_TOO_BIG;
	return 0;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct fetch *f = arg;

	(void)dlnow, (void)ultotal, (void)ulnow;
	if (f->cancel != NULL && atomic_load(f->cancel) != 0) {
		f->err = -ECANCELED;
		return 1;
	}
	if (f->cap_enc > 0 && dltotal > 0 && (uint64_t)dltotal > f->cap_enc) {
		f->err = -MEDIA_FAULT_TOO_BIG;
		return 1;	/* abort before the body */
	}
	return 0;
}

static int
fail(struct media_fetch_result *res, int rc, const char *what)
{
	res->rc = rc;
	snprintf(res->error, sizeof(res->error), "%s", what);
	return rc;
}

int
media_fetch_run(const struct media_fetch_req *rq, struct media_fetch_result *res)
{
	struct media_expect ex = { 0 };
	struct fetch f = { .fd = -1 };
	char tmp[PATH_MAX];
	long code = 0;
	CURLcode cr;
	CURL *c = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if (strncmp(rq->url, "https://", 8) != 0 || strchr(rq->name, '/') != NULL ||
	    rq->name[0] == '\0' || rq->name[0] == '.')
		return fail(res, -EINVAL, "not an https URL or a bad file name");
	ex.enc_sha256 = rq->has_enc_sha256 ? rq->enc_sha256 : NULL;
	ex.sha256 = rq->sha256;
	ex.file_length = rq->file_length;
	ex.max_plain = rq->max_bytes > 0 ? rq->max_bytes : DEFAULT_CAP;
	if (rq->file_length > ex.max_plain)
		return fail(res, -MEDIA_FAULT_TOO_BIG, media_fault_str(-MEDIA_FAULT_TOO_BIG));
	f.cap_enc = (ex.max_plain / MEDIA_BLOCK + 1) * MEDIA_BLOCK + MEDIA_MAC_LEN;
	snprintf(res->path, sizeof(res->path), "%s/%s", rq->dir, rq->name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.part-%d", rq->dir, rq->name, (int)getpid());
	if ((rc = media_dec_new(rq->media_key, rq->type, &ex, &f.dec)) != 0)
		return fail(res, rc, media_fault_str(rc));
	if ((f.out = malloc(OUT_CHUNK)) == NULL) {
		rc = fail(res, -ENOMEM, "out of memory");
		goto out;
	}
	if ((f.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = fail(res, -errno, "cannot create the file");
		goto out;
	}
	if ((c = curl_easy_init()) == NULL) {
		rc = fail(res, -ENOMEM, "out of memory");
		goto out;
	}
	f.c = c;
	f.cancel = rq->cancel;
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(rq->connect_timeout_ms ? rq->connect_timeout_ms : 10000));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    (long)(rq->timeout_ms ? rq->timeout_ms : 300000));
	/* whatsmeow doMediaDownloadRequest sends WhatsApp Web's Origin */
	curl_easy_setopt(c, CURLOPT_USERAGENT, "walink");
	if (rq->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &f);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	res->http_status = (int)code;
	if (code == 404 || code == 410) {
		rc = fail(res, code == 410 ? -ESTALE : -ENOENT, code == 410 ?
		    "expired on the CDN (HTTP 410)" : "not on the CDN (HTTP 404)");
		goto out;
	}
	if (code != 0 && code != 200 && cr != CURLE_ABORTED_BY_CALLBACK) {
		snprintf(res->error, sizeof(res->error), "HTTP %ld", code);
		res->rc = rc = -EIO;
		goto out;
	}
	if (f.err == 0 && cr == CURLE_OK)
		f.err = on_header(&f, c);
	if (f.err != 0 || cr != CURLE_OK) {
		rc = f.err != 0 ? f.err : -EIO;
		fail(res, rc, f.err != 0 ? media_fault_str(rc) : curl_easy_strerror(cr));
		goto out;
	}
	{
		size_t n;

		if ((rc = media_dec_final(f.dec, f.out, &n, res->sha256)) != 0 ||
		    (rc = media_write_all(f.fd, f.out, n)) != 0) {
			fail(res, rc, media_fault_str(rc));
			goto out;
		}
	}
	if (fsync(f.fd) != 0 || close(f.fd) != 0) {
		f.fd = -1;
		rc = fail(res, -errno, "cannot write the file");
		goto out;
	}
	f.fd = -1;
	if (rename(tmp, res->path) != 0) {
		rc = fail(res, -errno, "cannot move the file into place");
		goto out;
	}
	fsync_dir(rq->dir);
	{
		struct stat st;

		if (stat(res->path, &st) == 0)
			res->size = (uint64_t)st.st_size;
	}
	rc = 0;
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	if (f.fd >= 0)
		close(f.fd);
	if (rc != 0) {
		unlink(tmp);	/* unverified bytes never stay */
		res->path[0] = '\0';
	}
	media_dec_free(f.dec);
	free(f.out);
	res->rc = rc;
	return rc;
}
