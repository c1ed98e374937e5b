/* test_control_cookie: session cookie signing, expiry, CSRF rules. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "auth/cookie.h"

static const uint8_t key[CTL_SECRET_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t tok[CTL_TOKEN_LEN] = { 0xaa, 0xbb, 0xcc };

static void
test_cookie_roundtrip_returns_token_and_expiry(void **state)
{
	char c[CTL_COOKIE_MAX];
	uint8_t t[CTL_TOKEN_LEN];
	uint64_t exp = 0;

	(void)state;
	assert_int_equal(ctl_cookie_make(key, tok, 1000, c), 0);
	assert_int_equal(ctl_cookie_verify(key, c, 999, t, &exp), 0);
	assert_memory_equal(t, tok, CTL_TOKEN_LEN);
	assert_int_equal(exp, 1000);
}

static void
test_cookie_expires_at_its_expiry(void **state)
{
	char c[CTL_COOKIE_MAX];
	uint8_t t[CTL_TOKEN_LEN];
	uint64_t exp;

	(void)state;
	ctl_cookie_make(key, tok, 1000, c);
	assert_int_equal(ctl_cookie_verify(key, c, 1000, t, &exp), -ESTALE);
	assert_int_equal(ctl_cookie_verify(key, c, 5000, t, &exp), -ESTALE);
}

static void
test_cookie_rejects_other_key_and_every_flipped_char(void **state)
{
	uint8_t other[CTL_SECRET_LEN] = { 9 }, t[CTL_TOKEN_LEN];
	char c[CTL_COOKIE_MAX], m[CTL_COOKIE_MAX];
	uint64_t exp;
	size_t i;

	(void)state;
	ctl_cookie_make(key, tok, 1000, c);
	assert_int_equal(ctl_cookie_verify(other, c, 1, t, &exp), -EACCES);
	for (i = 0; c[i] != '\0'; i++) {
		if (c[i] == '.')
			continue;
		memcpy(m, c, sizeof(m));
		m[i] = m[i] == '1' ? '2' : '1';
		assert_true(ctl_cookie_verify(key, m, 1, t, &exp) < 0);
	}
}

static void
test_cookie_rejects_malformed_values(void **state)
{
	static const char *bad[] = {
		"", "abc", "a.b.c", "..",
		"AABBCC00000000000000000000000000.1000."
		"0000000000000000000000000000000000000000000000000000000000000000",
		"aabbcc00000000000000000000000000.-5."
		"0000000000000000000000000000000000000000000000000000000000000000",
		"aabbcc00000000000000000000000000.99999999999999999999999."
		"0000000000000000000000000000000000000000000000000000000000000000",
	};
	uint8_t t[CTL_TOKEN_LEN];
	uint64_t exp;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ctl_cookie_verify(key, bad[i], 1, t, &exp),
		    -EBADMSG);
	assert_int_equal(ctl_cookie_verify(key, NULL, 1, t, &exp), -EBADMSG);
}

static void
test_cookie_find_picks_our_cookie_among_others(void **state)
{
	char out[CTL_COOKIE_MAX], big[CTL_COOKIE_MAX + 32];

	(void)state;
	assert_int_equal(ctl_cookie_find("a=1; wa_session=xyz; b=2", out), 0);
	assert_string_equal(out, "xyz");
	assert_int_equal(ctl_cookie_find("wa_sessionx=1; x_wa_session=2", out),
	    -ENOENT);
	assert_int_equal(ctl_cookie_find("", out), -ENOENT);
	memset(big, 'x', sizeof(big));
	memcpy(big, "wa_session=", 11);
	big[11 + CTL_COOKIE_MAX - 1] = '\0';	/* value: max - 1 chars */
	assert_int_equal(ctl_cookie_find(big, out), 0);
	big[11 + CTL_COOKIE_MAX - 1] = 'x';
	big[11 + CTL_COOKIE_MAX] = '\0';	/* value: max chars */
	assert_int_equal(ctl_cookie_find(big, out), -EMSGSIZE);
}

static void
test_csrf_token_depends_on_session_token(void **state)
{
	uint8_t tok2[CTL_TOKEN_LEN] = { 0xaa, 0xbb, 0xcd };
	char a[CTL_CSRF_LEN + 1], b[CTL_CSRF_LEN + 1];

	(void)state;
	ctl_csrf_token(key, tok, a);
	ctl_csrf_token(key, tok2, b);
	assert_int_equal(strlen(a), CTL_CSRF_LEN);
	assert_string_not_equal(a, b);
}

static void
test_csrf_allows_same_origin_with_token(void **state)
{
	struct ctl_csrf_req r = { .origin = "http://127.0.0.1:3000",
	    .fetch_site = "same-origin", .host = "127.0.0.1:3000",
	    .header_token = "t0k", .want_token = "t0k" };

	(void)state;
	assert_true(ctl_csrf_allows(&r));
	r.origin = NULL;
	r.fetch_site = NULL;
	assert_true(ctl_csrf_allows(&r));	/* non-browser client with token */
}

static void
test_csrf_refuses_cross_site_and_missing_token(void **state)
{
	struct ctl_csrf_req r = { .host = "127.0.0.1:3000",
	    .header_token = "t0k", .want_token = "t0k" };

	(void)state;
	r.fetch_site = "cross-site";
	assert_false(ctl_csrf_allows(&r));
	r.fetch_site = "same-site";
	assert_false(ctl_csrf_allows(&r));
	r.fetch_site = NULL;
	r.origin = "http://evil.example";
	assert_false(ctl_csrf_allows(&r));
	r.origin = "null";
	assert_false(ctl_csrf_allows(&r));
	r.origin = NULL;
	r.header_token = NULL;
	assert_false(ctl_csrf_allows(&r));
	r.header_token = "t0K";
	assert_false(ctl_csrf_allows(&r));
	r.header_token = "t0k0";
	assert_false(ctl_csrf_allows(&r));
}

static void
test_csrf_login_without_session_checks_origin_only(void **state)
{
	struct ctl_csrf_req r = { .host = "h:1" };

	(void)state;
	assert_true(ctl_csrf_allows(&r));
	r.origin = "http://other:1";
	assert_false(ctl_csrf_allows(&r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_roundtrip_returns_token_and_expiry),
		cmocka_unit_test(test_cookie_expires_at_its_expiry),
		cmocka_unit_test(test_cookie_rejects_other_key_and_every_flipped_char),
		cmocka_unit_test(test_cookie_rejects_malformed_values),
		cmocka_unit_test(test_cookie_find_picks_our_cookie_among_others),
		cmocka_unit_test(test_csrf_token_depends_on_session_token),
		cmocka_unit_test(test_csrf_allows_same_origin_with_token),
		cmocka_unit_test(test_csrf_refuses_cross_site_and_missing_token),
		cmocka_unit_test(test_csrf_login_without_session_checks_origin_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
