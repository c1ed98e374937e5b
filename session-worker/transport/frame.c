/*
 * frame.c: see frame.h. The reader parses through the chunk with a
 * cursor and never adds to a length it has not checked (STYLE rule 5).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "transport/frame.h"

static const uint8_t frame_wa_header[FRAME_WA_HEADER_LEN] = { 'W', 'A', 6, 3 };
static const uint8_t frame_ed_magic[4] = { 'E', 'D', 0, 1 };

struct frame_reader {
	uint8_t		*buf;		/* one incomplete frame, header first */
	size_t		 len;		/* bytes in buf */
	size_t		 cap;		/* allocated, <= 3 + max */
	size_t		 max;		/* largest payload accepted */
	int		 error;		/* sticky */
};

struct frame_writer {
	uint8_t		 intro[FRAME_INTRO_MAX];
	size_t		 intro_len;	/* 0 once the intro went out */
};

int
frame_reader_new(struct frame_reader **out, size_t max_frame)
{
	struct frame_reader *r;

	if (max_frame > FRAME_LEN_MAX)
		return -EINVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->max = max_frame == 0 ? FRAME_LEN_MAX : max_frame;
	*out = r;
	return 0;
}

void
frame_reader_free(struct frame_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

void
frame_reader_reset(struct frame_reader *r)
{
	r->len = 0;
	r->error = 0;
}

size_t
frame_reader_pending(const struct frame_reader *r)
{
	return r->len;
}

static size_t
frame_len_at(const uint8_t *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

static int
frame_check_len(const struct frame_reader *r, size_t n)
{
	if (n == 0)
		return -EPROTO;
	if (n > r->max)
		return -EMSGSIZE;
	return 0;
}

/* Grows buf (doubling) to hold want bytes; want never exceeds 3 + max. */
static int
reader_reserve(struct frame_reader *r, size_t want)
{
	size_t ncap;
	uint8_t *nb;

	if (want <= r->cap)
		return 0;
	ncap = r->cap < 256 ? 256 : r->cap;
	while (ncap < want)
		ncap *= 2;
	if (ncap > FRAME_HDR_LEN + r->max)
		ncap = FRAME_HDR_LEN + r->max;
	if ((nb = realloc(r->buf, ncap)) == NULL)
		return -ENOMEM;
	r->buf = nb;
	r->cap = ncap;
	return 0;
}

/*
 * Moves bytes from the chunk into buf until it holds one whole frame or
 * the chunk ends. *used gets the bytes taken; *done says a frame is ready.
 */
static int
reader_fill(struct frame_reader *r, const uint8_t *p, size_t n, size_t *used,
    bool *done)
{
	size_t want, take;
	int rc;

	*used = 0;
	*done = false;
	if (r->len < FRAME_HDR_LEN) {
		take = FRAME_HDR_LEN - r->len;
		if (take > n)
			take = n;
		if ((rc = reader_reserve(r, FRAME_HDR_LEN)) < 0)
			return rc;
		memcpy(r->buf + r->len, p, take);
		r->len += take;
		*used = take;
		if (r->len < FRAME_HDR_LEN)
			return 0;
		if ((rc = frame_check_len(r, frame_len_at(r->buf))) < 0)
			return rc;
	}
	want = FRAME_HDR_LEN + frame_len_at(r->buf);	/* checked: <= 3 + max */
	take = want - r->len;
	if (take > n - *used)
		take = n - *used;
	/* Grow with the bytes that came, not with what a header claims. */
	if ((rc = reader_reserve(r, r->len + take)) < 0)
		return rc;
	memcpy(r->buf + r->len, p + *used, take);
	r->len += take;
	*used += take;
	*done = r->len == want;
	return 0;
}

/* Delivers the buffered frame, if complete; consumes part of the chunk. */
static int
reader_feed_buffered(struct frame_reader *r, const uint8_t *p, size_t n,
    size_t *used, frame_cb cb, void *arg)
{
	bool done;
	int rc;

	if ((rc = reader_fill(r, p, n, used, &done)) < 0 || !done)
		return rc;
	r->len = 0;
	return cb(arg, r->buf + FRAME_HDR_LEN, frame_len_at(r->buf));
}

static int
reader_feed(struct frame_reader *r, const uint8_t *p, size_t n, frame_cb cb,
    void *arg)
{
	size_t off = 0, used, flen;
	int rc;

	if (r->len > 0) {
		if ((rc = reader_feed_buffered(r, p, n, &used, cb, arg)) < 0)
			return rc;
		off = used;
	}
	/* Whole frames straight from the chunk, no copy. */
	while (n - off >= FRAME_HDR_LEN) {
		flen = frame_len_at(p + off);
		if ((rc = frame_check_len(r, flen)) < 0)
			return rc;
		if (flen > n - off - FRAME_HDR_LEN)
			break;
		if ((rc = cb(arg, p + off + FRAME_HDR_LEN, flen)) < 0)
			return rc;
		off += FRAME_HDR_LEN + flen;
	}
	if (off < n)			/* a frame's start: keep it */
		return reader_feed_buffered(r, p + off, n - off, &used, cb, arg);
	return 0;
}

int
frame_reader_feed(struct frame_reader *r, const uint8_t *p, size_t n,
    frame_cb cb, void *arg)
{
	int rc;

	if (r->error != 0)
		return r->error;
	if (n == 0)
		return 0;
	if ((rc = reader_feed(r, p, n, cb, arg)) < 0) {
		r->error = rc;
		r->len = 0;
	}
	return rc;
}

int
frame_reader_finish(struct frame_reader *r)
{
	if (r->error != 0)
		return r->error;
	return r->len == 0 ? 0 : -ENODATA;
}

int
frame_writer_new(struct frame_writer **out, const uint8_t *routing, size_t len)
{
	struct frame_writer *w;
	uint8_t *p;

	if (len > FRAME_ROUTING_MAX || (len > 0 && routing == NULL))
		return -EINVAL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	p = w->intro;
	if (len > 0) {
		memcpy(p, frame_ed_magic, sizeof(frame_ed_magic));
		p += sizeof(frame_ed_magic);
		*p++ = (uint8_t)(len >> 16);
		*p++ = (uint8_t)(len >> 8);
		*p++ = (uint8_t)len;
		memcpy(p, routing, len);
		p += len;
	}
	memcpy(p, frame_wa_header, FRAME_WA_HEADER_LEN);
	p += FRAME_WA_HEADER_LEN;
	w->intro_len = (size_t)(p - w->intro);
	*out = w;
	return 0;
}

void
frame_writer_free(struct frame_writer *w)
{
	free(w);
}

size_t
frame_writer_overhead(const struct frame_writer *w)
{
	return w->intro_len + FRAME_HDR_LEN;
}

int
frame_writer_prefix(struct frame_writer *w, size_t len, uint8_t *out,
    size_t cap, size_t *outlen)
{
	size_t hdr = frame_writer_overhead(w);
	uint8_t *p = out + w->intro_len;

	if (len > FRAME_LEN_MAX)
		return -EMSGSIZE;
	if (cap < hdr)
		return -ENOBUFS;
	memcpy(out, w->intro, w->intro_len);
	p[0] = (uint8_t)(len >> 16);
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	w->intro_len = 0;		/* the intro goes out once */
	*outlen = hdr;
	return 0;
}

int
frame_writer_write(struct frame_writer *w, const uint8_t *payload, size_t len,
    uint8_t *out, size_t cap, size_t *outlen)
{
	size_t hdr = frame_writer_overhead(w);
	int rc;

	if (len > FRAME_LEN_MAX)
		return -EMSGSIZE;
	if (cap < hdr || cap - hdr < len)
		return -ENOBUFS;
	if ((rc = frame_writer_prefix(w, len, out, cap, &hdr)) < 0)
		return rc;
	memcpy(out + hdr, payload, len);
	*outlen = hdr + len;
	return 0;
}
