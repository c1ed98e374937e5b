/*
 * sig.c: sessions, ciphers and sender keys on libsignal-protocol-c
 * (protocol-notes §8). One signal_context for the worker; ciphers and
 * builders are made per call, so every piece of state is read from and
 * written back to the store on each call (sig_store.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal/curve.h>
#include <signal/group_cipher.h>
#include <signal/group_session_builder.h>
#include <signal/protocol.h>
#include <signal/ratchet.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>
#include <signal/session_record.h>
#include <signal/session_state.h>
#include <signal/signal_protocol.h>
#include <sodium.h>

#include "log.h"
#include "store/store.h"
#include "sig_internal.h"

#define DJB_TYPE	0x05

bool
sig_name_ok(const char *name)
{
	size_t n = 0;

	for (; name[n] != '\0'; n++)
		if (n >= SIG_NAME_MAX || strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789._@:-", name[n]) == NULL)
			return false;
	return n > 0;
}

/* libsignal's codes in errno words (sig.h). */
static int
sig_errno(struct sig *s, int sg)
{
	int store_err = s->store_err;

	s->store_err = 0;
	if (sg >= 0)
		return 0;
	if (store_err < 0)
		return -EIO;
	switch (sg) {
	case SG_ERR_NOMEM:
		return -ENOMEM;
	case SG_ERR_INVAL:
		return -EINVAL;
	case SG_ERR_NO_SESSION:
		return -ENOENT;
	case SG_ERR_DUPLICATE_MESSAGE:
		return -EALREADY;
	case SG_ERR_INVALID_KEY_ID:
		return -ENOKEY;
	case SG_ERR_INVALID_MAC:
	case SG_ERR_INVALID_MESSAGE:
	case SG_ERR_INVALID_PROTO_BUF:
	case SG_ERR_INVALID_VERSION:
	case SG_ERR_LEGACY_MESSAGE:
	case SG_ERR_INVALID_KEY:
	case SG_ERR_VRF_SIG_VERIF_FAILED:
		return -EBADMSG;
	case SG_ERR_UNTRUSTED_IDENTITY:
		return -EKEYREJECTED;
	}
	return -EPROTO;
}

int
sig_new(struct store *st, sig_creds_fn *creds, void *arg, struct sig **out)
{
	struct sig *s;
	int rc = -ENOMEM;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->st = st;
	s->creds = creds;
	s->arg = arg;
	if (signal_context_create(&s->ctx, s) != 0)
		goto out_free;
	if (signal_context_set_crypto_provider(s->ctx, &sig_crypto_provider) != 0 ||
	    signal_protocol_store_context_create(&s->sctx, s->ctx) != 0 ||
	    (rc = sig_store_attach(s)) < 0) {
		rc = rc < 0 ? rc : -ENOMEM;
		goto out_free;
	}
	*out = s;
	return 0;
out_free:
	sig_free(s);
	return rc;
}

void
sig_free(struct sig *s)
{
	if (s == NULL)
		return;
	if (s->sctx != NULL)
		signal_protocol_store_context_destroy(s->sctx);
	if (s->ctx != NULL)
		signal_context_destroy(s->ctx);
	sig_cache_free(s);
	free(s);
}

static bool
address(const char *name, uint32_t device, signal_protocol_address *a)
{
	if (!sig_name_ok(name) || device > INT32_MAX)
		return false;
	a->name = name;
	a->name_len = strlen(name);
	a->device_id = (int32_t)device;
	return true;
}

bool
sig_has_session(struct sig *s, const char *name, uint32_t device)
{
	signal_protocol_address a;

	return address(name, device, &a) &&
	    signal_protocol_session_contains_session(s->sctx, &a) == 1;
}

int
sig_identity(struct sig *s, const char *name, uint32_t device,
    uint8_t out[SIG_KEY_LEN])
{
	char n[STORE_NAME_MAX];
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	if (!sig_name_ok(name))
		return -EINVAL;
	snprintf(n, sizeof(n), "id-%s.%u", name, device);
	if ((rc = sig_blob_get(s, n, &b, &len)) < 0)
		return rc;
	if (len == 1 + SIG_KEY_LEN && b[0] == DJB_TYPE)
		memcpy(out, b + 1, SIG_KEY_LEN);
	else if (len == SIG_KEY_LEN)
		memcpy(out, b, SIG_KEY_LEN);
	else
		rc = -EBADMSG;
	free(b);
	return rc;
}

int
sig_forget(struct sig *s, const char *name)
{
	static const char *const kinds[] = { "ss", "id" };
	char prefix[STORE_NAME_MAX];
	size_t i;
	int n = 0, rc;

	if (!sig_name_ok(name))
		return -EINVAL;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(prefix, sizeof(prefix), "%s-%s.", kinds[i], name);
		if ((rc = sig_blob_del_prefix(s, prefix)) < 0)
			return rc;
		n += rc;
	}
	return n;
}

static int
point(const uint8_t key[SIG_KEY_LEN], ec_public_key **out)
{
	uint8_t p[1 + SIG_KEY_LEN];

	p[0] = DJB_TYPE;
	memcpy(p + 1, key, SIG_KEY_LEN);
	return curve_decode_point(out, p, sizeof(p), NULL);
}

int
sig_add_bundle(struct sig *s, const char *name, uint32_t device,
    const struct sig_bundle *b)
{
	ec_public_key *ident = NULL, *spk = NULL, *pre = NULL;
	session_pre_key_bundle *bundle = NULL;
	session_builder *builder = NULL;
	signal_protocol_address a;
	int rc;

	if (!address(name, device, &a))
		return -EINVAL;
	if ((rc = point(b->identity, &ident)) < 0 || (rc = point(b->spk, &spk)) < 0 ||
	    (b->has_prekey && (rc = point(b->prekey, &pre)) < 0))
		goto out;
	if ((rc = session_pre_key_bundle_create(&bundle, b->registration_id,
	    (int)device, b->has_prekey ? b->prekey_id : 0, pre, b->spk_id, spk,
	    b->spk_sig, sizeof(b->spk_sig), ident)) < 0)
		goto out;
	if ((rc = session_builder_create(&builder, s->sctx, &a, s->ctx)) < 0)
		goto out;
	rc = session_builder_process_pre_key_bundle(builder, bundle);
out:
	session_builder_free(builder);
	SIGNAL_UNREF(bundle);
	SIGNAL_UNREF(pre);
	SIGNAL_UNREF(spk);
	SIGNAL_UNREF(ident);
	return sig_errno(s, rc);
}

/* Hands a signal_buffer over as malloc'd bytes and frees it. */
static int
take_buffer(signal_buffer *buf, uint8_t **out, size_t *len)
{
	size_t n = signal_buffer_len(buf);
	uint8_t *p = malloc(n > 0 ? n : 1);

	if (p == NULL) {
		signal_buffer_bzero_free(buf);
		return -ENOMEM;
	}
	memcpy(p, signal_buffer_data(buf), n);
	signal_buffer_bzero_free(buf);
	*out = p;
	*len = n;
	return 0;
}

/* First 4 bytes of a public key, in hex: enough to tell ratchets apart. */
static void
key_tag(const ec_public_key *k, char out[9])
{
	signal_buffer *b = NULL;

	snprintf(out, 9, "-");
	if (k == NULL || ec_public_key_serialize(&b, k) < 0 || b == NULL)
		return;
	if (signal_buffer_len(b) >= 5) {
		const uint8_t *p = signal_buffer_data(b) + 1;

		snprintf(out, 9, "%02x%02x%02x%02x", p[0], p[1], p[2], p[3]);
	}
	signal_buffer_free(b);
}

static void
dump_state(const char *what, session_state *st, ec_public_key *their)
{
	ratchet_chain_key *rk;	/* the state's own: borrowed */
	char base[9], snd[9];

	key_tag(session_state_get_alice_base_key(st), base);
	key_tag(session_state_get_sender_ratchet_key(st), snd);
	rk = their ? session_state_get_receiver_chain_key(st, their) : NULL;
	log_debug("signal:   %s base %s our-ratchet %s send-index %u "
	    "recv-chain-for-msg %s index %d", what, base, snd,
	    session_state_get_sender_chain_key(st) ? ratchet_chain_key_get_index(
	    session_state_get_sender_chain_key(st)) : 0, rk ? "yes" : "no",
	    rk ? (int)ratchet_chain_key_get_index(rk) : -1);
}

/*
 * Debug only: why a msg did not decrypt, from public facts (ratchet key
 * tags, counters), never a key or a chain secret.
 */
static void
dump_failed(struct sig *s, const signal_protocol_address *a,
    const signal_message *m, int sg)
{
	session_record *r = NULL;
	session_record_state_node *n;
	char tag[9];
	int store_err = s->store_err;	/* the decrypt's, not this read's */

	if (!log_is_enabled(WL_LOG_DEBUG))
		return;
	key_tag(signal_message_get_sender_ratchet_key(m), tag);
	log_debug("signal: msg from %.*s.%d failed (%d): ratchet %s counter %u",
	    (int)a->name_len, a->name, a->device_id, sg, tag,
	    signal_message_get_counter(m));
	if (signal_protocol_session_load_session(s->sctx, &r, a) < 0 || r == NULL) {
		s->store_err = store_err;
		return;
	}
	dump_state("current", session_record_get_state(r),
	    signal_message_get_sender_ratchet_key(m));
	for (n = session_record_get_previous_states_head(r); n != NULL;
	    n = session_record_get_previous_states_next(n))
		dump_state("previous", session_record_get_previous_states_element(n),
		    signal_message_get_sender_ratchet_key(m));
	SIGNAL_UNREF(r);
	s->store_err = store_err;
}

int
sig_decrypt(struct sig *s, const char *name, uint32_t device, bool prekey,
    const uint8_t *ct, size_t len, uint8_t **out, size_t *out_len)
{
	pre_key_signal_message *pm = NULL;
	signal_message *m = NULL;
	session_cipher *c = NULL;
	signal_buffer *pt = NULL;
	signal_protocol_address a;
	int rc;

	if (!address(name, device, &a))
		return -EINVAL;
	if (len == 0 || len > SIG_PLAIN_MAX)
		return -EBADMSG;
	if ((rc = session_cipher_create(&c, s->sctx, &a, s->ctx)) < 0)
		goto out;
	/* Bytes that do not parse are a bad message, whatever libsignal says. */
	if (prekey) {
		if (pre_key_signal_message_deserialize(&pm, ct, len, s->ctx) < 0)
			rc = SG_ERR_INVALID_MESSAGE;
		else
			rc = session_cipher_decrypt_pre_key_signal_message(c, pm,
			    NULL, &pt);
	} else {
		if (signal_message_deserialize(&m, ct, len, s->ctx) < 0)
			rc = SG_ERR_INVALID_MESSAGE;
		else
			rc = session_cipher_decrypt_signal_message(c, m, NULL, &pt);
		if (rc < 0 && m != NULL)
			dump_failed(s, &a, m, rc);
	}
out:
	SIGNAL_UNREF(pm);
	SIGNAL_UNREF(m);
	session_cipher_free(c);
	if ((rc = sig_errno(s, rc)) < 0) {
		signal_buffer_bzero_free(pt);
		return rc;
	}
	return take_buffer(pt, out, out_len);
}

int
sig_encrypt(struct sig *s, const char *name, uint32_t device, const uint8_t *pt,
    size_t len, bool *prekey, uint8_t **out, size_t *out_len)
{
	ciphertext_message *m = NULL;
	session_cipher *c = NULL;
	signal_buffer *ser, *copy = NULL;
	signal_protocol_address a;
	int rc;

	if (!address(name, device, &a))
		return -EINVAL;
	if (len > SIG_PLAIN_MAX)
		return -EMSGSIZE;
	if (!sig_has_session(s, name, device))
		return -ENOENT;
	if ((rc = session_cipher_create(&c, s->sctx, &a, s->ctx)) < 0 ||
	    (rc = session_cipher_encrypt(c, pt, len, &m)) < 0)
		goto out;
	ser = ciphertext_message_get_serialized(m);
	if ((copy = signal_buffer_copy(ser)) == NULL) {
		rc = SG_ERR_NOMEM;
		goto out;
	}
	*prekey = ciphertext_message_get_type(m) == CIPHERTEXT_PREKEY_TYPE;
out:
	SIGNAL_UNREF(m);
	session_cipher_free(c);
	if ((rc = sig_errno(s, rc)) < 0)
		return rc;
	return take_buffer(copy, out, out_len);
}

static bool
sender_name(const char *group, const char *name, uint32_t device,
    signal_protocol_sender_key_name *k)
{
	if (!sig_name_ok(group) || !address(name, device, &k->sender))
		return false;
	k->group_id = group;
	k->group_id_len = strlen(group);
	return true;
}

int
sig_group_process(struct sig *s, const char *group, const char *name,
    uint32_t device, const uint8_t *skdm, size_t len)
{
	sender_key_distribution_message *m = NULL;
	group_session_builder *b = NULL;
	signal_protocol_sender_key_name k;
	int rc;

	if (!sender_name(group, name, device, &k))
		return -EINVAL;
	if ((rc = sender_key_distribution_message_deserialize(&m, skdm, len,
	    s->ctx)) < 0 ||
	    (rc = group_session_builder_create(&b, s->sctx, s->ctx)) < 0)
		goto out;
	rc = group_session_builder_process_session(b, &k, m);
out:
	group_session_builder_free(b);
	SIGNAL_UNREF(m);
	return sig_errno(s, rc);
}

int
sig_group_decrypt(struct sig *s, const char *group, const char *name,
    uint32_t device, const uint8_t *ct, size_t len, uint8_t **out,
    size_t *out_len)
{
	signal_protocol_sender_key_name k;
	sender_key_message *m = NULL;
	group_cipher *c = NULL;
	signal_buffer *pt = NULL;
	int rc;

	if (!sender_name(group, name, device, &k))
		return -EINVAL;
	if (len == 0 || len > SIG_PLAIN_MAX)
		return -EBADMSG;
	if (sender_key_message_deserialize(&m, ct, len, s->ctx) < 0) {
		rc = SG_ERR_INVALID_MESSAGE;
		goto out;
	}
	if ((rc = group_cipher_create(&c, s->sctx, &k, s->ctx)) < 0)
		goto out;
	rc = group_cipher_decrypt(c, m, NULL, &pt);
out:
	group_cipher_free(c);
	SIGNAL_UNREF(m);
	if ((rc = sig_errno(s, rc)) < 0) {
		signal_buffer_bzero_free(pt);
		return rc;
	}
	return take_buffer(pt, out, out_len);
}

/* Copies a ciphertext message's serialized bytes out. */
static int
take_serialized(const ciphertext_message *m, uint8_t **out, size_t *len)
{
	signal_buffer *copy = signal_buffer_copy(ciphertext_message_get_serialized(m));

	if (copy == NULL)
		return -ENOMEM;
	return take_buffer(copy, out, len);
}

int
sig_group_skdm(struct sig *s, const char *group, const char *name,
    uint32_t device, uint8_t **out, size_t *out_len)
{
	sender_key_distribution_message *m = NULL;
	group_session_builder *b = NULL;
	signal_protocol_sender_key_name k;
	int rc;

	if (!sender_name(group, name, device, &k))
		return -EINVAL;
	if ((rc = group_session_builder_create(&b, s->sctx, s->ctx)) < 0 ||
	    (rc = group_session_builder_create_session(b, &m, &k)) < 0)
		goto out;
	rc = take_serialized((const ciphertext_message *)m, out, out_len);
	group_session_builder_free(b);
	SIGNAL_UNREF(m);
	return rc;
out:
	group_session_builder_free(b);
	SIGNAL_UNREF(m);
	return sig_errno(s, rc);
}

int
sig_group_encrypt(struct sig *s, const char *group, const char *name,
    uint32_t device, const uint8_t *pt, size_t len, uint8_t **out,
    size_t *out_len)
{
	signal_protocol_sender_key_name k;
	ciphertext_message *m = NULL;
	group_cipher *c = NULL;
	int rc;

	if (!sender_name(group, name, device, &k))
		return -EINVAL;
	if (len > SIG_PLAIN_MAX)
		return -EMSGSIZE;
	if ((rc = group_cipher_create(&c, s->sctx, &k, s->ctx)) < 0 ||
	    (rc = group_cipher_encrypt(c, pt, len, &m)) < 0) {
		group_cipher_free(c);
		return sig_errno(s, rc);
	}
	rc = take_serialized(m, out, out_len);
	SIGNAL_UNREF(m);
	group_cipher_free(c);
	return rc;
}
