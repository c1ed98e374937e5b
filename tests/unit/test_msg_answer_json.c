/*
 * test_msg_answer_json: the hook answer (issue 13): plain text stays
 * text, one object or an array of them become typed messages, every bad
 * shape is refused with an error naming the item and field but no value.
 * (tests/interop/hook-answer-schema.test.js checks the same cases against
 * docs/hook-answer.schema.json.)
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

#include "message/msg_answer_json.h"
#include "message/msg_codec.h"

static int
parse(const char *s, struct msg_ans *a, char *err)
{
	return msg_ans_parse(s, strlen(s), a, err);
}

static void
test_msg_answer_json_plain_text_is_one_text_message(void **state)
{
	static const char *const texts[] = {
		"your driver is outside", "  [1] first choice\n", "{not json",
		"[1, 2", "42",
	};
	struct msg_ans a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(parse(texts[i], &a, NULL), 0);
		assert_false(a.json);
		assert_int_equal(a.n, 1);
		assert_int_equal(a.items[0].type, MSG_ANS_TEXT);
		assert_string_equal(a.items[0].text, texts[i]);
		assert_false(a.items[0].quote);
		msg_ans_fini(&a);
	}
	assert_int_equal(msg_ans_parse("", 0, &a, NULL), -ENODATA);
	assert_int_equal(msg_ans_parse("a\0b", 3, &a, NULL), -EMSGSIZE);
}

static void
test_msg_answer_json_every_type_with_its_fields(void **state)
{
	const char *s = "[{\"type\":\"text\",\"text\":\"on my way\",\"quote\":true},"
	    "{\"type\":\"image\",\"path\":\"out/a.jpg\",\"caption\":\"your car\",\"quote\":true},"
	    "{\"type\":\"video\",\"path\":\"v.mp4\",\"mimetype\":\"video/mp4\"},"
	    "{\"type\":\"audio\",\"path\":\"n.ogg\",\"ptt\":true},"
	    "{\"type\":\"document\",\"path\":\"t.pdf\",\"fileName\":\"ticket.pdf\",\"caption\":\"\"},"
	    "{\"type\":\"location\",\"latitude\":52.5,\"longitude\":-13.25,\"name\":\"Hbf\","
	    "\"address\":\"Europaplatz 1\"},"
	    "{\"type\":\"reaction\",\"emoji\":\"\\ud83d\\udc4d\"},"
	    "{\"type\":\"reaction\",\"emoji\":\"\",\"targetId\":\"3EB0AA\"}]";
	struct msg_ans a;
	char err[MSG_ANS_ERR_MAX];

	(void)state;
	assert_int_equal(parse(s, &a, err), 0);
	assert_true(a.json);
	assert_int_equal(a.n, 8);
	assert_int_equal(a.items[0].type, MSG_ANS_TEXT);
	assert_string_equal(a.items[0].text, "on my way");
	assert_true(a.items[0].quote);
	assert_int_equal(a.items[1].type, MSG_ANS_IMAGE);
	assert_string_equal(a.items[1].path, "out/a.jpg");
	assert_string_equal(a.items[1].caption, "your car");
	assert_true(a.items[1].quote);
	assert_null(a.items[1].mimetype);
	assert_int_equal(a.items[2].type, MSG_ANS_VIDEO);
	assert_string_equal(a.items[2].mimetype, "video/mp4");
	assert_false(a.items[2].quote);
	assert_int_equal(a.items[3].type, MSG_ANS_AUDIO);
	assert_true(a.items[3].ptt);
	assert_int_equal(a.items[4].type, MSG_ANS_DOCUMENT);
	assert_string_equal(a.items[4].file_name, "ticket.pdf");
	assert_string_equal(a.items[4].caption, "");
	assert_int_equal(a.items[5].type, MSG_ANS_LOCATION);
	assert_true(a.items[5].latitude == 52.5 && a.items[5].longitude == -13.25);
	assert_string_equal(a.items[5].name, "Hbf");
	assert_string_equal(a.items[5].address, "Europaplatz 1");
	assert_int_equal(a.items[6].type, MSG_ANS_REACTION);
	assert_string_equal(a.items[6].emoji, "\xf0\x9f\x91\x8d");
	assert_null(a.items[6].target_id);
	assert_string_equal(a.items[7].emoji, "");
	assert_string_equal(a.items[7].target_id, "3EB0AA");
	msg_ans_fini(&a);
	assert_int_equal(parse(" {\"type\":\"text\",\"text\":\"x\"}\n", &a, err), 0);
	assert_true(a.json);
	assert_int_equal(a.n, 1);
	msg_ans_fini(&a);
}

static void
test_msg_answer_json_bad_shapes_name_item_and_field_not_value(void **state)
{
	static const struct {
		const char	*in;
		int		 rc;
		const char	*err;
	} bad[] = {
		{ "{}", -EINVAL, "item 1: \"type\" missing or not a string" },
		{ "{\"type\":\"sticker\",\"path\":\"SECRET\"}", -EINVAL, "item 1: unknown \"type\"" },
		{ "{\"type\":\"image\"}", -EINVAL, "item 1: image needs \"path\"" },
		{ "{\"type\":\"text\"}", -EINVAL, "item 1: text needs \"text\"" },
		{ "{\"type\":\"text\",\"text\":\"\"}", -EINVAL, "item 1: \"text\" is empty" },
		{ "{\"type\":\"text\",\"text\":\"SECRET\",\"caption\":\"SECRET\"}", -EINVAL,
		  "item 1: text takes no \"caption\"" },
		{ "{\"type\":\"text\",\"text\":\"SECRET\",\"colour\":1}", -EINVAL,
		  "item 1: unknown key" },
		{ "{\"type\":\"text\",\"text\":7}", -EINVAL, "item 1: \"text\" must be a string" },
		{ "{\"type\":\"text\",\"text\":\"SECRET\",\"quote\":\"yes\"}", -EINVAL,
		  "item 1: \"quote\" must be true or false" },
		{ "{\"type\":\"location\",\"latitude\":91,\"longitude\":0}", -EINVAL,
		  "item 1: \"latitude\" out of range" },
		{ "{\"type\":\"location\",\"latitude\":1}", -EINVAL,
		  "item 1: location needs \"longitude\"" },
		{ "{\"type\":\"location\",\"latitude\":\"1\",\"longitude\":0}", -EINVAL,
		  "item 1: \"latitude\" must be a number" },
		{ "{\"type\":\"reaction\",\"emoji\":\"x\",\"quote\":true}", -EINVAL,
		  "item 1: reaction takes no \"quote\"" },
		{ "{\"type\":\"text\",\"text\":\"a\\u0000b\"}", 0, NULL },	/* not JSON to jansson: text */
		{ "[{\"type\":\"text\",\"text\":\"SECRET\"},3]", -EINVAL, "item 2: not an object" },
		{ "[]", -EINVAL, "empty array" },
		{ "{\"type\":\"text\",\"text\":\"a\",\"text\":\"b\"}", 0, NULL },	/* duplicate: text */
	};
	struct msg_ans a;
	char err[MSG_ANS_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].in, &a, err);

		assert_int_equal(rc, bad[i].rc);
		if (rc == 0) {
			assert_false(a.json);	/* jansson refused it: sent as written */
			msg_ans_fini(&a);
			continue;
		}
		assert_string_equal(err, bad[i].err);
		assert_null(strstr(err, "SECRET"));
		assert_int_equal(a.n, 0);
	}
}

static void
test_msg_answer_json_bounds_items_and_lengths(void **state)
{
	char buf[4096], err[MSG_ANS_ERR_MAX], *big;
	struct msg_ans a;
	size_t i, off = 0;

	(void)state;
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "[");
	for (i = 0; i < MSG_ANS_ITEMS_MAX; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s{\"type\":\"text\",\"text\":\"m%zu\"}", i ? "," : "", i);
	snprintf(buf + off, sizeof(buf) - off, "]");
	assert_int_equal(parse(buf, &a, err), 0);
	assert_int_equal(a.n, MSG_ANS_ITEMS_MAX);
	assert_string_equal(a.items[MSG_ANS_ITEMS_MAX - 1].text, "m9");
	msg_ans_fini(&a);
	buf[off] = '\0';
	snprintf(buf + off, sizeof(buf) - off, ",{\"type\":\"text\",\"text\":\"x\"}]");
	assert_int_equal(parse(buf, &a, err), -E2BIG);
	/* text: MSG_TEXT_MAX fits, one byte more does not */
	big = malloc(MSG_TEXT_MAX + 64);
	assert_non_null(big);
	off = (size_t)sprintf(big, "{\"type\":\"text\",\"text\":\"");
	memset(big + off, 'a', MSG_TEXT_MAX);
	strcpy(big + off + MSG_TEXT_MAX, "\"}");
	assert_int_equal(parse(big, &a, err), 0);
	assert_int_equal(strlen(a.items[0].text), MSG_TEXT_MAX);
	msg_ans_fini(&a);
	memset(big + off, 'a', MSG_TEXT_MAX + 1);
	strcpy(big + off + MSG_TEXT_MAX + 1, "\"}");
	assert_int_equal(parse(big, &a, err), -EMSGSIZE);
	assert_string_equal(err, "item 1: \"text\" too long or holds a NUL");
	memset(big, 'a', MSG_TEXT_MAX + 1);
	assert_int_equal(msg_ans_parse(big, MSG_TEXT_MAX, &a, err), 0);
	msg_ans_fini(&a);
	assert_int_equal(msg_ans_parse(big, MSG_TEXT_MAX + 1, &a, err), -EMSGSIZE);
	free(big);
	/* an emoji of MSG_ANS_EMOJI_MAX bytes fits, one more does not */
	off = (size_t)snprintf(buf, sizeof(buf), "{\"type\":\"reaction\",\"emoji\":\"");
	memset(buf + off, 'x', MSG_ANS_EMOJI_MAX);
	strcpy(buf + off + MSG_ANS_EMOJI_MAX, "\"}");
	assert_int_equal(parse(buf, &a, err), 0);
	msg_ans_fini(&a);
	memset(buf + off, 'x', MSG_ANS_EMOJI_MAX + 1);
	strcpy(buf + off + MSG_ANS_EMOJI_MAX + 1, "\"}");
	assert_int_equal(parse(buf, &a, err), -EMSGSIZE);
	/* the edges of the globe are on it */
	assert_int_equal(parse("{\"type\":\"location\",\"latitude\":-90,\"longitude\":180}",
	    &a, err), 0);
	msg_ans_fini(&a);
	assert_int_equal(parse("{\"type\":\"location\",\"latitude\":0,\"longitude\":180.0001}",
	    &a, err), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_answer_json_plain_text_is_one_text_message),
		cmocka_unit_test(test_msg_answer_json_every_type_with_its_fields),
		cmocka_unit_test(test_msg_answer_json_bad_shapes_name_item_and_field_not_value),
		cmocka_unit_test(test_msg_answer_json_bounds_items_and_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
