/*
 * fuzz_msg_decode: libFuzzer target for what a decrypted message becomes
 * (session-worker/message/msg_codec.c): unpadding, then the Message
 * protobuf and the field scan naming unsupported types. A decoded text
 * must round trip through msg_encode_text. The same bytes go through the
 * typed decoder (message/msg_typed.c) and hook input version 2: whatever
 * it accepts must become JSON that jansson reads back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hook/hook.h"
#include "message/msg_codec.h"
#include "message/msg_typed.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
typed(const uint8_t *data, size_t len)
{
	struct hook_input in = { .from = "4915112340001", .id = "3EB0" };
	struct msg_hook_bufs b;
	struct msg_typed t;
	json_t *o;
	char *json;
	size_t jl;

	if (msg_typed_decode(data, len, &t) != 0)
		return;
	if (msg_type_name(t.type) != NULL &&
	    msg_typed_hook_input(&t, NULL, NULL, NULL, &in, &b) == 0) {
		if (hook_json_input(&in, &json, &jl) == 0) {
			if ((o = json_loadb(json, jl, 0, NULL)) == NULL) {
				fprintf(stderr, "fuzz_msg_decode: hook JSON unreadable\n");
				abort();
			}
			json_decref(o);
			free(json);
		}
		msg_hook_bufs_fini(&b);
	}
	msg_typed_fini(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_content c, d;
	uint8_t *b;
	size_t len = size, blen;

	if (msg_unpad(data, &len) < 0 || len > size)
		len = size;
	typed(data, len);
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
