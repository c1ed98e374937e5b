/*
 * phone.h: the phone-number rule walink applies everywhere (DESIGN.md
 * "Files": the whitelist holds digit strings of 10-15 digits, no '+').
 * 15 is E.164's maximum; 10 is the shortest full international number
 * the seed accepted.
 */
#ifndef WALINK_PHONE_H
#define WALINK_PHONE_H

#include <stdbool.h>

#define PHONE_DIGITS_MIN	10
#define PHONE_DIGITS_MAX	15	/* ITU-T E.164 */
#define PHONE_BUF		(PHONE_DIGITS_MAX + 1)

/*
 * Normalises a number as typed: drops spaces, tabs, '-', '.', '(' and ')'
 * anywhere and one '+' before the first digit, then requires 10-15 ASCII
 * digits. "+971 50-147 6598" -> "971501476598".
 *
 * Returns 0 and writes out, or -WL_EBADNUMBER with *reason (if reason is
 * not NULL) set to a static phrase: "empty", "has letters", "has invalid
 * characters", "'+' is only allowed at the start", "too short: 9 digits,
 * need 10-15", "too long: more than 15 digits", "starts with 0: begin with
 * the country code" (no E.164 country code starts with 0, so a leading 0
 * is a national trunk prefix, never a reachable WhatsApp number). out is
 * untouched on error.
 */
int	phone_normalise(const char *in, char out[static PHONE_BUF],
	    const char **reason);

/* True if s is already normalised: 10-15 ASCII digits, the first not 0. */
bool	phone_is_valid(const char *s);

#endif /* WALINK_PHONE_H */
