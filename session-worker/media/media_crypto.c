/*
 * media_crypto.c: see media_crypto.h. OpenSSL's EVP interfaces only; the
 * layout and checks follow whatsmeow download.go (getMediaKeys,
 * downloadEncryptedMedia, validateMedia, downloadAndDecrypt) and upload.go
 * (Upload), which Baileys' encryptedStream matches byte for byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "media_crypto.h"

#define EXPANDED_LEN	112
#define IO_CHUNK	(64u * 1024)

static const char *const type_info[MEDIA_TYPE_COUNT] = {
	[MEDIA_IMAGE] = "WhatsApp Image Keys",
	[MEDIA_VIDEO] = "WhatsApp Video Keys",
	[MEDIA_AUDIO] = "WhatsApp Audio Keys",
	[MEDIA_DOCUMENT] = "WhatsApp Document Keys",
	[MEDIA_HISTORY] = "WhatsApp History Keys",
	[MEDIA_APP_STATE] = "WhatsApp App State Keys",
	[MEDIA_STICKER_PACK] = "WhatsApp Sticker Pack Keys",
	[MEDIA_LINK_THUMBNAIL] = "WhatsApp Link Thumbnail Keys",
};

const char *
media_type_info(enum media_type t)
{
	if ((unsigned)t >= MEDIA_TYPE_COUNT)
		return NULL;
	return type_info[t];
}

const char *
media_fault_str(int err)
{
	switch (err < 0 ? -err : err) {
	case MEDIA_FAULT_NONE:		return "ok";
	case MEDIA_FAULT_TOO_BIG:	return "larger than the media size cap";
	case MEDIA_FAULT_TRUNCATED:	return "truncated or misaligned file";
	case MEDIA_FAULT_ENC_SHA256:	return "fileEncSha256 mismatch";
	case MEDIA_FAULT_MAC:		return "HMAC mismatch";
	case MEDIA_FAULT_PADDING:	return "bad padding";
	case MEDIA_FAULT_SHA256:	return "fileSha256 mismatch";
	case MEDIA_FAULT_LENGTH:	return "fileLength mismatch";
	case MEDIA_FAULT_CRYPTO:	return "crypto library failure";
	case MEDIA_FAULT_OVERRUN:	return "the CDN sent more than the message's fileLength";
	case EINVAL:			return "invalid argument";
	case ENOMEM:			return "out of memory";
	default:			return "I/O error";
	}
}

int
media_keys_derive(const uint8_t media_key[MEDIA_KEY_LEN], enum media_type t,
    struct media_keys *out)
{
	const char *info = media_type_info(t);
	uint8_t exp[EXPANDED_LEN];
	size_t n = sizeof(exp);
	EVP_PKEY_CTX *ctx;
	int ok;

	if (info == NULL)
		return -EINVAL;
	if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)) == NULL)
		return -MEDIA_FAULT_CRYPTO;
	/* No salt: RFC 5869 then uses HashLen zero bytes, as hkdfutil does. */
	ok = EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
	    EVP_PKEY_CTX_set1_hkdf_key(ctx, media_key, MEDIA_KEY_LEN) > 0 &&
	    EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)info,
	    (int)strlen(info)) > 0 &&
	    EVP_PKEY_derive(ctx, exp, &n) > 0 && n == sizeof(exp);
	EVP_PKEY_CTX_free(ctx);
	if (ok) {
		memcpy(out->iv, exp, 16);
		memcpy(out->cipher_key, exp + 16, 32);
		memcpy(out->mac_key, exp + 48, 32);
		memcpy(out->ref_key, exp + 80, 32);
	}
	OPENSSL_cleanse(exp, sizeof(exp));
	return ok ? 0 : -MEDIA_FAULT_CRYPTO;
}

void
media_keys_wipe(struct media_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* The three running digests and the cipher both directions share. */
struct media_stream {
	EVP_CIPHER_CTX	*aes;
	EVP_MAC_CTX	*hmac;
	EVP_MD_CTX	*enc_sha;	/* over the file as stored on the CDN */
	EVP_MD_CTX	*plain_sha;
};

static int
stream_init(struct media_stream *s, const uint8_t media_key[MEDIA_KEY_LEN],
    enum media_type t, bool encrypt)
{
	struct media_keys k;
	EVP_MAC *mac = NULL;
	OSSL_PARAM params[2];
	int rc, ok;

	memset(s, 0, sizeof(*s));
	if ((rc = media_keys_derive(media_key, t, &k)) != 0)
		return rc;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = (s->aes = EVP_CIPHER_CTX_new()) != NULL &&
	    (s->enc_sha = EVP_MD_CTX_new()) != NULL &&
	    (s->plain_sha = EVP_MD_CTX_new()) != NULL &&
	    (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL &&
	    (s->hmac = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_init(s->hmac, k.mac_key, sizeof(k.mac_key), params) > 0 &&
	    EVP_MAC_update(s->hmac, k.iv, sizeof(k.iv)) > 0 &&
	    EVP_DigestInit_ex(s->enc_sha, EVP_sha256(), NULL) > 0 &&
	    EVP_DigestInit_ex(s->plain_sha, EVP_sha256(), NULL) > 0 &&
	    EVP_CipherInit_ex(s->aes, EVP_aes_256_cbc(), NULL, k.cipher_key,
	    k.iv, encrypt ? 1 : 0) > 0;
	EVP_MAC_free(mac);
	media_keys_wipe(&k);
	return ok ? 0 : -MEDIA_FAULT_CRYPTO;
}

static void
stream_free(struct media_stream *s)
{
	EVP_CIPHER_CTX_free(s->aes);	/* cleanses the key schedule */
	EVP_MAC_CTX_free(s->hmac);
	EVP_MD_CTX_free(s->enc_sha);
	EVP_MD_CTX_free(s->plain_sha);
	memset(s, 0, sizeof(*s));
}

/* Runs ciphertext/plaintext through AES; hashes on the plaintext side. */
static int
cipher_step(struct media_stream *s, const uint8_t *in, size_t len, uint8_t *out,
    size_t *out_len)
{
	int n = 0;

	*out_len = 0;
	while (len > 0) {
		/* EVP lengths are int: go in bounded steps. */
		size_t step = len > (1u << 30) ? (1u << 30) : len;

		if (EVP_CipherUpdate(s->aes, out + *out_len, &n, in, (int)step) <= 0)
			return -MEDIA_FAULT_CRYPTO;
		*out_len += (size_t)n;
		in += step;
		len -= step;
	}
	return 0;
}

struct media_dec {
	struct media_stream	 s;
	uint8_t			 tail[MEDIA_MAC_LEN];	/* held back: maybe the MAC */
	size_t			 tail_len;
	uint64_t		 enc_total;
	uint64_t		 plain_total;
	uint64_t		 enc_cap;	/* 0: none */
	uint64_t		 max_plain;	/* 0: none */
	uint64_t		 file_length;
	uint64_t		 declared_cap;	/* enc size fileLength allows; 0: none */
	bool			 check_enc, check_plain;
	uint8_t			 enc_sha256[MEDIA_SHA256_LEN];
	uint8_t			 sha256[MEDIA_SHA256_LEN];
	int			 err;		/* sticky: 0 or negative */
};

int
media_dec_new(const uint8_t media_key[MEDIA_KEY_LEN], enum media_type t,
    const struct media_expect *ex, struct media_dec **out)
{
	struct media_dec *d;
	int rc;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -ENOMEM;
	if ((rc = stream_init(&d->s, media_key, t, false)) != 0) {
		stream_free(&d->s);
		free(d);
		return rc;
	}
	if (ex != NULL) {
		if (ex->enc_sha256 != NULL) {
			d->check_enc = true;
			memcpy(d->enc_sha256, ex->enc_sha256, MEDIA_SHA256_LEN);
		}
		if (ex->sha256 != NULL) {
			d->check_plain = true;
			memcpy(d->sha256, ex->sha256, MEDIA_SHA256_LEN);
		}
		d->file_length = ex->file_length;
		d->max_plain = ex->max_plain;
		/* The largest file whose plaintext fits: one padding block more. */
		if (ex->max_plain > 0)
			d->enc_cap = (ex->max_plain / MEDIA_BLOCK + 1) * MEDIA_BLOCK +
			    MEDIA_MAC_LEN;
		/* a CDN streaming past what the message declared is cut off
		 * there, not at the (larger) cap */
		if (ex->file_length > 0 && ex->file_length < UINT64_MAX / 2)
			d->declared_cap = (ex->file_length / MEDIA_BLOCK + 1) *
			    MEDIA_BLOCK + MEDIA_MAC_LEN;
	}
	*out = d;
	return 0;
}

/* Ciphertext bytes: authenticate, decrypt, hash what comes out. */
static int
dec_feed(struct media_dec *d, const uint8_t *in, size_t len, uint8_t *out,
    size_t *out_len)
{
	size_t n;

	*out_len = 0;
	if (len == 0)
		return 0;
	if (EVP_MAC_update(d->s.hmac, in, len) <= 0 ||
	    cipher_step(&d->s, in, len, out, &n) != 0 ||
	    EVP_DigestUpdate(d->s.plain_sha, out, n) <= 0)
		return -MEDIA_FAULT_CRYPTO;
	d->plain_total += n;
	*out_len = n;
	return 0;
}

int
media_dec_update(struct media_dec *d, const uint8_t *in, size_t len,
    uint8_t *out, size_t *out_len)
{
	size_t total, from_tail, from_in, n1 = 0, n2 = 0;
	uint8_t keep[MEDIA_MAC_LEN];

	*out_len = 0;
	if (d->err != 0)
		return d->err;
	d->enc_total += len;
	if (d->enc_cap > 0 && d->enc_total > d->enc_cap)
		return d->err = -MEDIA_FAULT_TOO_BIG;
	if (d->declared_cap > 0 && d->enc_total > d->declared_cap)
		return d->err = -MEDIA_FAULT_OVERRUN;
	if (EVP_DigestUpdate(d->s.enc_sha, in, len) <= 0)
		return d->err = -MEDIA_FAULT_CRYPTO;
	total = d->tail_len + len;
	if (total <= MEDIA_MAC_LEN) {
		memcpy(d->tail + d->tail_len, in, len);
		d->tail_len = total;
		return 0;
	}
	/* Everything but the last MEDIA_MAC_LEN bytes seen so far is ciphertext. */
	from_tail = d->tail_len < total - MEDIA_MAC_LEN ? d->tail_len :
	    total - MEDIA_MAC_LEN;
	from_in = total - MEDIA_MAC_LEN - from_tail;
	if ((d->err = dec_feed(d, d->tail, from_tail, out, &n1)) != 0 ||
	    (d->err = dec_feed(d, in, from_in, out + n1, &n2)) != 0)
		return d->err;
	memcpy(keep, d->tail + from_tail, d->tail_len - from_tail);
	memcpy(keep + (d->tail_len - from_tail), in + from_in, len - from_in);
	memcpy(d->tail, keep, MEDIA_MAC_LEN);
	d->tail_len = MEDIA_MAC_LEN;
	*out_len = n1 + n2;
	return 0;
}

int
media_dec_final(struct media_dec *d, uint8_t out[MEDIA_BLOCK], size_t *out_len,
    uint8_t sha256_out[MEDIA_SHA256_LEN])
{
	uint8_t digest[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	unsigned dlen = 0;
	int n = 0;

	*out_len = 0;
	if (d->err != 0)
		return d->err;
	d->err = -MEDIA_FAULT_CRYPTO;	/* until proven otherwise */
	if (d->tail_len < MEDIA_MAC_LEN || d->enc_total < MEDIA_MAC_LEN + MEDIA_BLOCK ||
	    (d->enc_total - MEDIA_MAC_LEN) % MEDIA_BLOCK != 0)
		return d->err = -MEDIA_FAULT_TRUNCATED;
	if (EVP_DigestFinal_ex(d->s.enc_sha, digest, &dlen) <= 0)
		return d->err;
	if (d->check_enc && CRYPTO_memcmp(digest, d->enc_sha256, MEDIA_SHA256_LEN) != 0)
		return d->err = -MEDIA_FAULT_ENC_SHA256;
	if (EVP_MAC_final(d->s.hmac, mac, &maclen, sizeof(mac)) <= 0 || maclen < 32)
		return d->err;
	if (CRYPTO_memcmp(mac, d->tail, MEDIA_MAC_LEN) != 0)
		return d->err = -MEDIA_FAULT_MAC;
	if (EVP_DecryptFinal_ex(d->s.aes, out, &n) <= 0)
		return d->err = -MEDIA_FAULT_PADDING;
	if (EVP_DigestUpdate(d->s.plain_sha, out, (size_t)n) <= 0 ||
	    EVP_DigestFinal_ex(d->s.plain_sha, digest, &dlen) <= 0)
		return d->err;
	d->plain_total += (uint64_t)n;
	/* the enc cap allows up to a block more than the plaintext cap */
	if (d->max_plain > 0 && d->plain_total > d->max_plain)
		return d->err = -MEDIA_FAULT_TOO_BIG;
	if (d->check_plain && CRYPTO_memcmp(digest, d->sha256, MEDIA_SHA256_LEN) != 0)
		return d->err = -MEDIA_FAULT_SHA256;
	if (d->file_length > 0 && d->plain_total != d->file_length)
		return d->err = -MEDIA_FAULT_LENGTH;
	if (sha256_out != NULL)
		memcpy(sha256_out, digest, MEDIA_SHA256_LEN);
	*out_len = (size_t)n;
	d->err = -EINVAL;	/* finished: no more input */
	return 0;
}

void
media_dec_free(struct media_dec *d)
{
	if (d == NULL)
		return;
	stream_free(&d->s);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

struct media_enc {
	struct media_stream	 s;
	uint64_t		 plain_total;
	uint64_t		 enc_total;
	bool			 done;
};

int
media_enc_new(const uint8_t media_key[MEDIA_KEY_LEN], enum media_type t,
    struct media_enc **out)
{
	struct media_enc *e;
	int rc;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	if ((rc = stream_init(&e->s, media_key, t, true)) != 0) {
		stream_free(&e->s);
		free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/* Ciphertext produced: MAC and enc hash run over it. */
static int
enc_account(struct media_enc *e, const uint8_t *c, size_t n)
{
	if (EVP_MAC_update(e->s.hmac, c, n) <= 0 ||
	    EVP_DigestUpdate(e->s.enc_sha, c, n) <= 0)
		return -MEDIA_FAULT_CRYPTO;
	e->enc_total += n;
	return 0;
}

int
media_enc_update(struct media_enc *e, const uint8_t *in, size_t len,
    uint8_t *out, size_t *out_len)
{
	*out_len = 0;
	if (e->done)
		return -EINVAL;
	if (EVP_DigestUpdate(e->s.plain_sha, in, len) <= 0 ||
	    cipher_step(&e->s, in, len, out, out_len) != 0)
		return -MEDIA_FAULT_CRYPTO;
	e->plain_total += len;
	return enc_account(e, out, *out_len);
}

int
media_enc_final(struct media_enc *e, uint8_t *out, size_t *out_len,
    struct media_enc_result *res)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	unsigned dlen = 0;
	int n = 0, rc;

	*out_len = 0;
	if (e->done)
		return -EINVAL;
	e->done = true;
	if (EVP_EncryptFinal_ex(e->s.aes, out, &n) <= 0)
		return -MEDIA_FAULT_CRYPTO;
	if ((rc = enc_account(e, out, (size_t)n)) != 0)
		return rc;
	if (EVP_MAC_final(e->s.hmac, mac, &maclen, sizeof(mac)) <= 0 || maclen < 32)
		return -MEDIA_FAULT_CRYPTO;
	memcpy(out + n, mac, MEDIA_MAC_LEN);
	if (EVP_DigestUpdate(e->s.enc_sha, mac, MEDIA_MAC_LEN) <= 0 ||
	    EVP_DigestFinal_ex(e->s.enc_sha, res->enc_sha256, &dlen) <= 0 ||
	    EVP_DigestFinal_ex(e->s.plain_sha, res->sha256, &dlen) <= 0)
		return -MEDIA_FAULT_CRYPTO;
	memcpy(res->mac, mac, MEDIA_MAC_LEN);
	res->file_length = e->plain_total;
	res->enc_length = e->enc_total + MEDIA_MAC_LEN;
	*out_len = (size_t)n + MEDIA_MAC_LEN;
	return 0;
}

void
media_enc_free(struct media_enc *e)
{
	if (e == NULL)
		return;
	stream_free(&e->s);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
}

int
media_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t
read_some(int fd, uint8_t *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int
media_decrypt_fd(int in_fd, int out_fd, const uint8_t media_key[MEDIA_KEY_LEN],
    enum media_type t, const struct media_expect *ex,
    uint8_t sha256_out[MEDIA_SHA256_LEN])
{
	struct media_dec *d = NULL;
	uint8_t *in = NULL, *out = NULL;
	size_t n;
	ssize_t r;
	int rc;

	if ((rc = media_dec_new(media_key, t, ex, &d)) != 0)
		return rc;
	if ((in = malloc(IO_CHUNK)) == NULL ||
	    (out = malloc(IO_CHUNK + MEDIA_BLOCK)) == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	while ((r = read_some(in_fd, in, IO_CHUNK)) > 0) {
		if ((rc = media_dec_update(d, in, (size_t)r, out, &n)) != 0 ||
		    (rc = media_write_all(out_fd, out, n)) != 0)
			goto done;
	}
	if ((rc = (int)r) != 0)
		goto done;
	if ((rc = media_dec_final(d, out, &n, sha256_out)) == 0)
		rc = media_write_all(out_fd, out, n);
done:
	if (out != NULL)
		OPENSSL_cleanse(out, IO_CHUNK + MEDIA_BLOCK);
	free(in);
	free(out);
	media_dec_free(d);
	return rc;
}

int
media_encrypt_fd(int in_fd, int out_fd, const uint8_t media_key[MEDIA_KEY_LEN],
    enum media_type t, struct media_enc_result *res)
{
	struct media_enc *e = NULL;
	uint8_t *in = NULL, *out = NULL;
	size_t n;
	ssize_t r;
	int rc;

	if ((rc = media_enc_new(media_key, t, &e)) != 0)
		return rc;
	if ((in = malloc(IO_CHUNK)) == NULL ||
	    (out = malloc(IO_CHUNK + MEDIA_BLOCK + MEDIA_MAC_LEN)) == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	while ((r = read_some(in_fd, in, IO_CHUNK)) > 0) {
		if ((rc = media_enc_update(e, in, (size_t)r, out, &n)) != 0 ||
		    (rc = media_write_all(out_fd, out, n)) != 0)
			goto done;
	}
	if ((rc = (int)r) != 0)
		goto done;
	if ((rc = media_enc_final(e, out, &n, res)) == 0)
		rc = media_write_all(out_fd, out, n);
done:
	if (in != NULL)
		OPENSSL_cleanse(in, IO_CHUNK);
	free(in);
	free(out);
	media_enc_free(e);
	return rc;
}
