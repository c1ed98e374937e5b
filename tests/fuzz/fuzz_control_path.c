/*
 * fuzz_control_path: route and path parsing (http/route.c) plus the
 * Cookie header and session cookie parsers (auth/cookie.c). Input: a
 * method selector byte, then the path; the same bytes also go through the
 * cookie parsers. A matched route must be one from the table, and a
 * parameter never carries '/' or NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/cookie.h"
#include "http/route.h"

static const char *const methods[] = { "GET", "POST", "PUT", "DELETE",
	"HEAD", "PATCH" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[CTL_SECRET_LEN];
	char path[CTL_PATH_MAX + 64], param[CTL_PARAM_MAX + 1];
	char cookie[CTL_COOKIE_MAX];
	uint8_t tok[CTL_TOKEN_LEN];
	enum ctl_route rt;
	uint64_t exp;

	if (size < 1 || size - 1 >= sizeof(path))
		return 0;
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	if (ctl_route_match(methods[data[0] % 6], path, &rt, param) == 0) {
		if (rt <= RT_NONE || rt >= RT__MAX)
			abort();
		if (strchr(param, '/') != NULL || strlen(param) > CTL_PARAM_MAX)
			abort();
	}
	if (ctl_cookie_find(path, cookie) == 0 && strlen(cookie) >= CTL_COOKIE_MAX)
		abort();
	/* an all-zero key signs nothing the fuzzer could produce by chance */
	(void)ctl_cookie_verify(key, path, 1, tok, &exp);
	return 0;
}
