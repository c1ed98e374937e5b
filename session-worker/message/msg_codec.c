/*
 * msg_codec.c: padding, the Message protobuf and message ids
 * (protocol-notes §8, §11). The type name of an unsupported message is
 * read from the first field set, so a log can say "imageMessage" without
 * our .proto knowing every message type.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "whatsapp.pb-c.h"

#include "msg_codec.h"
#include "msg_typed.h"

int
msg_unpad(const uint8_t *buf, size_t *len)
{
	uint8_t n;

	if (*len == 0)
		return -EBADMSG;
	n = buf[*len - 1];
	if (n == 0 || n > *len)
		return -EBADMSG;
	*len -= n;
	return 0;
}

int
msg_pad(const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t n = (uint8_t)(1 + randombytes_uniform(MSG_PAD_MAX));
	uint8_t *p;

	if (len > MSG_TEXT_MAX * 2)
		return -EMSGSIZE;
	if ((p = malloc(len + n)) == NULL)
		return -ENOMEM;
	memcpy(p, buf, len);
	memset(p + len, n, n);
	*out = p;
	*out_len = len + n;
	return 0;
}

/* Field numbers of Message (Baileys WAProto) for log lines. */
static const struct {
	uint32_t	 field;
	const char	*name;
} msg_types[] = {
	{ 3, "imageMessage" }, { 4, "contactMessage" }, { 5, "locationMessage" },
	{ 7, "documentMessage" }, { 8, "audioMessage" }, { 9, "videoMessage" },
	{ 10, "call" }, { 13, "contactsArrayMessage" },
	{ 16, "liveLocationMessage" }, { 26, "stickerMessage" },
	{ 28, "templateMessage" }, { 36, "listMessage" }, { 37, "viewOnceMessage" },
	{ 46, "reactionMessage" }, { 49, "pollCreationMessage" },
	{ 50, "pollUpdateMessage" }, { 53, "editedMessage" },
	{ 55, "viewOnceMessageV2" },
};

int
msg_pb_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (*off < len && shift < 64) {
		uint8_t b = p[(*off)++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return 0;
		shift += 7;
	}
	return -EBADMSG;
}

/* The first top-level field outside the ones we decode. */
static void
unknown_type(const uint8_t *p, size_t len, char out[MSG_TYPE_NAME_MAX])
{
	size_t off = 0, i;
	uint64_t key, v;

	snprintf(out, MSG_TYPE_NAME_MAX, "empty");
	while (off < len && msg_pb_varint(p, len, &off, &key) == 0) {
		uint32_t field = (uint32_t)(key >> 3);

		switch (key & 7) {
		case 0:
			if (msg_pb_varint(p, len, &off, &v) < 0)
				return;
			break;
		case 1:
			if (len - off < 8)
				return;
			off += 8;
			break;
		case 2:
			if (msg_pb_varint(p, len, &off, &v) < 0 || v > len - off)
				return;
			off += (size_t)v;
			break;
		case 5:
			if (len - off < 4)
				return;
			off += 4;
			break;
		default:
			return;
		}
		if (field == 2 || field == 35)	/* skdm, context info: not a type */
			continue;
		for (i = 0; i < sizeof(msg_types) / sizeof(msg_types[0]); i++)
			if (msg_types[i].field == field) {
				snprintf(out, MSG_TYPE_NAME_MAX, "%s", msg_types[i].name);
				return;
			}
		snprintf(out, MSG_TYPE_NAME_MAX, "field %u", field);
		return;
	}
}

static int
take_text(const char *s, char **out)
{
	size_t n = strlen(s);

	if (n > MSG_TEXT_MAX)
		return -EMSGSIZE;
	if ((*out = strdup(s)) == NULL)
		return -ENOMEM;
	return 0;
}

static int
take_skdm(const Wa__Message *m, struct msg_content *c)
{
	const Wa__Message__SenderKeyDistributionMessage *k =
	    m->senderkeydistributionmessage;

	if (k == NULL || !k->has_axolotlsenderkeydistributionmessage ||
	    k->groupid == NULL || k->axolotlsenderkeydistributionmessage.len == 0)
		return 0;
	if ((c->skdm_group = strdup(k->groupid)) == NULL ||
	    (c->skdm = malloc(k->axolotlsenderkeydistributionmessage.len)) == NULL)
		return -ENOMEM;
	memcpy(c->skdm, k->axolotlsenderkeydistributionmessage.data,
	    k->axolotlsenderkeydistributionmessage.len);
	c->skdm_len = k->axolotlsenderkeydistributionmessage.len;
	return 0;
}

/* whatsmeow message.go storeLIDSyncMessage: number -> assigned LID. */
static int
take_lid_pairs(const Wa__Message__ProtocolMessage *p, struct msg_content *c)
{
	const Wa__LIDMigrationMappingSyncMessage *s = p->lidmigrationmappingsyncmessage;
	Wa__LIDMigrationMappingSyncPayload *pl;
	size_t i, n = 0;

	if (s == NULL || !s->has_encodedmappingpayload)
		return 0;
	if ((pl = wa__lidmigration_mapping_sync_payload__unpack(NULL,
	    s->encodedmappingpayload.len, s->encodedmappingpayload.data)) == NULL)
		return 0;	/* a payload we cannot read teaches nothing */
	if (pl->n_pntolidmappings > 0 &&
	    (c->lid_pairs = calloc(pl->n_pntolidmappings, sizeof(*c->lid_pairs))) == NULL) {
		wa__lidmigration_mapping_sync_payload__free_unpacked(pl, NULL);
		return -ENOMEM;
	}
	for (i = 0; i < pl->n_pntolidmappings; i++) {
		const Wa__LIDMigrationMapping *mp = pl->pntolidmappings[i];

		if (mp->has_pn && mp->pn != 0 && mp->has_assignedlid && mp->assignedlid != 0) {
			c->lid_pairs[n].pn = mp->pn;
			c->lid_pairs[n].lid = mp->assignedlid;
			n++;
		}
	}
	c->nlid_pairs = n;
	wa__lidmigration_mapping_sync_payload__free_unpacked(pl, NULL);
	return 0;
}

int
msg_decode(const uint8_t *buf, size_t len, struct msg_content *out)
{
	struct msg_content c;
	Wa__Message *m, *inner;
	int rc = 0;

	if (len > MSG_TEXT_MAX * 2)
		return -EMSGSIZE;
	/* protobuf-c recurses without a bound: refuse nesting bombs first */
	if (msg_nesting_check(buf, len, MSG_TYPED_DEPTH) != 0)
		return -EBADMSG;
	if ((m = wa__message__unpack(NULL, len, buf)) == NULL)
		return -EBADMSG;
	memset(&c, 0, sizeof(c));
	inner = m->devicesentmessage != NULL ? m->devicesentmessage->message : NULL;
	if (m->conversation != NULL) {
		c.kind = MSG_KIND_TEXT;
		snprintf(c.type, sizeof(c.type), "conversation");
		rc = take_text(m->conversation, &c.text);
	} else if (m->extendedtextmessage != NULL &&
	    m->extendedtextmessage->text != NULL) {
		c.kind = MSG_KIND_TEXT;
		snprintf(c.type, sizeof(c.type), "extendedTextMessage");
		rc = take_text(m->extendedtextmessage->text, &c.text);
	} else if (m->devicesentmessage != NULL) {
		c.kind = MSG_KIND_DEVICE_SENT;
		snprintf(c.type, sizeof(c.type), "deviceSentMessage");
		if (inner != NULL && inner->conversation != NULL)
			rc = take_text(inner->conversation, &c.text);
	} else if (m->protocolmessage != NULL) {
		c.kind = MSG_KIND_PROTOCOL;
		snprintf(c.type, sizeof(c.type), "protocolMessage");
		c.proto_type = m->protocolmessage->has_type ?
		    m->protocolmessage->type : -1;
		rc = take_lid_pairs(m->protocolmessage, &c);
	} else {
		unknown_type(buf, len, c.type);
		c.kind = m->senderkeydistributionmessage != NULL &&
		    strcmp(c.type, "empty") == 0 ? MSG_KIND_SKDM_ONLY :
		    MSG_KIND_UNSUPPORTED;
	}
	if (rc == 0)
		rc = take_skdm(m, &c);
	wa__message__free_unpacked(m, NULL);
	if (rc < 0) {
		msg_content_fini(&c);
		return rc;
	}
	*out = c;
	return 0;
}

void
msg_content_fini(struct msg_content *c)
{
	if (c->text != NULL) {
		sodium_memzero(c->text, strlen(c->text));
		free(c->text);
	}
	free(c->skdm_group);
	free(c->skdm);
	free(c->lid_pairs);
	memset(c, 0, sizeof(*c));
}

int
msg_encode_text(const char *text, const char *dest, uint8_t **out, size_t *len)
{
	Wa__Message m = WA__MESSAGE__INIT, inner = WA__MESSAGE__INIT;
	Wa__Message__DeviceSentMessage ds = WA__MESSAGE__DEVICE_SENT_MESSAGE__INIT;
	size_t n;
	uint8_t *p;

	if (strlen(text) > MSG_TEXT_MAX)
		return -EMSGSIZE;
	if (dest != NULL) {
		inner.conversation = (char *)text;
		ds.destinationjid = (char *)dest;
		ds.message = &inner;
		m.devicesentmessage = &ds;
	} else {
		m.conversation = (char *)text;
	}
	n = wa__message__get_packed_size(&m);
	if ((p = malloc(n > 0 ? n : 1)) == NULL)
		return -ENOMEM;
	wa__message__pack(&m, p);
	*out = p;
	*len = n;
	return 0;
}

int
msg_wrap_device_sent(const uint8_t *pb, size_t len, const char *dest,
    uint8_t **out, size_t *outlen)
{
	Wa__Message m = WA__MESSAGE__INIT, *inner;
	Wa__Message__DeviceSentMessage ds = WA__MESSAGE__DEVICE_SENT_MESSAGE__INIT;
	size_t n;
	uint8_t *p;

	if ((inner = wa__message__unpack(NULL, len, pb)) == NULL)
		return -EINVAL;
	ds.destinationjid = (char *)dest;
	ds.message = inner;
	m.devicesentmessage = &ds;
	n = wa__message__get_packed_size(&m);
	if ((p = malloc(n > 0 ? n : 1)) != NULL)
		wa__message__pack(&m, p);
	wa__message__free_unpacked(inner, NULL);
	if (p == NULL)
		return -ENOMEM;
	*out = p;
	*outlen = n;
	return 0;
}

/*
 * Baileys generateMessageIDV2 (what WA Web sends): "3EB0" + the first
 * 18 hex digits of SHA-256(time as 8 bytes BE, "<user>@c.us" in 20
 * bytes, 16 random bytes), upper case.
 */
void
msg_new_id(char out[MSG_ID_LEN + 1], const char *own_user)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t data[8 + 20 + 16] = { 0 }, h[crypto_hash_sha256_BYTES];
	uint64_t t = (uint64_t)time(NULL);
	size_t i, ul = own_user != NULL ? strlen(own_user) : 0;

	for (i = 0; i < 8; i++)
		data[i] = (uint8_t)(t >> (56 - 8 * i));
	if (ul > 0 && ul + 5 <= 20) {
		memcpy(data + 8, own_user, ul);
		memcpy(data + 8 + ul, "@c.us", 5);
	}
	randombytes_buf(data + 28, 16);
	crypto_hash_sha256(h, data, sizeof(data));
	memcpy(out, "3EB0", 4);
	for (i = 0; i < (MSG_ID_LEN - 4) / 2; i++) {
		out[4 + 2 * i] = hex[h[i] >> 4];
		out[5 + 2 * i] = hex[h[i] & 15];
	}
	out[MSG_ID_LEN] = '\0';
}
