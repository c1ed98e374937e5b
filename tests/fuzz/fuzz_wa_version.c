/*
 * fuzz_wa_version: libFuzzer target for the page `--wa-version auto` reads
 * from the network (session-worker/link/waversion.c wa_version_from_page).
 * A version found is 2.3000.N with 0 < N < 2^32.
 */
#include <stdint.h>
#include <stdlib.h>

#include "link/waversion.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_version v;

	if (wa_version_from_page((const char *)data, size, &v) == 0 &&
	    (v.primary != 2 || v.secondary != 3000 || v.tertiary == 0))
		abort();
	return 0;
}
