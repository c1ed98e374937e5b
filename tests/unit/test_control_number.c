/* test_control_number: wa-control's typed-number check (body.h ctl_body_number). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "api/body.h"

static int
norm(const char *in, char out[PHONE_BUF])
{
	const char *why = NULL;
	int rc = ctl_body_number(in, out, &why);

	if (rc < 0)
		assert_non_null(why);
	return rc;
}

static void
test_number_normalise_strips_seed_separators(void **state)
{
	char out[PHONE_BUF];

	(void)state;
	assert_int_equal(norm("+971 50-147 6598", out), 0);
	assert_string_equal(out, "971501476598");
	assert_int_equal(norm("(555) 000.3333", out), 0);
	assert_string_equal(out, "5550003333");
}

static void
test_number_normalise_accepts_10_and_15_digits(void **state)
{
	char out[PHONE_BUF];

	(void)state;
	assert_int_equal(norm("1234567890", out), 0);
	assert_int_equal(norm("123456789012345", out), 0);
	assert_string_equal(out, "123456789012345");
}

static void
test_number_normalise_rejects_9_and_16_digits(void **state)
{
	char out[PHONE_BUF] = "untouched";

	(void)state;
	assert_int_equal(norm("123456789", out), -EINVAL);
	assert_int_equal(norm("1234567890123456", out), -EINVAL);
	assert_string_equal(out, "untouched");	/* written only on success */
}

static void
test_number_normalise_rejects_empty_and_separators_only(void **state)
{
	char out[PHONE_BUF];

	(void)state;
	assert_int_equal(norm("", out), -EINVAL);
	assert_int_equal(norm(NULL, out), -EINVAL);
	assert_int_equal(norm("+ - ( ) .", out), -EINVAL);
}

static void
test_number_normalise_rejects_letters_and_other_symbols(void **state)
{
	char out[PHONE_BUF];

	(void)state;
	assert_int_equal(norm("12345abc7890", out), -EINVAL);
	assert_int_equal(norm("1234567890/1", out), -EINVAL);
	assert_int_equal(norm("12345\xd9\xa1" "67890", out), -EINVAL);
}

static void
test_number_normalise_input_length_max_and_max_plus_one(void **state)
{
	char in[CTL_NUMBER_INPUT_MAX + 2], out[PHONE_BUF];

	(void)state;
	memset(in, ' ', sizeof(in));
	memcpy(in, "15550001111", 11);
	in[CTL_NUMBER_INPUT_MAX] = '\0';
	assert_int_equal(norm(in, out), 0);
	in[CTL_NUMBER_INPUT_MAX] = ' ';
	in[CTL_NUMBER_INPUT_MAX + 1] = '\0';
	assert_int_equal(norm(in, out), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_normalise_strips_seed_separators),
		cmocka_unit_test(test_number_normalise_accepts_10_and_15_digits),
		cmocka_unit_test(test_number_normalise_rejects_9_and_16_digits),
		cmocka_unit_test(test_number_normalise_rejects_empty_and_separators_only),
		cmocka_unit_test(test_number_normalise_rejects_letters_and_other_symbols),
		cmocka_unit_test(test_number_normalise_input_length_max_and_max_plus_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
