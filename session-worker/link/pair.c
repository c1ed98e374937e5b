/*
 * pair.c: pair-success verification and the pair-device-sign reply
 * (protocol-notes §4 steps 1-5; Baileys validate-connection.js
 * configureSuccessfulPairing; whatsmeow pair.go).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/xeddsa.h"
#include "whatsapp.pb-c.h"
#include "pair.h"

/* Signature prefixes: WA_ADV_*_SIG_PREFIX in Baileys' Defaults. */
static const uint8_t ACCOUNT_SIG_PREFIX[2] = { 6, 0 };
static const uint8_t DEVICE_SIG_PREFIX[2] = { 6, 1 };
static const uint8_t HOSTED_SIG_PREFIX[2] = { 6, 5 };

/* Copies a C string attribute into a fixed field; "" when absent. */
static int
copy_attr(const struct bn_node *n, const char *key, char *out, size_t cap,
    bool required)
{
	const char *v = n != NULL ? bn_node_attr(n, key) : NULL;

	out[0] = '\0';
	if (v == NULL)
		return required ? -EBADMSG : 0;
	if (strlen(v) >= cap)
		return -EMSGSIZE;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* HMAC-SHA256(adv secret, [06 05 if hosted] || details), compared in constant time. */
static int
check_hmac(const Wa__ADVSignedDeviceIdentityHMAC *h, const struct creds *c)
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[crypto_auth_hmacsha256_BYTES];
	int rc = 0;

	if (!h->has_details || !h->has_hmac || h->hmac.len != sizeof(mac))
		return -EBADMSG;
	crypto_auth_hmacsha256_init(&st, c->adv_secret, sizeof(c->adv_secret));
	if (h->has_accounttype && h->accounttype == WA__ADVENCRYPTION_TYPE__HOSTED)
		crypto_auth_hmacsha256_update(&st, HOSTED_SIG_PREFIX, 2);
	crypto_auth_hmacsha256_update(&st, h->details.data, h->details.len);
	crypto_auth_hmacsha256_final(&st, mac);
	if (sodium_memcmp(mac, h->hmac.data, sizeof(mac)) != 0)
		rc = -EKEYREJECTED;
	sodium_memzero(&st, sizeof(st));
	return rc;
}

/* prefix(2) || a || b || [c]: the messages both signatures cover. */
static uint8_t *
sig_message(const uint8_t prefix[2], const ProtobufCBinaryData *a,
    const uint8_t *b, size_t blen, const uint8_t *c, size_t clen, size_t *len)
{
	uint8_t *m;

	*len = 2 + a->len + blen + clen;
	if ((m = malloc(*len)) == NULL)
		return NULL;
	memcpy(m, prefix, 2);
	memcpy(m + 2, a->data, a->len);
	memcpy(m + 2 + a->len, b, blen);
	if (clen > 0)
		memcpy(m + 2 + a->len + blen, c, clen);
	return m;
}

static int
verify_account(const Wa__ADVSignedDeviceIdentity *acct,
    const Wa__ADVDeviceIdentity *dev, const struct creds *c)
{
	bool hosted = dev->has_devicetype &&
	    dev->devicetype == WA__ADVENCRYPTION_TYPE__HOSTED;
	uint8_t *msg;
	size_t len;
	bool ok;

	if (!acct->has_accountsignaturekey || acct->accountsignaturekey.len != 32 ||
	    !acct->has_accountsignature || acct->accountsignature.len != 64)
		return -EBADMSG;
	msg = sig_message(hosted ? HOSTED_SIG_PREFIX : ACCOUNT_SIG_PREFIX,
	    &acct->details, c->ident_pub, sizeof(c->ident_pub), NULL, 0, &len);
	if (msg == NULL)
		return -ENOMEM;
	ok = xeddsa_verify(acct->accountsignaturekey.data, msg, len,
	    acct->accountsignature.data);
	free(msg);
	return ok ? 0 : -EBADE;
}

/* Our device signature; the identity whole (kept) and without the account key (reply). */
static int
sign_and_encode(Wa__ADVSignedDeviceIdentity *acct, const struct creds *c,
    struct pair_result *out)
{
	uint8_t sig[XEDDSA_SIG_LEN], *msg;
	size_t len;
	int rc;

	msg = sig_message(DEVICE_SIG_PREFIX, &acct->details, c->ident_pub,
	    sizeof(c->ident_pub), acct->accountsignaturekey.data,
	    acct->accountsignaturekey.len, &len);
	if (msg == NULL)
		return -ENOMEM;
	rc = xeddsa_sign(c->ident_priv, msg, len, sig);
	free(msg);
	if (rc < 0)
		return rc;
	acct->has_devicesignature = true;
	acct->devicesignature.data = sig;
	acct->devicesignature.len = sizeof(sig);
	/* Kept whole, account key included: messages and retry receipts
	 * carry it so (whatsmeow Store.Account, protocol-notes §8). */
	len = wa__advsigned_device_identity__get_packed_size(acct);
	if (len > sizeof(out->account))
		rc = -EMSGSIZE;
	else
		out->account_len = wa__advsigned_device_identity__pack(acct, out->account);
	/* protocol-notes §10 pitfall 10: the reply must not carry the key. */
	acct->has_accountsignaturekey = false;
	len = wa__advsigned_device_identity__get_packed_size(acct);
	if (rc == 0 && len > sizeof(out->reply))
		rc = -EMSGSIZE;
	else if (rc == 0)
		out->reply_len = wa__advsigned_device_identity__pack(acct, out->reply);
	acct->has_devicesignature = false;	/* sig is on our stack */
	acct->devicesignature.data = NULL;
	acct->has_accountsignaturekey = true;
	return rc;
}

static int
build_reply(const struct bn_node *iq, const struct pair_result *r,
    struct bn_node **reply)
{
	struct bn_node *res, *sign, *ident;
	const char *id = bn_node_attr(iq, "id");
	char idx[16];

	snprintf(idx, sizeof(idx), "%u", r->key_index);
	res = bn_node_new("iq");
	sign = bn_node_new("pair-device-sign");
	ident = bn_node_new("device-identity");
	if (res == NULL || sign == NULL || ident == NULL ||
	    bn_node_set_attr(res, "to", BN_SERVER_JID) < 0 ||
	    bn_node_set_attr(res, "type", "result") < 0 ||
	    bn_node_set_attr(res, "id", id) < 0 ||
	    bn_node_set_attr(ident, "key-index", idx) < 0 ||
	    bn_node_set_bytes(ident, r->reply, r->reply_len) < 0 ||
	    bn_node_add_child(sign, ident) < 0)
		goto out_nomem;
	ident = NULL;
	if (bn_node_add_child(res, sign) < 0)
		goto out_nomem;
	*reply = res;
	return 0;

out_nomem:
	bn_node_free(ident);
	bn_node_free(sign);
	bn_node_free(res);
	return -ENOMEM;
}

static int
read_stanza(const struct bn_node *iq, struct pair_result *r,
    const uint8_t **ident, size_t *ident_len)
{
	const struct bn_node *ps, *di;
	int rc;

	if (!bn_node_tag_is(iq, "iq") || bn_node_attr(iq, "id") == NULL ||
	    (ps = bn_node_peek_child_by_tag(iq, "pair-success")) == NULL ||
	    (di = bn_node_peek_child_by_tag(ps, "device-identity")) == NULL ||
	    (*ident = bn_node_peek_bytes(di, ident_len)) == NULL)
		return -EBADMSG;
	if ((rc = copy_attr(bn_node_peek_child_by_tag(ps, "device"), "jid",
	    r->jid, sizeof(r->jid), true)) < 0 ||
	    (rc = copy_attr(bn_node_peek_child_by_tag(ps, "device"), "lid",
	    r->lid, sizeof(r->lid), false)) < 0 ||
	    (rc = copy_attr(bn_node_peek_child_by_tag(ps, "platform"), "name",
	    r->platform, sizeof(r->platform), false)) < 0 ||
	    (rc = copy_attr(bn_node_peek_child_by_tag(ps, "biz"), "name",
	    r->biz_name, sizeof(r->biz_name), false)) < 0)
		return rc;
	return strchr(r->jid, '@') != NULL ? 0 : -EBADMSG;
}

int
pair_complete(const struct bn_node *iq, const struct creds *c,
    struct pair_result *out, struct bn_node **reply)
{
	Wa__ADVSignedDeviceIdentityHMAC *h = NULL;
	Wa__ADVSignedDeviceIdentity *acct = NULL;
	Wa__ADVDeviceIdentity *dev = NULL;
	struct pair_result r;
	const uint8_t *ident;
	size_t ident_len;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = read_stanza(iq, &r, &ident, &ident_len)) < 0)
		return rc;
	rc = -EBADMSG;
	if ((h = wa__advsigned_device_identity_hmac__unpack(NULL, ident_len,
	    ident)) == NULL)
		goto out;
	if ((rc = check_hmac(h, c)) < 0)
		goto out;
	rc = -EBADMSG;
	if ((acct = wa__advsigned_device_identity__unpack(NULL, h->details.len,
	    h->details.data)) == NULL || !acct->has_details ||
	    (dev = wa__advdevice_identity__unpack(NULL, acct->details.len,
	    acct->details.data)) == NULL)
		goto out;
	if ((rc = verify_account(acct, dev, c)) < 0)
		goto out;
	r.key_index = dev->has_keyindex ? dev->keyindex : 0;
	if ((rc = sign_and_encode(acct, c, &r)) < 0 ||
	    (rc = build_reply(iq, &r, reply)) < 0)
		goto out;
	*out = r;
out:
	wa__advdevice_identity__free_unpacked(dev, NULL);
	wa__advsigned_device_identity__free_unpacked(acct, NULL);
	wa__advsigned_device_identity_hmac__free_unpacked(h, NULL);
	return rc;
}
