/*
 * msg_media.c: see msg_media.h. One thread per download (there are few:
 * media from whitelisted customers); each ends by writing its job's
 * pointer to a pipe whose read end lws watches, so the hook runs on the
 * loop. A cancel flag, checked by the fetch between chunks, makes
 * msg_media_free() quick.
 */
#include <sys/queue.h>
#include <sys/stat.h>

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
#include <sodium.h>

#include "atomicfile.h"
#include "binary/bn.h"
#include "hook/hook.h"
#include "log.h"
#include "media/media_fetch.h"
#include "media/media_prune.h"
#include "message/msg_history.h"
#include "message/msg_internal.h"
#include "message/msg_media.h"
#include "message/msg_media_retry.h"
#include "message/msg_typed.h"

#define HOST_MAX	256
#define IQ_WAIT_MS	15000	/* media_conn unanswered: the jobs go without */
/* How long the phone gets to upload an expired file again by default: it
 * may be asleep, so this is generous, but the hook is never held forever. */
#define RETRY_WAIT_MS	60000
#define PRUNE_EVERY_MS	(3600 * 1000)	/* and after each stored file */
/* Stored files whose hook could not start (its queue full), kept so the
 * retry hands the same file over instead of downloading it again; past
 * this the oldest is let go (its retry downloads again). */
#define PARKED_MAX	64

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
	bool			 retried;	/* the phone was asked once already */
	bool			 history;	/* a history sync blob, not for the hook */
	bool			 reused;	/* the file was stored before: no download */
	struct msg_hist_notice	 hist;
	struct msg_lid_pair	*pairs;		/* what the history blob mapped */
	size_t			 npairs;
	int			 hist_rc;
	lws_sorted_usec_list_t	 sul_retry;	/* waiting for its answer */
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
	struct media_jobs	 retrying;	/* waiting for the phone (media retry) */
	struct media_jobs	 parked;	/* stored; the hook's queue was full */
	size_t			 nparked;
	int			 pipe[2];
	struct lws		*wsi;
	_Atomic int		 cancel;	/* threads stop at their next chunk */
	uint64_t		 retry_wait_ms;	/* for the phone's media retry answer */
	uint64_t		 retention_s;	/* 0: kept forever */
	uint64_t		 max_total;	/* 0: no cap */
	lws_sorted_usec_list_t	 sul_prune;
	pthread_t		 prune_thread;
	bool			 prune_started;
	_Atomic int		 prune_busy;
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

/* The retention pass, in its own thread: it stats and unlinks. */
static void *
prune_thread(void *arg)
{
	struct msg_dl *mm = arg;
	struct media_prune_stats st;
	int rc;

	if ((rc = media_prune_run(mm->dir, time(NULL), mm->retention_s,
	    mm->max_total, &st)) < 0)
		log_warn(rc, "media: retention pass over %s failed", mm->dir);
	else if (st.removed > 0)
		log_info("media: retention removed %u file%s (%llu bytes); %u kept "
		    "(%llu bytes)", st.removed, st.removed == 1 ? "" : "s",
		    (unsigned long long)st.freed, st.kept,
		    (unsigned long long)st.kept_bytes);
	atomic_store(&mm->prune_busy, 0);
	return NULL;
}

/* Starts a retention pass unless one is running. */
static void
prune_kick(struct msg_dl *mm)
{
	if ((mm->retention_s == 0 && mm->max_total == 0) ||
	    atomic_exchange(&mm->prune_busy, 1) != 0)
		return;
	if (mm->prune_started)
		pthread_join(mm->prune_thread, NULL);	/* ended: busy was 0 */
	mm->prune_started = pthread_create(&mm->prune_thread, NULL,
	    prune_thread, mm) == 0;
	if (!mm->prune_started)
		atomic_store(&mm->prune_busy, 0);
}

static void
prune_timer(lws_sorted_usec_list_t *sul)
{
	struct msg_dl *mm = lws_container_of(sul, struct msg_dl, sul_prune);

	prune_kick(mm);
	lws_sul_schedule(mm->cx, 0, &mm->sul_prune, prune_timer,
	    (lws_usec_t)PRUNE_EVERY_MS * LWS_US_PER_MS);
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
	mm->retention_s = cfg->retention_s;
	mm->retry_wait_ms = cfg->retry_wait_ms > 0 ? cfg->retry_wait_ms : RETRY_WAIT_MS;
	mm->max_total = cfg->max_total;
	TAILQ_INIT(&mm->waiting);
	TAILQ_INIT(&mm->running);
	TAILQ_INIT(&mm->retrying);
	TAILQ_INIT(&mm->parked);
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
	/* the first pass at start: files left from before a long stop go */
	lws_sul_schedule(cx, 0, &mm->sul_prune, prune_timer, 1);
	*out = mm;
	return 0;
}

static void
job_free(struct media_job *j)
{
	lws_sul_cancel(&j->sul_retry);
	msg_history_notice_fini(&j->hist);
	free(j->pairs);
	msg_typed_fini(&j->t);
	free(j->from);
	free(j->push_name);
	free(j->id);
	free(j->chat);
	free(j);
}

/* whatsmeow storeHistoricalPNLIDMappings: the mappings, nothing else. */
static void
history_done(struct media_job *j)
{
	if (j->hist_rc != 0 || j->res.rc != 0) {
		log_warnx("message %s: history sync not read: %s", j->id,
		    j->res.error[0] ? j->res.error : j->hist_rc == -E2BIG ?
		    "inflates past the cap" : j->hist_rc == -EBADMSG ?
		    "not a zlib HistorySync" : "failed");
		return;
	}
	log_info("message %s: history sync (type %d, chunk %u) read: %zu LID "
	    "mapping%s; its messages are not handed to the hook", j->id,
	    j->hist.sync_type, j->hist.chunk_order, j->npairs,
	    j->npairs == 1 ? "" : "s");
	if (j->npairs > 0)
		msg_lid_learn_many(j->mm->send_arg, j->pairs, j->npairs);
}

/* Starts the hook with the file, or with why there is none. 0, or
 * hook_run's error (-EBUSY: its queue is full); *tagged when the journal
 * knows the run by the message id. */
static int
hook_start(struct media_job *j, bool *tagged)
{
	struct hook_input in = { .from = j->from, .push_name = j->push_name,
	    .id = j->id, .timestamp = j->timestamp };
	struct msg_hook_bufs b;
	char tag[HOOK_TAG_MAX];
	int rc;

	/* "<chat> <id>": the journal keeps the message until the hook
	 * answers (msg_recv.c msg_hook_done), across a crash too */
	*tagged = snprintf(tag, sizeof(tag), "%s %s", j->chat, j->id) < (int)sizeof(tag);
	if (!*tagged)
		snprintf(tag, sizeof(tag), "%s", j->chat);
	if ((rc = msg_typed_hook_input(&j->t, j->res.rc == 0 ? j->res.path : NULL,
	    j->res.rc == 0 ? j->res.sha256 : NULL, j->res.rc == 0 ? NULL :
	    j->res.error[0] ? j->res.error : "download failed", &in, &b)) != 0)
		return rc;
	rc = hook_enabled(j->mm->hook) ? hook_run(j->mm->hook, &in, tag) : 0;
	msg_hook_bufs_fini(&b);
	return rc;
}

/*
 * The hook runs with the file, or with why there is none. A hook that
 * cannot start goes the way a text's does (msg_inbox.c: tried again after
 * MSG_INBOX_RETRY_MS or as the queue drains); a stored file waits parked
 * for that retry (msg_media_fetch finds it). True when j was parked.
 */
static bool
job_done(struct media_job *j)
{
	struct msg_dl *mm = j->mm;
	struct media_job *old;
	bool tagged;
	int rc;

	if (j->history) {
		history_done(j);
		return false;
	}
	if (j->res.rc == 0)
		log_info("message %s: media %s (%llu bytes, verified)", j->id,
		    j->reused ? "stored before; not downloaded again" : "stored",
		    (unsigned long long)j->res.size);
	else
		log_warnx("message %s from %s: media not stored: %s", j->id, j->from,
		    j->res.error[0] ? j->res.error : "failed");
	if ((rc = hook_start(j, &tagged)) == 0)
		return false;
	if (rc != -EBUSY || !tagged) {
		log_warn(rc, "message %s: hook not run", j->id);
		if (tagged)
			msg_inbox_hook_not_run(mm->send_arg, j->id, rc);
		return false;
	}
	log_info("message %s: hook queue full; the message waits (tried again)",
	    j->id);
	msg_inbox_hook_not_run(mm->send_arg, j->id, rc);
	if (j->res.rc != 0)
		return false;	/* nothing stored: the retry downloads */
	if (mm->nparked == PARKED_MAX && (old = TAILQ_FIRST(&mm->parked)) != NULL) {
		TAILQ_REMOVE(&mm->parked, old, entry);
		mm->nparked--;
		job_free(old);
	}
	TAILQ_INSERT_TAIL(&mm->parked, j, entry);
	mm->nparked++;
	return true;
}

/*
 * A history blob: fetched like media, then read for its LID mappings and
 * deleted (nothing of it stays on disk or reaches the hook).
 */
static void
history_run(struct media_job *j)
{
	int fd;

	if (j->hist.inline_payload != NULL) {
		j->hist_rc = msg_history_parse_buf(j->hist.inline_payload,
		    j->hist.inline_len, MSG_HIST_INFLATE_MAX, MSG_HIST_PAIRS_MAX,
		    &j->pairs, &j->npairs);
		return;
	}
	if ((j->hist_rc = media_fetch_run(&j->rq, &j->res)) != 0)
		return;
	if ((fd = open(j->res.path, O_RDONLY | O_CLOEXEC)) < 0)
		j->hist_rc = -errno;
	else {
		j->hist_rc = msg_history_parse_fd(fd, MSG_HIST_INFLATE_MAX,
		    MSG_HIST_PAIRS_MAX, &j->pairs, &j->npairs);
		close(fd);
	}
	unlink(j->res.path);
}

/*
 * The file a first serve stored, before a restart took the hook's answer
 * (issue 12: the message is served again): read back and checked against
 * the message's SHA-256, it is handed over without a download. In the
 * job's thread: this reads the disk.
 */
static bool
stored_already(const struct media_fetch_req *rq, struct media_fetch_result *res)
{
	crypto_hash_sha256_state h;
	uint8_t buf[16384], sum[MEDIA_SHA256_LEN];
	uint64_t size = 0, cap = rq->max_bytes > 0 ? rq->max_bytes : 100u << 20;
	struct stat st;
	ssize_t n = -1;
	int fd;

	memset(res, 0, sizeof(*res));
	if (snprintf(res->path, sizeof(res->path), "%s/%s", rq->dir, rq->name) >=
	    (int)sizeof(res->path) ||
	    (fd = open(res->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		res->path[0] = '\0';
		return false;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= cap) {
		crypto_hash_sha256_init(&h);
		while ((n = read(fd, buf, sizeof(buf))) > 0 &&
		    (rq->cancel == NULL || !atomic_load(rq->cancel))) {
			crypto_hash_sha256_update(&h, buf, (size_t)n);
			size += (uint64_t)n;
		}
		crypto_hash_sha256_final(&h, sum);
	}
	close(fd);
	if (n != 0 || size > cap || sodium_memcmp(sum, rq->sha256, sizeof(sum)) != 0) {
		res->path[0] = '\0';
		return false;
	}
	memcpy(res->sha256, sum, sizeof(sum));
	res->size = size;
	return true;
}

static void *
job_thread(void *arg)
{
	struct media_job *j = arg;
	ssize_t n;

	if (j->history)
		history_run(j);
	else if (!(j->reused = stored_already(&j->rq, &j->res)))
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
	if (!job_done(j))
		job_free(j);
}

static void
job_start(struct msg_dl *mm, struct media_job *j)
{
	const char *dp = j->history ? j->hist.direct_path : j->t.media.direct_path;
	int rc;

	/* an inline history payload has no path and needs no URL */
	if (dp != NULL)
		snprintf(j->rq.url, sizeof(j->rq.url), "https://%s%s", mm->host, dp);
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

/* Starts j now if the hosts are fresh, else after the media_conn answer. */
static void
job_go(struct msg_dl *mm, struct media_job *j)
{
	if ((mm->host[0] != '\0' && now_ms() < mm->host_expires_ms) ||
	    (j->history && j->hist.inline_payload != NULL)) {
		job_start(mm, j);
		return;
	}
	TAILQ_INSERT_TAIL(&mm->waiting, j, entry);
	if (mm->iq_id[0] == '\0' && ask_hosts(mm) < 0) {
		TAILQ_REMOVE(&mm->waiting, j, entry);
		job_fail(j, "cannot ask the server for a media host");
	}
}

static void
retry_timeout(lws_sorted_usec_list_t *sul)
{
	struct media_job *j = lws_container_of(sul, struct media_job, sul_retry);

	TAILQ_REMOVE(&j->mm->retrying, j, entry);
	log_warnx("message %s: the phone did not answer the media retry in %llu ms",
	    j->id, (unsigned long long)j->mm->retry_wait_ms);
	job_fail(j, "expired on the CDN; the phone did not upload it again in time");
}

/*
 * whatsmeow SendMediaRetryReceipt, Baileys updateMediaMessage: the CDN
 * answered 404/410, so ask our phone (which holds the message) to upload
 * the file again. True when asked: the job waits in mm->retrying.
 */
static bool
retry_ask(struct msg_dl *mm, struct media_job *j)
{
	char own[16], own_jid[MSG_JID_MAX];
	struct bn_node *r;
	int rc;

	if (j->retried)
		return false;
	msg_own_phone(mm->send_arg, own);
	if (own[0] == '\0' ||
	    !msg_fmt(own_jid, sizeof(own_jid), "%s@s.whatsapp.net", own))
		return false;
	if ((r = msg_media_retry_receipt(j->id, own_jid, j->chat,
	    j->t.media.media_key)) == NULL)
		return false;
	rc = mm->send(mm->send_arg, r);
	bn_node_free(r);
	if (rc < 0)
		return false;
	j->retried = true;
	log_info("message %s: media %s on the CDN (HTTP %d); asked the phone to "
	    "upload it again", j->id, j->res.http_status == 410 ? "expired" :
	    "missing", j->res.http_status);
	TAILQ_INSERT_TAIL(&mm->retrying, j, entry);
	lws_sul_schedule(mm->cx, 0, &j->sul_retry, retry_timeout,
	    (lws_usec_t)mm->retry_wait_ms * LWS_US_PER_MS);
	return true;
}

bool
msg_media_on_notification(struct msg_dl *mm, const struct bn_node *n)
{
	struct media_retry_answer a;
	const char *id = msg_media_retry_id(n);
	struct media_job *j;
	char *path;
	int rc, code;

	if (id == NULL)
		return false;	/* not a mediaretry notification */
	j = NULL;
	if (mm != NULL)
		TAILQ_FOREACH(j, &mm->retrying, entry)
			if (strcmp(j->id, id) == 0)
				break;
	if (j == NULL) {
		log_info("message: media retry answer for %s, which we are not "
		    "waiting for; ignored", id);
		return true;
	}
	rc = msg_media_retry_read(n, j->t.media.media_key, &a, &code);
	if (rc == -EBADMSG) {
		/* not from the phone that holds the key: keep waiting */
		log_warnx("message %s: unreadable media retry answer; ignored", id);
		return true;
	}
	TAILQ_REMOVE(&mm->retrying, j, entry);
	lws_sul_cancel(&j->sul_retry);
	if (rc == -EREMOTEIO || a.result != MEDIA_RETRY_SUCCESS) {
		char why[160];

		/* whatsmeow DecryptMediaRetryNotification: code 2 = not on the phone */
		if (rc == -EREMOTEIO)
			snprintf(why, sizeof(why), "expired on the CDN; %s (code %d)",
			    code == 2 ? "the phone no longer has the file" :
			    "the phone could not upload it again", code);
		else
			snprintf(why, sizeof(why), "expired on the CDN; %s",
			    media_retry_result_str(a.result));
		log_warnx("message %s: media retry failed: %s", id, why);
		job_fail(j, why);
		return true;
	}
	if ((path = strdup(a.direct_path)) == NULL) {
		job_fail(j, "out of memory");
		return true;
	}
	free(j->t.media.direct_path);
	j->t.media.direct_path = path;
	memset(&j->res, 0, sizeof(j->res));
	log_info("message %s: the phone uploaded the media again; fetching it", id);
	job_go(mm, j);
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

/*
 * A parked file's message served again: its hook starts with the file
 * already stored, no download. -EBUSY (still parked) when the queue is
 * still full.
 */
static int
parked_retry(struct msg_dl *mm, struct media_job *j, struct msg_typed *t)
{
	bool tagged;
	int rc;

	if ((rc = hook_start(j, &tagged)) == -EBUSY)
		return -EBUSY;
	TAILQ_REMOVE(&mm->parked, j, entry);
	mm->nparked--;
	if (rc == 0) {
		log_info("message %s: media already stored; hook started", j->id);
		msg_typed_fini(t);	/* taken, as a fetch takes it */
	} else
		log_warn(rc, "message %s: hook not run", j->id);
	job_free(j);
	return rc;
}

int
msg_media_fetch(struct msg_dl *mm, struct msg_typed *t,
    const struct hook_input *in, const char *chat)
{
	struct media_job *j;
	size_t i;

	if (msg_media_enabled(mm) && in->id != NULL) {
		TAILQ_FOREACH(j, &mm->parked, entry)
			if (strcmp(j->id, in->id) == 0)
				break;
		if (j != NULL)
			return parked_retry(mm, j, t);
	}
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
	job_go(mm, j);
	return 0;
}

void
msg_media_history(struct msg_dl *mm, const char *id, const uint8_t *pt, size_t len)
{
	struct media_job *j;
	int rc;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return;
	if ((rc = msg_history_notice(pt, len, &j->hist)) <= 0 || id == NULL) {
		if (rc < 0)
			log_warnx("message %s: history sync notice without a usable "
			    "blob; ignored", id ? id : "?");
		free(j);
		return;
	}
	if (!msg_media_enabled(mm) || (j->id = strdup(id)) == NULL) {
		log_warnx("message %s: history sync not fetched (no media directory)", id);
		msg_history_notice_fini(&j->hist);
		free(j->id);
		free(j);
		return;
	}
	j->mm = mm;
	j->history = true;
	j->rq.ca_file = mm->ca_file[0] != '\0' ? mm->ca_file : NULL;
	j->rq.cancel = &mm->cancel;
	j->rq.type = MEDIA_HISTORY;
	memcpy(j->rq.media_key, j->hist.media_key, MEDIA_KEY_LEN);
	memcpy(j->rq.sha256, j->hist.sha256, MEDIA_SHA256_LEN);
	if ((j->rq.has_enc_sha256 = j->hist.has_enc_sha256))
		memcpy(j->rq.enc_sha256, j->hist.enc_sha256, MEDIA_SHA256_LEN);
	j->rq.file_length = j->hist.file_length;
	j->rq.max_bytes = MSG_HIST_BLOB_MAX;
	snprintf(j->rq.dir, sizeof(j->rq.dir), "%s", mm->dir);
	snprintf(j->rq.name, sizeof(j->rq.name), "hist-%p.zlib", (void *)j);
	if (j->hist.direct_path != NULL &&
	    strlen(j->hist.direct_path) > MEDIA_FETCH_URL_MAX - HOST_MAX - 16) {
		log_warnx("message %s: history sync path too long; ignored", id);
		job_free(j);
		return;
	}
	log_info("message %s: history sync notice from our phone; fetching it for "
	    "its LID mappings", id);
	job_go(mm, j);
}

static void
results_ready(struct msg_dl *mm)
{
	struct media_job *j;
	ssize_t n;

	while ((n = read(mm->pipe[0], &j, sizeof(j))) == (ssize_t)sizeof(j)) {
		pthread_join(j->thread, NULL);
		TAILQ_REMOVE(&mm->running, j, entry);
		if (!j->history && (j->res.rc == -ESTALE || j->res.rc == -ENOENT) &&
		    retry_ask(mm, j))
			continue;
		if (j->res.rc == 0 && mm->max_total > 0)
			prune_kick(mm);	/* the new file may pass the total cap */
		if (!job_done(j))
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
	lws_sul_cancel(&mm->sul_prune);
	atomic_store(&mm->cancel, 1);
	if (mm->prune_started)
		pthread_join(mm->prune_thread, NULL);
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
	while ((j = TAILQ_FIRST(&mm->retrying)) != NULL) {
		TAILQ_REMOVE(&mm->retrying, j, entry);
		job_free(j);
	}
	while ((j = TAILQ_FIRST(&mm->parked)) != NULL) {
		TAILQ_REMOVE(&mm->parked, j, entry);
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
