/*
 * test_phone: the 10-15 digit rule (DESIGN.md "Files") and the reason
 * given for each way a number can be wrong.
 */
#include "phone.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "wl_error.h"

static void
assert_normalises(const char *in, const char *want)
{
	char out[PHONE_BUF];
	const char *reason = NULL;

	assert_int_equal(phone_normalise(in, out, &reason), 0);
	assert_string_equal(out, want);
	assert_null(reason);
	assert_true(phone_is_valid(out));
}

static void
assert_refused(const char *in, const char *want_reason)
{
	char out[PHONE_BUF] = "untouched";
	const char *reason = NULL;

	assert_int_equal(phone_normalise(in, out, &reason), -WL_EBADNUMBER);
	assert_non_null(reason);
	assert_string_equal(reason, want_reason);
	assert_string_equal(out, "untouched");	/* out only on success */
}

static void
test_phone_normalise_strips_plus_spaces_and_dashes(void **state)
{
	(void)state;
	assert_normalises("+971 50-147 6598", "971501476598");
}

static void
test_phone_normalise_strips_dots_parentheses_and_tabs(void **state)
{
	(void)state;
	assert_normalises("+1 (415) 555.0100", "14155550100");
	assert_normalises("44\t20 7946 0958", "442079460958");
	assert_normalises("  +971501476598  ", "971501476598");
}

static void
test_phone_normalise_keeps_plain_digits(void **state)
{
	(void)state;
	assert_normalises("971501476598", "971501476598");
}

/* No E.164 country code starts with 0: a leading 0 is a trunk prefix. */
static void
test_phone_normalise_refuses_a_leading_zero(void **state)
{
	(void)state;
	assert_refused("0501476598", "starts with 0: begin with the country code");
	assert_refused("0000000000", "starts with 0: begin with the country code");
	assert_refused("+0 501 476 598", "starts with 0: begin with the country code");
	assert_false(phone_is_valid("0501476598"));
	assert_true(phone_is_valid("501476598000"));
}

static void
test_phone_normalise_accepts_ten_digits_minimum(void **state)
{
	(void)state;
	assert_normalises("1234567890", "1234567890");
}

static void
test_phone_normalise_accepts_fifteen_digits_maximum(void **state)
{
	(void)state;
	assert_normalises("123456789012345", "123456789012345");
	assert_normalises("+123 456 789 012 345", "123456789012345");
}

static void
test_phone_normalise_refuses_nine_digits_as_too_short(void **state)
{
	(void)state;
	assert_refused("123456789", "too short: 9 digits, need 10-15");
	assert_refused("+1 2", "too short: 2 digits, need 10-15");
	assert_refused("7", "too short: 1 digit, need 10-15");
}

static void
test_phone_normalise_refuses_sixteen_digits_as_too_long(void **state)
{
	(void)state;
	assert_refused("1234567890123456", "too long: more than 15 digits");
	assert_refused("12345678901234567890123456789012345678901234567890",
	    "too long: more than 15 digits");
}

static void
test_phone_normalise_refuses_empty_input(void **state)
{
	char out[PHONE_BUF];
	const char *reason = NULL;

	(void)state;
	assert_refused("", "empty");
	assert_refused("   ", "empty");
	assert_refused("+", "empty");
	assert_refused("-().", "empty");
	assert_int_equal(phone_normalise(NULL, out, &reason), -WL_EBADNUMBER);
	assert_string_equal(reason, "empty");
}

static void
test_phone_normalise_refuses_letters(void **state)
{
	(void)state;
	assert_refused("97150147659a", "has letters");
	assert_refused("call me", "has letters");
	assert_refused("+971 50 CALL NOW", "has letters");
	assert_refused("1234567890x12", "has letters");	/* extensions */
}

static void
test_phone_normalise_refuses_other_characters(void **state)
{
	(void)state;
	assert_refused("971501476598#", "has invalid characters");
	assert_refused("971/501476598", "has invalid characters");
	assert_refused("97150147\xd9\xa5", "has invalid characters"); /* ٥ */
	assert_refused("971501476598\n", "has invalid characters");
	assert_refused("971501476598@s.whatsapp.net", "has letters");
}

static void
test_phone_normalise_refuses_plus_after_digits(void **state)
{
	(void)state;
	assert_refused("971+501476598", "'+' is only allowed at the start");
	assert_refused("++971501476598", "'+' is only allowed at the start");
}

static void
test_phone_normalise_accepts_null_reason(void **state)
{
	char out[PHONE_BUF];

	(void)state;
	assert_int_equal(phone_normalise("abc", out, NULL), -WL_EBADNUMBER);
}

static void
test_phone_is_valid_needs_normalised_digits(void **state)
{
	(void)state;
	assert_true(phone_is_valid("1234567890"));
	assert_true(phone_is_valid("123456789012345"));
	assert_false(phone_is_valid("123456789"));
	assert_false(phone_is_valid("1234567890123456"));
	assert_false(phone_is_valid("+971501476598"));
	assert_false(phone_is_valid("971 501476598"));
	assert_false(phone_is_valid(""));
	assert_false(phone_is_valid(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_normalise_strips_plus_spaces_and_dashes),
		cmocka_unit_test(test_phone_normalise_strips_dots_parentheses_and_tabs),
		cmocka_unit_test(test_phone_normalise_keeps_plain_digits),
		cmocka_unit_test(test_phone_normalise_refuses_a_leading_zero),
		cmocka_unit_test(test_phone_normalise_accepts_ten_digits_minimum),
		cmocka_unit_test(test_phone_normalise_accepts_fifteen_digits_maximum),
		cmocka_unit_test(test_phone_normalise_refuses_nine_digits_as_too_short),
		cmocka_unit_test(test_phone_normalise_refuses_sixteen_digits_as_too_long),
		cmocka_unit_test(test_phone_normalise_refuses_empty_input),
		cmocka_unit_test(test_phone_normalise_refuses_letters),
		cmocka_unit_test(test_phone_normalise_refuses_other_characters),
		cmocka_unit_test(test_phone_normalise_refuses_plus_after_digits),
		cmocka_unit_test(test_phone_normalise_accepts_null_reason),
		cmocka_unit_test(test_phone_is_valid_needs_normalised_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
