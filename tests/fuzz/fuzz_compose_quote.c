/*
 * fuzz_compose_quote: libFuzzer target for what a reply quotes
 * (session-worker/message/msg_compose.c msg_compose_quoted), which walks
 * a received Message's protobuf by hand. Its output quoted again must be
 * itself (the wrappers and contextInfo are already gone), and must fit in
 * a reply composed around it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/msg_compose.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_compose_quote q = { .id = "3EB0FUZZ", .participant = "1@s.whatsapp.net",
	    .pb = data, .len = size };
	struct msg_compose_in in = { .type = MSG_ANS_TEXT, .text = "ok", .quote = &q };
	struct msg_composed c;
	uint8_t *out, *again;
	size_t len, len2;

	if (msg_compose_quoted(data, size, &out, &len) == 0) {
		if (len > size + 16 || msg_compose_quoted(out, len, &again, &len2) != 0 ||
		    len2 != len || memcmp(again, out, len) != 0) {
			fprintf(stderr, "fuzz_compose_quote: quoting twice changed the bytes\n");
			abort();
		}
		free(again);
		free(out);
	}
	if (msg_compose(&in, &c) != 0)
		abort();	/* a bad quote is left out, never fails the reply */
	msg_composed_fini(&c);
	return 0;
}
