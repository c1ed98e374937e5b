/* body.c: JSON request bodies -> checked values (see body.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/body.h"

int
ctl_body_shape_ok(const char *buf, size_t len, unsigned max_depth)
{
	unsigned depth = 0;
	bool in_string = false, escaped = false;
	size_t i;

	/*
	 * One pass, no recursion, before any parser sees the bytes: jansson
	 * recurses once per level, and a civetweb worker thread has 100 KiB
	 * of stack. Brackets inside strings do not count; whether the rest
	 * is valid JSON is the parser's business.
	 */
	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"')
			in_string = true;
		else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return -E2BIG;
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 0;
}

/* Parse an object body of at most max_len bytes and CTL_JSON_DEPTH_MAX. */
static json_t *
body_object(const char *buf, size_t len, size_t max_len, char err[CTL_ERR_MAX])
{
	json_error_t je;
	json_t *root;

	if (len == 0) {
		snprintf(err, CTL_ERR_MAX, "request body is empty: send JSON");
		return NULL;
	}
	if (len > max_len) {
		snprintf(err, CTL_ERR_MAX, "request body too large (at most "
		    "%zu bytes)", max_len);
		return NULL;
	}
	if (ctl_body_shape_ok(buf, len, CTL_JSON_DEPTH_MAX) < 0) {
		snprintf(err, CTL_ERR_MAX, "request body is nested too deeply "
		    "(at most %d levels)", CTL_JSON_DEPTH_MAX);
		return NULL;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, CTL_ERR_MAX, "request body is not valid JSON");
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(err, CTL_ERR_MAX, "request body must be a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

/*
 * phone_normalise() decides; its reasons are terse words for logs, the
 * API answers in the sentences its clients have always matched on.
 */
int
ctl_body_number(const char *in, char out[PHONE_BUF], const char **why)
{
	const char *reason = "empty";

	if (in != NULL &&
	    strnlen(in, CTL_NUMBER_INPUT_MAX + 1) > CTL_NUMBER_INPUT_MAX) {
		*why = "phone number is too long (at most 64 characters)";
		return -EINVAL;
	}
	if (in != NULL && phone_normalise(in, out, &reason) == 0)
		return 0;
	if (strcmp(reason, "empty") == 0)
		*why = in == NULL || in[0] == '\0' ? "phone number is empty" :
		    "phone number has no digits";
	else if (strncmp(reason, "too short", 9) == 0)
		*why = "phone number has fewer than 10 digits";
	else if (strncmp(reason, "too long", 8) == 0)
		*why = "phone number has more than 15 digits";
	else if (strncmp(reason, "starts with 0", 13) == 0)
		*why = "phone number may not start with 0: begin with the "
		    "country code";
	else if (reason[0] == '\'')	/* '+' after a digit or twice */
		*why = "phone number may have one '+', only at the start";
	else
		*why = "phone number may contain only digits, spaces "
		    "and + - . ( )";
	return -EINVAL;
}

int
ctl_body_parse_add(const char *buf, size_t len,
    char digits[PHONE_BUF], char err[CTL_ERR_MAX])
{
	json_t *root, *v;
	const char *why;
	int rc = -EINVAL;

	if ((root = body_object(buf, len, CTL_BODY_MAX, err)) == NULL)
		return -EINVAL;
	v = json_object_get(root, "phoneNumber");
	if (v == NULL)
		snprintf(err, CTL_ERR_MAX, "phoneNumber is required");
	else if (!json_is_string(v))
		snprintf(err, CTL_ERR_MAX, "phoneNumber must be a string");
	else if (strlen(json_string_value(v)) != json_string_length(v))
		snprintf(err, CTL_ERR_MAX, "phoneNumber contains a NUL byte");
	else if (ctl_body_number(json_string_value(v), digits, &why) < 0)
		snprintf(err, CTL_ERR_MAX, "invalid phoneNumber: %s", why);
	else
		rc = 0;
	json_decref(root);
	return rc;
}

#define DEDUPE_SLOTS	262144	/* power of two, > 2 * CTL_BULK_MAX */

static uint32_t
number_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

int
ctl_numbers_dedupe(char (*v)[PHONE_BUF], size_t *n)
{
	int32_t *slot;		/* index + 1 of the first entry seen */
	size_t i, k, out = 0;
	uint32_t h;

	if (*n > CTL_BULK_MAX)
		return -EINVAL;
	if ((slot = calloc(DEDUPE_SLOTS, sizeof(*slot))) == NULL)
		return -ENOMEM;
	for (i = 0; i < *n; i++) {
		for (h = number_hash(v[i]) & (DEDUPE_SLOTS - 1); slot[h] != 0;
		    h = (h + 1) & (DEDUPE_SLOTS - 1))
			if (strcmp(v[slot[h] - 1], v[i]) == 0)
				break;
		if (slot[h] != 0)
			continue;	/* seen: drop it */
		k = out++;
		if (k != i)
			memcpy(v[k], v[i], sizeof(v[k]));
		slot[h] = (int32_t)k + 1;
	}
	free(slot);
	*n = out;
	return 0;
}

/*
 * Record one refused entry as given: strings as is (cut), scalars as
 * their JSON text, arrays and objects by kind only (never a recursive
 * dump of a value a stranger chose).
 */
static int
numbers_refuse(struct ctl_numbers *out, json_t *e)
{
	char *s;

	if (json_is_string(e))
		s = strndup(json_string_value(e), CTL_NUMBER_INPUT_MAX);
	else if (json_is_array(e))
		s = strdup("[array]");
	else if (json_is_object(e))
		s = strdup("{object}");
	else
		s = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);
	if (s == NULL)
		return -ENOMEM;
	out->invalid[out->ninvalid++] = s;
	return 0;
}

int
ctl_body_parse_bulk(const char *buf, size_t len, struct ctl_numbers *out,
    char err[CTL_ERR_MAX])
{
	json_t *root, *arr, *e;
	const char *why;
	size_t i, n;
	char d[PHONE_BUF];
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	if ((root = body_object(buf, len, CTL_BODY_MAX, err)) == NULL)
		return -EINVAL;
	arr = json_object_get(root, "numbers");
	if (arr == NULL || !json_is_array(arr)) {
		snprintf(err, CTL_ERR_MAX, "numbers must be an array of strings");
		goto out_root;
	}
	if ((n = json_array_size(arr)) > CTL_BULK_MAX) {
		snprintf(err, CTL_ERR_MAX, "too many numbers: %zu (at most %u)",
		    n, CTL_BULK_MAX);
		goto out_root;
	}
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	out->invalid = calloc(n ? n : 1, sizeof(*out->invalid));
	if (out->v == NULL || out->invalid == NULL) {
		rc = -ENOMEM;
		snprintf(err, CTL_ERR_MAX, "out of memory");
		goto out_root;
	}
	json_array_foreach(arr, i, e) {
		if (!json_is_string(e) ||
		    strlen(json_string_value(e)) != json_string_length(e) ||
		    ctl_body_number(json_string_value(e), d, &why) < 0) {
			if (numbers_refuse(out, e) < 0) {
				rc = -ENOMEM;
				goto out_root;
			}
		} else
			memcpy(out->v[out->n++], d, sizeof(d));
	}
	if (ctl_numbers_dedupe(out->v, &out->n) < 0) {
		rc = -ENOMEM;
		snprintf(err, CTL_ERR_MAX, "out of memory");
		goto out_root;
	}
	if (out->ninvalid > 0)
		snprintf(err, CTL_ERR_MAX, "%zu invalid number%s (each needs "
		    "10 to 15 digits); nothing was changed", out->ninvalid,
		    out->ninvalid == 1 ? "" : "s");
	else
		rc = 0;
out_root:
	json_decref(root);
	return rc;
}

void
ctl_numbers_fini(struct ctl_numbers *out)
{
	size_t i;

	for (i = 0; i < out->ninvalid; i++)
		free(out->invalid[i]);
	free(out->invalid);
	free(out->v);
	memset(out, 0, sizeof(*out));
}

int
ctl_body_parse_login(const char *buf, size_t len,
    char pw[CTL_PASSWORD_MAX + 1], char err[CTL_ERR_MAX])
{
	json_t *root, *v;
	int rc = -EINVAL;

	if ((root = body_object(buf, len, CTL_LOGIN_BODY_MAX, err)) == NULL)
		return -EINVAL;
	v = json_object_get(root, "password");
	if (v == NULL || !json_is_string(v))
		snprintf(err, CTL_ERR_MAX, "password must be a string");
	else if (json_string_length(v) == 0 ||
	    json_string_length(v) > CTL_PASSWORD_MAX)
		snprintf(err, CTL_ERR_MAX, "password must be 1 to %d bytes",
		    CTL_PASSWORD_MAX);
	else {
		memcpy(pw, json_string_value(v), json_string_length(v) + 1);
		rc = 0;
	}
	json_decref(root);
	return rc;
}

int
ctl_body_parse_message(const char *buf, size_t len, char digits[PHONE_BUF],
    char **json, char err[CTL_ERR_MAX])
{
	json_t *root, *to, *type;
	char num[32];
	const char *in, *why;

	*json = NULL;
	if ((root = body_object(buf, len, CTL_MESSAGE_BODY_MAX, err)) == NULL)
		return -EINVAL;
	to = json_object_get(root, "to");
	if (json_is_integer(to) && json_integer_value(to) > 0) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(to));
		in = num;
	} else if (json_is_string(to)) {
		in = json_string_value(to);
	} else {
		snprintf(err, CTL_ERR_MAX, "\"to\" is required: the number to "
		    "write to, with its country code");
		goto bad;
	}
	if (ctl_body_number(in, digits, &why) < 0) {
		snprintf(err, CTL_ERR_MAX, "\"to\" is not a phone number: %s",
		    why);
		goto bad;
	}
	type = json_object_get(root, "type");
	if (type != NULL && !json_is_string(type)) {
		snprintf(err, CTL_ERR_MAX, "\"type\" must be a string such as "
		    "\"text\"");
		goto bad;
	}
	json_object_del(root, "to");
	if ((*json = json_dumps(root, JSON_COMPACT)) == NULL) {
		snprintf(err, CTL_ERR_MAX, "request body could not be read");
		goto bad;
	}
	json_decref(root);
	return 0;
bad:
	json_decref(root);
	return -EINVAL;
}
