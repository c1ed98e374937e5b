/*
 * media_crypto.h: WhatsApp's end-to-end media encryption (what whatsmeow's
 * download.go getMediaKeys/validateMedia/downloadAndDecrypt and upload.go,
 * and Baileys' getMediaKeys/encryptedStream, do), as streaming contexts so
 * that a 100 MB video never sits in memory.
 *
 * The 32-byte mediaKey of a message is expanded with HKDF-SHA256 (no salt,
 * info "WhatsApp <Kind> Keys") to 112 bytes: iv(16) cipherKey(32)
 * macKey(32) refKey(32). The file on the CDN is
 *     AES-256-CBC-PKCS7(cipherKey, iv, plaintext) || mac
 * where mac is the first 10 bytes of HMAC-SHA256(macKey, iv || ciphertext).
 * fileEncSha256 is SHA-256 of that whole file (mac included), fileSha256
 * SHA-256 of the plaintext.
 *
 * Decryption is streamed, so the plaintext comes out before the last byte
 * has been checked: callers write it to a temporary file and keep it only
 * when media_dec_final() returns 0 (a tampered file is never stored).
 * Pure: no I/O except media_decrypt_fd/media_encrypt_fd, no logging.
 */
#ifndef WALINK_MEDIA_CRYPTO_H
#define WALINK_MEDIA_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_KEY_LEN		32
#define MEDIA_SHA256_LEN	32
#define MEDIA_MAC_LEN		10
#define MEDIA_BLOCK		16

/* Which HKDF info string a file's keys come from. */
enum media_type {
	MEDIA_IMAGE,		/* image, sticker, product (Baileys' mapping) */
	MEDIA_VIDEO,		/* video, gif, ptv */
	MEDIA_AUDIO,		/* audio, ptt */
	MEDIA_DOCUMENT,
	MEDIA_HISTORY,
	MEDIA_APP_STATE,
	MEDIA_STICKER_PACK,
	MEDIA_LINK_THUMBNAIL,
	MEDIA_TYPE_COUNT
};

/* Why a file was refused; functions return the negated value. */
enum media_fault {
	MEDIA_FAULT_NONE,
	MEDIA_FAULT_TOO_BIG = 200,	/* past the caller's size cap */
	MEDIA_FAULT_TRUNCATED,		/* not whole AES blocks plus a MAC */
	MEDIA_FAULT_ENC_SHA256,		/* fileEncSha256 differs */
	MEDIA_FAULT_MAC,		/* HMAC over iv||ciphertext differs */
	MEDIA_FAULT_PADDING,		/* PKCS#7 padding invalid */
	MEDIA_FAULT_SHA256,		/* fileSha256 of the plaintext differs */
	MEDIA_FAULT_LENGTH,		/* plaintext length differs from fileLength */
	MEDIA_FAULT_CRYPTO,		/* the crypto library failed */
	MEDIA_FAULT_OVERRUN,		/* more bytes arrive than fileLength allows */
};

struct media_keys {
	uint8_t	iv[16];
	uint8_t	cipher_key[32];
	uint8_t	mac_key[32];
	uint8_t	ref_key[32];
};

/* "WhatsApp Image Keys", ...; NULL for an unknown type. */
const char *media_type_info(enum media_type);
/* One line for a log or a hook event: "HMAC mismatch", ...; any int. */
const char *media_fault_str(int err);

/* 0, -EINVAL for an unknown type, or -MEDIA_FAULT_CRYPTO. */
int	media_keys_derive(const uint8_t media_key[MEDIA_KEY_LEN],
	    enum media_type, struct media_keys *out);
/* Zeroes keys with a wipe the optimiser keeps. */
void	media_keys_wipe(struct media_keys *);

/*
 * What the message says the file is. NULL hashes are not checked (whatsmeow
 * checks fileEncSha256 only when the message carries one; a message without
 * fileSha256 is refused by the caller, not here). file_length 0: unknown.
 * max_plain caps the plaintext (and so the download) in bytes.
 */
struct media_expect {
	const uint8_t	*enc_sha256;
	const uint8_t	*sha256;
	uint64_t	 file_length;
	uint64_t	 max_plain;
};

struct media_dec;

int	media_dec_new(const uint8_t media_key[MEDIA_KEY_LEN], enum media_type,
	    const struct media_expect *, struct media_dec **out);
/*
 * Feeds len bytes of the encrypted file; writes up to len + MEDIA_BLOCK bytes
 * of not-yet-verified plaintext to out and their count to *out_len. Returns
 * 0, -MEDIA_FAULT_TOO_BIG (the enc file alone passes the cap: stop
 * downloading) or -MEDIA_FAULT_OVERRUN (more than fileLength declared).
 * After an error every call fails the same way.
 */
int	media_dec_update(struct media_dec *, const uint8_t *in, size_t len,
	    uint8_t *out, size_t *out_len);
/*
 * The end of the file: checks fileEncSha256, the MAC, the padding, then
 * fileSha256 and the length, in that order (a failed MAC is reported before
 * the padding, so padding never answers for an unauthenticated file).
 * Writes the last up to MEDIA_BLOCK plaintext bytes to out. 0 or -fault.
 * sha256_out (may be NULL) gets the plaintext's SHA-256.
 */
int	media_dec_final(struct media_dec *, uint8_t out[MEDIA_BLOCK],
	    size_t *out_len, uint8_t sha256_out[MEDIA_SHA256_LEN]);
/* Wipes and frees. NULL-safe. */
void	media_dec_free(struct media_dec *);

struct media_enc;

/* What an upload needs in the message besides the mediaKey. */
struct media_enc_result {
	uint8_t		sha256[MEDIA_SHA256_LEN];	/* fileSha256 */
	uint8_t		enc_sha256[MEDIA_SHA256_LEN];	/* fileEncSha256 */
	uint8_t		mac[MEDIA_MAC_LEN];
	uint64_t	file_length;			/* plaintext bytes */
	uint64_t	enc_length;			/* bytes to upload */
};

int	media_enc_new(const uint8_t media_key[MEDIA_KEY_LEN], enum media_type,
	    struct media_enc **out);
/* Writes up to len + MEDIA_BLOCK bytes of ciphertext to out. */
int	media_enc_update(struct media_enc *, const uint8_t *in, size_t len,
	    uint8_t *out, size_t *out_len);
/* The last block and the MAC: out has room for MEDIA_BLOCK + MEDIA_MAC_LEN. */
int	media_enc_final(struct media_enc *, uint8_t *out, size_t *out_len,
	    struct media_enc_result *);
void	media_enc_free(struct media_enc *);

/*
 * Whole files through the contexts above, 64 KiB at a time: reads in_fd to
 * its end, writes to out_fd. Same returns, or a negative errno for I/O.
 * media_decrypt_fd leaves out_fd holding unverified bytes on failure: the
 * caller truncates or unlinks it.
 */
int	media_decrypt_fd(int in_fd, int out_fd, const uint8_t media_key[MEDIA_KEY_LEN],
	    enum media_type, const struct media_expect *,
	    uint8_t sha256_out[MEDIA_SHA256_LEN]);
int	media_encrypt_fd(int in_fd, int out_fd, const uint8_t media_key[MEDIA_KEY_LEN],
	    enum media_type, struct media_enc_result *);

/* Writes all n bytes to fd (EINTR retried): 0 or -errno. The streaming
 * functions above and media_fetch.c's download write through it. */
int	media_write_all(int fd, const uint8_t *p, size_t n);

#endif
