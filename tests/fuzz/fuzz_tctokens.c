/*
 * fuzz_tctokens: libFuzzer target for the privacy-token file
 * (session-worker/message/msg_tctoken.c). What loads must encode and
 * load again to the same bytes; a refused load leaves the table empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/msg_tctoken.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tctokens *t = tctokens_new(), *u = tctokens_new();
	uint8_t *b, *b2;
	size_t len, len2;

	if (t == NULL || u == NULL)
		abort();
	if (tctokens_load(t, data, size) == 0) {
		if (tctokens_encode(t, &b, &len) != 0 || tctokens_load(u, b, len) != 0 ||
		    tctokens_count(u) != tctokens_count(t) ||
		    tctokens_encode(u, &b2, &len2) != 0 || len2 != len ||
		    memcmp(b, b2, len) != 0) {
			fprintf(stderr, "fuzz_tctokens: the table did not round trip\n");
			abort();
		}
		free(b);
		free(b2);
	} else if (tctokens_count(t) != 0) {
		abort();
	}
	tctokens_free(t);
	tctokens_free(u);
	return 0;
}
