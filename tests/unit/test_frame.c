/*
 * test_frame: the 3-byte length framing (transport/frame.h, protocol-notes
 * §1). The reader must give the same frames for every way of cutting the
 * byte stream, refuse oversized, empty and truncated frames with distinct
 * codes, and the writer must put the intro before the first frame only.
 */
#include "transport/frame.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#define SEEN_MAX 16

struct seen {
	size_t	 n;
	size_t	 len[SEEN_MAX];
	uint8_t	 first[SEEN_MAX], last[SEEN_MAX];
	int	 fail_at;	/* return -EBADMSG on this frame (1-based) */
};

static int
record(void *arg, const uint8_t *f, size_t len)
{
	struct seen *s = arg;

	assert_true(s->n < SEEN_MAX);
	s->len[s->n] = len;
	s->first[s->n] = f[0];
	s->last[s->n] = f[len - 1];
	s->n++;
	return (int)s->n == s->fail_at ? -EBADMSG : 0;
}

/* Three frames of 1, 5 and 300 bytes, back to back. */
static size_t
stream(uint8_t *b)
{
	static const size_t lens[] = { 1, 5, 300 };
	size_t off = 0, i, j;

	for (i = 0; i < 3; i++) {
		b[off++] = 0;
		b[off++] = (uint8_t)(lens[i] >> 8);
		b[off++] = (uint8_t)lens[i];
		for (j = 0; j < lens[i]; j++)
			b[off++] = (uint8_t)(i * 50 + j);
	}
	return off;
}

static void
check_three(const struct seen *s)
{
	assert_int_equal(s->n, 3);
	assert_int_equal(s->len[0], 1);
	assert_int_equal(s->len[1], 5);
	assert_int_equal(s->len[2], 300);
	assert_int_equal(s->first[1], 50);
	assert_int_equal(s->last[1], 54);
	assert_int_equal(s->first[2], 100);
	assert_int_equal(s->last[2], (uint8_t)(100 + 299));
}

static void
test_frame_reader_coalesced_frames_in_one_chunk(void **state)
{
	struct frame_reader *r;
	struct seen s = { 0 };
	uint8_t b[400];
	size_t n = stream(b);

	(void)state;
	assert_int_equal(frame_reader_new(&r, 0), 0);
	assert_int_equal(frame_reader_feed(r, b, n, record, &s), 0);
	check_three(&s);
	assert_int_equal(frame_reader_pending(r), 0);
	assert_int_equal(frame_reader_finish(r), 0);
	frame_reader_free(r);
}

static void
test_frame_reader_split_at_every_offset(void **state)
{
	struct frame_reader *r;
	uint8_t b[400];
	size_t n = stream(b), cut;

	(void)state;
	for (cut = 0; cut <= n; cut++) {
		struct seen s = { 0 };

		assert_int_equal(frame_reader_new(&r, 0), 0);
		assert_int_equal(frame_reader_feed(r, b, cut, record, &s), 0);
		assert_int_equal(frame_reader_feed(r, b + cut, n - cut, record,
		    &s), 0);
		check_three(&s);
		assert_int_equal(frame_reader_finish(r), 0);
		frame_reader_free(r);
	}
}

static void
test_frame_reader_byte_at_a_time(void **state)
{
	struct frame_reader *r;
	struct seen s = { 0 };
	uint8_t b[400];
	size_t n = stream(b), i;

	(void)state;
	assert_int_equal(frame_reader_new(&r, 0), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(frame_reader_feed(r, b + i, 1, record, &s), 0);
	check_three(&s);
	frame_reader_free(r);
}

static void
test_frame_reader_split_at_every_pair_of_offsets(void **state)
{
	struct frame_reader *r;
	uint8_t b[400];
	size_t n = stream(b), i, j;

	(void)state;
	for (i = 0; i <= 20; i++) {
		for (j = i; j <= n; j += 3) {
			struct seen s = { 0 };

			assert_int_equal(frame_reader_new(&r, 0), 0);
			assert_int_equal(frame_reader_feed(r, b, i, record, &s), 0);
			assert_int_equal(frame_reader_feed(r, b + i, j - i,
			    record, &s), 0);
			assert_int_equal(frame_reader_feed(r, b + j, n - j,
			    record, &s), 0);
			check_three(&s);
			frame_reader_free(r);
		}
	}
}

static void
test_frame_reader_empty_chunk_is_nothing(void **state)
{
	struct frame_reader *r;
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(frame_reader_new(&r, 0), 0);
	assert_int_equal(frame_reader_feed(r, (const uint8_t *)"", 0, record,
	    &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(frame_reader_finish(r), 0);
	frame_reader_free(r);
}

/* 2^24 - 1 is the largest frame (§1), whole or split; and max + 1 with a
 * lower reader maximum. */
static void
test_frame_reader_accepts_maximum_frame(void **state)
{
	struct frame_reader *r;
	struct seen s = { 0 };
	uint8_t *b = calloc(1, 3 + FRAME_LEN_MAX);

	(void)state;
	assert_non_null(b);
	b[0] = b[1] = b[2] = 0xff;
	b[3] = 0xaa;
	b[3 + FRAME_LEN_MAX - 1] = 0xbb;
	assert_int_equal(frame_reader_new(&r, 0), 0);
	assert_int_equal(frame_reader_feed(r, b, 3 + FRAME_LEN_MAX, record, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.len[0], FRAME_LEN_MAX);
	assert_int_equal(frame_reader_feed(r, b, 1000, record, &s), 0);
	assert_int_equal(frame_reader_feed(r, b + 1000,
	    3 + FRAME_LEN_MAX - 1000, record, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.len[1], FRAME_LEN_MAX);
	assert_int_equal(s.first[1], 0xaa);
	assert_int_equal(s.last[1], 0xbb);
	frame_reader_free(r);
	free(b);
}

static void
test_frame_reader_refuses_max_plus_one_as_oversized(void **state)
{
	struct frame_reader *r;
	struct seen s = { 0 };
	uint8_t b[3 + 101] = { 0, 0, 100 };

	(void)state;
	assert_int_equal(frame_reader_new(&r, 100), 0);
	assert_int_equal(frame_reader_feed(r, b, 103, record, &s), 0);
	assert_int_equal(s.n, 1);
	b[2] = 101;
	assert_int_equal(frame_reader_feed(r, b, 2, record, &s), 0);
	assert_int_equal(frame_reader_feed(r, b + 2, 1, record, &s), -EMSGSIZE);
	/* sticky until reset */
	assert_int_equal(frame_reader_feed(r, b, 3, record, &s), -EMSGSIZE);
	assert_int_equal(frame_reader_finish(r), -EMSGSIZE);
	frame_reader_reset(r);
	assert_int_equal(frame_reader_feed(r, b, 3, record, &s), -EMSGSIZE);
	frame_reader_free(r);
	assert_int_equal(frame_reader_new(&r, FRAME_LEN_MAX + 1), -EINVAL);
}

static void
test_frame_reader_refuses_zero_length_frame_as_garbage(void **state)
{
	struct frame_reader *r;
	struct seen s = { 0 };
	static const uint8_t b[] = { 0, 0, 1, 7, 0, 0, 0, 0, 0, 9 };

	(void)state;
	assert_int_equal(frame_reader_new(&r, 0), 0);
	assert_int_equal(frame_reader_feed(r, b, sizeof(b), record, &s), -EPROTO);
	assert_int_equal(s.n, 1);		/* the frame before it went out */
	frame_reader_reset(r);
	assert_int_equal(frame_reader_feed(r, b + 4, 2, record, &s), 0);
	assert_int_equal(frame_reader_feed(r, b + 6, 1, record, &s), -EPROTO);
	frame_reader_free(r);
}

static void
test_frame_reader_garbage_http_reply_is_oversized(void **state)
{
	struct frame_reader *r;
	struct seen s = { 0 };
	static const char http[] = "HTTP/1.1 400 Bad Request\r\n";

	(void)state;
	assert_int_equal(frame_reader_new(&r, 65536), 0);
	assert_int_equal(frame_reader_feed(r, (const uint8_t *)http,
	    sizeof(http) - 1, record, &s), -EMSGSIZE);
	assert_int_equal(s.n, 0);
	frame_reader_free(r);
}

static void
test_frame_reader_finish_reports_truncated_frame(void **state)
{
	struct frame_reader *r;
	struct seen s = { 0 };
	uint8_t b[400];
	size_t n = stream(b);

	(void)state;
	assert_int_equal(frame_reader_new(&r, 0), 0);
	assert_int_equal(frame_reader_feed(r, b, n - 1, record, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(frame_reader_pending(r), 3 + 299);
	assert_int_equal(frame_reader_finish(r), -ENODATA);
	frame_reader_reset(r);
	assert_int_equal(frame_reader_feed(r, b, 2, record, &s), 0);
	assert_int_equal(frame_reader_finish(r), -ENODATA);	/* half header */
	frame_reader_free(r);
}

/* A callback's error (an AEAD failure) stops the reader and sticks. */
static void
test_frame_reader_stops_on_callback_error(void **state)
{
	struct frame_reader *r;
	struct seen s = { .fail_at = 2 };
	uint8_t b[400];
	size_t n = stream(b);

	(void)state;
	assert_int_equal(frame_reader_new(&r, 0), 0);
	assert_int_equal(frame_reader_feed(r, b, n, record, &s), -EBADMSG);
	assert_int_equal(s.n, 2);
	assert_int_equal(frame_reader_feed(r, b, n, record, &s), -EBADMSG);
	assert_int_equal(s.n, 2);
	frame_reader_free(r);
	frame_reader_free(NULL);
}

static void
test_frame_writer_intro_on_first_frame_only(void **state)
{
	struct frame_writer *w;
	uint8_t out[32];
	size_t n;

	(void)state;
	assert_int_equal(frame_writer_new(&w, NULL, 0), 0);
	assert_int_equal(frame_writer_overhead(w), 7);
	assert_int_equal(frame_writer_write(w, (const uint8_t *)"ab", 2, out,
	    sizeof(out), &n), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "WA\x06\x03\x00\x00\x02" "ab", 9);
	assert_int_equal(frame_writer_overhead(w), 3);
	assert_int_equal(frame_writer_write(w, (const uint8_t *)"cd", 2, out,
	    sizeof(out), &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "\x00\x00\x02" "cd", 5);
	frame_writer_free(w);
	frame_writer_free(NULL);
}

static void
test_frame_writer_ed_intro_with_routing(void **state)
{
	static const uint8_t routing[] = { 1, 2, 3 };
	struct frame_writer *w;
	uint8_t out[32];
	size_t n;

	(void)state;
	assert_int_equal(frame_writer_new(&w, routing, sizeof(routing)), 0);
	assert_int_equal(frame_writer_write(w, (const uint8_t *)"x", 1, out,
	    sizeof(out), &n), 0);
	assert_int_equal(n, 4 + 3 + 3 + 4 + 3 + 1);
	assert_memory_equal(out, "ED\x00\x01\x00\x00\x03\x01\x02\x03"
	    "WA\x06\x03\x00\x00\x01x", n);
	frame_writer_free(w);
}

static void
test_frame_writer_routing_limits(void **state)
{
	static uint8_t routing[FRAME_ROUTING_MAX + 1];
	struct frame_writer *w;
	uint8_t *out = malloc(FRAME_INTRO_MAX + 3);
	size_t n;

	(void)state;
	assert_int_equal(frame_writer_new(&w, routing, sizeof(routing)), -EINVAL);
	assert_int_equal(frame_writer_new(&w, NULL, 1), -EINVAL);
	assert_int_equal(frame_writer_new(&w, routing, FRAME_ROUTING_MAX), 0);
	assert_int_equal(frame_writer_overhead(w), FRAME_INTRO_MAX + 3);
	assert_int_equal(frame_writer_prefix(w, 0, out, FRAME_INTRO_MAX + 3, &n), 0);
	assert_int_equal(n, FRAME_INTRO_MAX + 3);
	assert_memory_equal(out + 4, "\x00\x10\x00", 3);	/* 4096 */
	frame_writer_free(w);
	free(out);
}

static void
test_frame_writer_refuses_oversized_and_short_buffer(void **state)
{
	struct frame_writer *w;
	uint8_t out[16];
	size_t n;

	(void)state;
	assert_int_equal(frame_writer_new(&w, NULL, 0), 0);
	assert_int_equal(frame_writer_prefix(w, FRAME_LEN_MAX + 1, out,
	    sizeof(out), &n), -EMSGSIZE);
	assert_int_equal(frame_writer_write(w, out, 10, out, 16, &n), -ENOBUFS);
	assert_int_equal(frame_writer_overhead(w), 7);	/* intro not spent */
	assert_int_equal(frame_writer_prefix(w, FRAME_LEN_MAX, out, sizeof(out),
	    &n), 0);
	assert_memory_equal(out + 4, "\xff\xff\xff", 3);
	frame_writer_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_reader_coalesced_frames_in_one_chunk),
		cmocka_unit_test(test_frame_reader_split_at_every_offset),
		cmocka_unit_test(test_frame_reader_byte_at_a_time),
		cmocka_unit_test(test_frame_reader_split_at_every_pair_of_offsets),
		cmocka_unit_test(test_frame_reader_empty_chunk_is_nothing),
		cmocka_unit_test(test_frame_reader_accepts_maximum_frame),
		cmocka_unit_test(test_frame_reader_refuses_max_plus_one_as_oversized),
		cmocka_unit_test(test_frame_reader_refuses_zero_length_frame_as_garbage),
		cmocka_unit_test(test_frame_reader_garbage_http_reply_is_oversized),
		cmocka_unit_test(test_frame_reader_finish_reports_truncated_frame),
		cmocka_unit_test(test_frame_reader_stops_on_callback_error),
		cmocka_unit_test(test_frame_writer_intro_on_first_frame_only),
		cmocka_unit_test(test_frame_writer_ed_intro_with_routing),
		cmocka_unit_test(test_frame_writer_routing_limits),
		cmocka_unit_test(test_frame_writer_refuses_oversized_and_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
