/*
 * msg_typed.c: see msg_typed.h. Field meanings follow WAProto.proto as
 * Baileys 7 ships it; unwrapping follows Baileys' normalizeMessageContent
 * and whatsmeow's (events.Message).UnwrapRaw.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "message/msg_codec.h"
#include "message/msg_typed.h"
#include "whatsapp.pb-c.h"

static const char *const type_names[] = {
	[MSG_T_NONE] = NULL,
	[MSG_T_TEXT] = "text",
	[MSG_T_IMAGE] = "image",
	[MSG_T_VIDEO] = "video",
	[MSG_T_AUDIO] = "audio",
	[MSG_T_DOCUMENT] = "document",
	[MSG_T_STICKER] = "sticker",
	[MSG_T_LOCATION] = "location",
	[MSG_T_LIVE_LOCATION] = "live_location",
	[MSG_T_CONTACTS] = "contacts",
	[MSG_T_REACTION] = "reaction",
	[MSG_T_EDIT] = "edit",
	[MSG_T_REVOKE] = "revoke",
	[MSG_T_UNSUPPORTED] = "unsupported",
};

const char *
msg_type_name(enum msg_type t)
{
	if ((unsigned)t >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[t];
}

bool
msg_type_is_media(enum msg_type t)
{
	return t == MSG_T_IMAGE || t == MSG_T_VIDEO || t == MSG_T_AUDIO ||
	    t == MSG_T_DOCUMENT || t == MSG_T_STICKER;
}

/*
 * The objects on the paths along which a Message holds another Message;
 * every other length-delimited field is a leaf for this walk.
 */
enum nest_obj {
	N_MSG,		/* Message */
	N_DSM,		/* DeviceSentMessage: 2 message */
	N_PROTO,	/* ProtocolMessage: 14 editedMessage */
	N_FUTURE,	/* FutureProofMessage: 1 message */
	N_WITH_CTX,	/* a kind whose 17 is ContextInfo */
	N_CONTACTS,	/* ContactsArrayMessage: 2 ContactMessage, 17 ContextInfo */
	N_CTX,		/* ContextInfo: 3 quotedMessage */
	N_LEAF,
};

static enum nest_obj
nest_child(enum nest_obj o, uint32_t field)
{
	switch (o) {
	case N_MSG:
		switch (field) {
		case 31: return N_DSM;
		case 12: return N_PROTO;
		case 37: case 40: case 53: case 55: case 58: case 59:
			return N_FUTURE;
		case 13: return N_CONTACTS;
		case 3: case 4: case 5: case 6: case 7: case 8: case 9:
		case 18: case 26: case 66:
			return N_WITH_CTX;
		default: return N_LEAF;
		}
	case N_DSM:	return field == 2 ? N_MSG : N_LEAF;
	case N_PROTO:	return field == 14 ? N_MSG : N_LEAF;
	case N_FUTURE:	return field == 1 ? N_MSG : N_LEAF;
	case N_WITH_CTX: return field == 17 ? N_CTX : N_LEAF;
	case N_CONTACTS:
		return field == 2 ? N_WITH_CTX : field == 17 ? N_CTX : N_LEAF;
	case N_CTX:	return field == 3 ? N_MSG : N_LEAF;
	default:	return N_LEAF;
	}
}

/* Recursion here is bounded: at most 3 objects per Message level. */
static int
nest_walk(const uint8_t *p, size_t len, enum nest_obj o, unsigned depth,
    unsigned max)
{
	size_t off = 0;
	uint64_t key, v;
	int rc;

	if (o == N_MSG && ++depth > max)
		return -ELOOP;
	while (off < len) {
		if (msg_pb_varint(p, len, &off, &key) < 0)
			return -EBADMSG;
		switch (key & 7) {
		case 0:
			if (msg_pb_varint(p, len, &off, &v) < 0)
				return -EBADMSG;
			break;
		case 1:
			if (len - off < 8)
				return -EBADMSG;
			off += 8;
			break;
		case 5:
			if (len - off < 4)
				return -EBADMSG;
			off += 4;
			break;
		case 2: {
			enum nest_obj c;

			if (msg_pb_varint(p, len, &off, &v) < 0 || v > len - off)
				return -EBADMSG;
			c = nest_child(o, (uint32_t)(key >> 3));
			if (c != N_LEAF &&
			    (rc = nest_walk(p + off, (size_t)v, c, depth, max)) != 0)
				return rc;
			off += (size_t)v;
			break;
		}
		default:
			return -EBADMSG;	/* groups: protobuf-c refuses them too */
		}
	}
	return 0;
}

int
msg_nesting_check(const uint8_t *buf, size_t len, unsigned max_depth)
{
	return nest_walk(buf, len, N_MSG, 0, max_depth);
}

/* Copies s (may be NULL) unless it is too long. */
static int
dup_text(const char *s, char **out)
{
	if (s == NULL)
		return 0;
	if (strlen(s) > MSG_TEXT_MAX)
		return -EMSGSIZE;
	free(*out);
	if ((*out = strdup(s)) == NULL)
		return -ENOMEM;
	return 0;
}

/* Opens the wrappers WhatsApp puts around a message, boundedly. */
static const Wa__Message *
unwrap(const Wa__Message *m)
{
	unsigned i;

	for (i = 0; m != NULL && i < MSG_TYPED_DEPTH; i++) {
		const Wa__Message__FutureProofMessage *f =
		    m->ephemeralmessage != NULL ? m->ephemeralmessage :
		    m->viewoncemessage != NULL ? m->viewoncemessage :
		    m->viewoncemessagev2 != NULL ? m->viewoncemessagev2 :
		    m->viewoncemessagev2extension != NULL ?
		    m->viewoncemessagev2extension :
		    m->documentwithcaptionmessage != NULL ?
		    m->documentwithcaptionmessage :
		    m->editedmessage != NULL ? m->editedmessage : NULL;

		if (f == NULL || f->message == NULL)
			return m;
		m = f->message;
	}
	return m;
}

/* The text a message shows: its text or its media's caption. */
static const char *
shown_text(const Wa__Message *m)
{
	m = unwrap(m);
	if (m == NULL)
		return NULL;
	if (m->conversation != NULL)
		return m->conversation;
	if (m->extendedtextmessage != NULL)
		return m->extendedtextmessage->text;
	if (m->imagemessage != NULL)
		return m->imagemessage->caption;
	if (m->videomessage != NULL)
		return m->videomessage->caption;
	if (m->documentmessage != NULL)
		return m->documentmessage->caption;
	if (m->livelocationmessage != NULL)
		return m->livelocationmessage->caption;
	return NULL;
}

static int
take_context(const Wa__ContextInfo *ci, struct msg_typed *t)
{
	int rc;

	if (ci == NULL || ci->stanzaid == NULL || ci->stanzaid[0] == '\0')
		return 0;
	if ((rc = dup_text(ci->stanzaid, &t->quoted_id)) != 0)
		return rc;
	return dup_text(shown_text(ci->quotedmessage), &t->quoted_text);
}

struct media_fields {
	const char		*mimetype, *direct_path, *url, *caption;
	ProtobufCBinaryData	 key, sha256, enc_sha256;
	protobuf_c_boolean	 has_key, has_sha256, has_enc_sha256;
	uint64_t		 length;
	const Wa__ContextInfo	*ci;
};

static int
take_media(const struct media_fields *f, enum media_type crypto,
    struct msg_typed *t)
{
	struct msg_media *m = &t->media;
	int rc;

	m->crypto = crypto;
	if ((rc = dup_text(f->mimetype, &m->mimetype)) != 0 ||
	    (rc = dup_text(f->direct_path, &m->direct_path)) != 0 ||
	    (rc = dup_text(f->url, &m->url)) != 0 ||
	    (rc = dup_text(f->caption, &t->text)) != 0)
		return rc;
	/* Wrong-sized keys and hashes count as absent: the download refuses. */
	if (f->has_key && f->key.len == MEDIA_KEY_LEN) {
		memcpy(m->media_key, f->key.data, MEDIA_KEY_LEN);
		m->has_key = true;
	}
	if (f->has_sha256 && f->sha256.len == MEDIA_SHA256_LEN) {
		memcpy(m->sha256, f->sha256.data, MEDIA_SHA256_LEN);
		m->has_sha256 = true;
	}
	if (f->has_enc_sha256 && f->enc_sha256.len == MEDIA_SHA256_LEN) {
		memcpy(m->enc_sha256, f->enc_sha256.data, MEDIA_SHA256_LEN);
		m->has_enc_sha256 = true;
	}
	m->file_length = f->length;
	return take_context(f->ci, t);
}

#define MEDIA_FIELDS(x, cap) (struct media_fields){ \
	.mimetype = (x)->mimetype, .direct_path = (x)->directpath, \
	.url = (x)->url, .caption = (cap), \
	.key = (x)->mediakey, .has_key = (x)->has_mediakey, \
	.sha256 = (x)->filesha256, .has_sha256 = (x)->has_filesha256, \
	.enc_sha256 = (x)->fileencsha256, .has_enc_sha256 = (x)->has_fileencsha256, \
	.length = (x)->has_filelength ? (x)->filelength : 0, \
	.ci = (x)->contextinfo }

static int
take_contact(const Wa__Message__ContactMessage *c, struct msg_typed *t)
{
	struct msg_contact *k = &t->contacts[t->n_contacts];
	int rc;

	if ((rc = dup_text(c->displayname != NULL ? c->displayname : "", &k->name)) != 0 ||
	    (rc = dup_text(c->vcard != NULL ? c->vcard : "", &k->vcard)) != 0)
		return rc;
	t->n_contacts++;
	return 0;
}

static int
take_contacts(const Wa__Message *m, struct msg_typed *t)
{
	size_t n = m->contactmessage != NULL ? 1 :
	    m->contactsarraymessage->n_contacts, i;
	int rc;

	if (n > MSG_TYPED_CONTACTS_MAX)
		n = MSG_TYPED_CONTACTS_MAX;
	t->type = MSG_T_CONTACTS;
	if (n == 0)
		return 0;
	if ((t->contacts = calloc(n, sizeof(*t->contacts))) == NULL)
		return -ENOMEM;
	if (m->contactmessage != NULL) {
		if ((rc = take_contact(m->contactmessage, t)) != 0)
			return rc;
		return take_context(m->contactmessage->contextinfo, t);
	}
	for (i = 0; i < n; i++)
		if ((rc = take_contact(m->contactsarraymessage->contacts[i], t)) != 0)
			return rc;
	return take_context(m->contactsarraymessage->contextinfo, t);
}

static int
take_protocol(const Wa__Message__ProtocolMessage *p, struct msg_typed *t)
{
	const char *target = p->key != NULL ? p->key->id : NULL;

	if (!p->has_type || target == NULL || target[0] == '\0')
		return 0;			/* history sync, keys, settings */
	if (p->type == 0)
		t->type = MSG_T_REVOKE;
	else if (p->type == 14) {
		t->type = MSG_T_EDIT;
		if (dup_text(shown_text(p->editedmessage), &t->text) != 0)
			return -ENOMEM;
	} else
		return 0;
	return dup_text(target, &t->target_id);
}

/* Message fields we leave to the rest of the worker: not a type. */
static bool
bookkeeping_field(uint32_t f)
{
	return f == 2 || f == 15 || f == 35;
}

static const struct { uint32_t field; const char *name; } other_names[] = {
	{ 14, "highlyStructuredMessage" }, { 25, "templateMessage" },
	{ 28, "groupInviteMessage" }, { 30, "productMessage" },
	{ 36, "listMessage" }, { 39, "listResponseMessage" },
	{ 42, "buttonsMessage" }, { 43, "buttonsResponseMessage" },
	{ 45, "interactiveMessage" }, { 49, "pollCreationMessage" },
	{ 50, "pollUpdateMessage" }, { 56, "encReactionMessage" },
	{ 60, "pollCreationMessageV2" }, { 63, "pinInChatMessage" },
	{ 64, "pollCreationMessageV3" }, { 75, "eventMessage" },
};

static void
name_unsupported(const Wa__Message *m, struct msg_typed *t)
{
	size_t i, j;

	snprintf(t->other_type, sizeof(t->other_type), "empty");
	for (i = 0; i < m->base.n_unknown_fields; i++) {
		uint32_t f = m->base.unknown_fields[i].tag;

		if (bookkeeping_field(f))
			continue;
		t->type = MSG_T_UNSUPPORTED;
		snprintf(t->other_type, sizeof(t->other_type), "field %u", f);
		for (j = 0; j < sizeof(other_names) / sizeof(other_names[0]); j++)
			if (other_names[j].field == f)
				snprintf(t->other_type, sizeof(t->other_type), "%s",
				    other_names[j].name);
		return;
	}
}

static int
classify(const Wa__Message *m, struct msg_typed *t)
{
	if (m->conversation != NULL) {
		t->type = MSG_T_TEXT;
		return dup_text(m->conversation, &t->text);
	}
	if (m->extendedtextmessage != NULL && m->extendedtextmessage->text != NULL) {
		int rc;

		t->type = MSG_T_TEXT;
		if ((rc = dup_text(m->extendedtextmessage->text, &t->text)) != 0)
			return rc;
		return take_context(m->extendedtextmessage->contextinfo, t);
	}
	if (m->imagemessage != NULL) {
		t->type = MSG_T_IMAGE;
		return take_media(&MEDIA_FIELDS(m->imagemessage,
		    m->imagemessage->caption), MEDIA_IMAGE, t);
	}
	if (m->videomessage != NULL || m->ptvmessage != NULL) {
		const Wa__Message__VideoMessage *v = m->videomessage != NULL ?
		    m->videomessage : m->ptvmessage;

		t->type = MSG_T_VIDEO;
		t->media.seconds = v->has_seconds ? v->seconds : 0;
		return take_media(&MEDIA_FIELDS(v, v->caption), MEDIA_VIDEO, t);
	}
	if (m->audiomessage != NULL) {
		const Wa__Message__AudioMessage *a = m->audiomessage;

		t->type = MSG_T_AUDIO;
		t->media.seconds = a->has_seconds ? a->seconds : 0;
		t->media.ptt = a->has_ptt && a->ptt;
		return take_media(&MEDIA_FIELDS(a, NULL), MEDIA_AUDIO, t);
	}
	if (m->documentmessage != NULL) {
		const Wa__Message__DocumentMessage *d = m->documentmessage;
		int rc;

		t->type = MSG_T_DOCUMENT;
		if ((rc = dup_text(d->filename != NULL ? d->filename : d->title,
		    &t->media.file_name)) != 0)
			return rc;
		return take_media(&MEDIA_FIELDS(d, d->caption), MEDIA_DOCUMENT, t);
	}
	if (m->stickermessage != NULL) {
		t->type = MSG_T_STICKER;
		/* stickers use the image keys (Baileys MEDIA_HKDF_KEY_MAPPING) */
		return take_media(&MEDIA_FIELDS(m->stickermessage, NULL), MEDIA_IMAGE, t);
	}
	if (m->locationmessage != NULL) {
		const Wa__Message__LocationMessage *l = m->locationmessage;
		int rc;

		t->type = MSG_T_LOCATION;
		t->latitude = l->degreeslatitude;
		t->longitude = l->degreeslongitude;
		if ((rc = dup_text(l->name, &t->place_name)) != 0 ||
		    (rc = dup_text(l->address, &t->address)) != 0 ||
		    (rc = dup_text(l->comment, &t->text)) != 0)
			return rc;
		return take_context(l->contextinfo, t);
	}
	if (m->livelocationmessage != NULL) {
		const Wa__Message__LiveLocationMessage *l = m->livelocationmessage;
		int rc;

		t->type = MSG_T_LIVE_LOCATION;
		t->latitude = l->degreeslatitude;
		t->longitude = l->degreeslongitude;
		if ((rc = dup_text(l->caption, &t->text)) != 0)
			return rc;
		return take_context(l->contextinfo, t);
	}
	if (m->contactmessage != NULL || m->contactsarraymessage != NULL)
		return take_contacts(m, t);
	if (m->reactionmessage != NULL) {
		const Wa__Message__ReactionMessage *r = m->reactionmessage;
		int rc;

		if (r->key == NULL || r->key->id == NULL)
			return 0;
		t->type = MSG_T_REACTION;
		if ((rc = dup_text(r->key->id, &t->target_id)) != 0)
			return rc;
		return dup_text(r->text != NULL ? r->text : "", &t->emoji);
	}
	if (m->protocolmessage != NULL)
		return take_protocol(m->protocolmessage, t);
	name_unsupported(m, t);
	return 0;
}

int
msg_typed_decode(const uint8_t *buf, size_t len, struct msg_typed *out)
{
	Wa__Message *m;
	const Wa__Message *inner;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > MSG_TEXT_MAX * 2)
		return -EMSGSIZE;
	if ((rc = msg_nesting_check(buf, len, MSG_TYPED_DEPTH)) != 0)
		return rc;
	if ((m = wa__message__unpack(NULL, len, buf)) == NULL)
		return -EBADMSG;
	inner = unwrap(m);
	/* our own phone's copy of what it sent: the message inside */
	if (inner->devicesentmessage != NULL && inner->devicesentmessage->message != NULL)
		inner = unwrap(inner->devicesentmessage->message);
	rc = classify(inner, out);
	wa__message__free_unpacked(m, NULL);
	if (rc != 0)
		msg_typed_fini(out);
	return rc;
}

void
msg_typed_fini(struct msg_typed *t)
{
	size_t i;

	free(t->text);
	free(t->quoted_id);
	free(t->quoted_text);
	free(t->target_id);
	free(t->emoji);
	free(t->place_name);
	free(t->address);
	free(t->media.mimetype);
	free(t->media.direct_path);
	free(t->media.url);
	free(t->media.file_name);
	for (i = 0; i < t->n_contacts; i++) {
		free(t->contacts[i].name);
		free(t->contacts[i].vcard);
	}
	free(t->contacts);
	OPENSSL_cleanse(t, sizeof(*t));
}
