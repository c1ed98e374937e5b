/*
 * fuzz_pair_code: libFuzzer target for what the server sends while linking
 * by phone number (session-worker/link/pair_code.c): the answer to
 * companion_hello (its pairing ref) and the phone's primary_hello
 * notification, both decoded from binary nodes first. A parsed
 * primary_hello must hold fields of the promised sizes; a primary_hello for
 * a code with no ref yet is refused before any key is touched.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "binary/bn.h"
#include "link/pair_code.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[32];
	static struct pair_code *noref;	/* made once: it costs a PBKDF2 */
	struct pair_code_hello_fields f;
	struct pair_code *pc;
	struct bn_node *n = NULL, *fin = NULL;
	uint8_t adv[32], rnd[5] = { 1, 2, 3, 4, 5 }, iv[16] = { 0 };

	if (sodium_init() < 0 || (noref == NULL &&
	    pair_code_new_fixed("15550001111", rnd, zero, zero, iv, &noref) != 0))
		abort();
	if (bn_decode_frame(data, size, &n) < 0)
		return 0;
	if (pair_code_parse_primary_hello(n, &f) == 0 &&
	    (f.ref == NULL || f.ref_len == 0 || f.ref_len >= PAIR_CODE_REF_MAX ||
	    f.wrapped == NULL || f.primary_ident == NULL))
		abort();
	/* A code whose hello was never answered: nothing may be taken as ours. */
	if (pair_code_on_primary_hello(noref, n, zero, zero, adv, &fin) == 0 ||
	    fin != NULL)
		abort();
	if (pair_code_prepare("15550001111", &pc) != 0)
		abort();
	if (pair_code_on_hello_result(pc, n) == 0 && !pair_code_has_ref(pc))
		abort();
	/* Held with its own ref, before any key: parsing only. */
	(void)pair_code_hold_primary_hello(pc, n);
	pair_code_free(pc);
	bn_node_free(n);
	return 0;
}
