/*
 * fuzz_media_decrypt: libFuzzer target for the media decrypt/verify path
 * (session-worker/media/media_crypto.c), which reads files fetched from a
 * CDN. Input: one control byte (bit 0: mode, bits 1-3: media type, bits
 * 4-7: chunk size), a 32-byte mediaKey, then the rest.
 * Mode 0 decrypts the rest as an encrypted file fed in chunks: it must
 * never crash, and must only accept a file whose MAC verifies.
 * Mode 1 encrypts the rest, checks that decrypting gives it back with
 * matching hashes, then flips one bit and requires a refusal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media_crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
decrypt(const uint8_t *key, enum media_type t, const struct media_expect *ex,
    const uint8_t *in, size_t len, size_t step, uint8_t *out, size_t *out_len,
    uint8_t sha[32])
{
	struct media_dec *d;
	size_t off = 0, n, total = 0;
	int rc;

	if (media_dec_new(key, t, ex, &d) != 0)
		abort();
	while (off < len) {
		size_t k = len - off < step ? len - off : step;

		if ((rc = media_dec_update(d, in + off, k, out + total, &n)) != 0)
			goto done;
		if (n > k + MEDIA_BLOCK)
			abort();
		total += n;
		off += k;
	}
	rc = media_dec_final(d, out + total, &n, sha);
	total += n;
done:
	media_dec_free(d);
	*out_len = total;
	return rc;
}

static void
round_trip(const uint8_t *key, enum media_type t, const uint8_t *p, size_t len,
    size_t step, unsigned flip)
{
	struct media_enc *e;
	struct media_enc_result r;
	struct media_expect ex = { 0 };
	uint8_t *enc = malloc(len + 64), *back = malloc(len + 64), sha[32];
	size_t n, elen = 0, blen;

	if (enc == NULL || back == NULL || media_enc_new(key, t, &e) != 0)
		abort();
	if (media_enc_update(e, p, len, enc, &n) != 0)
		abort();
	elen = n;
	if (media_enc_final(e, enc + elen, &n, &r) != 0)
		abort();
	elen += n;
	media_enc_free(e);
	ex.enc_sha256 = r.enc_sha256;
	ex.sha256 = r.sha256;
	ex.file_length = r.file_length;
	if (elen != r.enc_length ||
	    decrypt(key, t, &ex, enc, elen, step, back, &blen, sha) != 0 ||
	    blen != len || (len > 0 && memcmp(back, p, len) != 0) ||
	    memcmp(sha, r.sha256, 32) != 0) {
		fprintf(stderr, "fuzz_media_decrypt: no round trip\n");
		abort();
	}
	enc[flip % elen] ^= (uint8_t)(1u << (flip % 8));
	ex.enc_sha256 = (flip & 0x100) != 0 ? r.enc_sha256 : NULL;
	if (decrypt(key, t, &ex, enc, elen, step, back, &blen, sha) == 0) {
		fprintf(stderr, "fuzz_media_decrypt: accepted a flipped bit\n");
		abort();
	}
	free(enc);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t steps[16] = { 1, 2, 3, 7, 9, 10, 11, 15, 16, 17,
	    31, 33, 100, 4096, 65536, (size_t)-1 };
	struct media_expect ex = { .max_plain = 1u << 20 };
	enum media_type t;
	const uint8_t *key, *rest;
	uint8_t *out, sha[32];
	size_t len, n, step;

	if (size < 1 + MEDIA_KEY_LEN)
		return 0;
	t = (enum media_type)(((data[0] >> 1) & 7) % MEDIA_TYPE_COUNT);
	step = steps[data[0] >> 4];
	key = data + 1;
	rest = data + 1 + MEDIA_KEY_LEN;
	len = size - 1 - MEDIA_KEY_LEN;
	if (data[0] & 1) {
		unsigned flip = len >= 2 ? (unsigned)rest[0] | (unsigned)rest[1] << 8 : 0;

		round_trip(key, t, rest, len, step, flip);
		return 0;
	}
	if ((out = malloc(len + 2 * MEDIA_BLOCK)) == NULL)
		abort();
	if (decrypt(key, t, &ex, rest, len, step, out, &n, sha) == 0 &&
	    (n > len || n > ex.max_plain)) {
		fprintf(stderr, "fuzz_media_decrypt: more plaintext than input\n");
		abort();
	}
	free(out);
	return 0;
}
