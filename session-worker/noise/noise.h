/*
 * noise.h: Noise_XX_25519_AESGCM_SHA256 as WhatsApp runs it (protocol-notes
 * §2), initiator side only, plus the certificate chain the server proves
 * its static key with. One event loop, no locking.
 *
 * Layers, bottom up, each usable alone (the textbook vectors drive the
 * lower two directly):
 *   noise_cipher     CipherState: AES-256-GCM, 8 zero bytes + 32-bit BE n
 *   noise_symmetric  SymmetricState: h, ck, MixHash, MixKey, Split
 *   noise_cert       CertChain verification against a trust root
 *   noise_hs         the WhatsApp XX initiator (hello, read hello, finish)
 *
 * Every action returns 0 or a negative errno; the refusal codes below are
 * distinct so a caller can say why a handshake failed. Nothing here logs.
 * Private keys live in fixed arrays inside sodium_malloc'd objects and are
 * wiped when no longer needed and on _free().
 */
#ifndef WALINK_NOISE_H
#define WALINK_NOISE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOISE_KEY_LEN	32	/* Curve25519 keys, AES-256 keys */
#define NOISE_HASH_LEN	32	/* SHA-256 */
#define NOISE_TAG_LEN	16	/* AES-GCM tag, appended to every ciphertext */
#define NOISE_PROLOGUE_LEN 4	/* "WA" 6 3: protocol-notes §1, §2 */

/*
 * Valid nonces are 0 .. 2^32 - 2: the counter is 32 bits on the wire
 * (protocol-notes §2) and, as in the Noise spec's 2^64 - 1, the top value
 * is reserved. Reaching it is an error, never a wrap.
 */
#define NOISE_NONCE_MAX	UINT32_MAX

/*
 * Ceilings for handshake messages (HandshakeMessage protobufs, without the
 * frame's 3-byte length). A real server hello is ~350 bytes and a real
 * ClientPayload ~100-600 bytes (wa-noise-handshake.json, protocol-notes
 * §4); these leave a wide margin yet keep hostile input small.
 */
#define NOISE_SERVER_HELLO_MAX	8192
#define NOISE_CLIENT_PAYLOAD_MAX 8192
#define NOISE_CLIENT_HELLO_LEN	36	/* 12 22 0a 20 + ephemeral */
#define NOISE_CLIENT_FINISH_MAX	(NOISE_CLIENT_PAYLOAD_MAX + 128)

/* Refusal codes (negative errno values). */
#define NOISE_ERR_AEAD		(-EBADMSG)	/* tag mismatch: sticky */
#define NOISE_ERR_NONCE		(-EOVERFLOW)	/* counter reached the max */
#define NOISE_ERR_MALFORMED	(-EPROTO)	/* protobuf, lengths, fields */
#define NOISE_ERR_CERT_SIG	(-EKEYREJECTED)	/* a chain signature is bad */
#define NOISE_ERR_CERT_TIME	(-EKEYEXPIRED)	/* now outside a validity */
#define NOISE_ERR_CERT_ISSUER	(-ENOKEY)	/* issuer serials don't link */
#define NOISE_ERR_CERT_KEY	(-EBADE)	/* leaf key != server static */
#define NOISE_ERR_STATE		(-EINVAL)	/* call in the wrong phase */

/* WhatsApp's certificate root (protocol-notes §2). */
extern const uint8_t noise_wa_root_key[NOISE_KEY_LEN];
/* The 4-byte WA header, hashed as the prologue (protocol-notes §2). */
extern const uint8_t noise_wa_prologue[NOISE_PROLOGUE_LEN];

/*
 * AES-256-GCM backend. libsodium's AES-NI code when the CPU has it, else
 * OpenSSL's EVP. The choice is made when a cipher state gets its key;
 * WALINK_FORCE_OPENSSL_GCM=1 in the environment (read once) or
 * noise_gcm_force_openssl(true) selects OpenSSL for every later key.
 */
void		 noise_gcm_force_openssl(bool);
const char	*noise_gcm_backend_name(void);	/* "libsodium" or "openssl" */

/*
 * CipherState. encrypt writes len + NOISE_TAG_LEN bytes, decrypt len -
 * NOISE_TAG_LEN; out may equal in. cap is out's size (-ENOBUFS if short).
 * ad may be NULL when adlen is 0. A failed decrypt (NOISE_ERR_AEAD) makes
 * the state fail every later call: only a new handshake revives a link.
 */
struct noise_cipher;
int	 noise_cipher_new(struct noise_cipher **, const uint8_t key[static NOISE_KEY_LEN]);
void	 noise_cipher_free(struct noise_cipher *);
int	 noise_cipher_encrypt(struct noise_cipher *, const uint8_t *ad,
	    size_t adlen, const uint8_t *in, size_t len, uint8_t *out,
	    size_t cap, size_t *outlen);
int	 noise_cipher_decrypt(struct noise_cipher *, const uint8_t *ad,
	    size_t adlen, const uint8_t *in, size_t len, uint8_t *out,
	    size_t cap, size_t *outlen);
uint64_t noise_cipher_nonce(const struct noise_cipher *);
int	 noise_cipher_set_nonce(struct noise_cipher *, uint64_t);	/* tests */
const char *noise_cipher_backend_name(const struct noise_cipher *);

/*
 * SymmetricState (Noise spec §5.2). A name of at most 32 bytes is used as
 * h and ck directly (zero-padded), a longer one is hashed. Before the
 * first MixKey, EncryptAndHash copies and hashes the plaintext (textbook).
 * split() hands over two fresh cipher states: first for the initiator's
 * sending, second for its receiving; the caller frees both.
 */
struct noise_symmetric;
int	 noise_symmetric_new(struct noise_symmetric **, const char *protocol_name);
void	 noise_symmetric_free(struct noise_symmetric *);
void	 noise_symmetric_mix_hash(struct noise_symmetric *, const uint8_t *, size_t);
int	 noise_symmetric_mix_key(struct noise_symmetric *, const uint8_t *, size_t);
int	 noise_symmetric_encrypt_and_hash(struct noise_symmetric *,
	    const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);
int	 noise_symmetric_decrypt_and_hash(struct noise_symmetric *,
	    const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);
int	 noise_symmetric_split(struct noise_symmetric *, struct noise_cipher **c1,
	    struct noise_cipher **c2);
void	 noise_symmetric_hash(const struct noise_symmetric *,
	    uint8_t out[static NOISE_HASH_LEN]);

/*
 * Verifies a CertChain (protocol-notes §2): intermediate signed by root
 * with issuerSerial 0, leaf signed by the intermediate's key with
 * issuerSerial = intermediate.serial, now (Unix seconds) inside both
 * validity windows, and leaf.key == server_static.
 */
int	 noise_cert_verify(const uint8_t *chain, size_t len,
	    const uint8_t root[static NOISE_KEY_LEN], uint64_t now,
	    const uint8_t server_static[static NOISE_KEY_LEN]);

/*
 * The WhatsApp XX initiator. Phases, in order: write_hello, read_hello,
 * write_finish, split; a call out of order returns NOISE_ERR_STATE, and
 * after a failed read every call returns that failure again.
 * The outputs are HandshakeMessage protobufs for transport/frame.h to
 * frame (the intro bytes are the frame writer's business, not ours).
 */
struct noise_hs_config {
	uint8_t		 static_priv[NOISE_KEY_LEN];	/* our Noise key pair */
	uint8_t		 static_pub[NOISE_KEY_LEN];
	const uint8_t	*root;		/* NULL: noise_wa_root_key */
	uint64_t	 now;		/* Unix seconds; 0: the wall clock */
};

struct noise_hs;
int	 noise_hs_new(struct noise_hs **, const struct noise_hs_config *);
void	 noise_hs_free(struct noise_hs *);
/* Test hook: replaces the random ephemeral; only before write_hello. */
int	 noise_hs_set_ephemeral(struct noise_hs *, const uint8_t priv[static NOISE_KEY_LEN]);
int	 noise_hs_write_hello(struct noise_hs *, uint8_t *out, size_t cap, size_t *outlen);
int	 noise_hs_read_hello(struct noise_hs *, const uint8_t *, size_t);
/* payload is the encoded ClientPayload (protocol-notes §4). */
int	 noise_hs_write_finish(struct noise_hs *, const uint8_t *payload, size_t plen,
	    uint8_t *out, size_t cap, size_t *outlen);
/* Hands over the transport ciphers: send is ours, recv the server's. */
int	 noise_hs_split(struct noise_hs *, struct noise_cipher **send,
	    struct noise_cipher **recv);
void	 noise_hs_hash(const struct noise_hs *, uint8_t out[static NOISE_HASH_LEN]);
/* The server static key, valid once read_hello succeeded (public). */
const uint8_t *noise_hs_peek_server_static(const struct noise_hs *);

#endif
