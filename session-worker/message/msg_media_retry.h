/*
 * msg_media_retry.h: the stanzas of a media retry (media/media_retry.h has
 * the crypto): the <receipt type="server-error"> a companion sends to its
 * own phone when the CDN no longer has a file, and the
 * <notification type="mediaretry"> the phone answers with. Shapes follow
 * whatsmeow mediaretry.go SendMediaRetryReceipt and
 * parseMediaRetryNotification (Baileys encryptMediaRetryRequest,
 * decodeMediaRetryNode). Pure: no I/O, no logging.
 */
#ifndef WALINK_MSG_MEDIA_RETRY_H
#define WALINK_MSG_MEDIA_RETRY_H

#include "media/media_retry.h"

struct bn_node;

/*
 * <receipt id to=own_jid type=server-error><encrypt><enc_p/><enc_iv/>
 * </encrypt><rmr jid=chat from_me=false/></receipt>; NULL on failure.
 * own_jid is our account without a device ("123@s.whatsapp.net").
 */
struct bn_node	*msg_media_retry_receipt(const char *id, const char *own_jid,
		    const char *chat, const uint8_t media_key[MEDIA_KEY_LEN]);

/* The message id a mediaretry notification answers, or NULL if it is none. */
const char	*msg_media_retry_id(const struct bn_node *n);

/*
 * Reads a mediaretry notification for the message whose key is media_key:
 * 0 and *out (result and directPath), -EREMOTEIO with *code when the phone
 * answered <error code>, -EBADMSG when it is malformed or does not open.
 */
int		 msg_media_retry_read(const struct bn_node *n,
		    const uint8_t media_key[MEDIA_KEY_LEN],
		    struct media_retry_answer *out, int *code);

#endif
