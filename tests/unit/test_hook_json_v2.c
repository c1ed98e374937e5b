/*
 * test_hook_json_v2: the per-type fields of hook input version 2 (issue
 * 13): media, location, contacts, reactions, edits, replies; what is left
 * out when absent; refusal of strings that are not UTF-8.
 * (tests/interop/hook-schema.test.js validates the same JSON against
 * docs/hook-v2.schema.json.)
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "hook/hook.h"

static json_t *
build(const struct hook_input *in)
{
	json_t *o;
	char *s;
	size_t len;

	assert_int_equal(hook_json_input(in, &s, &len), 0);
	assert_int_equal(strlen(s), len);
	o = json_loadb(s, len, 0, NULL);
	assert_non_null(o);
	free(s);
	return o;
}

#define BASE .from = "4915112340001", .id = "3EB0AA", .timestamp = 1700000000

static void
test_hook_json_v2_voice_note_has_media_with_ptt(void **state)
{
	struct hook_media m = { .path = "/data/media/3EB0AA.ogg",
	    .mimetype = "audio/ogg; codecs=opus", .size = 9000,
	    .sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    .seconds = 4, .ptt = true };
	struct hook_input in = { BASE, .type = "audio", .media = &m };
	json_t *o = build(&in), *jm;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(o, "type")), "audio");
	assert_string_equal(json_string_value(json_object_get(o, "text")), "");
	jm = json_object_get(o, "media");
	assert_string_equal(json_string_value(json_object_get(jm, "path")), m.path);
	assert_string_equal(json_string_value(json_object_get(jm, "mimetype")), m.mimetype);
	assert_int_equal(json_integer_value(json_object_get(jm, "size")), 9000);
	assert_string_equal(json_string_value(json_object_get(jm, "sha256")), m.sha256);
	assert_int_equal(json_integer_value(json_object_get(jm, "seconds")), 4);
	assert_true(json_is_true(json_object_get(jm, "ptt")));
	assert_null(json_object_get(jm, "fileName"));
	assert_null(json_object_get(jm, "error"));
	assert_null(json_object_get(o, "location"));
	assert_null(json_object_get(o, "quoted"));
	json_decref(o);
}

static void
test_hook_json_v2_media_not_stored_has_null_path_and_error(void **state)
{
	struct hook_media m = { .mimetype = "video/mp4", .size = 1u << 30,
	    .error = "larger than the media size cap" };
	struct hook_input in = { BASE, .type = "video", .text = "big", .media = &m };
	json_t *o = build(&in), *jm = json_object_get(o, "media");

	(void)state;
	assert_true(json_is_null(json_object_get(jm, "path")));
	assert_string_equal(json_string_value(json_object_get(jm, "error")), m.error);
	assert_null(json_object_get(jm, "ptt"));	/* audio only */
	assert_null(json_object_get(jm, "seconds"));
	assert_string_equal(json_string_value(json_object_get(o, "text")), "big");
	json_decref(o);
}

static void
test_hook_json_v2_location_and_reply(void **state)
{
	struct hook_input in = { BASE, .type = "location", .has_location = true,
	    .latitude = 52.5, .longitude = 13.25, .place_name = "Hbf",
	    .quoted_id = "3EB0QQ" };
	json_t *o = build(&in), *l = json_object_get(o, "location"),
	    *q = json_object_get(o, "quoted");

	(void)state;
	assert_true(json_real_value(json_object_get(l, "latitude")) == 52.5);
	assert_true(json_real_value(json_object_get(l, "longitude")) == 13.25);
	assert_string_equal(json_string_value(json_object_get(l, "name")), "Hbf");
	assert_null(json_object_get(l, "address"));
	assert_string_equal(json_string_value(json_object_get(q, "id")), "3EB0QQ");
	assert_true(json_is_null(json_object_get(q, "text")));
	json_decref(o);
}

static void
test_hook_json_v2_contacts_reaction_and_edit(void **state)
{
	struct hook_contact c[2] = { { "Ann", "BEGIN:VCARD" }, { "Bob", NULL } };
	struct hook_input ci = { BASE, .type = "contacts", .contacts = c, .n_contacts = 2 };
	struct hook_input ri = { BASE, .type = "reaction", .emoji = "👍",
	    .target_id = "3EB0T" };
	struct hook_input ei = { BASE, .type = "edit", .text = "new", .target_id = "3EB0T" };
	json_t *o, *a;
	char *s;
	size_t len;

	(void)state;
	o = build(&ci);
	a = json_object_get(o, "contacts");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0),
	    "vcard")), "BEGIN:VCARD");
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1),
	    "vcard")), "");
	json_decref(o);
	o = build(&ri);
	a = json_object_get(o, "reaction");
	assert_string_equal(json_string_value(json_object_get(a, "emoji")), "👍");
	assert_string_equal(json_string_value(json_object_get(a, "targetId")), "3EB0T");
	assert_null(json_object_get(o, "targetId"));
	json_decref(o);
	o = build(&ei);
	assert_string_equal(json_string_value(json_object_get(o, "targetId")), "3EB0T");
	assert_string_equal(json_string_value(json_object_get(o, "text")), "new");
	json_decref(o);
	ri.target_id = NULL;	/* a reaction to nothing is not sent */
	assert_int_equal(hook_json_input(&ri, &s, &len), -EINVAL);
}

static void
test_hook_json_v2_refuses_non_utf8_in_any_field(void **state)
{
	struct hook_media m = { .mimetype = "image/jpeg", .file_name = "\xff.jpg" };
	struct hook_contact c = { "\xc3", "x" };
	struct hook_input mi = { BASE, .type = "image", .media = &m };
	struct hook_input ci = { BASE, .type = "contacts", .contacts = &c, .n_contacts = 1 };
	struct hook_input qi = { BASE, .text = "ok", .quoted_id = "1", .quoted_text = "\xfe" };
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(hook_json_input(&mi, &s, &len), -EINVAL);
	assert_int_equal(hook_json_input(&ci, &s, &len), -EINVAL);
	assert_int_equal(hook_json_input(&qi, &s, &len), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_json_v2_voice_note_has_media_with_ptt),
		cmocka_unit_test(test_hook_json_v2_media_not_stored_has_null_path_and_error),
		cmocka_unit_test(test_hook_json_v2_location_and_reply),
		cmocka_unit_test(test_hook_json_v2_contacts_reaction_and_edit),
		cmocka_unit_test(test_hook_json_v2_refuses_non_utf8_in_any_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
