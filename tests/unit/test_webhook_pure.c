/*
 * test_webhook_pure: the pure parts of --hook-url delivery
 * (session-worker/webhook/wh_sign.c): Standard Webhooks signing against the
 * specification's own example, the secret file's two forms, which answers
 * end a delivery, and the backoff schedule's bounds.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "webhook/wh_sign.h"

static void
test_wh_sign_matches_the_standard_webhooks_example(void **state)
{
	/* The example in the Standard Webhooks specification's repository. */
	static const char secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	static const char body[] = "{\"test\": 2432232314}";
	uint8_t key[WH_KEY_MAX];
	size_t klen;
	char sig[WH_SIG_MAX];

	(void)state;
	assert_int_equal(wh_secret_parse(secret, strlen(secret), key, &klen), 0);
	assert_int_equal(klen, 24);
	assert_int_equal(wh_sign(key, klen, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    body, strlen(body), sig), 0);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* one byte of the body more: another signature */
	assert_int_equal(wh_sign(key, klen, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    body, strlen(body) - 1, sig), 0);
	assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void
test_wh_secret_raw_text_and_bad_forms(void **state)
{
	uint8_t key[WH_KEY_MAX];
	size_t klen;
	char big[WH_KEY_MAX + 2];

	(void)state;
	assert_int_equal(wh_secret_parse("hunter2 \n", 9, key, &klen), 0);
	assert_int_equal(klen, 7);
	assert_memory_equal(key, "hunter2", 7);
	assert_int_equal(wh_secret_parse(" \n", 2, key, &klen), -EINVAL);
	assert_int_equal(wh_secret_parse("whsec_!!!", 9, key, &klen), -EINVAL);
	memset(big, 'k', sizeof(big));
	assert_int_equal(wh_secret_parse(big, sizeof(big), key, &klen), -EINVAL);
}

static void
test_wh_final_statuses_are_2xx_and_the_five_unretryable(void **state)
{
	static const int final[] = { 200, 201, 204, 299, 400, 401, 403, 404, 422 };
	static const int retry[] = { -1, 0, 100, 301, 302, 408, 409, 410, 429, 500,
	    502, 503, 504 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		assert_true(wh_status_final(final[i]));
	for (i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
		assert_false(wh_status_final(retry[i]));
	assert_true(wh_status_ok(204));
	assert_false(wh_status_ok(404));
}

static void
test_wh_backoff_doubles_with_jitter_and_stops_at_the_cap(void **state)
{
	(void)state;
	/* rnd 0: the fixed half; rnd max: the whole step */
	assert_int_equal(wh_backoff_ms(1, 1000, 600000, 0), 500);
	assert_true(wh_backoff_ms(1, 1000, 600000, UINT32_MAX) >= 999);
	assert_true(wh_backoff_ms(1, 1000, 600000, UINT32_MAX) <= 1000);
	assert_int_equal(wh_backoff_ms(2, 1000, 600000, 0), 1000);
	assert_int_equal(wh_backoff_ms(4, 1000, 600000, 0), 4000);
	assert_int_equal(wh_backoff_ms(40, 1000, 600000, 0), 300000);
	assert_true(wh_backoff_ms(1000, 1000, 600000, UINT32_MAX) <= 600000);
	assert_int_equal(wh_backoff_ms(0, 1000, 600000, 0), 500);
	/* two events retried at once spread out */
	assert_true(wh_backoff_ms(3, 1000, 600000, 1u << 30) !=
	    wh_backoff_ms(3, 1000, 600000, 3u << 30));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wh_sign_matches_the_standard_webhooks_example),
		cmocka_unit_test(test_wh_secret_raw_text_and_bad_forms),
		cmocka_unit_test(test_wh_final_statuses_are_2xx_and_the_five_unretryable),
		cmocka_unit_test(test_wh_backoff_doubles_with_jitter_and_stops_at_the_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
