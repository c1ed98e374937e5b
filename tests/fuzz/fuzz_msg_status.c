/*
 * fuzz_msg_status: libFuzzer target for the status log's loader
 * (session-worker/message/msg_status_tab.c msg_status_tab_replay). The
 * log is the worker's own file, but a crash or a damaged disk can leave
 * anything in it: whatever loads must write out as lines that load back
 * to the same records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message/msg_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_status_tab *t, *u;
	struct msg_status_rec *recs, got;
	char line[512];
	size_t n, i;
	int len;

	if (msg_status_tab_new(NULL, NULL, &t) != 0 ||
	    msg_status_tab_new(NULL, NULL, &u) != 0 ||
	    (recs = calloc(MSG_STATUS_MAX, sizeof(*recs))) == NULL)
		abort();
	msg_status_tab_replay(t, (const char *)data, size);
	n = msg_status_tab_list(t, 0, recs, MSG_STATUS_MAX);
	if (n != msg_status_tab_count(t))
		abort();
	for (i = 0; i < n; i++) {
		if ((len = msg_status_line(&recs[i], line, sizeof(line))) < 0 ||
		    msg_status_tab_replay(u, line, (size_t)len) != 0 ||
		    !msg_status_tab_get(u, recs[i].id, &got) ||
		    got.status != recs[i].status || got.code != recs[i].code ||
		    got.updated_ms != recs[i].updated_ms ||
		    got.created_ms != recs[i].created_ms ||
		    strcmp(got.to, recs[i].to) != 0 ||
		    strcmp(got.type, recs[i].type) != 0)
			abort();
	}
	free(recs);
	msg_status_tab_free(t);
	msg_status_tab_free(u);
	return 0;
}
