/*
 * test_msg_tctoken: the privacy-token table (protocol-notes §8): tokens
 * are kept per contact, a newer one replaces an older, expired ones are
 * not handed out (whatsmeow's 4 x 7-day window), and the file form
 * round-trips while refusing damaged lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "message/msg_tctoken.h"

#define NOW	1764000000ull
#define WEEK	604800ull

static void
test_token_is_kept_per_contact_and_newer_wins(void **state)
{
	struct tctokens *t = tctokens_new();
	const uint8_t a[] = { 1, 2, 3 }, b[] = { 9, 9 };
	const uint8_t *got;
	size_t len;

	(void)state;
	assert_int_equal(tctokens_put(t, "15550002222", a, sizeof(a), NOW - 10), 1);
	assert_int_equal(tctokens_put(t, "15550002222", a, sizeof(a), NOW - 10), 0);
	assert_null(tctokens_get(t, "15550003333", NOW, &len));
	got = tctokens_get(t, "15550002222", NOW, &len);
	assert_non_null(got);
	assert_int_equal(len, 3);
	assert_memory_equal(got, a, 3);
	/* an older token does not replace a newer one */
	assert_int_equal(tctokens_put(t, "15550002222", b, sizeof(b), NOW - 100), 0);
	assert_int_equal(tctokens_put(t, "15550002222", b, sizeof(b), NOW), 1);
	got = tctokens_get(t, "15550002222", NOW, &len);
	assert_int_equal(len, 2);
	assert_int_equal(tctokens_del(t, "15550002222"), 1);
	assert_null(tctokens_get(t, "15550002222", NOW, &len));
	assert_int_equal(tctokens_put(t, "bad key", a, 3, NOW), -EINVAL);
	assert_int_equal(tctokens_put(t, "x", a, 0, NOW), -EINVAL);
	tctokens_free(t);
}

static void
test_token_expires_after_the_rolling_window(void **state)
{
	(void)state;
	assert_false(tctoken_expired(NOW, NOW));
	assert_false(tctoken_expired(NOW - 2 * WEEK, NOW));
	assert_true(tctoken_expired(NOW - 4 * WEEK, NOW));
	assert_true(tctoken_expired(0, NOW));
}

static void
test_file_round_trips_and_refuses_damage(void **state)
{
	struct tctokens *t = tctokens_new(), *u = tctokens_new();
	const uint8_t a[] = { 0xde, 0xad };
	static const char bad1[] = "15550002222 1764000000 0g\n";
	static const char bad2[] = "15550002222 1764000000 0a0b";	/* no newline */
	static const char bad3[] = "x 1 0a\nx 2 0b\n";			/* duplicate */
	uint8_t *b, *b2;
	size_t len, len2;

	(void)state;
	assert_int_equal(tctokens_put(t, "15550002222", a, 2, NOW), 1);
	assert_int_equal(tctokens_put(t, "123456789012345@lid", a, 1, NOW), 1);
	assert_int_equal(tctokens_encode(t, &b, &len), 0);
	assert_int_equal(tctokens_load(u, b, len), 0);
	assert_int_equal(tctokens_count(u), 2);
	assert_int_equal(tctokens_encode(u, &b2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(b, b2, len);
	assert_int_equal(tctokens_load(u, (const uint8_t *)bad1, strlen(bad1)), -EBADMSG);
	assert_int_equal(tctokens_load(u, (const uint8_t *)bad2, strlen(bad2)), -EBADMSG);
	assert_int_equal(tctokens_load(u, (const uint8_t *)bad3, strlen(bad3)), -EBADMSG);
	assert_int_equal(tctokens_count(u), 2);	/* all or nothing */
	free(b);
	free(b2);
	tctokens_free(t);
	tctokens_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_is_kept_per_contact_and_newer_wins),
		cmocka_unit_test(test_token_expires_after_the_rolling_window),
		cmocka_unit_test(test_file_round_trips_and_refuses_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
