/*
 * fuzz_control_json: wa-control's JSON body handlers (api/body.c) on
 * arbitrary bytes: add, bulk and login bodies. Every accepted number must
 * be 10-15 digits; a refused bulk must list at least one entry or say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/body.h"

static void
check_digits(const char *d)
{
	if (!phone_is_valid(d))		/* shared/phone.h: 10-15 digits */
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char d[PHONE_BUF], err[CTL_ERR_MAX];
	char pw[CTL_PASSWORD_MAX + 1];
	struct ctl_numbers nums;
	size_t i;

	if (size > CTL_BODY_MAX)
		return 0;
	if (ctl_body_parse_add((const char *)data, size, d, err) == 0)
		check_digits(d);
	if (ctl_body_parse_bulk((const char *)data, size, &nums, err) == 0) {
		if (nums.ninvalid != 0)
			abort();
		for (i = 0; i < nums.n; i++)
			check_digits(nums.v[i]);
	}
	ctl_numbers_fini(&nums);
	if (ctl_body_parse_login((const char *)data, size, pw, err) == 0 &&
	    strlen(pw) > CTL_PASSWORD_MAX)
		abort();
	return 0;
}
