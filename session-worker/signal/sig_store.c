/*
 * sig_store.c: libsignal-protocol-c's five stores over the credential
 * store (store.h): sessions, peer identities and sender keys as blobs,
 * our identity and signed prekey from struct creds, one-time prekeys
 * from prekeys.c's raw "prekey-<id>" blobs turned into records on load.
 * libsignal's contract: load functions return 1 found / 0 absent (or
 * SG_ERR_INVALID_KEY_ID for prekeys); any other failure is negative.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal/curve.h>
#include <signal/session_pre_key.h>
#include <signal/signal_protocol.h>
#include <sodium.h>

#include "store/creds.h"
#include "store/keys.h"
#include "store/store.h"

#include "sig_internal.h"

#define DJB_TYPE	0x05
#define PREKEY_BLOB_LEN	64	/* prekeys.c: private || public */

/* store.h's blob name alphabet. */
static bool
blob_name_ok(const char *n)
{
	for (; *n != '\0'; n++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789._@:-", *n) == NULL)
			return false;
	return true;
}

static bool
addr_name(const char *prefix, const char *name, size_t len, int32_t device,
    char out[STORE_NAME_MAX])
{
	int n;

	if (len == 0 || len > SIG_NAME_MAX || memchr(name, '\0', len) != NULL)
		return false;
	n = snprintf(out, STORE_NAME_MAX, "%s-%.*s.%d", prefix, (int)len, name,
	    (int)device);
	return n > 0 && n < STORE_NAME_MAX && blob_name_ok(out);
}

/* Loads a blob into a signal_buffer: 1 found, 0 absent, negative error. */
static int
blob_load(struct sig *s, const char *name, signal_buffer **out)
{
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	if ((rc = sig_blob_get(s, name, &b, &len)) == -ENOENT)
		return 0;
	if (rc < 0) {
		s->store_err = rc;
		return SG_ERR_UNKNOWN;
	}
	*out = signal_buffer_create(b, len);
	sodium_memzero(b, len);
	free(b);
	return *out != NULL ? 1 : SG_ERR_NOMEM;
}

static int
blob_store(struct sig *s, const char *name, const uint8_t *b, size_t len)
{
	int rc;

	if ((rc = sig_blob_put(s, name, b, len)) < 0) {
		s->store_err = rc;
		return SG_ERR_UNKNOWN;
	}
	return 0;
}

/* Sessions */

static int
ss_load(signal_buffer **record, signal_buffer **user_record,
    const signal_protocol_address *a, void *ud)
{
	char n[STORE_NAME_MAX];

	(void)user_record;
	if (!addr_name("ss", a->name, a->name_len, a->device_id, n))
		return SG_ERR_INVAL;
	return blob_load(ud, n, record);
}

static int
ss_sub_devices(signal_int_list **sessions, const char *name, size_t len, void *ud)
{
	(void)name, (void)len, (void)ud;
	/* Only delete_all_sessions asks; we never call it. */
	if ((*sessions = signal_int_list_alloc()) == NULL)
		return SG_ERR_NOMEM;
	return 0;
}

static int
ss_store(const signal_protocol_address *a, uint8_t *record, size_t len,
    uint8_t *user_record, size_t user_len, void *ud)
{
	char n[STORE_NAME_MAX];

	(void)user_record, (void)user_len;
	if (!addr_name("ss", a->name, a->name_len, a->device_id, n))
		return SG_ERR_INVAL;
	return blob_store(ud, n, record, len);
}

static int
ss_contains(const signal_protocol_address *a, void *ud)
{
	struct sig *s = ud;
	char n[STORE_NAME_MAX];
	uint8_t *b = NULL;
	size_t len = 0;

	if (!addr_name("ss", a->name, a->name_len, a->device_id, n) ||
	    sig_blob_get(s, n, &b, &len) < 0)
		return 0;
	sodium_memzero(b, len);
	free(b);
	return 1;
}

static int
ss_delete(const signal_protocol_address *a, void *ud)
{
	struct sig *s = ud;
	char n[STORE_NAME_MAX];

	if (!addr_name("ss", a->name, a->name_len, a->device_id, n))
		return SG_ERR_INVAL;
	return sig_blob_del(s, n) == 0 ? 1 : 0;
}

static int
ss_delete_all(const char *name, size_t len, void *ud)
{
	(void)name, (void)len, (void)ud;
	return 0;
}

/* One-time prekeys */

static void
prekey_blob(uint32_t id, char out[STORE_NAME_MAX])
{
	snprintf(out, STORE_NAME_MAX, "prekey-%u", id);
}

/* A libsignal key pair from raw private and public keys. */
static int
key_pair(const uint8_t priv[32], const uint8_t pub[32], ec_key_pair **out)
{
	ec_public_key *pk = NULL;
	ec_private_key *sk = NULL;
	uint8_t point[33];
	int rc;

	point[0] = DJB_TYPE;
	memcpy(point + 1, pub, 32);
	if ((rc = curve_decode_point(&pk, point, sizeof(point), NULL)) < 0)
		return rc;
	if ((rc = curve_decode_private_point(&sk, priv, 32, NULL)) < 0)
		goto out;
	rc = ec_key_pair_create(out, pk, sk);
out:
	SIGNAL_UNREF(pk);
	SIGNAL_UNREF(sk);
	return rc;
}

/* The first upload's batch blob when it holds id (store/keys.h). */
static int
batch_get(struct sig *s, uint32_t id, uint8_t **b, size_t *len, long *off)
{
	int rc;

	if ((rc = sig_blob_get(s, KEYS_PREKEY_BATCH_BLOB, b, len)) < 0)
		return rc;
	if ((*off = keys_prekey_batch_find(*b, *len, id)) < 0) {
		rc = (int)*off;
		sodium_memzero(*b, *len);
		free(*b);
		*b = NULL;
		return rc == -EBADMSG ? -EBADMSG : -ENOENT;
	}
	return 0;
}

static int
pk_load(signal_buffer **record, uint32_t id, void *ud)
{
	struct sig *s = ud;
	char n[STORE_NAME_MAX];
	session_pre_key *pre = NULL;
	ec_key_pair *kp = NULL;
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	long off = 0;

	prekey_blob(id, n);
	if ((rc = sig_blob_get(s, n, &b, &len)) == -ENOENT &&
	    (rc = batch_get(s, id, &b, &len, &off)) == -ENOENT)
		return SG_ERR_INVALID_KEY_ID;
	if (rc < 0) {
		s->store_err = rc;
		return SG_ERR_UNKNOWN;
	}
	if (len - (size_t)off < PREKEY_BLOB_LEN || (off == 0 && len != PREKEY_BLOB_LEN)) {
		rc = SG_ERR_INVALID_KEY_ID;
		goto out;
	}
	if ((rc = key_pair(b + off, b + off + 32, &kp)) < 0 ||
	    (rc = session_pre_key_create(&pre, id, kp)) < 0 ||
	    (rc = session_pre_key_serialize(record, pre)) < 0)
		goto out;
	rc = SG_SUCCESS;
out:
	SIGNAL_UNREF(pre);
	SIGNAL_UNREF(kp);
	sodium_memzero(b, len);
	free(b);
	return rc;
}

static int
pk_store(uint32_t id, uint8_t *record, size_t len, void *ud)
{
	(void)id, (void)record, (void)len, (void)ud;
	return 0;	/* prekeys.c makes and stores them */
}

static int
pk_contains(uint32_t id, void *ud)
{
	struct sig *s = ud;
	char n[STORE_NAME_MAX];
	uint8_t *b = NULL;
	size_t len = 0;

	long off;

	prekey_blob(id, n);
	if (sig_blob_get(s, n, &b, &len) < 0 &&
	    batch_get(s, id, &b, &len, &off) < 0)
		return 0;
	sodium_memzero(b, len);
	free(b);
	return 1;
}

static int
pk_remove(uint32_t id, void *ud)
{
	struct sig *s = ud;
	char n[STORE_NAME_MAX];

	uint8_t *b = NULL;
	size_t len = 0;
	long off;

	prekey_blob(id, n);
	if (sig_blob_del(s, n) == 0)
		return 0;
	/* one of the first batch: zeroed there, so it is never used twice */
	if (batch_get(s, id, &b, &len, &off) == 0) {
		sodium_memzero(b + off, KEYS_PREKEY_ENTRY);
		sig_blob_put(s, KEYS_PREKEY_BATCH_BLOB, b, len);
		sodium_memzero(b, len);
		free(b);
	}
	return 0;
}

/* Signed prekey: the one in creds. */

static int
spk_load(signal_buffer **record, uint32_t id, void *ud)
{
	struct sig *s = ud;
	const struct creds *c = s->creds(s->arg);
	session_signed_pre_key *spk = NULL;
	ec_key_pair *kp = NULL;
	int rc;

	if (c == NULL || c->spk_id != id)
		return SG_ERR_INVALID_KEY_ID;
	if ((rc = key_pair(c->spk_priv, c->spk_pub, &kp)) < 0 ||
	    (rc = session_signed_pre_key_create(&spk, id, 0, kp, c->spk_sig,
	    sizeof(c->spk_sig))) < 0 ||
	    (rc = session_signed_pre_key_serialize(record, spk)) < 0)
		goto out;
	rc = SG_SUCCESS;
out:
	SIGNAL_UNREF(spk);
	SIGNAL_UNREF(kp);
	return rc;
}

static int
spk_store(uint32_t id, uint8_t *record, size_t len, void *ud)
{
	(void)id, (void)record, (void)len, (void)ud;
	return 0;
}

static int
spk_contains(uint32_t id, void *ud)
{
	struct sig *s = ud;
	const struct creds *c = s->creds(s->arg);

	return c != NULL && c->spk_id == id;
}

static int
spk_remove(uint32_t id, void *ud)
{
	(void)id, (void)ud;
	return 0;
}

/* Identities: ours from creds; peers' trusted on first use and kept. */

static int
id_key_pair(signal_buffer **pub, signal_buffer **priv, void *ud)
{
	struct sig *s = ud;
	const struct creds *c = s->creds(s->arg);
	uint8_t point[33];

	if (c == NULL)
		return SG_ERR_UNKNOWN;
	point[0] = DJB_TYPE;
	memcpy(point + 1, c->ident_pub, 32);
	*pub = signal_buffer_create(point, sizeof(point));
	*priv = signal_buffer_create(c->ident_priv, 32);
	if (*pub == NULL || *priv == NULL) {
		signal_buffer_free(*pub);
		signal_buffer_bzero_free(*priv);
		return SG_ERR_NOMEM;
	}
	return 0;
}

static int
id_reg(void *ud, uint32_t *reg)
{
	struct sig *s = ud;
	const struct creds *c = s->creds(s->arg);

	if (c == NULL)
		return SG_ERR_UNKNOWN;
	*reg = c->registration_id;
	return 0;
}

static int
id_save(const signal_protocol_address *a, uint8_t *key, size_t len, void *ud)
{
	char n[STORE_NAME_MAX];

	if (key == NULL)
		return 0;
	if (!addr_name("id", a->name, a->name_len, a->device_id, n))
		return SG_ERR_INVAL;
	return blob_store(ud, n, key, len);
}

/*
 * WhatsApp clients trust a changed identity and only show a notice
 * (whatsmeow saves the new key, Baileys never refuses): so do we.
 */
static int
id_trusted(const signal_protocol_address *a, uint8_t *key, size_t len, void *ud)
{
	(void)a, (void)key, (void)len, (void)ud;
	return 1;
}

/* Sender keys */

static bool
sk_name(const signal_protocol_sender_key_name *k, char out[STORE_NAME_MAX])
{
	int n;

	if (k->group_id_len == 0 || k->group_id_len > SIG_NAME_MAX ||
	    memchr(k->group_id, '\0', k->group_id_len) != NULL ||
	    k->sender.name_len == 0 || k->sender.name_len > SIG_NAME_MAX ||
	    memchr(k->sender.name, '\0', k->sender.name_len) != NULL)
		return false;
	n = snprintf(out, STORE_NAME_MAX, "sk-%.*s-%.*s.%d", (int)k->group_id_len,
	    k->group_id, (int)k->sender.name_len, k->sender.name,
	    (int)k->sender.device_id);
	return n > 0 && n < STORE_NAME_MAX && blob_name_ok(out);
}

static int
sk_store(const signal_protocol_sender_key_name *k, uint8_t *record, size_t len,
    uint8_t *user_record, size_t user_len, void *ud)
{
	char n[STORE_NAME_MAX];

	(void)user_record, (void)user_len;
	if (!sk_name(k, n))
		return SG_ERR_INVAL;
	return blob_store(ud, n, record, len);
}

static int
sk_load(signal_buffer **record, signal_buffer **user_record,
    const signal_protocol_sender_key_name *k, void *ud)
{
	char n[STORE_NAME_MAX];

	(void)user_record;
	if (!sk_name(k, n))
		return SG_ERR_INVAL;
	return blob_load(ud, n, record);
}

int
sig_store_attach(struct sig *s)
{
	signal_protocol_session_store ss = {
		.load_session_func = ss_load,
		.get_sub_device_sessions_func = ss_sub_devices,
		.store_session_func = ss_store,
		.contains_session_func = ss_contains,
		.delete_session_func = ss_delete,
		.delete_all_sessions_func = ss_delete_all,
		.user_data = s,
	};
	signal_protocol_pre_key_store pk = {
		.load_pre_key = pk_load, .store_pre_key = pk_store,
		.contains_pre_key = pk_contains, .remove_pre_key = pk_remove,
		.user_data = s,
	};
	signal_protocol_signed_pre_key_store spk = {
		.load_signed_pre_key = spk_load, .store_signed_pre_key = spk_store,
		.contains_signed_pre_key = spk_contains,
		.remove_signed_pre_key = spk_remove, .user_data = s,
	};
	signal_protocol_identity_key_store id = {
		.get_identity_key_pair = id_key_pair,
		.get_local_registration_id = id_reg,
		.save_identity = id_save, .is_trusted_identity = id_trusted,
		.user_data = s,
	};
	signal_protocol_sender_key_store sk = {
		.store_sender_key = sk_store, .load_sender_key = sk_load,
		.user_data = s,
	};

	if (signal_protocol_store_context_set_session_store(s->sctx, &ss) < 0 ||
	    signal_protocol_store_context_set_pre_key_store(s->sctx, &pk) < 0 ||
	    signal_protocol_store_context_set_signed_pre_key_store(s->sctx, &spk) < 0 ||
	    signal_protocol_store_context_set_identity_key_store(s->sctx, &id) < 0 ||
	    signal_protocol_store_context_set_sender_key_store(s->sctx, &sk) < 0)
		return -ENOMEM;
	return 0;
}
