/*
 * msg.c: the message module's setup and routing: stanzas from the link
 * go to msg_recv.c (messages), msg_retry.c (retry receipts), here
 * (notifications: LID mappings, privacy tokens, identity changes; the
 * offline backlog's <ib>), iq answers and the server's acks of our
 * sends to msg_send.c; one sweep timer, armed only while something
 * waits (an iq, a server ack, a LID sender), gives up on unanswered iqs
 * and on LID senders no mapping arrived for: an idle worker has no timer
 * here. The LID map and the privacy
 * tokens are loaded here and saved whenever they change.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "clock.h"
#include "binary/bn.h"
#include "ipc/worker_ipc.h"
#include "link/link.h"
#include "log.h"
#include "signal/sig.h"
#include "store/creds.h"
#include "store/store.h"
#include "store/store_async.h"
#include "store/store_writer.h"
#include "whitelist/lidmap.h"
#include "whitelist/whitelist.h"

#include "msg_internal.h"
#include "msg_journal.h"
#include "msg_stanza.h"
#include "msg_tctoken.h"

#define MSG_SWEEP_MS	1000

bool
msg_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < cap;
}

const struct creds *
msg_creds(struct msg *m)
{
	return m->link != NULL ? link_creds(m->link) : NULL;
}

static const struct creds *
sig_creds(void *arg)
{
	return msg_creds(arg);
}

void
msg_new_iq_id(struct msg *m, char out[MSG_IQ_ID_MAX])
{
	snprintf(out, MSG_IQ_ID_MAX, "msg.%u.%u", (unsigned)(clock_mono_ms() % 100000),
	    ++m->iq_next);
}

int
msg_send(struct msg *m, const struct bn_node *n)
{
	if (m->link == NULL)
		return -ENOTCONN;
	return link_send_node(m->link, n);
}

/* A send job's answer finds its job by id; silence is the job sweep's. */
static void
on_iq_answer(void *arg, const struct bn_node *iq, int err)
{
	(void)err;
	if (iq != NULL)
		msg_send_on_result(arg, iq);
}

int
msg_send_iq(struct msg *m, struct bn_node *iq, bool answer)
{
	if (m->link == NULL)
		return -ENOTCONN;
	return link_iq_send(m->link, iq, MSG_IQ_TIMEOUT_MS,
	    answer ? on_iq_answer : NULL, m);
}

int
msg_jid_split(const char *jid, char *user, size_t ucap, uint32_t *device,
    bool *lid)
{
	struct bn_jid j;

	if (jid == NULL || bn_jid_parse(jid, strlen(jid), &j) < 0 ||
	    j.user_len == 0 || j.user_len >= ucap)
		return -EINVAL;
	memcpy(user, j.user, j.user_len);
	user[j.user_len] = '\0';
	*device = j.device > 0 ? (uint32_t)j.device : 0;
	*lid = j.server_len == 3 && memcmp(j.server, "lid", 3) == 0;
	return 0;
}

/* whatsmeow types.JID.ToNonAD: user@server, device and agent dropped. */
int
msg_jid_non_ad(const char *jid, char *out, size_t cap)
{
	struct bn_jid j;

	if (jid == NULL || bn_jid_parse(jid, strlen(jid), &j) < 0 ||
	    j.user_len == 0)
		return -EINVAL;
	j.device = -1;
	j.agent = -1;
	return bn_jid_format(&j, out, cap, NULL) < 0 ? -EINVAL : 0;
}

void
msg_own_phone(struct msg *m, char out[16])
{
	const struct creds *c = msg_creds(m);

	out[0] = '\0';
	if (c != NULL)
		creds_phone(c, out);
}

bool
msg_is_own_user(struct msg *m, const char *user, bool lid)
{
	const struct creds *c = msg_creds(m);
	char me[MSG_JID_MAX], phone[16];
	uint32_t dev;
	bool l;

	if (c == NULL)
		return false;
	if (!lid) {
		msg_own_phone(m, phone);
		return phone[0] != '\0' && strcmp(phone, user) == 0;
	}
	return c->me_lid[0] != '\0' &&
	    msg_jid_split(c->me_lid, me, sizeof(me), &dev, &l) == 0 &&
	    strcmp(me, user) == 0;
}

/*
 * Sessions are keyed by number, so a contact moving to LID keeps its
 * own; a LID no mapping is known for is its own address.
 */
void
msg_address_name(struct msg *m, const char *user, bool lid, char out[MSG_JID_MAX])
{
	const char *mapped;
	char own[16];

	if (!lid) {
		msg_fmt(out, MSG_JID_MAX, "%s", user);
	} else if ((mapped = lidmap_phone(m->lids, user)) != NULL) {
		msg_fmt(out, MSG_JID_MAX, "%s", mapped);
	} else if (msg_is_own_user(m, user, true)) {
		msg_own_phone(m, own);
		msg_fmt(out, MSG_JID_MAX, "%s", own);
	} else if (!msg_fmt(out, MSG_JID_MAX, "%s@lid", user)) {
		out[0] = '\0';
	}
}

/* On the loop, after each write of the privacy tokens. */
static void
tct_written(void *arg, int rc, size_t file_len)
{
	(void)arg, (void)file_len;
	if (rc < 0)
		log_warn(rc, "message: could not save the privacy tokens; they "
		    "are kept in memory and saved with the next change");
}

/*
 * The loop encodes the table; the store writer (the worker's) writes it
 * (store_async.h: tokens arriving in a burst cost one write). The
 * notification is acked before the write is done (as whatsmeow does
 * without SynchronousAck): a crash in those milliseconds loses that
 * token, which is safe: sends to the contact go without one, as before
 * the contact first issued it, until its next issuance (each new 7-day
 * bucket, TCTOKEN_BUCKET_S) or a rotation brings a new one; a clean stop
 * writes it (msg_journal_free runs the writer's queue).
 */
static void
tct_save(struct msg *m)
{
	uint8_t *b;
	size_t len;
	int rc;

	if ((rc = tctokens_encode(m->tct, &b, &len)) == 0) {
		rc = m->tct_out != NULL ? store_async_put(m->tct_out, b, len) :
		    store_put(m->cfg.st, TCTOKEN_BLOB, b, len);
		sodium_memzero(b, len);
		free(b);
	}
	if (rc < 0)
		tct_written(m, rc, 0);
}

/*
 * A mapping goes to the store writer's queue before the stanza that
 * taught it is decrypted (identify() runs first): Signal sessions of a
 * LID contact are kept under its number (msg_address_name), and the
 * commit holding them, and the acks waiting on it, comes later in the
 * same queue, so a session filed under a number is never durable before
 * the mapping that finds it. No lidlog (no writer yet, or stopping): in
 * place.
 */
static int
lid_save(struct msg *m, const char *lid, const char *pn)
{
	struct lidmap_log *lg;
	int rc;

	if (m->lidlog != NULL)
		return lidmap_log_learnt(m->lidlog, lid, pn);
	if ((rc = lidmap_log_open(NULL, m->cfg.st, m->lids, &lg)) < 0)
		return rc;
	rc = lidmap_log_learnt(lg, lid, pn);
	lidmap_log_free(lg);
	return rc;
}

/*
 * A token that came while the contact was known by LID only is the
 * number's once the mapping arrives: sends look tokens up by the
 * address name, which is then the number.
 */
static void
tct_move(struct msg *m, const char *lid, const char *pn)
{
	char key[MSG_JID_MAX];
	const uint8_t *tok;
	uint8_t copy[TCTOKEN_LEN_MAX];
	size_t len;
	uint64_t t;

	if (!msg_fmt(key, sizeof(key), "%s@lid", lid) ||
	    (tok = tctokens_peek(m->tct, key, &len, &t)) == NULL)
		return;
	memcpy(copy, tok, len);
	tctokens_put(m->tct, pn, copy, len, t);
	tctokens_del(m->tct, key);
	sodium_memzero(copy, sizeof(copy));
	tct_save(m);
}

int
msg_lid_learn(struct msg *m, const char *lid_jid, const char *pn_jid)
{
	char lid[MSG_JID_MAX], pn[MSG_JID_MAX];
	uint32_t d1, d2;
	bool l1, l2;
	int rc;

	if (msg_jid_split(lid_jid, lid, sizeof(lid), &d1, &l1) < 0 || !l1 ||
	    msg_jid_split(pn_jid, pn, sizeof(pn), &d2, &l2) < 0 || l2)
		return -EINVAL;
	if ((rc = lidmap_put(m->lids, lid, pn)) == 1) {
		log_info("message: LID %s is %s (saved)", lid, pn);
		/* one appended line (whitelist/lidmap_log.c) */
		if ((rc = lid_save(m, lid, pn)) < 0)
			log_warn(rc, "message: could not save the LID map; it is "
			    "kept in memory and saved when next compacted");
		rc = 0;
		tct_move(m, lid, pn);
		msg_lid_replay(m, lid);
	}
	return rc < 0 ? rc : 0;
}

int
msg_lid_learn_served(struct msg *m, const char *lid_jid, const char *pn_jid)
{
	char pn[MSG_JID_MAX];
	uint32_t dev;
	bool lid;

	if (msg_jid_split(pn_jid, pn, sizeof(pn), &dev, &lid) < 0 || lid)
		return -EINVAL;
	if (!whitelist_has(m->cfg.wl, pn) && !msg_is_own_user(m, pn, false))
		return 0;
	return msg_lid_learn(m, lid_jid, pn_jid);
}

void
msg_lid_learn_many(struct msg *m, const struct msg_lid_pair *p, size_t n)
{
	char lid[24], pn[24];
	size_t i, learnt = 0;

	for (i = 0; i < n; i++) {
		snprintf(lid, sizeof(lid), "%llu", (unsigned long long)p[i].lid);
		snprintf(pn, sizeof(pn), "%llu", (unsigned long long)p[i].pn);
		if (lidmap_put(m->lids, lid, pn) == 1) {
			learnt++;
			if (lid_save(m, lid, pn) < 0)
				log_warnx("message: could not save LID %s; it is kept "
				    "in memory and saved when next compacted", lid);
			tct_move(m, lid, pn);
			msg_lid_replay(m, lid);
		}
	}
	if (learnt == 0)
		return;
	log_info("message: LID migration sync: %zu new mapping%s of %zu (saved)",
	    learnt, learnt == 1 ? "" : "s", n);
}

const char *
msg_lid_phone(struct msg *m, const char *lid_user)
{
	return lidmap_phone(m->lids, lid_user);
}

void
msg_publish(struct msg *m, bool accepted, const char *from, const char *id,
    const char *reason, uint64_t t_s)
{
	struct worker_ipc_message e = {
		.accepted = accepted, .from = from, .id = id, .reason = reason,
		.t_ms = t_s * 1000,
	};

	if (m->cfg.ipc != NULL)
		worker_ipc_publish_message(m->cfg.ipc, &e);
}

const uint8_t *
msg_tctoken(struct msg *m, const char *name, size_t *len)
{
	return tctokens_get(m->tct, name, (uint64_t)time(NULL), len);
}

size_t
msg_store_counts(const struct msg *m, struct msg_store_count out[MSG_STORES])
{
	const struct { const char *name; const struct job_store *js; } v[] = {
		{ "outbox", &m->outbox.js },
		{ "lid_holds", &m->held_js },
		{ "auto_reply_marks", &m->auto_js },
		{ "retry_counts", &m->retries_js },
		{ "retry_answers", &m->retry_in_js },
		{ "recreated_sessions", &m->recreated_js },
		{ "token_issuances", &m->issued_js },
		{ "inbox", NULL },
	};
	size_t i;

	_Static_assert(sizeof(v) / sizeof(v[0]) == MSG_STORES, "MSG_STORES");
	for (i = 0; i < MSG_STORES; i++) {
		out[i].store = v[i].name;
		out[i].evicted = v[i].js != NULL ? v[i].js->evicted : 0;
		out[i].refused = v[i].js != NULL ? v[i].js->refused :
		    m->inbox_refused;
	}
	return MSG_STORES;
}

static bool
sweep_needed(const struct msg *m)
{
	size_t i;

	if (m->nheld > 0 || msg_inbox_waiting(m))
		return true;
	for (i = 0; i < m->outbox.n; i++)
		if (job_state_active(m->outbox.v[i].h.state))
			return true;	/* queued, waiting, or sent without ack */
	for (i = 0; i < MSG_JOBS_MAX; i++)
		if (m->jobs[i].used)
			return true;
	return false;
}

static void
sweep(lws_sorted_usec_list_t *sul)
{
	struct msg *m = lws_container_of(sul, struct msg, sul_sweep);
	uint64_t now = clock_mono_ms();

	m->sweep_armed = false;
	msg_send_sweep(m, now);
	msg_lid_sweep(m, now);
	msg_inbox_sweep(m, now);
	if (sweep_needed(m))
		msg_sweep_arm(m);
}

/*
 * A once-a-second timer that ran whether or not anything waited woke
 * every idle worker 30 times per heartbeat: 1 000 idle workers cost a
 * quarter of a core (issue 15). It now runs only while something waits.
 */
void
msg_sweep_arm(struct msg *m)
{
	if (m->cfg.cx == NULL || m->sweep_armed)
		return;
	m->sweep_armed = true;
	lws_sul_schedule(m->cfg.cx, 0, &m->sul_sweep, sweep,
	    MSG_SWEEP_MS * LWS_US_PER_MS);
}

/* A whitelisted number's mapping is never evicted for a stranger's. */
static bool
lid_pinned(void *arg, const char *phone)
{
	struct msg *m = arg;

	return m->cfg.wl != NULL && whitelist_has(m->cfg.wl, phone);
}

static void
load_blobs(struct msg *m)
{
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	lidmap_pin(m->lids, lid_pinned, m);
	rc = lidmap_log_load(m->cfg.st, m->lids);
	if (rc < 0 && rc != -ENOENT)
		log_warn(rc, "message: the saved LID map is unreadable; LID "
		    "senders wait for a mapping again");
	else if (rc == 0)
		log_info("message: %zu LID mappings", lidmap_count(m->lids));
	if ((rc = store_get(m->cfg.st, TCTOKEN_BLOB, &b, &len)) != -ENOENT) {
		if (rc == 0) {
			rc = tctokens_load(m->tct, b, len);
			sodium_memzero(b, len);
		}
		free(b);
		if (rc < 0)
			log_warn(rc, "message: the saved privacy tokens are "
			    "unreadable; contacts send new ones");
	}
}

/* The journal's compaction: every record still live. */
static int
journal_live(void *arg, struct msg_journal *j)
{
	struct msg *m = arg;
	int rc;

	if ((rc = msg_outbox_live(m, j)) < 0 || (rc = msg_lid_live(m, j)) < 0)
		return rc;
	/* inbound last: a JR_DONE can never precede what it closes */
	return msg_inbox_live(m, j);
}

static int
journal_replay(void *arg, const struct jrec *r)
{
	struct msg *m = arg;

	switch (r->type) {
	case JR_IN:
	case JR_DONE:
		return msg_inbox_replay(m, r);
	case JR_OUT:
	case JR_ACKED:
		return msg_outbox_replay(m, r);
	case JR_HELD:
	case JR_RELEASED:
		return msg_lid_replay_rec(m, r);
	default:
		return 0;
	}
}

static void
journal_load(struct msg *m)
{
	size_t i, unacked = 0;
	int rc;

	if ((rc = msg_journal_load(m->journal, journal_replay, m)) < 0) {
		log_error(rc, "message journal: unreadable; messages it held "
		    "are not served again");
		/* kept for whoever can read it, never compacted over */
		if ((rc = msg_journal_set_aside(m->journal)) < 0)
			log_warn(rc, "message journal: could not set it aside");
		else
			log_warnx("message journal: kept as journal.log.unreadable "
			    "in the session directory");
		return;
	}
	for (i = 0; i < m->outbox.n; i++)
		unacked += !m->outbox.v[i].acked;
	if (m->ninbox > 0 || unacked > 0 || m->nheld > 0)
		log_info("message journal: %zu message%s to serve again, %zu "
		    "send%s not acked, %zu waiting for a LID mapping", m->ninbox,
		    m->ninbox == 1 ? "" : "s", unacked, unacked == 1 ? "" : "s",
		    m->nheld);
}

static int
media_send(void *arg, const struct bn_node *n)
{
	return msg_send(arg, n);
}

int
msg_new(const struct msg_cfg *cfg, struct msg **out)
{
	struct msg *m;
	int rc;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->cfg = *cfg;
	snprintf(m->auto_reply, sizeof(m->auto_reply), "%s",
	    cfg->auto_reply ? cfg->auto_reply : "");
	m->cfg.auto_reply = m->auto_reply;
	if ((m->lids = lidmap_new()) == NULL || (m->tct = tctokens_new()) == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	if ((rc = sig_new(cfg->st, sig_creds, m, &m->sig)) < 0 ||
	    (rc = hook_new(cfg->cx, &cfg->hook, msg_hook_done, m, &m->hook)) < 0 ||
	    (rc = msg_media_new(cfg->cx, &cfg->media, m->hook, media_send, m,
	    &m->dl)) < 0)
		goto out_free;
	load_blobs(m);
	msg_outbox_init(&m->outbox, MSG_OUTBOX_MAX, MSG_OUTBOX_BYTES);
	job_store_init(&m->held_js, "LID holds", MSG_HELD_MAX);
	job_store_init(&m->auto_js, "auto-reply marks", MSG_AUTO_REPLY_SLOTS);
	job_store_init(&m->retries_js, "retry counts", MSG_RETRY_SLOTS);
	job_store_init(&m->retry_in_js, "retry answers", MSG_RETRY_SLOTS);
	job_store_init(&m->recreated_js, "recreated sessions", MSG_RETRY_SLOTS);
	job_store_init(&m->issued_js, "token issuances", MSG_ISSUED_SLOTS);
	/* issue 12: Signal state rides the journal's group commit */
	if ((rc = msg_journal_open(cfg->cx, cfg->writer, cfg->st, m->sig,
	    journal_live, m, &m->journal)) < 0)
		goto out_free;
	if ((rc = lidmap_log_open(cfg->writer, cfg->st, m->lids,
	    &m->lidlog)) < 0 ||
	    (rc = store_async_new(cfg->writer, cfg->st,
	    TCTOKEN_BLOB, STORE_ASYNC_BLOB, tct_written, m, &m->tct_out)) < 0)
		goto out_free;
	sig_write_back(m->sig, true);
	journal_load(m);
	*out = m;
	return 0;
out_free:
	msg_free(m);
	return rc;
}

void
msg_attach_link(struct msg *m, struct link *l)
{
	m->link = l;
}

void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	if (m->cfg.cx != NULL)
		lws_sul_cancel(&m->sul_sweep);
	/* the last commit, in place, before what it reads goes */
	if (m->journal != NULL) {
		struct msg_journal_stats js;

		msg_journal_get_stats(m->journal, &js);
		log_info("message journal: %llu records in %llu group commits "
		    "(%llu compactions, %llu failed)", (unsigned long long)js.records,
		    (unsigned long long)js.commits,
		    (unsigned long long)js.compactions,
		    (unsigned long long)js.failures);
	}
	msg_journal_free(m->journal);	/* runs the writer's queue */
	m->journal = NULL;
	store_writer_drain(m->cfg.writer);	/* what the last commit queued */
	lidmap_log_free(m->lidlog);
	m->lidlog = NULL;
	store_async_free(m->tct_out);
	m->tct_out = NULL;
	msg_send_free_all(m);
	msg_lid_free_all(m);
	msg_answer_free(m);
	msg_inbox_free_all(m);
	msg_outbox_free(&m->outbox);
	msg_media_free(m->dl);
	hook_free(m->hook);
	sig_free(m->sig);
	lidmap_free(m->lids);
	tctokens_free(m->tct);
	free(m);
}

/* The notification's sender as an address name; false when unusable. */
static bool
notif_sender(struct msg *m, const struct bn_node *n, char name[MSG_JID_MAX])
{
	char user[MSG_JID_MAX];
	uint32_t dev;
	bool lid;

	if (msg_jid_split(bn_node_attr(n, "from"), user, sizeof(user), &dev, &lid) < 0)
		return false;
	msg_address_name(m, user, lid, name);
	return name[0] != '\0';
}

/* whatsmeow notification.go handlePrivacyTokenNotification. */
static void
on_privacy_token(struct msg *m, const struct bn_node *n)
{
	const struct bn_node *tokens = bn_node_peek_child_by_tag(n, "tokens");
	char name[MSG_JID_MAX];
	size_t i, cnt = tokens ? bn_node_child_count(tokens) : 0;
	bool changed = false;

	if (tokens == NULL || !notif_sender(m, n, name)) {
		log_warnx("message: privacy_token notification without a usable "
		    "sender or <tokens>; ignored");
		return;
	}
	for (i = 0; i < cnt; i++) {
		const struct bn_node *t = bn_node_peek_child(tokens, i);
		const char *type = bn_node_attr(t, "type"), *ts = bn_node_attr(t, "t");
		const uint8_t *b;
		size_t len;

		if (!bn_node_tag_is(t, "token") || type == NULL ||
		    strcmp(type, "trusted_contact") != 0 ||
		    (b = bn_node_peek_bytes(t, &len)) == NULL)
			continue;
		if (tctokens_put(m->tct, name, b, len,
		    ts != NULL ? strtoull(ts, NULL, 10) : 0) == 1)
			changed = true;
	}
	if (changed) {
		log_info("message: privacy token from %s stored", name);
		tct_save(m);
	}
}

/* whatsmeow notification.go handleEncryptNotification, <identity/>. */
static void
on_identity_change(struct msg *m, const struct bn_node *n)
{
	char name[MSG_JID_MAX];
	int rc;

	if (!notif_sender(m, n, name))
		return;
	if ((rc = sig_forget(m->sig, name)) < 0)
		log_warn(rc, "message: %s changed identity; could not drop the "
		    "old sessions", name);
	else
		log_info("message: %s reinstalled (identity changed); its "
		    "identity and %d session file%s dropped", name, rc,
		    rc == 1 ? "" : "s");
}

static void
on_notification(struct msg *m, const struct bn_node *n)
{
	const char *type = bn_node_attr(n, "type");
	size_t i, cnt = bn_node_child_count(n);

	if (msg_media_on_notification(m->dl, n))
		return;
	if (type != NULL && strcmp(type, "privacy_token") == 0) {
		on_privacy_token(m, n);
		return;
	}
	if (type != NULL && strcmp(type, "encrypt") == 0 &&
	    bn_node_peek_child_by_tag(n, "identity") != NULL) {
		on_identity_change(m, n);
		return;
	}
	/* whatsmeow handleDeviceNotification: <notification type=devices lid>. */
	if (type != NULL && strcmp(type, "devices") == 0 &&
	    bn_node_attr(n, "lid") != NULL && bn_node_attr(n, "from") != NULL)
		msg_lid_learn_served(m, bn_node_attr(n, "lid"),
		    bn_node_attr(n, "from"));
	/* Mappings the server pushes elsewhere: any child carrying both forms. */
	for (i = 0; i < cnt; i++) {
		const struct bn_node *c = bn_node_peek_child(n, i);
		const char *lid = bn_node_attr(c, "lid"), *pn = bn_node_attr(c, "pn");

		if (lid != NULL && pn != NULL)
			msg_lid_learn_served(m, lid, pn);
	}
}

/* Baileys socket.ts 'CB:ib,,offline_preview': ask for the backlog. */
static void
on_ib(struct msg *m, const struct bn_node *n)
{
	const struct bn_node *off;
	struct bn_node *batch;

	/* Either marker means the passive iq was taken: sends are heard. */
	if (bn_node_peek_child_by_tag(n, "offline_preview") != NULL ||
	    bn_node_peek_child_by_tag(n, "offline") != NULL) {
		if (!m->resumed) {	/* what the journal held before a restart */
			m->resumed = true;
			msg_send_resume(m);
			msg_inbox_resume(m);
		}
		msg_send_link_ready(m);
	}
	if (bn_node_peek_child_by_tag(n, "offline_preview") != NULL) {
		if ((batch = msg_stanza_offline_batch(MSG_OFFLINE_BATCH)) == NULL ||
		    msg_send(m, batch) < 0)
			log_warnx("message: could not ask for the offline backlog");
		else
			log_info("message: offline backlog announced; asked for "
			    "%u at a time", MSG_OFFLINE_BATCH);
		bn_node_free(batch);
	} else if ((off = bn_node_peek_child_by_tag(n, "offline")) != NULL) {
		log_info("message: offline backlog delivered (%s stanzas)",
		    bn_node_attr(off, "count") ? bn_node_attr(off, "count") : "?");
	}
}

static void
on_receipt(struct msg *m, const struct bn_node *n)
{
	const char *type = bn_node_attr(n, "type");

	msg_status_on_receipt(m, n);
	if (type != NULL && strcmp(type, "retry") == 0)
		msg_retry_on_receipt(m, n);
}

void
msg_on_stanza(void *arg, const struct bn_node *n)
{
	struct msg *m = arg;
	const char *tag = bn_node_tag(n);

	if (strcmp(tag, "message") == 0)
		msg_recv_message(m, n, false);
	else if (strcmp(tag, "receipt") == 0)
		on_receipt(m, n);
	else if (strcmp(tag, "notification") == 0)
		on_notification(m, n);
	else if (strcmp(tag, "ib") == 0)
		on_ib(m, n);
	else if (strcmp(tag, "ack") == 0)
		msg_send_on_ack(m, n);
	else if (strcmp(tag, "iq") == 0)
		msg_media_on_iq(m->dl, n);	/* ours come through msg_send_iq */
}
