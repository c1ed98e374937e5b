/*
 * fuzz_history_sync: libFuzzer target for what a history sync hands the
 * worker (session-worker/message/msg_history.c): the Message holding the
 * notice, and the zlib-compressed HistorySync blob, walked as it streams
 * with its LID mappings taken out. The input is read both ways; the blob
 * also in small steps, which must give the same answer as in one piece.
 * Small caps keep a zip bomb in the corpus quick.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message/msg_history.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_INFLATE_MAX	(4u << 20)
#define FUZZ_PAIRS_MAX		64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_hist_notice n;
	struct msg_lid_pair *p1 = NULL, *p2 = NULL;
	struct msg_hist_reader *r;
	size_t n1 = 0, n2 = 0, i, step;
	int rc1, rc2;

	if (msg_history_notice(data, size, &n) == 1)
		msg_history_notice_fini(&n);

	rc1 = msg_history_parse_buf(data, size, FUZZ_INFLATE_MAX, FUZZ_PAIRS_MAX, &p1, &n1);
	if (msg_hist_reader_new(FUZZ_INFLATE_MAX, FUZZ_PAIRS_MAX, &r) != 0)
		abort();
	step = size > 0 ? (size_t)data[0] % 7 + 1 : 1;
	rc2 = 0;
	for (i = 0; i < size && rc2 == 0; i += step)
		rc2 = msg_hist_reader_feed(r, data + i, size - i < step ? size - i : step);
	if (rc2 == 0)
		rc2 = msg_hist_reader_finish(r, &p2, &n2);
	msg_hist_reader_free(r);
	if (rc1 != rc2 || n1 != n2 || (n1 > 0 && memcmp(p1, p2, n1 * sizeof(*p1)) != 0))
		abort();	/* the chunking changed the answer */
	if (n1 > FUZZ_PAIRS_MAX)
		abort();
	for (i = 0; i < n1; i++)
		if (p1[i].pn == 0 || p1[i].lid == 0)
			abort();
	free(p1);
	free(p2);
	return 0;
}
