/*
 * hook_json.c: what the hook reads and what we take back from it. Pure:
 * no I/O, no logging.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hook.h"

int
hook_json_input(const struct hook_input *in, char **out, size_t *len)
{
	json_t *o;
	char *s;

	if (in->from == NULL || in->id == NULL || in->text == NULL)
		return -EINVAL;
	o = json_pack("{s:s, s:s?, s:s, s:s, s:I}", "from", in->from,
	    "pushName", in->push_name, "id", in->id, "text", in->text,
	    "timestamp", (json_int_t)in->timestamp);
	if (o == NULL)
		return -EINVAL;	/* not valid UTF-8 */
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return -ENOMEM;
	*out = s;
	*len = strlen(s);
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

int
hook_url_parse(const char *url, char host[256], char port[8], const char **path)
{
	const char *h, *end, *colon;
	size_t hl;

	if (strncmp(url, "http://", 7) != 0)
		return -EINVAL;
	h = url + 7;
	end = h + strcspn(h, "/");
	colon = memchr(h, ':', (size_t)(end - h));
	hl = (size_t)((colon != NULL ? colon : end) - h);
	if (hl == 0 || hl >= 256)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon != NULL) {
		size_t pl = (size_t)(end - colon - 1), i;

		if (pl == 0 || pl > 5)
			return -EINVAL;
		for (i = 0; i < pl; i++)
			if (colon[1 + i] < '0' || colon[1 + i] > '9')
				return -EINVAL;
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
	} else {
		snprintf(port, 8, "80");
	}
	*path = *end != '\0' ? end : "/";
	return 0;
}
