/*
 * xeddsa.h: XEdDSA signatures over Curve25519 keys (the Signal scheme),
 * which WhatsApp uses for the Noise certificate chain (protocol-notes §2)
 * and for pair-device-sign (§4). Keys here are the raw 32 bytes, never the
 * 33-byte 0x05 form (protocol-notes §10 item 11): the prefix is added
 * inside, where libsignal-protocol-c wants it. Nothing here logs.
 */
#ifndef WALINK_XEDDSA_H
#define WALINK_XEDDSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XEDDSA_KEY_LEN	32
#define XEDDSA_SIG_LEN	64

/* True only for a valid signature of msg by pub. */
bool	xeddsa_verify(const uint8_t pub[static XEDDSA_KEY_LEN],
	    const uint8_t *msg, size_t len, const uint8_t sig[static XEDDSA_SIG_LEN]);

/* Signs msg with priv (randomised, so two calls give different bytes). */
int	xeddsa_sign(const uint8_t priv[static XEDDSA_KEY_LEN],
	    const uint8_t *msg, size_t len, uint8_t sig[static XEDDSA_SIG_LEN]);

#endif
