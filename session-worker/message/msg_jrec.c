/*
 * msg_jrec.c: see msg_jrec.h. Every length is checked against what is
 * left before it is used: the bytes come from disk after a crash.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "msg_jrec.h"

#define JREC_MAGIC	'J'
#define JREC_HDR	(1 + 1 + 1 + 8)
#define JREC_NSTR	7

static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

void
jrec_set_push(struct jrec *r, const char *push)
{
	size_t n = push != NULL ? strlen(push) : 0;

	if (n >= JREC_STR_MAX) {	/* cut before a UTF-8 continuation byte */
		n = JREC_STR_MAX - 1;
		while (n > 0 && ((unsigned char)push[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(r->push, push, n);
	r->push[n] = '\0';
}

int
jrec_encode(const struct jrec *r, uint8_t **out, size_t *len)
{
	const char *s[JREC_NSTR] = { r->id, r->chat, r->from, r->push,
	    r->answers, r->ctype, r->mediatype };
	size_t sl[JREC_NSTR], n = JREC_HDR + 4, i, off;
	uint8_t *b;

	if (r->len > JREC_DATA_MAX || (r->len > 0 && r->data == NULL))
		return -EINVAL;
	for (i = 0; i < JREC_NSTR; i++) {
		if ((sl[i] = strnlen(s[i], JREC_STR_MAX)) >= JREC_STR_MAX)
			return -EINVAL;
		n += 1 + sl[i];
	}
	n += r->len;
	if ((b = malloc(n)) == NULL)
		return -ENOMEM;
	b[0] = JREC_MAGIC;
	b[1] = r->type;
	b[2] = r->flags;
	put_le(b + 3, r->t, 8);
	off = JREC_HDR;
	for (i = 0; i < JREC_NSTR; i++) {
		b[off++] = (uint8_t)sl[i];
		memcpy(b + off, s[i], sl[i]);
		off += sl[i];
	}
	put_le(b + off, r->len, 4);
	off += 4;
	if (r->len > 0)
		memcpy(b + off, r->data, r->len);
	*out = b;
	*len = n;
	return 0;
}

static bool
known_type(uint8_t t)
{
	return t == JR_IN || t == JR_DONE || t == JR_BLOB || t == JR_OUT ||
	    t == JR_ACKED || t == JR_HELD || t == JR_RELEASED;
}

int
jrec_decode(const uint8_t *b, size_t n, struct jrec *r)
{
	char *s[JREC_NSTR] = { r->id, r->chat, r->from, r->push, r->answers,
	    r->ctype, r->mediatype };
	size_t off = JREC_HDR, i, l;
	uint64_t dl;

	memset(r, 0, sizeof(*r));
	if (n < JREC_HDR || b[0] != JREC_MAGIC || !known_type(b[1]))
		return -EBADMSG;
	r->type = b[1];
	r->flags = b[2];
	r->t = get_le(b + 3, 8);
	for (i = 0; i < JREC_NSTR; i++) {
		if (off >= n)
			return -EBADMSG;
		l = b[off++];
		if (l >= JREC_STR_MAX || l > n - off ||
		    memchr(b + off, '\0', l) != NULL)
			return -EBADMSG;
		memcpy(s[i], b + off, l);
		s[i][l] = '\0';
		off += l;
	}
	if (n - off < 4)
		return -EBADMSG;
	dl = get_le(b + off, 4);
	off += 4;
	if (dl > JREC_DATA_MAX || dl != n - off)
		return -EBADMSG;
	r->data = dl > 0 ? b + off : NULL;
	r->len = (size_t)dl;
	return 0;
}

int
jrec_pts_add(uint8_t **list, size_t *len, const uint8_t *pt, size_t ptlen)
{
	uint8_t *grown;

	if (ptlen > JREC_DATA_MAX || *len + 4 + ptlen > JREC_DATA_MAX)
		return -EFBIG;
	if ((grown = realloc(*list, *len + 4 + ptlen)) == NULL)
		return -ENOMEM;
	put_le(grown + *len, ptlen, 4);
	if (ptlen > 0)
		memcpy(grown + *len + 4, pt, ptlen);
	*list = grown;
	*len += 4 + ptlen;
	return 0;
}

int
jrec_pts_next(const uint8_t *list, size_t len, size_t *off,
    const uint8_t **pt, size_t *ptlen)
{
	uint64_t l;

	if (*off == len)
		return 0;
	if (*off > len || len - *off < 4)
		return -EBADMSG;
	l = get_le(list + *off, 4);
	if (l > len - *off - 4)
		return -EBADMSG;
	*pt = list + *off + 4;
	*ptlen = (size_t)l;
	*off += 4 + (size_t)l;
	return 1;
}
