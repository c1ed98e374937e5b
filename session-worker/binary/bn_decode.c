/*
 * bn_decode.c: bytes -> nodes (protocol-notes §5). Total: every input gives
 * a node or a negative errno, never an over-read. Every length is checked
 * against the bytes left before anything is allocated, nesting of nodes,
 * and apart from it of strings inside JIDs, is bounded by BN_DEPTH_MAX
 * (pitfall 24), and all memory a
 * decode allocates is charged to a budget, since a token byte or a JID of
 * three bytes can stand for tens of bytes of text.
 *
 * Text forms follow Baileys' decode.js: JID_PAIR needs a non-empty server,
 * AD_JID device 0 drops the device, INTEROP_JID's server is optional.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "binary/bn.h"
#include "binary/bn_impl.h"
#include "binary/bn_tokens.h"

/* Memory one decode may allocate: 4x the largest frame covers any real
 * stanza with room; a hostile frame of tokens and JIDs stops here. */
#define BN_DECODE_MEM_MAX	(4 * (size_t)BN_FRAME_MAX)
/* The smallest node is 3 bytes (LIST_8 n, tag); a string 1 byte. */
#define BN_NODE_MIN		3
#define BN_ALLOC_OVERHEAD	16	/* charged per allocation */

struct rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	size_t		 budget;	/* bytes left to allocate */
};

static int
rd_take(struct rd *r, size_t n, const uint8_t **out)
{
	if (n > r->len - r->off)	/* subtract, never add: off <= len */
		return -EBADMSG;
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

static inline int
rd_byte(struct rd *r, unsigned int *b)
{
	if (r->off >= r->len)
		return -EBADMSG;
	*b = r->p[r->off++];
	return 0;
}

/* Big-endian integer of n bytes; BINARY_20 masks the top nibble (§5). */
static int
rd_uint(struct rd *r, size_t n, size_t *v)
{
	const uint8_t *p;
	size_t i;
	int rc;

	if ((rc = rd_take(r, n, &p)) < 0)
		return rc;
	*v = n == 3 ? (p[0] & 0x0fu) : p[0];
	for (i = 1; i < n; i++)
		*v = *v << 8 | p[i];
	return 0;
}

static int
charge(struct rd *r, size_t n)
{
	if (n > r->budget || r->budget - n < BN_ALLOC_OVERHEAD)
		return -EMSGSIZE;
	r->budget -= n + BN_ALLOC_OVERHEAD;
	return 0;
}

/* Owned copy of the concatenation of up to four parts. */
static int
str_cat(struct rd *r, struct bn_str *out, const struct bn_str *parts, int n)
{
	size_t len = 0, off = 0;
	char *c;
	int i, rc;

	for (i = 0; i < n; i++)
		len += parts[i].len;	/* each part was charged: no overflow */
	if (len > UINT32_MAX - 1)
		return -EMSGSIZE;
	if ((rc = charge(r, len + 1)) < 0)
		return rc;
	if ((c = malloc(len + 1)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		memcpy(c + off, parts[i].p, parts[i].len);
		off += parts[i].len;
	}
	c[len] = '\0';
	out->p = c;
	out->len = (uint32_t)len;
	out->owned = true;
	return 0;
}

static void
str_static(struct bn_str *s, const char *p, size_t len)
{
	s->p = p;
	s->len = (uint32_t)len;
	s->owned = false;
}

static int
str_raw(struct rd *r, size_t len, struct bn_str *out)
{
	const uint8_t *p;
	struct bn_str part;
	int rc;

	if ((rc = rd_take(r, len, &p)) < 0)
		return rc;
	str_static(&part, (const char *)p, len);
	return str_cat(r, out, &part, 1);
}

static int read_string(struct rd *, unsigned int tag, int depth,
    struct bn_str *);

static int
read_next_string(struct rd *r, int depth, struct bn_str *out)
{
	unsigned int tag;
	int rc;

	if ((rc = rd_byte(r, &tag)) < 0)
		return rc;
	return read_string(r, tag, depth, out);
}

/*
 * Two characters per packed byte, high nibble first; nibbles 12-14 are
 * invalid and 15 is the pad, '\0' as decode.js has it. Built once.
 */
static uint16_t unpack_tab[2][256];	/* [hex][byte]: c0 | c1 << 8 */
static uint8_t nibble_bad[256];

static void
unpack_init(void)
{
	static const char nib[16] = "0123456789-.\0\0\0\0";
	static const char hex[16] = "0123456789ABCDEF";
	unsigned int b;

	for (b = 0; b < 256; b++) {
		unpack_tab[0][b] = (uint16_t)((uint8_t)nib[b >> 4] |
		    (uint8_t)nib[b & 15] << 8);
		unpack_tab[1][b] = (uint16_t)((uint8_t)hex[b >> 4] |
		    (uint8_t)hex[b & 15] << 8);
		nibble_bad[b] = ((b >> 4) > 11 && (b >> 4) < 15) ||
		    ((b & 15) > 11 && (b & 15) < 15);
	}
}

/* NIBBLE_8 / HEX_8: a length byte (bit 7: odd, drop the last character). */
static int
read_packed(struct rd *r, unsigned int tag, struct bn_str *out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const uint16_t *tab = unpack_tab[tag == BN_HEX_8];
	const uint8_t *p;
	unsigned int start;
	size_t n, i, len;
	char *c;
	int rc;

	pthread_once(&once, unpack_init);
	if ((rc = rd_byte(r, &start)) < 0 ||
	    (rc = rd_take(r, n = start & 0x7f, &p)) < 0)
		return rc;
	if (tag == BN_NIBBLE_8)
		for (i = 0; i < n; i++)
			if (nibble_bad[p[i]])
				return -EBADMSG;
	len = 2 * n;
	if ((start & 0x80) && len > 0)
		len--;
	if ((rc = charge(r, len + 1)) < 0)
		return rc;
	if ((c = malloc(2 * n + 1)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		c[2 * i] = (char)(tab[p[i]] & 0xff);
		c[2 * i + 1] = (char)(tab[p[i]] >> 8);
	}
	c[len] = '\0';
	out->p = c;
	out->len = (uint32_t)len;
	out->owned = true;
	return 0;
}

static void
release(struct bn_str *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		bn_str_release(&s[i]);
}

static int
read_jid_pair(struct rd *r, int depth, struct bn_str *out)
{
	struct bn_str s[3] = { { "", 0, false }, { "@", 1, false },
	    { "", 0, false } };
	int rc;

	if ((rc = read_next_string(r, depth, &s[0])) < 0)
		return rc;
	if ((rc = read_next_string(r, depth, &s[2])) < 0)
		goto out_release;
	if (s[2].len == 0) {
		rc = -EBADMSG;	/* "invalid jid pair" in decode.js */
		goto out_release;
	}
	rc = str_cat(r, out, s, 3);
out_release:
	release(s, 3);
	return rc;
}

static int
dec_str(struct bn_str *s, char *buf, size_t v)
{
	size_t n = 0, i;
	char t[12];

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		buf[i] = t[n - 1 - i];
	str_static(s, buf, n);
	return 0;
}

/* AD_JID: domain, device, user -> user[:device]@server (device 0 dropped). */
static int
read_ad_jid(struct rd *r, int depth, struct bn_str *out)
{
	unsigned int domain, device;
	struct bn_str s[5];
	const char *server;
	char dev[12];
	int rc, n = 0;

	if ((rc = rd_byte(r, &domain)) < 0 || (rc = rd_byte(r, &device)) < 0 ||
	    (rc = read_next_string(r, depth, &s[0])) < 0)
		return rc;
	n = 1;
	if (device != 0) {
		str_static(&s[n++], ":", 1);
		dec_str(&s[n++], dev, device);
	}
	str_static(&s[n++], "@", 1);
	server = bn_jid_domain_server(domain);
	str_static(&s[n++], server, strlen(server));
	rc = str_cat(r, out, s, n);
	bn_str_release(&s[0]);
	return rc;
}

/* FB_JID: user, 2-byte device, server -> user:device@server. */
static int
read_fb_jid(struct rd *r, int depth, struct bn_str *out)
{
	struct bn_str s[5];
	char dev[12];
	size_t device;
	int rc;

	if ((rc = read_next_string(r, depth, &s[0])) < 0)
		return rc;
	if ((rc = rd_uint(r, 2, &device)) < 0 ||
	    (rc = read_next_string(r, depth, &s[4])) < 0) {
		bn_str_release(&s[0]);
		return rc;
	}
	str_static(&s[1], ":", 1);
	dec_str(&s[2], dev, device);
	str_static(&s[3], "@", 1);
	rc = str_cat(r, out, s, 5);
	bn_str_release(&s[0]);
	bn_str_release(&s[4]);
	return rc;
}

/*
 * INTEROP_JID: user, device, integrator, then a server that may be absent:
 * decode.js tries to read one and rewinds on failure, defaulting to
 * "interop". Only malformed input is rewound; running out of memory or
 * depth still fails.
 */
static int
read_interop_jid(struct rd *r, int depth, struct bn_str *out)
{
	struct bn_str s[7];
	char dev[12], integ[12];
	size_t device, integrator, mark;
	int rc;

	if ((rc = read_next_string(r, depth, &s[2])) < 0)
		return rc;
	if ((rc = rd_uint(r, 2, &device)) < 0 ||
	    (rc = rd_uint(r, 2, &integrator)) < 0)
		goto out_release_user;
	mark = r->off;
	if ((rc = read_next_string(r, depth, &s[6])) == -EBADMSG) {
		r->off = mark;
		str_static(&s[6], "interop", 7);
	} else if (rc < 0)
		goto out_release_user;
	dec_str(&s[0], integ, integrator);
	str_static(&s[1], "-", 1);
	str_static(&s[3], ":", 1);
	dec_str(&s[4], dev, device);
	str_static(&s[5], "@", 1);
	rc = str_cat(r, out, s, 7);
	bn_str_release(&s[6]);
out_release_user:
	bn_str_release(&s[2]);
	return rc;
}

static int
read_string(struct rd *r, unsigned int tag, int depth, struct bn_str *out)
{
	unsigned int idx;
	size_t len;
	int rc;

	if (tag >= 1 && tag < BN_TOKENS_SINGLE) {
		str_static(out, bn_tokens_single[tag], bn_tokens_single_len[tag]);
		return 0;
	}
	if (tag >= BN_DICTIONARY_0 && tag <= BN_DICTIONARY_3) {
		if ((rc = rd_byte(r, &idx)) < 0)
			return rc;
		tag -= BN_DICTIONARY_0;
		str_static(out, bn_tokens_double[tag][idx],
		    bn_tokens_double_len[tag][idx]);
		return 0;
	}
	switch (tag) {
	case BN_LIST_EMPTY:
		str_static(out, "", 0);
		return 0;
	case BN_BINARY_8:
	case BN_BINARY_20:
	case BN_BINARY_32:
		if ((rc = rd_uint(r, tag == BN_BINARY_8 ? 1 :
		    tag == BN_BINARY_20 ? 3 : 4, &len)) < 0)
			return rc;
		return str_raw(r, len, out);
	case BN_HEX_8:
	case BN_NIBBLE_8:
		return read_packed(r, tag, out);
	}
	/* JIDs hold strings: they nest, so they have their own depth bound */
	if (depth >= BN_DEPTH_MAX)
		return -ELOOP;
	switch (tag) {
	case BN_JID_PAIR:
		return read_jid_pair(r, depth + 1, out);
	case BN_AD_JID:
		return read_ad_jid(r, depth + 1, out);
	case BN_FB_JID:
		return read_fb_jid(r, depth + 1, out);
	case BN_INTEROP_JID:
		return read_interop_jid(r, depth + 1, out);
	}
	return -EBADMSG;	/* LIST_8/16 or an unassigned tag */
}

static int
read_list_size(struct rd *r, unsigned int tag, size_t *n)
{
	switch (tag) {
	case BN_LIST_EMPTY:
		*n = 0;
		return 0;
	case BN_LIST_8:
		return rd_uint(r, 1, n);
	case BN_LIST_16:
		return rd_uint(r, 2, n);
	}
	return -EBADMSG;
}

static int read_node(struct rd *, int depth, struct bn_node **);

static int
read_children(struct rd *r, unsigned int tag, int depth, struct bn_node *n)
{
	struct bn_node *kid;
	size_t count, i;
	int rc;

	if ((rc = read_list_size(r, tag, &count)) < 0)
		return rc;
	if (count > (r->len - r->off) / BN_NODE_MIN)
		return -EBADMSG;	/* declared more than the bytes can hold */
	n->kind = BN_CONTENT_LIST;
	if (count == 0)
		return 0;
	if ((rc = charge(r, count * sizeof(*n->kids))) < 0)
		return rc;
	if ((n->kids = malloc(count * sizeof(*n->kids))) == NULL)
		return -ENOMEM;
	n->ckids = (uint32_t)count;
	for (i = 0; i < count; i++) {
		if ((rc = read_node(r, depth + 1, &kid)) < 0)
			return rc;
		n->kids[n->nkids++] = kid;
	}
	return 0;
}

static int
read_content(struct rd *r, int depth, struct bn_node *n)
{
	struct bn_str s;
	unsigned int tag;
	size_t len;
	int rc;

	if ((rc = rd_byte(r, &tag)) < 0)
		return rc;
	if (tag == BN_LIST_EMPTY || tag == BN_LIST_8 || tag == BN_LIST_16)
		return read_children(r, tag, depth, n);
	if (tag == BN_BINARY_8 || tag == BN_BINARY_20 || tag == BN_BINARY_32) {
		if ((rc = rd_uint(r, tag == BN_BINARY_8 ? 1 :
		    tag == BN_BINARY_20 ? 3 : 4, &len)) < 0 ||
		    (rc = str_raw(r, len, &s)) < 0)
			return rc;
		n->kind = BN_CONTENT_BYTES;
	} else {
		if ((rc = read_string(r, tag, 0, &s)) < 0)
			return rc;
		if (!s.owned && (rc = str_cat(r, &s, &s, 1)) < 0)
			return rc;
		n->kind = BN_CONTENT_STRING;
	}
	n->bytes = (uint8_t *)(uintptr_t)s.p;	/* owned, NUL-terminated */
	n->len = s.len;
	return 0;
}

/* The attributes fill the room bn_node_alloc() left for them. */
static int
read_attrs(struct rd *r, size_t count, struct bn_node *n)
{
	struct bn_str k, v;
	size_t i;
	int rc;

	for (i = 0; i < count; i++) {
		if ((rc = read_next_string(r, 0, &k)) < 0)
			return rc;
		if ((rc = read_next_string(r, 0, &v)) < 0) {
			bn_str_release(&k);
			return rc;
		}
		n->attrs[n->nattrs].key = k;
		n->attrs[n->nattrs].val = v;
		n->nattrs++;
	}
	return 0;
}

/* A node: list header, tag, attributes, optional content (§5). */
static int
read_node(struct rd *r, int depth, struct bn_node **out)
{
	struct bn_node *n;
	unsigned int b;
	size_t size, nattrs;
	int rc;

	if (depth > BN_DEPTH_MAX)
		return -ELOOP;
	if ((rc = rd_byte(r, &b)) < 0 || (rc = read_list_size(r, b, &size)) < 0)
		return rc;
	if (size == 0)
		return -EBADMSG;	/* "invalid node" (decoder safety, §5) */
	nattrs = (size - 1) / 2;
	if (nattrs > (r->len - r->off) / 2)
		return -EBADMSG;	/* each key and value is at least a byte */
	if ((rc = charge(r, sizeof(*n) + nattrs * sizeof(struct bn_attr))) < 0)
		return rc;
	if ((n = bn_node_alloc(nattrs)) == NULL)
		return -ENOMEM;
	if ((rc = read_next_string(r, 0, &n->tag)) < 0)
		goto out_free_node;
	if (n->tag.len == 0) {
		rc = -EBADMSG;
		goto out_free_node;
	}
	if ((rc = read_attrs(r, nattrs, n)) < 0)
		goto out_free_node;
	if (size % 2 == 0 && (rc = read_content(r, depth, n)) < 0)
		goto out_free_node;
	*out = n;
	return 0;
out_free_node:
	bn_node_free(n);
	return rc;
}

int
bn_decode(const uint8_t *p, size_t len, struct bn_node **out)
{
	struct rd r = { p, len, 0, BN_DECODE_MEM_MAX };
	struct bn_node *n;
	int rc;

	if (len > BN_FRAME_MAX)
		return -EMSGSIZE;
	if (p == NULL)
		return -EBADMSG;
	if ((rc = read_node(&r, 1, &n)) < 0)
		return rc;
	if (r.off != r.len) {
		bn_node_free(n);
		return -EBADMSG;	/* trailing bytes: not one node */
	}
	*out = n;
	return 0;
}
