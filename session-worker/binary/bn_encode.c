/*
 * bn_encode.c: nodes -> bytes (protocol-notes §5). Strings take the first
 * form that fits: "" as BINARY_8 0, token, NIBBLE_8, HEX_8 (upper case
 * only), JID, raw BINARY_8/20/32, as Baileys' encode.js does.
 *
 * JIDs: Baileys' encoder loses information for some text forms (a device
 * above 255, "user:3@g.us", non-numeric devices, "_agent" without a
 * device). Here a JID form is used only when it decodes back to the same
 * string, with two deliberate exceptions Baileys and WhatsApp share:
 * "user:0@server" on an AD server is AD_JID device 0 (pitfall 7; it decodes
 * as "user@server"), and "user_agent:device@server" on an AD server is
 * AD_JID without the agent, which on s.whatsapp.net becomes the domain
 * byte (jid-utils.js jidDecode). FB_JID is used for "user:device@msgr" and
 * INTEROP_JID for "integrator-user:device@interop", forms Baileys decodes
 * but never writes. Anything else with an '@' is a JID_PAIR, which
 * is lossless, or raw bytes when the server is empty or holds another '@'
 * (so JIDs never nest and decoding never meets a deeper string than this
 * encoder wrote).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "binary/bn.h"
#include "binary/bn_impl.h"
#include "binary/bn_tokens.h"

/* Output buffer with a ceiling (STYLE.md rule 4): growing past max fails. */
struct wb {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	bool	 fixed;		/* caller's buffer: never reallocated */
};

static int
wb_grow(struct wb *w, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (n > w->max - w->len || w->fixed)
		return -EMSGSIZE;
	cap = w->cap < 4096 ? 4096 : w->cap;	/* most stanzas fit at once */
	while (cap - w->len < n && cap < w->max)
		cap *= 2;
	if (cap > w->max)
		cap = w->max;	/* still >= len + n: checked above */
	if ((p = realloc(w->p, cap)) == NULL)
		return -ENOMEM;
	w->p = p;
	w->cap = cap;
	return 0;
}

/* Room for n more bytes: the fast path is one compare. */
static inline int
wb_need(struct wb *w, size_t n)
{
	if (n <= w->cap - w->len)
		return 0;
	return wb_grow(w, n);
}

static inline int
wb_byte(struct wb *w, uint8_t b)
{
	int rc;

	if ((rc = wb_need(w, 1)) < 0)
		return rc;
	w->p[w->len++] = b;
	return 0;
}

static int
write_bytes(struct wb *w, const void *p, size_t len)
{
	uint8_t *o;
	int rc;

	if (len > 0xffffffffu)
		return -EMSGSIZE;
	if ((rc = wb_need(w, len + (len < 256 ? 2 : len < (1u << 20) ? 4 : 5))) < 0)
		return rc;
	o = w->p + w->len;
	if (len < 256) {
		*o++ = BN_BINARY_8;
		*o++ = (uint8_t)len;
	} else if (len < (1u << 20)) {
		*o++ = BN_BINARY_20;
		*o++ = (uint8_t)(len >> 16);
		*o++ = (uint8_t)(len >> 8);
		*o++ = (uint8_t)len;
	} else {
		*o++ = BN_BINARY_32;
		*o++ = (uint8_t)(len >> 24);
		*o++ = (uint8_t)(len >> 16);
		*o++ = (uint8_t)(len >> 8);
		*o++ = (uint8_t)len;
	}
	if (len > 0)
		memcpy(o, p, len);
	w->len = (size_t)(o - w->p) + len;
	return 0;
}

static int
write_list_start(struct wb *w, size_t n)
{
	int rc;

	if (n > 0xffff)
		return -EMSGSIZE;
	if ((rc = wb_need(w, n == 0 ? 1 : n < 256 ? 2 : 3)) < 0)
		return rc;
	if (n == 0)
		w->p[w->len++] = BN_LIST_EMPTY;
	else if (n < 256) {
		w->p[w->len++] = BN_LIST_8;
		w->p[w->len++] = (uint8_t)n;
	} else {
		w->p[w->len++] = BN_LIST_16;
		w->p[w->len++] = (uint8_t)(n >> 8);
		w->p[w->len++] = (uint8_t)n;
	}
	return 0;
}

/*
 * Packed forms (protocol-notes §5): nibbles are 0-9, 10 '-', 11 '.'; hex
 * is 0-9, A-F (upper case only, pitfall 8). pack_val holds a character's
 * 4-bit value; pack_class says which forms accept it.
 */
#define PK_NIBBLE	0x01
#define PK_HEX		0x02
static const uint8_t pack_class[256] = {
	['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3,
	['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
	['-'] = PK_NIBBLE, ['.'] = PK_NIBBLE,
	['A'] = PK_HEX, ['B'] = PK_HEX, ['C'] = PK_HEX, ['D'] = PK_HEX,
	['E'] = PK_HEX, ['F'] = PK_HEX,
};
static const uint8_t pack_val[256] = {
	['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5,
	['6'] = 6, ['7'] = 7, ['8'] = 8, ['9'] = 9,
	['-'] = 10, ['.'] = 11,
	['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
};

/* The packed form s fits, NIBBLE_8 before HEX_8, or 0 for neither. */
static uint8_t
packed_form(const char *s, size_t len)
{
	unsigned int c = PK_NIBBLE | PK_HEX;
	size_t i;

	if (len > BN_PACKED_MAX)
		return 0;
	for (i = 0; i < len && c != 0; i++)
		c &= pack_class[(uint8_t)s[i]];
	return c & PK_NIBBLE ? BN_NIBBLE_8 : c & PK_HEX ? BN_HEX_8 : 0;
}

static int
write_packed(struct wb *w, const char *s, size_t len, uint8_t tag)
{
	uint8_t *o;
	size_t i;
	int rc;

	if ((rc = wb_need(w, 2 + (len + 1) / 2)) < 0)
		return rc;
	o = w->p + w->len;
	*o++ = tag;
	*o++ = (uint8_t)((len + 1) / 2 | (len % 2 ? 0x80 : 0));
	for (i = 0; i + 1 < len; i += 2)
		*o++ = (uint8_t)(pack_val[(uint8_t)s[i]] << 4 |
		    pack_val[(uint8_t)s[i + 1]]);
	if (len % 2)
		*o++ = (uint8_t)(pack_val[(uint8_t)s[len - 1]] << 4 | 15);	/* pad */
	w->len = (size_t)(o - w->p);
	return 0;
}

static int write_string(struct wb *, const char *, size_t, bool jid_ok);

static bool
str_is(const char *s, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(s, lit, len) == 0;
}

/* AD_JID domain byte for the four AD servers, else -1. */
static int
ad_domain(const struct bn_jid *j)
{
	if (str_is(j->server, j->server_len, "s.whatsapp.net"))
		return j->agent >= 0 ? j->agent : 0;
	if (str_is(j->server, j->server_len, "lid"))
		return 1;
	if (str_is(j->server, j->server_len, "hosted"))
		return 128;
	if (str_is(j->server, j->server_len, "hosted.lid"))
		return 129;
	return -1;
}

static int
write_u16(struct wb *w, unsigned int v)
{
	int rc;

	if ((rc = wb_byte(w, (uint8_t)(v >> 8))) < 0)
		return rc;
	return wb_byte(w, (uint8_t)v);
}

/* integrator-user:device@interop -> INTEROP_JID; 1 when s is not that form. */
static int
write_interop(struct wb *w, const struct bn_jid *j)
{
	const char *dash;
	unsigned long integ = 0;
	size_t i, ilen;
	int rc;

	if (j->agent >= 0 || j->device < 0 ||
	    (dash = memchr(j->user, '-', j->user_len)) == NULL)
		return 1;
	ilen = (size_t)(dash - j->user);
	if (ilen == 0 || ilen > 5 || (ilen > 1 && j->user[0] == '0'))
		return 1;
	for (i = 0; i < ilen; i++) {
		if (j->user[i] < '0' || j->user[i] > '9')
			return 1;
		integ = integ * 10 + (unsigned long)(j->user[i] - '0');
	}
	if (integ > 65535)
		return 1;
	if ((rc = wb_byte(w, BN_INTEROP_JID)) < 0 ||
	    (rc = write_string(w, dash + 1, j->user_len - ilen - 1, false)) < 0 ||
	    (rc = write_u16(w, (unsigned int)j->device)) < 0 ||
	    (rc = write_u16(w, (unsigned int)integ)) < 0)
		return rc;
	return write_string(w, j->server, j->server_len, false);
}

/* s holds an '@': a JID form, or 1 when it must go raw. */
static int
write_jid(struct wb *w, const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t ulen = (size_t)(at - s);
	struct bn_jid j;
	int d, rc;

	if (at == s + len - 1 || memchr(at + 1, '@', len - ulen - 1) != NULL)
		return 1;
	if (bn_jid_parse(s, len, &j) == 0 && j.device >= 0) {
		d = ad_domain(&j);
		if (d >= 0 && j.device <= 255) {
			if ((rc = wb_need(w, 3)) < 0)
				return rc;
			w->p[w->len++] = BN_AD_JID;
			w->p[w->len++] = (uint8_t)d;
			w->p[w->len++] = (uint8_t)j.device;
			return write_string(w, j.user, j.user_len, false);
		}
		if (j.agent < 0 && str_is(j.server, j.server_len, "msgr")) {
			if ((rc = wb_byte(w, BN_FB_JID)) < 0 ||
			    (rc = write_string(w, j.user, j.user_len, false)) < 0 ||
			    (rc = write_u16(w, (unsigned int)j.device)) < 0)
				return rc;
			return write_string(w, j.server, j.server_len, false);
		}
		if (str_is(j.server, j.server_len, "interop") &&
		    (rc = write_interop(w, &j)) <= 0)
			return rc;
	}
	/* JID_PAIR keeps the whole user part, so it decodes to s exactly */
	if ((rc = wb_byte(w, BN_JID_PAIR)) < 0)
		return rc;
	if (ulen == 0)
		rc = wb_byte(w, BN_LIST_EMPTY);
	else
		rc = write_string(w, s, ulen, false);
	if (rc < 0)
		return rc;
	return write_string(w, at + 1, len - ulen - 1, false);
}

static int
write_string(struct wb *w, const char *s, size_t len, bool jid_ok)
{
	uint8_t form;
	int rc, t;

	if (len == 0)
		return write_bytes(w, s, 0);
	if ((t = bn_token_find(s, len)) >= 0) {
		if ((rc = wb_need(w, t >= 256 ? 2 : 1)) < 0)
			return rc;
		if (t >= 256)
			w->p[w->len++] = (uint8_t)(BN_DICTIONARY_0 + (t >> 8) - 1);
		w->p[w->len++] = (uint8_t)t;
		return 0;
	}
	if ((form = packed_form(s, len)) != 0)
		return write_packed(w, s, len, form);
	if (jid_ok && memchr(s, '@', len) != NULL &&
	    (rc = write_jid(w, s, len)) <= 0)
		return rc;
	return write_bytes(w, s, len);
}

static int
write_node(struct wb *w, const struct bn_node *n, int depth)
{
	size_t size;
	uint32_t i;
	int rc;

	if (depth > BN_DEPTH_MAX)
		return -ELOOP;
	if (n->tag.len == 0)
		return -EINVAL;
	size = 1 + 2 * (size_t)n->nattrs + (n->kind != BN_CONTENT_NONE);
	if ((rc = write_list_start(w, size)) < 0 ||
	    (rc = write_string(w, n->tag.p, n->tag.len, true)) < 0)
		return rc;
	for (i = 0; i < n->nattrs; i++)
		if ((rc = write_string(w, n->attrs[i].key.p,
		    n->attrs[i].key.len, true)) < 0 ||
		    (rc = write_string(w, n->attrs[i].val.p,
		    n->attrs[i].val.len, true)) < 0)
			return rc;
	switch (n->kind) {
	case BN_CONTENT_NONE:
		return 0;
	case BN_CONTENT_BYTES:
		return write_bytes(w, n->bytes, n->len);
	case BN_CONTENT_STRING:
		return write_string(w, (const char *)n->bytes, n->len, true);
	case BN_CONTENT_LIST:
		if ((rc = write_list_start(w, n->nkids)) < 0)
			return rc;
		for (i = 0; i < n->nkids; i++)
			if ((rc = write_node(w, n->kids[i], depth + 1)) < 0)
				return rc;
		return 0;
	}
	return -EINVAL;
}

static int
encode(const struct bn_node *n, size_t max, bool frame, uint8_t **out,
    size_t *len)
{
	struct wb w = { NULL, 0, 0, max == 0 || max > BN_FRAME_MAX ?
	    BN_FRAME_MAX : max, false };
	int rc;

	if (frame && (rc = wb_byte(&w, 0)) < 0)
		goto out_free;
	if ((rc = write_node(&w, n, 1)) < 0)
		goto out_free;
	*out = w.p;
	*len = w.len;
	return 0;
out_free:
	free(w.p);
	return rc;
}

int
bn_encode(const struct bn_node *n, size_t max, uint8_t **out, size_t *len)
{
	return encode(n, max, false, out, len);
}

int
bn_encode_frame(const struct bn_node *n, size_t max, uint8_t **out,
    size_t *len)
{
	return encode(n, max, true, out, len);
}

int
bn_encode_into(const struct bn_node *n, uint8_t *buf, size_t cap, size_t *len)
{
	struct wb w = { buf, 0, cap, cap, true };
	int rc;

	if ((rc = write_node(&w, n, 1)) < 0)
		return rc;
	*len = w.len;
	return 0;
}
