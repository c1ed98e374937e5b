/*
 * fuzz_msg_decode: libFuzzer target for what a decrypted message becomes
 * (session-worker/message/msg_codec.c): unpadding, then the Message
 * protobuf and the field scan naming unsupported types. A decoded text
 * must round trip through msg_encode_text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/msg_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_content c, d;
	uint8_t *b;
	size_t len = size, blen;

	if (msg_unpad(data, &len) < 0 || len > size)
		len = size;
	if (msg_decode(data, len, &c) < 0)
		return 0;
	if (c.kind == MSG_KIND_TEXT && c.text != NULL) {
		if (msg_encode_text(c.text, NULL, &b, &blen) != 0 ||
		    msg_decode(b, blen, &d) != 0 || strcmp(c.text, d.text) != 0) {
			fprintf(stderr, "fuzz_msg_decode: text did not round trip\n");
			abort();
		}
		msg_content_fini(&d);
		free(b);
	}
	if (strlen(c.type) >= MSG_TYPE_NAME_MAX)
		abort();
	msg_content_fini(&c);
	return 0;
}
