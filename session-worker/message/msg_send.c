/*
 * msg_send.c: outgoing 1:1 text (protocol-notes §8). A send is a small
 * job on the loop: usync for the recipient's and our own devices, one
 * key-bundle fetch for devices without a session, then one <message>
 * with a <to> per device (ours get a deviceSentMessage) and our
 * <device-identity> whenever a pkmsg is inside. Sessions are saved by
 * sig_encrypt() before the stanza leaves. Sent texts are kept a while
 * so a retry receipt can be answered on a new session.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "binary/bn.h"
#include "log.h"
#include "signal/sig.h"
#include "store/creds.h"

#include "msg_internal.h"

static void
wipe_free(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

static void
job_end(struct send_job *j)
{
	wipe_free(j->text);
	memset(j, 0, sizeof(*j));
}

void
msg_send_free_all(struct msg *m)
{
	size_t i;

	for (i = 0; i < MSG_JOBS_MAX; i++)
		if (m->jobs[i].used)
			job_end(&m->jobs[i]);
	for (i = 0; i < MSG_SENT_MAX; i++)
		wipe_free(m->sent[i].text);
	memset(m->sent, 0, sizeof(m->sent));
}

static struct send_job *
job_new(struct msg *m)
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

static struct bn_node *
attr_node(const char *tag, const char *k1, const char *v1, const char *k2,
    const char *v2)
{
	struct bn_node *n = bn_node_new(tag);

	if (n == NULL || (k1 != NULL && bn_node_set_attr(n, k1, v1) < 0) ||
	    (k2 != NULL && bn_node_set_attr(n, k2, v2) < 0)) {
		bn_node_free(n);
		return NULL;
	}
	return n;
}

/* Adds child to parent, or frees it; -ENOMEM. */
static int
adopt(struct bn_node *parent, struct bn_node *child)
{
	if (child == NULL || bn_node_add_child(parent, child) < 0) {
		bn_node_free(child);
		return -ENOMEM;
	}
	return 0;
}

static struct bn_node *
iq_node(struct send_job *j, struct msg *m, const char *xmlns)
{
	msg_new_iq_id(m, j->iq_id);
	j->deadline_ms = clock_mono_ms() + MSG_IQ_TIMEOUT_MS;
	msg_sweep_arm(m);
	return attr_node("iq", "id", j->iq_id, "xmlns", xmlns);
}

static void
own_user_jid(struct msg *m, char out[MSG_JID_MAX])
{
	char phone[16];

	msg_own_phone(m, phone);
	snprintf(out, MSG_JID_MAX, "%s@s.whatsapp.net", phone);
}

/* usync devices for the chat and for ourselves (§8). */
static int
ask_devices(struct msg *m, struct send_job *j)
{
	struct bn_node *iq = iq_node(j, m, "usync"), *us, *q, *list;
	char own[MSG_JID_MAX];
	int rc = -ENOMEM;

	own_user_jid(m, own);
	if (iq == NULL || bn_node_set_attr(iq, "to", "s.whatsapp.net") < 0 ||
	    bn_node_set_attr(iq, "type", "get") < 0)
		goto out;
	us = attr_node("usync", "sid", j->iq_id, "context", "message");
	if (us == NULL || bn_node_set_attr(us, "mode", "query") < 0 ||
	    bn_node_set_attr(us, "index", "0") < 0 ||
	    bn_node_set_attr(us, "last", "true") < 0 || adopt(iq, us) < 0)
		goto out;
	if ((q = bn_node_new("query")) == NULL || adopt(us, q) < 0 ||
	    adopt(q, attr_node("devices", "version", "2", NULL, NULL)) < 0)
		goto out;
	if ((list = bn_node_new("list")) == NULL || adopt(us, list) < 0 ||
	    adopt(list, attr_node("user", "jid", j->chat, NULL, NULL)) < 0 ||
	    (strcmp(own, j->chat) != 0 &&
	    adopt(list, attr_node("user", "jid", own, NULL, NULL)) < 0))
		goto out;
	j->step = JOB_USYNC;
	rc = msg_send(m, iq);
out:
	bn_node_free(iq);
	return rc;
}

static void
add_device(struct send_job *j, const char *user_jid, uint32_t dev,
    const char *name, bool own)
{
	struct msg_device *d;
	const char *at = strchr(user_jid, '@');
	char user[MSG_JID_MAX];
	size_t ul;

	if (j->ndevs == MSG_DEVICES_MAX || at == NULL ||
	    (ul = (size_t)(at - user_jid)) >= sizeof(user))
		return;
	memcpy(user, user_jid, ul);
	user[ul] = '\0';
	d = &j->devs[j->ndevs++];
	if (dev == 0)
		msg_fmt(d->jid, sizeof(d->jid), "%s%s", user, at);
	else
		msg_fmt(d->jid, sizeof(d->jid), "%s:%u%s", user, dev, at);
	msg_fmt(d->name, sizeof(d->name), "%s", name);
	d->device = dev;
	d->own = own;
}

static void
parse_devices(struct msg *m, struct send_job *j, const struct bn_node *iq)
{
	const struct bn_node *us = bn_node_peek_child_by_tag(iq, "usync");
	const struct bn_node *list = us ? bn_node_peek_child_by_tag(us, "list") : NULL;
	char own[MSG_JID_MAX], me_user[MSG_JID_MAX], phone[16];
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
		const char *jid = bn_node_attr(u, "jid");
		const struct bn_node *ds = bn_node_peek_child_by_tag(u, "devices");
		const struct bn_node *dl = ds ? bn_node_peek_child_by_tag(ds,
		    "device-list") : NULL;
		bool is_own;

		if (jid == NULL || dl == NULL)
			continue;
		is_own = strcmp(jid, own) == 0 && strcmp(own, j->chat) != 0;
		if (!is_own && strcmp(jid, j->chat) != 0)
			continue;
		saw_chat |= !is_own;
		for (k = 0; k < bn_node_child_count(dl); k++) {
			const char *id = bn_node_attr(bn_node_peek_child(dl, k), "id");

			if (id == NULL)
				continue;
			dev = (uint32_t)strtoul(id, NULL, 10);
			if (is_own && dev == me_dev)
				continue;	/* that is us */
			add_device(j, jid, dev, is_own ? phone : j->name, is_own);
		}
	}
	if (!saw_chat)	/* no device list: the primary device is always there */
		add_device(j, j->chat, 0, j->name, false);
}

static int	encrypt_and_send(struct msg *, struct send_job *);

/* Key bundles for devices without a session (§8). */
static int
ask_keys(struct msg *m, struct send_job *j)
{
	struct bn_node *iq, *key;
	size_t i, n = 0;
	int rc = -ENOMEM;

	for (i = 0; i < j->ndevs; i++) {
		j->devs[i].ready = !j->resend &&
		    sig_has_session(m->sig, j->devs[i].name, j->devs[i].device);
		n += !j->devs[i].ready;
	}
	if (n == 0)
		return encrypt_and_send(m, j);
	if ((iq = iq_node(j, m, "encrypt")) == NULL)
		return -ENOMEM;
	if (bn_node_set_attr(iq, "to", "s.whatsapp.net") < 0 ||
	    bn_node_set_attr(iq, "type", "get") < 0 ||
	    (key = bn_node_new("key")) == NULL || adopt(iq, key) < 0)
		goto out;
	for (i = 0; i < j->ndevs; i++)
		if (!j->devs[i].ready &&
		    adopt(key, attr_node("user", "jid", j->devs[i].jid, NULL, NULL)) < 0)
			goto out;
	j->step = JOB_KEYS;
	rc = msg_send(m, iq);
out:
	bn_node_free(iq);
	return rc;
}

static uint32_t
be(const uint8_t *p, size_t n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* Copies <tag> bytes of exactly len (or up to len with min) into out. */
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

/* A bundle from <user>, <keys> in a retry receipt, with reg given apart. */
static bool
parse_bundle(const struct bn_node *u, const uint8_t *reg, size_t reg_len,
    struct sig_bundle *b)
{
	const struct bn_node *sk = bn_node_peek_child_by_tag(u, "skey");
	const struct bn_node *k = bn_node_peek_child_by_tag(u, "key");
	uint8_t regb[4], id[3];

	memset(b, 0, sizeof(*b));
	if (reg != NULL && reg_len == 4)
		memcpy(regb, reg, 4);
	else if (!take(u, "registration", regb, 4))
		return false;
	b->registration_id = be(regb, 4);
	if (!take(u, "identity", b->identity, 32) || !take(sk, "id", id, 3) ||
	    !take(sk, "value", b->spk, 32) || !take(sk, "signature", b->spk_sig, 64))
		return false;
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
			if (!parse_bundle(u, NULL, 0, &b))
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

static int
enc_part(struct msg *m, struct send_job *j, struct msg_device *d,
    struct bn_node *parts, bool *pkmsg)
{
	uint8_t *plain = NULL, *padded = NULL, *ct = NULL;
	size_t plen, padlen, ctlen;
	struct bn_node *to, *enc;
	bool prekey = false;
	int rc;

	if ((rc = msg_encode_text(j->text, d->own ? j->chat : NULL, &plain,
	    &plen)) < 0 || (rc = msg_pad(plain, plen, &padded, &padlen)) < 0 ||
	    (rc = sig_encrypt(m->sig, d->name, d->device, padded, padlen, &prekey,
	    &ct, &ctlen)) < 0)
		goto out;
	rc = -ENOMEM;
	if ((to = attr_node("to", "jid", d->jid, NULL, NULL)) == NULL ||
	    adopt(parts, to) < 0)
		goto out;
	if ((enc = attr_node("enc", "v", "2", "type", prekey ? "pkmsg" : "msg")) == NULL ||
	    bn_node_set_bytes(enc, ct, ctlen) < 0 || adopt(to, enc) < 0)
		goto out;
	*pkmsg |= prekey;
	rc = 0;
out:
	if (plain != NULL) {
		sodium_memzero(plain, plen);
		free(plain);
	}
	if (padded != NULL) {
		sodium_memzero(padded, padlen);
		free(padded);
	}
	free(ct);
	return rc;
}

static void
remember(struct msg *m, struct send_job *j)
{
	struct sent_msg *s;
	size_t i;

	for (i = 0; i < MSG_SENT_MAX; i++)
		if (strcmp(m->sent[i].id, j->id) == 0)
			return;
	s = &m->sent[m->sent_next++ % MSG_SENT_MAX];
	wipe_free(s->text);
	snprintf(s->id, sizeof(s->id), "%s", j->id);
	snprintf(s->chat, sizeof(s->chat), "%s", j->chat);
	s->text = strdup(j->text);
}

static int
encrypt_and_send(struct msg *m, struct send_job *j)
{
	const struct creds *c = msg_creds(m);
	struct bn_node *msgn, *parts, *di;
	size_t i, n = 0;
	bool pkmsg = false;
	int rc = -ENOMEM;

	if (c == NULL)
		return -ENOTCONN;
	if ((msgn = attr_node("message", "id", j->id, "to", j->chat)) == NULL)
		return -ENOMEM;
	if (bn_node_set_attr(msgn, "type", "text") < 0 ||
	    (parts = bn_node_new("participants")) == NULL || adopt(msgn, parts) < 0)
		goto out;
	for (i = 0; i < j->ndevs; i++) {
		if (!j->devs[i].ready)
			continue;
		if ((rc = enc_part(m, j, &j->devs[i], parts, &pkmsg)) < 0) {
			log_warn(rc, "message %s: not encrypted for %s", j->id,
			    j->devs[i].jid);
			continue;
		}
		n++;
	}
	if (n == 0) {
		rc = -ENOKEY;
		goto out;
	}
	/* §8: a pkmsg must travel with our signed device identity. */
	if (pkmsg && ((di = bn_node_new("device-identity")) == NULL ||
	    bn_node_set_bytes(di, c->account, c->account_len) < 0 ||
	    adopt(msgn, di) < 0)) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = msg_send(m, msgn)) == 0) {
		log_info("message %s to %s sent to %zu device%s%s", j->id, j->chat,
		    n, n == 1 ? "" : "s", j->resend ? " (retry)" : "");
		remember(m, j);
	}
out:
	bn_node_free(msgn);
	return rc;
}

int
msg_send_text(struct msg *m, const char *chat, const char *text)
{
	struct send_job *j;
	char user[MSG_JID_MAX];
	const char *mapped;
	uint32_t dev;
	bool lid;
	int rc;

	if (msg_jid_split(chat, user, sizeof(user), &dev, &lid) < 0)
		return -EINVAL;
	if (strlen(text) > MSG_TEXT_MAX)
		return -EMSGSIZE;
	if ((j = job_new(m)) == NULL)
		return -EBUSY;
	msg_new_id(j->id);
	snprintf(j->chat, sizeof(j->chat), "%s", chat);
	if (lid && (mapped = msg_lid_phone(m, user)) != NULL)
		msg_fmt(j->name, sizeof(j->name), "%s", mapped);
	else
		msg_fmt(j->name, sizeof(j->name), "%s%s", user, lid ? "@lid" : "");
	if ((j->text = strdup(text)) == NULL) {
		job_end(j);
		return -ENOMEM;
	}
	if ((rc = ask_devices(m, j)) < 0)
		job_end(j);
	return rc;
}

int
msg_resend(struct msg *m, const char *id, const char *dev_jid, const char *name,
    const struct bn_node *keys, const uint8_t *reg, size_t reg_len)
{
	struct sent_msg *s = NULL;
	struct send_job *j;
	struct sig_bundle b;
	char user[MSG_JID_MAX], uj[MSG_JID_MAX];
	uint32_t dev;
	bool lid;
	size_t i;
	int rc;

	for (i = 0; i < MSG_SENT_MAX; i++)
		if (m->sent[i].text != NULL && strcmp(m->sent[i].id, id) == 0)
			s = &m->sent[i];
	if (s == NULL)
		return -ENOENT;
	if (msg_jid_split(dev_jid, user, sizeof(user), &dev, &lid) < 0)
		return -EINVAL;
	if ((j = job_new(m)) == NULL)
		return -EBUSY;
	j->resend = true;
	snprintf(j->id, sizeof(j->id), "%s", id);
	msg_fmt(j->chat, sizeof(j->chat), "%s", s->chat);
	msg_fmt(j->name, sizeof(j->name), "%s", name);
	msg_fmt(uj, sizeof(uj), "%s@%s", user, lid ? "lid" : "s.whatsapp.net");
	add_device(j, uj, dev, name, false);
	if ((j->text = strdup(s->text)) == NULL) {
		job_end(j);
		return -ENOMEM;
	}
	log_info("message %s: %s asks for a retry; new session", id, dev_jid);
	if (keys != NULL && parse_bundle(keys, reg, reg_len, &b) &&
	    sig_add_bundle(m->sig, name, dev, &b) == 0) {
		j->devs[0].ready = true;
		rc = encrypt_and_send(m, j);
		job_end(j);
		return rc;
	}
	if ((rc = ask_keys(m, j)) < 0 || j->iq_id[0] == '\0')
		job_end(j);
	return rc;
}

bool
msg_send_on_result(struct msg *m, const struct bn_node *iq)
{
	const char *id = bn_node_attr(iq, "id"), *type = bn_node_attr(iq, "type");
	char prev[MSG_IQ_ID_MAX];
	struct send_job *j = NULL;
	size_t i;
	int rc;

	for (i = 0; id != NULL && i < MSG_JOBS_MAX; i++)
		if (m->jobs[i].used && strcmp(m->jobs[i].iq_id, id) == 0)
			j = &m->jobs[i];
	if (j == NULL)
		return false;
	snprintf(prev, sizeof(prev), "%s", j->iq_id);
	if (type != NULL && strcmp(type, "error") == 0 && j->step == JOB_USYNC) {
		log_warnx("message %s: device list refused; sending to the "
		    "primary device only", j->id);
		add_device(j, j->chat, 0, j->name, false);
		rc = ask_keys(m, j);
	} else if (j->step == JOB_USYNC) {
		parse_devices(m, j, iq);
		rc = ask_keys(m, j);
	} else {
		parse_keys(m, j, iq);
		rc = encrypt_and_send(m, j);
	}
	if (rc < 0)
		log_warn(rc, "message %s to %s: not sent", j->id, j->chat);
	/* Done unless a new iq went out for the next step. */
	if (rc < 0 || strcmp(j->iq_id, prev) == 0)
		job_end(j);
	return true;
}

void
msg_send_sweep(struct msg *m, uint64_t now)
{
	size_t i;

	for (i = 0; i < MSG_JOBS_MAX; i++)
		if (m->jobs[i].used && now >= m->jobs[i].deadline_ms) {
			log_warnx("message %s to %s: the server did not answer; "
			    "not sent", m->jobs[i].id, m->jobs[i].chat);
			job_end(&m->jobs[i]);
		}
}
