/*
 * fuzz_lidmap: libFuzzer target for the LID map file
 * (session-worker/whitelist/lidmap.c), which is now a log: later lines
 * win, and past LIDMAP_MAX the eviction rule runs while it loads (with a
 * pin predicate here, so the walk past pinned entries is exercised).
 * What loads must encode (compacted) and load again to the same table.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "whitelist/lidmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool
pin_odd(void *arg, const char *phone)
{
	(void)arg;
	return (phone[strlen(phone) - 1] - '0') % 2 == 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lidmap *m = lidmap_new(), *n = lidmap_new();
	uint8_t *b, *b2;
	size_t len, len2;

	if (m == NULL || n == NULL)
		abort();
	lidmap_pin(m, pin_odd, NULL);
	lidmap_pin(n, pin_odd, NULL);
	if (lidmap_load(m, data, size) == 0) {
		if (lidmap_encode(m, &b, &len) != 0 || lidmap_load(n, b, len) != 0 ||
		    lidmap_count(n) != lidmap_count(m) ||
		    lidmap_encode(n, &b2, &len2) != 0 || len2 != len ||
		    memcmp(b, b2, len) != 0) {
			fprintf(stderr, "fuzz_lidmap: the table did not round trip\n");
			abort();
		}
		free(b);
		free(b2);
	} else if (lidmap_count(m) != 0) {
		abort();	/* a refused load leaves the (empty) table alone */
	}
	lidmap_free(m);
	lidmap_free(n);
	return 0;
}
