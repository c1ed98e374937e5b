/*
 * phone.c: phone-number normalisation (see phone.h).
 */
#include <stddef.h>
#include <string.h>

#include "phone.h"
#include "wl_error.h"

static const char *const too_short[PHONE_DIGITS_MIN] = {
	"empty",
	"too short: 1 digit, need 10-15",
	"too short: 2 digits, need 10-15",
	"too short: 3 digits, need 10-15",
	"too short: 4 digits, need 10-15",
	"too short: 5 digits, need 10-15",
	"too short: 6 digits, need 10-15",
	"too short: 7 digits, need 10-15",
	"too short: 8 digits, need 10-15",
	"too short: 9 digits, need 10-15",
};

static bool
is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' ||
	    c == ')';
}

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Copies the digits of in; returns NULL, or why in is not a number. */
static const char *
phone_scan(const char *in, char digits[static PHONE_BUF])
{
	size_t n = 0;
	bool seen_plus = false, long_number = false;
	const char *bad = NULL;

	for (; *in != '\0'; in++) {
		if (*in >= '0' && *in <= '9') {
			if (n < PHONE_DIGITS_MAX)
				digits[n++] = *in;
			else
				long_number = true;
		} else if (*in == '+') {
			if (seen_plus || n > 0)
				bad = bad ? bad : "'+' is only allowed at the start";
			seen_plus = true;
		} else if (is_letter(*in)) {
			return "has letters";	/* the most telling reason wins */
		} else if (!is_separator(*in)) {
			bad = "has invalid characters";
		}
	}
	if (bad != NULL)
		return bad;
	if (long_number)
		return "too long: more than 15 digits";
	if (n < PHONE_DIGITS_MIN)
		return too_short[n];
	if (digits[0] == '0')	/* no E.164 country code starts with 0 */
		return "starts with 0: begin with the country code";
	digits[n] = '\0';
	return NULL;
}

int
phone_normalise(const char *in, char out[static PHONE_BUF],
    const char **reason)
{
	char digits[PHONE_BUF];
	const char *why;

	why = in == NULL ? "empty" : phone_scan(in, digits);
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return -WL_EBADNUMBER;
	}
	memcpy(out, digits, sizeof(digits));
	return 0;
}

bool
phone_is_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9' || n >= PHONE_DIGITS_MAX)
			return false;
	return n >= PHONE_DIGITS_MIN && s[0] != '0';
}
