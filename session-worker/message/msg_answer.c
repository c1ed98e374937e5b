/*
 * msg_answer.c: see msg_answer.h. One job per answer or send request,
 * stepping through its messages: pace -> typing -> media_conn -> upload
 * (a thread) -> typing done -> compose -> msg_send_content. A step that
 * must wait arms the job's lws timer and returns; an upload thread is
 * looked at by that timer every UPLOAD_POLL_MS until it has finished.
 */
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <sodium.h>

#include "binary/bn.h"
#include "clock.h"
#include "log.h"
#include "media/media_upload.h"
#include "message/msg_answer.h"
#include "message/msg_answer_json.h"
#include "message/msg_compose.h"
#include "message/msg_internal.h"
#include "message/msg_media.h"
#include "message/msg_pace.h"
#include "message/msg_status.h"
#include "whitelist/whitelist.h"

#define JOBS_MAX	64
#define UPLOAD_POLL_MS	20
/* The link down: media_conn is asked again this often, this long (as
 * msg_send.c holds a reply for the link). */
#define CONN_RETRY_MS	2000
#define CONN_WAIT_MS	(5 * 60 * 1000)
/* The outbox full of sends the server has not acked: the message waits
 * this long between tries (the acks free it), at most CONN_WAIT_MS. */
#define OUTBOX_RETRY_MS	1000

enum step { S_PACE, S_TYPING, S_ASK_CONN, S_CONN, S_UPLOAD, S_SEND };

struct job {
	TAILQ_ENTRY(job)	 entry;
	struct msg		*m;
	char			 chat[MSG_JID_MAX];
	char			 inbound_id[MSG_ID_MAX];	/* "" for bot-started */
	char			 participant[MSG_JID_MAX];
	uint8_t			*qpb;
	size_t			 qlen;
	bool			 bot_started;
	msg_answer_done_fn	*answered;	/* for inbound_id */
	bool			 paced;		/* the pacing wait of this item logged */
	char			 ids[MSG_ANS_ITEMS_MAX][MSG_ID_MAX];	/* bot-started */
	struct msg_ans		 ans;
	size_t			 next;
	enum step		 step;
	uint64_t		 typing_until;
	uint64_t		 conn_since;	/* first media_conn ask of this item */
	bool			 typing;
	bool			 auth_retried;
	lws_sorted_usec_list_t	 sul;
	/* the upload of the current item */
	pthread_t		 thread;
	bool			 thread_running;
	_Atomic int		 done;
	struct media_upload_req	 rq;
	struct media_upload_result res;
	char			 open_err[MEDIA_UPLOAD_ERR];
	const char		*roots[MEDIA_UPLOAD_ROOTS];
	size_t			 nroots;
	char			*path;
};
TAILQ_HEAD(jobs, job);

struct msg_answers {
	struct jobs		 jobs;
	size_t			 njobs;
	struct msg_pace		 pace;
	char			 send_dir[PATH_MAX];
	char			 media_dir[PATH_MAX];
	_Atomic int		 cancel;
};

static void	job_run(struct job *);

static struct msg_answers *
state(struct msg *m)
{
	struct msg_answers *o;

	if (m->answers != NULL)
		return m->answers;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	TAILQ_INIT(&o->jobs);
	msg_pace_init(&o->pace, m->cfg.answer.pace_per_chat, m->cfg.answer.pace_global);
	/* made by main.c at start: the loop touches no disk */
	if (m->cfg.answer.send_dir != NULL)
		snprintf(o->send_dir, sizeof(o->send_dir), "%s", m->cfg.answer.send_dir);
	if (m->cfg.media.dir != NULL)
		snprintf(o->media_dir, sizeof(o->media_dir), "%s", m->cfg.media.dir);
	m->answers = o;
	return o;
}

static void
job_free(struct job *j)
{
	struct msg_answers *o = j->m->answers;

	lws_sul_cancel(&j->sul);
	msg_media_conn_forget(j->m->dl, j);
	if (j->thread_running) {
		pthread_join(j->thread, NULL);
		j->thread_running = false;
	}
	if (j->rq.fd >= 0)
		close(j->rq.fd);
	sodium_memzero(j->res.media_key, sizeof(j->res.media_key));
	msg_ans_fini(&j->ans);
	if (j->qpb != NULL)
		sodium_memzero(j->qpb, j->qlen);
	free(j->qpb);
	free(j->path);
	TAILQ_REMOVE(&o->jobs, j, entry);
	o->njobs--;
	free(j);
}

/* The first job of its chat runs; later ones wait for it (order). */
static bool
job_is_first(struct job *j)
{
	struct job *k;

	TAILQ_FOREACH(k, &j->m->answers->jobs, entry) {
		if (k == j)
			return true;
		if (strcmp(k->chat, j->chat) == 0)
			return false;
	}
	return false;
}

static void
job_done(struct job *j)
{
	struct msg_answers *o = j->m->answers;
	char chat[MSG_JID_MAX], inbound[MSG_ID_MAX];
	msg_answer_done_fn *done = j->bot_started ? NULL : j->answered;
	struct msg *m = j->m;
	struct job *k;

	snprintf(chat, sizeof(chat), "%s", j->chat);
	snprintf(inbound, sizeof(inbound), "%s", j->inbound_id);
	job_free(j);
	/* every message is in the outbox or failed: the inbound one is served */
	if (done != NULL && inbound[0] != '\0')
		done(m, inbound);
	TAILQ_FOREACH(k, &o->jobs, entry)
		if (strcmp(k->chat, chat) == 0) {
			job_run(k);
			return;
		}
}

static void
on_timer(lws_sorted_usec_list_t *sul)
{
	job_run(lws_container_of(sul, struct job, sul));
}

static void
job_wait(struct job *j, uint64_t ms)
{
	lws_sul_schedule(j->m->cfg.cx, 0, &j->sul, on_timer, (lws_usec_t)ms * LWS_US_PER_MS);
}

/* whatsmeow SendChatPresence: <chatstate to=chat><composing|paused/></chatstate>;
 * composing a voice note says media="audio". */
static void
send_chatstate(struct job *j, const char *state_tag, bool audio)
{
	struct bn_node *n = bn_node_new("chatstate"), *c = bn_node_new(state_tag);
	int rc = -ENOMEM;

	if (n != NULL && c != NULL && bn_node_set_attr(n, "to", j->chat) == 0 &&
	    (!audio || bn_node_set_attr(c, "media", "audio") == 0) &&
	    bn_node_add_child(n, c) == 0) {
		c = NULL;
		rc = msg_send(j->m, n);
	}
	bn_node_free(c);
	bn_node_free(n);
	if (rc < 0)
		log_debug("chatstate %s to %s not sent (%d)", state_tag, j->chat, rc);
}

/* The mimetype a file name suggests; WhatsApp plays voice notes as Opus. */
static const char *
mime_of(const struct msg_ans_item *it)
{
	static const struct { const char *ext, *mime; } m[] = {
		{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" }, { "png", "image/png" },
		{ "webp", "image/webp" }, { "gif", "image/gif" }, { "mp4", "video/mp4" },
		{ "3gp", "video/3gpp" }, { "mov", "video/quicktime" },
		{ "ogg", "audio/ogg; codecs=opus" }, { "opus", "audio/ogg; codecs=opus" },
		{ "mp3", "audio/mpeg" }, { "m4a", "audio/mp4" }, { "aac", "audio/aac" },
		{ "amr", "audio/amr" }, { "pdf", "application/pdf" }, { "txt", "text/plain" },
		{ "csv", "text/csv" }, { "zip", "application/zip" },
		{ "doc", "application/msword" },
		{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	};
	const char *dot = strrchr(it->path, '.');
	size_t i;

	if (it->mimetype != NULL)
		return it->mimetype;
	if (it->type == MSG_ANS_AUDIO && it->ptt)
		return "audio/ogg; codecs=opus";
	for (i = 0; dot != NULL && strchr(dot, '/') == NULL && i < sizeof(m) / sizeof(m[0]); i++)
		if (strcasecmp(dot + 1, m[i].ext) == 0)
			return m[i].mime;
	return it->type == MSG_ANS_IMAGE ? "image/jpeg" : it->type == MSG_ANS_VIDEO ?
	    "video/mp4" : "application/octet-stream";
}

static void *
upload_thread(void *arg)
{
	struct job *j = arg;
	uint64_t size;
	int rc;

	rc = media_upload_open(j->roots, j->nroots, j->path, j->rq.max_bytes, &j->rq.fd,
	    &size, j->open_err);
	if (rc == 0)
		media_upload_run(&j->rq, &j->res);
	else
		j->res.rc = rc;
	atomic_store(&j->done, 1);
	return NULL;
}

static void
on_conn(void *arg, int rc, const struct msg_media_conn *c)
{
	struct job *j = arg;
	const struct msg_ans_item *it = &j->ans.items[j->next];
	struct msg_answers *o = j->m->answers;
	size_t i;

	if (rc != 0) {
		j->res.rc = rc;
		snprintf(j->res.error, sizeof(j->res.error), "no media host from the server");
		atomic_store(&j->done, 1);
		j->step = S_UPLOAD;
		job_wait(j, 0);
		return;
	}
	memset(&j->rq, 0, sizeof(j->rq));
	memset(&j->res, 0, sizeof(j->res));
	j->open_err[0] = '\0';
	j->rq.fd = -1;
	for (i = 0; i < c->nhosts && i < MEDIA_UPLOAD_HOSTS; i++)
		snprintf(j->rq.hosts[i], sizeof(j->rq.hosts[i]), "%s", c->hosts[i]);
	j->rq.nhosts = i;
	snprintf(j->rq.auth, sizeof(j->rq.auth), "%s", c->auth);
	j->rq.type = it->type == MSG_ANS_IMAGE ? MEDIA_IMAGE : it->type == MSG_ANS_VIDEO ?
	    MEDIA_VIDEO : it->type == MSG_ANS_AUDIO ? MEDIA_AUDIO : MEDIA_DOCUMENT;
	/* whatsmeow mediaTypeToMMSType: a voice note goes up as "audio" */
	j->rq.mms = msg_ans_type_name(it->type);
	j->rq.ca_file = j->m->cfg.media.ca_file;
	j->rq.tmp_dir = o->send_dir;
	j->rq.max_bytes = j->m->cfg.answer.send_max_bytes;
	j->rq.cancel = &o->cancel;
	j->nroots = 0;
	if (o->send_dir[0] != '\0')
		j->roots[j->nroots++] = o->send_dir;
	if (o->media_dir[0] != '\0')
		j->roots[j->nroots++] = o->media_dir;
	free(j->path);
	j->path = strdup(it->path);
	atomic_store(&j->done, 0);
	j->step = S_UPLOAD;
	if (j->path == NULL || j->nroots == 0 ||
	    pthread_create(&j->thread, NULL, upload_thread, j) != 0) {
		j->res.rc = j->nroots == 0 ? -EPERM : -ENOMEM;
		snprintf(j->res.error, sizeof(j->res.error), "cannot start the upload");
		atomic_store(&j->done, 1);
	} else {
		j->thread_running = true;
	}
	job_wait(j, j->thread_running ? UPLOAD_POLL_MS : 0);
}

/* Logs one item's failure: its place and type, never its content. */
static void
item_failed(struct job *j, int rc, const char *why)
{
	const struct msg_ans_item *it = &j->ans.items[j->next];

	log_warnx("%s to %s: message %zu of %zu (%s) not sent: %s (%d)", j->bot_started ?
	    "send" : "answer", j->chat, j->next + 1, j->ans.n, msg_ans_type_name(it->type),
	    why, rc);
	if (j->bot_started)
		msg_status_note(j->m, j->ids[j->next], j->chat, MSG_OUT_FAILED, 0);
}

/*
 * What the outbox keys "one reply per inbound message" by (msg_outbox.c
 * msg_outbox_answered): the inbound id for an answer's first message,
 * "<id>/<n>" for its n-th; NULL for a send the bot started.
 */
static const char *
answer_key(const struct job *j, size_t i, char buf[MSG_ID_MAX + 8])
{
	if (j->inbound_id[0] == '\0')
		return NULL;
	if (i == 0)
		return j->inbound_id;
	snprintf(buf, MSG_ID_MAX + 8, "%s/%zu", j->inbound_id, i + 1);
	return buf;
}

/* 0 queued or failed for good (logged); -EBUSY the outbox is full: try
 * again later (unless last_try: then it failed). */
static int
item_send(struct job *j, bool last_try)
{
	const struct msg_ans_item *it = &j->ans.items[j->next];
	struct msg_compose_quote q = { .id = j->inbound_id, .participant = j->participant,
	    .pb = j->qpb, .len = j->qlen };
	struct msg_compose_in in = { .type = it->type, .text = it->text,
	    .latitude = it->latitude, .longitude = it->longitude, .name = it->name,
	    .address = it->address };
	struct msg_composed c;
	struct msg_out out;
	char answers[MSG_ID_MAX + 8];
	const char *base;
	int rc;

	if (it->quote && j->inbound_id[0] != '\0' && it->type != MSG_ANS_REACTION)
		in.quote = &q;
	if (msg_ans_type_is_media(it->type)) {
		base = strrchr(it->path, '/');
		in.media.url = j->res.url;
		in.media.direct_path = j->res.direct_path;
		in.media.mimetype = mime_of(it);
		in.media.caption = it->caption;
		in.media.file_name = it->file_name != NULL ? it->file_name :
		    base != NULL ? base + 1 : it->path;
		memcpy(in.media.media_key, j->res.media_key, MEDIA_KEY_LEN);
		memcpy(in.media.sha256, j->res.enc.sha256, MEDIA_SHA256_LEN);
		memcpy(in.media.enc_sha256, j->res.enc.enc_sha256, MEDIA_SHA256_LEN);
		in.media.file_length = j->res.enc.file_length;
		in.media.ptt = it->ptt;
		in.media.media_key_ts = (int64_t)(clock_wall_ms() / 1000);
	}
	if (it->type == MSG_ANS_REACTION) {
		const char *target = it->target_id != NULL ? it->target_id :
		    j->inbound_id[0] != '\0' ? j->inbound_id : NULL;

		if (target == NULL) {
			item_failed(j, -EINVAL, "a reaction needs targetId");
			return 0;
		}
		in.key_remote_jid = j->chat;
		in.key_id = target;
		/* our own message: fromMe (Baileys react.key as the message's key) */
		in.key_from_me = msg_sent_find(j->m, target) != NULL;
		in.emoji = it->emoji;
		in.sender_ts_ms = (int64_t)clock_wall_ms();
	}
	rc = msg_compose(&in, &c);
	sodium_memzero(in.media.media_key, sizeof(in.media.media_key));
	if (rc != 0) {
		item_failed(j, rc, "cannot compose it");
		return 0;
	}
	out.pb = c.pb;
	out.len = c.len;
	out.type = c.type;
	out.mediatype = c.mediatype[0] != '\0' ? c.mediatype : NULL;
	out.id = j->bot_started ? j->ids[j->next] : NULL;
	rc = msg_send_content(j->m, j->chat, &out, answer_key(j, j->next, answers), NULL);
	sodium_memzero(c.pb, c.len);
	msg_composed_fini(&c);
	if (rc == -EBUSY && !last_try)
		return -EBUSY;	/* the upload's key is kept for the next try */
	sodium_memzero(j->res.media_key, sizeof(j->res.media_key));
	if (rc < 0)
		item_failed(j, rc, "not queued");
	else
		log_info("%s to %s: message %zu of %zu (%s) queued", j->bot_started ?
		    "send" : "answer", j->chat, j->next + 1, j->ans.n,
		    msg_ans_type_name(it->type));
	return 0;
}

static void
job_run(struct job *j)
{
	struct msg_answers *o = j->m->answers;
	const struct msg_ans_item *it;
	char key[MSG_ID_MAX + 8];
	const char *k;
	uint64_t now, wait;
	int rc;

	if (!job_is_first(j))
		return;
	while (j->next < j->ans.n) {
		it = &j->ans.items[j->next];
		now = clock_mono_ms();
		switch (j->step) {
		case S_PACE:
			/* an answer made again (the hook ran again after a
			 * crash): what reached the outbox before goes once */
			if ((k = answer_key(j, j->next, key)) != NULL &&
			    msg_outbox_answered(&j->m->outbox, k) != NULL) {
				log_info("answer to %s: message %zu of %zu already in the "
				    "outbox; not sent twice", j->chat, j->next + 1, j->ans.n);
				j->next++;
				continue;
			}
			if ((wait = msg_pace_take(&o->pace, j->chat, now)) > 0) {
				if (!j->paced)
					log_info("%s to %s: message %zu of %zu waits %llu ms "
					    "(pacing)", j->bot_started ? "send" : "answer",
					    j->chat, j->next + 1, j->ans.n,
					    (unsigned long long)wait);
				j->paced = true;
				job_wait(j, wait);
				return;
			}
			j->paced = false;
			j->step = S_TYPING;
			/* fall through */
		case S_TYPING:
			j->typing = j->m->cfg.answer.typing_ms > 0;
			if (j->typing) {
				send_chatstate(j, "composing", it->type == MSG_ANS_AUDIO && it->ptt);
				j->typing_until = now + j->m->cfg.answer.typing_ms;
			}
			j->auth_retried = false;
			j->res.rc = 0;
			j->conn_since = now;
			j->step = msg_ans_type_is_media(it->type) ? S_ASK_CONN : S_SEND;
			break;
		case S_ASK_CONN:
			j->step = S_CONN;
			if ((rc = msg_media_conn_get(j->m->dl, false, on_conn, j)) == 0)
				return;		/* on_conn continues */
			if (rc == -ENOTCONN && now - j->conn_since < CONN_WAIT_MS) {
				j->step = S_ASK_CONN;	/* the link is down: later */
				job_wait(j, CONN_RETRY_MS);
				return;
			}
			item_failed(j, rc, "no media connection");
			j->res.rc = rc;
			j->step = S_SEND;	/* skipped there */
			break;
		case S_CONN:
			return;		/* waiting for on_conn */
		case S_UPLOAD:
			if (!atomic_load(&j->done)) {
				job_wait(j, UPLOAD_POLL_MS);
				return;
			}
			if (j->thread_running) {
				pthread_join(j->thread, NULL);
				j->thread_running = false;
			}
			if (j->rq.fd >= 0) {
				close(j->rq.fd);
				j->rq.fd = -1;
			}
			if (j->res.rc == -EACCES && !j->auth_retried) {
				/* the auth expired before its ttl: ask again, once */
				j->auth_retried = true;
				j->step = S_CONN;
				if (msg_media_conn_get(j->m->dl, true, on_conn, j) == 0)
					return;
				j->step = S_UPLOAD;
			}
			if (j->res.rc == -ETIMEDOUT && now - j->conn_since < CONN_WAIT_MS) {
				/* media_conn unanswered (the link fell): ask again later */
				j->step = S_ASK_CONN;
				job_wait(j, CONN_RETRY_MS);
				return;
			}
			if (j->res.rc != 0)
				item_failed(j, j->res.rc, j->open_err[0] ? j->open_err :
				    j->res.error[0] ? j->res.error : "upload failed");
			else
				log_info("%s to %s: message %zu (%s) uploaded (%llu bytes)",
				    j->bot_started ? "send" : "answer", j->chat, j->next + 1,
				    msg_ans_type_name(it->type),
				    (unsigned long long)j->res.enc.file_length);
			j->step = S_SEND;
			break;
		case S_SEND:
			if (j->typing && now < j->typing_until) {
				job_wait(j, j->typing_until - now);
				return;
			}
			if (j->typing)
				send_chatstate(j, "paused", false);
			j->typing = false;
			if (j->res.rc == 0 && item_send(j, now - j->conn_since >=
			    CONN_WAIT_MS) == -EBUSY) {
				log_debug("%s to %s: message %zu waits for room in the "
				    "outbox", j->bot_started ? "send" : "answer", j->chat,
				    j->next + 1);
				job_wait(j, OUTBOX_RETRY_MS);
				return;
			}
			j->next++;
			j->step = S_PACE;
			break;
		}
	}
	job_done(j);
}

static int
job_start(struct msg *m, const char *chat, struct msg_ans *ans,
    const struct msg_answer_ctx *ctx, struct job **out)
{
	struct msg_answers *o = state(m);
	struct job *j;

	*out = NULL;
	if (o == NULL)
		return -ENOMEM;
	if (m->cfg.cx == NULL)
		return -ENOTSUP;
	if (o->njobs >= JOBS_MAX)
		return -EBUSY;
	if (strlen(chat) >= MSG_JID_MAX || (j = calloc(1, sizeof(*j))) == NULL)
		return strlen(chat) >= MSG_JID_MAX ? -EINVAL : -ENOMEM;
	j->m = m;
	j->rq.fd = -1;
	snprintf(j->chat, sizeof(j->chat), "%s", chat);
	if (ctx != NULL && ctx->inbound_id != NULL && strlen(ctx->inbound_id) < MSG_ID_MAX) {
		snprintf(j->inbound_id, sizeof(j->inbound_id), "%s", ctx->inbound_id);
		/* a quote names the sender as a user JID (Baileys jidNormalizedUser) */
		if (msg_jid_non_ad(ctx->inbound_sender_jid != NULL ?
		    ctx->inbound_sender_jid : chat, j->participant, sizeof(j->participant)) < 0)
			snprintf(j->participant, sizeof(j->participant), "%s", chat);
		if (ctx->inbound_pb != NULL && ctx->inbound_len > 0 &&
		    (j->qpb = malloc(ctx->inbound_len)) != NULL) {
			memcpy(j->qpb, ctx->inbound_pb, ctx->inbound_len);
			j->qlen = ctx->inbound_len;
		}
	}
	if (ctx != NULL)
		j->answered = ctx->done;
	j->ans = *ans;
	memset(ans, 0, sizeof(*ans));
	TAILQ_INSERT_TAIL(&o->jobs, j, entry);
	o->njobs++;
	*out = j;
	return 0;
}

int
msg_answer(struct msg *m, const struct msg_answer_ctx *ctx, const char *reply, size_t len)
{
	char err[MSG_ANS_ERR_MAX];
	struct msg_ans ans;
	struct job *j;
	int rc;

	if ((rc = msg_ans_parse(reply, len, &ans, err)) != 0) {
		if (rc == -ENODATA)
			log_info("hook for %s: no output; no reply", ctx->chat);
		else
			log_warnx("hook for %s: answer refused: %s; no reply", ctx->chat, err);
		return rc;
	}
	if ((rc = job_start(m, ctx->chat, &ans, ctx, &j)) < 0) {
		log_warn(rc, "hook for %s: answer not queued", ctx->chat);
		msg_ans_fini(&ans);
		return rc;
	}
	job_run(j);
	return 0;
}

int
msg_send_request(struct msg *m, const char *to, const char *json, size_t len,
    char id_out[], char type_out[MSG_SEND_TYPE_MAX],
    char why[MSG_SEND_WHY_MAX])
{
	char err[MSG_ANS_ERR_MAX], chat[MSG_JID_MAX], own[16];
	struct msg_ans ans;
	json_t *root;
	struct job *j;
	char *body;
	size_t i;
	int rc;

	if (to == NULL || to[0] == '\0' || strspn(to, "0123456789") != strlen(to) ||
	    strlen(to) > 20)
		return -EINVAL;
	if (!whitelist_has(m->cfg.wl, to))
		return -EPERM;
	/* the POST body: its "to" is ours, the rest is a hook answer */
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !(json_is_object(root) || json_is_array(root))) {
		json_decref(root);
		log_warnx("send to %s: not a JSON object or array", to);
		if (why != NULL)
			snprintf(why, MSG_SEND_WHY_MAX, "the body is not a JSON "
			    "object or array");
		return -EINVAL;
	}
	if (json_is_object(root))
		json_object_del(root, "to");
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (body == NULL)
		return -ENOMEM;
	rc = msg_ans_parse(body, strlen(body), &ans, err);
	free(body);
	if (rc != 0) {
		log_warnx("send to %s refused: %s", to, err);
		if (why != NULL)
			snprintf(why, MSG_SEND_WHY_MAX, "%s", err);
		return rc;
	}
	snprintf(chat, sizeof(chat), "%s@s.whatsapp.net", to);
	if ((rc = job_start(m, chat, &ans, NULL, &j)) < 0) {
		msg_ans_fini(&ans);
		return rc;
	}
	j->bot_started = true;
	msg_own_phone(m, own);
	for (i = 0; i < j->ans.n; i++) {
		char id[MSG_ID_LEN + 1];

		msg_new_id(id, own[0] != '\0' ? own : NULL);
		snprintf(j->ids[i], sizeof(j->ids[i]), "%s", id);
		msg_status_note_queued(m, id, chat,
		    msg_ans_type_name(j->ans.items[i].type));
	}
	if (id_out != NULL)
		snprintf(id_out, MSG_ID_MAX, "%s", j->ids[0]);
	if (type_out != NULL)
		snprintf(type_out, MSG_SEND_TYPE_MAX, "%s",
		    msg_ans_type_name(j->ans.items[0].type));
	job_run(j);
	return 0;
}

void
msg_answer_free(struct msg *m)
{
	struct msg_answers *o = m->answers;
	struct job *j;

	if (o == NULL)
		return;
	atomic_store(&o->cancel, 1);	/* uploads stop at their next chunk */
	while ((j = TAILQ_FIRST(&o->jobs)) != NULL)
		job_free(j);
	free(o);
	m->answers = NULL;
}
