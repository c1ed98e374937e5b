/*
 * msg_codec.h: the pure parts of 1:1 messaging (protocol-notes §8):
 * random padding, the Message protobuf in and out, message ids. No I/O,
 * no logging; unit tested in tests/unit/test_msg_codec.c.
 */
#ifndef WALINK_MSG_CODEC_H
#define WALINK_MSG_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* WhatsApp clients pad with n bytes of value n, 1 <= n <= 16 (§8);
 * readers accept any n up to the length (whatsmeow unpadMessage). */
#define MSG_PAD_MAX		16
/* Longest text accepted or sent: WhatsApp's 65,536-character limit in
 * UTF-8 (up to 4 bytes each) is 256 KiB. */
#define MSG_TEXT_MAX		(256u * 1024)
/* An encoded outgoing Message: the longest text in UTF-8 and room for a
 * media message's keys, caption and thumbnail. */
#define MSG_CONTENT_MAX		(MSG_TEXT_MAX * 4 + 256u * 1024)
/* A message id as WA Web and Baileys 7 make them: "3EB0" + 18
 * upper-case hex digits (Baileys generateMessageIDV2). Ids we receive
 * vary in length; see MSG_ID_MAX in msg_internal.h. */
#define MSG_ID_LEN		22
#define MSG_TYPE_NAME_MAX	48

/*
 * Strips the padding in place: *len shrinks by the last byte's value.
 * -EBADMSG when that value is 0 or above *len (any pad 1..length is
 * accepted, as whatsmeow and Baileys do: protocol-notes §8).
 */
int	msg_unpad(const uint8_t *buf, size_t *len);
/* Appends 1..16 random padding bytes: *out malloc'd. */
int	msg_pad(const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len);

enum msg_kind {
	MSG_KIND_TEXT,		/* conversation or extendedTextMessage.text */
	MSG_KIND_SKDM_ONLY,	/* only a group sender key (and context info) */
	MSG_KIND_PROTOCOL,	/* protocolMessage: revokes, history sync, keys */
	MSG_KIND_DEVICE_SENT,	/* our own other device's copy */
	MSG_KIND_UNSUPPORTED,	/* media, reactions, ...: type says which */
};

/* ProtocolMessage.type values we act on (WAProto). */
#define MSG_PROTO_HISTORY_SYNC	5
#define MSG_PROTO_LID_MIGRATION	22

/* One number -> LID pair of a LID migration sync. */
struct msg_lid_pair {
	uint64_t	pn;
	uint64_t	lid;
};

struct msg_content {
	enum msg_kind	 kind;
	char		*text;			/* TEXT and DEVICE_SENT: malloc'd UTF-8 */
	int32_t		 proto_type;		/* PROTOCOL: ProtocolMessage.type */
	struct msg_lid_pair *lid_pairs;		/* LID migration sync: malloc'd */
	size_t		 nlid_pairs;
	char		 type[MSG_TYPE_NAME_MAX];	/* "conversation", "imageMessage", "field 99" */
	/* senderKeyDistributionMessage, when present (any kind). */
	char		*skdm_group;		/* malloc'd */
	uint8_t		*skdm;			/* malloc'd */
	size_t		 skdm_len;
};

/*
 * Decodes an unpadded Message. -EBADMSG when it is not a Message
 * protobuf, -EMSGSIZE when the text passes MSG_TEXT_MAX or holds a NUL.
 * On success *c owns what it points to: msg_content_fini() frees it.
 */
int	msg_decode(const uint8_t *, size_t, struct msg_content *c);
/* Reads a protobuf base-128 varint at *off and moves past it: 0, or
 * -EBADMSG when it is cut short or longer than 64 bits. */
int	msg_pb_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v);
void	msg_content_fini(struct msg_content *);

/*
 * Encodes Message{conversation: text}, or with dest set
 * Message{deviceSentMessage{destinationJid: dest, message{conversation}}}
 * for our own other devices (§8). Not padded. *out malloc'd.
 */
int	msg_encode_text(const char *text, const char *dest, uint8_t **out,
	    size_t *len);

/*
 * Wraps an encoded Message for our own other devices:
 * Message{deviceSentMessage{destinationJid: dest, message}} (whatsmeow
 * send.go sendDM). -EINVAL when pb is not a Message.
 */
int	msg_wrap_device_sent(const uint8_t *pb, size_t len, const char *dest,
	    uint8_t **out, size_t *outlen);

/* A new message id, NUL-terminated; own_user: our number or NULL. */
void	msg_new_id(char out[MSG_ID_LEN + 1], const char *own_user);

#endif
