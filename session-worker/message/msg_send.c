/*
 * msg_send.c: outgoing 1:1 messages (protocol-notes §8), as whatsmeow
 * send.go sendDM does it. A send is a small job on the loop: usync for
 * the chat's and our own devices (the chat is a user JID, never a
 * device: SendMessage refuses one), one key-bundle fetch for devices
 * without a session, then one <message to=chat> with a <to> per device
 * (ours get a deviceSentMessage), our full <device-identity> whenever a
 * pkmsg is inside, and the contact's privacy token (<tctoken>, whatsmeow
 * ensureTCToken) when we hold one. Sessions are saved by sig_encrypt()
 * before the stanza leaves. The server's <ack> decides: with an error
 * attribute (463: no privacy token, ...) the send failed and is
 * reported over IPC, never logged as sent. Sent bodies stay in the
 * outbox, acked, so retry receipts can be answered (msg_retry.c).
 *
 * Every step moves the send's state through msg_job.c's table: the
 * state is its outbox entry's header (queued, wait_link, usync, keys,
 * sent, kept or failed); a send_job is only the work of an active step
 * (iq id, deadline, devices), at most MSG_JOBS_MAX at once.
 *
 * No cstoken: whatsmeow derives it from an NCT salt that arrives by app
 * state sync, which this worker does not run; without the salt
 * whatsmeow sends none either (cstoken.go generateCsToken).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "clock.h"
#include "binary/bn.h"
#include "ipc/worker_ipc.h"
#include "link/account.h"
#include "link/link.h"
#include "log.h"
#include "signal/sig.h"
#include "store/creds.h"

#include "msg_internal.h"
#include "msg_journal.h"
#include "msg_stanza.h"
#include "msg_status.h"
#include "msg_tctoken.h"

void
msg_body_clear(struct msg_body *b)
{
	if (b->pb != NULL) {
		sodium_memzero(b->pb, b->len);
		free(b->pb);
	}
	memset(b, 0, sizeof(*b));
}

int
msg_body_set(struct msg_body *b, const struct msg_out *c)
{
	msg_body_clear(b);
	if (c->len == 0 || (b->pb = malloc(c->len)) == NULL)
		return c->len == 0 ? -EINVAL : -ENOMEM;
	memcpy(b->pb, c->pb, c->len);
	b->len = c->len;
	snprintf(b->type, sizeof(b->type), "%s", c->type != NULL ? c->type : "text");
	snprintf(b->mediatype, sizeof(b->mediatype), "%s",
	    c->mediatype != NULL ? c->mediatype : "");
	return 0;
}

int
msg_body_copy(struct msg_body *dst, const struct msg_body *src)
{
	struct msg_out c = { .pb = src->pb, .len = src->len,
	    .type = src->type, .mediatype = src->mediatype };

	return msg_body_set(dst, &c);
}

struct outbox_entry *
msg_sent_find(struct msg *m, const char *id)
{
	return msg_outbox_find(&m->outbox, id);
}

struct job_hdr *
msg_job_state(struct msg *m, struct send_job *j)
{
	struct outbox_entry *e;

	if (!j->is_resend && (e = msg_outbox_find(&m->outbox, j->id)) != NULL)
		return &e->h;
	return &j->rh;
}

/* One move of the job's state (msg_job.h); false: not in the table. */
static bool
move(struct msg *m, struct send_job *j, enum job_event ev)
{
	return job_move(msg_job_state(m, j), ev, j->id);
}

void
msg_job_end(struct msg *m, struct send_job *j)
{
	struct outbox_entry *e;

	if (!j->is_resend && (e = msg_outbox_find(&m->outbox, j->id)) != NULL)
		e->in_job = false;
	msg_body_clear(&j->body);
	memset(j, 0, sizeof(*j));
}

/* Given up: the entry is kept as failed (evictable); the job ends. */
static void
job_fail(struct msg *m, struct send_job *j)
{
	(void)move(m, j, JE_FAIL);
	msg_job_end(m, j);
}

void
msg_send_free_all(struct msg *m)
{
	size_t i;

	for (i = 0; i < MSG_JOBS_MAX; i++)
		if (m->jobs[i].used)
			msg_job_end(m, &m->jobs[i]);
}

struct send_job *
msg_job_new(struct msg *m)
{
	size_t i;

	for (i = 0; i < MSG_JOBS_MAX; i++)
		if (!m->jobs[i].used) {
			memset(&m->jobs[i], 0, sizeof(m->jobs[i]));
			m->jobs[i].used = true;
			return &m->jobs[i];
		}
	return NULL;
}

static void
own_user_jid(struct msg *m, char out[MSG_JID_MAX])
{
	char phone[16];

	msg_own_phone(m, phone);
	snprintf(out, MSG_JID_MAX, "%s@s.whatsapp.net", phone);
}

/* The state moves (ev) only once the iq is out. */
static int
send_iq(struct msg *m, struct send_job *j, struct bn_node *iq, enum job_event ev)
{
	int rc;

	if (iq == NULL)
		return -ENOMEM;
	j->deadline_ms = clock_mono_ms() + MSG_IQ_TIMEOUT_MS;
	msg_sweep_arm(m);
	rc = msg_send_iq(m, iq, true);
	bn_node_free(iq);
	if (rc == 0 && !move(m, j, ev))
		rc = -EPROTO;
	return rc;
}

/* usync devices for the chat and for ourselves (whatsmeow GetUserDevices). */
static int
ask_devices(struct msg *m, struct send_job *j)
{
	char own[MSG_JID_MAX];
	const char *users[2] = { j->chat, own };

	own_user_jid(m, own);
	msg_new_iq_id(m, j->iq_id);
	return send_iq(m, j, msg_stanza_usync_devices(j->iq_id, users,
	    strcmp(own, j->chat) != 0 ? 2 : 1), JE_ASK_DEVICES);
}

void
msg_job_add_device(struct send_job *j, const char *user_jid, uint32_t dev,
    const char *name, bool own)
{
	struct msg_device *d;
	const char *at = strchr(user_jid, '@');
	char user[MSG_JID_MAX];
	size_t ul, i;

	if (j->ndevs == MSG_DEVICES_MAX || at == NULL ||
	    (ul = (size_t)(at - user_jid)) >= sizeof(user))
		return;
	memcpy(user, user_jid, ul);
	user[ul] = '\0';
	d = &j->devs[j->ndevs];
	memset(d, 0, sizeof(*d));
	if (dev == 0)
		msg_fmt(d->jid, sizeof(d->jid), "%s%s", user, at);
	else
		msg_fmt(d->jid, sizeof(d->jid), "%s:%u%s", user, dev, at);
	for (i = 0; i < j->ndevs; i++)
		if (strcmp(j->devs[i].jid, d->jid) == 0)
			return;		/* listed twice */
	msg_fmt(d->name, sizeof(d->name), "%s", name);
	d->device = dev;
	d->own = own;
	j->ndevs++;
}

static void
parse_devices(struct msg *m, struct send_job *j, const struct bn_node *iq)
{
	const struct bn_node *us = bn_node_peek_child_by_tag(iq, "usync");
	const struct bn_node *list = us ? bn_node_peek_child_by_tag(us, "list") : NULL;
	char own[MSG_JID_MAX], me_user[MSG_JID_MAX], phone[16], user[MSG_JID_MAX];
	uint32_t me_dev = 0, dev;
	size_t i, k, cnt = list ? bn_node_child_count(list) : 0;
	bool lid, saw_chat = false;

	own_user_jid(m, own);
	msg_own_phone(m, phone);
	if (msg_creds(m) != NULL)
		msg_jid_split(msg_creds(m)->me_jid, me_user, sizeof(me_user),
		    &me_dev, &lid);
	for (i = 0; i < cnt; i++) {
		const struct bn_node *u = bn_node_peek_child(list, i);
		const struct bn_node *ds = bn_node_peek_child_by_tag(u, "devices");
		const struct bn_node *dl = ds ? bn_node_peek_child_by_tag(ds,
		    "device-list") : NULL;
		bool is_own;

		if (msg_jid_non_ad(bn_node_attr(u, "jid"), user, sizeof(user)) < 0 ||
		    dl == NULL)
			continue;
		is_own = strcmp(user, own) == 0 && strcmp(own, j->chat) != 0;
		if (!is_own && strcmp(user, j->chat) != 0)
			continue;
		saw_chat |= !is_own;
		for (k = 0; k < bn_node_child_count(dl); k++) {
			const char *id = bn_node_attr(bn_node_peek_child(dl, k), "id");

			if (id == NULL)
				continue;
			dev = (uint32_t)strtoul(id, NULL, 10);
			if (strcmp(user, own) == 0 && dev == me_dev)
				continue;	/* that is us */
			msg_job_add_device(j, user, dev, is_own ? phone : j->name,
			    is_own);
		}
	}
	if (!saw_chat)	/* no device list: the primary device is always there */
		msg_job_add_device(j, j->chat, 0, j->name, false);
}

/* Key bundles for devices without a session (whatsmeow fetchPreKeys). */
int
msg_job_ask_keys(struct msg *m, struct send_job *j)
{
	const char *jids[MSG_DEVICES_MAX];
	size_t i, n = 0;

	for (i = 0; i < j->ndevs; i++) {
		if (!j->is_resend)
			j->devs[i].ready = sig_has_session(m->sig, j->devs[i].name,
			    j->devs[i].device);
		if (!j->devs[i].ready)
			jids[n++] = j->devs[i].jid;
	}
	if (n == 0)
		return msg_job_encrypt_and_send(m, j);
	msg_new_iq_id(m, j->iq_id);
	return send_iq(m, j, msg_stanza_prekey_fetch(j->iq_id, jids, n), JE_ASK_KEYS);
}

static uint32_t
be(const uint8_t *p, size_t n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

static bool
take(const struct bn_node *parent, const char *tag, uint8_t *out, size_t len)
{
	const struct bn_node *c = parent ? bn_node_peek_child_by_tag(parent, tag) : NULL;
	const uint8_t *b;
	size_t n;

	if (c == NULL || (b = bn_node_peek_bytes(c, &n)) == NULL || n != len)
		return false;
	memcpy(out, b, len);
	return true;
}

/*
 * A prekey bundle: <registration> under reg_parent, the keys under keys
 * (one <user> of a key fetch holds both; a retry receipt has its
 * <registration> beside <keys>: whatsmeow retry.go, prekeys.go).
 */
bool
msg_bundle_parse(const struct bn_node *reg_parent, const struct bn_node *keys,
    struct sig_bundle *b)
{
	const struct bn_node *sk = keys ? bn_node_peek_child_by_tag(keys, "skey") : NULL;
	const struct bn_node *k = keys ? bn_node_peek_child_by_tag(keys, "key") : NULL;
	uint8_t regb[4], id[3];

	memset(b, 0, sizeof(*b));
	if (keys == NULL || !take(reg_parent, "registration", regb, 4) ||
	    !take(keys, "identity", b->identity, 32) || !take(sk, "id", id, 3) ||
	    !take(sk, "value", b->spk, 32) || !take(sk, "signature", b->spk_sig, 64))
		return false;
	b->registration_id = be(regb, 4);
	b->spk_id = be(id, 3);
	if (k != NULL && take(k, "id", id, 3) && take(k, "value", b->prekey, 32)) {
		b->has_prekey = true;
		b->prekey_id = be(id, 3);
	}
	return true;
}

static void
parse_keys(struct msg *m, struct send_job *j, const struct bn_node *iq)
{
	const struct bn_node *list = bn_node_peek_child_by_tag(iq, "list");
	size_t i, k, cnt = list ? bn_node_child_count(list) : 0;
	struct sig_bundle b;
	int rc;

	for (i = 0; i < cnt; i++) {
		const struct bn_node *u = bn_node_peek_child(list, i);
		const char *jid = bn_node_attr(u, "jid");

		for (k = 0; jid != NULL && k < j->ndevs; k++) {
			struct msg_device *d = &j->devs[k];

			if (d->ready || strcmp(d->jid, jid) != 0)
				continue;
			/* the contact's own pkmsg made a session while we
			 * asked: use it, a bundle over it would leave the
			 * contact writing on a session we replaced */
			if (!j->is_resend &&
			    sig_has_session(m->sig, d->name, d->device)) {
				d->ready = true;
				continue;
			}
			if (!msg_bundle_parse(u, u, &b))
				log_warnx("message %s: no usable key bundle for %s",
				    j->id, jid);
			else if ((rc = sig_add_bundle(m->sig, d->name, d->device, &b)) < 0)
				log_warn(rc, "message %s: key bundle of %s refused",
				    j->id, jid);
			else
				d->ready = true;
		}
	}
}

/* Encrypts the body (or its deviceSentMessage) for one device. */
static int
encrypt_for(struct msg *m, struct send_job *j, struct msg_device *d,
    uint8_t **ct, size_t *ctlen, bool *prekey)
{
	uint8_t *plain = NULL, *padded = NULL;
	size_t plen = 0, padlen = 0;
	int rc = 0;

	if (d->own)
		rc = msg_wrap_device_sent(j->body.pb, j->body.len, j->chat, &plain,
		    &plen);
	if (rc == 0 && (rc = msg_pad(d->own ? plain : j->body.pb,
	    d->own ? plen : j->body.len, &padded, &padlen)) == 0)
		rc = sig_encrypt(m->sig, d->name, d->device, padded, padlen, prekey,
		    ct, ctlen);
	if (plain != NULL) {
		sodium_memzero(plain, plen);
		free(plain);
	}
	if (padded != NULL) {
		sodium_memzero(padded, padlen);
		free(padded);
	}
	return rc;
}

/* Out: the entry waits for the server's ack (a resend's for nothing). */
static void
remember(struct msg *m, struct send_job *j, size_t n)
{
	struct outbox_entry *e;

	(void)move(m, j, JE_SENT);
	if (j->is_resend || (e = msg_outbox_find(&m->outbox, j->id)) == NULL)
		return;
	e->ndevs = n;
	e->ack_deadline_ms = clock_mono_ms() + MSG_IQ_TIMEOUT_MS;
	msg_sweep_arm(m);
}

static bool
add(struct bn_node *parent, struct bn_node *child)
{
	if (child == NULL || bn_node_add_child(parent, child) < 0) {
		bn_node_free(child);
		return false;
	}
	return true;
}

/*
 * A session paired before the identity was kept whole lacks the account
 * key; our phone's identity key is that key (account.h checks it).
 */
static void
complete_account(struct msg *m)
{
	const struct creds *c = msg_creds(m);
	uint8_t key[SIG_KEY_LEN];
	char phone[16];

	if (c == NULL || account_has_key(c->account, c->account_len))
		return;
	msg_own_phone(m, phone);
	if (phone[0] != '\0' && sig_identity(m->sig, phone, 0, key) == 0)
		link_account_complete(m->link, key);
}

/* The contact's token by address name, else by its LID (a LID chat). */
static const uint8_t *
chat_token(struct msg *m, const struct send_job *j, size_t *len)
{
	const uint8_t *tok = msg_tctoken(m, j->name, len);
	char user[MSG_JID_MAX], key[MSG_JID_MAX];
	uint32_t dev;
	bool lid;

	if (tok == NULL && msg_jid_split(j->chat, user, sizeof(user), &dev, &lid) == 0 &&
	    lid && msg_fmt(key, sizeof(key), "%s@lid", user))
		tok = msg_tctoken(m, key, len);
	return tok;
}

struct deferred_send {
	struct msg	*m;
	struct bn_node	*n;
};

static void
deferred_send(void *arg, int rc)
{
	struct deferred_send *d = arg;
	const char *id = bn_node_attr(d->n, "id");

	if (rc == 0 && (rc = msg_send(d->m, d->n)) < 0)
		log_warn(rc, "message %s: not sent now; sent again when the link "
		    "is back", id);
	else if (rc < 0 && rc != -ECANCELED)
		log_warn(rc, "message %s: its keys could not be saved; not sent",
		    id);
	bn_node_free(d->n);
	free(d);
}

/* Takes n on success. */
static int
send_after_commit(struct msg *m, struct bn_node *n)
{
	struct deferred_send *d;
	int rc;

	if (m->journal == NULL)
		return msg_send(m, n) == 0 ? (bn_node_free(n), 0) : -ENOTCONN;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	d->m = m;
	d->n = n;
	if ((rc = msg_journal_after(m->journal, deferred_send, d)) < 0)
		free(d);
	return rc;
}

int
msg_job_encrypt_and_send(struct msg *m, struct send_job *j)
{
	const struct creds *c = msg_creds(m);
	struct msg_out_attrs a = { .id = j->id, .to = j->chat,
	    .type = j->body.type };
	struct bn_node *msgn, *parts = NULL;
	const uint8_t *tok;
	uint8_t *ct;
	size_t i, n = 0, ctlen, toklen;
	bool pkmsg = false, pk;
	int rc;

	if (c == NULL)
		return -ENOTCONN;
	if (j->is_resend) {	/* whatsmeow handleRetryReceipt */
		a.to = j->resend.to;
		a.t = j->resend.t[0] != '\0' ? j->resend.t : NULL;
		a.no_fanout = true;
		a.recipient = j->resend.recipient[0] != '\0' ? j->resend.recipient : NULL;
	}
	if ((msgn = msg_stanza_message(&a)) == NULL)
		return -ENOMEM;
	if (!j->is_resend && ((parts = bn_node_new("participants")) == NULL ||
	    !add(msgn, parts))) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < j->ndevs; i++) {
		struct msg_device *d = &j->devs[i];

		if (!d->ready)
			continue;
		pk = false;
		if ((rc = encrypt_for(m, j, d, &ct, &ctlen, &pk)) < 0) {
			log_warn(rc, "message %s: not encrypted for %s", j->id, d->jid);
			continue;
		}
		rc = add(j->is_resend ? msgn : parts, msg_stanza_enc(
		    j->is_resend ? NULL : d->jid, pk, j->is_resend ? j->resend.count : 0,
		    j->body.mediatype, ct, ctlen)) ? 0 : -ENOMEM;
		free(ct);
		if (rc < 0)
			goto out;
		pkmsg |= pk;
		n++;
		if (j->is_resend)
			break;
	}
	if (n == 0) {
		rc = -ENOKEY;
		goto out;
	}
	/* §8: a pkmsg travels with our full signed device identity. */
	if (pkmsg)
		complete_account(m);
	rc = -ENOMEM;
	if (pkmsg && !add(msgn, msg_stanza_bytes("device-identity", c->account,
	    c->account_len)))
		goto out;
	if (!j->is_resend && (tok = chat_token(m, j, &toklen)) != NULL &&
	    !add(msgn, msg_stanza_bytes("tctoken", tok, toklen)))
		goto out;
	/* the sessions this advanced go out with the journal's next
	 * commit; the stanza only after it (a crash before must not have
	 * shown the peer a ratchet step we forgot) */
	if ((rc = send_after_commit(m, msgn)) == 0) {
		msgn = NULL;
		remember(m, j, n);
	}
out:
	bn_node_free(msgn);
	return rc;
}

/*
 * A reply made while the link is down (or not yet past the passive iq)
 * waits for it instead of being lost; whatsmeow's retryFrame likewise
 * sends again what a disconnect interrupted.
 */
static void
wait_link(struct msg *m, struct send_job *j)
{
	uint64_t now = clock_mono_ms();

	(void)move(m, j, JE_WAIT_LINK);
	j->iq_id[0] = '\0';
	j->ndevs = 0;
	j->wait_since_ms = now;
	j->deadline_ms = now + MSG_WAIT_LINK_MS;
	log_info("message %s to %s waits for the link", j->id, j->chat);
}

/* Starts waiting jobs; false when the link is still not usable. */
static bool
start_waiting(struct msg *m, bool only_old, uint64_t now)
{
	uint64_t since, deadline;
	size_t i;
	int rc;

	for (i = 0; i < MSG_JOBS_MAX; i++) {
		struct send_job *j = &m->jobs[i];

		if (!j->used || msg_job_state(m, j)->state != JS_WAIT_LINK ||
		    (only_old && now - j->wait_since_ms < MSG_WAIT_TRY_MS))
			continue;
		since = j->wait_since_ms;
		deadline = j->deadline_ms;
		if ((rc = ask_devices(m, j)) == -ENOTCONN) {
			j->iq_id[0] = '\0';	/* still waiting */
			j->wait_since_ms = since;
			j->deadline_ms = deadline;
			m->link_ready = false;
			return false;
		}
		if (rc < 0) {
			log_warn(rc, "message %s to %s: not sent", j->id, j->chat);
			job_fail(m, j);
		} else {
			m->link_ready = true;	/* it went out */
		}
	}
	return true;
}

/*
 * whatsmeow send.go: a disconnect before the server's answer makes
 * retryFrame send the same message again once connected. Messages not
 * yet acked go back to waiting, under the same id.
 */
/* A job for an outbox entry, waiting for the link; false: none free
 * (msg_send_resume tries again) or the entry is unusable. */
static bool
take_job(struct msg *m, struct outbox_entry *e)
{
	char user[MSG_JID_MAX];
	struct send_job *j;
	uint32_t dev;
	bool lid;

	if ((j = msg_job_new(m)) == NULL)
		return false;
	snprintf(j->id, sizeof(j->id), "%s", e->id);
	snprintf(j->chat, sizeof(j->chat), "%s", e->chat);
	e->in_job = true;
	if (msg_jid_split(e->chat, user, sizeof(user), &dev, &lid) == 0)
		msg_address_name(m, user, lid, j->name);
	if (j->name[0] == '\0' || msg_body_copy(&j->body, &e->body) < 0) {
		job_fail(m, j);
		return false;
	}
	wait_link(m, j);
	return true;
}

/* A sent message back to waiting for the link, under its id. */
static void
requeue(struct msg *m, struct outbox_entry *e)
{
	if (!take_job(m, e) && e->h.state == JS_SENT)
		(void)job_move(&e->h, JE_WAIT_LINK, e->id);	/* no job yet */
}

void
msg_on_link_state(struct msg *m, bool up)
{
	struct send_job *j;
	size_t i;

	if (!up)	/* the next connection brings what we left unacked */
		m->inbox_unacked = 0;
	if (up || !m->link_ready)
		return;
	m->link_ready = false;
	for (i = 0; i < MSG_JOBS_MAX; i++) {	/* asked, never to be answered */
		j = &m->jobs[i];
		if (j->used && msg_job_state(m, j)->state != JS_WAIT_LINK) {
			if (j->is_resend)
				msg_job_end(m, j);
			else
				wait_link(m, j);
		}
	}
	for (i = 0; i < m->outbox.n; i++) {
		struct outbox_entry *e = &m->outbox.v[i];

		if (e->h.state != JS_SENT)
			continue;
		log_info("message %s to %s: the link went before the server's "
		    "ack; sent again once it is back", e->id, e->chat);
		requeue(m, e);
	}
}

/* Waits to be worked on, and no job holds it. */
static bool
needs_job(const struct outbox_entry *e)
{
	return !e->in_job &&
	    (e->h.state == JS_QUEUED || e->h.state == JS_WAIT_LINK);
}

/*
 * After a restart: sends the server never acked go out again under
 * their ids, once the link is ready (whatsmeow keeps them for the same
 * reason: UseRetryMessageStore).
 */
void
msg_send_resume(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->outbox.n; i++) {
		struct outbox_entry *e = &m->outbox.v[i];

		if (!needs_job(e))
			continue;
		if (!take_job(m, e)) {
			if (e->in_job || needs_job(e)) {
				msg_sweep_arm(m);	/* jobs full: the sweep tries again */
				return;
			}
			continue;	/* unusable: failed */
		}
		log_debug("message %s to %s: taken from the outbox (queued, or "
		    "not acked before a restart)", e->id, e->chat);
	}
}

void
msg_send_link_ready(struct msg *m)
{
	m->link_ready = true;
	start_waiting(m, false, clock_mono_ms());
}

/*
 * Every job busy: the send waits in the outbox (journaled like any
 * other) and starts when a job is free (msg_send_pump). -EBUSY only
 * when the outbox itself is full of sends the server has not acked.
 */
static int
queue_only(struct msg *m, const char *chat, const struct msg_out *c,
    const char *answers, char id_out[MSG_ID_MAX])
{
	struct msg_body b;
	char id[MSG_ID_MAX], own[16];
	int rc;

	memset(&b, 0, sizeof(b));
	msg_own_phone(m, own);
	/* a bot-started send's id was given out before (msg_answer.c) */
	if (c->id == NULL || !msg_fmt(id, sizeof(id), "%s", c->id))
		msg_new_id(id, own[0] != '\0' ? own : NULL);
	if ((rc = msg_body_set(&b, c)) == 0)
		rc = msg_outbox_record(m, id, chat, answers, &b);
	msg_body_clear(&b);
	if (rc < 0)
		return rc;	/* queued, no job yet: the pump starts it */
	if (id_out != NULL)
		snprintf(id_out, MSG_ID_MAX, "%s", id);
	msg_status_note(m, id, chat, MSG_OUT_QUEUED, 0);
	msg_sweep_arm(m);
	return 0;
}

void
msg_send_pump(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->outbox.n; i++)
		if (needs_job(&m->outbox.v[i]))
			break;
	if (i == m->outbox.n)
		return;
	msg_send_resume(m);
	if (m->link_ready)
		start_waiting(m, false, clock_mono_ms());
}

int
msg_send_content(struct msg *m, const char *chat, const struct msg_out *c,
    const char *answers, char id_out[MSG_ID_MAX])
{
	struct send_job *j;
	struct outbox_entry *prev;
	char user[MSG_JID_MAX], own[16];
	uint32_t dev;
	bool lid;
	int rc;

	/* whatsmeow SendMessage: a device JID is never a chat. */
	if (msg_jid_split(chat, user, sizeof(user), &dev, &lid) < 0 ||
	    strchr(chat, ':') != NULL)
		return -EINVAL;
	if (c->len > MSG_CONTENT_MAX)
		return -EMSGSIZE;
	/* one reply per inbound message, whatever restarts came between */
	if ((prev = msg_outbox_answered(&m->outbox, answers)) != NULL) {
		log_info("message %s already answered by %s; not sent twice",
		    answers, prev->id);
		if (id_out != NULL)
			snprintf(id_out, MSG_ID_MAX, "%s", prev->id);
		return 0;
	}
	if ((j = msg_job_new(m)) == NULL)
		return queue_only(m, chat, c, answers, id_out);
	msg_own_phone(m, own);
	/* a bot-started send's id was given out before (msg_answer.c) */
	if (c->id == NULL || !msg_fmt(j->id, sizeof(j->id), "%s", c->id))
		msg_new_id(j->id, own[0] != '\0' ? own : NULL);
	snprintf(j->chat, sizeof(j->chat), "%s", chat);
	msg_address_name(m, user, lid, j->name);
	rc = j->name[0] == '\0' ? -ENOMEM : msg_body_set(&j->body, c);
	/* journaled before anything about it goes out (msg_outbox.c) */
	if (rc == 0)
		rc = msg_outbox_record(m, j->id, chat, answers, &j->body);
	if (rc < 0) {
		msg_job_end(m, j);
		return rc;
	}
	msg_outbox_find(&m->outbox, j->id)->in_job = true;
	if (id_out != NULL)
		snprintf(id_out, MSG_ID_MAX, "%s", j->id);
	msg_status_note(m, j->id, j->chat, MSG_OUT_QUEUED, 0);
	if (!m->link_ready) {
		wait_link(m, j);
		return 0;
	}
	if ((rc = ask_devices(m, j)) == -ENOTCONN) {
		m->link_ready = false;
		wait_link(m, j);
		return 0;
	}
	if (rc < 0) {
		msg_status_note(m, j->id, j->chat, MSG_OUT_FAILED, 0);
		job_fail(m, j);
	}
	return rc;
}

int
msg_send_text(struct msg *m, const char *chat, const char *text)
{
	struct msg_out c = { .type = "text" };
	uint8_t *pb = NULL;
	size_t len = 0;
	int rc;

	if ((rc = msg_encode_text(text, NULL, &pb, &len)) < 0)
		return rc;
	c.pb = pb;
	c.len = len;
	rc = msg_send_content(m, chat, &c, NULL, NULL);
	sodium_memzero(pb, len);
	free(pb);
	return rc;
}

bool
msg_send_on_result(struct msg *m, const struct bn_node *iq)
{
	const char *id = bn_node_attr(iq, "id"), *type = bn_node_attr(iq, "type");
	char prev[MSG_IQ_ID_MAX];
	struct send_job *j = NULL;
	enum job_state step;
	size_t i;
	int rc;

	for (i = 0; id != NULL && i < MSG_JOBS_MAX; i++)
		if (m->jobs[i].used && strcmp(m->jobs[i].iq_id, id) == 0)
			j = &m->jobs[i];
	if (j == NULL)
		return false;
	snprintf(prev, sizeof(prev), "%s", j->iq_id);
	step = msg_job_state(m, j)->state;
	if (type != NULL && strcmp(type, "error") == 0 && step == JS_USYNC) {
		log_warnx("message %s: device list refused; sending to the "
		    "primary device only", j->id);
		msg_job_add_device(j, j->chat, 0, j->name, false);
		rc = msg_job_ask_keys(m, j);
	} else if (step == JS_USYNC) {
		parse_devices(m, j, iq);
		rc = msg_job_ask_keys(m, j);
	} else {
		parse_keys(m, j, iq);
		rc = msg_job_encrypt_and_send(m, j);
	}
	if (rc < 0) {
		log_warn(rc, "message %s to %s: not sent", j->id, j->chat);
		if (!j->is_resend)
			msg_status_note(m, j->id, j->chat, MSG_OUT_FAILED, 0);
	}
	/* Done unless a new iq went out for the next step. */
	if (rc < 0 || strcmp(j->iq_id, prev) == 0) {
		if (rc < 0)
			job_fail(m, j);
		else
			msg_job_end(m, j);
		msg_send_pump(m);	/* a job is free: a queued send takes it */
	}
	return true;
}

/*
 * After a 1:1 send, our own privacy token goes to the contact once per
 * 7-day bucket (whatsmeow send.go sendDM: shouldSendNewTCToken, then
 * issuePrivacyTokenAndSave). Fire and forget: the answer is not needed.
 */
static void
issue_token(struct msg *m, const char *chat)
{
	struct token_issued *e = NULL;
	uint64_t now = (uint64_t)time(NULL);
	char id[MSG_IQ_ID_MAX], t[24];
	struct bn_node *iq;
	size_t i;

	if (strstr(chat, "@s.whatsapp.net") == NULL && strstr(chat, "@lid") == NULL)
		return;
	for (i = 0; i < m->nissued && e == NULL; i++)
		if (strcmp(m->issued[i].chat, chat) == 0)
			e = &m->issued[i];
	if (e != NULL && now / TCTOKEN_BUCKET_S <= e->t_s / TCTOKEN_BUCKET_S)
		return;
	if (e == NULL && (e = job_table_take(&m->issued_js, m->issued,
	    &m->nissued, sizeof(*e), offsetof(struct token_issued, h),
	    clock_mono_ms())) != NULL)
		snprintf(e->chat, sizeof(e->chat), "%s", chat);
	if (e != NULL)	/* else issued now, and again next time */
		e->t_s = now;
	msg_new_iq_id(m, id);
	snprintf(t, sizeof(t), "%llu", (unsigned long long)now);
	if ((iq = msg_stanza_privacy_issue(id, chat, t)) == NULL ||
	    msg_send_iq(m, iq, false) < 0)
		log_warnx("message: could not issue our privacy token to %s", chat);
	bn_node_free(iq);
}

/*
 * The server's <ack class=message id [error]> of a message we sent
 * (whatsmeow send.go SendMessage: an error attribute is
 * ErrServerReturnedError, not retried).
 */
void
msg_send_on_ack(struct msg *m, const struct bn_node *ack)
{
	const char *cls = bn_node_attr(ack, "class"), *id = bn_node_attr(ack, "id");
	const char *err = bn_node_attr(ack, "error");
	struct outbox_entry *s;
	int code;

	/* an ack of a resend, or one after we gave up waiting: nothing waits */
	if (cls == NULL || strcmp(cls, "message") != 0 || id == NULL ||
	    (s = msg_sent_find(m, id)) == NULL || s->h.state != JS_SENT)
		return;
	code = err != NULL ? atoi(err) : 0;
	msg_outbox_acked(m, s->id, code != 0);	/* done with, whatever the verdict */
	if (code != 0) {
		log_warnx("message %s to %s refused by the server: error %d%s",
		    s->id, s->chat, code,
		    code == 463 ? " (no privacy token for this contact)" : "");
		msg_status_note(m, s->id, s->chat, MSG_OUT_FAILED, code);
		return;
	}
	log_info("message %s to %s sent to %zu device%s", s->id, s->chat,
	    s->ndevs, s->ndevs == 1 ? "" : "s");
	msg_status_note(m, s->id, s->chat, MSG_OUT_SENT, 0);
	issue_token(m, s->chat);
}

void
msg_send_sweep(struct msg *m, uint64_t now)
{
	bool waiting;
	size_t i;

	for (i = 0; i < MSG_JOBS_MAX; i++) {
		struct send_job *j = &m->jobs[i];

		if (!j->used || now < j->deadline_ms)
			continue;
		waiting = msg_job_state(m, j)->state == JS_WAIT_LINK;
		if (!waiting && !j->is_resend && !m->link_ready) {
			wait_link(m, j);	/* the link went while we asked */
			continue;
		}
		log_warnx("message %s to %s: %s; not sent", j->id, j->chat,
		    waiting ? "the link did not come back in time" :
		    "the server did not answer");
		if (!j->is_resend)
			msg_status_note(m, j->id, j->chat, MSG_OUT_FAILED, 0);
		job_fail(m, j);
	}
	msg_send_resume(m);	/* what did not fit in the jobs before */
	if (m->link_ready)
		start_waiting(m, false, now);
	else
		start_waiting(m, true, now);	/* no marker seen: try now and then */
	for (i = 0; i < m->outbox.n; i++) {
		struct outbox_entry *s = &m->outbox.v[i];

		if (s->h.state != JS_SENT || now < s->ack_deadline_ms)
			continue;
		/* lost on a link that went (the outbox still holds it): again,
		 * under the same id (whatsmeow send.go retryFrame) */
		if (s->attempts + 1 < MSG_ACK_ATTEMPTS) {
			s->attempts++;
			requeue(m, s);
			continue;
		}
		log_warnx("message %s to %s: no ack from the server; not "
		    "confirmed as sent", s->id, s->chat);
		(void)job_move(&s->h, JE_FAIL, s->id);
		msg_status_note(m, s->id, s->chat, MSG_OUT_FAILED, 0);
	}
}
