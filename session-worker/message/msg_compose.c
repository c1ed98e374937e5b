/*
 * msg_compose.c: see msg_compose.h. Written with a small protobuf writer
 * rather than protobuf-c: a quoted message is carried byte for byte
 * (protobuf-c would move the fields it does not know to the end), and
 * fields go out in field-number order as Baileys' encoder writes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/msg_codec.h"
#include "message/msg_compose.h"

/* Message field numbers (WAProto). */
enum {
	F_CONVERSATION = 1, F_IMAGE = 3, F_LOCATION = 5, F_EXT_TEXT = 6,
	F_DOCUMENT = 7, F_AUDIO = 8, F_VIDEO = 9, F_REACTION = 46,
	F_CONTEXT_INFO = 17,
};

/* A message, its quote included, never passes what msg_send_content takes. */
struct pbw {
	uint8_t	*p;
	size_t	 len, cap;
	bool	 oom;		/* out of memory or past MSG_CONTENT_MAX */
	bool	 too_big;	/* past MSG_CONTENT_MAX */
};

static void
put_raw(struct pbw *w, const void *p, size_t n)
{
	if (w->oom || n == 0)
		return;
	if (n > MSG_CONTENT_MAX - w->len) {
		w->oom = w->too_big = true;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *q;

		while (cap < w->len + n)
			cap *= 2;
		if ((q = realloc(w->p, cap)) == NULL) {
			w->oom = true;
			return;
		}
		w->p = q;
		w->cap = cap;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

static void
put_varint(struct pbw *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			b[n] |= 0x80;
		n++;
	} while (v != 0);
	put_raw(w, b, n);
}

static void
put_tag(struct pbw *w, uint32_t field, unsigned wt)
{
	put_varint(w, (uint64_t)field << 3 | wt);
}

static void
put_bytes(struct pbw *w, uint32_t field, const void *p, size_t n)
{
	put_tag(w, field, 2);
	put_varint(w, n);
	put_raw(w, p, n);
}

static void
put_str(struct pbw *w, uint32_t field, const char *s)
{
	if (s != NULL)
		put_bytes(w, field, s, strlen(s));
}

static void
put_uint(struct pbw *w, uint32_t field, uint64_t v)
{
	put_tag(w, field, 0);
	put_varint(w, v);
}

static void
put_double(struct pbw *w, uint32_t field, double d)
{
	uint8_t b[8];
	uint64_t u;
	int i;

	memcpy(&u, &d, sizeof(u));
	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(u >> (8 * i));
	put_tag(w, field, 1);
	put_raw(w, b, 8);
}

/* A nested message: field, then the writer's bytes (consumed). */
static void
put_sub(struct pbw *w, uint32_t field, struct pbw *sub)
{
	if (sub->oom) {
		w->oom = true;
		w->too_big |= sub->too_big;
	}
	else
		put_bytes(w, field, sub->p, sub->len);
	free(sub->p);
	memset(sub, 0, sizeof(*sub));
}

/* ContextInfo of a reply (Baileys generateWAMessageFromContent): 1:1
 * chats leave remoteJid out (the quoted message is in the same chat). */
static void
put_context(struct pbw *w, const struct msg_compose_quote *q, bool *bad)
{
	struct pbw ci = { 0 };
	uint8_t *qm = NULL;
	size_t qlen = 0;

	if (q == NULL)
		return;
	if (q->id == NULL || q->participant == NULL) {
		*bad = true;
		return;
	}
	put_str(&ci, 1, q->id);
	put_str(&ci, 2, q->participant);
	if (q->pb != NULL && msg_compose_quoted(q->pb, q->len, &qm, &qlen) == 0)
		put_bytes(&ci, 3, qm, qlen);
	free(qm);
	put_sub(w, F_CONTEXT_INFO, &ci);
}

/*
 * Media fields in field-number order per kind (WAProto ImageMessage,
 * VideoMessage, AudioMessage, DocumentMessage), as prepareWAMessageMedia
 * fills them: url, mimetype, caption/title, hashes, length, key,
 * directPath, mediaKeyTimestamp, contextInfo.
 */
static void
put_media(struct pbw *w, enum msg_ans_type t, const struct msg_compose_media *m,
    const struct msg_compose_quote *q, bool *bad)
{
	if (m->url == NULL || m->direct_path == NULL || m->mimetype == NULL) {
		*bad = true;
		return;
	}
	put_str(w, 1, m->url);
	put_str(w, 2, m->mimetype);
	switch (t) {
	case MSG_ANS_IMAGE:
		put_str(w, 3, m->caption);
		put_bytes(w, 4, m->sha256, MEDIA_SHA256_LEN);
		put_uint(w, 5, m->file_length);
		put_bytes(w, 8, m->media_key, MEDIA_KEY_LEN);
		put_bytes(w, 9, m->enc_sha256, MEDIA_SHA256_LEN);
		put_str(w, 11, m->direct_path);
		put_uint(w, 12, (uint64_t)m->media_key_ts);
		break;
	case MSG_ANS_VIDEO:
		put_bytes(w, 3, m->sha256, MEDIA_SHA256_LEN);
		put_uint(w, 4, m->file_length);
		if (m->seconds)
			put_uint(w, 5, m->seconds);
		put_bytes(w, 6, m->media_key, MEDIA_KEY_LEN);
		put_str(w, 7, m->caption);
		put_bytes(w, 11, m->enc_sha256, MEDIA_SHA256_LEN);
		put_str(w, 13, m->direct_path);
		put_uint(w, 14, (uint64_t)m->media_key_ts);
		break;
	case MSG_ANS_AUDIO:
		put_bytes(w, 3, m->sha256, MEDIA_SHA256_LEN);
		put_uint(w, 4, m->file_length);
		if (m->seconds)
			put_uint(w, 5, m->seconds);
		if (m->ptt)
			put_uint(w, 6, 1);
		put_bytes(w, 7, m->media_key, MEDIA_KEY_LEN);
		put_bytes(w, 8, m->enc_sha256, MEDIA_SHA256_LEN);
		put_str(w, 9, m->direct_path);
		put_uint(w, 10, (uint64_t)m->media_key_ts);
		break;
	case MSG_ANS_DOCUMENT:
		put_bytes(w, 4, m->sha256, MEDIA_SHA256_LEN);
		put_uint(w, 5, m->file_length);
		put_bytes(w, 7, m->media_key, MEDIA_KEY_LEN);
		/* Baileys names an unnamed document "file" */
		put_str(w, 8, m->file_name != NULL ? m->file_name : "file");
		put_bytes(w, 9, m->enc_sha256, MEDIA_SHA256_LEN);
		put_str(w, 10, m->direct_path);
		put_uint(w, 11, (uint64_t)m->media_key_ts);
		break;
	default:
		*bad = true;
		return;
	}
	put_context(w, q, bad);
	if (t == MSG_ANS_DOCUMENT)
		put_str(w, 20, m->caption);
}

static const char *
media_type_name(const struct msg_compose_in *in)
{
	switch (in->type) {
	case MSG_ANS_IMAGE:
		return "image";
	case MSG_ANS_VIDEO:
		return "video";
	case MSG_ANS_AUDIO:
		return in->media.ptt ? "ptt" : "audio";
	case MSG_ANS_DOCUMENT:
		return "document";
	default:
		return "";
	}
}

int
msg_compose(const struct msg_compose_in *in, struct msg_composed *out)
{
	struct pbw w = { 0 }, sub = { 0 }, key = { 0 };
	bool bad = false;
	uint32_t field = 0;

	memset(out, 0, sizeof(*out));
	switch (in->type) {
	case MSG_ANS_TEXT:
		if (in->text == NULL)
			return -EINVAL;
		if (in->quote == NULL) {
			put_str(&w, F_CONVERSATION, in->text);
			break;
		}
		put_str(&sub, 1, in->text);
		put_context(&sub, in->quote, &bad);
		field = F_EXT_TEXT;
		break;
	case MSG_ANS_IMAGE:
	case MSG_ANS_VIDEO:
	case MSG_ANS_AUDIO:
	case MSG_ANS_DOCUMENT:
		put_media(&sub, in->type, &in->media, in->quote, &bad);
		field = in->type == MSG_ANS_IMAGE ? F_IMAGE : in->type == MSG_ANS_VIDEO ?
		    F_VIDEO : in->type == MSG_ANS_AUDIO ? F_AUDIO : F_DOCUMENT;
		break;
	case MSG_ANS_LOCATION:
		put_double(&sub, 1, in->latitude);
		put_double(&sub, 2, in->longitude);
		put_str(&sub, 3, in->name);
		put_str(&sub, 4, in->address);
		put_context(&sub, in->quote, &bad);
		field = F_LOCATION;
		break;
	case MSG_ANS_REACTION:
		/* Baileys: react = {key, text, senderTimestampMs}; a reaction
		 * quotes nothing */
		if (in->key_remote_jid == NULL || in->key_id == NULL || in->emoji == NULL ||
		    in->quote != NULL)
			return -EINVAL;
		put_str(&key, 1, in->key_remote_jid);
		put_uint(&key, 2, in->key_from_me ? 1 : 0);
		put_str(&key, 3, in->key_id);
		put_sub(&sub, 1, &key);
		put_str(&sub, 2, in->emoji);
		put_uint(&sub, 4, (uint64_t)in->sender_ts_ms);
		field = F_REACTION;
		break;
	default:
		return -EINVAL;
	}
	if (field != 0)
		put_sub(&w, field, &sub);
	free(sub.p);
	if (bad || w.oom) {
		free(w.p);
		return bad ? -EINVAL : w.too_big ? -EMSGSIZE : -ENOMEM;
	}
	out->pb = w.p;
	out->len = w.len;
	/* whatsmeow getTypeFromMessage / getMediaTypeFromMessage: a location
	 * is "text" with no mediatype */
	snprintf(out->type, sizeof(out->type), "%s", in->type == MSG_ANS_REACTION ?
	    "reaction" : msg_ans_type_is_media(in->type) ? "media" : "text");
	snprintf(out->mediatype, sizeof(out->mediatype), "%s", media_type_name(in));
	return 0;
}

void
msg_composed_fini(struct msg_composed *c)
{
	free(c->pb);
	memset(c, 0, sizeof(*c));
}

/* One field at *off: its number, wire type and where its value lies
 * (for LEN: the payload; else the encoded value). */
static int
rd_field(const uint8_t *p, size_t len, size_t *off, uint32_t *field,
    unsigned *wt, size_t *vstart, size_t *vlen, size_t *start)
{
	uint64_t key, v;
	size_t o;

	*start = *off;
	if (msg_pb_varint(p, len, off, &key) != 0 || (key >> 3) == 0 || (key >> 3) > 0x1fffffff)
		return -EBADMSG;
	*field = (uint32_t)(key >> 3);
	*wt = (unsigned)(key & 7);
	o = *off;
	switch (*wt) {
	case 0:
		if (msg_pb_varint(p, len, off, &v) != 0)
			return -EBADMSG;
		break;
	case 1:
		if (len - *off < 8)
			return -EBADMSG;
		*off += 8;
		break;
	case 2:
		if (msg_pb_varint(p, len, off, &v) != 0 || v > len - *off)
			return -EBADMSG;
		o = *off;
		*off += (size_t)v;
		break;
	case 5:
		if (len - *off < 4)
			return -EBADMSG;
		*off += 4;
		break;
	default:
		return -EBADMSG;
	}
	*vstart = o;
	*vlen = *off - o;
	return 0;
}

/* Baileys normalizeMessageContent's wrappers (FutureProofMessage.message). */
static bool
is_wrapper(uint32_t f)
{
	return f == 37 || f == 40 || f == 53 || f == 55 || f == 58 || f == 59;
}

int
msg_compose_quoted(const uint8_t *pb, size_t len, uint8_t **out, size_t *out_len)
{
	struct pbw w = { 0 }, c = { 0 };
	size_t off, vs, vl, st, depth;
	uint32_t f = 0;
	unsigned wt = 0;
	bool found;

	*out = NULL;
	*out_len = 0;
	for (depth = 0; depth < 6; depth++) {
		/* getContentType: the first field that is a kind of message,
		 * skipping senderKeyDistributionMessage and messageContextInfo */
		for (off = 0, found = false; off < len && !found; ) {
			if (rd_field(pb, len, &off, &f, &wt, &vs, &vl, &st) != 0)
				return -EBADMSG;
			found = f != 2 && f != 35;
		}
		if (!found)
			return -EBADMSG;
		if (!is_wrapper(f) || wt != 2)
			break;
		/* FutureProofMessage{message = 1} */
		{
			const uint8_t *q = pb + vs;
			size_t ql = vl, o = 0, s2, v2, l2;
			uint32_t f2 = 0;
			unsigned w2 = 0;
			bool got = false;

			while (o < ql && !got) {
				if (rd_field(q, ql, &o, &f2, &w2, &s2, &l2, &v2) != 0)
					return -EBADMSG;
				got = f2 == 1 && w2 == 2;
			}
			if (!got)
				return -EBADMSG;
			pb = q + s2;
			len = l2;
		}
	}
	if (depth == 6)
		return -EBADMSG;
	if (f == F_CONVERSATION || wt != 2) {
		put_raw(&w, pb + st, off - st);	/* the field as it came */
	} else {
		/* the content without its own contextInfo */
		const uint8_t *q = pb + vs;
		size_t o = 0, s2, v2, l2;
		uint32_t f2;
		unsigned w2;

		while (o < vl) {
			if (rd_field(q, vl, &o, &f2, &w2, &v2, &l2, &s2) != 0) {
				free(c.p);
				return -EBADMSG;
			}
			if (f2 != F_CONTEXT_INFO)
				put_raw(&c, q + s2, o - s2);
		}
		if (c.len == 0 && !c.oom)
			put_bytes(&w, f, "", 0);
		else
			put_sub(&w, f, &c);
	}
	free(c.p);
	if (w.oom) {
		free(w.p);
		return -ENOMEM;
	}
	if (w.p == NULL && (w.p = malloc(1)) == NULL)
		return -ENOMEM;
	*out = w.p;
	*out_len = w.len;
	return 0;
}
