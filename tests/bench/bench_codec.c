/*
 * bench_codec: decode and encode throughput of the binary node codec on a
 * corpus file written by tests/bench/codec-baileys.js (records of a 4-byte
 * big-endian length and a node, no flags byte), so Baileys and C measure
 * the same nodes; the fastest of repeated passes counts. Prints a table and
 * one JSON line for the ratio script.
 * Never asserts on time. Usage: bench_codec CORPUS [SECONDS_EACH]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binary/bn.h"

#define CORPUS_MAX	(256u << 20)	/* a bench corpus is a few MB */

struct rec {
	const uint8_t	*p;
	size_t		 len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *
load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    (size_t)n > CORPUS_MAX || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench_codec: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static size_t
split(const uint8_t *buf, size_t len, struct rec **out)
{
	size_t off = 0, n = 0, cap = 1024, l;
	struct rec *r = malloc(cap * sizeof(*r));

	while (len - off >= 4) {
		l = (size_t)buf[off] << 24 | (size_t)buf[off + 1] << 16 |
		    (size_t)buf[off + 2] << 8 | buf[off + 3];
		off += 4;
		if (l > len - off)
			break;
		if (n == cap)
			r = realloc(r, (cap *= 2) * sizeof(*r));
		r[n].p = buf + off;
		r[n++].len = l;
		off += l;
	}
	*out = r;
	return n;
}

int
main(int argc, char *argv[])
{
	struct rec *recs;
	struct bn_node **trees;
	size_t len, n, i, bytes = 0, elen;
	double secs = argc > 2 ? atof(argv[2]) : 2.0, t0, t1, dt_dec, dt_enc;
	uint8_t *buf, *out;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_codec CORPUS [SECONDS]\n");
		return 2;
	}
	buf = load(argv[1], &len);
	n = split(buf, len, &recs);
	trees = calloc(n, sizeof(*trees));
	for (i = 0; i < n; i++) {
		bytes += recs[i].len;
		if (bn_decode(recs[i].p, recs[i].len, &trees[i]) < 0) {
			fprintf(stderr, "bench_codec: record %zu does not decode\n", i);
			return 1;
		}
	}

	/*
	 * The fastest pass of each kind counts: on a shared machine the
	 * minimum is what the code costs, the mean is what the neighbours do.
	 */
	dt_dec = dt_enc = 1e9;
	for (t0 = now(); now() - t0 < secs;) {
		t1 = now();
		for (i = 0; i < n; i++) {
			struct bn_node *t;

			if (bn_decode(recs[i].p, recs[i].len, &t) < 0)
				return 1;
			bn_node_free(t);
		}
		if (now() - t1 < dt_dec)
			dt_dec = now() - t1;
	}
	for (t0 = now(); now() - t0 < secs;) {
		t1 = now();
		for (i = 0; i < n; i++) {
			if (bn_encode(trees[i], 0, &out, &elen) < 0)
				return 1;
			free(out);
		}
		if (now() - t1 < dt_enc)
			dt_enc = now() - t1;
	}

	printf("walink C codec, %zu nodes, %.2f MB per pass\n", n, bytes / 1e6);
	printf("  decode %10.1f MB/s %12.0f nodes/s\n", bytes / 1e6 / dt_dec,
	    n / dt_dec);
	printf("  encode %10.1f MB/s %12.0f nodes/s\n", bytes / 1e6 / dt_enc,
	    n / dt_enc);
	printf("{\"nodes\":%zu,\"bytes\":%zu,\"decode_s\":%.9f,\"encode_s\":%.9f}\n",
	    n, bytes, dt_dec, dt_enc);
	for (i = 0; i < n; i++)
		bn_node_free(trees[i]);
	free(trees);
	free(recs);
	free(buf);
	return 0;
}
