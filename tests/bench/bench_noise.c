/*
 * bench_noise: Noise transport throughput on 4 KiB frames (a large binary
 * node; most are smaller). Each round encrypts one frame with a send
 * cipher state and decrypts it with the peer's receive state, as a link
 * does in each direction. Compared with raw libsodium AES-256-GCM on the
 * same buffers, both the one-shot API (key schedule per call) and the
 * precomputed one (afternm), and with our OpenSSL path. Prints MB/s of
 * plaintext and ratios; asserts nothing about time.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "noise/noise.h"

#define FRAME		4096
#define SECONDS		0.4	/* per run; the best of RUNS counts */
#define RUNS		3

static uint8_t	key[32], pt[FRAME], ct[FRAME + 16], back[FRAME];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
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

/* Best of RUNS: the machine is shared, the best run is the least disturbed. */
static double
measure(int (*round)(uint32_t))
{
	double best = 0, m;

	for (int i = 0; i < RUNS; i++)
		if ((m = measure_once(round)) > best)
			best = m;
	return best;
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

static double
measure_ours(bool openssl, const char **name)
{
	double mbs;

	noise_gcm_force_openssl(openssl);
	if (noise_cipher_new(&tx, key) != 0 || noise_cipher_new(&rx, key) != 0)
		exit(1);
	*name = noise_cipher_backend_name(tx);
	mbs = measure(ours);
	if (memcmp(back, pt, FRAME) != 0)
		exit(1);
	noise_cipher_free(tx);
	noise_cipher_free(rx);
	return mbs;
}

int
main(void)
{
	double raw, rawnm, sod, ossl;
	const char *n1, *n2;

	if (sodium_init() < 0)
		return 1;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(pt, sizeof(pt));
	if (!crypto_aead_aes256gcm_is_available()) {
		printf("bench_noise: no AES-NI; libsodium AES-GCM unavailable\n");
		ossl = measure_ours(true, &n2);
		printf("ours (%s)  %8.1f MB/s\n", n2, ossl);
		return 0;
	}
	crypto_aead_aes256gcm_beforenm(&st, key);
	raw = measure(raw_sodium);
	rawnm = measure(raw_sodium_afternm);
	sod = measure_ours(false, &n1);
	ossl = measure_ours(true, &n2);
	printf("Noise transport, %d-byte frames, encrypt + decrypt, MB/s of plaintext\n",
	    FRAME);
	printf("  raw libsodium aes256gcm (one-shot)  %8.1f\n", raw);
	printf("  raw libsodium aes256gcm (afternm)   %8.1f\n", rawnm);
	printf("  ours, %-9s backend              %8.1f  = %5.1f %% of raw one-shot, %5.1f %% of afternm\n",
	    n1, sod, 100 * sod / raw, 100 * sod / rawnm);
	printf("  ours, %-9s backend              %8.1f  = %5.1f %% of raw one-shot, %5.1f %% of afternm\n",
	    n2, ossl, 100 * ossl / raw, 100 * ossl / rawnm);
	return 0;
}
