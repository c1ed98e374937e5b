/*
 * bench_media: WhatsApp media decrypt + verify throughput
 * (session-worker/media/media_crypto.c): a 32 MiB file encrypted once, then
 * decrypted in 64 KiB reads with the MAC, fileEncSha256, padding and
 * fileSha256 all checked, as a download does. Also encryption (uploads).
 * Prints MB/s of plaintext per CPU-second, best of RUNS; asserts nothing
 * about time. tests/bench/media.sh sets it beside Baileys' own decryption.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "media/media_crypto.h"

#define SIZE	(32u << 20)
#define CHUNK	(64u << 10)
#define RUNS	5

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(void)
{
	uint8_t key[32], *plain = malloc(SIZE), *enc = malloc(SIZE + 64),
	    *out = malloc(CHUNK + 32);
	struct media_enc_result r;
	struct media_expect ex = { 0 };
	double best_dec = 0, best_enc = 0;
	size_t elen, n, off;
	int i;

	if (plain == NULL || enc == NULL || out == NULL || sodium_init() < 0)
		return 1;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(plain, SIZE);
	for (i = 0; i < RUNS; i++) {
		struct media_enc *e;
		double t0 = now(), t;

		if (media_enc_new(key, MEDIA_VIDEO, &e) != 0)
			return 1;
		for (elen = 0, off = 0; off < SIZE; off += CHUNK) {
			if (media_enc_update(e, plain + off, CHUNK, enc + elen, &n) != 0)
				return 1;
			elen += n;
		}
		if (media_enc_final(e, enc + elen, &n, &r) != 0)
			return 1;
		elen += n;
		media_enc_free(e);
		t = now() - t0;
		if (SIZE / t / 1e6 > best_enc)
			best_enc = SIZE / t / 1e6;
	}
	ex.enc_sha256 = r.enc_sha256;
	ex.sha256 = r.sha256;
	ex.file_length = SIZE;
	for (i = 0; i < RUNS; i++) {
		struct media_dec *d;
		double t0 = now(), t;

		if (media_dec_new(key, MEDIA_VIDEO, &ex, &d) != 0)
			return 1;
		for (off = 0; off < elen; off += CHUNK) {
			size_t k = elen - off < CHUNK ? elen - off : CHUNK;

			if (media_dec_update(d, enc + off, k, out, &n) != 0)
				return 1;
		}
		if (media_dec_final(d, out, &n, NULL) != 0) {
			fprintf(stderr, "bench_media: verification failed\n");
			return 1;
		}
		media_dec_free(d);
		t = now() - t0;
		if (SIZE / t / 1e6 > best_dec)
			best_dec = SIZE / t / 1e6;
	}
	printf("WhatsApp media (AES-256-CBC + HMAC + 2x SHA-256), %u MiB, MB/s of plaintext\n",
	    SIZE >> 20);
	printf("  decrypt + verify  %8.1f\n", best_dec);
	printf("  encrypt           %8.1f\n", best_enc);
	free(plain);
	free(enc);
	free(out);
	return 0;
}
