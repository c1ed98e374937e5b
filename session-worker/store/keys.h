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

/* Fills c (from creds_new()) with a new unpaired identity. 0 or -errno. */
int	keys_generate(struct creds *c);

#endif
