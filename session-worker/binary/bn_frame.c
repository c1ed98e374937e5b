/*
 * bn_frame.c: a decrypted transport frame is a flags byte and a node; bit
 * 0x02 means the node is zlib-compressed (protocol-notes §5, pitfall 5).
 * Inflating stops at BN_FRAME_MAX: a small compressed frame must not
 * become an unbounded allocation.
 */
#include <errno.h>
#include <stdlib.h>

#include <zlib.h>

#include "binary/bn.h"

#define INFLATE_START	4096	/* first output guess; doubles up to the max */

static int
inflate_bounded(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream zs = { 0 };
	size_t cap = INFLATE_START;
	uint8_t *buf = NULL, *nb;
	int zrc, rc;

	if (inflateInit(&zs) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	for (;;) {
		if ((nb = realloc(buf, cap)) == NULL) {
			rc = -ENOMEM;
			goto out_end;
		}
		buf = nb;
		zs.next_out = buf + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		zrc = inflate(&zs, Z_NO_FLUSH);
		if (zrc == Z_STREAM_END)
			break;
		if (zrc == Z_MEM_ERROR) {
			rc = -ENOMEM;
			goto out_end;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			rc = -EBADMSG;
			goto out_end;
		}
		if (zs.avail_out != 0) {	/* input ran out mid-stream */
			rc = -EBADMSG;
			goto out_end;
		}
		if (cap >= BN_FRAME_MAX) {
			rc = -EMSGSIZE;
			goto out_end;
		}
		cap = cap * 2 > BN_FRAME_MAX ? BN_FRAME_MAX : cap * 2;
	}
	if (zs.avail_in != 0) {
		rc = -EBADMSG;	/* bytes after the zlib stream */
		goto out_end;
	}
	*out = buf;
	*outlen = zs.total_out;
	inflateEnd(&zs);
	return 0;
out_end:
	inflateEnd(&zs);
	free(buf);
	return rc;
}

int
bn_decode_frame(const uint8_t *p, size_t len, struct bn_node **out)
{
	uint8_t *plain;
	size_t plen;
	int rc;

	if (len > BN_FRAME_MAX)
		return -EMSGSIZE;
	if (p == NULL || len < 1)
		return -EBADMSG;
	if (!(p[0] & BN_FLAG_COMPRESSED))
		return bn_decode(p + 1, len - 1, out);
	if ((rc = inflate_bounded(p + 1, len - 1, &plain, &plen)) < 0)
		return rc;
	rc = bn_decode(plain, plen, out);
	free(plain);
	return rc;
}
