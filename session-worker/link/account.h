/*
 * account.h: completing a stored ADVSignedDeviceIdentity that lacks the
 * account signature key. Sessions paired before issue 11 kept the
 * identity as the pair-device-sign reply sends it (key stripped), but
 * messages and retry receipts must carry it whole (protocol-notes §8).
 * The key is the account's (the primary phone's) identity key, which
 * the worker learns from its Signal session with our own phone; it is
 * put back only when the account signature verifies with it. Pure.
 */
#ifndef WALINK_ACCOUNT_H
#define WALINK_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the encoded identity carries accountSignatureKey. */
bool	account_has_key(const uint8_t *acct, size_t len);

/*
 * Re-encodes acct with key (32 bytes) as its accountSignatureKey into
 * out (cap bytes). -EBADE when the account signature does not verify
 * with key over our identity (ident_pub), -EALREADY when acct has a key,
 * -EBADMSG undecodable, -EMSGSIZE, -ENOMEM.
 */
int	account_add_key(const uint8_t *acct, size_t len, const uint8_t ident_pub[32],
	    const uint8_t key[32], uint8_t *out, size_t cap, size_t *out_len);

#endif
