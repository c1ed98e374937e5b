/*
 * body.h: validation of the JSON request bodies (add, bulk, login). Pure:
 * bytes in, checked values or one human error out; no I/O, no logging.
 * The HTTP layer has already refused bodies over CTL_BODY_MAX (413) and
 * login bodies over CTL_LOGIN_BODY_MAX; every parser here checks the size
 * and the nesting depth again before jansson (recursive) runs.
 */
#ifndef WALINK_CTL_BODY_H
#define WALINK_CTL_BODY_H

#include <stddef.h>

#include "phone.h"

/* a bulk of CTL_BULK_MAX numbers typed with separators ("+1 555-000 1111") fits */
#define CTL_BODY_MAX	(1u << 22)
#define CTL_BULK_MAX	100000		/* whitelist ceiling: the worker's WHITELIST_MAX */
#define CTL_PASSWORD_MAX 256		/* longer is never a typed password */
#define CTL_ERR_MAX	160
#define CTL_NUMBER_INPUT_MAX	64	/* typed form: 15 digits plus separators */
#define CTL_LOGIN_BODY_MAX	1024	/* {"password": 256 bytes, escaped} */
#define CTL_JSON_DEPTH_MAX	8	/* the API needs 2; jansson recurses */

/*
 * The nesting check every body passes before a JSON parser sees it: one
 * linear pass, no recursion. 0, or -E2BIG when arrays and objects nest
 * deeper than max_depth (brackets inside strings do not count).
 */
int	ctl_body_shape_ok(const char *, size_t, unsigned max_depth);

/*
 * A number as an operator typed it -> its digits, by shared/phone.c's
 * rule (the worker's). 0, or -EINVAL with *why one sentence for people
 * ("phone number has fewer than 10 digits"); out is written only on
 * success. Input past CTL_NUMBER_INPUT_MAX characters is refused.
 */
int	ctl_body_number(const char *in, char out[PHONE_BUF], const char **why);

struct ctl_numbers {
	char	(*v)[PHONE_BUF];	/* normalised, duplicates dropped */
	size_t	 n;
	char	**invalid;	/* every refused entry as given (JSON text
				   for scalars, "[array]"/"{object}" for
				   containers), for the 400 reply */
	size_t	 ninvalid;
};

/* {"phoneNumber": "..."} -> digits. 0 or -EINVAL with err filled. */
int	ctl_body_parse_add(const char *, size_t,
	    char digits[PHONE_BUF], char err[CTL_ERR_MAX]);

/*
 * {"numbers": [...]} -> every entry normalised. Returns 0 when all are
 * valid; -EINVAL with err filled and out->invalid listing every offending
 * entry otherwise (out must be released with ctl_numbers_fini either way).
 */
int	ctl_body_parse_bulk(const char *, size_t, struct ctl_numbers *out,
	    char err[CTL_ERR_MAX]);
void	ctl_numbers_fini(struct ctl_numbers *);

/*
 * Drops repeated entries in place, keeping the first of each, in O(n)
 * (a 100,000-entry bulk must not cost 5 G comparisons); *n is updated.
 * 0, -EINVAL past CTL_BULK_MAX, or -ENOMEM (v untouched).
 */
int	ctl_numbers_dedupe(char (*v)[PHONE_BUF], size_t *n);

/* {"password": "..."} -> copy in pw (NUL-terminated). 0 or -EINVAL. */
int	ctl_body_parse_login(const char *, size_t,
	    char pw[CTL_PASSWORD_MAX + 1], char err[CTL_ERR_MAX]);

/* POST /api/messages: a hook answer's JSON is small (media go by path). */
#define CTL_MESSAGE_BODY_MAX	(64u * 1024)

/*
 * {"to": "...", "type": ..., ...} -> to's digits and the rest of the
 * object (without "to") as compact JSON in *json (malloc'd; the worker
 * checks the fields). "to" may be a string or an integer; "type" must be
 * a string when present. 0 or -EINVAL with err filled.
 */
int	ctl_body_parse_message(const char *, size_t, char digits[PHONE_BUF],
	    char **json, char err[CTL_ERR_MAX]);

#endif
