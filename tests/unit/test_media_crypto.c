/*
 * test_media_crypto: WhatsApp media encryption against vectors Baileys made
 * (tests/vectors/media-crypto.json, from tests/interop/gen-media-vectors.js):
 * key derivation, decryption in every chunking, encryption byte for byte,
 * and refusal of tampered, truncated, oversized and mismatched files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "media/media_crypto.h"
#include "testdir.h"
#include "testvec.h"

TESTVEC_OWN_GROUP(root, "media-crypto.json")

static enum media_type
type_of(json_t *v)
{
	const char *t = json_string_value(json_object_get(v, "type"));

	if (strcmp(t, "image") == 0 || strcmp(t, "sticker") == 0)
		return MEDIA_IMAGE;
	if (strcmp(t, "video") == 0)
		return MEDIA_VIDEO;
	if (strcmp(t, "audio") == 0 || strcmp(t, "ptt") == 0)
		return MEDIA_AUDIO;
	if (strcmp(t, "document") == 0)
		return MEDIA_DOCUMENT;
	fail_msg("unknown vector type %s", t);
	return MEDIA_TYPE_COUNT;
}

/* The vector's rule for the large plaintext (gen-media-vectors.js pattern()). */
static uint8_t *
pattern(size_t n, uint32_t seed)
{
	uint8_t *b = malloc(n);
	uint32_t x = seed;
	size_t i;

	assert_non_null(b);
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (uint8_t)(x >> 24);
	}
	return b;
}

struct expect_buf {
	uint8_t	enc_sha[32], sha[32], key[32];
	struct media_expect ex;
};

static void
load_expect(json_t *v, struct expect_buf *e)
{
	testvec_hex_exact(v, "mediaKey", e->key, 32);
	testvec_hex_exact(v, "fileEncSha256", e->enc_sha, 32);
	testvec_hex_exact(v, "fileSha256", e->sha, 32);
	memset(&e->ex, 0, sizeof(e->ex));
	e->ex.enc_sha256 = e->enc_sha;
	e->ex.sha256 = e->sha;
	e->ex.file_length = (uint64_t)json_integer_value(json_object_get(v, "fileLength"));
}

/* Decrypts enc fed in pieces of step bytes; the plaintext goes to *plain. */
static int
decrypt_steps(const struct expect_buf *e, enum media_type t, const uint8_t *enc,
    size_t len, size_t step, uint8_t **plain, size_t *plain_len, uint8_t sha[32])
{
	struct media_dec *d;
	uint8_t *out = malloc(len + 2 * MEDIA_BLOCK);
	size_t off = 0, n, total = 0;
	int rc;

	assert_non_null(out);
	assert_int_equal(media_dec_new(e->key, t, &e->ex, &d), 0);
	while (off < len) {
		size_t k = len - off < step ? len - off : step;

		rc = media_dec_update(d, enc + off, k, out + total, &n);
		if (rc != 0)
			goto done;
		assert_true(n <= k + MEDIA_BLOCK);
		total += n;
		off += k;
	}
	rc = media_dec_final(d, out + total, &n, sha);
	total += n;
done:
	media_dec_free(d);
	*plain = out;
	*plain_len = total;
	return rc;
}

static void
test_media_keys_match_baileys_getMediaKeys(void **state)
{
	size_t i;
	json_t *v;

	(void)state;
	json_array_foreach(json_object_get(root, "vectors"), i, v) {
		struct media_keys k;
		uint8_t key[32], iv[16], ck[32], mk[32];

		testvec_hex_exact(v, "mediaKey", key, 32);
		testvec_hex_exact(v, "iv", iv, 16);
		testvec_hex_exact(v, "cipherKey", ck, 32);
		testvec_hex_exact(v, "macKey", mk, 32);
		assert_int_equal(media_keys_derive(key, type_of(v), &k), 0);
		assert_memory_equal(k.iv, iv, 16);
		assert_memory_equal(k.cipher_key, ck, 32);
		assert_memory_equal(k.mac_key, mk, 32);
		assert_string_equal(media_type_info(type_of(v)),
		    json_string_value(json_object_get(v, "hkdfInfo")));
		media_keys_wipe(&k);
	}
}

static void
test_media_type_info_strings_are_whatsapps(void **state)
{
	(void)state;
	assert_string_equal(media_type_info(MEDIA_DOCUMENT), "WhatsApp Document Keys");
	assert_string_equal(media_type_info(MEDIA_HISTORY), "WhatsApp History Keys");
	assert_string_equal(media_type_info(MEDIA_APP_STATE), "WhatsApp App State Keys");
	assert_string_equal(media_type_info(MEDIA_STICKER_PACK), "WhatsApp Sticker Pack Keys");
	assert_string_equal(media_type_info(MEDIA_LINK_THUMBNAIL),
	    "WhatsApp Link Thumbnail Keys");
	assert_null(media_type_info(MEDIA_TYPE_COUNT));
}

static void
test_media_decrypts_baileys_files_in_any_chunking(void **state)
{
	static const size_t steps[] = { 1, 3, 10, 11, 16, 17, 4096, 1 << 20 };
	size_t i, s;
	json_t *v;

	(void)state;
	json_array_foreach(json_object_get(root, "vectors"), i, v) {
		struct expect_buf e;
		uint8_t *enc, *want, *plain, sha[32];
		size_t elen, wlen, plen;

		load_expect(v, &e);
		enc = testvec_hex(v, "enc", &elen);
		want = testvec_hex(v, "plaintext", &wlen);
		for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			assert_int_equal(decrypt_steps(&e, type_of(v), enc, elen,
			    steps[s], &plain, &plen, sha), 0);
			assert_int_equal(plen, wlen);
			if (wlen > 0)
				assert_memory_equal(plain, want, wlen);
			assert_memory_equal(sha, e.sha, 32);
			free(plain);
		}
		free(enc);
		free(want);
	}
}

static void
test_media_encrypts_exactly_as_baileys(void **state)
{
	size_t i;
	json_t *v;

	(void)state;
	json_array_foreach(json_object_get(root, "vectors"), i, v) {
		struct media_enc *enc;
		struct media_enc_result r;
		uint8_t key[32], mac[10], esha[32], sha[32], *plain, *want, *out;
		size_t plen, wlen, n, total = 0, off;

		testvec_hex_exact(v, "mediaKey", key, 32);
		testvec_hex_exact(v, "mac", mac, 10);
		testvec_hex_exact(v, "fileEncSha256", esha, 32);
		testvec_hex_exact(v, "fileSha256", sha, 32);
		plain = testvec_hex(v, "plaintext", &plen);
		want = testvec_hex(v, "enc", &wlen);
		out = malloc(plen + 64);
		assert_non_null(out);
		assert_int_equal(media_enc_new(key, type_of(v), &enc), 0);
		/* odd pieces: the cipher carries partial blocks across calls */
		for (off = 0; off < plen; off += 7) {
			size_t k = plen - off < 7 ? plen - off : 7;

			assert_int_equal(media_enc_update(enc, plain + off, k,
			    out + total, &n), 0);
			total += n;
		}
		assert_int_equal(media_enc_final(enc, out + total, &n, &r), 0);
		total += n;
		media_enc_free(enc);
		assert_int_equal(total, wlen);
		assert_memory_equal(out, want, wlen);
		assert_memory_equal(r.mac, mac, 10);
		assert_memory_equal(r.enc_sha256, esha, 32);
		assert_memory_equal(r.sha256, sha, 32);
		assert_int_equal(r.file_length, plen);
		assert_int_equal(r.enc_length, wlen);
		free(plain);
		free(want);
		free(out);
	}
}

/* Writes n bytes to a fresh file under dir; returns an fd open for reading. */
static int
file_with(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
test_media_large_file_round_trips_through_files(void **state)
{
	json_t *v = json_object_get(root, "large");
	struct expect_buf e;
	struct media_enc_result r;
	char dir[256], path[512];
	uint8_t *plain, *back, sha[32], mac[10];
	size_t n = (size_t)json_integer_value(json_object_get(v, "fileLength"));
	int in, enc, out;
	off_t sz;

	(void)state;
	load_expect(v, &e);
	testvec_hex_exact(v, "mac", mac, 10);
	plain = pattern(n, (uint32_t)json_integer_value(json_object_get(v, "patternSeed")));
	assert_int_equal(testdir_make(dir, sizeof(dir), "media"), 0);
	in = file_with(dir, "plain", plain, n);
	snprintf(path, sizeof(path), "%s/enc", dir);
	enc = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(enc >= 0);
	assert_int_equal(media_encrypt_fd(in, enc, e.key, type_of(v), &r), 0);
	assert_memory_equal(r.enc_sha256, e.enc_sha, 32);	/* Baileys' own file */
	assert_memory_equal(r.mac, mac, 10);
	assert_int_equal(lseek(enc, 0, SEEK_SET), 0);
	snprintf(path, sizeof(path), "%s/out", dir);
	out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0);
	assert_int_equal(media_decrypt_fd(enc, out, e.key, type_of(v), &e.ex, sha), 0);
	assert_memory_equal(sha, e.sha, 32);
	sz = lseek(out, 0, SEEK_END);
	assert_int_equal(sz, (off_t)n);
	back = malloc(n);
	assert_non_null(back);
	assert_int_equal(pread(out, back, n, 0), (ssize_t)n);
	assert_memory_equal(back, plain, n);
	close(in);
	close(enc);
	close(out);
	free(plain);
	free(back);
	assert_int_equal(testdir_remove(dir), 0);
}

/* The 1000-byte sticker vector, mutated by f, must fail with want. */
static void
refused(void (*f)(uint8_t *enc, size_t *len, struct expect_buf *), int want)
{
	json_t *v = json_array_get(json_object_get(root, "vectors"), 6);
	struct expect_buf e;
	uint8_t *enc, *plain, sha[32];
	size_t elen, plen;

	assert_int_equal(json_integer_value(json_object_get(v, "fileLength")), 1000);
	load_expect(v, &e);
	enc = testvec_hex(v, "enc", &elen);
	f(enc, &elen, &e);
	assert_int_equal(decrypt_steps(&e, type_of(v), enc, elen, 100, &plain,
	    &plen, sha), -want);
	free(plain);
	free(enc);
}

static void flip_ciphertext(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)n; (void)e; p[500] ^= 1; }
static void flip_mac(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)e; p[*n - 1] ^= 0x80; }
static void drop_last_byte(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)p; (void)e; (*n)--; }
static void drop_block(uint8_t *p, size_t *n, struct expect_buf *e)
{
	(void)e;
	memmove(p + *n - 26, p + *n - 10, 10);	/* keep the MAC, lose a block */
	*n -= 16;
}
static void wrong_enc_hash(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)p; (void)n; e->enc_sha[0] ^= 1; }
static void wrong_plain_hash(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)p; (void)n; e->sha[31] ^= 1; }
static void wrong_length(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)p; (void)n; e->ex.file_length = 999; }
/* a CDN sending twice what the message declares is cut off mid-stream */
static void declared_half(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)p; (void)n; e->ex.file_length = 500; }
static void over_cap(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)p; (void)n; e->ex.max_plain = 999; }
static void no_enc_hash_tampered(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)n; e->ex.enc_sha256 = NULL; p[20] ^= 4; }
static void wrong_key(uint8_t *p, size_t *n, struct expect_buf *e)
{ (void)p; (void)n; e->ex.enc_sha256 = NULL; e->key[0] ^= 1; }

static void
test_media_refuses_a_flipped_ciphertext_bit(void **state)
{
	(void)state;
	refused(flip_ciphertext, MEDIA_FAULT_ENC_SHA256);
	refused(no_enc_hash_tampered, MEDIA_FAULT_MAC);
}

static void
test_media_refuses_a_flipped_mac_bit(void **state)
{
	(void)state;
	refused(flip_mac, MEDIA_FAULT_ENC_SHA256);
}

static void
test_media_refuses_a_wrong_media_key_by_its_mac(void **state)
{
	(void)state;
	refused(wrong_key, MEDIA_FAULT_MAC);
}

static void
test_media_refuses_truncated_files(void **state)
{
	(void)state;
	refused(drop_last_byte, MEDIA_FAULT_TRUNCATED);
	refused(drop_block, MEDIA_FAULT_ENC_SHA256);
}

static void
test_media_refuses_hash_and_length_mismatches(void **state)
{
	(void)state;
	refused(wrong_enc_hash, MEDIA_FAULT_ENC_SHA256);
	refused(wrong_plain_hash, MEDIA_FAULT_SHA256);
	refused(wrong_length, MEDIA_FAULT_LENGTH);
	refused(declared_half, MEDIA_FAULT_OVERRUN);
}

static void
test_media_refuses_past_the_size_cap_before_the_end(void **state)
{
	json_t *v = json_array_get(json_object_get(root, "vectors"), 6);
	struct expect_buf e;
	struct media_dec *d;
	uint8_t *enc, out[2048];
	size_t elen, n;

	(void)state;
	refused(over_cap, MEDIA_FAULT_TOO_BIG);
	/* the cap trips while data still arrives: the download can stop */
	load_expect(v, &e);
	e.ex.max_plain = 500;
	enc = testvec_hex(v, "enc", &elen);
	assert_int_equal(media_dec_new(e.key, MEDIA_IMAGE, &e.ex, &d), 0);
	assert_int_equal(media_dec_update(d, enc, 400, out, &n), 0);
	assert_int_equal(media_dec_update(d, enc + 400, 400, out, &n),
	    -MEDIA_FAULT_TOO_BIG);
	assert_int_equal(media_dec_update(d, enc + 800, 1, out, &n),
	    -MEDIA_FAULT_TOO_BIG);
	assert_int_equal(media_dec_final(d, out, &n, NULL), -MEDIA_FAULT_TOO_BIG);
	media_dec_free(d);
	free(enc);
	/* a plaintext exactly at the cap is fine */
	{
		uint8_t *plain, sha[32];
		size_t plen;

		e.ex.max_plain = 1000;
		enc = testvec_hex(v, "enc", &elen);
		assert_int_equal(decrypt_steps(&e, MEDIA_IMAGE, enc, elen, 64,
		    &plain, &plen, sha), 0);
		assert_int_equal(plen, 1000);
		free(plain);
		free(enc);
	}
}

static void
test_media_refuses_files_shorter_than_a_block_and_mac(void **state)
{
	uint8_t key[32] = { 1 }, out[64];
	struct media_expect ex = { 0 };
	struct media_dec *d;
	size_t n;

	(void)state;
	assert_int_equal(media_dec_new(key, MEDIA_AUDIO, &ex, &d), 0);
	assert_int_equal(media_dec_update(d, key, 10, out, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(media_dec_final(d, out, &n, NULL), -MEDIA_FAULT_TRUNCATED);
	media_dec_free(d);
	assert_int_equal(media_dec_new(key, MEDIA_AUDIO, &ex, &d), 0);
	assert_int_equal(media_dec_final(d, out, &n, NULL), -MEDIA_FAULT_TRUNCATED);
	media_dec_free(d);
	assert_int_equal(media_dec_new(key, MEDIA_TYPE_COUNT, &ex, &d), -EINVAL);
	assert_string_equal(media_fault_str(-MEDIA_FAULT_MAC), "HMAC mismatch");
}

static void
test_media_decrypt_fd_refuses_a_tampered_file(void **state)
{
	json_t *v = json_array_get(json_object_get(root, "vectors"), 7);
	struct expect_buf e;
	char dir[256];
	uint8_t *enc;
	size_t elen;
	int in, out;

	(void)state;
	load_expect(v, &e);
	e.ex.enc_sha256 = NULL;
	enc = testvec_hex(v, "enc", &elen);
	enc[elen - 20] ^= 0x10;	/* inside the last block */
	assert_int_equal(testdir_make(dir, sizeof(dir), "media"), 0);
	in = file_with(dir, "enc", enc, elen);
	out = file_with(dir, "out", enc, 0);
	assert_int_equal(media_decrypt_fd(in, out, e.key, type_of(v), &e.ex, NULL),
	    -MEDIA_FAULT_MAC);
	close(in);
	close(out);
	free(enc);
	assert_int_equal(testdir_remove(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_keys_match_baileys_getMediaKeys),
		cmocka_unit_test(test_media_type_info_strings_are_whatsapps),
		cmocka_unit_test(test_media_decrypts_baileys_files_in_any_chunking),
		cmocka_unit_test(test_media_encrypts_exactly_as_baileys),
		cmocka_unit_test(test_media_large_file_round_trips_through_files),
		cmocka_unit_test(test_media_refuses_a_flipped_ciphertext_bit),
		cmocka_unit_test(test_media_refuses_a_flipped_mac_bit),
		cmocka_unit_test(test_media_refuses_a_wrong_media_key_by_its_mac),
		cmocka_unit_test(test_media_refuses_truncated_files),
		cmocka_unit_test(test_media_refuses_hash_and_length_mismatches),
		cmocka_unit_test(test_media_refuses_past_the_size_cap_before_the_end),
		cmocka_unit_test(test_media_refuses_files_shorter_than_a_block_and_mac),
		cmocka_unit_test(test_media_decrypt_fd_refuses_a_tampered_file),
	};

	return cmocka_run_group_tests(tests, root_setup, root_teardown);
}
