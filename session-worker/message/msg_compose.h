/*
 * msg_compose.h: one outgoing message (issue 13, "Outbound, typed") as the
 * WAMessage bytes WhatsApp's clients send and the <message type> and
 * <enc mediatype> it travels under (whatsmeow send.go getTypeFromMessage,
 * getMediaTypeFromMessage). Fields and their order follow Baileys'
 * generateWAMessageContent / prepareWAMessageMedia /
 * generateWAMessageFromContent (its quoting); tests/vectors/compose.json
 * holds Baileys' own encoder output for each kind
 * (tests/vectors/gen-compose-vectors.js) and tests/unit/test_msg_compose.c
 * compares byte for byte. Pure: no I/O, no logging.
 */
#ifndef WALINK_MSG_COMPOSE_H
#define WALINK_MSG_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/media_crypto.h"
#include "message/msg_answer_json.h"

/* msg.h MSG_CONTENT_TYPE_MAX */
#define MSG_COMPOSE_TYPE_MAX	24

/* The message a reply quotes (ContextInfo stanzaId, participant,
 * quotedMessage). */
struct msg_compose_quote {
	const char	*id;		/* stanzaId */
	const char	*participant;	/* its sender's user JID */
	const uint8_t	*pb;		/* its unpadded Message; NULL: not kept */
	size_t		 len;
};

/* An uploaded file (media_upload.h) and what the message says of it. */
struct msg_compose_media {
	const char	*url;
	const char	*direct_path;
	const char	*mimetype;
	const char	*caption;	/* image, video, document; NULL: none */
	const char	*file_name;	/* document */
	uint8_t		 media_key[MEDIA_KEY_LEN];
	uint8_t		 sha256[MEDIA_SHA256_LEN];
	uint8_t		 enc_sha256[MEDIA_SHA256_LEN];
	uint64_t	 file_length;
	uint32_t	 seconds;	/* audio, video; 0: not said */
	bool		 ptt;		/* audio: a voice note */
	int64_t		 media_key_ts;	/* Unix s of the upload */
};

struct msg_compose_in {
	enum msg_ans_type	 type;
	const char		*text;		/* TEXT */
	struct msg_compose_media media;		/* IMAGE .. DOCUMENT */
	double			 latitude, longitude;	/* LOCATION */
	const char		*name, *address;	/* LOCATION; NULL: none */
	/* REACTION: the key of the message reacted to */
	const char		*key_remote_jid;
	bool			 key_from_me;
	const char		*key_id;
	const char		*emoji;
	int64_t			 sender_ts_ms;
	const struct msg_compose_quote *quote;	/* NULL: not a reply */
};

struct msg_composed {
	uint8_t	*pb;				/* malloc'd */
	size_t	 len;
	char	 type[MSG_COMPOSE_TYPE_MAX];	/* "text", "media", "reaction" */
	char	 mediatype[MSG_COMPOSE_TYPE_MAX];	/* "image", "ptt", ...; "" none */
};

/* 0, -EINVAL (missing field, a reaction quoting), -EMSGSIZE (past
 * MSG_CONTENT_MAX), -ENOMEM. */
int	msg_compose(const struct msg_compose_in *, struct msg_composed *out);
void	msg_composed_fini(struct msg_composed *);

/*
 * What a reply carries as quotedMessage: the content of a received
 * Message with its wrappers opened (Baileys normalizeMessageContent) and
 * its own contextInfo dropped, as Message{<kind>: content}. -EBADMSG for
 * broken framing or nothing to quote. *out malloc'd.
 */
int	msg_compose_quoted(const uint8_t *pb, size_t len, uint8_t **out,
	    size_t *out_len);

#endif
