/*
 * msg_history.c: see msg_history.h. The HistorySync stream is walked field
 * by field at its top level as zlib hands it out: a length-delimited field
 * 15 small enough to be a mapping is collected and decoded; everything else
 * (conversations, messages, push names) is counted past and forgotten, so
 * memory stays at the zlib window plus one mapping whatever the blob holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "whatsapp_media.pb-c.h"
#include "message/msg_history.h"

#define HIST_SYNC_TYPE		5	/* ProtocolMessage.Type HISTORY_SYNC_NOTIFICATION */
#define FIELD_MAPPINGS		15	/* HistorySync.phoneNumberToLidMappings */
#define ENTRY_MAX		512	/* a mapping is two short JIDs */
#define CHUNK			65536

int
msg_history_notice(const uint8_t *pt, size_t len, struct msg_hist_notice *out)
{
	const Wa__HistorySyncNotice__ProtocolMessage *p;
	const Wa__HistorySyncNotification *h;
	Wa__HistorySyncNotice *m;
	int rc = 1;

	memset(out, 0, sizeof(*out));
	/* this view has no recursive type: protobuf-c skips the rest of a
	 * Message as unknown fields, so no nesting check is needed here */
	if ((m = wa__history_sync_notice__unpack(NULL, len, pt)) == NULL)
		return 0;
	p = m->protocolmessage;
	if (p == NULL || !p->has_type || p->type != HIST_SYNC_TYPE ||
	    (h = p->historysyncnotification) == NULL) {
		wa__history_sync_notice__free_unpacked(m, NULL);
		return 0;
	}
	out->sync_type = h->has_synctype ? h->synctype : -1;
	out->chunk_order = h->has_chunkorder ? h->chunkorder : 0;
	if (h->has_initialhistbootstrapinlinepayload &&
	    h->initialhistbootstrapinlinepayload.len > 0) {
		/* whatsmeow DownloadHistorySync: an inline payload needs no fetch */
		if (h->initialhistbootstrapinlinepayload.len > MSG_HIST_INLINE_MAX ||
		    (out->inline_payload = malloc(h->initialhistbootstrapinlinepayload.len)) == NULL)
			rc = -EBADMSG;
		else {
			memcpy(out->inline_payload, h->initialhistbootstrapinlinepayload.data,
			    h->initialhistbootstrapinlinepayload.len);
			out->inline_len = h->initialhistbootstrapinlinepayload.len;
		}
	} else if (!h->has_mediakey || h->mediakey.len != MEDIA_KEY_LEN ||
	    !h->has_filesha256 || h->filesha256.len != MEDIA_SHA256_LEN ||
	    h->directpath == NULL || h->directpath[0] != '/' ||
	    (out->direct_path = strdup(h->directpath)) == NULL) {
		rc = -EBADMSG;
	} else {
		memcpy(out->media_key, h->mediakey.data, MEDIA_KEY_LEN);
		memcpy(out->sha256, h->filesha256.data, MEDIA_SHA256_LEN);
		if (h->has_fileencsha256 && h->fileencsha256.len == MEDIA_SHA256_LEN) {
			memcpy(out->enc_sha256, h->fileencsha256.data, MEDIA_SHA256_LEN);
			out->has_enc_sha256 = true;
		}
		out->file_length = h->has_filelength ? h->filelength : 0;
	}
	wa__history_sync_notice__free_unpacked(m, NULL);
	if (rc < 0)
		msg_history_notice_fini(out);
	return rc;
}

void
msg_history_notice_fini(struct msg_hist_notice *n)
{
	free(n->direct_path);
	free(n->inline_payload);
	explicit_bzero(n, sizeof(*n));
}

enum walk_state {
	W_KEY,		/* reading a field key (varint) */
	W_VARINT,	/* skipping a varint value */
	W_LEN,		/* reading a length (varint) */
	W_SKIP,		/* skipping `left` bytes */
	W_KEEP,		/* collecting `left` bytes of a mapping */
};

struct msg_hist_reader {
	z_stream		 z;
	bool			 z_ready;
	bool			 z_end;
	int			 err;
	uint64_t		 inflated, max_inflated;
	enum walk_state		 st;
	uint64_t		 v;	/* varint being read */
	unsigned		 shift;
	uint32_t		 field;
	uint64_t		 left;
	uint8_t			 entry[ENTRY_MAX];
	size_t			 entry_len;
	struct msg_lid_pair	*pairs;
	size_t			 npairs, max_pairs, cap;
	uint8_t			*out;	/* CHUNK of inflated bytes */
};

int
msg_hist_reader_new(uint64_t max_inflated, size_t max_pairs,
    struct msg_hist_reader **out)
{
	struct msg_hist_reader *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->out = malloc(CHUNK)) == NULL) {
		free(r);
		return -ENOMEM;
	}
	if (inflateInit(&r->z) != Z_OK) {
		free(r->out);
		free(r);
		return -ENOMEM;
	}
	r->z_ready = true;
	r->max_inflated = max_inflated;
	r->max_pairs = max_pairs;
	*out = r;
	return 0;
}

void
msg_hist_reader_free(struct msg_hist_reader *r)
{
	if (r == NULL)
		return;
	if (r->z_ready)
		inflateEnd(&r->z);
	free(r->pairs);
	free(r->out);
	free(r);
}

/* "<digits>[:dev]@<server>" -> digits as a number; 0 when it is not one. */
static uint64_t
jid_user(const char *jid, const char *server)
{
	uint64_t v = 0;
	const char *p = jid;

	if (jid == NULL || *p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (p - jid >= 20 || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == ':')	/* a device part: the user is what counts */
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p != '@' || strcmp(p + 1, server) != 0)
		return 0;
	return v;
}

static void
take_entry(struct msg_hist_reader *r)
{
	Wa__PhoneNumberToLIDMapping *e;
	struct msg_lid_pair *np;
	uint64_t pn, lid;

	if ((e = wa__phone_number_to_lidmapping__unpack(NULL, r->entry_len,
	    r->entry)) == NULL)
		return;		/* one unreadable entry teaches nothing */
	pn = jid_user(e->pnjid, "s.whatsapp.net");
	lid = jid_user(e->lidjid, "lid");
	wa__phone_number_to_lidmapping__free_unpacked(e, NULL);
	if (pn == 0 || lid == 0 || r->npairs >= r->max_pairs)
		return;
	if (r->npairs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;

		if ((np = realloc(r->pairs, cap * sizeof(*np))) == NULL) {
			r->err = -ENOMEM;
			return;
		}
		r->pairs = np;
		r->cap = cap;
	}
	r->pairs[r->npairs].pn = pn;
	r->pairs[r->npairs].lid = lid;
	r->npairs++;
}

/* One step of a varint: 1 when complete (value in r->v), 0 for more, <0 bad. */
static int
varint_step(struct msg_hist_reader *r, uint8_t b)
{
	if (r->shift >= 64 || (r->shift == 63 && (b & 0x7e) != 0))
		return -EBADMSG;
	r->v |= (uint64_t)(b & 0x7f) << r->shift;
	r->shift += 7;
	return (b & 0x80) == 0;
}

/* Walks n inflated bytes of the HistorySync protobuf. */
static int
walk(struct msg_hist_reader *r, const uint8_t *p, size_t n)
{
	size_t i = 0, k;
	int done;

	while (i < n && r->err == 0) {
		switch (r->st) {
		case W_KEY:
		case W_VARINT:
		case W_LEN:
			if ((done = varint_step(r, p[i++])) < 0)
				return -EBADMSG;
			if (!done)
				break;
			if (r->st == W_VARINT) {
				r->st = W_KEY;
			} else if (r->st == W_LEN) {
				r->left = r->v;
				r->entry_len = 0;
				r->st = r->field == FIELD_MAPPINGS && r->left <= ENTRY_MAX ?
				    W_KEEP : W_SKIP;
				if (r->left == 0) {
					if (r->st == W_KEEP)
						take_entry(r);
					r->st = W_KEY;
				}
			} else {
				uint64_t key = r->v;

				if (key >> 3 == 0 || key >> 3 > UINT32_MAX)
					return -EBADMSG;
				r->field = (uint32_t)(key >> 3);
				switch (key & 7) {
				case 0: r->st = W_VARINT; break;
				case 1: r->st = W_SKIP; r->left = 8; break;
				case 2: r->st = W_LEN; break;
				case 5: r->st = W_SKIP; r->left = 4; break;
				default: return -EBADMSG;	/* groups: not in HistorySync */
				}
			}
			r->v = 0;
			r->shift = 0;
			break;
		case W_SKIP:
			k = n - i < r->left ? n - i : (size_t)r->left;
			i += k;
			if ((r->left -= k) == 0)
				r->st = W_KEY;
			break;
		case W_KEEP:
			k = n - i < r->left ? n - i : (size_t)r->left;
			memcpy(r->entry + r->entry_len, p + i, k);
			r->entry_len += k;
			i += k;
			if ((r->left -= k) == 0) {
				take_entry(r);
				r->st = W_KEY;
			}
			break;
		}
	}
	return r->err;
}

int
msg_hist_reader_feed(struct msg_hist_reader *r, const uint8_t *p, size_t n)
{
	size_t got;
	int zr;

	if (r->err != 0)
		return r->err;
	if (n > UINT32_MAX)
		return -EINVAL;
	if (r->z_end)
		return n == 0 ? 0 : (r->err = -EBADMSG);	/* bytes past the stream */
	r->z.next_in = (Bytef *)p;
	r->z.avail_in = (uInt)n;
	for (;;) {
		r->z.next_out = r->out;
		r->z.avail_out = CHUNK;
		zr = inflate(&r->z, Z_NO_FLUSH);
		if (zr == Z_MEM_ERROR)
			return r->err = -ENOMEM;
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return r->err = -EBADMSG;
		got = CHUNK - r->z.avail_out;
		if ((r->inflated += got) > r->max_inflated)
			return r->err = -E2BIG;
		if (walk(r, r->out, got) != 0)
			return r->err = r->err != 0 ? r->err : -EBADMSG;
		if (zr == Z_STREAM_END) {
			r->z_end = true;
			return r->z.avail_in > 0 ? (r->err = -EBADMSG) : 0;
		}
		if (r->z.avail_out != 0)
			return 0;	/* all input taken: more comes with the next call */
	}
}

int
msg_hist_reader_finish(struct msg_hist_reader *r, struct msg_lid_pair **pairs,
    size_t *n)
{
	*pairs = NULL;
	*n = 0;
	if (r->err != 0)
		return r->err;
	if (!r->z_end || r->st != W_KEY || r->shift != 0)
		return r->err = -EBADMSG;
	*pairs = r->pairs;
	*n = r->npairs;
	r->pairs = NULL;
	r->npairs = r->cap = 0;
	return 0;
}

int
msg_history_parse_buf(const uint8_t *p, size_t len, uint64_t max_inflated,
    size_t max_pairs, struct msg_lid_pair **pairs, size_t *n)
{
	struct msg_hist_reader *r;
	int rc;

	*pairs = NULL;
	*n = 0;
	if ((rc = msg_hist_reader_new(max_inflated, max_pairs, &r)) != 0)
		return rc;
	if ((rc = msg_hist_reader_feed(r, p, len)) == 0)
		rc = msg_hist_reader_finish(r, pairs, n);
	msg_hist_reader_free(r);
	return rc;
}

int
msg_history_parse_fd(int fd, uint64_t max_inflated, size_t max_pairs,
    struct msg_lid_pair **pairs, size_t *n)
{
	struct msg_hist_reader *r;
	uint8_t *buf;
	ssize_t got;
	int rc;

	*pairs = NULL;
	*n = 0;
	if ((buf = malloc(CHUNK)) == NULL)
		return -ENOMEM;
	if ((rc = msg_hist_reader_new(max_inflated, max_pairs, &r)) != 0) {
		free(buf);
		return rc;
	}
	for (;;) {
		got = read(fd, buf, CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			break;
		}
		if (got == 0) {
			rc = msg_hist_reader_finish(r, pairs, n);
			break;
		}
		if ((rc = msg_hist_reader_feed(r, buf, (size_t)got)) != 0)
			break;
	}
	msg_hist_reader_free(r);
	free(buf);
	return rc;
}
