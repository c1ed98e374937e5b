/* testvec.c: see testvec.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "hex.h"
#include "testvec.h"

json_t *
testvec_load(const char *name)
{
	const char *dir = getenv("WALINK_VECTORS_DIR");
	char path[4096];
	json_error_t err;
	json_t *root;

	if (dir == NULL || *dir == '\0')
		dir = WALINK_VECTORS_DIR;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	root = json_load_file(path, 0, &err);
	if (root == NULL)
		fail_msg("vector %s: %s (line %d)", path, err.text, err.line);
	return root;
}

const char *
testvec_str(json_t *root, const char *path)
{
	char buf[256], *part, *save = NULL;
	json_t *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part != NULL;
	    part = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(part, NULL, 10));
		else
			cur = json_object_get(cur, part);
		if (cur == NULL)
			fail_msg("vector field %s: missing at '%s'", path, part);
	}
	if (!json_is_string(cur))
		fail_msg("vector field %s: not a string", path);
	return json_string_value(cur);
}

uint8_t *
testvec_hex(json_t *root, const char *path, size_t *len)
{
	const char *s = testvec_str(root, path);
	size_t n = strlen(s);
	uint8_t *out;

	if (n % 2 != 0)
		fail_msg("vector field %s: odd hex length", path);
	out = malloc(n / 2 + 1);	/* +1: a zero-length field still gets a buffer */
	assert_non_null(out);
	if (hex_decode(s, n, out, n / 2, len) < 0)
		fail_msg("vector field %s: not hex", path);
	return out;
}

void
testvec_hex_exact(json_t *root, const char *path, uint8_t *out, size_t n)
{
	size_t len;
	uint8_t *b = testvec_hex(root, path, &len);

	if (len != n)
		fail_msg("vector field %s: %zu bytes, wanted %zu", path, len, n);
	memcpy(out, b, n);
	free(b);
}

json_t *
testvec_own(const char *name)
{
	char path[4096];
	json_error_t err;
	json_t *root;

	snprintf(path, sizeof(path), "%s/%s", WALINK_VECTORS_DIR, name);
	if ((root = json_load_file(path, 0, &err)) == NULL)
		fprintf(stderr, "vector %s: %s (line %d)\n", path, err.text,
		    err.line);
	return root;
}
