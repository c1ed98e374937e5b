/*
 * test_msg_history: the history sync reader (message/msg_history.c) against
 * what Baileys' protobufs made (tests/vectors/history-sync.json, from
 * tests/interop/gen-history-vectors.js): the notice's fields, the blob's
 * LID mappings in one piece and byte by byte, and refusal of truncated,
 * trailing, non-zlib and over-cap streams.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "message/msg_history.h"
#include "testvec.h"

TESTVEC_OWN_GROUP(root, "history-sync.json")

static void
check_pairs(const struct msg_lid_pair *p, size_t n)
{
	json_t *want = json_object_get(root, "mappings"), *w;
	size_t i;

	assert_int_equal(n, json_array_size(want));
	json_array_foreach(want, i, w) {
		assert_int_equal(p[i].pn, strtoull(json_string_value(json_object_get(w, "pn")), NULL, 10));
		assert_int_equal(p[i].lid, strtoull(json_string_value(json_object_get(w, "lid")), NULL, 10));
	}
}

static void
test_history_blob_gives_baileys_mappings_and_skips_the_rest(void **state)
{
	struct msg_lid_pair *p;
	uint8_t *blob;
	size_t len, n;

	(void)state;
	blob = testvec_hex(root, "blob", &len);
	assert_int_equal(msg_history_parse_buf(blob, len, MSG_HIST_INFLATE_MAX,
	    MSG_HIST_PAIRS_MAX, &p, &n), 0);
	check_pairs(p, n);
	free(p);
	free(blob);
}

static void
test_history_blob_read_byte_by_byte_gives_the_same(void **state)
{
	struct msg_hist_reader *r;
	struct msg_lid_pair *p;
	uint8_t *blob;
	size_t len, n, i;

	(void)state;
	blob = testvec_hex(root, "blob", &len);
	assert_int_equal(msg_hist_reader_new(MSG_HIST_INFLATE_MAX, MSG_HIST_PAIRS_MAX, &r), 0);
	for (i = 0; i < len; i++)
		assert_int_equal(msg_hist_reader_feed(r, blob + i, 1), 0);
	assert_int_equal(msg_hist_reader_finish(r, &p, &n), 0);
	check_pairs(p, n);
	free(p);
	msg_hist_reader_free(r);
	free(blob);
}

static void
test_history_refuses_truncated_trailing_and_foreign_streams(void **state)
{
	struct msg_lid_pair *p;
	uint8_t *blob, *more;
	size_t len, n;

	(void)state;
	blob = testvec_hex(root, "blob", &len);
	assert_int_equal(msg_history_parse_buf(blob, len - 5, MSG_HIST_INFLATE_MAX,
	    MSG_HIST_PAIRS_MAX, &p, &n), -EBADMSG);
	assert_null(p);
	assert_int_equal(n, 0);
	assert_non_null(more = malloc(len + 3));
	memcpy(more, blob, len);
	memcpy(more + len, "abc", 3);
	assert_int_equal(msg_history_parse_buf(more, len + 3, MSG_HIST_INFLATE_MAX,
	    MSG_HIST_PAIRS_MAX, &p, &n), -EBADMSG);
	/* the protobuf itself, not zlib'd */
	assert_int_equal(msg_history_parse_buf((const uint8_t *)"\x7a\x02\x0a\x00", 4,
	    MSG_HIST_INFLATE_MAX, MSG_HIST_PAIRS_MAX, &p, &n), -EBADMSG);
	free(more);
	free(blob);
}

static void
test_history_stops_a_zip_bomb_at_the_inflate_cap(void **state)
{
	struct msg_lid_pair *p;
	uint8_t *zeros, *z;
	uLongf zlen;
	size_t n;

	(void)state;
	/* 8 MiB of a protobuf field skipped at once: field 3, length 8 MiB - 5 */
	assert_non_null(zeros = calloc(1, 8u << 20));
	zeros[0] = 0x1a;
	zeros[1] = 0xfb; zeros[2] = 0xff; zeros[3] = 0xff; zeros[4] = 0x03;
	zlen = compressBound(8u << 20);
	assert_non_null(z = malloc(zlen));
	assert_int_equal(compress(z, &zlen, zeros, 8u << 20), Z_OK);
	assert_true(zlen < 64 * 1024);	/* tiny on the wire */
	assert_int_equal(msg_history_parse_buf(z, zlen, 1u << 20, 10, &p, &n), -E2BIG);
	assert_int_equal(msg_history_parse_buf(z, zlen, 16u << 20, 10, &p, &n), 0);
	assert_int_equal(n, 0);
	free(p);
	free(z);
	free(zeros);
}

static void
test_history_keeps_at_most_the_pair_cap(void **state)
{
	struct msg_lid_pair *p;
	uint8_t *blob;
	size_t len, n;

	(void)state;
	blob = testvec_hex(root, "blob", &len);
	assert_int_equal(msg_history_parse_buf(blob, len, MSG_HIST_INFLATE_MAX, 1, &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].pn, 4915112349201ull);
	free(p);
	free(blob);
}

static void
test_history_notice_fields_are_read(void **state)
{
	json_t *o = json_object_get(root, "notice");
	struct msg_hist_notice n;
	uint8_t *m, *k, *s, *e;
	size_t len, kl, sl, el;

	(void)state;
	m = testvec_hex(o, "message", &len);
	k = testvec_hex(o, "mediaKey", &kl);
	s = testvec_hex(o, "fileSha256", &sl);
	e = testvec_hex(o, "fileEncSha256", &el);
	assert_int_equal(msg_history_notice(m, len, &n), 1);
	assert_memory_equal(n.media_key, k, MEDIA_KEY_LEN);
	assert_memory_equal(n.sha256, s, MEDIA_SHA256_LEN);
	assert_true(n.has_enc_sha256);
	assert_memory_equal(n.enc_sha256, e, MEDIA_SHA256_LEN);
	assert_int_equal(n.file_length, json_integer_value(json_object_get(o, "fileLength")));
	assert_string_equal(n.direct_path, json_string_value(json_object_get(o, "directPath")));
	assert_int_equal(n.chunk_order, 3);
	assert_int_equal(n.sync_type, 0);
	assert_null(n.inline_payload);
	msg_history_notice_fini(&n);
	free(m);
	free(k);
	free(s);
	free(e);
}

static void
test_history_inline_keyless_and_other_messages(void **state)
{
	struct msg_hist_notice n;
	struct msg_lid_pair *p;
	uint8_t *m;
	size_t len, pn;

	(void)state;
	m = testvec_hex(root, "inlineNotice", &len);
	assert_int_equal(msg_history_notice(m, len, &n), 1);
	assert_non_null(n.inline_payload);
	assert_null(n.direct_path);
	assert_int_equal(msg_history_parse_buf(n.inline_payload, n.inline_len,
	    MSG_HIST_INFLATE_MAX, MSG_HIST_PAIRS_MAX, &p, &pn), 0);
	check_pairs(p, pn);
	free(p);
	msg_history_notice_fini(&n);
	free(m);
	m = testvec_hex(root, "keylessNotice", &len);
	assert_int_equal(msg_history_notice(m, len, &n), -EBADMSG);
	free(m);
	m = testvec_hex(root, "textMessage", &len);
	assert_int_equal(msg_history_notice(m, len, &n), 0);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_blob_gives_baileys_mappings_and_skips_the_rest),
		cmocka_unit_test(test_history_blob_read_byte_by_byte_gives_the_same),
		cmocka_unit_test(test_history_refuses_truncated_trailing_and_foreign_streams),
		cmocka_unit_test(test_history_stops_a_zip_bomb_at_the_inflate_cap),
		cmocka_unit_test(test_history_keeps_at_most_the_pair_cap),
		cmocka_unit_test(test_history_notice_fields_are_read),
		cmocka_unit_test(test_history_inline_keyless_and_other_messages),
	};

	return cmocka_run_group_tests(tests, root_setup, root_teardown);
}
