/*
 * fuzz_bn_decode: libFuzzer target for the binary node decoder
 * (session-worker/binary). Input: a frame (flags byte, then a node,
 * zlib-compressed when bit 0x02 is set). Besides "no crash, no leak", it
 * checks the round trip on every input that decodes:
 *   T1 = decode(input); T2 = decode(encode(T1)) must exist and equal T1,
 *   except that a JID on an AD server changes exactly as AD_JID implies
 *   (device 0 and agent dropped, server by domain byte; protocol-notes §5,
 *   str_roundtrips_to below); T3 = decode(encode(T2))
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

/*
 * The AD_JID domain byte protocol-notes §5 gives a JID's server (agent on
 * s.whatsapp.net), or -1 for a server AD_JID does not carry.
 */
static int
ad_domain_of(const struct bn_jid *j)
{
	static const struct { const char *server; int domain; } ad[] = {
		{ "s.whatsapp.net", 0 }, { "lid", 1 }, { "hosted", 128 },
		{ "hosted.lid", 129 },
	};
	size_t i;

	for (i = 0; i < sizeof(ad) / sizeof(ad[0]); i++)
		if (j->server_len == strlen(ad[i].server) &&
		    memcmp(j->server, ad[i].server, j->server_len) == 0)
			return i == 0 && j->agent >= 0 ? j->agent : ad[i].domain;
	return -1;
}

/*
 * What string a goes through encode and decode as. The two lossy forms
 * the encoder shares with Baileys and WhatsApp: a user[_agent]:device@server
 * on an AD server (device 0..255) travels as AD_JID, which drops the
 * agent, drops device 0, and names the server by domain byte (so an agent
 * on s.whatsapp.net becomes the server that byte means). Every other
 * string comes back unchanged.
 */
/* The last pair of strings str_roundtrips_to refused, for the report. */
static char refused[2][128];

static bool
str_refused(const char *a, size_t al, const char *b, size_t bl)
{
	snprintf(refused[0], sizeof(refused[0]), "%.*s", (int)(al > 100 ? 100 : al), a);
	snprintf(refused[1], sizeof(refused[1]), "%.*s", (int)(bl > 100 ? 100 : bl), b);
	return false;
}

static bool
str_roundtrips_to(const char *a, size_t al, const char *b, size_t bl)
{
	struct bn_jid j;
	const char *server;
	char *want;
	size_t cap;
	bool same;
	int d, n;

	if (memchr(a, '@', al) == NULL || bn_jid_parse(a, al, &j) != 0 ||
	    j.device < 0 || j.device > 255 || (d = ad_domain_of(&j)) < 0)
		return (al == bl && memcmp(a, b, al) == 0) || str_refused(a, al, b, bl);
	server = bn_jid_domain_server((unsigned int)d);
	/* user bytes as they are (they may hold a NUL), then the rest */
	cap = j.user_len + 32;
	if ((want = malloc(cap)) == NULL)
		abort();
	memcpy(want, j.user, j.user_len);
	n = j.device == 0 ? snprintf(want + j.user_len, cap - j.user_len, "@%s", server) :
	    snprintf(want + j.user_len, cap - j.user_len, ":%d@%s", j.device, server);
	same = n > 0 && j.user_len + (size_t)n == bl && memcmp(want, b, bl) == 0;
	free(want);
	return same || str_refused(a, al, b, bl);
}

/* bn_node_equal, but strings may change as str_roundtrips_to allows. */
static bool
close_enough(const struct bn_node *a, const struct bn_node *b)
{
	const char *ak, *av, *bk, *bv;
	const uint8_t *ab, *bb;
	size_t akl, avl, bkl, bvl, i, al, bl;
	enum bn_content ac = bn_node_content(a), bc = bn_node_content(b);

	if (!str_roundtrips_to(bn_node_tag(a), bn_node_tag_len(a), bn_node_tag(b),
	    bn_node_tag_len(b)) || bn_node_attr_count(a) != bn_node_attr_count(b))
		return false;
	for (i = 0; bn_node_attr_at(a, i, &ak, &akl, &av, &avl) == 0; i++) {
		bn_node_attr_at(b, i, &bk, &bkl, &bv, &bvl);
		if (!str_roundtrips_to(ak, akl, bk, bkl) ||
		    !str_roundtrips_to(av, avl, bv, bvl))
			return false;
	}
	if ((ac == BN_CONTENT_LIST) != (bc == BN_CONTENT_LIST) ||
	    (ac == BN_CONTENT_NONE) != (bc == BN_CONTENT_NONE))
		return false;
	if (ac == BN_CONTENT_BYTES || ac == BN_CONTENT_STRING) {
		ab = bn_node_peek_bytes(a, &al);
		bb = bn_node_peek_bytes(b, &bl);
		if (ac == BN_CONTENT_BYTES)	/* raw bytes are never read as a JID */
			return al == bl && memcmp(ab, bb, al) == 0;
		return str_roundtrips_to((const char *)ab, al, (const char *)bb, bl);
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
	fprintf(stderr, "fuzz_bn_decode: %s (%d); last strings refused: \"%s\" -> \"%s\"\n",
	    what, rc, refused[0], refused[1]);
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
