/*
 * hook_json.c: what the hook reads and what we take back from it. Pure:
 * no I/O, no logging.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "hook.h"

/* Sets key to a string, or leaves it out when s is NULL; -1 on bad UTF-8. */
static int
put_str(json_t *o, const char *key, const char *s)
{
	json_t *v;

	if (s == NULL)
		return 0;
	if ((v = json_string(s)) == NULL)
		return -1;
	return json_object_set_new(o, key, v);
}

static int
put_new(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

static json_t *
media_json(const struct hook_media *m, const char *type)
{
	json_t *o = json_object();

	if (o == NULL ||
	    put_new(o, "path", m->path != NULL ? json_string(m->path) : json_null()) ||
	    put_new(o, "mimetype", json_string(m->mimetype != NULL ? m->mimetype :
	    "application/octet-stream")) ||
	    put_new(o, "size", json_integer((json_int_t)m->size)) ||
	    put_str(o, "sha256", m->sha256) ||
	    put_str(o, "fileName", m->file_name) ||
	    (m->seconds > 0 &&
	    put_new(o, "seconds", json_integer((json_int_t)m->seconds))) ||
	    (strcmp(type, "audio") == 0 && put_new(o, "ptt", json_boolean(m->ptt))) ||
	    put_str(o, "error", m->error)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
contacts_json(const struct hook_input *in)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < in->n_contacts; i++) {
		json_t *c = json_pack("{s:s, s:s}",
		    "name", in->contacts[i].name != NULL ? in->contacts[i].name : "",
		    "vcard", in->contacts[i].vcard != NULL ? in->contacts[i].vcard : "");

		if (c == NULL || json_array_append_new(a, c) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The per-type fields of version 2; -1 on bad UTF-8 or no memory. */
static int
put_kind(json_t *o, const struct hook_input *in, const char *type)
{
	if (in->quoted_id != NULL) {
		json_t *q = json_object();

		if (put_new(o, "quoted", q) || put_str(q, "id", in->quoted_id) ||
		    put_new(q, "text", in->quoted_text != NULL ?
		    json_string(in->quoted_text) : json_null()))
			return -1;
	}
	if (in->media != NULL && put_new(o, "media", media_json(in->media, type)))
		return -1;
	if (in->has_location) {
		json_t *l = json_object();

		if (put_new(o, "location", l) ||
		    put_new(l, "latitude", json_real(in->latitude)) ||
		    put_new(l, "longitude", json_real(in->longitude)) ||
		    put_str(l, "name", in->place_name) ||
		    put_str(l, "address", in->address))
			return -1;
	}
	if (strcmp(type, "contacts") == 0 &&
	    put_new(o, "contacts", contacts_json(in)))
		return -1;
	if (strcmp(type, "reaction") == 0) {
		if (in->target_id == NULL ||
		    put_new(o, "reaction", json_pack("{s:s, s:s}", "emoji",
		    in->emoji != NULL ? in->emoji : "", "targetId", in->target_id)))
			return -1;
	} else if (put_str(o, "targetId", in->target_id))
		return -1;
	return 0;
}

int
hook_json_input(const struct hook_input *in, char **out, size_t *len)
{
	const char *type = in->type != NULL ? in->type : "text";
	const char *text = in->text;
	json_t *o;
	size_t tl, n;
	char *s;

	if (text == NULL && strcmp(type, "text") != 0)
		text = "";	/* a photo without caption: bots read "" */
	if (in->from == NULL || in->id == NULL || text == NULL)
		return -EINVAL;
	tl = in->text_len != 0 && in->text != NULL ? in->text_len :
	    strlen(text);
	if (tl > INT_MAX)
		return -EMSGSIZE;
	/* "s#": the text by its length, so a NUL inside stays inside */
	o = json_pack("{s:i, s:s, s:s, s:s?, s:s, s:s#, s:I}", "version", 2,
	    "type", type, "from", in->from, "pushName", in->push_name,
	    "id", in->id, "text", text, (int)tl,
	    "timestamp", (json_int_t)in->timestamp);
	if (o == NULL)
		return -EINVAL;	/* not valid UTF-8 */
	if (put_kind(o, in, type) != 0) {
		json_decref(o);
		return -EINVAL;
	}
	/* json_dumpb: the dump's length is known, not found by strlen */
	if ((n = json_dumpb(o, NULL, 0, JSON_COMPACT)) == 0 ||
	    (s = malloc(n + 1)) == NULL) {
		json_decref(o);
		return -ENOMEM;
	}
	if (json_dumpb(o, s, n, JSON_COMPACT) != n) {
		json_decref(o);
		free(s);
		return -ENOMEM;
	}
	json_decref(o);
	s[n] = '\0';
	*out = s;
	*len = n;
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

void
hook_reply_trim(const char *buf, size_t len, size_t *start, size_t *n)
{
	size_t a = 0, b = len;

	while (a < b && is_space(buf[a]))
		a++;
	while (b > a && is_space(buf[b - 1]))
		b--;
	if (b - a > HOOK_REPLY_MAX) {
		b = a + HOOK_REPLY_MAX;
		/* never end inside a UTF-8 sequence: back off continuation bytes */
		while (b > a && ((unsigned char)buf[b] & 0xc0) == 0x80)
			b--;
	}
	*start = a;
	*n = b - a;
}
