/*
 * pair_code.c: the companion's side of linking by phone number: the
 * companion_hello stanza, the server's ref, and the answer to the phone's
 * primary_hello (whatsmeow pair-code.go PairPhone and
 * handleCodePairNotification). The steps are in pair_code_crypto.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "pair_code.h"

struct pair_code {
	char		phone[PAIR_CODE_PHONE_MAX];
	char		code[PAIR_CODE_LEN + 1];
	uint8_t		eph_priv[32], eph_pub[32];
	uint8_t		hello_salt[PAIR_CODE_SALT_LEN], hello_iv[PAIR_CODE_IV_LEN];
	uint8_t		wrapped[PAIR_CODE_WRAPPED_LEN];
	bool		wrapped_ok;
	char		ref[PAIR_CODE_REF_MAX];
	size_t		ref_len;
	/* a primary_hello held until its key is stretched */
	bool		held;
	uint8_t		held_wrapped[PAIR_CODE_WRAPPED_LEN], held_ident[32];
};

int
pair_code_phone(const char *in, char out[PAIR_CODE_PHONE_MAX])
{
	size_t n = 0;
	const char *p;

	out[0] = '\0';
	if (in == NULL)
		return -EINVAL;
	for (p = in; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n >= PAIR_CODE_PHONE_MAX - 1)
				return -ERANGE;
			out[n++] = *p;
		} else if (*p == '+' && p == in) {
			continue;
		} else if (*p != ' ' && *p != '-' && *p != '.' && *p != '(' &&
		    *p != ')') {
			return -EINVAL;
		}
	}
	out[n] = '\0';
	if (n == 0)
		return -EINVAL;
	if (n < PAIR_CODE_PHONE_MIN)
		return -ERANGE;
	if (out[0] == '0')
		return -EDOM;
	return 0;
}

static int
prepare_fixed(const char *phone, const uint8_t rnd[PAIR_CODE_RANDOM_LEN],
    const uint8_t eph_priv[32], const uint8_t salt[PAIR_CODE_SALT_LEN],
    const uint8_t iv[PAIR_CODE_IV_LEN], struct pair_code **out)
{
	struct pair_code *pc;

	*out = NULL;
	if (strlen(phone) >= PAIR_CODE_PHONE_MAX)
		return -ERANGE;
	if ((pc = sodium_malloc(sizeof(*pc))) == NULL)
		return -ENOMEM;
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->phone, sizeof(pc->phone), "%s", phone);
	pair_code_encode(rnd, pc->code);
	memcpy(pc->eph_priv, eph_priv, 32);
	memcpy(pc->hello_salt, salt, sizeof(pc->hello_salt));
	memcpy(pc->hello_iv, iv, sizeof(pc->hello_iv));
	if (crypto_scalarmult_base(pc->eph_pub, pc->eph_priv) != 0) {
		pair_code_free(pc);
		return -EIO;
	}
	*out = pc;
	return 0;
}

int
pair_code_prepare(const char *phone, struct pair_code **out)
{
	struct {
		uint8_t	rnd[PAIR_CODE_RANDOM_LEN], priv[32];
		uint8_t	salt[PAIR_CODE_SALT_LEN], iv[PAIR_CODE_IV_LEN];
	} r;
	int rc;

	randombytes_buf(&r, sizeof(r));
	rc = prepare_fixed(phone, r.rnd, r.priv, r.salt, r.iv, out);
	sodium_memzero(&r, sizeof(r));
	return rc;
}

void
pair_code_stretch_args(const struct pair_code *pc, char code[PAIR_CODE_LEN + 1],
    uint8_t salt[PAIR_CODE_SALT_LEN])
{
	memcpy(code, pc->code, PAIR_CODE_LEN + 1);
	memcpy(salt, pc->held ? pc->held_wrapped : pc->hello_salt,
	    PAIR_CODE_SALT_LEN);
}

int
pair_code_wrap_with_key(struct pair_code *pc, const uint8_t key[PAIR_CODE_KEY_LEN])
{
	memcpy(pc->wrapped, pc->hello_salt, PAIR_CODE_SALT_LEN);
	memcpy(pc->wrapped + PAIR_CODE_SALT_LEN, pc->hello_iv, PAIR_CODE_IV_LEN);
	if (pair_code_ctr(key, pc->hello_iv, pc->eph_pub,
	    pc->wrapped + PAIR_CODE_SALT_LEN + PAIR_CODE_IV_LEN) < 0)
		return -EIO;
	pc->wrapped_ok = true;
	return 0;
}

int
pair_code_new_fixed(const char *phone, const uint8_t rnd[PAIR_CODE_RANDOM_LEN],
    const uint8_t eph_priv[32], const uint8_t salt[PAIR_CODE_SALT_LEN],
    const uint8_t iv[PAIR_CODE_IV_LEN], struct pair_code **out)
{
	uint8_t key[PAIR_CODE_KEY_LEN];
	int rc;

	if ((rc = prepare_fixed(phone, rnd, eph_priv, salt, iv, out)) < 0)
		return rc;
	if ((rc = pair_code_stretch((*out)->code, salt, key)) == 0)
		rc = pair_code_wrap_with_key(*out, key);
	sodium_memzero(key, sizeof(key));
	if (rc < 0) {
		pair_code_free(*out);
		*out = NULL;
	}
	return rc;
}

int
pair_code_new(const char *phone, struct pair_code **out)
{
	char code[PAIR_CODE_LEN + 1];
	uint8_t salt[PAIR_CODE_SALT_LEN], key[PAIR_CODE_KEY_LEN];
	int rc;

	if ((rc = pair_code_prepare(phone, out)) < 0)
		return rc;
	pair_code_stretch_args(*out, code, salt);
	if ((rc = pair_code_stretch(code, salt, key)) == 0)
		rc = pair_code_wrap_with_key(*out, key);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(code, sizeof(code));
	if (rc < 0) {
		pair_code_free(*out);
		*out = NULL;
	}
	return rc;
}

void
pair_code_free(struct pair_code *pc)
{
	sodium_free(pc);	/* sodium_free wipes before it frees */
}

void
pair_code_display(const struct pair_code *pc, char out[PAIR_CODE_LEN + 2])
{
	memcpy(out, pc->code, 4);
	out[4] = '-';
	memcpy(out + 5, pc->code + 4, 4);
	out[9] = '\0';
}

const char *
pair_code_phone_of(const struct pair_code *pc)
{
	return pc->phone;
}

bool
pair_code_hello_ready(const struct pair_code *pc)
{
	return pc->wrapped_ok;
}

bool
pair_code_has_ref(const struct pair_code *pc)
{
	return pc->ref_len > 0;
}

bool
pair_code_display_ok(const char *d)
{
	const char *open, *p;
	size_t len;

	if (d == NULL || (len = strlen(d)) < 5 || len >= PAIR_CODE_DISPLAY_MAX)
		return false;
	for (p = d; *p != '\0'; p++)
		if (!isprint((unsigned char)*p))
			return false;
	/* "Browser (OS)": a name, one space, an OS in parentheses, nothing after. */
	open = strstr(d, " (");
	return open != NULL && open > d && d[len - 1] == ')' &&
	    strchr(open + 2, '(') == NULL && strchr(open + 2, ')') == d + len - 1 &&
	    d + len - 1 > open + 2;
}

static int
add_bytes_child(struct bn_node *parent, const char *tag, const void *b,
    size_t len)
{
	struct bn_node *c = bn_node_new(tag);

	if (c == NULL || bn_node_set_bytes(c, b, len) < 0 ||
	    bn_node_add_child(parent, c) < 0) {
		bn_node_free(c);
		return -ENOMEM;
	}
	return 0;
}

static int
add_string_child(struct bn_node *parent, const char *tag, const char *s)
{
	struct bn_node *c = bn_node_new(tag);

	if (c == NULL || bn_node_set_string(c, s, strlen(s)) < 0 ||
	    bn_node_add_child(parent, c) < 0) {
		bn_node_free(c);
		return -ENOMEM;
	}
	return 0;
}

int
pair_code_hello_node(const struct pair_code *pc, const uint8_t noise_pub[32],
    const char *platform_id, const char *display, struct bn_node **out)
{
	static const uint8_t nonce0[1] = { 0 };	/* whatsmeow: []byte{0} */
	struct bn_node *n = bn_node_new("link_code_companion_reg");
	char jid[PAIR_CODE_PHONE_MAX + 20];

	*out = NULL;
	snprintf(jid, sizeof(jid), "%s@s.whatsapp.net", pc->phone);
	if (!pc->wrapped_ok) {
		bn_node_free(n);
		return -EINVAL;
	}
	if (n == NULL || bn_node_set_attr(n, "jid", jid) < 0 ||
	    bn_node_set_attr(n, "stage", "companion_hello") < 0 ||
	    bn_node_set_attr(n, "should_show_push_notification", "true") < 0 ||
	    add_bytes_child(n, "link_code_pairing_wrapped_companion_ephemeral_pub",
	    pc->wrapped, sizeof(pc->wrapped)) < 0 ||
	    add_bytes_child(n, "companion_server_auth_key_pub", noise_pub, 32) < 0 ||
	    add_string_child(n, "companion_platform_id", platform_id) < 0 ||
	    add_string_child(n, "companion_platform_display", display) < 0 ||
	    add_bytes_child(n, "link_code_pairing_nonce", nonce0, 1) < 0) {
		bn_node_free(n);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

int
pair_code_on_hello_result(struct pair_code *pc, const struct bn_node *iq)
{
	const struct bn_node *reg, *ref;
	const uint8_t *b;
	size_t len;

	if ((reg = bn_node_peek_child_by_tag(iq, "link_code_companion_reg")) == NULL ||
	    (ref = bn_node_peek_child_by_tag(reg, "link_code_pairing_ref")) == NULL ||
	    (b = bn_node_peek_bytes(ref, &len)) == NULL || len == 0)
		return -EBADMSG;
	if (len >= sizeof(pc->ref))
		return -EMSGSIZE;
	memcpy(pc->ref, b, len);
	pc->ref[len] = '\0';
	pc->ref_len = len;
	return 0;
}

static const uint8_t *
child_bytes(const struct bn_node *n, const char *tag, size_t *len)
{
	const struct bn_node *c = bn_node_peek_child_by_tag(n, tag);

	*len = 0;
	return c != NULL ? bn_node_peek_bytes(c, len) : NULL;
}

int
pair_code_parse_primary_hello(const struct bn_node *notif,
    struct pair_code_hello_fields *f)
{
	const struct bn_node *reg;
	size_t wlen, ilen;

	memset(f, 0, sizeof(*f));
	if (!bn_node_tag_is(notif, "notification") ||
	    (reg = bn_node_peek_child_by_tag(notif, "link_code_companion_reg")) == NULL)
		return -EBADMSG;
	f->ref = child_bytes(reg, "link_code_pairing_ref", &f->ref_len);
	f->wrapped = child_bytes(reg,
	    "link_code_pairing_wrapped_primary_ephemeral_pub", &wlen);
	f->primary_ident = child_bytes(reg, "primary_identity_pub", &ilen);
	if (f->ref == NULL || f->ref_len == 0 || f->wrapped == NULL ||
	    f->primary_ident == NULL)
		return -EBADMSG;
	/* whatsmeow accepts >= 80 and reads the first 80. */
	if (wlen < PAIR_CODE_WRAPPED_LEN || ilen != 32 ||
	    f->ref_len >= PAIR_CODE_REF_MAX)
		return -EMSGSIZE;
	return 0;
}

static int
finish_node(const struct pair_code *pc, const uint8_t bundle[PAIR_CODE_BUNDLE_LEN],
    const uint8_t ident_pub[32], struct bn_node **out)
{
	struct bn_node *n = bn_node_new("link_code_companion_reg");
	char jid[PAIR_CODE_PHONE_MAX + 20];

	snprintf(jid, sizeof(jid), "%s@s.whatsapp.net", pc->phone);
	if (n == NULL || bn_node_set_attr(n, "jid", jid) < 0 ||
	    bn_node_set_attr(n, "stage", "companion_finish") < 0 ||
	    add_bytes_child(n, "link_code_pairing_wrapped_key_bundle", bundle,
	    PAIR_CODE_BUNDLE_LEN) < 0 ||
	    add_bytes_child(n, "companion_identity_public", ident_pub, 32) < 0 ||
	    add_bytes_child(n, "link_code_pairing_ref", pc->ref, pc->ref_len) < 0) {
		bn_node_free(n);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

/* Secrets of one primary_hello answer, wiped as one block. */
struct finish_secrets {
	uint8_t	primary_eph[32], eph_shared[32], ident_shared[32];
	uint8_t	adv_random[32], salt[PAIR_CODE_SALT_LEN];
	uint8_t	nonce[PAIR_CODE_NONCE_LEN], bundle[PAIR_CODE_BUNDLE_LEN];
};

int
pair_code_hold_primary_hello(struct pair_code *pc, const struct bn_node *notif)
{
	struct pair_code_hello_fields f;
	int rc;

	if ((rc = pair_code_parse_primary_hello(notif, &f)) < 0)
		return rc;
	if (pc->ref_len == 0 || f.ref_len != pc->ref_len ||
	    memcmp(f.ref, pc->ref, pc->ref_len) != 0)
		return -ESTALE;
	memcpy(pc->held_wrapped, f.wrapped, PAIR_CODE_WRAPPED_LEN);
	memcpy(pc->held_ident, f.primary_ident, 32);
	pc->held = true;
	return 0;
}

int
pair_code_finish_with_key(struct pair_code *pc, const uint8_t key[PAIR_CODE_KEY_LEN],
    const uint8_t ident_priv[32], const uint8_t ident_pub[32], uint8_t adv[32],
    struct bn_node **finish)
{
	struct finish_secrets s;
	int rc = -EIO;

	*finish = NULL;
	if (!pc->held)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	randombytes_buf(s.adv_random, sizeof(s.adv_random));
	randombytes_buf(s.salt, sizeof(s.salt));
	randombytes_buf(s.nonce, sizeof(s.nonce));
	if (pair_code_ctr(key, pc->held_wrapped + PAIR_CODE_SALT_LEN,
	    pc->held_wrapped + PAIR_CODE_SALT_LEN + PAIR_CODE_IV_LEN,
	    s.primary_eph) < 0 ||
	    crypto_scalarmult(s.eph_shared, pc->eph_priv, s.primary_eph) != 0 ||
	    crypto_scalarmult(s.ident_shared, ident_priv, pc->held_ident) != 0 ||
	    pair_code_bundle(s.eph_shared, s.salt, s.nonce, ident_pub,
	    pc->held_ident, s.adv_random, s.bundle) < 0 ||
	    pair_code_adv_secret(s.eph_shared, s.ident_shared, s.adv_random,
	    adv) < 0)
		goto out;
	rc = finish_node(pc, s.bundle, ident_pub, finish);
out:
	pc->held = false;
	sodium_memzero(&s, sizeof(s));
	return rc;
}

int
pair_code_on_primary_hello(struct pair_code *pc, const struct bn_node *notif,
    const uint8_t ident_priv[32], const uint8_t ident_pub[32], uint8_t adv[32],
    struct bn_node **finish)
{
	char code[PAIR_CODE_LEN + 1];
	uint8_t salt[PAIR_CODE_SALT_LEN], key[PAIR_CODE_KEY_LEN];
	int rc;

	*finish = NULL;
	if ((rc = pair_code_hold_primary_hello(pc, notif)) < 0)
		return rc;
	pair_code_stretch_args(pc, code, salt);
	if ((rc = pair_code_stretch(code, salt, key)) == 0)
		rc = pair_code_finish_with_key(pc, key, ident_priv, ident_pub, adv,
		    finish);
	pc->held = false;
	sodium_memzero(key, sizeof(key));
	sodium_memzero(code, sizeof(code));
	return rc;
}
