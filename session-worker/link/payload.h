/*
 * payload.h: the ClientPayload the Noise handshake carries in its last
 * message (protocol-notes §4): a registration for a device not yet paired,
 * a login for one that is. Encoded with protoc-c from proto/whatsapp.proto.
 */
#ifndef WALINK_PAYLOAD_H
#define WALINK_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Baileys 7's WhatsApp Web version; a 405 failure means it is too old. */
#define WA_VERSION_DEFAULT	"2.3000.1043857760"
/* The name the phone lists this linked device under. */
#define WA_DEVICE_NAME_DEFAULT	"walink"

struct wa_version {
	uint32_t	primary, secondary, tertiary;
};

/* Parses "2.3000.1043857760"; -EINVAL on anything else. */
int	wa_version_parse(const char *, struct wa_version *out);

struct wa_login {
	uint64_t	 username;	/* the phone number as an integer */
	uint32_t	 device;	/* our device number in the account */
	const char	*push_name;	/* NULL: not sent */
};

struct wa_registration {
	uint32_t	 registration_id;	/* 14 random bits (Signal) */
	const uint8_t	*identity_pub;		/* 32 bytes, no 0x05 prefix */
	uint32_t	 signed_prekey_id;	/* < 2^24 */
	const uint8_t	*signed_prekey_pub;	/* 32 bytes */
	const uint8_t	*signed_prekey_sig;	/* 64 bytes, XEdDSA */
	const char	*device_name;		/* NULL: WA_DEVICE_NAME_DEFAULT */
};

/*
 * Encode a payload into a malloc'd buffer the caller frees. 0, -EINVAL
 * for a field out of range, -ENOMEM.
 */
int	wa_payload_login(const struct wa_version *, const struct wa_login *,
	    uint8_t **out, size_t *len);
int	wa_payload_register(const struct wa_version *,
	    const struct wa_registration *, uint8_t **out, size_t *len);

#endif
