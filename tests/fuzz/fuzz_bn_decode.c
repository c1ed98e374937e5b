/*
 * fuzz_bn_decode: libFuzzer target for the binary node decoder
 * (session-worker/binary). Input: a frame (flags byte, then a node,
 * zlib-compressed when bit 0x02 is set). Besides "no crash, no leak", it
 * checks the round trip on every input that decodes:
 *   T1 = decode(input); T2 = decode(encode(T1)) must exist and equal T1,
 *   except that a string holding '@' may change (the encoder normalizes
 *   device 0 and agent JIDs, protocol-notes §5); T3 = decode(encode(T2))
 *   must then equal T2 exactly and encode to the same bytes.
 * Any violation aborts, and libFuzzer keeps the input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "binary/bn.h"

static bool
str_close(const char *a, size_t al, const char *b, size_t bl)
{
	if (al == bl && memcmp(a, b, al) == 0)
		return true;
	return memchr(a, '@', al) != NULL && memchr(b, '@', bl) != NULL;
}

/* bn_node_equal, but strings with '@' on both sides may differ. */
static bool
close_enough(const struct bn_node *a, const struct bn_node *b)
{
	const char *ak, *av, *bk, *bv;
	const uint8_t *ab, *bb;
	size_t akl, avl, bkl, bvl, i, al, bl;
	enum bn_content ac = bn_node_content(a), bc = bn_node_content(b);

	if (!str_close(bn_node_tag(a), bn_node_tag_len(a), bn_node_tag(b),
	    bn_node_tag_len(b)) || bn_node_attr_count(a) != bn_node_attr_count(b))
		return false;
	for (i = 0; bn_node_attr_at(a, i, &ak, &akl, &av, &avl) == 0; i++) {
		bn_node_attr_at(b, i, &bk, &bkl, &bv, &bvl);
		if (!str_close(ak, akl, bk, bkl) || !str_close(av, avl, bv, bvl))
			return false;
	}
	if ((ac == BN_CONTENT_LIST) != (bc == BN_CONTENT_LIST) ||
	    (ac == BN_CONTENT_NONE) != (bc == BN_CONTENT_NONE))
		return false;
	if (ac == BN_CONTENT_BYTES || ac == BN_CONTENT_STRING) {
		ab = bn_node_peek_bytes(a, &al);
		bb = bn_node_peek_bytes(b, &bl);
		return str_close((const char *)ab, al, (const char *)bb, bl);
	}
	if (bn_node_child_count(a) != bn_node_child_count(b))
		return false;
	for (i = 0; i < bn_node_child_count(a); i++)
		if (!close_enough(bn_node_peek_child(a, i), bn_node_peek_child(b, i)))
			return false;
	return true;
}

static void
fail(const char *what, int rc)
{
	fprintf(stderr, "fuzz_bn_decode: %s (%d)\n", what, rc);
	abort();
}

static void
check_roundtrip(const struct bn_node *t1)
{
	struct bn_node *t2 = NULL, *t3 = NULL;
	uint8_t *y1 = NULL, *y2 = NULL, *y3 = NULL;
	size_t l1, l2, l3;
	int rc;

	if ((rc = bn_encode(t1, 0, &y1, &l1)) == -EMSGSIZE)
		return;		/* normalized strings grew past the frame max */
	if (rc < 0)
		fail("encode(T1)", rc);
	if ((rc = bn_decode(y1, l1, &t2)) < 0)
		fail("decode(encode(T1))", rc);
	if (!close_enough(t1, t2))
		fail("T2 differs from T1", 0);
	if ((rc = bn_encode(t2, 0, &y2, &l2)) < 0)
		fail("encode(T2)", rc);
	if ((rc = bn_decode(y2, l2, &t3)) < 0)
		fail("decode(encode(T2))", rc);
	if (!bn_node_equal(t2, t3))
		fail("T3 differs from T2", 0);
	if ((rc = bn_encode(t3, 0, &y3, &l3)) < 0)
		fail("encode(T3)", rc);
	if (l3 != l2 || memcmp(y2, y3, l2) != 0)
		fail("encode(T3) differs from encode(T2)", 0);
	free(y1);
	free(y2);
	free(y3);
	bn_node_free(t2);
	bn_node_free(t3);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bn_node *n = NULL;
	char text[512];

	if (bn_decode_frame(data, size, &n) == 0) {
		check_roundtrip(n);
		bn_print(n, BN_PRINT_HEX, text, sizeof(text));
	} else if (n != NULL)
		abort();	/* nothing half-built escapes */
	bn_node_free(n);
	return 0;
}
