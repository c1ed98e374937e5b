/*
 * fuzz_hook_answer: libFuzzer target for the hook answer parser
 * (session-worker/message/msg_answer_json.c). An accepted answer has
 * 1..MSG_ANS_ITEMS_MAX items, each with the fields its type requires,
 * and prints back as JSON that parses to the same items.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/msg_answer_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_ans a, b;
	char err[MSG_ANS_ERR_MAX];
	size_t i;

	if (msg_ans_parse((const char *)data, size, &a, err) != 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();	/* every refusal says why */
		return 0;
	}
	if (a.n == 0 || a.n > MSG_ANS_ITEMS_MAX)
		abort();
	for (i = 0; i < a.n; i++) {
		const struct msg_ans_item *it = &a.items[i];
		char *j;

		if ((it->type == MSG_ANS_TEXT && it->text == NULL) ||
		    (msg_ans_type_is_media(it->type) && it->path == NULL) ||
		    (it->type == MSG_ANS_REACTION && it->emoji == NULL))
			abort();
		if (!a.json)
			continue;
		if ((j = msg_ans_item_json(it)) == NULL)
			abort();
		if (msg_ans_parse(j, strlen(j), &b, err) != 0 || b.n != 1 ||
		    b.items[0].type != it->type || b.items[0].quote != it->quote) {
			fprintf(stderr, "fuzz_hook_answer: item %zu did not round trip\n", i);
			abort();
		}
		msg_ans_fini(&b);
		free(j);
	}
	msg_ans_fini(&a);
	return 0;
}
