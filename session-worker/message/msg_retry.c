/*
 * msg_retry.c: retry receipts both ways (protocol-notes §8), as
 * whatsmeow retry.go does them.
 *
 * Sending one (sendRetryReceipt): a message we could not decrypt gets
 * <receipt type=retry> with a count per message id (taken from the
 * resent <enc count> after a restart), our registration id, and from
 * count 2 on our keys with a fresh one-time prekey and the full signed
 * device identity; at MSG_RETRY_MAX we stop asking.
 *
 * Answering one (handleRetryReceipt): the message is encrypted again
 * for the one device that asked, to its own JID with
 * device_fanout=false and <enc count=N>, keeping the original's t; our
 * own devices get it wrapped as deviceSentMessage. The session is
 * rebuilt from the receipt's <keys> when it carries them, else from a
 * fetched bundle only when shouldRecreateSession says so: no session,
 * or count >= 2 and the last rebuild over an hour ago.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "binary/bn.h"
#include "link/link.h"
#include "log.h"
#include "signal/sig.h"
#include "store/creds.h"

#include "msg_internal.h"
#include "msg_stanza.h"

static uint32_t
retry_count_next(struct msg *m, const char *id, uint32_t in_msg)
{
	struct retry_count *r = NULL;
	size_t i;

	for (i = 0; i < m->nretries && r == NULL; i++)
		if (strcmp(m->retries[i].id, id) == 0)
			r = &m->retries[i];
	if (r == NULL) {
		if ((r = job_table_take(&m->retries_js, m->retries, &m->nretries,
		    sizeof(*r), offsetof(struct retry_count, h),
		    clock_mono_ms())) == NULL)
			return MSG_RETRY_MAX;	/* not counted: asks no more */
		snprintf(r->id, sizeof(r->id), "%s", id);
	}
	r->n++;
	/* whatsmeow: a resend after our restart tells the count it is at. */
	if (r->n == 1 && in_msg > 0)
		r->n = in_msg + 1;
	return r->n;
}

/* The <enc count> of a resent message: one <enc>, else 0. */
static uint32_t
count_in_msg(const struct bn_node *n)
{
	const struct bn_node *enc;
	const char *c;

	if (bn_node_child_count(n) != 1 ||
	    !bn_node_tag_is(enc = bn_node_peek_child(n, 0), "enc") ||
	    (c = bn_node_attr(enc, "count")) == NULL)
		return 0;
	return (uint32_t)strtoul(c, NULL, 10);
}

void
msg_retry_request(struct msg *m, const struct bn_node *n)
{
	const struct creds *c = msg_creds(m);
	const char *id = bn_node_attr(n, "id"), *cat = bn_node_attr(n, "category");
	struct msg_retry_keys k = { 0 };
	struct bn_node *r;
	uint8_t prekey[32];
	uint32_t cnt;
	bool peer = cat != NULL && strcmp(cat, "peer") == 0;
	int rc;

	if (c == NULL || m->link == NULL)
		return;
	if ((cnt = retry_count_next(m, id, count_in_msg(n))) >= MSG_RETRY_MAX) {
		log_warnx("message %s: still undecryptable after %u retry receipts; "
		    "giving up", id, cnt - 1);
		return;
	}
	if (cnt > 1) {
		if ((rc = link_prekey_one(m->link, &k.prekey_id, prekey)) < 0) {
			log_warn(rc, "message %s: no fresh prekey for the retry "
			    "receipt", id);
			return;
		}
		k.identity = c->ident_pub;
		k.prekey = prekey;
		k.spk_id = c->spk_id;
		k.spk = c->spk_pub;
		k.spk_sig = c->spk_sig;
		k.account = c->account;
		k.account_len = c->account_len;
	}
	r = msg_stanza_retry_receipt(n, cnt, c->registration_id, peer,
	    cnt > 1 ? &k : NULL);
	if (r == NULL || msg_send(m, r) < 0)
		log_warnx("message %s: could not send the retry receipt", id);
	else
		log_info("message %s: asked the sender to retry (%u%s)", id, cnt,
		    cnt > 1 ? ", with our keys" : "");
	bn_node_free(r);
}

/* whatsmeow incomingRetryRequestCounter: true once past the limit. */
static bool
too_many(struct msg *m, const char *from, const char *id)
{
	struct retry_in *r = NULL;
	size_t i;

	for (i = 0; i < m->nretry_in && r == NULL; i++)
		if (strcmp(m->retry_in[i].id, id) == 0 &&
		    strcmp(m->retry_in[i].from, from) == 0)
			r = &m->retry_in[i];
	if (r == NULL) {
		if ((r = job_table_take(&m->retry_in_js, m->retry_in,
		    &m->nretry_in, sizeof(*r), offsetof(struct retry_in, h),
		    clock_mono_ms())) == NULL)
			return true;	/* not counted: answered no more */
		snprintf(r->id, sizeof(r->id), "%s", id);
		snprintf(r->from, sizeof(r->from), "%s", from);
	}
	return ++r->n >= MSG_RETRY_IN_MAX;
}

/* whatsmeow shouldRecreateSession. */
static bool
should_recreate(struct msg *m, const char *jid, const char *name,
    uint32_t device, uint32_t count)
{
	struct recreated *r = NULL;
	uint64_t now = clock_mono_ms();
	size_t i;

	for (i = 0; i < m->nrecreated && r == NULL; i++)
		if (strcmp(m->recreated[i].jid, jid) == 0)
			r = &m->recreated[i];
	if (sig_has_session(m->sig, name, device) && count < 2)
		return false;
	if (sig_has_session(m->sig, name, device) && r != NULL &&
	    now - r->at_ms < MSG_RECREATE_MS)
		return false;
	if (r == NULL) {
		if ((r = job_table_take(&m->recreated_js, m->recreated,
		    &m->nrecreated, sizeof(*r), offsetof(struct recreated, h),
		    now)) == NULL)
			return true;	/* not noted: recreated all the same */
		snprintf(r->jid, sizeof(r->jid), "%s", jid);
	}
	r->at_ms = now;
	return true;
}

void
msg_retry_on_receipt(struct msg *m, const struct bn_node *n)
{
	const struct bn_node *retry = bn_node_peek_child_by_tag(n, "retry");
	const char *from = bn_node_attr(n, "from"), *rcpt = bn_node_attr(n, "recipient");
	const char *id, *t, *cnt;
	char user[MSG_JID_MAX], name[MSG_JID_MAX], uj[MSG_JID_MAX];
	struct outbox_entry *s;
	struct send_job *j;
	struct sig_bundle b;
	uint32_t dev, count;
	bool lid, own;
	int rc;

	if (retry == NULL || (id = bn_node_attr(retry, "id")) == NULL ||
	    (cnt = bn_node_attr(retry, "count")) == NULL ||
	    msg_jid_split(from, user, sizeof(user), &dev, &lid) < 0)
		return;
	t = bn_node_attr(retry, "t");
	count = (uint32_t)strtoul(cnt, NULL, 10);
	if ((s = msg_sent_find(m, id)) == NULL) {
		log_info("message %s: %s asks for a retry of a message we no "
		    "longer hold", id, from);
		return;
	}
	if (too_many(m, from, id)) {
		log_warnx("message %s: %s asked for %d retries; no more answered",
		    id, from, MSG_RETRY_IN_MAX);
		return;
	}
	own = msg_is_own_user(m, user, lid);
	msg_address_name(m, user, lid, name);
	if (name[0] == '\0' || (j = msg_job_new(m)) == NULL)
		return;
	j->is_resend = true;
	j->rh.kind = JK_RESEND;
	snprintf(j->id, sizeof(j->id), "%s", id);
	snprintf(j->chat, sizeof(j->chat), "%s", s->chat);
	snprintf(j->name, sizeof(j->name), "%s", name);
	snprintf(j->resend.to, sizeof(j->resend.to), "%s", from);
	snprintf(j->resend.recipient, sizeof(j->resend.recipient), "%s",
	    rcpt != NULL ? rcpt : "");
	snprintf(j->resend.t, sizeof(j->resend.t), "%s", t != NULL ? t : "");
	j->resend.count = count;
	msg_fmt(uj, sizeof(uj), "%s@%s", user, lid ? "lid" : "s.whatsapp.net");
	msg_job_add_device(j, uj, dev, name, own);
	if (j->ndevs != 1 || msg_body_copy(&j->body, &s->body) < 0) {
		msg_job_end(m, j);
		return;
	}
	log_info("message %s: %s asks for retry %u", id, from, count);
	if (msg_bundle_parse(n, bn_node_peek_child_by_tag(n, "keys"), &b)) {
		if ((rc = sig_add_bundle(m->sig, name, dev, &b)) < 0) {
			log_warn(rc, "message %s: the keys in %s's retry receipt "
			    "are unusable", id, from);
			msg_job_end(m, j);
			return;
		}
		j->devs[0].ready = true;
	} else if (!should_recreate(m, from, name, dev, count)) {
		j->devs[0].ready = true;	/* the session we have */
	}
	if (j->devs[0].ready) {
		if ((rc = msg_job_encrypt_and_send(m, j)) < 0)
			log_warn(rc, "message %s: retry for %s not sent", id, from);
		msg_job_end(m, j);
		return;
	}
	log_info("message %s: new session with %s for the retry", id, from);
	if ((rc = msg_job_ask_keys(m, j)) < 0 || j->iq_id[0] == '\0')
		msg_job_end(m, j);
}
