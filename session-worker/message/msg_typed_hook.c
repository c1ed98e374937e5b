/*
 * msg_typed_hook.c: see msg_typed.h. The bridge from a typed message to
 * the hook's input, kept apart so that hook/ knows nothing of protobufs
 * and message/ nothing of JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hook/hook.h"
#include "message/msg_typed.h"

static void
to_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
msg_typed_hook_input(const struct msg_typed *t, const char *path,
    const uint8_t *sha256, const char *error, struct hook_input *in,
    struct msg_hook_bufs *b)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	in->type = msg_type_name(t->type);
	in->text = t->text;
	in->quoted_id = t->quoted_id;
	in->quoted_text = t->quoted_text;
	if (msg_type_is_media(t->type)) {
		const struct msg_media *m = &t->media;

		if ((b->media = calloc(1, sizeof(*b->media))) == NULL)
			return -ENOMEM;
		if (sha256 == NULL && m->has_sha256)
			sha256 = m->sha256;
		if (sha256 != NULL)
			to_hex(sha256, MEDIA_SHA256_LEN, b->sha256_hex);
		b->media->path = path;
		b->media->error = path == NULL ? (error != NULL ? error :
		    "not downloaded") : NULL;
		b->media->mimetype = m->mimetype;
		b->media->size = m->file_length;
		b->media->sha256 = sha256 != NULL ? b->sha256_hex : NULL;
		b->media->file_name = m->file_name;
		b->media->seconds = m->seconds;
		b->media->ptt = m->ptt;
		in->media = b->media;
	}
	if (t->type == MSG_T_LOCATION || t->type == MSG_T_LIVE_LOCATION) {
		/* JSON has no NaN: out-of-range coordinates (NaN compares
		 * false) become 0, 0 rather than cost the bot the message */
		bool ok = t->latitude >= -90 && t->latitude <= 90 &&
		    t->longitude >= -180 && t->longitude <= 180;

		in->has_location = true;
		in->latitude = ok ? t->latitude : 0;
		in->longitude = ok ? t->longitude : 0;
		in->place_name = t->place_name;
		in->address = t->address;
	}
	if (t->n_contacts > 0) {
		if ((b->contacts = calloc(t->n_contacts, sizeof(*b->contacts))) == NULL) {
			msg_hook_bufs_fini(b);
			return -ENOMEM;
		}
		for (i = 0; i < t->n_contacts; i++) {
			b->contacts[i].name = t->contacts[i].name;
			b->contacts[i].vcard = t->contacts[i].vcard;
		}
	}
	in->contacts = b->contacts;
	in->n_contacts = t->n_contacts;
	in->emoji = t->emoji;
	in->target_id = t->target_id;
	return 0;
}

void
msg_hook_bufs_fini(struct msg_hook_bufs *b)
{
	free(b->media);
	free(b->contacts);
	memset(b, 0, sizeof(*b));
}
