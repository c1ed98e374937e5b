/*
 * keys.h: making a new device's credentials (protocol-notes §3, "first
 * start"): noise and identity key pairs, registration id, the first
 * signed prekey and the adv secret.
 */
#ifndef WALINK_KEYS_H
#define WALINK_KEYS_H

#include <stdint.h>

#include "creds.h"

/* A Curve25519 key pair from fresh randomness, private key clamped. */
void	keys_curve_pair(uint8_t priv[CREDS_KEY_LEN], uint8_t pub[CREDS_KEY_LEN]);

/*
 * Signs a Signal public key as Signal does: XEdDSA over its 33-byte form
 * (0x05 || key), protocol-notes §7 and §10 pitfall 11.
 */
int	keys_sign_pub(const uint8_t ident_priv[CREDS_KEY_LEN],
	    const uint8_t pub[CREDS_KEY_LEN], uint8_t sig[CREDS_SIG_LEN]);

/*
 * The first upload's one-time prekeys (812, whatsmeow and Baileys) in one
 * blob rather than 812 fsync'd files, which held the loop for seconds on
 * a busy disk: "PKB1", first id (4 bytes BE), count (4 BE), then count
 * entries of private (32) || public (32). A used key is zeroed in place.
 * Later top-ups are single "prekey-<id>" blobs.
 */
#define KEYS_PREKEY_BATCH_BLOB	"prekey-batch"
#define KEYS_PREKEY_BATCH_HDR	12
#define KEYS_PREKEY_ENTRY	64
/* The header for first/count; buf holds KEYS_PREKEY_BATCH_HDR bytes. */
void	keys_prekey_batch_header(uint8_t *buf, uint32_t first, uint32_t count);
/*
 * Where id's entry is in a batch blob: its offset, -ENOENT when the batch
 * does not hold id or the key was used, -EBADMSG for a damaged blob.
 */
long	keys_prekey_batch_find(const uint8_t *b, size_t len, uint32_t id);

/* Fills c (from creds_new()) with a new unpaired identity. 0 or -errno. */
int	keys_generate(struct creds *c);

#endif
