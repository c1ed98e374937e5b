/*
 * ipc_msg.c: IPC envelopes: pack, unpack with version and size checks,
 * error replies (see ipc.h). No sockets here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "wl_error.h"

/* Protobuf wire types (protobuf encoding spec, "Message Structure"). */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

struct rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;	/* off <= len always holds */
};

static int
rd_varint(struct rd *r, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 7) {
		if (r->off == r->len)
			return -EBADMSG;
		v |= (uint64_t)(r->p[r->off] & 0x7f) << shift;
		if ((r->p[r->off++] & 0x80) == 0) {
			*out = v;
			return 0;
		}
	}
	return -EBADMSG;	/* more than 10 bytes */
}

static int
rd_skip(struct rd *r, uint64_t n)
{
	if (n > r->len - r->off)	/* subtract, never add */
		return -EBADMSG;
	r->off += (size_t)n;
	return 0;
}

int
ipc_envelope_peek(const uint8_t *buf, size_t len, struct ipc_envelope *out)
{
	struct rd r = { buf, len, 0 };
	struct ipc_envelope e = { 0 };
	uint64_t key, v;
	int rc;

	while (r.off < r.len) {
		if ((rc = rd_varint(&r, &key)) < 0)
			return rc;
		switch (key & 7) {
		case WT_VARINT:
			if ((rc = rd_varint(&r, &v)) < 0)
				return rc;
			if (key >> 3 == 1) {
				/* uint32 takes a varint's low 32 bits */
				e.version = (uint32_t)v;
				e.has_version = true;
			} else if (key >> 3 == 2) {
				e.id = v;
				e.has_id = true;
			}
			break;
		case WT_I64:
			rc = rd_skip(&r, 8);
			break;
		case WT_I32:
			rc = rd_skip(&r, 4);
			break;
		case WT_LEN:
			if ((rc = rd_varint(&r, &v)) == 0)
				rc = rd_skip(&r, v);
			break;
		default:	/* groups: ipc.proto has none */
			return -EBADMSG;
		}
		if (rc < 0)
			return rc;
	}
	if (!e.has_version && !e.has_id)
		return -EBADMSG;
	*out = e;
	return 0;
}

/*
 * Field 1 of Request, Reply and Event is `uint32 version`; protoc-c sorts
 * a descriptor's fields by number, so it is fields[0].
 */
static uint32_t
ipc_version_of(const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *f = &m->descriptor->fields[0];

	if (f->id != 1 || f->type != PROTOBUF_C_TYPE_UINT32)
		return 0;
	return *(const uint32_t *)((const char *)m + f->offset);
}

/*
 * protobuf-c takes a tag for field 0 when it arrives as a multi-byte varint
 * (80 00, 85 00, ...) and keeps it as an unknown field, but refuses the
 * same field in its one-byte form, which is how it packs it again. Field 0
 * is never valid protobuf: refuse it anywhere in the message, so what we
 * accept always packs back into something we accept (fuzz_ipc_request).
 */
static bool
has_field_zero(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const ProtobufCMessage *sub;
	unsigned i;
	size_t j, n;

	for (i = 0; i < m->n_unknown_fields; i++)
		if (m->unknown_fields[i].tag == 0)
			return true;
	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *at = (const char *)m + f->offset;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		/* a oneof member shares its storage: read it only when chosen */
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 &&
		    *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(const size_t *)((const char *)m + f->quantifier_offset);
			for (j = 0; j < n; j++)
				if (has_field_zero((*(ProtobufCMessage *const *const *)at)[j]))
					return true;
		} else if ((sub = *(ProtobufCMessage *const *)at) != NULL &&
		    has_field_zero(sub))
			return true;
	}
	return false;
}

static int
ipc_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
    size_t len, ProtobufCMessage **out)
{
	struct ipc_envelope e;
	ProtobufCMessage *m;
	int rc;

	if (len > WL_IPC_MSG_MAX)	/* refuse before protobuf-c allocates */
		return -EMSGSIZE;
	if ((rc = ipc_envelope_peek(buf, len, &e)) < 0)
		return rc;
	if (!e.has_version)
		return -EBADMSG;
	if (e.version != WL_IPC_VERSION)
		return -WL_EVERSION;
	if ((m = protobuf_c_message_unpack(d, NULL, len, buf)) == NULL)
		return -EBADMSG;
	if (has_field_zero(m)) {
		protobuf_c_message_free_unpacked(m, NULL);
		return -EBADMSG;
	}
	if (ipc_version_of(m) != WL_IPC_VERSION) {	/* the decoder's word */
		protobuf_c_message_free_unpacked(m, NULL);
		return -WL_EVERSION;
	}
	*out = m;
	return 0;
}

int
ipc_request_unpack(const uint8_t *buf, size_t len, Wlipc__Request **out)
{
	ProtobufCMessage *m;
	Wlipc__Request *rq;
	int rc;

	if ((rc = ipc_unpack(&wlipc__request__descriptor, buf, len, &m)) < 0)
		return rc;
	rq = (Wlipc__Request *)m;
	if (rq->body_case == WLIPC__REQUEST__BODY__NOT_SET) {
		ipc_request_free(rq);
		return -WL_ENOBODY;
	}
	*out = rq;
	return 0;
}

int
ipc_reply_unpack(const uint8_t *buf, size_t len, Wlipc__Reply **out)
{
	ProtobufCMessage *m;
	Wlipc__Reply *rp;
	int rc;

	if ((rc = ipc_unpack(&wlipc__reply__descriptor, buf, len, &m)) < 0)
		return rc;
	rp = (Wlipc__Reply *)m;
	if (rp->error == NULL && rp->body_case == WLIPC__REPLY__BODY__NOT_SET) {
		ipc_reply_free(rp);
		return -WL_ENOBODY;
	}
	*out = rp;
	return 0;
}

int
ipc_event_unpack(const uint8_t *buf, size_t len, Wlipc__Event **out)
{
	ProtobufCMessage *m;
	Wlipc__Event *ev;
	int rc;

	if ((rc = ipc_unpack(&wlipc__event__descriptor, buf, len, &m)) < 0)
		return rc;
	ev = (Wlipc__Event *)m;
	if (ev->body_case == WLIPC__EVENT__BODY__NOT_SET) {
		ipc_event_free(ev);
		return -WL_ENOBODY;
	}
	*out = ev;
	return 0;
}

void
ipc_request_free(Wlipc__Request *rq)
{
	if (rq != NULL)
		wlipc__request__free_unpacked(rq, NULL);
}

void
ipc_reply_free(Wlipc__Reply *rp)
{
	if (rp != NULL)
		wlipc__reply__free_unpacked(rp, NULL);
}

void
ipc_event_free(Wlipc__Event *ev)
{
	if (ev != NULL)
		wlipc__event__free_unpacked(ev, NULL);
}

/*
 * True if every required field of m (recursively) is present, so packing
 * sends what the peer's unpack will accept. Not protobuf_c_message_check:
 * libsignal-protocol-c exports its bundled protobuf-c 1.1.1, whose check
 * does not know oneofs (it reads a oneof string as a submessage and
 * crashes), and link order decides which copy a binary calls.
 */
static bool
ipc_msg_complete(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const ProtobufCFieldDescriptor *f;
	const char *base = (const char *)m;
	void *const *ptrs;
	size_t i, j, n;

	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
			continue;	/* another member of the oneof is set */
		if (f->type != PROTOBUF_C_TYPE_MESSAGE &&
		    f->type != PROTOBUF_C_TYPE_STRING)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(const size_t *)(base + f->quantifier_offset);
			ptrs = *(void *const *const *)(base + f->offset);
		} else {
			n = 1;
			ptrs = (void *const *)(base + f->offset);
		}
		for (j = 0; j < n; j++) {
			if (ptrs[j] == NULL) {
				if (f->label != PROTOBUF_C_LABEL_OPTIONAL)
					return false;
			} else if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    !ipc_msg_complete(ptrs[j])) {
				return false;
			}
		}
	}
	return true;
}

static int
ipc_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
	uint8_t *buf;
	size_t n;

	if (!ipc_msg_complete(m))
		return -EINVAL;
	if ((n = protobuf_c_message_get_packed_size(m)) > WL_IPC_MSG_MAX)
		return -EMSGSIZE;
	if ((buf = malloc(n > 0 ? n : 1)) == NULL)
		return -ENOMEM;
	if (protobuf_c_message_pack(m, buf) != n) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*len = n;
	return 0;
}

int
ipc_request_pack(Wlipc__Request *rq, uint8_t **out, size_t *len)
{
	rq->version = WL_IPC_VERSION;
	return ipc_pack(&rq->base, out, len);
}

int
ipc_reply_pack(Wlipc__Reply *rp, uint8_t **out, size_t *len)
{
	rp->version = WL_IPC_VERSION;
	return ipc_pack(&rp->base, out, len);
}

int
ipc_event_pack(Wlipc__Event *ev, uint8_t **out, size_t *len)
{
	ev->version = WL_IPC_VERSION;
	return ipc_pack(&ev->base, out, len);
}

Wlipc__ErrorCode
ipc_errcode_for(int rc)
{
	switch (rc) {
	case 0:
		return WLIPC__ERROR_CODE__ERR_NONE;
	case -WL_EVERSION:
		return WLIPC__ERROR_CODE__ERR_BAD_VERSION;
	case -EBADMSG:
	case -EMSGSIZE:
	case -WL_ENOBODY:
		return WLIPC__ERROR_CODE__ERR_BAD_REQUEST;
	case -WL_EBADNUMBER:
		return WLIPC__ERROR_CODE__ERR_INVALID_NUMBER;
	case -EEXIST:
		return WLIPC__ERROR_CODE__ERR_DUPLICATE;
	case -ENOENT:
		return WLIPC__ERROR_CODE__ERR_NOT_FOUND;
	default:
		return WLIPC__ERROR_CODE__ERR_INTERNAL;
	}
}

Wlipc__Reply *
ipc_reply_new(uint64_t id)
{
	Wlipc__Reply *rp;

	if ((rp = malloc(sizeof(*rp))) == NULL)
		return NULL;
	wlipc__reply__init(rp);
	rp->version = WL_IPC_VERSION;
	rp->id = id;
	return rp;
}

Wlipc__Reply *
ipc_reply_error(uint64_t id, Wlipc__ErrorCode code, const char *message)
{
	Wlipc__Reply *rp;
	Wlipc__Error *e;

	if ((rp = ipc_reply_new(id)) == NULL)
		return NULL;
	if ((e = malloc(sizeof(*e))) == NULL)
		goto out_free_reply;
	wlipc__error__init(e);
	rp->error = e;
	e->code = code;
	if ((e->message = strdup(message != NULL ? message : "")) == NULL)
		goto out_free_reply;
	return rp;

out_free_reply:
	ipc_reply_free(rp);
	return NULL;
}

int
ipc_reply_add_invalid(Wlipc__Reply *rp, const char *input)
{
	Wlipc__Error *e = rp->error;
	char **v, *s;

	if (e == NULL)
		return -EINVAL;
	if ((s = strdup(input)) == NULL)
		return -ENOMEM;
	if ((v = reallocarray(e->invalid, e->n_invalid + 1,
	    sizeof(*v))) == NULL) {
		free(s);
		return -ENOMEM;
	}
	v[e->n_invalid++] = s;
	e->invalid = v;
	return 0;
}
