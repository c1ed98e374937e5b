/*
 * test_msg_compose: every outgoing kind against Baileys' encoder output
 * (tests/vectors/compose.json, from tests/interop/gen-compose-vectors.js):
 * the same bytes, and the <message type>/<enc mediatype> whatsmeow gives
 * them; a quoted message's wrappers and contextInfo are dropped; missing
 * fields are refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "hex.h"
#include "message/msg_codec.h"
#include "message/msg_compose.h"

#define VECTORS WALINK_SOURCE_DIR "/tests/vectors/compose.json"

static const char *
str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
unhex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	assert_non_null(s);
	assert_int_equal(hex_decode(s, strlen(s), out, cap, len), 0);
}

static enum msg_ans_type
type_of(const char *s)
{
	static const char *const n[] = { "text", "image", "video", "audio",
	    "document", "location", "reaction" };
	size_t i;

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		if (strcmp(s, n[i]) == 0)
			return (enum msg_ans_type)i;
	fail_msg("unknown type %s", s);
	return MSG_ANS_TEXT;
}

static void
test_msg_compose_matches_baileys_bytes_and_whatsmeow_types(void **state)
{
	json_error_t err;
	json_t *root = json_load_file(VECTORS, 0, &err), *vs, *v;
	static uint8_t want[65536], qpb[65536];
	size_t i, n, wl, ql;

	(void)state;
	assert_non_null(root);
	vs = json_object_get(root, "vectors");
	assert_true(json_array_size(vs) >= 10);
	json_array_foreach(vs, i, v) {
		struct msg_compose_in in = { .type = type_of(str(v, "type")) };
		struct msg_compose_quote q;
		struct msg_composed out;
		json_t *m = json_object_get(v, "media"), *qo = json_object_get(v, "quote");

		in.text = str(v, "text");
		if (m != NULL) {
			in.media.url = str(m, "url");
			in.media.direct_path = str(m, "directPath");
			in.media.mimetype = str(m, "mimetype");
			in.media.caption = str(m, "caption");
			in.media.file_name = str(m, "fileName");
			unhex(str(m, "mediaKey"), in.media.media_key, MEDIA_KEY_LEN, &n);
			unhex(str(m, "fileSha256"), in.media.sha256, MEDIA_SHA256_LEN, &n);
			unhex(str(m, "fileEncSha256"), in.media.enc_sha256, MEDIA_SHA256_LEN, &n);
			in.media.file_length = (uint64_t)json_integer_value(json_object_get(m, "fileLength"));
			in.media.seconds = (uint32_t)json_integer_value(json_object_get(m, "seconds"));
			in.media.ptt = json_is_true(json_object_get(m, "ptt"));
			in.media.media_key_ts = json_integer_value(json_object_get(m, "mediaKeyTimestamp"));
		}
		in.latitude = json_number_value(json_object_get(v, "latitude"));
		in.longitude = json_number_value(json_object_get(v, "longitude"));
		in.name = str(v, "locName");
		in.address = str(v, "address");
		in.key_remote_jid = str(v, "keyRemoteJid");
		in.key_from_me = json_is_true(json_object_get(v, "keyFromMe"));
		in.key_id = str(v, "keyId");
		in.emoji = str(v, "emoji");
		in.sender_ts_ms = json_integer_value(json_object_get(v, "senderTimestampMs"));
		if (qo != NULL) {
			q.id = str(qo, "id");
			q.participant = str(qo, "participant");
			unhex(str(qo, "pb"), qpb, sizeof(qpb), &ql);
			q.pb = qpb;
			q.len = ql;
			in.quote = &q;
		}
		unhex(str(v, "pb"), want, sizeof(want), &wl);
		assert_int_equal(msg_compose(&in, &out), 0);
		if (out.len != wl || memcmp(out.pb, want, wl) != 0) {
			static char got[2 * 65536 + 1];
			size_t k;

			for (k = 0; k < out.len && k < 65536; k++)
				snprintf(got + 2 * k, 3, "%02x", out.pb[k]);
			fail_msg("%s: bytes differ\n got  %s\n want %s", str(v, "name"), got,
			    str(v, "pb"));
		}
		assert_string_equal(out.type, str(v, "stanzaType"));
		assert_string_equal(out.mediatype, str(v, "mediatype"));
		msg_composed_fini(&out);
	}
	json_decref(root);
}

static void
test_msg_compose_refuses_missing_fields(void **state)
{
	struct msg_compose_quote q = { .id = "X", .participant = "1@s.whatsapp.net" };
	struct msg_compose_in t = { .type = MSG_ANS_TEXT }, im = { .type = MSG_ANS_IMAGE },
	    r = { .type = MSG_ANS_REACTION, .key_remote_jid = "1@s.whatsapp.net",
	    .key_id = "X", .emoji = "x", .quote = &q };
	struct msg_compose_quote noid = { .participant = "1@s.whatsapp.net" };
	struct msg_compose_in tq = { .type = MSG_ANS_TEXT, .text = "a", .quote = &noid };
	struct msg_composed out;

	(void)state;
	assert_int_equal(msg_compose(&t, &out), -EINVAL);	/* no text */
	assert_int_equal(msg_compose(&im, &out), -EINVAL);	/* no upload */
	assert_int_equal(msg_compose(&r, &out), -EINVAL);	/* a quoting reaction */
	assert_int_equal(msg_compose(&tq, &out), -EINVAL);	/* a quote without id */
	/* the writer's ceiling: a message past MSG_CONTENT_MAX is refused */
	{
		char *big = malloc(MSG_CONTENT_MAX + 1);
		struct msg_compose_in bt = { .type = MSG_ANS_TEXT };

		assert_non_null(big);
		memset(big, 'a', MSG_CONTENT_MAX);
		big[MSG_CONTENT_MAX] = '\0';
		bt.text = big;
		assert_int_equal(msg_compose(&bt, &out), -EMSGSIZE);
		big[MSG_CONTENT_MAX - 16] = '\0';
		assert_int_equal(msg_compose(&bt, &out), 0);
		msg_composed_fini(&out);
		free(big);
	}
}

static void
test_msg_compose_quoted_unwraps_and_refuses_broken(void **state)
{
	/* viewOnceMessage{message{conversation "hi"}} -> {conversation "hi"} */
	static const uint8_t wrapped[] = { 0xaa, 0x02, 0x06, 0x0a, 0x04, 0x0a, 0x02, 'h', 'i' };
	static const uint8_t want[] = { 0x0a, 0x02, 'h', 'i' };
	/* a length past the end; an empty message; only messageContextInfo */
	static const uint8_t broken[] = { 0x1a, 0x7f, 0x00 };
	static const uint8_t only_ctx[] = { 0x9a, 0x02, 0x00 };
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(msg_compose_quoted(wrapped, sizeof(wrapped), &out, &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, len);
	free(out);
	assert_int_equal(msg_compose_quoted(broken, sizeof(broken), &out, &len), -EBADMSG);
	assert_int_equal(msg_compose_quoted(broken, 0, &out, &len), -EBADMSG);
	assert_int_equal(msg_compose_quoted(only_ctx, sizeof(only_ctx), &out, &len), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_compose_matches_baileys_bytes_and_whatsmeow_types),
		cmocka_unit_test(test_msg_compose_refuses_missing_fields),
		cmocka_unit_test(test_msg_compose_quoted_unwraps_and_refuses_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
