/*
 * fuzz_prekey_batch: libFuzzer target for the first-upload prekey batch
 * blob (session-worker/store/keys.c keys_prekey_batch_find): any bytes,
 * any id; a found entry lies wholly inside the blob.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t id;
	long off;

	if (size < 4)
		return 0;
	memcpy(&id, data, 4);
	off = keys_prekey_batch_find(data + 4, size - 4, id);
	if (off >= 0 && ((size_t)off < KEYS_PREKEY_BATCH_HDR ||
	    (size_t)off + KEYS_PREKEY_ENTRY > size - 4))
		abort();
	return 0;
}
