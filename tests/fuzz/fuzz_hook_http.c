/*
 * fuzz_hook_http: libFuzzer target for the --hook-url answer parser
 * (session-worker/hook/hook_json.c hook_http_parse): status line,
 * headers, chunked bodies. A body must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hook/hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *body;
	size_t len;
	int st;

	if (size > HOOK_HTTP_MAX || (buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	st = hook_http_parse(buf, size, &body, &len);
	if (st >= 0 && (st < 100 || st > 999 || body < buf || len > size ||
	    (size_t)(body - buf) > size - len))
		abort();
	free(buf);
	return 0;
}
