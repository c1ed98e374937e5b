/*
 * number.h: the whitelist's phone-number rule (DESIGN.md "Files": 10-15
 * digits, no '+'). Operators type numbers the way phones show them, so
 * '+', spaces, dashes, dots and parentheses are dropped first; anything
 * else is refused. The fake worker applies the same rule as the worker.
 */
#ifndef WALINK_CTL_NUMBER_H
#define WALINK_CTL_NUMBER_H

#include <stddef.h>

#define CTL_NUMBER_MIN		10	/* E.164 national minimum in the seed */
#define CTL_NUMBER_MAX		15	/* E.164 maximum length */
#define CTL_NUMBER_INPUT_MAX	64	/* typed form: 15 digits plus separators */

/*
 * Writes the digits of `in` to `out` (NUL-terminated). Returns 0, or
 * -EINVAL with *why set to one human sentence saying what is wrong.
 */
int	ctl_number_normalise(const char *in, char out[CTL_NUMBER_MAX + 1],
	    const char **why);

#endif
