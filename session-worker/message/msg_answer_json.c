/*
 * msg_answer_json.c: see msg_answer_json.h. Strict about shape (unknown
 * keys, a field of another type, wrong value types are errors) so that a
 * bot's typo fails loudly in the log instead of sending half a message.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "message/msg_answer_json.h"
#include "message/msg_codec.h"

static const char *const type_names[] = {
	[MSG_ANS_TEXT] = "text", [MSG_ANS_IMAGE] = "image",
	[MSG_ANS_VIDEO] = "video", [MSG_ANS_AUDIO] = "audio",
	[MSG_ANS_DOCUMENT] = "document", [MSG_ANS_LOCATION] = "location",
	[MSG_ANS_REACTION] = "reaction",
};
#define NTYPES	(sizeof(type_names) / sizeof(type_names[0]))

/* Which keys each type takes, and which it needs. */
enum {
	K_TYPE = 1 << 0, K_TEXT = 1 << 1, K_PATH = 1 << 2, K_CAPTION = 1 << 3,
	K_FILENAME = 1 << 4, K_MIME = 1 << 5, K_PTT = 1 << 6, K_LAT = 1 << 7,
	K_LON = 1 << 8, K_NAME = 1 << 9, K_ADDRESS = 1 << 10, K_EMOJI = 1 << 11,
	K_TARGET = 1 << 12, K_QUOTE = 1 << 13,
};

static const struct {
	const char	*key;
	unsigned	 bit;
} keys[] = {
	{ "type", K_TYPE }, { "text", K_TEXT }, { "path", K_PATH },
	{ "caption", K_CAPTION }, { "fileName", K_FILENAME },
	{ "mimetype", K_MIME }, { "ptt", K_PTT }, { "latitude", K_LAT },
	{ "longitude", K_LON }, { "name", K_NAME }, { "address", K_ADDRESS },
	{ "emoji", K_EMOJI }, { "targetId", K_TARGET }, { "quote", K_QUOTE },
};

static const struct {
	unsigned	allowed, required;
} rules[] = {
	[MSG_ANS_TEXT] = { K_TEXT | K_QUOTE, K_TEXT },
	[MSG_ANS_IMAGE] = { K_PATH | K_CAPTION | K_MIME | K_QUOTE, K_PATH },
	[MSG_ANS_VIDEO] = { K_PATH | K_CAPTION | K_MIME | K_QUOTE, K_PATH },
	[MSG_ANS_AUDIO] = { K_PATH | K_PTT | K_MIME | K_QUOTE, K_PATH },
	[MSG_ANS_DOCUMENT] = { K_PATH | K_CAPTION | K_FILENAME | K_MIME | K_QUOTE,
	    K_PATH },
	[MSG_ANS_LOCATION] = { K_LAT | K_LON | K_NAME | K_ADDRESS | K_QUOTE,
	    K_LAT | K_LON },
	[MSG_ANS_REACTION] = { K_EMOJI | K_TARGET, K_EMOJI },
};

const char *
msg_ans_type_name(enum msg_ans_type t)
{
	return (unsigned)t < NTYPES ? type_names[t] : NULL;
}

bool
msg_ans_type_is_media(enum msg_ans_type t)
{
	return t == MSG_ANS_IMAGE || t == MSG_ANS_VIDEO || t == MSG_ANS_AUDIO ||
	    t == MSG_ANS_DOCUMENT;
}

static int	say(char *err, int rc, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static int
say(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err, MSG_ANS_ERR_MAX, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static void
item_fini(struct msg_ans_item *it)
{
	free(it->text);
	free(it->path);
	free(it->caption);
	free(it->file_name);
	free(it->mimetype);
	free(it->name);
	free(it->address);
	free(it->emoji);
	free(it->target_id);
	memset(it, 0, sizeof(*it));
}

void
msg_ans_fini(struct msg_ans *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		item_fini(&a->items[i]);
	a->n = 0;
}

/* A string field of at most max bytes without NUL; "" allowed when empty_ok. */
static int
take_str(json_t *v, const char *key, size_t max, bool empty_ok, size_t idx,
    char **out, char *err)
{
	size_t n;

	if (!json_is_string(v))
		return say(err, -EINVAL, "item %zu: \"%s\" must be a string", idx, key);
	n = json_string_length(v);
	if (n > max || memchr(json_string_value(v), '\0', n) != NULL)
		return say(err, -EMSGSIZE, "item %zu: \"%s\" too long or holds a NUL",
		    idx, key);
	if (n == 0 && !empty_ok)
		return say(err, -EINVAL, "item %zu: \"%s\" is empty", idx, key);
	if ((*out = strndup(json_string_value(v), n)) == NULL)
		return -ENOMEM;
	return 0;
}

static int
take_num(json_t *v, const char *key, double lo, double hi, size_t idx,
    double *out, char *err)
{
	if (!json_is_number(v))
		return say(err, -EINVAL, "item %zu: \"%s\" must be a number", idx, key);
	*out = json_number_value(v);
	if (!isfinite(*out) || *out < lo || *out > hi)
		return say(err, -EINVAL, "item %zu: \"%s\" out of range", idx, key);
	return 0;
}

static int
take_bool(json_t *v, const char *key, size_t idx, bool *out, char *err)
{
	if (!json_is_boolean(v))
		return say(err, -EINVAL, "item %zu: \"%s\" must be true or false", idx, key);
	*out = json_is_true(v);
	return 0;
}

static int
take_item(json_t *o, size_t idx, struct msg_ans_item *it, char *err)
{
	const char *k, *tn;
	unsigned seen = 0, bit;
	json_t *v, *t;
	size_t i;
	int rc = 0;

	if (!json_is_object(o))
		return say(err, -EINVAL, "item %zu: not an object", idx);
	if ((t = json_object_get(o, "type")) == NULL || !json_is_string(t))
		return say(err, -EINVAL, "item %zu: \"type\" missing or not a string", idx);
	tn = json_string_value(t);
	for (i = 0; i < NTYPES && strcmp(tn, type_names[i]) != 0; i++)
		;
	if (i == NTYPES)
		return say(err, -EINVAL, "item %zu: unknown \"type\"", idx);
	it->type = (enum msg_ans_type)i;
	json_object_foreach(o, k, v) {
		for (i = 0, bit = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(k, keys[i].key) == 0)
				bit = keys[i].bit;
		if (bit == 0)
			return say(err, -EINVAL, "item %zu: unknown key", idx);
		if (bit != K_TYPE && (rules[it->type].allowed & bit) == 0)
			return say(err, -EINVAL, "item %zu: %s takes no \"%s\"", idx,
			    type_names[it->type], k);
		seen |= bit;
		switch (bit) {
		case K_TEXT:
			rc = take_str(v, k, MSG_TEXT_MAX, false, idx, &it->text, err);
			break;
		case K_PATH:
			rc = take_str(v, k, 4095, false, idx, &it->path, err);
			break;
		case K_CAPTION:
			rc = take_str(v, k, MSG_TEXT_MAX, true, idx, &it->caption, err);
			break;
		case K_FILENAME:
			rc = take_str(v, k, MSG_ANS_NAME_MAX, false, idx, &it->file_name, err);
			break;
		case K_MIME:
			rc = take_str(v, k, 255, false, idx, &it->mimetype, err);
			break;
		case K_NAME:
			rc = take_str(v, k, MSG_ANS_NAME_MAX, true, idx, &it->name, err);
			break;
		case K_ADDRESS:
			rc = take_str(v, k, MSG_ANS_NAME_MAX, true, idx, &it->address, err);
			break;
		case K_EMOJI:
			rc = take_str(v, k, MSG_ANS_EMOJI_MAX, true, idx, &it->emoji, err);
			break;
		case K_TARGET:
			rc = take_str(v, k, 127, false, idx, &it->target_id, err);
			break;
		case K_PTT:
			rc = take_bool(v, k, idx, &it->ptt, err);
			break;
		case K_QUOTE:
			rc = take_bool(v, k, idx, &it->quote, err);
			break;
		case K_LAT:
			rc = take_num(v, k, -90, 90, idx, &it->latitude, err);
			break;
		case K_LON:
			rc = take_num(v, k, -180, 180, idx, &it->longitude, err);
			break;
		}
		if (rc != 0)
			return rc;
	}
	if ((seen & rules[it->type].required) != rules[it->type].required) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if ((rules[it->type].required & keys[i].bit) && !(seen & keys[i].bit))
				break;
		return say(err, -EINVAL, "item %zu: %s needs \"%s\"", idx,
		    type_names[it->type], keys[i].key);
	}
	return 0;
}

static int
plain_text(const char *buf, size_t len, struct msg_ans *out, char *err)
{
	if (len > MSG_TEXT_MAX || memchr(buf, '\0', len) != NULL)
		return say(err, -EMSGSIZE, "text too long or holds a NUL");
	if ((out->items[0].text = strndup(buf, len)) == NULL)
		return -ENOMEM;
	out->items[0].type = MSG_ANS_TEXT;
	out->n = 1;
	return 0;
}

int
msg_ans_parse(const char *buf, size_t len, struct msg_ans *out, char err[MSG_ANS_ERR_MAX])
{
	json_error_t je;
	json_t *root;
	size_t i, n;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (err != NULL)
		err[0] = '\0';
	if (len == 0)
		return say(err, -ENODATA, "empty answer");
	for (i = 0; i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' ||
	    buf[i] == '\r'); i++)
		;
	if (i == len || (buf[i] != '{' && buf[i] != '['))
		return plain_text(buf, len, out, err);
	/* not JSON at all ("[1] first choice"): text, as before */
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return plain_text(buf, len, out, err);
	out->json = true;
	if (json_is_object(root)) {
		rc = take_item(root, 1, &out->items[0], err);
		out->n = 1;
	} else {
		n = json_array_size(root);
		if (n == 0)
			rc = say(err, -EINVAL, "empty array");
		else if (n > MSG_ANS_ITEMS_MAX)
			rc = say(err, -E2BIG, "more than %d messages", MSG_ANS_ITEMS_MAX);
		for (i = 0; rc == 0 && i < n; i++) {
			out->n = i + 1;
			rc = take_item(json_array_get(root, i), i + 1, &out->items[i], err);
		}
	}
	json_decref(root);
	if (rc != 0)
		msg_ans_fini(out);
	return rc;
}

char *
msg_ans_item_json(const struct msg_ans_item *it)
{
	json_t *o = json_object();
	char *s = NULL;

	if (o == NULL)
		return NULL;
#define PUT_S(k, v)	if ((v) != NULL) json_object_set_new(o, k, json_string(v))
	json_object_set_new(o, "type", json_string(type_names[it->type]));
	PUT_S("text", it->text);
	PUT_S("path", it->path);
	PUT_S("caption", it->caption);
	PUT_S("fileName", it->file_name);
	PUT_S("mimetype", it->mimetype);
	PUT_S("name", it->name);
	PUT_S("address", it->address);
	PUT_S("emoji", it->emoji);
	PUT_S("targetId", it->target_id);
#undef PUT_S
	if (it->type == MSG_ANS_AUDIO)
		json_object_set_new(o, "ptt", json_boolean(it->ptt));
	if (it->type == MSG_ANS_LOCATION) {
		json_object_set_new(o, "latitude", json_real(it->latitude));
		json_object_set_new(o, "longitude", json_real(it->longitude));
	}
	if (it->type != MSG_ANS_REACTION)
		json_object_set_new(o, "quote", json_boolean(it->quote));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}
