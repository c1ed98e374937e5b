/*
 * waversion.c: reading the current WhatsApp Web version (waversion.h).
 * Followed: Baileys generics.js fetchLatestWaWebVersion (the URL, the
 * browser-like headers, the client_revision pattern).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "waversion.h"

#define KEY	"client_revision"

int
wa_version_from_page(const char *b, size_t len, struct wa_version *out)
{
	const char *p = b, *end = b + len, *hit;
	unsigned long long v;

	while (p < end && (hit = memmem(p, (size_t)(end - p), KEY, sizeof(KEY) - 1)) != NULL) {
		p = hit + sizeof(KEY) - 1;
		/* \" or " then optional spaces, ':' and spaces */
		if (p < end && *p == '\\')
			p++;
		if (p >= end || *p != '"')
			continue;
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p != ':')
			continue;
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || !isdigit((unsigned char)*p))
			continue;
		for (v = 0; p < end && isdigit((unsigned char)*p); p++) {
			v = v * 10 + (unsigned long long)(*p - '0');
			if (v > 0xffffffffULL)
				return -ERANGE;
		}
		if (v == 0)
			return -ERANGE;
		out->primary = 2;
		out->secondary = 3000;
		out->tertiary = (uint32_t)v;
		return 0;
	}
	return -ENOENT;
}

int
wa_version_cmp(const struct wa_version *a, const struct wa_version *b)
{
	const uint32_t x[3] = { a->primary, a->secondary, a->tertiary };
	const uint32_t y[3] = { b->primary, b->secondary, b->tertiary };
	int i;

	for (i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static void
curl_global_init_once_helper(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct wa_version_fetch {
	pthread_t		 t;
	atomic_bool		 done;
	char			*url;
	char			*body;
	size_t			 len;
	bool			 too_big;
	int			 rc;
	struct wa_version	 v;
	char			 err[WA_VERSION_ERR_MAX];
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct wa_version_fetch *f = arg;
	size_t add = size * n;
	char *nb;

	if (f->len + add > WA_VERSION_BODY_MAX) {
		f->too_big = true;
		return 0;	/* aborts the transfer */
	}
	if ((nb = realloc(f->body, f->len + add + 1)) == NULL)
		return 0;
	f->body = nb;
	memcpy(f->body + f->len, data, add);
	f->len += add;
	f->body[f->len] = '\0';
	return add;
}

static void *
fetch_thread(void *arg)
{
	struct wa_version_fetch *f = arg;
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	CURLcode cc;
	long status = 0;

	f->rc = -EIO;
	if (c == NULL) {
		snprintf(f->err, sizeof(f->err), "libcurl could not start");
		goto out;
	}
	/* Baileys' headers: without them the page is refused to scripts. */
	h = curl_slist_append(h, "sec-fetch-site: none");
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "Mozilla/5.0 (X11; Linux x86_64) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)WA_VERSION_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);	/* threads: no SIGALRM */
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (f->too_big)
		snprintf(f->err, sizeof(f->err), "page larger than %u bytes",
		    WA_VERSION_BODY_MAX);
	else if (cc != CURLE_OK)
		snprintf(f->err, sizeof(f->err), "%s", curl_easy_strerror(cc));
	else if (status != 200)
		snprintf(f->err, sizeof(f->err), "HTTP status %ld", status);
	else if ((f->rc = wa_version_from_page(f->body ? f->body : "", f->len,
	    &f->v)) < 0)
		snprintf(f->err, sizeof(f->err), "no client_revision in the page");
	if (f->err[0] != '\0' && f->rc == 0)
		f->rc = -EIO;
out:
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(f->body);
	f->body = NULL;
	atomic_store(&f->done, true);
	return NULL;
}

int
wa_version_fetch_start(const char *url, struct wa_version_fetch **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct wa_version_fetch *f;

	/* curl_global_init is not thread-safe: once, from the loop's thread. */
	pthread_once(&once, curl_global_init_once_helper);
	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL || (f->url = strdup(url)) == NULL) {
		free(f);
		return -ENOMEM;
	}
	atomic_init(&f->done, false);
	if (pthread_create(&f->t, NULL, fetch_thread, f) != 0) {
		free(f->url);
		free(f);
		return -EAGAIN;
	}
	*out = f;
	return 0;
}

bool
wa_version_fetch_done(struct wa_version_fetch *f, struct wa_version *v, int *rc,
    char err[WA_VERSION_ERR_MAX])
{
	if (!atomic_load(&f->done))
		return false;
	*rc = f->rc;
	*v = f->v;
	snprintf(err, WA_VERSION_ERR_MAX, "%s", f->err);
	return true;
}

void
wa_version_fetch_free(struct wa_version_fetch *f)
{
	if (f == NULL)
		return;
	pthread_join(f->t, NULL);
	free(f->url);
	free(f);
}
