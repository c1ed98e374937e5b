/*
 * msg_media.c: see msg_media.h. One thread per download (there are few:
 * media from whitelisted customers); each ends by writing its job's
 * pointer to a pipe whose read end lws watches, so the hook runs on the
 * loop. A cancel flag, checked by the fetch between chunks, makes
 * msg_media_free() quick.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "atomicfile.h"
#include "binary/bn.h"
#include "hook/hook.h"
#include "log.h"
#include "media/media_fetch.h"
#include "message/msg_media.h"
#include "message/msg_typed.h"

#define HOST_MAX	256
#define IQ_WAIT_MS	15000	/* media_conn unanswered: the jobs go without */

struct media_job {
	TAILQ_ENTRY(media_job)	 entry;
	struct msg_dl	*mm;
	struct msg_typed	 t;
	char			*from, *push_name, *id, *chat;
	uint64_t		 timestamp;
	struct media_fetch_req	 rq;
	struct media_fetch_result res;
	pthread_t		 thread;
	bool			 started;
};
TAILQ_HEAD(media_jobs, media_job);

/* An upload waiting for media_conn (msg_media_conn_get). */
struct conn_waiter {
	msg_media_conn_fn	*fn;
	void			*arg;
};

struct msg_dl {
	struct lws_context	*cx;
	struct hook		*hook;
	msg_media_send_fn	*send;
	void			*send_arg;
	char			 dir[PATH_MAX - MEDIA_FETCH_NAME_MAX - 64];
	char			 ca_file[PATH_MAX];
	uint64_t		 max_bytes;
	char			 host[HOST_MAX];	/* "" until media_conn answered */
	uint64_t		 host_expires_ms;
	char			 iq_id[32];		/* "" when none pending */
	unsigned		 iq_seq;
	lws_sorted_usec_list_t	 sul_iq;
	struct media_jobs	 waiting;	/* for the hosts */
	struct media_jobs	 running;	/* threads */
	int			 pipe[2];
	struct lws		*wsi;
	_Atomic int		 cancel;	/* threads stop at their next chunk */
	struct msg_media_conn	 conn;		/* every host and the auth: uploads */
	struct conn_waiter	 waiters[MSG_MEDIA_CONN_WAITERS];
};

static void	conn_learn(struct msg_dl *, const struct bn_node *mc);
static void	conn_serve(struct msg_dl *, int rc);
static int	pipe_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

static const struct lws_protocols media_proto = {
	.name = "walink-media",
	.callback = pipe_callback,
};

const struct lws_protocols *
msg_media_protocol(void)
{
	return &media_proto;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool
msg_media_enabled(const struct msg_dl *mm)
{
	return mm != NULL && mm->dir[0] != '\0';
}

int
msg_media_new(struct lws_context *cx, const struct msg_media_cfg *cfg,
    struct hook *hook, msg_media_send_fn *send, void *send_arg,
    struct msg_dl **out)
{
	lws_adopt_desc_t ad;
	struct msg_dl *mm;
	int rc;

	*out = NULL;
	if (cfg == NULL || cfg->dir == NULL || cfg->dir[0] == '\0' || cx == NULL)
		return 0;		/* no downloads */
	if (strlen(cfg->dir) >= sizeof(mm->dir))
		return -ENAMETOOLONG;
	if ((rc = mkdir_mode(cfg->dir, 0700, 0)) < 0)
		return rc;
	if ((mm = calloc(1, sizeof(*mm))) == NULL)
		return -ENOMEM;
	mm->cx = cx;
	mm->hook = hook;
	mm->send = send;
	mm->send_arg = send_arg;
	snprintf(mm->dir, sizeof(mm->dir), "%s", cfg->dir);
	snprintf(mm->ca_file, sizeof(mm->ca_file), "%s", cfg->ca_file ? cfg->ca_file : "");
	mm->max_bytes = cfg->max_bytes;
	TAILQ_INIT(&mm->waiting);
	TAILQ_INIT(&mm->running);
	if (pipe2(mm->pipe, O_CLOEXEC) < 0) {
		rc = -errno;
		free(mm);
		return rc;
	}
	fcntl(mm->pipe[0], F_SETFL, O_NONBLOCK);
	memset(&ad, 0, sizeof(ad));
	ad.vh = lws_get_vhost_by_name(cx, "default");
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = mm->pipe[0];
	ad.vh_prot_name = media_proto.name;
	ad.opaque = mm;
	if ((mm->wsi = lws_adopt_descriptor_vhost_via_info(&ad)) == NULL) {
		close(mm->pipe[1]);	/* lws closed the read end */
		free(mm);
		return -EIO;
	}
	*out = mm;
	return 0;
}

static void
job_free(struct media_job *j)
{
	msg_typed_fini(&j->t);
	free(j->from);
	free(j->push_name);
	free(j->id);
	free(j->chat);
	free(j);
}

/* The hook runs with the file, or with why there is none. */
static void
job_done(struct media_job *j)
{
	struct hook_input in = { .from = j->from, .push_name = j->push_name,
	    .id = j->id, .timestamp = j->timestamp };
	struct msg_hook_bufs b;
	int rc;

	if (j->res.rc == 0)
		log_info("message %s: media stored (%llu bytes, verified)", j->id,
		    (unsigned long long)j->res.size);
	else
		log_warnx("message %s from %s: media not stored: %s", j->id, j->from,
		    j->res.error[0] ? j->res.error : "failed");
	if (msg_typed_hook_input(&j->t, j->res.rc == 0 ? j->res.path : NULL,
	    j->res.rc == 0 ? j->res.sha256 : NULL, j->res.rc == 0 ? NULL :
	    j->res.error[0] ? j->res.error : "download failed", &in, &b) != 0)
		return;
	if (hook_enabled(j->mm->hook) && (rc = hook_run(j->mm->hook, &in, j->chat)) < 0)
		log_warn(rc, "message %s: hook not run", j->id);
	msg_hook_bufs_fini(&b);
}

static void *
job_thread(void *arg)
{
	struct media_job *j = arg;
	ssize_t n;

	media_fetch_run(&j->rq, &j->res);
	do
		n = write(j->mm->pipe[1], &j, sizeof(j));
	while (n < 0 && errno == EINTR);
	return NULL;
}

/* A job whose fetch cannot start (no hosts): the hook runs without it. */
static void
job_fail(struct media_job *j, const char *why)
{
	j->res.rc = -EIO;
	snprintf(j->res.error, sizeof(j->res.error), "%s", why);
	job_done(j);
	job_free(j);
}

static void
job_start(struct msg_dl *mm, struct media_job *j)
{
	int rc;

	snprintf(j->rq.url, sizeof(j->rq.url), "https://%s%s", mm->host,
	    j->t.media.direct_path);
	if ((rc = pthread_create(&j->thread, NULL, job_thread, j)) != 0) {
		job_fail(j, "cannot start the download");
		return;
	}
	j->started = true;
	TAILQ_INSERT_TAIL(&mm->running, j, entry);
}

static void
iq_timeout(lws_sorted_usec_list_t *sul)
{
	struct msg_dl *mm = lws_container_of(sul, struct msg_dl, sul_iq);
	struct media_job *j;

	log_warnx("media: no media_conn answer; media handed over without files");
	mm->iq_id[0] = '\0';
	conn_serve(mm, -ETIMEDOUT);
	while ((j = TAILQ_FIRST(&mm->waiting)) != NULL) {
		TAILQ_REMOVE(&mm->waiting, j, entry);
		job_fail(j, "no media host from the server");
	}
}

static int
ask_hosts(struct msg_dl *mm)
{
	struct bn_node *iq = bn_node_new("iq"), *mc = bn_node_new("media_conn");
	int rc = -ENOMEM;

	snprintf(mm->iq_id, sizeof(mm->iq_id), "media.%u", ++mm->iq_seq);
	if (iq != NULL && mc != NULL &&
	    bn_node_set_attr(iq, "id", mm->iq_id) == 0 &&
	    bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(iq, "type", "set") == 0 &&
	    bn_node_set_attr(iq, "xmlns", "w:m") == 0 &&
	    bn_node_add_child(iq, mc) == 0) {
		mc = NULL;
		rc = mm->send(mm->send_arg, iq);
	}
	bn_node_free(mc);
	bn_node_free(iq);
	if (rc < 0)
		mm->iq_id[0] = '\0';
	else
		lws_sul_schedule(mm->cx, 0, &mm->sul_iq, iq_timeout,
		    IQ_WAIT_MS * LWS_US_PER_MS);
	return rc;
}

bool
msg_media_on_iq(struct msg_dl *mm, const struct bn_node *iq)
{
	const char *id = bn_node_attr(iq, "id"), *host = NULL, *ttl;
	const struct bn_node *mc = NULL, *h;
	struct media_job *j;
	size_t i;

	if (mm == NULL || mm->iq_id[0] == '\0' || id == NULL || strcmp(id, mm->iq_id) != 0)
		return false;
	mm->iq_id[0] = '\0';
	lws_sul_cancel(&mm->sul_iq);
	for (i = 0; i < bn_node_child_count(iq) && mc == NULL; i++)
		if (bn_node_tag_is(bn_node_peek_child(iq, i), "media_conn"))
			mc = bn_node_peek_child(iq, i);
	for (i = 0; mc != NULL && i < bn_node_child_count(mc) && host == NULL; i++) {
		h = bn_node_peek_child(mc, i);
		if (bn_node_tag_is(h, "host"))
			host = bn_node_attr(h, "hostname");
	}
	/* a host name only: no scheme, path or user part can ride in */
	if (host != NULL && (strlen(host) >= sizeof(mm->host) ||
	    strpbrk(host, "/@?# \t") != NULL || host[0] == '\0'))
		host = NULL;
	if (host == NULL) {
		iq_timeout(&mm->sul_iq);
		return true;
	}
	snprintf(mm->host, sizeof(mm->host), "%s", host);
	ttl = bn_node_attr(mc, "ttl");
	mm->host_expires_ms = now_ms() + (ttl != NULL ? strtoull(ttl, NULL, 10) : 300) * 1000;
	conn_learn(mm, mc);
	while ((j = TAILQ_FIRST(&mm->waiting)) != NULL) {
		TAILQ_REMOVE(&mm->waiting, j, entry);
		job_start(mm, j);
	}
	return true;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static const char *
extension(const char *mimetype)
{
	static const struct { const char *mime, *ext; } m[] = {
		{ "image/jpeg", "jpg" }, { "image/png", "png" }, { "image/webp", "webp" },
		{ "video/mp4", "mp4" }, { "audio/ogg", "ogg" }, { "audio/mpeg", "mp3" },
		{ "audio/mp4", "m4a" }, { "application/pdf", "pdf" },
	};
	size_t i;

	for (i = 0; mimetype != NULL && i < sizeof(m) / sizeof(m[0]); i++)
		if (strncmp(mimetype, m[i].mime, strlen(m[i].mime)) == 0)
			return m[i].ext;
	return "bin";
}

int
msg_media_fetch(struct msg_dl *mm, struct msg_typed *t,
    const struct hook_input *in, const char *chat)
{
	struct media_job *j;
	size_t i;

	if (!msg_media_enabled(mm) || !t->media.has_key || !t->media.has_sha256 ||
	    t->media.direct_path == NULL || t->media.direct_path[0] != '/' ||
	    in->id == NULL || strlen(t->media.direct_path) > MEDIA_FETCH_URL_MAX - HOST_MAX - 16)
		return -EINVAL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->mm = mm;
	if ((j->from = dup_or_null(in->from)) == NULL || (j->id = strdup(in->id)) == NULL ||
	    (j->chat = strdup(chat)) == NULL ||
	    (in->push_name != NULL && (j->push_name = strdup(in->push_name)) == NULL)) {
		job_free(j);
		return -ENOMEM;
	}
	j->timestamp = in->timestamp;
	j->t = *t;			/* the job owns it now */
	memset(t, 0, sizeof(*t));
	j->rq.ca_file = mm->ca_file[0] != '\0' ? mm->ca_file : NULL;
	j->rq.cancel = &mm->cancel;
	j->rq.type = j->t.media.crypto;
	memcpy(j->rq.media_key, j->t.media.media_key, MEDIA_KEY_LEN);
	memcpy(j->rq.sha256, j->t.media.sha256, MEDIA_SHA256_LEN);
	if ((j->rq.has_enc_sha256 = j->t.media.has_enc_sha256))
		memcpy(j->rq.enc_sha256, j->t.media.enc_sha256, MEDIA_SHA256_LEN);
	j->rq.file_length = j->t.media.file_length;
	j->rq.max_bytes = mm->max_bytes;
	snprintf(j->rq.dir, sizeof(j->rq.dir), "%s", mm->dir);
	/* the message id names the file: ids are [0-9A-Za-z] in practice;
	 * anything else becomes '_' so no path can be formed */
	snprintf(j->rq.name, sizeof(j->rq.name), "%.80s.%s", in->id,
	    extension(j->t.media.mimetype));
	for (i = 0; j->rq.name[i] != '\0'; i++)
		if (!((j->rq.name[i] >= '0' && j->rq.name[i] <= '9') ||
		    (j->rq.name[i] >= 'A' && j->rq.name[i] <= 'Z') ||
		    (j->rq.name[i] >= 'a' && j->rq.name[i] <= 'z') ||
		    j->rq.name[i] == '.' || j->rq.name[i] == '-'))
			j->rq.name[i] = '_';
	if (j->rq.name[0] == '.')
		j->rq.name[0] = '_';
	if (mm->host[0] != '\0' && now_ms() < mm->host_expires_ms) {
		job_start(mm, j);
		return 0;
	}
	TAILQ_INSERT_TAIL(&mm->waiting, j, entry);
	if (mm->iq_id[0] == '\0' && ask_hosts(mm) < 0) {
		TAILQ_REMOVE(&mm->waiting, j, entry);
		job_fail(j, "cannot ask the server for a media host");
	}
	return 0;
}

static void
results_ready(struct msg_dl *mm)
{
	struct media_job *j;
	ssize_t n;

	while ((n = read(mm->pipe[0], &j, sizeof(j))) == (ssize_t)sizeof(j)) {
		pthread_join(j->thread, NULL);
		TAILQ_REMOVE(&mm->running, j, entry);
		job_done(j);
		job_free(j);
	}
}

static int
pipe_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct msg_dl *mm = lws_get_opaque_user_data(wsi);

	(void)user, (void)in, (void)len;
	if (mm == NULL)
		return 0;
	if (reason == LWS_CALLBACK_RAW_RX_FILE)
		results_ready(mm);
	else if (reason == LWS_CALLBACK_RAW_CLOSE_FILE)
		mm->wsi = NULL;
	return 0;
}

void
msg_media_free(struct msg_dl *mm)
{
	struct media_job *j;

	if (mm == NULL)
		return;
	lws_sul_cancel(&mm->sul_iq);
	atomic_store(&mm->cancel, 1);
	/* the threads see cancel at their next chunk; the hook gets nothing now */
	while ((j = TAILQ_FIRST(&mm->running)) != NULL) {
		TAILQ_REMOVE(&mm->running, j, entry);
		pthread_join(j->thread, NULL);
		if (j->res.rc == 0)
			unlink(j->res.path);	/* nobody will hand it over */
		job_free(j);
	}
	while ((j = TAILQ_FIRST(&mm->waiting)) != NULL) {
		TAILQ_REMOVE(&mm->waiting, j, entry);
		job_free(j);
	}
	if (mm->wsi != NULL)
		lws_set_opaque_user_data(mm->wsi, NULL);
	close(mm->pipe[1]);
	free(mm);
}

/*
 * media_conn for uploads (msg_media.h msg_media_conn_get): the same iq and
 * cache as downloads, with every host (an upload goes on to the next when
 * one fails, as whatsmeow's hosts list allows) and the auth token.
 */
static void
conn_learn(struct msg_dl *mm, const struct bn_node *mc)
{
	const char *auth = bn_node_attr(mc, "auth"), *host;
	struct msg_media_conn *c = &mm->conn;
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < bn_node_child_count(mc) && c->nhosts < MSG_MEDIA_CONN_HOSTS; i++) {
		const struct bn_node *h = bn_node_peek_child(mc, i);

		if (!bn_node_tag_is(h, "host") || (host = bn_node_attr(h, "hostname")) == NULL ||
		    host[0] == '\0' || strlen(host) >= sizeof(c->hosts[0]) ||
		    strpbrk(host, "/@?# \t") != NULL)
			continue;
		snprintf(c->hosts[c->nhosts++], sizeof(c->hosts[0]), "%s", host);
	}
	if (auth != NULL && strlen(auth) < sizeof(c->auth))
		snprintf(c->auth, sizeof(c->auth), "%s", auth);
	else
		c->nhosts = 0;	/* no upload without auth */
	c->expires_ms = mm->host_expires_ms;
	conn_serve(mm, c->nhosts > 0 ? 0 : -EPROTO);
}

static void
conn_serve(struct msg_dl *mm, int rc)
{
	struct conn_waiter w;
	size_t i;

	for (i = 0; i < MSG_MEDIA_CONN_WAITERS; i++) {
		if ((w = mm->waiters[i]).fn == NULL)
			continue;
		mm->waiters[i].fn = NULL;
		w.fn(w.arg, rc, rc == 0 ? &mm->conn : NULL);
	}
}

int
msg_media_conn_get(struct msg_dl *mm, bool refresh, msg_media_conn_fn *fn, void *arg)
{
	size_t i;

	if (mm == NULL)
		return -ENOTSUP;
	if (!refresh && mm->conn.nhosts > 0 && now_ms() < mm->conn.expires_ms) {
		fn(arg, 0, &mm->conn);
		return 0;
	}
	for (i = 0; i < MSG_MEDIA_CONN_WAITERS && mm->waiters[i].fn != NULL; i++)
		;
	if (i == MSG_MEDIA_CONN_WAITERS)
		return -EBUSY;
	mm->waiters[i].fn = fn;
	mm->waiters[i].arg = arg;
	if (mm->iq_id[0] == '\0' && ask_hosts(mm) < 0) {
		mm->waiters[i].fn = NULL;
		return -ENOTCONN;
	}
	return 0;
}

void
msg_media_conn_forget(struct msg_dl *mm, void *arg)
{
	size_t i;

	for (i = 0; mm != NULL && i < MSG_MEDIA_CONN_WAITERS; i++)
		if (mm->waiters[i].arg == arg)
			mm->waiters[i].fn = NULL;
}
