/*
 * webhook.c: see webhook.h. libcurl's multi interface runs on the lws loop
 * through one epoll descriptor: curl's socket callback adds and removes its
 * sockets there, the epoll fd itself is adopted by lws as a raw file, and
 * curl's timer is an lws timer. So one readable fd wakes the loop for
 * every transfer, and lws never owns (or closes) a curl socket.
 */
#include <sys/epoll.h>
#include <sys/queue.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <sodium.h>

#include "atomicfile.h"
#include "log.h"

#include "webhook/webhook.h"
#include "webhook/wh_sign.h"
#include "webhook/wh_store.h"

#define ANSWER_MAX	(128u * 1024)
#define RECORD_MAX	(WEBHOOK_BODY_MAX * 2 + 4096)
#define HELD_POLL_MS	250	/* how often held events look at cfg.ready */

struct wh_event {
	TAILQ_ENTRY(wh_event)	 entry;
	struct webhook		*w;
	char			 id[WEBHOOK_ID_LEN + 1];
	char			 tag[WEBHOOK_TAG_MAX];
	char			*body;
	size_t			 len;
	uint32_t		 attempts;
	uint64_t		 created, failed;
	int			 status;
	char			 error[128];
	CURL			*easy;		/* in flight */
	struct curl_slist	*headers;
	char			*answer;
	size_t			 answer_len;
	lws_sorted_usec_list_t	 sul_retry;
	bool			 waiting;	/* on sul_retry */
};
TAILQ_HEAD(wh_events, wh_event);

struct webhook {
	struct lws_context	*cx;
	char			 url[WEBHOOK_URL_MAX];
	uint8_t			 key[WH_KEY_MAX];
	size_t			 key_len;
	struct webhook_cfg	 cfg;
	char			 dir[PATH_MAX - 64];
	webhook_done_fn		*done;
	void			*arg;
	CURLM			*multi;
	int			 epfd;
	struct lws		*ep_wsi;
	lws_sorted_usec_list_t	 sul_curl;
	struct wh_store		*store;
	struct wh_events	 held;		/* from the last run: until cfg.ready */
	lws_sorted_usec_list_t	 sul_held;
	struct wh_events	 ready;		/* to send when a slot frees */
	struct wh_events	 active;	/* in flight or waiting to retry */
	struct wh_events	 dead;		/* newest first */
	size_t			 n_dead;
	uint32_t		 inflight;
};

static int	ep_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

static const struct lws_protocols ep_proto = {
	.name = "walink-webhook",
	.callback = ep_callback,
};

const struct lws_protocols *
webhook_protocol(void)
{
	return &ep_proto;
}

int
webhook_url_check(const char *url)
{
	const char *h;

	if (strncmp(url, "http://", 7) == 0)
		h = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		h = url + 8;
	else
		return -EINVAL;
	if (*h == '\0' || *h == '/' || *h == ':' || strlen(url) >= WEBHOOK_URL_MAX ||
	    strpbrk(url, " \t\r\n") != NULL)
		return -EINVAL;
	return 0;
}

static uint64_t
now_s(void)
{
	return (uint64_t)time(NULL);
}

static void
event_free(struct wh_event *e)
{
	if (e == NULL)
		return;
	if (e->body != NULL) {
		sodium_memzero(e->body, e->len);
		free(e->body);
	}
	if (e->answer != NULL) {
		sodium_memzero(e->answer, e->answer_len);
		free(e->answer);
	}
	curl_slist_free_all(e->headers);
	free(e);
}

/* The file an event lives in while pending or dead. */
static char *
event_record(const struct wh_event *e, size_t *len)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:s, s:s%}",
	    "id", e->id, "tag", e->tag, "attempts", (json_int_t)e->attempts,
	    "created", (json_int_t)e->created, "failed", (json_int_t)e->failed,
	    "status", e->status, "error", e->error, "body", e->body, e->len);
	char *s;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s != NULL)
		*len = strlen(s);
	return s;
}

static void
persist(struct webhook *w, const struct wh_event *e, const char *sub)
{
	char name[WEBHOOK_ID_LEN + 8], *rec;
	size_t len = 0;
	int rc;

	snprintf(name, sizeof(name), "%s.json", e->id);
	if ((rec = event_record(e, &len)) == NULL) {
		log_warnx("webhook %s: cannot record it (no memory)", e->id);
		return;
	}
	if ((rc = wh_store_put(w->store, sub, name, rec, len)) < 0)
		log_warn(rc, "webhook %s: cannot record it", e->id);
	sodium_memzero(rec, len);
	free(rec);
}

static void
unpersist(struct webhook *w, const struct wh_event *e, const char *sub)
{
	char name[WEBHOOK_ID_LEN + 8];

	snprintf(name, sizeof(name), "%s.json", e->id);
	wh_store_del(w->store, sub, name);
}

static size_t
on_answer(char *p, size_t size, size_t n, void *arg)
{
	struct wh_event *e = arg;
	size_t len = size * n, take;

	if (e->answer == NULL && (e->answer = malloc(ANSWER_MAX)) == NULL)
		return 0;	/* curl fails the transfer */
	take = len < ANSWER_MAX - e->answer_len ? len : ANSWER_MAX - e->answer_len;
	memcpy(e->answer + e->answer_len, p, take);
	e->answer_len += take;
	return len;		/* past the cap: read and dropped */
}

static int
add_header(struct curl_slist **l, const char *name, const char *v)
{
	char buf[256];
	struct curl_slist *n;

	snprintf(buf, sizeof(buf), "%s:%s%s", name, v[0] ? " " : "", v);
	if ((n = curl_slist_append(*l, buf)) == NULL)
		return -ENOMEM;
	*l = n;
	return 0;
}

static int
start(struct webhook *w, struct wh_event *e)
{
	char ts[24], sig[WH_SIG_MAX];
	uint64_t t = now_s();
	CURL *c;
	int rc;

	curl_slist_free_all(e->headers);
	e->headers = NULL;
	e->answer_len = 0;
	snprintf(ts, sizeof(ts), "%llu", (unsigned long long)t);
	if ((rc = add_header(&e->headers, "Content-Type", "application/json")) < 0 ||
	    (rc = add_header(&e->headers, "webhook-id", e->id)) < 0 ||
	    (rc = add_header(&e->headers, "webhook-timestamp", ts)) < 0 ||
	    (rc = add_header(&e->headers, "Expect", "")) < 0)
		return rc;
	if (w->key_len > 0) {
		if ((rc = wh_sign(w->key, w->key_len, e->id, t, e->body, e->len,
		    sig)) < 0 ||
		    (rc = add_header(&e->headers, "webhook-signature", sig)) < 0)
			return rc;
	}
	if ((c = curl_easy_init()) == NULL)
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, e->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)e->len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "walink-webhook");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)w->cfg.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)w->cfg.timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(c, CURLOPT_PRIVATE, e);
	if (curl_multi_add_handle(w->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		return -EIO;
	}
	e->easy = c;
	w->inflight++;
	return 0;
}

static void	retry_due(lws_sorted_usec_list_t *);
static void	pump(struct webhook *);

/* An event leaves for good: delivered, or dead. */
static void
finish(struct webhook *w, struct wh_event *e, enum webhook_outcome how)
{
	TAILQ_REMOVE(&w->active, e, entry);
	if (how == WEBHOOK_DELIVERED) {
		log_info("webhook %s delivered (HTTP %d, attempt %u)", e->id,
		    e->status, e->attempts);
		unpersist(w, e, "pending");
		w->done(w->arg, e->tag, how, e->status, e->answer ? e->answer : "",
		    e->answer_len);
		event_free(e);
		return;
	}
	log_warnx("webhook %s: dead letter after %u attempt(s), last %s%d%s%s",
	    e->id, e->attempts, e->status > 0 ? "HTTP " : "", e->status,
	    e->error[0] ? ": " : "", e->error);
	persist(w, e, "dead");
	unpersist(w, e, "pending");
	w->done(w->arg, e->tag, how, e->status, "", 0);
	if (e->answer != NULL) {
		sodium_memzero(e->answer, e->answer_len);
		free(e->answer);
		e->answer = NULL;
		e->answer_len = 0;
	}
	TAILQ_INSERT_HEAD(&w->dead, e, entry);
	if (++w->n_dead > WEBHOOK_DEAD_MAX) {
		struct wh_event *old = TAILQ_LAST(&w->dead, wh_events);

		TAILQ_REMOVE(&w->dead, old, entry);
		w->n_dead--;
		log_warnx("webhook %s: dropped from the dead letters (more than %u)",
		    old->id, WEBHOOK_DEAD_MAX);
		unpersist(w, old, "dead");
		event_free(old);
	}
}

static void
transfer_done(struct webhook *w, CURL *c, CURLcode res)
{
	struct wh_event *e = NULL;
	long code = 0;

	curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&e);
	curl_multi_remove_handle(w->multi, c);
	if (res == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	w->inflight--;
	if (e == NULL)
		return;
	e->easy = NULL;
	e->attempts++;
	e->failed = now_s();
	e->status = res == CURLE_OK ? (int)code : -1;
	snprintf(e->error, sizeof(e->error), "%s", res == CURLE_OK ? "" :
	    curl_easy_strerror(res));
	if (wh_status_ok(e->status))
		finish(w, e, WEBHOOK_DELIVERED);
	else if (wh_status_final(e->status) || e->attempts >= w->cfg.max_attempts)
		finish(w, e, WEBHOOK_DEAD);
	else {
		uint64_t ms = wh_backoff_ms(e->attempts, w->cfg.retry_base_ms,
		    w->cfg.retry_cap_ms, randombytes_random());

		log_info("webhook %s: attempt %u failed (%s%d%s%s); retry in %llu ms",
		    e->id, e->attempts, e->status > 0 ? "HTTP " : "", e->status,
		    e->error[0] ? ": " : "", e->error, (unsigned long long)ms);
		persist(w, e, "pending");	/* the attempt count survives */
		e->waiting = true;
		lws_sul_schedule(w->cx, 0, &e->sul_retry, retry_due,
		    (lws_usec_t)ms * LWS_US_PER_MS);
	}
}

static void
check_done(struct webhook *w)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(w->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE)
			transfer_done(w, m->easy_handle, m->data.result);
	pump(w);
}

/* Events wait in ready until a slot is free. */
static void
pump(struct webhook *w)
{
	struct wh_event *e;

	while (w->inflight < w->cfg.max_inflight &&
	    (e = TAILQ_FIRST(&w->ready)) != NULL) {
		int rc;

		TAILQ_REMOVE(&w->ready, e, entry);
		TAILQ_INSERT_TAIL(&w->active, e, entry);
		if ((rc = start(w, e)) < 0) {
			log_warn(rc, "webhook %s: cannot start a request; retry soon", e->id);
			e->waiting = true;
			lws_sul_schedule(w->cx, 0, &e->sul_retry, retry_due,
			    (lws_usec_t)w->cfg.retry_base_ms * LWS_US_PER_MS);
		}
	}
}

static void
retry_due(lws_sorted_usec_list_t *sul)
{
	struct wh_event *e = lws_container_of(sul, struct wh_event, sul_retry);
	struct webhook *w = e->w;

	e->waiting = false;
	TAILQ_REMOVE(&w->active, e, entry);
	TAILQ_INSERT_TAIL(&w->ready, e, entry);
	pump(w);
}

static void
curl_timer_due(lws_sorted_usec_list_t *sul)
{
	struct webhook *w = lws_container_of(sul, struct webhook, sul_curl);
	int running;

	curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(w);
}

static int
on_curl_timer(CURLM *multi, long ms, void *arg)
{
	struct webhook *w = arg;

	(void)multi;
	if (ms < 0)
		lws_sul_cancel(&w->sul_curl);
	else	/* never run curl from inside its own callback: next turn */
		lws_sul_schedule(w->cx, 0, &w->sul_curl, curl_timer_due,
		    (lws_usec_t)ms * LWS_US_PER_MS);
	return 0;
}

static int
on_curl_socket(CURL *c, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct webhook *w = arg;
	struct epoll_event ev = { 0 };

	(void)c, (void)sockp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.data.fd = s;
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) |
	    ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, s, &ev) < 0 && errno == ENOENT &&
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, s, &ev) < 0)
		return -1;
	return 0;
}

static void
sockets_ready(struct webhook *w)
{
	struct epoll_event evs[16];
	int n, i, running;

	if ((n = epoll_wait(w->epfd, evs, 16, 0)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		int mask = ((evs[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
		    ((evs[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
		    ((evs[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);

		curl_multi_socket_action(w->multi, evs[i].data.fd, mask, &running);
	}
	check_done(w);
}

static int
ep_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct webhook *w = lws_get_opaque_user_data(wsi);

	(void)user, (void)in, (void)len;
	if (w == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		sockets_ready(w);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		w->ep_wsi = NULL;
		return 0;
	default:
		return 0;
	}
}

static struct wh_event *
event_new(struct webhook *w, const char *body, size_t len, const char *tag)
{
	struct wh_event *e;

	if (len > WEBHOOK_BODY_MAX || (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->body = malloc(len + 1)) == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->len = len;
	e->w = w;
	e->status = -1;
	snprintf(e->tag, sizeof(e->tag), "%s", tag != NULL ? tag : "");
	return e;
}

/* A record a previous run left in pending/ or dead/. */
static struct wh_event *
event_load(struct webhook *w, const uint8_t *buf, size_t len)
{
	json_t *o = json_loadb((const char *)buf, len, 0, NULL);
	const char *id, *tag, *body, *err;
	json_int_t attempts, created, failed;
	int status;
	size_t blen;
	struct wh_event *e = NULL;

	if (o == NULL || json_unpack(o, "{s:s, s:s, s:I, s:I, s:I, s:i, s:s, s:s%}",
	    "id", &id, "tag", &tag, "attempts", &attempts, "created", &created,
	    "failed", &failed, "status", &status, "error", &err, "body", &body,
	    &blen) != 0 || strlen(id) != WEBHOOK_ID_LEN ||
	    (e = event_new(w, body, blen, tag)) == NULL)
		goto out;
	snprintf(e->id, sizeof(e->id), "%s", id);
	snprintf(e->error, sizeof(e->error), "%s", err);
	e->attempts = attempts > 0 ? (uint32_t)attempts : 0;
	e->created = (uint64_t)created;
	e->failed = (uint64_t)failed;
	e->status = status;
out:
	json_decref(o);
	return e;
}

static void
load_pending(void *arg, const char *name, const uint8_t *buf, size_t len)
{
	struct webhook *w = arg;
	struct wh_event *e = event_load(w, buf, len);

	if (e == NULL) {
		log_warnx("webhook queue: pending/%s is unreadable; left alone", name);
		return;
	}
	TAILQ_INSERT_TAIL(&w->held, e, entry);
}

/* Releases the last run's events once the link is up. */
static void
held_check(lws_sorted_usec_list_t *sul)
{
	struct webhook *w = lws_container_of(sul, struct webhook, sul_held);
	struct wh_event *e;

	if (w->cfg.ready != NULL && !*w->cfg.ready) {
		lws_sul_schedule(w->cx, 0, &w->sul_held, held_check,
		    HELD_POLL_MS * LWS_US_PER_MS);
		return;
	}
	while ((e = TAILQ_FIRST(&w->held)) != NULL) {
		TAILQ_REMOVE(&w->held, e, entry);
		TAILQ_INSERT_TAIL(&w->ready, e, entry);
	}
	pump(w);
}

static void
load_dead(void *arg, const char *name, const uint8_t *buf, size_t len)
{
	struct webhook *w = arg;
	struct wh_event *e = event_load(w, buf, len), *d;

	if (e == NULL) {
		log_warnx("webhook queue: dead/%s is unreadable; left alone", name);
		return;
	}
	/* newest first */
	TAILQ_FOREACH(d, &w->dead, entry)
		if (d->failed <= e->failed)
			break;
	if (d != NULL)
		TAILQ_INSERT_BEFORE(d, e, entry);
	else
		TAILQ_INSERT_TAIL(&w->dead, e, entry);
	w->n_dead++;
}

static int
read_secret(struct webhook *w, const char *file)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if ((rc = atomicfile_read(file, 4096, &buf, &len)) < 0) {
		log_error(rc, "--hook-secret-file %s", file);
		return rc;
	}
	rc = wh_secret_parse((const char *)buf, len, w->key, &w->key_len);
	sodium_memzero(buf, len);
	free(buf);
	if (rc < 0)
		log_errorx("--hook-secret-file %s: empty, or whsec_ with bad base64", file);
	return rc;
}

int
webhook_new(struct lws_context *cx, const struct webhook_cfg *cfg,
    webhook_done_fn *done, void *arg, struct webhook **out)
{
	static bool curl_ready;
	lws_adopt_desc_t ad;
	struct webhook *w;
	int rc, n;

	if (cfg->url == NULL || webhook_url_check(cfg->url) < 0 || cfg->dir == NULL)
		return -EINVAL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -EIO;
		curl_ready = true;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->cx = cx;
	w->done = done;
	w->arg = arg;
	w->epfd = -1;
	w->cfg = *cfg;
	snprintf(w->url, sizeof(w->url), "%s", cfg->url);
	snprintf(w->dir, sizeof(w->dir), "%s", cfg->dir);
	w->cfg.connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 10000;
	w->cfg.timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
	w->cfg.max_attempts = cfg->max_attempts ? cfg->max_attempts : 8;
	w->cfg.retry_base_ms = cfg->retry_base_ms ? cfg->retry_base_ms : 2000;
	w->cfg.retry_cap_ms = cfg->retry_cap_ms ? cfg->retry_cap_ms : 600000;
	w->cfg.max_inflight = cfg->max_inflight ? cfg->max_inflight : 4;
	TAILQ_INIT(&w->held);
	TAILQ_INIT(&w->ready);
	TAILQ_INIT(&w->active);
	TAILQ_INIT(&w->dead);
	if (cfg->secret_file != NULL && cfg->secret_file[0] != '\0' &&
	    (rc = read_secret(w, cfg->secret_file)) < 0)
		goto fail;
	if ((rc = wh_store_open(w->dir, &w->store)) < 0) {
		log_error(rc, "webhook queue %s", w->dir);
		goto fail;
	}
	if ((n = wh_store_load(w->dir, "pending", RECORD_MAX, load_pending, w)) > 0)
		log_info("webhook: %d pending event(s) from the last run, sending", n);
	wh_store_load(w->dir, "dead", RECORD_MAX, load_dead, w);
	rc = -ENOMEM;
	if ((w->multi = curl_multi_init()) == NULL)
		goto fail;
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = -errno;
		goto fail;
	}
	memset(&ad, 0, sizeof(ad));
	ad.vh = lws_get_vhost_by_name(cx, "default");
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = w->epfd;
	ad.vh_prot_name = ep_proto.name;
	ad.opaque = w;
	if ((w->ep_wsi = lws_adopt_descriptor_vhost_via_info(&ad)) == NULL) {
		w->epfd = -1;	/* lws closed it */
		rc = -EIO;
		goto fail;
	}
	if (!TAILQ_EMPTY(&w->held))
		lws_sul_schedule(w->cx, 0, &w->sul_held, held_check, 0);
	*out = w;
	return 0;
fail:
	webhook_free(w);
	return rc;
}

static void
drop_all(struct webhook *w, struct wh_events *l)
{
	struct wh_event *e;

	while ((e = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, e, entry);
		lws_sul_cancel(&e->sul_retry);
		if (e->easy != NULL) {
			curl_multi_remove_handle(w->multi, e->easy);
			curl_easy_cleanup(e->easy);
		}
		event_free(e);
	}
}

void
webhook_free(struct webhook *w)
{
	if (w == NULL)
		return;
	lws_sul_cancel(&w->sul_curl);
	lws_sul_cancel(&w->sul_held);
	drop_all(w, &w->held);
	drop_all(w, &w->active);
	drop_all(w, &w->ready);
	drop_all(w, &w->dead);
	if (w->multi != NULL)
		curl_multi_cleanup(w->multi);
	/* lws closes the epoll fd with the context; until then it finds no w */
	if (w->ep_wsi != NULL)
		lws_set_opaque_user_data(w->ep_wsi, NULL);
	else if (w->epfd >= 0)
		close(w->epfd);
	wh_store_close(w->store);
	sodium_memzero(w->key, sizeof(w->key));
	free(w);
}

int
webhook_submit(struct webhook *w, const char *body, size_t len, const char *tag,
    char id[WEBHOOK_ID_LEN + 1])
{
	uint8_t rnd[16];
	struct wh_event *e;
	size_t i;

	if ((e = event_new(w, body, len, tag)) == NULL)
		return len > WEBHOOK_BODY_MAX ? -EMSGSIZE : -ENOMEM;
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(e->id, "msg_", 4);
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(e->id + 4 + 2 * i, 3, "%02x", rnd[i]);
	e->created = now_s();
	persist(w, e, "pending");
	TAILQ_INSERT_TAIL(&w->ready, e, entry);
	if (id != NULL)
		snprintf(id, WEBHOOK_ID_LEN + 1, "%s", e->id);
	pump(w);
	return 0;
}

size_t
webhook_dead_list(const struct webhook *w, struct webhook_dead *out, size_t max)
{
	const struct wh_event *e;
	size_t n = 0;

	TAILQ_FOREACH(e, &w->dead, entry) {
		if (n == max)
			break;
		snprintf(out[n].id, sizeof(out[n].id), "%s", e->id);
		out[n].created = e->created;
		out[n].failed = e->failed;
		out[n].attempts = e->attempts;
		out[n].status = e->status;
		snprintf(out[n].error, sizeof(out[n].error), "%s", e->error);
		n++;
	}
	return n;
}

int
webhook_redeliver(struct webhook *w, const char *id)
{
	struct wh_event *e;

	TAILQ_FOREACH(e, &w->dead, entry)
		if (strcmp(e->id, id) == 0)
			break;
	if (e == NULL)
		return -ENOENT;
	TAILQ_REMOVE(&w->dead, e, entry);
	w->n_dead--;
	e->attempts = 0;
	e->status = -1;
	e->error[0] = '\0';
	persist(w, e, "pending");
	unpersist(w, e, "dead");
	log_info("webhook %s: delivering a dead letter again", e->id);
	TAILQ_INSERT_TAIL(&w->ready, e, entry);
	pump(w);
	return 0;
}

size_t
webhook_pending(const struct webhook *w)
{
	const struct wh_event *e;
	size_t n = 0;

	TAILQ_FOREACH(e, &w->held, entry)
		n++;
	TAILQ_FOREACH(e, &w->ready, entry)
		n++;
	TAILQ_FOREACH(e, &w->active, entry)
		n++;
	return n;
}
