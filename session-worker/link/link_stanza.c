/*
 * link_stanza.c: what the server says once Noise is up (protocol-notes §4,
 * §6). It answers what the wire needs answered at once (acks, pings, a
 * refused pair-success), hands the rest to the message layer, and says in
 * a link_verdict what the stanza means for the link: login, a verified
 * pairing, a round's refs, a QR refresh, the phone's answer to a code, a
 * passkey demand, prekeys running low, routing info to keep, or the reason
 * the connection must end. It writes no field of struct link; link.c
 * applies the verdict.
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

/* The message layer acks a <message> once it is on disk (msg_journal.h). */
int
link_ack(struct link *l, const struct bn_node *n)
{
	if (!link_logged_in(l))
		return -ENOTCONN;
	return send_ack(l, n);
}

/* The connection must end for reason: what link.c's link_fail() will do. */
static void
verdict_down(struct link_verdict *v, enum link_reason reason, const char *detail)
{
	v->kind = LV_DOWN;
	v->down.intent = CI_FAULT;
	v->down.reason = reason;
	snprintf(v->detail, sizeof(v->detail), "%s", detail);
}

/* whatsmeow connectionevents.go handleConnectFailure */
static void
on_failure(const struct bn_node *n, struct link_verdict *v)
{
	const char *r = bn_node_attr(n, "reason"), *exp = bn_node_attr(n, "expire");
	int code = r != NULL ? atoi(r) : 500;
	enum link_reason reason = link_reason_classify(LC_FAILURE, code, NULL);
	char msg[LINK_DETAIL_MAX];

	const char *label = link_code_label(LC_FAILURE, code);

	snprintf(msg, sizeof(msg), "WhatsApp refused the connection: failure %d "
	    "(%s)%s", code, label != NULL ? label : "unknown code",
	    link_failure_stops(code) ? ": not retried" : "");
	verdict_down(v, reason, msg);
	if (link_failure_stops(code))
		v->down.refused = code;
	if (reason == REASON_BAN && exp != NULL && atoll(exp) > 0)
		v->down.ban_until_mono = clock_mono_ms() + (uint64_t)atoll(exp) * 1000;
}

static void
on_stream_error(const struct bn_node *n, struct link_verdict *v)
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
	else if (link_code_label(LC_STREAM_ERROR, code) != NULL)
		snprintf(msg, sizeof(msg), "stream error %d (%s)%s%s", code,
		    link_code_label(LC_STREAM_ERROR, code), type ? ": " : "",
		    type ? type : "");
	else
		snprintf(msg, sizeof(msg), "stream error %d%s%s", code,
		    type ? ": " : "", type ? type : "");
	verdict_down(v, link_reason_classify(LC_STREAM_ERROR, code, type), msg);
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

struct bn_node *
link_unified_session_node(uint64_t now_wall_ms)
{
	struct bn_node *ib = bn_node_new("ib"), *us = bn_node_new("unified_session");
	uint64_t week = 7ull * 24 * 3600 * 1000, off = 3ull * 24 * 3600 * 1000;
	char id[24];

	snprintf(id, sizeof(id), "%llu",
	    (unsigned long long)((now_wall_ms + off) % week));
	if (ib != NULL && us != NULL && bn_node_set_attr(us, "id", id) == 0 &&
	    bn_node_add_child(ib, us) == 0)
		return ib;
	bn_node_free(us);
	bn_node_free(ib);
	return NULL;
}

/* whatsmeow pair.go handlePairSuccess: verified here, stored by link.c. */
static void
on_pair_success(struct link *l, const struct bn_node *iq, struct link_verdict *v)
{
	int rc;

	if ((rc = pair_complete(iq, l->creds, &v->pair, &v->reply)) < 0) {
		send_pair_error(l, iq, rc);
		verdict_down(v, REASON_UNKNOWN, rc == -EKEYREJECTED ?
		    "pair-success refused: not signed for our QR (HMAC mismatch)" :
		    rc == -EBADE ? "pair-success refused: account signature invalid" :
		    "pair-success refused: malformed");
		return;
	}
	v->kind = LV_PAIRED;
}

static int
on_iq(struct link *l, const struct bn_node *iq, struct link_verdict *v)
{
	const char *type = bn_node_attr(iq, "type"), *id = bn_node_attr(iq, "id");
	struct bn_node *pd;

	/* whatsmeow pair.go handlePairSuccess does not look at the type. */
	if (id != NULL && bn_node_peek_child_by_tag(iq, "pair-success") != NULL) {
		on_pair_success(l, iq, v);
		return 0;
	}
	if (type == NULL || id == NULL)
		return 0;
	if (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) {
		/* link_iq.h: every answer goes to its waiter first */
		if (!link_iq_route(&l->iqs, iq) && l->ev.stanza != NULL &&
		    link_logged_in(l))
			l->ev.stanza(l->ev.arg, iq);
		return 0;
	}
	if (strcmp(type, "get") == 0 && attr_is(iq, "xmlns", "urn:xmpp:ping"))
		return send_iq_result(l, iq);
	if (strcmp(type, "set") != 0)
		return 0;
	if ((pd = bn_node_peek_child_by_tag(iq, "pair-device")) != NULL) {
		int rc = send_iq_result(l, iq);

		if (rc == 0) {
			v->kind = LV_PAIR_DEVICE;
			v->pair_device = pd;
		}
		return rc;
	}
	return 0;
}

static void
on_ib(struct link *l, const struct bn_node *ib, struct link_verdict *v)
{
	struct bn_node *er = bn_node_peek_child_by_tag(ib, "edge_routing"), *ri;
	const uint8_t *b;
	size_t len;

	if (bn_node_peek_child_by_tag(ib, "downgrade_webclient") != NULL) {
		verdict_down(v, REASON_OUTDATED, "multi-device is not available "
		    "for this account (downgrade_webclient)");
		return;
	}
	if (er != NULL && (ri = bn_node_peek_child_by_tag(er, "routing_info")) != NULL &&
	    (b = bn_node_peek_bytes(ri, &len)) != NULL && len > 0 &&
	    len <= sizeof(l->creds->routing) &&
	    (len != l->creds->routing_len || memcmp(b, l->creds->routing, len) != 0)) {
		/* protocol-notes §1: worth persisting for the ED intro header. */
		v->kind = LV_ROUTING;
		v->routing = b;
		v->routing_len = len;
	}
}

/* Linking notifications come from the server only (whatsmeow pair-passkey.go). */
static void
link_on_link_notification(struct link *l, const struct bn_node *n,
    struct link_verdict *v)
{
	/* the server's JID: a JID pair with no user, or the bare token older
	 * servers (and encoders) used */
	if (l->creds->paired || !(attr_is(n, "from", BN_SERVER_JID) ||
	    attr_is(n, "from", "s.whatsapp.net")))
		return;
	if (attr_is(n, "type", "link_code_companion_reg")) {
		v->kind = LV_CODE_ANSWER;
		v->code_answer = n;
	} else if (attr_is(n, "type", "companion_reg_refresh"))
		v->kind = LV_QR_REFRESH;
	else if (attr_is(n, "type", "passkey_prologue_request"))
		v->kind = LV_PASSKEY;
}

int
link_on_node(struct link *l, struct bn_node *n, struct link_verdict *v)
{
	const char *tag = bn_node_tag(n);
	int rc;

	memset(v, 0, sizeof(*v));
	if (strcmp(tag, "iq") == 0)
		return on_iq(l, n, v);
	if (strcmp(tag, "success") == 0) {
		v->kind = LV_LOGIN;
		v->lid = bn_node_attr(n, "lid");
		return 0;
	}
	if (strcmp(tag, "failure") == 0) {
		on_failure(n, v);
		return 0;
	}
	if (strcmp(tag, "stream:error") == 0) {
		on_stream_error(n, v);
		return 0;
	}
	if (strcmp(tag, "xmlstreamend") == 0) {
		verdict_down(v, REASON_TIMEOUT, "server ended the stream");
		return 0;
	}
	if (strcmp(tag, "ib") == 0) {
		/* offline_preview and friends are the message layer's. */
		if (l->ev.stanza != NULL && link_logged_in(l))
			l->ev.stanza(l->ev.arg, n);
		on_ib(l, n, v);
		return 0;
	}
	if (strcmp(tag, "message") == 0 || strcmp(tag, "receipt") == 0 ||
	    strcmp(tag, "notification") == 0 || strcmp(tag, "call") == 0) {
		if (strcmp(tag, "notification") == 0 && attr_is(n, "type", "encrypt")) {
			v->kind = LV_PREKEYS_LOW;
			v->prekeys_left = link_prekeys_count(n);
		}
		if (l->ev.stanza != NULL && link_logged_in(l))
			l->ev.stanza(l->ev.arg, n);
		rc = strcmp(tag, "message") == 0 && l->ev.defer_message_acks ?
		    0 : send_ack(l, n);
		/* After the ack: a passkey demand closes the connection. */
		if (strcmp(tag, "notification") == 0)
			link_on_link_notification(l, n, v);
		return rc;
	}
	if (strcmp(tag, "ack") == 0) {
		/* The server's verdict on a message we sent (msg_send.c). */
		if (l->ev.stanza != NULL && link_logged_in(l))
			l->ev.stanza(l->ev.arg, n);
		return 0;
	}
	log_debug("link: unhandled <%s>", tag);
	return 0;
}
