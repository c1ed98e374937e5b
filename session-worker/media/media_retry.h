/*
 * media_retry.h: the crypto of WhatsApp's media retry (whatsmeow
 * mediaretry.go encryptMediaRetryReceipt / DecryptMediaRetryNotification,
 * Baileys encryptMediaRetryRequest / decryptMediaRetryData). When the CDN
 * answers 404 or 410 a companion asks the phone to upload the file again:
 * it sends <receipt type="server-error"> carrying ServerErrorReceipt
 * {stanzaId} sealed with AES-256-GCM, and the phone answers with
 * <notification type="mediaretry"> carrying MediaRetryNotification
 * {stanzaId, directPath, result} sealed the same way. The key is
 * HKDF-SHA256(mediaKey, no salt, "WhatsApp Media Retry Notification", 32),
 * the IV 12 random bytes, the additional data the message id.
 * Pure: no I/O but the random IV, no logging.
 */
#ifndef WALINK_MEDIA_RETRY_H
#define WALINK_MEDIA_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "media/media_crypto.h"

#define MEDIA_RETRY_IV_LEN	12
#define MEDIA_RETRY_TAG_LEN	16
/* Bounds on what a notification may carry (a directPath is ~100 bytes). */
#define MEDIA_RETRY_CT_MAX	4096
#define MEDIA_RETRY_PATH_MAX	1024

/* MediaRetryNotification.ResultType (WAProto). */
enum media_retry_result {
	MEDIA_RETRY_GENERAL_ERROR = 0,
	MEDIA_RETRY_SUCCESS = 1,
	MEDIA_RETRY_NOT_FOUND = 2,
	MEDIA_RETRY_DECRYPTION_ERROR = 3,
};

/* HKDF-SHA256(media_key, "WhatsApp Media Retry Notification"): 0 or -fault. */
int	media_retry_key(const uint8_t media_key[MEDIA_KEY_LEN], uint8_t out[32]);

/*
 * The receipt's sealed ServerErrorReceipt{stanzaId: msg_id}. iv is filled
 * with random bytes unless iv_given (tests pass a known one). *ct is
 * malloc'd (plaintext + 16-byte tag). 0 or negative.
 */
int	media_retry_seal_request(const uint8_t media_key[MEDIA_KEY_LEN],
	    const char *msg_id, uint8_t iv[MEDIA_RETRY_IV_LEN], int iv_given,
	    uint8_t **ct, size_t *ct_len);

/* What the phone said. */
struct media_retry_answer {
	enum media_retry_result	 result;
	char			 direct_path[MEDIA_RETRY_PATH_MAX];	/* "" if none */
};

/*
 * Opens a notification's enc_p/enc_iv for msg_id: -EBADMSG when the tag or
 * the protobuf is wrong, when its stanzaId names another message, or when
 * a SUCCESS carries no usable directPath (one starting with '/', no
 * control characters). 0 fills *out.
 */
int	media_retry_open_answer(const uint8_t media_key[MEDIA_KEY_LEN],
	    const char *msg_id, const uint8_t *iv, size_t iv_len,
	    const uint8_t *ct, size_t ct_len, struct media_retry_answer *out);

/* "the phone no longer has the file", ...: one line for a log or a hook. */
const char *media_retry_result_str(enum media_retry_result);

/* The sealing both ways, exposed for the tests and the simulator's vectors. */
int	media_retry_gcm(int encrypt, const uint8_t key[32],
	    const uint8_t iv[MEDIA_RETRY_IV_LEN], const uint8_t *aad, size_t aad_len,
	    const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);

#endif
