/*
 * hook-answer: for tests. Reads one hook answer per line on stdin (JSON
 * escapes allowed, so a line is any answer) and prints, per line,
 * "text" (sent as plain text), "ok <n>" (a typed answer of n messages)
 * or "error <what>" as the worker would log it.
 */
#include <stdio.h>
#include <string.h>

#include "message/msg_answer_json.h"

int
main(void)
{
	static char line[1u << 20];
	struct msg_ans a;
	char err[MSG_ANS_ERR_MAX];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		size_t n = strcspn(line, "\n");

		if (msg_ans_parse(line, n, &a, err) != 0)
			printf("error %s\n", err);
		else
			printf(a.json ? "ok %zu\n" : "text\n", a.n);
		msg_ans_fini(&a);
		fflush(stdout);
	}
	return 0;
}
