/* number.c: normalise a typed phone number to the whitelist's digits. */
#include <errno.h>
#include <string.h>

#include "api/number.h"

static int
is_separator(char c)
{
	return c == '+' || c == ' ' || c == '-' || c == '.' || c == '(' ||
	    c == ')';
}

int
ctl_number_normalise(const char *in, char out[CTL_NUMBER_MAX + 1],
    const char **why)
{
	char digits[CTL_NUMBER_MAX + 1];
	size_t n = 0, i;

	if (in == NULL || in[0] == '\0') {
		*why = "phone number is empty";
		return -EINVAL;
	}
	if (strnlen(in, CTL_NUMBER_INPUT_MAX + 1) > CTL_NUMBER_INPUT_MAX) {
		*why = "phone number is too long (at most 64 characters)";
		return -EINVAL;
	}
	for (i = 0; in[i] != '\0'; i++) {
		if (is_separator(in[i]))
			continue;
		if (in[i] < '0' || in[i] > '9') {
			*why = "phone number may contain only digits, spaces "
			    "and + - . ( )";
			return -EINVAL;
		}
		if (n == CTL_NUMBER_MAX) {
			*why = "phone number has more than 15 digits";
			return -EINVAL;
		}
		digits[n++] = in[i];
	}
	if (n < CTL_NUMBER_MIN) {
		*why = n == 0 ? "phone number has no digits" :
		    "phone number has fewer than 10 digits";
		return -EINVAL;
	}
	digits[n] = '\0';
	memcpy(out, digits, n + 1);
	return 0;
}
