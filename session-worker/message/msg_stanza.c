/*
 * msg_stanza.c: builders for the message layer's outgoing stanzas (see
 * msg_stanza.h for which reference function each one follows).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "binary/bn.h"

#include "msg_stanza.h"

/* Adds child to parent or frees it; false on failure. */
static bool
adopt(struct bn_node *parent, struct bn_node *child)
{
	if (child == NULL || bn_node_add_child(parent, child) < 0) {
		bn_node_free(child);
		return false;
	}
	return true;
}

static bool
set(struct bn_node *n, const char *k, const char *v)
{
	return v == NULL || bn_node_set_attr(n, k, v) == 0;
}

struct bn_node *
msg_stanza_bytes(const char *tag, const uint8_t *b, size_t len)
{
	struct bn_node *n = bn_node_new(tag);

	if (n == NULL || bn_node_set_bytes(n, b, len) < 0) {
		bn_node_free(n);
		return NULL;
	}
	return n;
}

static void
be(uint8_t *p, uint32_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

struct bn_node *
msg_stanza_receipt(const struct bn_node *msg, const char *type)
{
	struct bn_node *r = bn_node_new("receipt");
	const char *id = bn_node_attr(msg, "id"), *from = bn_node_attr(msg, "from");

	if (r == NULL || id == NULL || from == NULL || !set(r, "id", id) ||
	    !set(r, "to", from) ||
	    !set(r, "recipient", bn_node_attr(msg, "recipient")) ||
	    !set(r, "participant", bn_node_attr(msg, "participant")) ||
	    !set(r, "type", type)) {
		bn_node_free(r);
		return NULL;
	}
	return r;
}

static struct bn_node *
key_node(const char *tag, uint32_t id, const uint8_t *pub, const uint8_t *sig)
{
	struct bn_node *k = bn_node_new(tag);
	uint8_t idb[3];

	be(idb, id, sizeof(idb));
	if (k == NULL || !adopt(k, msg_stanza_bytes("id", idb, 3)) ||
	    !adopt(k, msg_stanza_bytes("value", pub, 32)) ||
	    (sig != NULL && !adopt(k, msg_stanza_bytes("signature", sig, 64)))) {
		bn_node_free(k);
		return NULL;
	}
	return k;
}

static struct bn_node *
retry_keys(const struct msg_retry_keys *k)
{
	struct bn_node *n = bn_node_new("keys");
	uint8_t type = 0x05;

	if (n == NULL || !adopt(n, msg_stanza_bytes("type", &type, 1)) ||
	    !adopt(n, msg_stanza_bytes("identity", k->identity, 32)) ||
	    !adopt(n, key_node("key", k->prekey_id, k->prekey, NULL)) ||
	    !adopt(n, key_node("skey", k->spk_id, k->spk, k->spk_sig)) ||
	    !adopt(n, msg_stanza_bytes("device-identity", k->account,
	    k->account_len))) {
		bn_node_free(n);
		return NULL;
	}
	return n;
}

struct bn_node *
msg_stanza_retry_receipt(const struct bn_node *msg, uint32_t count,
    uint32_t registration_id, bool peer, const struct msg_retry_keys *keys)
{
	struct bn_node *r = msg_stanza_receipt(msg, "retry"), *retry;
	const char *t = bn_node_attr(msg, "t");
	uint8_t reg[4];
	char cnt[12];

	snprintf(cnt, sizeof(cnt), "%u", count);
	be(reg, registration_id, sizeof(reg));
	if (r == NULL || (peer && !set(r, "category", "peer")) ||
	    (retry = bn_node_new("retry")) == NULL) {
		bn_node_free(r);
		return NULL;
	}
	if (!set(retry, "count", cnt) || !set(retry, "id", bn_node_attr(msg, "id")) ||
	    !set(retry, "t", t != NULL ? t : "0") || !set(retry, "v", "1")) {
		bn_node_free(retry);
		bn_node_free(r);
		return NULL;
	}
	if (!adopt(r, retry) ||
	    !adopt(r, msg_stanza_bytes("registration", reg, sizeof(reg))) ||
	    (keys != NULL && !adopt(r, retry_keys(keys)))) {
		bn_node_free(r);
		return NULL;
	}
	return r;
}

struct bn_node *
msg_stanza_offline_batch(unsigned int count)
{
	struct bn_node *ib = bn_node_new("ib"), *b = bn_node_new("offline_batch");
	char cnt[12];

	snprintf(cnt, sizeof(cnt), "%u", count);
	if (ib == NULL || b == NULL || !set(b, "count", cnt)) {
		bn_node_free(b);
		bn_node_free(ib);
		return NULL;
	}
	if (!adopt(ib, b)) {
		bn_node_free(ib);
		return NULL;
	}
	return ib;
}

static struct bn_node *
iq(const char *id, const char *xmlns)
{
	struct bn_node *n = bn_node_new("iq");

	if (n == NULL || !set(n, "id", id) || !set(n, "to", BN_SERVER_JID) ||
	    !set(n, "type", "get") || !set(n, "xmlns", xmlns)) {
		bn_node_free(n);
		return NULL;
	}
	return n;
}

static struct bn_node *
user_list(const char *tag, const char *const *jids, size_t n)
{
	struct bn_node *l = bn_node_new(tag), *u;
	size_t i;

	for (i = 0; l != NULL && i < n; i++) {
		u = bn_node_new("user");
		if (u == NULL || !set(u, "jid", jids[i])) {
			bn_node_free(u);
			bn_node_free(l);
			return NULL;
		}
		if (!adopt(l, u)) {
			bn_node_free(l);
			return NULL;
		}
	}
	return l;
}

struct bn_node *
msg_stanza_usync_devices(const char *id, const char *const *jids, size_t n)
{
	struct bn_node *r = iq(id, "usync"), *us = NULL, *q = NULL, *d = NULL;

	if (r == NULL || n == 0 || (us = bn_node_new("usync")) == NULL ||
	    !set(us, "sid", id) || !set(us, "context", "message") ||
	    !set(us, "mode", "query") || !set(us, "last", "true") ||
	    !set(us, "index", "0") || (q = bn_node_new("query")) == NULL ||
	    (d = bn_node_new("devices")) == NULL || !set(d, "version", "2"))
		goto fail;
	if (!adopt(q, d)) {
		d = NULL;
		goto fail;
	}
	d = NULL;
	if (!adopt(us, q)) {
		q = NULL;
		goto fail;
	}
	q = NULL;
	if (!adopt(us, user_list("list", jids, n)))
		goto fail;
	if (!adopt(r, us)) {
		us = NULL;
		goto fail;
	}
	return r;
fail:
	bn_node_free(d);
	bn_node_free(q);
	bn_node_free(us);
	bn_node_free(r);
	return NULL;
}

struct bn_node *
msg_stanza_prekey_fetch(const char *id, const char *const *jids, size_t n)
{
	struct bn_node *r = iq(id, "encrypt");

	if (r == NULL || n == 0 || !adopt(r, user_list("key", jids, n))) {
		bn_node_free(r);
		return NULL;
	}
	return r;
}

struct bn_node *
msg_stanza_message(const struct msg_out_attrs *a)
{
	struct bn_node *n = bn_node_new("message");

	if (n == NULL || a->id == NULL || a->to == NULL || !set(n, "id", a->id) ||
	    !set(n, "to", a->to) || !set(n, "type", a->type != NULL && a->type[0] != '\0' ? a->type : "text") ||
	    !set(n, "t", a->t) ||
	    (a->no_fanout && !set(n, "device_fanout", "false")) ||
	    !set(n, "recipient", a->recipient)) {
		bn_node_free(n);
		return NULL;
	}
	return n;
}

struct bn_node *
msg_stanza_enc(const char *to, bool pkmsg, uint32_t count,
    const char *mediatype, const uint8_t *ct, size_t len)
{
	struct bn_node *enc = msg_stanza_bytes("enc", ct, len), *t;
	char cnt[12];

	snprintf(cnt, sizeof(cnt), "%u", count);
	if (enc == NULL || !set(enc, "v", "2") ||
	    !set(enc, "type", pkmsg ? "pkmsg" : "msg") ||
	    (count > 0 && !set(enc, "count", cnt)) ||
	    (mediatype != NULL && mediatype[0] != '\0' &&
	    !set(enc, "mediatype", mediatype))) {
		bn_node_free(enc);
		return NULL;
	}
	if (to == NULL)
		return enc;
	if ((t = bn_node_new("to")) == NULL || !set(t, "jid", to)) {
		bn_node_free(enc);
		bn_node_free(t);
		return NULL;
	}
	if (!adopt(t, enc)) {
		bn_node_free(t);
		return NULL;
	}
	return t;
}

struct bn_node *
msg_stanza_privacy_issue(const char *id, const char *jid, const char *t)
{
	struct bn_node *r = bn_node_new("iq"), *toks = NULL, *tok = NULL;

	if (r == NULL || !set(r, "id", id) || !set(r, "to", BN_SERVER_JID) ||
	    !set(r, "type", "set") || !set(r, "xmlns", "privacy") ||
	    jid == NULL || t == NULL || (toks = bn_node_new("tokens")) == NULL ||
	    (tok = bn_node_new("token")) == NULL || !set(tok, "jid", jid) ||
	    !set(tok, "t", t) || !set(tok, "type", "trusted_contact")) {
		bn_node_free(tok);
		bn_node_free(toks);
		bn_node_free(r);
		return NULL;
	}
	if (!adopt(toks, tok)) {
		bn_node_free(toks);
		bn_node_free(r);
		return NULL;
	}
	if (!adopt(r, toks)) {
		bn_node_free(r);
		return NULL;
	}
	return r;
}
