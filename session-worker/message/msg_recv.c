/*
 * msg_recv.c: incoming messages (protocol-notes §8, §9). The order is
 * the point: who sent it (a LID mapped to a phone number, or refused
 * when it cannot be), whether that number is whitelisted, and only then
 * decryption, the delivery receipt, the accepted event and the hook. A
 * refused message is never decrypted; its sender may get the configured
 * auto-reply. Failed decryption gets a retry receipt (whatsmeow
 * retry.go) so the sender starts a new session.
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
#include "whitelist/whitelist.h"
#include "wl_error.h"

#include "msg_internal.h"
#include "msg_typed.h"

struct sender {
	const char	*chat;		/* from: the user or group jid */
	const char	*jid;		/* the sending device: from or participant */
	char		 user[MSG_JID_MAX];
	uint32_t	 device;
	bool		 lid, group, own;
	char		 phone[16];	/* "" when unknown */
	char		 name[MSG_JID_MAX];	/* Signal address name */
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void
put_be32(uint8_t p[4], uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* <receipt id to [participant] [type]>[children]</receipt> */
static int
send_receipt(struct msg *m, const struct bn_node *msg, const char *type,
    struct bn_node *child1, struct bn_node *child2, struct bn_node *child3)
{
	struct bn_node *r = bn_node_new("receipt");
	const char *part = bn_node_attr(msg, "participant");
	int rc = -ENOMEM;

	if (r == NULL || bn_node_set_attr(r, "id", bn_node_attr(msg, "id")) < 0 ||
	    bn_node_set_attr(r, "to", bn_node_attr(msg, "from")) < 0 ||
	    (part != NULL && bn_node_set_attr(r, "participant", part) < 0) ||
	    (type != NULL && bn_node_set_attr(r, "type", type) < 0))
		goto out;
	if (child1 != NULL) {
		if (bn_node_add_child(r, child1) < 0)
			goto out;
		child1 = NULL;
	}
	if (child2 != NULL) {
		if (bn_node_add_child(r, child2) < 0)
			goto out;
		child2 = NULL;
	}
	if (child3 != NULL) {
		if (bn_node_add_child(r, child3) < 0)
			goto out;
		child3 = NULL;
	}
	rc = msg_send(m, r);
out:
	bn_node_free(child1);
	bn_node_free(child2);
	bn_node_free(child3);
	bn_node_free(r);
	return rc;
}

static int
add_bytes(struct bn_node *parent, const char *tag, const uint8_t *b, size_t len)
{
	struct bn_node *c = bn_node_new(tag);

	if (c == NULL || bn_node_set_bytes(c, b, len) < 0 ||
	    bn_node_add_child(parent, c) < 0) {
		bn_node_free(c);
		return -ENOMEM;
	}
	return 0;
}

/*
 * <keys><type/><identity/><skey/><device-identity/></keys>: enough for the
 * sender to start a session without fetching a bundle. No one-time
 * prekey: the link owns their ids, and X3DH works without one.
 */
static struct bn_node *
retry_keys(const struct creds *c)
{
	struct bn_node *k = bn_node_new("keys"), *sk = bn_node_new("skey");
	uint8_t type = 0x05, id[3] = { c->spk_id >> 16, c->spk_id >> 8, c->spk_id };

	if (k == NULL || sk == NULL || add_bytes(k, "type", &type, 1) < 0 ||
	    add_bytes(k, "identity", c->ident_pub, 32) < 0 ||
	    add_bytes(sk, "id", id, 3) < 0 || add_bytes(sk, "value", c->spk_pub, 32) < 0 ||
	    add_bytes(sk, "signature", c->spk_sig, 64) < 0 ||
	    bn_node_add_child(k, sk) < 0) {
		bn_node_free(sk);
		bn_node_free(k);
		return NULL;
	}
	if (add_bytes(k, "device-identity", c->account, c->account_len) < 0) {
		bn_node_free(k);
		return NULL;
	}
	return k;
}

static uint32_t
retry_count_next(struct msg *m, const char *id)
{
	size_t i;

	for (i = 0; i < MSG_SENT_MAX; i++)
		if (strcmp(m->retries[i].id, id) == 0)
			return ++m->retries[i].n;
	i = m->retry_next++ % MSG_SENT_MAX;
	snprintf(m->retries[i].id, sizeof(m->retries[i].id), "%s", id);
	m->retries[i].n = 1;
	return 1;
}

/*
 * whatsmeow retry.go: <receipt type=retry><retry count id t v=1/>
 * <registration>. Without <keys> the sender fetches a fresh bundle of
 * ours, which is all a new session needs.
 */
static void
send_retry(struct msg *m, const struct bn_node *msg)
{
	const struct creds *c = msg_creds(m);
	const char *id = bn_node_attr(msg, "id"), *t = bn_node_attr(msg, "t");
	struct bn_node *retry = bn_node_new("retry"), *reg = bn_node_new("registration");
	struct bn_node *keys = NULL;
	uint8_t regb[4];
	char cnt[12];
	uint32_t n;

	if (c == NULL || retry == NULL || reg == NULL) {
		bn_node_free(retry);
		bn_node_free(reg);
		return;
	}
	if ((n = retry_count_next(m, id)) > MSG_RETRY_MAX) {
		log_warnx("message %s: still undecryptable after %u retries; "
		    "giving up", id, MSG_RETRY_MAX);
		bn_node_free(retry);
		bn_node_free(reg);
		return;
	}
	snprintf(cnt, sizeof(cnt), "%u", n);
	put_be32(regb, c->registration_id);
	if (bn_node_set_attr(retry, "count", cnt) < 0 ||
	    bn_node_set_attr(retry, "id", id) < 0 ||
	    bn_node_set_attr(retry, "t", t != NULL ? t : "0") < 0 ||
	    bn_node_set_attr(retry, "v", "1") < 0 ||
	    bn_node_set_bytes(reg, regb, sizeof(regb)) < 0) {
		bn_node_free(retry);
		bn_node_free(reg);
		return;
	}
	/* whatsmeow: from the second retry on, hand over our keys as well. */
	if (n > 1 && (keys = retry_keys(c)) == NULL) {
		bn_node_free(retry);
		bn_node_free(reg);
		return;
	}
	if (send_receipt(m, msg, "retry", retry, reg, keys) < 0)
		log_warnx("message %s: could not send the retry receipt", id);
	else
		log_info("message %s: asked the sender to retry (%u)", id, n);
}

/* Our own account's LID (creds me_lid "lid:device@lid"). */
static bool
own_lid(struct msg *m, const char *user)
{
	const struct creds *c = msg_creds(m);
	char me[MSG_JID_MAX];
	uint32_t dev;
	bool lid;

	return c != NULL && c->me_lid[0] != '\0' &&
	    msg_jid_split(c->me_lid, me, sizeof(me), &dev, &lid) == 0 &&
	    strcmp(me, user) == 0;
}

/* Who sent it, as a phone number when it can be known (protocol-notes §9). */
static int
identify(struct msg *m, const struct bn_node *n, struct sender *s)
{
	const char *pn, *slid;
	const char *mapped;
	char own[16];

	memset(s, 0, sizeof(*s));
	s->chat = bn_node_attr(n, "from");
	if (s->chat == NULL || bn_node_attr(n, "id") == NULL)
		return -EBADMSG;
	s->group = ends_with(s->chat, "@g.us") || ends_with(s->chat, "@broadcast");
	s->jid = s->group ? bn_node_attr(n, "participant") : s->chat;
	if (s->jid == NULL ||
	    msg_jid_split(s->jid, s->user, sizeof(s->user), &s->device, &s->lid) < 0)
		return -EBADMSG;
	pn = bn_node_attr(n, s->group ? "participant_pn" : "sender_pn");
	slid = bn_node_attr(n, s->group ? "participant_lid" : "sender_lid");
	if (s->lid && pn != NULL)
		msg_lid_learn(m, s->jid, pn);
	else if (!s->lid && slid != NULL)
		msg_lid_learn(m, slid, s->jid);
	if (!s->lid)
		msg_fmt(s->phone, sizeof(s->phone), "%s",
		    strlen(s->user) < sizeof(s->phone) ? s->user : "");
	else if ((mapped = msg_lid_phone(m, s->user)) != NULL)
		snprintf(s->phone, sizeof(s->phone), "%s", mapped);
	msg_own_phone(m, own);
	if (s->phone[0] == '\0' && s->lid && own_lid(m, s->user))
		snprintf(s->phone, sizeof(s->phone), "%s", own);
	s->own = own[0] != '\0' && strcmp(own, s->phone) == 0;
	/* Sessions are keyed by number, so a contact moving to LID keeps its own. */
	if (s->phone[0] != '\0')
		snprintf(s->name, sizeof(s->name), "%s", s->phone);
	else if (!msg_fmt(s->name, sizeof(s->name), "%s@lid", s->user))
		return -EBADMSG;	/* a LID too long to be an address name */
	return 0;
}

/* True (and noted) when chat has had no auto-reply within the window. */
static bool
auto_reply_due(struct msg *m, const char *chat)
{
	uint64_t now = clock_mono_ms();
	struct auto_replied *a = NULL;
	size_t i;

	for (i = 0; i < MSG_AUTO_REPLY_SLOTS && a == NULL; i++)
		if (strcmp(m->auto_replied[i].chat, chat) == 0)
			a = &m->auto_replied[i];
	if (a != NULL && now - a->at_ms < MSG_AUTO_REPLY_MS)
		return false;
	if (a == NULL)
		a = &m->auto_replied[m->auto_replied_next++ % MSG_AUTO_REPLY_SLOTS];
	snprintf(a->chat, sizeof(a->chat), "%s", chat);
	a->at_ms = now;
	return true;
}

static void
refuse(struct msg *m, const struct bn_node *n, const struct sender *s,
    const char *reason)
{
	const char *id = bn_node_attr(n, "id"), *t = bn_node_attr(n, "t");

	log_info("message %s from %s refused: %s", id,
	    s->phone[0] ? s->phone : s->jid, reason);
	msg_publish(m, false, s->phone[0] ? s->phone : s->jid, id, reason,
	    t != NULL ? strtoull(t, NULL, 10) : 0);
	if (m->cfg.auto_reply[0] != '\0' && !s->group && auto_reply_due(m, s->chat) &&
	    msg_send_text(m, s->chat, m->cfg.auto_reply) < 0)
		log_warnx("message %s: could not send the auto-reply", id);
}

static void
hold(struct msg *m, const struct bn_node *n, const struct sender *s)
{
	struct held_msg *h;

	if (m->nheld == MSG_HELD_MAX) {
		refuse(m, n, s, "sender LID not mapped (lookup queue full)");
		return;
	}
	h = &m->held[m->nheld];
	if (bn_encode(n, 0, &h->bytes, &h->len) < 0) {
		refuse(m, n, s, "sender LID not mapped");
		return;
	}
	m->nheld++;
	log_info("message %s: sender %s has no known number; looking it up",
	    bn_node_attr(n, "id"), s->jid);
	if (m->lid_iq[0] == '\0')
		msg_lid_query(m);
}

/* One <enc>: decrypted plaintext (unpadded) or a negative error. */
static int
decrypt_enc(struct msg *m, const struct sender *s, const struct bn_node *enc,
    uint8_t **pt, size_t *len)
{
	const char *type = bn_node_attr(enc, "type");
	const uint8_t *ct;
	size_t ctlen;
	int rc;

	if (type == NULL || (ct = bn_node_peek_bytes(enc, &ctlen)) == NULL)
		return -EBADMSG;
	if (strcmp(type, "pkmsg") == 0 || strcmp(type, "msg") == 0)
		rc = sig_decrypt(m->sig, s->name, s->device,
		    strcmp(type, "pkmsg") == 0, ct, ctlen, pt, len);
	else if (strcmp(type, "skmsg") == 0 && s->group)
		rc = sig_group_decrypt(m->sig, s->chat, s->name, s->device, ct,
		    ctlen, pt, len);
	else
		return -ENOTSUP;
	if (rc < 0)
		return rc;
	if (msg_unpad(*pt, len) < 0) {
		sodium_memzero(*pt, *len);
		free(*pt);
		*pt = NULL;
		return -EBADMSG;
	}
	return 0;
}

static void
serve(struct msg *m, const struct bn_node *n, const struct sender *s,
    struct msg_content *c)
{
	const char *id = bn_node_attr(n, "id"), *t = bn_node_attr(n, "t");
	struct hook_input in = {
		.from = s->phone, .push_name = bn_node_attr(n, "notify"), .id = id,
		.text = c->text, .timestamp = t != NULL ? strtoull(t, NULL, 10) : 0,
	};
	int rc;

	if (s->group) {
		log_info("message %s from %s in group %s: groups are not served",
		    id, s->phone, s->chat);
		return;
	}
	if (!hook_enabled(m->hook)) {
		log_info("message %s from %s accepted (%zu bytes); no hook set",
		    id, s->phone, strlen(c->text));
		return;
	}
	if ((rc = hook_run(m->hook, &in, s->chat)) < 0)
		log_warn(rc, "message %s from %s: hook not run", id, s->phone);
	else
		log_info("message %s from %s accepted (%zu bytes); hook started",
		    id, s->phone, strlen(c->text));
}

/* Decrypts every <enc> (skdm first, so a following skmsg can use it). */
static void
decrypt_all(struct msg *m, const struct bn_node *n, const struct sender *s)
{
	const char *id = bn_node_attr(n, "id");
	struct msg_content c, text = { 0 };
	size_t i, cnt = bn_node_child_count(n), len;
	bool any_ok = false, any_fail = false, have_text = false, served;
	uint8_t *pt;
	int rc;

	for (i = 0; i < cnt; i++) {
		const struct bn_node *enc = bn_node_peek_child(n, i);

		if (!bn_node_tag_is(enc, "enc"))
			continue;
		pt = NULL;
		if ((rc = decrypt_enc(m, s, enc, &pt, &len)) == -ENOTSUP) {
			log_info("message %s: <enc type=%s> skipped (%s)", id,
			    bn_node_attr(enc, "type") ? bn_node_attr(enc, "type") : "?",
			    s->group ? "no sender key yet" : "not 1:1");
			continue;
		}
		if (rc == -EALREADY) {
			log_info("message %s: already decrypted (duplicate)", id);
			any_ok = true;
			continue;
		}
		if (rc < 0) {
			log_warn(rc, "message %s from %s: cannot decrypt %s", id,
			    s->jid, bn_node_attr(enc, "type"));
			any_fail = true;
			continue;
		}
		any_ok = true;
		rc = msg_decode(pt, len, &c);
		/* issue 13: what the text path leaves, and replies (which carry
		 * the quoted message), go to the hook typed */
		served = rc == 0 && !s->own && !s->group &&
		    (c.kind == MSG_KIND_UNSUPPORTED || c.kind == MSG_KIND_PROTOCOL ||
		    (c.kind == MSG_KIND_TEXT && !have_text &&
		    strcmp(c.type, "extendedTextMessage") == 0)) &&
		    msg_typed_serve(m, n, s->chat, s->phone, pt, len) > 0;
		sodium_memzero(pt, len);
		free(pt);
		if (rc < 0) {
			log_warn(rc, "message %s: not a Message protobuf", id);
			continue;
		}
		if (c.skdm != NULL && s->group &&
		    (rc = sig_group_process(m->sig, s->chat, s->name, s->device,
		    c.skdm, c.skdm_len)) < 0)
			log_warn(rc, "message %s: sender key not usable", id);
		if (c.kind == MSG_KIND_TEXT && !have_text && !served) {
			text = c;
			have_text = true;
			continue;
		}
		if (c.kind == MSG_KIND_UNSUPPORTED && !served)
			log_info("message %s from %s: unsupported type %s", id,
			    s->phone, c.type);
		else if (c.kind != MSG_KIND_SKDM_ONLY && !served)
			log_debug("message %s: %s not served", id, c.type);
		msg_content_fini(&c);
	}
	if (any_fail && !any_ok) {
		send_retry(m, n);
		return;
	}
	if (any_ok && send_receipt(m, n, NULL, NULL, NULL, NULL) < 0)
		log_warnx("message %s: could not send the delivery receipt", id);
	if (any_ok && !s->own)
		msg_publish(m, true, s->phone, id, NULL,
		    bn_node_attr(n, "t") ? strtoull(bn_node_attr(n, "t"), NULL, 10) : 0);
	if (have_text && !s->own)
		serve(m, n, s, &text);
	if (have_text)
		msg_content_fini(&text);
}

void
msg_recv_message(struct msg *m, const struct bn_node *n, bool replay)
{
	struct sender s;

	if (identify(m, n, &s) < 0) {
		log_warnx("message: stanza without a usable sender; dropped");
		return;
	}
	if (s.own) {
		/* Our phone's copies: keep the sessions in step, serve nothing. */
		decrypt_all(m, n, &s);
		return;
	}
	if (s.phone[0] == '\0') {
		if (!replay && !msg_lid_missed(m, s.user)) {
			hold(m, n, &s);
			return;
		}
		msg_lid_miss_note(m, s.user);
		refuse(m, n, &s, "sender LID not mapped to a phone number");
		return;
	}
	if (!whitelist_has(m->cfg.wl, s.phone)) {
		refuse(m, n, &s, "not whitelisted");
		return;
	}
	decrypt_all(m, n, &s);
}

void
msg_recv_receipt(struct msg *m, const struct bn_node *n)
{
	const char *type = bn_node_attr(n, "type"), *from = bn_node_attr(n, "from");
	const char *id = bn_node_attr(n, "id"), *mapped;
	const struct bn_node *keys = bn_node_peek_child_by_tag(n, "keys");
	const struct bn_node *regn = bn_node_peek_child_by_tag(n, "registration");
	char user[MSG_JID_MAX], name[MSG_JID_MAX];
	const uint8_t *reg = NULL;
	size_t reg_len = 0;
	uint32_t dev;
	bool lid;
	int rc;

	if (type == NULL || strcmp(type, "retry") != 0 || id == NULL ||
	    msg_jid_split(from, user, sizeof(user), &dev, &lid) < 0)
		return;
	if (lid && (mapped = msg_lid_phone(m, user)) != NULL)
		msg_fmt(name, sizeof(name), "%s", mapped);
	else
		msg_fmt(name, sizeof(name), "%s%s", user, lid ? "@lid" : "");
	if (regn != NULL)
		reg = bn_node_peek_bytes(regn, &reg_len);
	if ((rc = msg_resend(m, id, from, name, keys, reg, reg_len)) < 0 &&
	    rc != -ENOENT)
		log_warn(rc, "message %s: could not answer %s's retry receipt", id, from);
}

void
msg_hook_done(void *arg, const char *tag, enum hook_status st, int code,
    const char *reply, size_t len)
{
	struct msg *m = arg;
	char *text;
	int rc;

	switch (st) {
	case HOOK_TIMEOUT:
		log_warnx("hook for %s: killed at the timeout; no reply", tag);
		return;
	case HOOK_FAILED:
		log_warnx("hook for %s: failed (status %d); no reply", tag, code);
		return;
	case HOOK_ERROR:
		log_error(code, "hook for %s: could not start", tag);
		return;
	case HOOK_OK:
		break;
	}
	if (len == 0) {
		log_info("hook for %s: no output; no reply", tag);
		return;
	}
	if ((text = malloc(len + 1)) == NULL)
		return;
	memcpy(text, reply, len);
	text[len] = '\0';
	if (strlen(text) != len)
		log_warnx("hook for %s: output holds a NUL byte; no reply", tag);
	else if ((rc = msg_send_text(m, tag, text)) < 0)
		log_warn(rc, "hook for %s: could not send the reply", tag);
	sodium_memzero(text, len);
	free(text);
}
