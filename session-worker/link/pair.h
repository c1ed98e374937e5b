/*
 * pair.h: completing a QR pairing (protocol-notes §4, "pair-success"):
 * verify what the phone sent with our adv secret and its account key, sign
 * our half, and build the reply. Pure: no I/O, no logging; link.c stores
 * the result and sends the reply.
 */
#ifndef WALINK_PAIR_H
#define WALINK_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "binary/bn.h"
#include "store/creds.h"

struct pair_result {
	char		jid[CREDS_JID_MAX];	/* number:device@s.whatsapp.net */
	char		lid[CREDS_JID_MAX];	/* may be empty */
	char		platform[CREDS_NAME_MAX];
	char		biz_name[CREDS_NAME_MAX];
	uint32_t	key_index;
	/* ADVSignedDeviceIdentity with our signature: whole (stored, sent in
	 * messages) and without the account key (the pair-device-sign reply). */
	uint8_t		account[CREDS_ACCOUNT_MAX];
	size_t		account_len;
	uint8_t		reply[CREDS_ACCOUNT_MAX];
	size_t		reply_len;
};

/*
 * Handles an <iq> holding <pair-success>. On success fills *out and
 * *reply (the iq result with <pair-device-sign>, caller frees).
 * Errors: -EBADMSG malformed stanza or protobuf; -EKEYREJECTED the HMAC
 * does not match our adv secret (not our QR); -EBADE the account
 * signature does not verify; -EMSGSIZE a field over its bound; -ENOMEM.
 */
int	pair_complete(const struct bn_node *iq, const struct creds *,
	    struct pair_result *out, struct bn_node **reply);

#endif
