/*
 * fuzz_store_log: libFuzzer target for the store's log format
 * (session-worker/store/store_log.c, store_log_parse): the records it
 * takes lie inside the input and end at *keep; parsing the kept prefix
 * again takes the same records and keeps all of it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct seen {
	const uint8_t	*base;
	size_t		 size, count, bytes;
};

static int
take(void *arg, const uint8_t *rec, size_t len)
{
	struct seen *s = arg;

	if (rec < s->base || rec + len > s->base + s->size)
		abort();
	s->count++;
	s->bytes += len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen a = { data, size, 0, 0 }, b = { data, size, 0, 0 };
	size_t keep = 0, keep2 = 0;
	int rc;

	rc = store_log_parse(data, size, take, &a, &keep);
	if (keep > size)
		abort();
	if (rc == 0 && keep > 0) {
		b.size = keep;
		if (store_log_parse(data, keep, take, &b, &keep2) != 0 ||
		    keep2 != keep || b.count != a.count || b.bytes != a.bytes) {
			fprintf(stderr, "fuzz_store_log: the kept prefix parses differently\n");
			abort();
		}
	}
	return 0;
}
