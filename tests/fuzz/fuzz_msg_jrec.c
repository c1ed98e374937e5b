/*
 * fuzz_msg_jrec: libFuzzer target for the message journal's record
 * parser (session-worker/message/msg_jrec.c, jrec_decode and
 * jrec_pts_next): what the journal reads back from disk after a crash.
 * Oracle: a record that decodes encodes back to the same bytes (push
 * names always fit when they came from disk), and its data stays inside
 * the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message/msg_jrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *pt;
	struct jrec r;
	uint8_t *enc;
	size_t len, off = 0, ptlen;
	int rc;

	if (jrec_decode(data, size, &r) != 0)
		return 0;
	if (r.len > 0 && (r.data < data || r.data + r.len > data + size))
		abort();
	if (jrec_encode(&r, &enc, &len) != 0)
		abort();
	/* flags and t survive; the strings come back the same */
	if (len != size || memcmp(enc, data, size) != 0)
		abort();
	free(enc);
	while ((rc = jrec_pts_next(r.data, r.len, &off, &pt, &ptlen)) == 1)
		if (pt < r.data || pt + ptlen > r.data + r.len)
			abort();
	(void)rc;
	return 0;
}
