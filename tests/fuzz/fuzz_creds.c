/*
 * fuzz_creds: the credentials file parser on arbitrary bytes (a corrupt or
 * hostile file on disk). A successful parse must re-encode and parse to the
 * same credentials.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct creds *c = creds_new(), *d = creds_new();
	char *text;
	size_t len;

	if (c == NULL || d == NULL)
		abort();
	if (creds_decode(data, size, c) == 0) {
		if (creds_encode(c, &text, &len) != 0 ||
		    creds_decode((uint8_t *)text, len, d) != 0 ||
		    memcmp(c, d, sizeof(*c)) != 0)
			abort();
		creds_text_free(text, len);
	}
	creds_free(c);
	creds_free(d);
	return 0;
}
