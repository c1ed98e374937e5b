/*
 * fuzz_frame: the frame reassembler (transport/frame.h) fed the input in
 * chunks the input itself chooses. Whatever the cutting, it must deliver
 * exactly the frames (and the error) that feeding the whole input at once
 * delivers, never a frame longer than its maximum, never an empty one.
 *
 * Input: byte 0 picks the reader maximum, byte 1 seeds the chunk sizes,
 * the rest is the stream. To debug a finding: build-fuzz/tests/fuzz_frame
 * <file>, then replay it in test_frame.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/frame.h"

struct digest {
	uint64_t	 h;		/* FNV-1a over every frame, with lengths */
	size_t		 frames;
	size_t		 max;
};

static int
absorb(void *arg, const uint8_t *f, size_t len)
{
	struct digest *d = arg;
	size_t i;

	if (len == 0 || len > d->max)
		abort();
	d->h ^= len;
	d->h *= 0x100000001b3ULL;
	for (i = 0; i < len; i++) {
		d->h ^= f[i];
		d->h *= 0x100000001b3ULL;
	}
	d->frames++;
	return 0;
}

static int
run(const uint8_t *p, size_t n, size_t max, uint8_t seed, struct digest *d,
    int *finish)
{
	struct frame_reader *r;
	uint32_t x = seed | 1u;
	size_t off = 0, chunk;
	int rc = 0;

	if (frame_reader_new(&r, max) < 0)
		abort();
	d->h = 0xcbf29ce484222325ULL;
	d->frames = 0;
	d->max = max;
	while (off < n && rc == 0) {
		if (seed == 0) {
			chunk = n - off;
		} else {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			chunk = 1 + x % 16;
			if (chunk > n - off)
				chunk = n - off;
		}
		rc = frame_reader_feed(r, p + off, chunk, absorb, d);
		off += chunk;
	}
	*finish = frame_reader_finish(r);
	frame_reader_free(r);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 1, 2, 16, 255, 4096, FRAME_LEN_MAX };
	struct digest whole, cut;
	int rw, rc, fw, fc;
	size_t max;

	if (size < 2)
		return 0;
	max = maxes[data[0] % (sizeof(maxes) / sizeof(maxes[0]))];
	rw = run(data + 2, size - 2, max, 0, &whole, &fw);
	rc = run(data + 2, size - 2, max, data[1] | 1, &cut, &fc);
	if (rw != rc || fw != fc || whole.frames != cut.frames ||
	    whole.h != cut.h)
		abort();
	return 0;
}
