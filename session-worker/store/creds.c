/*
 * creds.c: credentials <-> JSON text. The text holds private keys, so it is
 * built in sodium memory, and jansson (which parses it) is given a wiping
 * allocator: no key material is left behind in freed heap.
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "creds.h"

#define CREDS_FORMAT	1
#define B64		sodium_base64_VARIANT_ORIGINAL

struct creds *
creds_new(void)
{
	struct creds *c;

	if (sodium_init() < 0 || (c = sodium_malloc(sizeof(*c))) == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	return c;
}

void
creds_free(struct creds *c)
{
	sodium_free(c);	/* wipes; NULL-safe */
}

void
creds_text_free(char *s, size_t len)
{
	(void)len;
	sodium_free(s);
}

/* jansson's strings of a creds file hold keys: wipe every block it frees. */
static void
wiping_free(void *p)
{
	if (p != NULL) {
		sodium_memzero(p, malloc_usable_size(p));
		free(p);
	}
}

static void
install_wiping_allocator(void)
{
	static int done;

	if (!done) {
		json_set_alloc_funcs(malloc, wiping_free);
		done = 1;
	}
}

/* Appends to a bounded buffer; -ENOSPC when it would not fit. */
struct sbuf {
	char	*p;
	size_t	 len, cap;
};

static int
sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		return -ENOSPC;
	b->len += (size_t)n;
	return 0;
}

static int
sb_b64(struct sbuf *b, const char *key, const uint8_t *bin, size_t n,
    const char *sep)
{
	size_t need = sodium_base64_encoded_len(n, B64);
	int rc;

	if ((rc = sb_printf(b, "\"%s\":\"", key)) < 0)
		return rc;
	if (need > b->cap - b->len)
		return -ENOSPC;
	sodium_bin2base64(b->p + b->len, need, bin, n, B64);
	b->len += need - 1;
	return sb_printf(b, "\"%s", sep);
}

/* JSON string value: our strings are jids and names; escape the rest. */
static int
sb_str(struct sbuf *b, const char *key, const char *s, const char *sep)
{
	int rc;

	if ((rc = sb_printf(b, "\"%s\":\"", key)) < 0)
		return rc;
	for (; *s != '\0' && rc == 0; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			rc = sb_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			rc = sb_printf(b, "\\u%04x", ch);
		else
			rc = sb_printf(b, "%c", ch);
	}
	return rc < 0 ? rc : sb_printf(b, "\"%s", sep);
}

static int
encode_into(const struct creds *c, struct sbuf *b)
{
	int rc = 0;

#define TRY(x) do { if ((rc = (x)) < 0) return rc; } while (0)
	TRY(sb_printf(b, "{\n\"format\":%d,\n", CREDS_FORMAT));
	TRY(sb_printf(b, "\"noise\":{"));
	TRY(sb_b64(b, "private", c->noise_priv, CREDS_KEY_LEN, ","));
	TRY(sb_b64(b, "public", c->noise_pub, CREDS_KEY_LEN, "},\n"));
	TRY(sb_printf(b, "\"identity\":{"));
	TRY(sb_b64(b, "private", c->ident_priv, CREDS_KEY_LEN, ","));
	TRY(sb_b64(b, "public", c->ident_pub, CREDS_KEY_LEN, "},\n"));
	TRY(sb_printf(b, "\"registrationId\":%u,\n", c->registration_id));
	TRY(sb_printf(b, "\"signedPreKey\":{\"id\":%u,", c->spk_id));
	TRY(sb_b64(b, "private", c->spk_priv, CREDS_KEY_LEN, ","));
	TRY(sb_b64(b, "public", c->spk_pub, CREDS_KEY_LEN, ","));
	TRY(sb_b64(b, "signature", c->spk_sig, CREDS_SIG_LEN, "},\n"));
	TRY(sb_b64(b, "advSecret", c->adv_secret, CREDS_KEY_LEN, ",\n"));
	TRY(sb_printf(b, "\"nextPreKeyId\":%u,\n\"uploadedPreKeyId\":%u",
	    c->next_prekey_id, c->uploaded_prekey_id));
	if (c->routing_len > 0) {
		TRY(sb_printf(b, ",\n"));
		TRY(sb_b64(b, "routing", c->routing, c->routing_len, ""));
	}
	if (c->paired) {
		TRY(sb_printf(b, ",\n\"me\":{"));
		TRY(sb_str(b, "jid", c->me_jid, ","));
		TRY(sb_str(b, "lid", c->me_lid, ","));
		TRY(sb_str(b, "platform", c->platform, ","));
		TRY(sb_str(b, "pushName", c->push_name, ","));
		TRY(sb_printf(b, "\"keyIndex\":%u,", c->key_index));
		TRY(sb_b64(b, "account", c->account, c->account_len, "}"));
	}
	TRY(sb_printf(b, "\n}\n"));
#undef TRY
	return rc;
}

int
creds_encode(const struct creds *c, char **out, size_t *len)
{
	struct sbuf b = { .cap = CREDS_FILE_MAX };
	int rc;

	if ((b.p = sodium_malloc(b.cap)) == NULL)
		return -ENOMEM;
	if ((rc = encode_into(c, &b)) < 0) {
		sodium_free(b.p);
		return rc == -ENOSPC ? -EMSGSIZE : rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

static int
get_b64(json_t *obj, const char *key, uint8_t *out, size_t min, size_t max,
    size_t *got)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	if (!json_is_string(v))
		return -EBADMSG;
	s = json_string_value(v);
	if (sodium_base642bin(out, max, s, json_string_length(v), NULL, &n,
	    NULL, B64) != 0 || n < min)
		return -EBADMSG;
	if (got != NULL)
		*got = n;
	else if (n != max)
		return -EBADMSG;
	return 0;
}

static int
get_key(json_t *obj, const char *key, uint8_t *out, size_t n)
{
	return get_b64(obj, key, out, n, n, NULL);
}

static int
get_u32(json_t *obj, const char *key, uint32_t max, uint32_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)max)
		return -EBADMSG;
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int
get_str(json_t *obj, const char *key, char *out, size_t cap)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || json_string_length(v) >= cap ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -EBADMSG;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
decode_me(json_t *me, struct creds *c)
{
	int rc;

	if ((rc = get_str(me, "jid", c->me_jid, sizeof(c->me_jid))) < 0 ||
	    (rc = get_str(me, "lid", c->me_lid, sizeof(c->me_lid))) < 0 ||
	    (rc = get_str(me, "platform", c->platform, sizeof(c->platform))) < 0 ||
	    (rc = get_str(me, "pushName", c->push_name, sizeof(c->push_name))) < 0 ||
	    (rc = get_u32(me, "keyIndex", UINT32_MAX, &c->key_index)) < 0 ||
	    (rc = get_b64(me, "account", c->account, 1, sizeof(c->account),
	    &c->account_len)) < 0)
		return rc;
	if (strchr(c->me_jid, '@') == NULL)
		return -EBADMSG;
	c->paired = true;
	return 0;
}

static int
decode_root(json_t *root, struct creds *c)
{
	json_t *noise, *ident, *spk, *me;
	uint32_t format;
	int rc;

	if (!json_is_object(root) ||
	    get_u32(root, "format", UINT32_MAX, &format) < 0 ||
	    format != CREDS_FORMAT)
		return -EBADMSG;
	noise = json_object_get(root, "noise");
	ident = json_object_get(root, "identity");
	spk = json_object_get(root, "signedPreKey");
	if ((rc = get_key(noise, "private", c->noise_priv, CREDS_KEY_LEN)) < 0 ||
	    (rc = get_key(noise, "public", c->noise_pub, CREDS_KEY_LEN)) < 0 ||
	    (rc = get_key(ident, "private", c->ident_priv, CREDS_KEY_LEN)) < 0 ||
	    (rc = get_key(ident, "public", c->ident_pub, CREDS_KEY_LEN)) < 0 ||
	    (rc = get_u32(root, "registrationId", 0x3fff, &c->registration_id)) < 0 ||
	    (rc = get_u32(spk, "id", 0xffffff, &c->spk_id)) < 0 ||
	    (rc = get_key(spk, "private", c->spk_priv, CREDS_KEY_LEN)) < 0 ||
	    (rc = get_key(spk, "public", c->spk_pub, CREDS_KEY_LEN)) < 0 ||
	    (rc = get_key(spk, "signature", c->spk_sig, CREDS_SIG_LEN)) < 0 ||
	    (rc = get_key(root, "advSecret", c->adv_secret, CREDS_KEY_LEN)) < 0 ||
	    (rc = get_u32(root, "nextPreKeyId", 0xffffff, &c->next_prekey_id)) < 0 ||
	    (rc = get_u32(root, "uploadedPreKeyId", 0xffffff,
	    &c->uploaded_prekey_id)) < 0)
		return rc;
	if (json_object_get(root, "routing") != NULL &&
	    (rc = get_b64(root, "routing", c->routing, 1, sizeof(c->routing),
	    &c->routing_len)) < 0)
		return rc;
	if ((me = json_object_get(root, "me")) != NULL &&
	    (!json_is_object(me) || (rc = decode_me(me, c)) < 0))
		return rc < 0 ? rc : -EBADMSG;
	return 0;
}

int
creds_decode(const uint8_t *buf, size_t len, struct creds *out)
{
	struct creds *c;
	json_error_t err;
	json_t *root;
	int rc;

	if (len > CREDS_FILE_MAX)
		return -EFBIG;
	install_wiping_allocator();
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL)
		return -EBADMSG;
	if ((c = creds_new()) == NULL) {
		json_decref(root);
		return -ENOMEM;
	}
	rc = decode_root(root, c);
	json_decref(root);
	if (rc == 0)
		memcpy(out, c, sizeof(*c));
	creds_free(c);
	return rc;
}

void
creds_phone(const struct creds *c, char out[16])
{
	size_t i;

	out[0] = '\0';
	if (!c->paired)
		return;
	for (i = 0; i < 15 && c->me_jid[i] >= '0' && c->me_jid[i] <= '9'; i++)
		out[i] = c->me_jid[i];
	out[i] = '\0';
}
