/*
 * seal.h: optional encryption at rest for session files (DESIGN.md Files):
 * libsodium XChaCha20-Poly1305 under a key derived from an operator-
 * supplied key file, with the file's name as associated data: a sealed
 * file copied over another name (one contact's session swapped for
 * another's) is refused. A sealed file starts with SEAL_MAGIC, so a store
 * can tell sealed from plain and migrate plain files when a key is first
 * configured. Files of the first format (SEAL_MAGIC_V1: secretbox, no
 * name bound) still open; they are written anew in this one.
 *
 * A swapped file is refused by its name; an older copy of the same file
 * put back (from a backup, or a copy taken earlier) is not, by the seal
 * alone. So whole files are sealed with a generation too (SEAL_MAGIC_V3):
 * a number that only grows, in the clear after the magic and bound as
 * associated data with the name. The store remembers the last generation
 * it wrote for each name (store_gen.c) and refuses an older one.
 */
#ifndef WALINK_SEAL_H
#define WALINK_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_MAGIC	"WLSEAL2\n"
#define SEAL_MAGIC_V1	"WLSEAL1\n"
#define SEAL_MAGIC_V3	"WLSEAL3\n"	/* with a generation */
#define SEAL_MAGIC_LEN	8
#define SEAL_KEY_LEN	32
/* magic + nonce + MAC: what sealing adds to a plaintext */
#define SEAL_OVERHEAD	(SEAL_MAGIC_LEN + 24 + 16)
/* ... and with a generation (8 bytes, big-endian) */
#define SEAL_GEN_LEN	8
#define SEAL_GEN_OVERHEAD	(SEAL_OVERHEAD + SEAL_GEN_LEN)
/* A key file is a short secret, not a document. */
#define SEAL_KEYFILE_MAX	4096
#define SEAL_KEYFILE_MIN	16

struct seal_key {
	uint8_t	k[SEAL_KEY_LEN];
};

/*
 * Derives the key from a key file's bytes (any format: raw, hex, base64;
 * at least SEAL_KEYFILE_MIN bytes). *key must be sodium memory.
 */
int	seal_key_from_bytes(const uint8_t *, size_t, struct seal_key *key);

/* Any format. */
bool	seal_is_sealed(const uint8_t *, size_t);
/* Sealed in the first format (no name bound): rewrite it. */
bool	seal_is_v1(const uint8_t *, size_t);

/* out must hold len + SEAL_OVERHEAD bytes. name: the file's name. */
int	seal_encrypt(const struct seal_key *, const char *name,
	    const uint8_t *in, size_t len, uint8_t *out, size_t *out_len);

/* With a generation: out must hold len + SEAL_GEN_OVERHEAD bytes. */
int	seal_encrypt_gen(const struct seal_key *, const char *name, uint64_t gen,
	    const uint8_t *in, size_t len, uint8_t *out, size_t *out_len);

/*
 * Any format. out must hold len - SEAL_OVERHEAD bytes. -EBADMSG when the
 * file is not sealed or is truncated; -EKEYREJECTED when the MAC fails
 * (wrong key, tampered file, or a file sealed under another name or with
 * another generation).
 */
int	seal_decrypt(const struct seal_key *, const char *name,
	    const uint8_t *in, size_t len, uint8_t *out, size_t *out_len);
/* The same; *gen gets the file's generation, 0 in formats without one. */
int	seal_decrypt_gen(const struct seal_key *, const char *name,
	    const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
	    uint64_t *gen);

#endif
