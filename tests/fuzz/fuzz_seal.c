/*
 * fuzz_seal: libFuzzer target for sealed files (session-worker/store/
 * seal.c, seal_decrypt_gen): whatever the bytes (any magic, a v3 header
 * with any generation, cut anywhere), opening never reads or writes past
 * them and succeeds only for what the key sealed. The input's first byte
 * picks the name, so a file sealed under one name is tried under another.
 * The seed corpus holds one file of each format sealed under the key
 * below (tests/fuzz/corpus/seal/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t keyfile[] = "fuzz_seal key file, 32 bytes...";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seal_key key;
	static int ready;
	static const char *const names[] = { "ss-alice.0", "creds.json" };
	uint8_t *out, *again, *back;
	size_t n, m;
	uint64_t gen = 1;

	if (!ready) {
		if (sodium_init() < 0 ||
		    seal_key_from_bytes(keyfile, sizeof(keyfile) - 1, &key) < 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	if ((out = malloc(size)) == NULL)
		return 0;
	if (seal_decrypt_gen(&key, names[data[0] & 1], data + 1, size - 1, out,
	    &n, &gen) == 0) {
		if (n + SEAL_OVERHEAD > size - 1)
			abort();
		/* what opened seals again under its generation and opens alike */
		if ((again = malloc(n + SEAL_GEN_OVERHEAD)) == NULL ||
		    (back = malloc(n + 1)) == NULL)
			abort();
		if (seal_encrypt_gen(&key, names[data[0] & 1], gen, out, n, again, &m) != 0 ||
		    seal_decrypt_gen(&key, names[data[0] & 1], again, m, back, &m, &gen) != 0 ||
		    m != n || memcmp(back, out, n) != 0)
			abort();
		free(again);
		free(back);
	}
	free(out);
	return 0;
}
