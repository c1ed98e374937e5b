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
	if (s->lid && pn != NULL)
		msg_lid_learn(m, s->jid, pn);
	else if (!s->lid && slid != NULL)
		msg_lid_learn(m, slid, s->jid);
	if (!s->lid)
		msg_fmt(s->phone, sizeof(s->phone), "%s",
		    strlen(s->user) < sizeof(s->phone) ? s->user : "");
	else if ((mapped = msg_lid_phone(m, s->user)) != NULL)
		snprintf(s->phone, sizeof(s->phone), "%s", mapped);
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

/*
 * The delivery receipt, of the type both references send (whatsmeow
 * receipt.go sendMessageReceipt, Baileys messages-recv): our own
 * messages echoed from our other devices are "sender" (or "peer_msg"
 * for peer category), a contact's are "inactive" because this client
 * never marks itself online (whatsmeow sendActiveReceipts stays 0).
 */
static void
send_delivery(struct msg *m, const struct bn_node *n, const struct sender *s,
    bool hist_sync)
{
	const char *id = bn_node_attr(n, "id");
	char own[16], to[MSG_JID_MAX];
	struct bn_node *r;

	r = msg_stanza_receipt(n, s->peer ? "peer_msg" : s->own ? "sender" :
	    "inactive");
	if (r == NULL || msg_send(m, r) < 0)
		log_warnx("message %s: could not send the delivery receipt", id);
	bn_node_free(r);
	if (!hist_sync)
		return;
	/* whatsmeow message.go SendProtocolMessageReceipt: a history sync
	 * notice also gets a hist_sync receipt, to our own user JID. */
	msg_own_phone(m, own);
	if (!msg_fmt(to, sizeof(to), "%s@s.whatsapp.net", own))
		return;
	if ((r = bn_node_new("receipt")) != NULL &&
	    bn_node_set_attr(r, "id", id) == 0 &&
	    bn_node_set_attr(r, "to", to) == 0 &&
	    bn_node_set_attr(r, "type", "hist_sync") == 0 && msg_send(m, r) == 0)
		log_info("message %s: history sync notice acknowledged", id);
	bn_node_free(r);
}

/* Decrypts every <enc> (skdm first, so a following skmsg can use it). */
static void
decrypt_all(struct msg *m, const struct bn_node *n, const struct sender *s)
{
	const char *id = bn_node_attr(n, "id");
	struct msg_content c, text = { 0 };
	size_t i, cnt = bn_node_child_count(n), len;
	bool any_ok = false, any_fail = false, have_text = false, hist = false;
	bool served;
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
		if (!s->own && !s->group)	/* for quotes, until the journal (issue 12) */
			msg_answer_note_inbound(m, s->chat, bn_node_attr(n, "id"), pt, len);
		rc = msg_decode(pt, len, &c);
		/* issue 13: what the text path leaves, and replies (which carry
		 * the quoted message), go to the hook typed */
		served = rc == 0 && !s->own && !s->group &&
		    (c.kind == MSG_KIND_UNSUPPORTED || c.kind == MSG_KIND_PROTOCOL ||
		    (c.kind == MSG_KIND_TEXT && !have_text &&
		    strcmp(c.type, "extendedTextMessage") == 0)) &&
		    msg_typed_serve(m, n, s->chat, s->phone, pt, len) > 0;
		if (rc == 0 && s->own && c.kind == MSG_KIND_PROTOCOL &&
		    c.proto_type == MSG_PROTO_HISTORY_SYNC)
			msg_media_history(m->dl, id, pt, len);	/* LID mappings */
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
		if (c.kind == MSG_KIND_PROTOCOL && c.proto_type == MSG_PROTO_HISTORY_SYNC)
			hist = true;
		/* whatsmeow handleProtocolMessage: only from our own devices. */
		if (c.nlid_pairs > 0 && s->own)
			msg_lid_learn_many(m, c.lid_pairs, c.nlid_pairs);
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
		msg_retry_request(m, n);
		return;
	}
	if (any_ok)
		send_delivery(m, n, s, hist && s->own);
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
		log_warnx("message: stanza without a usable sender or id; dropped");
		return;
	}
	if (s.own) {
		/* Our own devices' copies: keep the sessions in step, serve nothing. */
		decrypt_all(m, n, &s);
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
		return;
	}
	decrypt_all(m, n, &s);
}

void
msg_hook_done(void *arg, const char *tag, enum hook_status st, int code,
    const char *reply, size_t len)
{
	struct msg *m = arg;
	char *text;
	int rc;

	if (msg_status_hook_done(tag))
		return;
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
	else if ((rc = msg_answer_hook(m, tag, text, len)) < 0)
		log_warn(rc, "hook for %s: could not send the reply", tag);
	sodium_memzero(text, len);
	free(text);
}
