/*
 * hook-json-v2: for tests. Reads one hex-encoded WhatsApp Message protobuf
 * per line on stdin and prints, per line, the hook input version 2 the
 * worker would hand a bot for it (media as not downloaded), or
 * "error <errno>" / "none" (nothing for the hook). From, id, pushName and
 * timestamp are fixed stand-ins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "hook/hook.h"
#include "message/msg_typed.h"

int
main(void)
{
	static char line[1u << 21];
	static uint8_t buf[1u << 20];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct hook_input in = { .from = "4915112340001", .push_name = "Ann",
		    .id = "3EB0TEST00000000", .timestamp = 1700000000 };
		struct msg_hook_bufs b;
		struct msg_typed t;
		size_t n = strcspn(line, "\r\n"), len, jl;
		char *json;
		int rc;

		if ((rc = hex_decode(line, n, buf, sizeof(buf), &len)) != 0 ||
		    (rc = msg_typed_decode(buf, len, &t)) != 0) {
			printf("error %d\n", -rc);
			continue;
		}
		if (t.type == MSG_T_NONE || t.type == MSG_T_UNSUPPORTED) {
			printf("none\n");
		} else if ((rc = msg_typed_hook_input(&t, NULL, NULL, NULL, &in, &b)) != 0) {
			printf("error %d\n", -rc);
		} else {
			if ((rc = hook_json_input(&in, &json, &jl)) != 0)
				printf("error %d\n", -rc);
			else
				printf("%s\n", json);
			if (rc == 0)
				free(json);
			msg_hook_bufs_fini(&b);
		}
		msg_typed_fini(&t);
		fflush(stdout);
	}
	return 0;
}
