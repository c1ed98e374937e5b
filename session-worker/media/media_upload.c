/*
 * media_upload.c: see media_upload.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "media/media_upload.h"

#define DEFAULT_CAP	(100ull * 1024 * 1024)
#define ANSWER_MAX	16384
/* whatsmeow rawUpload sends WhatsApp Web's Origin and Referer */
#define WEB_ORIGIN	"https://web.whatsapp.com"

static int
fail(struct media_upload_result *res, int rc, const char *what)
{
	res->rc = rc;
	snprintf(res->error, sizeof(res->error), "%s", what);
	return rc;
}

int
media_upload_open(const char *const roots[], size_t nroots, const char *path,
    uint64_t max_bytes, int *fd_out, uint64_t *size, char err[MEDIA_UPLOAD_ERR])
{
	const char *rel = NULL, *root = NULL, *p;
	char comp[NAME_MAX + 1];
	struct stat st;
	int dfd, fd, rc;
	size_t i, n;

	*fd_out = -1;
	if (path == NULL || path[0] == '\0' || nroots == 0) {
		snprintf(err, MEDIA_UPLOAD_ERR, "no file named");
		return -EINVAL;
	}
	if (path[0] != '/') {
		root = roots[0];
		rel = path;
	}
	for (i = 0; path[0] == '/' && i < nroots && root == NULL; i++) {
		n = strlen(roots[i]);
		while (n > 1 && roots[i][n - 1] == '/')
			n--;
		if (roots[i][0] == '/' && strncmp(path, roots[i], n) == 0 && path[n] == '/') {
			root = roots[i];
			rel = path + n + 1;
		}
	}
	if (root == NULL || root[0] == '\0') {
		snprintf(err, MEDIA_UPLOAD_ERR, "file outside the send and media directories");
		return -EPERM;
	}
	if ((dfd = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		snprintf(err, MEDIA_UPLOAD_ERR, "cannot open the send directory");
		return rc;
	}
	for (p = rel;;) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || n > NAME_MAX) {
			close(dfd);
			snprintf(err, MEDIA_UPLOAD_ERR, "bad file name");
			return -EINVAL;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0) {
			close(dfd);
			snprintf(err, MEDIA_UPLOAD_ERR, "\".\" or \"..\" in the file name");
			return -EPERM;
		}
		if (*p == '\0')
			break;
		/* each directory below the root: never through a link */
		fd = openat(dfd, comp, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC);
		rc = -errno;
		close(dfd);
		if (fd < 0) {
			snprintf(err, MEDIA_UPLOAD_ERR, rc == -ELOOP || rc == -ENOTDIR ?
			    "a symbolic link or a file on the way" : "no such directory");
			return rc == -ENOTDIR ? -ELOOP : rc;
		}
		dfd = fd;
	}
	/* O_NONBLOCK: a FIFO planted there must not block the open */
	fd = openat(dfd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	rc = -errno;
	close(dfd);
	if (fd < 0) {
		snprintf(err, MEDIA_UPLOAD_ERR, rc == -ELOOP ? "the file is a symbolic link" :
		    rc == -ENOENT ? "no such file" : "cannot open the file");
		return rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, MEDIA_UPLOAD_ERR, "not a regular file");
		return -EINVAL;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > (max_bytes ? max_bytes : DEFAULT_CAP)) {
		close(fd);
		snprintf(err, MEDIA_UPLOAD_ERR, st.st_size == 0 ? "empty file" :
		    "file larger than the send cap");
		return st.st_size == 0 ? -EINVAL : -EFBIG;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*fd_out = fd;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* An unnamed file for the ciphertext: gone when closed, whatever happens. */
static int
tmp_open(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	/* a file system without O_TMPFILE (EOPNOTSUPP): a name, unlinked at once */
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
	if (snprintf(path, sizeof(path), "%s/.upload-XXXXXX", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		return -errno;
	unlink(path);
	return fd;
}

struct body {
	int		 fd;
	char		 answer[ANSWER_MAX];
	size_t		 alen;
	bool		 too_long;
	const _Atomic int *cancel;
};

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	ssize_t r;

	do
		r = read(b->fd, buf, size * n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
}

static size_t
on_answer(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;

	if (len > sizeof(b->answer) - 1 - b->alen) {
		b->too_long = true;
		return 0;
	}
	memcpy(b->answer + b->alen, p, len);
	b->alen += len;
	b->answer[b->alen] = '\0';
	return len;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct body *b = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return b->cancel != NULL && atomic_load(b->cancel) != 0;
}

/* {"url": "https://...", "direct_path": "/..."} */
static int
take_answer(struct body *b, struct media_upload_result *res)
{
	json_t *o = json_loadb(b->answer, b->alen, 0, NULL);
	const char *url, *dp;
	int rc = -EPROTO;

	url = json_string_value(json_object_get(o, "url"));
	dp = json_string_value(json_object_get(o, "direct_path"));
	if (url != NULL && dp != NULL && strncmp(url, "https://", 8) == 0 && dp[0] == '/' &&
	    strlen(url) < sizeof(res->url) && strlen(dp) < sizeof(res->direct_path)) {
		snprintf(res->url, sizeof(res->url), "%s", url);
		snprintf(res->direct_path, sizeof(res->direct_path), "%s", dp);
		rc = 0;
	}
	json_decref(o);
	return rc;
}

/* One POST; 0, or -EAGAIN to try the next host, or a final error. */
static int
post(const struct media_upload_req *rq, const char *host, const char *token,
    int tmp, struct media_upload_result *res)
{
	struct curl_slist *h = NULL;
	struct body b = { .fd = tmp, .cancel = rq->cancel };
	char url[MEDIA_UPLOAD_URL_MAX + MEDIA_UPLOAD_AUTH_MAX], *auth = NULL, *tok = NULL;
	long code = 0;
	CURLcode cr;
	CURL *c;
	int rc;

	if (lseek(tmp, 0, SEEK_SET) != 0)
		return fail(res, -errno, "cannot read the encrypted file");
	if ((c = curl_easy_init()) == NULL)
		return fail(res, -ENOMEM, "out of memory");
	auth = curl_easy_escape(c, rq->auth, 0);
	tok = curl_easy_escape(c, token, 0);
	if (auth == NULL || tok == NULL ||
	    snprintf(url, sizeof(url), "https://%s/mms/%s/%s?auth=%s&token=%s", host,
	    rq->mms, token, auth, tok) >= (int)sizeof(url)) {
		rc = fail(res, -ENAMETOOLONG, "upload URL too long");
		goto out;
	}
	h = curl_slist_append(h, "Origin: " WEB_ORIGIN);
	h = curl_slist_append(h, "Referer: " WEB_ORIGIN "/");
	h = curl_slist_append(h, "Content-Type: application/octet-stream");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)res->enc.enc_length);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &b);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &b);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "walink");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(rq->connect_timeout_ms ? rq->connect_timeout_ms : 10000));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(rq->timeout_ms ? rq->timeout_ms : 300000));
	if (rq->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	res->http_status = (int)code;
	if (cr == CURLE_ABORTED_BY_CALLBACK)
		rc = fail(res, -ECANCELED, "cancelled");
	else if (cr != CURLE_OK && code == 0)
		rc = fail(res, -EAGAIN, curl_easy_strerror(cr));	/* next host */
	else if (code >= 500)
		rc = fail(res, -EAGAIN, "the media host answered 5xx");
	else if (code == 401 || code == 403)
		rc = fail(res, -EACCES, "the media host refused the auth token");
	else if (code != 200 || cr != CURLE_OK || b.too_long)
		rc = fail(res, -EIO, code == 413 ? "the media host refused the size" :
		    "the media host refused the upload");
	else if (take_answer(&b, res) != 0)
		rc = fail(res, -EPROTO, "the media host's answer has no url/direct_path");
	else
		rc = 0;
out:
	curl_free(auth);
	curl_free(tok);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

int
media_upload_run(const struct media_upload_req *rq, struct media_upload_result *res)
{
	char token[sodium_base64_ENCODED_LEN(MEDIA_SHA256_LEN,
	    sodium_base64_VARIANT_URLSAFE)];
	uint64_t cap = rq->max_bytes ? rq->max_bytes : DEFAULT_CAP;
	int tmp, rc;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (rq->nhosts == 0 || rq->mms == NULL)
		return fail(res, -EINVAL, "no media host");
	if ((tmp = tmp_open(rq->tmp_dir)) < 0)
		return fail(res, tmp, "cannot create a temporary file");
	randombytes_buf(res->media_key, sizeof(res->media_key));
	if ((rc = media_encrypt_fd(rq->fd, tmp, res->media_key, rq->type, &res->enc)) != 0) {
		fail(res, rc, rc > -200 ? "cannot read or encrypt the file" : media_fault_str(rc));
		goto out;
	}
	/* the file may have grown since it was opened */
	if (res->enc.file_length > cap) {
		rc = fail(res, -EFBIG, "file larger than the send cap");
		goto out;
	}
	/* whatsmeow: base64.URLEncoding (padded); the CDN takes it either way */
	sodium_bin2base64(token, sizeof(token), res->enc.enc_sha256, MEDIA_SHA256_LEN,
	    sodium_base64_VARIANT_URLSAFE);
	rc = -EAGAIN;
	for (i = 0; i < rq->nhosts && rc == -EAGAIN; i++)
		rc = post(rq, rq->hosts[i], token, tmp, res);
	if (rc == -EAGAIN)
		res->rc = rc = -EHOSTUNREACH;
out:
	close(tmp);
	if (rc != 0)
		sodium_memzero(res->media_key, sizeof(res->media_key));
	res->rc = rc;
	return rc;
}
