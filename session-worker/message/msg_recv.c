/*
 * msg_recv.c: incoming messages (protocol-notes §8, §9). The order is
 * the point: who sent it (a LID mapped to a phone number, or refused
 * when it cannot be), whether that number is whitelisted, and only then
 * decryption, the delivery receipt, the accepted event and the hook. A
 * refused message is never decrypted; its sender may get the configured
 * auto-reply. The chat is the sender without its device (hook answers
 * and auto-replies go there); receipts are of the type whatsmeow sends
 * (inactive, sender, peer_msg, plus hist_sync). Failed decryption gets
 * a retry receipt (msg_retry.c). A LID with no known number waits in
 * msg_lid.c for a mapping.
 */
#include <errno.h>
#include <stddef.h>
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
#include "msg_jrec.h"
#include "msg_stanza.h"
#include "msg_typed.h"

struct sender {
	char		 chat[MSG_JID_MAX];	/* user or group jid, never a device */
	const char	*jid;		/* the sending device: from or participant */
	char		 user[MSG_JID_MAX];
	uint32_t	 device;
	bool		 lid, group, own, peer;
	char		 phone[16];	/* "" when unknown */
	char		 name[MSG_JID_MAX];	/* Signal address name */
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/*
 * Who sent it, as a phone number when it can be known (protocol-notes
 * §8, §9). The chat is the sender without its device (whatsmeow
 * message.go parseMessageSource: Chat = from.ToNonAD()); for our own
 * messages echoed from our other devices it is the recipient.
 */
static int
identify(struct msg *m, const struct bn_node *n, struct sender *s)
{
	const char *from = bn_node_attr(n, "from"), *pn, *slid, *rcpt, *cat;
	const char *mapped;
	const char *id = bn_node_attr(n, "id");
	uint32_t pndev;
	bool pnlid;

	memset(s, 0, sizeof(*s));
	if (from == NULL || id == NULL || strlen(id) >= MSG_ID_MAX)
		return -EBADMSG;
	s->group = ends_with(from, "@g.us") || ends_with(from, "@broadcast");
	s->jid = s->group ? bn_node_attr(n, "participant") : from;
	if (s->jid == NULL ||
	    msg_jid_split(s->jid, s->user, sizeof(s->user), &s->device, &s->lid) < 0)
		return -EBADMSG;
	if (s->group)
		msg_fmt(s->chat, sizeof(s->chat), "%s", from);
	else if (msg_jid_non_ad(from, s->chat, sizeof(s->chat)) < 0)
		return -EBADMSG;
	pn = bn_node_attr(n, s->group ? "participant_pn" : "sender_pn");
	slid = bn_node_attr(n, s->group ? "participant_lid" : "sender_lid");
	/* Only a number we serve is learnt (issue 12): a stranger's traffic
	 * must not fill the map before the whitelist refuses it. */
	if (s->lid && pn != NULL)
		msg_lid_learn_served(m, s->jid, pn);
	else if (!s->lid && slid != NULL)
		msg_lid_learn_served(m, slid, s->jid);
	if (!s->lid)
		msg_fmt(s->phone, sizeof(s->phone), "%s",
		    strlen(s->user) < sizeof(s->phone) ? s->user : "");
	else if ((mapped = msg_lid_phone(m, s->user)) != NULL)
		snprintf(s->phone, sizeof(s->phone), "%s", mapped);
	/* else a stranger's sender_pn: it decides this stanza (a refusal)
	 * and is never stored */
	else if (pn != NULL &&
	    (msg_jid_split(pn, s->phone, sizeof(s->phone), &pndev, &pnlid) < 0 ||
	    pnlid))
		s->phone[0] = '\0';
	s->own = msg_is_own_user(m, s->user, s->lid);
	if (s->own)
		msg_own_phone(m, s->phone);
	cat = bn_node_attr(n, "category");
	s->peer = s->own && cat != NULL && strcmp(cat, "peer") == 0;
	/* whatsmeow message.go: from us in a 1:1, the chat is the recipient. */
	rcpt = bn_node_attr(n, "recipient");
	if (s->own && !s->group && rcpt != NULL &&
	    msg_jid_non_ad(rcpt, s->chat, sizeof(s->chat)) < 0)
		return -EBADMSG;
	msg_address_name(m, s->user, s->lid, s->name);
	return s->name[0] != '\0' ? 0 : -EBADMSG;
}

/*
 * True (and marked: a JK_MARK job, msg_job.h) when chat has had no
 * auto-reply within the window. The marks are a store under the one
 * eviction rule: a lapsed mark makes room, a live one never does, so a
 * flood of strangers past MSG_AUTO_REPLY_SLOTS within the window gets
 * no auto-reply (counted) rather than a second one for someone.
 */
static bool
auto_reply_due(struct msg *m, const char *chat)
{
	uint64_t now = clock_mono_ms();
	struct auto_replied *a = NULL;
	size_t i, victim;
	int rc;

	for (i = 0; i < m->nauto_replied && a == NULL; i++)
		if (strcmp(m->auto_replied[i].chat, chat) == 0)
			a = &m->auto_replied[i];
	if (a != NULL && now < a->h.until_ms)
		return false;
	if (a == NULL) {
		rc = job_store_admit(&m->auto_js, m->auto_replied,
		    m->nauto_replied, sizeof(*a), offsetof(struct auto_replied, h),
		    0, now, &victim);
		if (rc < 0)
			return false;
		a = &m->auto_replied[rc == 1 ? victim : m->nauto_replied++];
		job_store_stamp(&m->auto_js, &a->h, JK_MARK);
		snprintf(a->chat, sizeof(a->chat), "%s", chat);
	}
	a->h.until_ms = now + MSG_AUTO_REPLY_MS;
	return job_move(&a->h, JE_MARK, chat);
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

/* The hook's tag: "<chat> <inbound id>", so its answer is tied to the
 * message it answers (msg_hook_done). false when it does not fit. */
static bool
hook_tag(char tag[HOOK_TAG_MAX], const char *chat, const char *id)
{
	return msg_fmt(tag, HOOK_TAG_MAX, "%s %s", chat, id);
}

/* 1 a hook runs (its answer ends the entry), 0 nothing to wait for,
 * -EBUSY the hook queue is full (tried again). */
static int
serve(struct msg *m, const struct bn_node *n, const char *chat,
    const char *phone, struct msg_content *c)
{
	const char *id = bn_node_attr(n, "id"), *t = bn_node_attr(n, "t");
	struct hook_input in = {
		.from = phone, .push_name = bn_node_attr(n, "notify"), .id = id,
		.text = c->text, .timestamp = t != NULL ? strtoull(t, NULL, 10) : 0,
	};
	char tag[HOOK_TAG_MAX];
	int rc;

	if (!hook_enabled(m->hook)) {
		log_info("message %s from %s accepted (%zu bytes); no hook set",
		    id, phone, strlen(c->text));
		return 0;
	}
	if (!hook_tag(tag, chat, id))
		msg_fmt(tag, sizeof(tag), "%s", chat);
	if ((rc = hook_run(m->hook, &in, tag)) == -EBUSY) {
		/* the journal keeps it: tried again as the queue drains */
		log_debug("message %s from %s: hook queue full; waits", id, phone);
		return -EBUSY;
	}
	if (rc < 0) {
		log_warn(rc, "message %s from %s: hook not run", id, phone);
		return 0;
	}
	log_info("message %s from %s accepted (%zu bytes); hook started",
	    id, phone, strlen(c->text));
	return strchr(tag, ' ') != NULL ? 1 : 0;
}

/* The delivery receipt's type, as both references send it (whatsmeow
 * receipt.go sendMessageReceipt, Baileys messages-recv): our own
 * messages echoed from our other devices are "sender" (or "peer_msg"
 * for peer category), a contact's are "inactive" because this client
 * never marks itself online (whatsmeow sendActiveReceipts stays 0). */
static const char *
receipt_type(const struct sender *s)
{
	return s->peer ? "peer_msg" : s->own ? "sender" : "inactive";
}

/*
 * What needs no hook, done on the spot: sender keys, LID mappings from
 * our own devices, history sync notices. *hist set for the last.
 */
static void
process_own(struct msg *m, const struct bn_node *n, const struct sender *s,
    const uint8_t *pt, size_t len, bool *hist)
{
	const char *id = bn_node_attr(n, "id");
	struct msg_content c;
	int rc;

	if ((rc = msg_decode(pt, len, &c)) < 0) {
		log_warn(rc, "message %s: not a Message protobuf", id);
		return;
	}
	if (c.skdm != NULL && s->group &&
	    (rc = sig_group_process(m->sig, s->chat, s->name, s->device,
	    c.skdm, c.skdm_len)) < 0)
		log_warn(rc, "message %s: sender key not usable", id);
	if (c.kind == MSG_KIND_PROTOCOL && c.proto_type == MSG_PROTO_HISTORY_SYNC) {
		*hist = true;
		if (s->own)	/* LID mappings only (msg_history.h) */
			msg_media_history(m->dl, id, pt, len);
	}
	/* whatsmeow handleProtocolMessage: only from our own devices. */
	if (c.nlid_pairs > 0 && s->own)
		msg_lid_learn_many(m, c.lid_pairs, c.nlid_pairs);
	if (s->group && c.kind != MSG_KIND_SKDM_ONLY)
		log_info("message %s from %s in group %s: groups are not served",
		    id, s->phone, s->chat);
	msg_content_fini(&c);
}

int
msg_serve_pts(struct msg *m, const struct jrec *r)
{
	struct bn_node *n;
	struct msg_content c, text = { 0 };
	const uint8_t *pt;
	size_t off = 0, len;
	bool have_text = false;
	char t[24];
	int rc, typed, waits = 0;

	if ((n = bn_node_new("message")) == NULL)
		return -EAGAIN;
	snprintf(t, sizeof(t), "%llu", (unsigned long long)r->t);
	if (bn_node_set_attr(n, "id", r->id) < 0 || bn_node_set_attr(n, "t", t) < 0 ||
	    (r->push[0] != '\0' && bn_node_set_attr(n, "notify", r->push) < 0)) {
		bn_node_free(n);
		return -EAGAIN;
	}
	while (jrec_pts_next(r->data, r->len, &off, &pt, &len) == 1) {
		rc = msg_decode(pt, len, &c);
		/* issue 13: what the text path leaves, and replies (which carry
		 * the quoted message), go to the hook typed */
		typed = 0;
		if (rc == 0 && (c.kind == MSG_KIND_UNSUPPORTED ||
		    c.kind == MSG_KIND_PROTOCOL || (c.kind == MSG_KIND_TEXT &&
		    !have_text && strcmp(c.type, "extendedTextMessage") == 0)))
			typed = msg_typed_serve(m, n, r->chat, r->from, pt, len);
		if (typed == -EBUSY)
			waits = waits == 1 ? 1 : -EBUSY;
		else if (typed == 2)
			waits = 1;
		if (rc < 0) {
			log_warn(rc, "message %s: not a Message protobuf", r->id);
			continue;
		}
		if (c.kind == MSG_KIND_TEXT && !have_text && typed <= 0) {
			text = c;
			have_text = true;
			continue;
		}
		if (c.kind == MSG_KIND_UNSUPPORTED && typed <= 0)
			log_info("message %s from %s: unsupported type %s", r->id,
			    r->from, c.type);
		else if (c.kind != MSG_KIND_SKDM_ONLY && typed <= 0)
			log_debug("message %s: %s not served", r->id, c.type);
		msg_content_fini(&c);
	}
	if (have_text) {
		rc = serve(m, n, r->chat, r->from, &text);
		if (rc == 1 || (rc == -EBUSY && waits != 1))
			waits = rc;
		msg_content_fini(&text);
	}
	bn_node_free(n);
	return waits;
}

/* The ciphertext bytes of a stanza's <enc> children. */
static size_t
enc_bytes(const struct bn_node *n)
{
	size_t i, cnt = bn_node_child_count(n), len, sum = 0;

	for (i = 0; i < cnt; i++) {
		const struct bn_node *enc = bn_node_peek_child(n, i);

		if (bn_node_tag_is(enc, "enc") &&
		    bn_node_peek_bytes(enc, &len) != NULL)
			sum += len;
	}
	return sum;
}

/* Decrypts every <enc> (skdm first, so a following skmsg can use it). */
static void
decrypt_all(struct msg *m, const struct bn_node *n, const struct sender *s,
    bool ack)
{
	const char *id = bn_node_attr(n, "id");
	size_t i, cnt = bn_node_child_count(n), len, ptslen = 0;
	bool any_ok = false, any_fail = false, hist = false;
	uint8_t *pt, *pts = NULL;
	int rc;

	/* a live 1:1 message is journaled: room for it is made sure of
	 * before a decrypt advances the session (msg_inbox_admit) */
	if (ack && !s->own && !s->group &&
	    !msg_inbox_admit(m, id, enc_bytes(n)))
		return;
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
		if (s->own || s->group)
			process_own(m, n, s, pt, len, &hist);
		else if ((rc = jrec_pts_add(&pts, &ptslen, pt, len)) < 0)
			log_warn(rc, "message %s: too large to keep", id);
		sodium_memzero(pt, len);
		free(pt);
	}
	if (any_fail && !any_ok) {
		msg_retry_request(m, n);
		if (ack)
			msg_ack_now(m, n);
		goto out;
	}
	if (!any_ok) {
		if (ack)
			msg_ack_now(m, n);
		goto out;
	}
	/* a message seen before (a duplicate, or one the server sends
	 * again before our ack): acked once what it changed is durable */
	if (ptslen == 0 || msg_inbox_find(m, id) != NULL) {
		if (msg_ack_after_commit(m, n, receipt_type(s), hist && s->own,
		    ack, NULL) < 0)
			log_warnx("message %s: out of memory; not acked", id);
		goto out;
	}
	if ((rc = msg_inbox_add(m, n, s->chat, s->phone, pts, ptslen,
	    receipt_type(s), ack)) < 0)
		log_warn(rc, "message %s from %s: not journaled; not acked (the "
		    "server sends it again)", id, s->phone);
out:
	if (pts != NULL) {
		sodium_memzero(pts, ptslen);
		free(pts);
	}
}

/*
 * replay: a stanza held for its LID (msg_lid.c), already acked when it
 * was journaled there. Every other <message> is acked from here (the
 * link leaves it to us: link_events.defer_message_acks).
 */
void
msg_recv_message(struct msg *m, const struct bn_node *n, bool replay)
{
	struct sender s;

	if (identify(m, n, &s) < 0) {
		log_warnx("message: stanza without a usable sender or id; dropped");
		if (!replay)
			msg_ack_now(m, n);
		return;
	}
	if (s.own) {
		/* Our own devices' copies: keep the sessions in step, serve nothing. */
		decrypt_all(m, n, &s, !replay);
		return;
	}
	if (s.phone[0] == '\0') {
		if (!replay) {
			msg_lid_hold(m, n, s.user);
			return;
		}
		refuse(m, n, &s, "sender LID not mapped to a phone number");
		return;
	}
	if (!whitelist_has(m->cfg.wl, s.phone)) {
		refuse(m, n, &s, "not whitelisted");
		if (!replay)
			msg_ack_now(m, n);
		return;
	}
	decrypt_all(m, n, &s, !replay);
}

/*
 * The answer to id is all in the outbox (or failed for good): the
 * inbound record leaves the journal only now (issue 12), so a crash
 * while the answer waited for pacing or an upload serves it again.
 */
static void
answered(struct msg *m, const char *id)
{
	msg_inbox_done(m, id);
}

/*
 * The hook's answer to the journaled message id (NULL: a chat alone):
 * msg_answer quotes and reacts to that message, read back from its
 * journal record.
 */
static int
answer(struct msg *m, const char *chat, const char *id, const char *text,
    size_t len)
{
	struct msg_answer_ctx ctx = { .chat = chat, .inbound_sender_jid = chat,
	    .inbound_id = id, .done = answered };
	struct inbox_entry *e = id != NULL ? msg_inbox_find(m, id) : NULL;
	size_t off = 0;
	struct jrec r;

	if (e != NULL && jrec_decode(e->rec, e->len, &r) == 0 &&
	    jrec_pts_next(r.data, r.len, &off, &ctx.inbound_pb,
	    &ctx.inbound_len) != 1) {
		ctx.inbound_pb = NULL;
		ctx.inbound_len = 0;
	}
	/* until answered() (perhaps within msg_answer): not served again */
	if (e != NULL) {
		e->hook_running = false;
		e->answering = true;
	}
	return msg_answer(m, &ctx, text, len);
}

void
msg_hook_done(void *arg, const char *tag, enum hook_status st, int code,
    const char *reply, size_t len)
{
	struct msg *m = arg;
	char chat[HOOK_TAG_MAX], *id, *text;
	struct inbox_entry *e;
	int rc = 0;

	if (msg_status_hook_done(tag))
		return;
	/* "<chat> <inbound id>" (serve), or a chat alone (media fetches) */
	snprintf(chat, sizeof(chat), "%s", tag);
	if ((id = strchr(chat, ' ')) != NULL)
		*id++ = '\0';
	switch (st) {
	case HOOK_TIMEOUT:
		log_warnx("hook for %s: killed at the timeout; no reply", tag);
		goto done;
	case HOOK_FAILED:
		log_warnx("hook for %s: failed (status %d); no reply", tag, code);
		goto done;
	case HOOK_ERROR:
		/* not run at all: the journal keeps the message; tried again */
		log_error(code, "hook for %s: could not start; tried again", tag);
		if (id != NULL)
			msg_inbox_hook_not_run(m, id, -EBUSY);
		return;
	case HOOK_OK:
		break;
	}
	if (len == 0) {
		log_info("hook for %s: no output; no reply", tag);
		goto done;
	}
	if ((text = malloc(len + 1)) == NULL) {
		if (id != NULL)		/* kept: served again */
			msg_inbox_hook_not_run(m, id, -EAGAIN);
		return;
	}
	memcpy(text, reply, len);
	text[len] = '\0';
	if (strlen(text) != len)
		log_warnx("hook for %s: output holds a NUL byte; no reply", tag);
	else if ((rc = answer(m, chat, id, text, len)) == 0) {
		/* answered() ends the entry once the reply is in the outbox */
		id = NULL;
	} else if (rc == -EBUSY && id != NULL && msg_inbox_find(m, id) != NULL) {
		/* too many sends in flight: the hook runs again later */
		log_warnx("hook for %s: reply not queued (too many sends); the "
		    "message is served again", tag);
		msg_inbox_find(m, id)->answering = false;
		msg_inbox_hook_not_run(m, id, -EBUSY);
		sodium_memzero(text, len);
		free(text);
		return;
	} else if (rc < 0)
		log_warn(rc, "hook for %s: could not send the reply", tag);
	sodium_memzero(text, len);
	free(text);
done:
	/* nothing more will be sent for it: the message is served */
	if (id != NULL && (e = msg_inbox_find(m, id)) != NULL) {
		e->answering = false;
		msg_inbox_done(m, id);
	}
	/* a place in the hook's queue is free: the next waiting message */
	msg_inbox_sweep(m, UINT64_MAX);
}
