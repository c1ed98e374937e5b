/*
 * bench_noise: Noise transport throughput on 4 KiB frames (a large binary
 * node; most are smaller). Each round encrypts one frame with a send
 * cipher state and decrypts it with the peer's receive state, as a link
 * does in each direction. Compared with raw libsodium AES-256-GCM on the
 * same buffers, both the one-shot API (key schedule per call) and the
 * precomputed one (afternm), and with our OpenSSL path. Prints MB/s of
 * plaintext per CPU-second and ratios; asserts nothing about time.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "noise/noise.h"

#define FRAME		4096
#define SECONDS		0.2	/* per run; the best of RUNS counts */
#define RUNS		7

static uint8_t	key[32], pt[FRAME], ct[FRAME + 16], back[FRAME];

/* CPU time of this thread: other helpers' load on the shared cores
 * is not counted against any variant. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
nonce_of(uint32_t n, uint8_t nonce[12])
{
	memset(nonce, 0, 12);
	nonce[8] = n >> 24, nonce[9] = n >> 16, nonce[10] = n >> 8, nonce[11] = n;
}

/* Runs one round function for SECONDS; returns MB/s of plaintext. */
static double
measure_once(int (*round)(uint32_t))
{
	double t0 = now(), t;
	uint32_t n = 0;

	do {
		for (int i = 0; i < 256; i++, n++)
			if (round(n) != 0) {
				fprintf(stderr, "bench: round failed\n");
				exit(1);
			}
		t = now() - t0;
	} while (t < SECONDS);
	return (double)n * FRAME / t / 1e6;
}

static int
raw_sodium(uint32_t n)
{
	uint8_t nonce[12];
	unsigned long long l;

	nonce_of(n, nonce);
	crypto_aead_aes256gcm_encrypt(ct, &l, pt, FRAME, NULL, 0, NULL, nonce, key);
	return crypto_aead_aes256gcm_decrypt(back, &l, NULL, ct, l, NULL, 0,
	    nonce, key);
}

static crypto_aead_aes256gcm_state st;

static int
raw_sodium_afternm(uint32_t n)
{
	uint8_t nonce[12];
	unsigned long long l;

	nonce_of(n, nonce);
	crypto_aead_aes256gcm_encrypt_afternm(ct, &l, pt, FRAME, NULL, 0, NULL,
	    nonce, &st);
	return crypto_aead_aes256gcm_decrypt_afternm(back, &l, NULL, ct, l,
	    NULL, 0, nonce, &st);
}

static struct noise_cipher *tx, *rx;

static int
ours(uint32_t n)
{
	size_t l;
	int rc;

	(void)n;
	if ((rc = noise_cipher_encrypt(tx, NULL, 0, pt, FRAME, ct, sizeof(ct),
	    &l)) != 0)
		return rc;
	return noise_cipher_decrypt(rx, NULL, 0, ct, l, back, sizeof(back), &l);
}

static struct noise_cipher *pair[2][2];	/* [backend][tx, rx] */

static int
ours_sodium(uint32_t n)
{
	tx = pair[0][0], rx = pair[0][1];
	return ours(n);
}

static int
ours_openssl(uint32_t n)
{
	tx = pair[1][0], rx = pair[1][1];
	return ours(n);
}

/*
 * The machine is shared: variants run interleaved in short slices, and
 * each keeps its best slice, so a burst of load hits all of them alike.
 */
static void
measure_all(int (*const *fn)(uint32_t), double *best, int nfn)
{
	double m;

	for (int r = 0; r < RUNS; r++)
		for (int i = 0; i < nfn; i++)
			if ((m = measure_once(fn[i])) > best[i])
				best[i] = m;
}

int
main(void)
{
	int (*const fn[])(uint32_t) = { raw_sodium, raw_sodium_afternm,
	    ours_sodium, ours_openssl };
	double best[4] = { 0 };
	const char *name[2];

	if (sodium_init() < 0)
		return 1;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(pt, sizeof(pt));
	for (int b = 0; b < 2; b++) {
		noise_gcm_force_openssl(b == 1);
		if (noise_cipher_new(&pair[b][0], key) != 0 ||
		    noise_cipher_new(&pair[b][1], key) != 0)
			return 1;
		name[b] = noise_cipher_backend_name(pair[b][0]);
	}
	if (!crypto_aead_aes256gcm_is_available()) {
		printf("bench_noise: no AES-NI; libsodium AES-GCM unavailable\n");
		measure_all(fn + 3, best + 3, 1);
		printf("  ours, %s backend %8.1f MB/s\n", name[1], best[3]);
		return 0;
	}
	crypto_aead_aes256gcm_beforenm(&st, key);
	measure_all(fn, best, 4);
	if (memcmp(back, pt, FRAME) != 0)
		return 1;
	printf("Noise transport, %d-byte frames, encrypt + decrypt, MB/s of plaintext\n",
	    FRAME);
	printf("  raw libsodium aes256gcm (one-shot)  %8.1f\n", best[0]);
	printf("  raw libsodium aes256gcm (afternm)   %8.1f\n", best[1]);
	for (int b = 0; b < 2; b++)
		printf("  ours, %-9s backend              %8.1f  = %5.1f %% of raw "
		    "one-shot, %5.1f %% of afternm\n", name[b], best[2 + b],
		    100 * best[2 + b] / best[0], 100 * best[2 + b] / best[1]);
	for (int b = 0; b < 2; b++) {
		noise_cipher_free(pair[b][0]);
		noise_cipher_free(pair[b][1]);
	}
	return 0;
}
