/*
 * link_stanza.c: what the server says once Noise is up (protocol-notes §4,
 * §6): login success or failure, stream errors, pairing, pings, routing
 * info, and the acks every message-like stanza needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/bn.h"
#include "clock.h"
#include "log.h"
#include "store/creds.h"

#include "link_internal.h"
#include "pair.h"

static bool
attr_is(const struct bn_node *n, const char *key, const char *want)
{
	const char *v = bn_node_attr(n, key);

	return v != NULL && strcmp(v, want) == 0;
}

/* <iq to=… type=result id=…/>: the answer to a server iq. */
static int
send_iq_result(struct link *l, const struct bn_node *iq)
{
	struct bn_node *r = bn_node_new("iq");
	const char *from = bn_node_attr(iq, "from");
	int rc = -ENOMEM;

	if (r != NULL && bn_node_set_attr(r, "to", from ? from : BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(r, "type", "result") == 0 &&
	    bn_node_set_attr(r, "id", bn_node_attr(iq, "id")) == 0)
		rc = link_send_raw(l, r);
	bn_node_free(r);
	return rc;
}

/* protocol-notes §6: every message, receipt, notification and call is acked. */
static int
send_ack(struct link *l, const struct bn_node *n)
{
	static const char *copied[] = { "participant", "recipient", "type" };
	struct bn_node *a = bn_node_new("ack");
	const char *v;
	size_t i;
	int rc = -ENOMEM;

	if (a == NULL || bn_node_attr(n, "id") == NULL || bn_node_attr(n, "from") == NULL)
		goto out;
	if (bn_node_set_attr(a, "id", bn_node_attr(n, "id")) < 0 ||
	    bn_node_set_attr(a, "to", bn_node_attr(n, "from")) < 0 ||
	    bn_node_set_attr(a, "class", bn_node_tag(n)) < 0)
		goto out;
	for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		if ((v = bn_node_attr(n, copied[i])) != NULL &&
		    bn_node_set_attr(a, copied[i], v) < 0)
			goto out;
	if (bn_node_tag_is(n, "message") && l->creds->paired &&
	    bn_node_set_attr(a, "from", l->creds->me_jid) < 0)
		goto out;
	rc = link_send_raw(l, a);
out:
	bn_node_free(a);
	return rc;
}

int
link_ack(struct link *l, const struct bn_node *n)
{
	if (!l->logged_in)
		return -ENOTCONN;
	return send_ack(l, n);
}

static int
send_passive_active(struct link *l)
{
	struct bn_node *iq = bn_node_new("iq"), *act = bn_node_new("active");
	char id[LINK_ID_MAX];
	int rc = -ENOMEM;

	link_new_id(l, id);
	if (iq != NULL && act != NULL &&
	    bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(iq, "xmlns", "passive") == 0 &&
	    bn_node_set_attr(iq, "type", "set") == 0 &&
	    bn_node_set_attr(iq, "id", id) == 0 &&
	    bn_node_add_child(iq, act) == 0) {
		act = NULL;
		rc = link_send_raw(l, iq);
	}
	bn_node_free(act);
	bn_node_free(iq);
	return rc;
}

int
link_passive_after_prekeys(struct link *l)
{
	int rc;

	if (!l->passive_due)
		return 0;
	l->passive_due = false;
	if ((rc = send_passive_active(l)) < 0)
		log_warn(rc, "link: could not send the passive iq");
	return 0;
}

static int
on_success(struct link *l, const struct bn_node *n)
{
	const char *lid = bn_node_attr(n, "lid");
	int rc;

	lws_sul_cancel(&l->sul_auth);
	l->logged_in = true;
	l->round = 0;
	l->qr_paused = false;
	if (lid != NULL && l->creds->me_lid[0] == '\0' &&
	    strlen(lid) < sizeof(l->creds->me_lid)) {
		snprintf(l->creds->me_lid, sizeof(l->creds->me_lid), "%s", lid);
		link_save_creds(l, "login");
	}
	link_policy_link_up(&l->policy, clock_mono_ms());
	l->last_pong_mono = clock_mono_ms();
	link_fire(l, LE_LOGIN_OK, "logged in");
	/* protocol-notes §4: prekeys, then the passive iq lets offline
	 * stanzas flow (sent by prekeys.c once the count is answered). */
	l->passive_due = true;
	if ((rc = link_prekeys_on_login(l)) < 0) {
		log_warn(rc, "link: could not ask for the prekey count");
		link_passive_after_prekeys(l);
	}
	link_keepalive_start(l);
	return 0;
}

static int
on_failure(struct link *l, const struct bn_node *n)
{
	const char *r = bn_node_attr(n, "reason"), *exp = bn_node_attr(n, "expire");
	int code = r != NULL ? atoi(r) : 500;
	enum link_reason reason = link_reason_classify(LC_FAILURE, code, NULL);
	char msg[LINK_DETAIL_MAX];

	if (link_failure_stops(code))
		l->close_refused = code;
	if (reason == REASON_BAN)
		l->close_ban_until_mono = exp != NULL && atoll(exp) > 0 ?
		    clock_mono_ms() + (uint64_t)atoll(exp) * 1000 : 0;
	snprintf(msg, sizeof(msg), "server refused the login: failure %d%s", code,
	    code == 401 ? " (device removed or logged out)" :
	    code == 402 ? " (temporary ban)" : code == 403 ? " (forbidden)" :
	    code == 405 ? " (client version outdated)" :
	    link_failure_stops(code) ? " (a refusal we do not know: not retried)" : "");
	link_fail(l, reason, msg);
	return 0;
}

static int
on_stream_error(struct link *l, const struct bn_node *n)
{
	const char *c = bn_node_attr(n, "code");
	struct bn_node *conflict = bn_node_peek_child_by_tag(n, "conflict");
	const char *type = conflict != NULL ? bn_node_attr(conflict, "type") : NULL;
	int code = c != NULL ? atoi(c) : 0;
	char msg[LINK_DETAIL_MAX];

	if (type != NULL && strcmp(type, "replaced") == 0)
		snprintf(msg, sizeof(msg), "stream error: session replaced "
		    "(opened elsewhere)");
	else if (type != NULL && strcmp(type, "device_removed") == 0)
		snprintf(msg, sizeof(msg), "stream error: device removed on the phone");
	else if (code == 515)
		snprintf(msg, sizeof(msg), "stream error 515: restart required");
	else
		snprintf(msg, sizeof(msg), "stream error %d%s%s", code,
		    type ? ": " : "", type ? type : "");
	link_fail(l, link_reason_classify(LC_STREAM_ERROR, code, type), msg);
	return 0;
}

/* whatsmeow pair.go sendPairError: the phone learns why we refused. */
static void
send_pair_error(struct link *l, const struct bn_node *iq, int rc)
{
	struct bn_node *r = bn_node_new("iq"), *e = bn_node_new("error");
	bool auth = rc == -EKEYREJECTED || rc == -EBADE;

	if (r != NULL && e != NULL && bn_node_set_attr(r, "to", BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(r, "type", "error") == 0 &&
	    bn_node_set_attr(r, "id", bn_node_attr(iq, "id")) == 0 &&
	    bn_node_set_attr(e, "code", auth ? "401" : "500") == 0 &&
	    bn_node_set_attr(e, "text", rc == -EKEYREJECTED ? "hmac-mismatch" :
	    rc == -EBADE ? "signature-mismatch" : "internal-error") == 0 &&
	    bn_node_add_child(r, e) == 0) {
		e = NULL;
		link_send_raw(l, r);
	}
	bn_node_free(e);
	bn_node_free(r);
}

/* whatsmeow client.go sendUnifiedSession, sent after a pairing. */
static void
send_unified_session(struct link *l)
{
	struct bn_node *ib = bn_node_new("ib"), *us = bn_node_new("unified_session");
	uint64_t week = 7ull * 24 * 3600 * 1000, off = 3ull * 24 * 3600 * 1000;
	char id[24];

	snprintf(id, sizeof(id), "%llu",
	    (unsigned long long)((clock_wall_ms() + off) % week));
	if (ib != NULL && us != NULL && bn_node_set_attr(us, "id", id) == 0 &&
	    bn_node_add_child(ib, us) == 0) {
		us = NULL;
		link_send_raw(l, ib);
	}
	bn_node_free(us);
	bn_node_free(ib);
}

static int
on_pair_success(struct link *l, const struct bn_node *iq)
{
	struct pair_result r;
	struct bn_node *reply = NULL;
	int rc;

	if ((rc = pair_complete(iq, l->creds, &r, &reply)) < 0) {
		send_pair_error(l, iq, rc);
		link_fail(l, REASON_UNKNOWN, rc == -EKEYREJECTED ?
		    "pair-success refused: not signed for our QR (HMAC mismatch)" :
		    rc == -EBADE ? "pair-success refused: account signature invalid" :
		    "pair-success refused: malformed");
		return 0;
	}
	/* Persist before replying: the server links us the moment it reads it. */
	l->creds->paired = true;
	memcpy(l->creds->me_jid, r.jid, sizeof(r.jid));
	memcpy(l->creds->me_lid, r.lid, sizeof(r.lid));
	memcpy(l->creds->platform, r.platform, sizeof(r.platform));
	memcpy(l->creds->account, r.account, r.account_len);
	l->creds->account_len = r.account_len;
	l->creds->key_index = r.key_index;
	if ((rc = link_save_creds(l, "pairing")) < 0) {
		l->creds->paired = false;
		bn_node_free(reply);
		link_fail(l, REASON_UNKNOWN, "could not store the new pairing");
		return 0;
	}
	rc = link_send_raw(l, reply);
	bn_node_free(reply);
	send_unified_session(l);
	link_qr_stop(l);
	link_code_paired(l);
	log_info("link: paired as %s (platform %s); waiting for restart",
	    r.jid, r.platform[0] ? r.platform : "?");
	link_fire(l, LE_PAIR_SUCCESS, "paired; finishing");
	link_schedule(l, &l->sul_auth, link_auth_timeout, l->cfg.auth_timeout_ms);
	return rc < 0 ? rc : 0;
}

static int
on_iq(struct link *l, const struct bn_node *iq)
{
	const char *type = bn_node_attr(iq, "type"), *id = bn_node_attr(iq, "id");
	struct bn_node *pd;

	/* whatsmeow pair.go handlePairSuccess does not look at the type. */
	if (id != NULL && bn_node_peek_child_by_tag(iq, "pair-success") != NULL)
		return on_pair_success(l, iq);
	if (type == NULL || id == NULL)
		return 0;
	if (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) {
		if (link_code_on_result(l, iq))
			return 0;
		if (l->ping_outstanding && strcmp(id, l->ping_id) == 0)
			link_keepalive_on_result(l);
		else if (strcmp(id, l->prekey_count_id) == 0 ||
		    strcmp(id, l->prekey_upload_id) == 0)
			return link_prekeys_on_result(l, iq);
		else if (l->ev.stanza != NULL && l->logged_in)
			l->ev.stanza(l->ev.arg, iq);
		return 0;
	}
	if (strcmp(type, "get") == 0 && attr_is(iq, "xmlns", "urn:xmpp:ping"))
		return send_iq_result(l, iq);
	if (strcmp(type, "set") != 0)
		return 0;
	if ((pd = bn_node_peek_child_by_tag(iq, "pair-device")) != NULL) {
		int rc = send_iq_result(l, iq);
		return rc < 0 ? rc : link_qr_begin(l, pd);
	}
	return 0;
}

static int
on_ib(struct link *l, const struct bn_node *ib)
{
	struct bn_node *er = bn_node_peek_child_by_tag(ib, "edge_routing"), *ri;
	const uint8_t *b;
	size_t len;

	if (bn_node_peek_child_by_tag(ib, "downgrade_webclient") != NULL) {
		link_fail(l, REASON_OUTDATED, "multi-device is not available for "
		    "this account (downgrade_webclient)");
		return 0;
	}
	if (er != NULL && (ri = bn_node_peek_child_by_tag(er, "routing_info")) != NULL &&
	    (b = bn_node_peek_bytes(ri, &len)) != NULL && len > 0 &&
	    len <= sizeof(l->creds->routing) &&
	    (len != l->creds->routing_len || memcmp(b, l->creds->routing, len) != 0)) {
		/* protocol-notes §1: worth persisting for the ED intro header. */
		memcpy(l->creds->routing, b, len);
		l->creds->routing_len = len;
		link_save_creds(l, "edge routing info");
	}
	return 0;
}

/* Linking notifications come from the server only (whatsmeow pair-passkey.go). */
static void
link_on_link_notification(struct link *l, const struct bn_node *n)
{
	/* the server's JID: a JID pair with no user, or the bare token older
	 * servers (and encoders) used */
	if (l->creds->paired || !(attr_is(n, "from", BN_SERVER_JID) ||
	    attr_is(n, "from", "s.whatsapp.net")))
		return;
	if (attr_is(n, "type", "link_code_companion_reg"))
		link_code_on_notification(l, n);
	else if (attr_is(n, "type", "companion_reg_refresh"))
		link_qr_refresh(l);
	else if (attr_is(n, "type", "passkey_prologue_request"))
		link_passkey_demanded(l);
}

int
link_on_node(struct link *l, struct bn_node *n)
{
	const char *tag = bn_node_tag(n);
	int rc;

	if (strcmp(tag, "iq") == 0)
		return on_iq(l, n);
	if (strcmp(tag, "success") == 0)
		return on_success(l, n);
	if (strcmp(tag, "failure") == 0)
		return on_failure(l, n);
	if (strcmp(tag, "stream:error") == 0)
		return on_stream_error(l, n);
	if (strcmp(tag, "xmlstreamend") == 0) {
		link_fail(l, REASON_TIMEOUT, "server ended the stream");
		return 0;
	}
	if (strcmp(tag, "ib") == 0) {
		/* offline_preview and friends are the message layer's. */
		if (l->ev.stanza != NULL && l->logged_in)
			l->ev.stanza(l->ev.arg, n);
		return on_ib(l, n);
	}
	if (strcmp(tag, "message") == 0 || strcmp(tag, "receipt") == 0 ||
	    strcmp(tag, "notification") == 0 || strcmp(tag, "call") == 0) {
		if (strcmp(tag, "notification") == 0 && attr_is(n, "type", "encrypt"))
			link_prekeys_on_notification(l, n);
		if (l->ev.stanza != NULL && l->logged_in)
			l->ev.stanza(l->ev.arg, n);
		rc = strcmp(tag, "message") == 0 && l->ev.defer_message_acks ?
		    0 : send_ack(l, n);
		/* After the ack: a passkey demand closes the connection. */
		if (strcmp(tag, "notification") == 0)
			link_on_link_notification(l, n);
		return rc;
	}
	if (strcmp(tag, "ack") == 0) {
		/* The server's verdict on a message we sent (msg_send.c). */
		if (l->ev.stanza != NULL && l->logged_in)
			l->ev.stanza(l->ev.arg, n);
		return 0;
	}
	log_debug("link: unhandled <%s>", tag);
	return 0;
}
