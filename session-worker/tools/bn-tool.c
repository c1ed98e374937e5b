/*
 * bn-tool: drives the binary node codec from tests over stdin/stdout, one
 * line in, one line out, so one process handles a whole corpus.
 *
 *   bn-tool decode        hex of a node -> {"node": N, "hex": re-encoding}
 *   bn-tool decode-frame  hex of a frame (flags byte first) -> same
 *   bn-tool encode        JSON node N -> {"hex": encoding}
 *   bn-tool print         hex of a node -> {"text": bn_print output}
 * Failures give {"error": code} with code the negative errno.
 *
 * N = {"tag": s, "attrs": [[k, v], ...], "content": C}; C is absent or
 * null (none), {"bytes": hex}, {"string": s} or an array of N.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "binary/bn.h"
#include "hex.h"

/* Decodes hex into a malloc'd buffer; -EINVAL on odd length or bad digits. */
static int
unhex(const char *s, size_t slen, uint8_t **out, size_t *len)
{
	uint8_t *b;
	int rc;

	if ((b = malloc(slen / 2 + 1)) == NULL)
		return -ENOMEM;
	if ((rc = hex_decode(s, slen, b, slen / 2, len)) < 0) {
		free(b);
		return rc;
	}
	*out = b;
	return 0;
}

static json_t *
hex_json(const uint8_t *p, size_t len)
{
	static const char d[] = "0123456789abcdef";
	json_t *j;
	char *s;
	size_t i;

	if ((s = malloc(2 * len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		s[2 * i] = d[p[i] >> 4];
		s[2 * i + 1] = d[p[i] & 15];
	}
	j = json_stringn(s, 2 * len);
	free(s);
	return j;
}

static json_t *
node_to_json(const struct bn_node *n)
{
	json_t *o, *attrs, *kids, *c;
	const char *k, *v;
	const uint8_t *b;
	size_t i, kl, vl, len;

	o = json_object();
	attrs = json_array();
	json_object_set_new(o, "tag", json_stringn(bn_node_tag(n),
	    bn_node_tag_len(n)));
	for (i = 0; bn_node_attr_at(n, i, &k, &kl, &v, &vl) == 0; i++)
		json_array_append_new(attrs, json_pack("[s%s%]", k, kl, v, vl));
	json_object_set_new(o, "attrs", attrs);
	switch (bn_node_content(n)) {
	case BN_CONTENT_NONE:
		break;
	case BN_CONTENT_BYTES:
		b = bn_node_peek_bytes(n, &len);
		c = json_object();
		json_object_set_new(c, "bytes", hex_json(b, len));
		json_object_set_new(o, "content", c);
		break;
	case BN_CONTENT_STRING:
		b = bn_node_peek_bytes(n, &len);
		json_object_set_new(o, "content",
		    json_pack("{s:s%}", "string", (const char *)b, len));
		break;
	case BN_CONTENT_LIST:
		kids = json_array();
		for (i = 0; i < bn_node_child_count(n); i++)
			json_array_append_new(kids,
			    node_to_json(bn_node_peek_child(n, i)));
		json_object_set_new(o, "content", kids);
		break;
	}
	return o;
}

/* Any failure to build (a non-UTF-8 string) shows up as a NULL member. */
static int
json_complete(json_t *j)
{
	json_t *v;
	const char *k;
	size_t i;

	if (j == NULL)
		return -EILSEQ;
	if (json_is_object(j)) {
		json_object_foreach(j, k, v)
			if (json_complete(v) < 0)
				return -EILSEQ;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (json_complete(v) < 0)
				return -EILSEQ;
	}
	return 0;
}

static int
node_from_json(json_t *j, struct bn_node **out)
{
	json_t *attrs, *c, *a, *x;
	struct bn_node *n, *kid;
	uint8_t *b;
	size_t i, len;
	int rc;

	if (!json_is_string(x = json_object_get(j, "tag")) ||
	    (n = bn_node_new_len(json_string_value(x), json_string_length(x))) == NULL)
		return -EINVAL;
	attrs = json_object_get(j, "attrs");
	json_array_foreach(attrs, i, a) {
		json_t *k = json_array_get(a, 0), *v = json_array_get(a, 1);

		if (!json_is_string(k) || !json_is_string(v)) {
			rc = -EINVAL;
			goto out_free;
		}
		/* a repeated key replaces the earlier value */
		if ((rc = bn_node_set_attr_len(n, json_string_value(k),
		    json_string_length(k), json_string_value(v),
		    json_string_length(v))) < 0)
			goto out_free;
	}
	c = json_object_get(j, "content");
	rc = 0;
	if (json_is_array(c)) {
		bn_node_set_list(n);
		json_array_foreach(c, i, a) {
			if ((rc = node_from_json(a, &kid)) < 0)
				goto out_free;
			if ((rc = bn_node_add_child(n, kid)) < 0) {
				bn_node_free(kid);
				goto out_free;
			}
		}
	} else if (json_is_string(x = json_object_get(c, "string")))
		rc = bn_node_set_string(n, json_string_value(x),
		    json_string_length(x));
	else if (json_is_string(x = json_object_get(c, "bytes"))) {
		if ((rc = unhex(json_string_value(x), json_string_length(x),
		    &b, &len)) < 0)
			goto out_free;
		rc = bn_node_set_bytes(n, b, len);
		free(b);
	}
	if (rc < 0)
		goto out_free;
	*out = n;
	return 0;
out_free:
	bn_node_free(n);
	return rc;
}

static json_t *
do_decode(const char *line, size_t len, int frame, int print)
{
	struct bn_node *n = NULL;
	uint8_t *in, *enc;
	size_t inlen, enclen;
	json_t *o = NULL;
	char *text;
	size_t need;
	int rc;

	if ((rc = unhex(line, len, &in, &inlen)) < 0)
		return json_pack("{s:i}", "error", rc);
	rc = frame ? bn_decode_frame(in, inlen, &n) : bn_decode(in, inlen, &n);
	free(in);
	if (rc < 0)
		return json_pack("{s:i}", "error", rc);
	if (print) {
		need = bn_print(n, BN_PRINT_HEX, NULL, 0);
		if ((text = malloc(need + 1)) != NULL) {
			bn_print(n, BN_PRINT_HEX, text, need + 1);
			o = json_pack("{s:s}", "text", text);
			free(text);
		}
	} else if ((rc = bn_encode(n, 0, &enc, &enclen)) < 0)
		o = json_pack("{s:i}", "error", rc);
	else {
		o = json_pack("{s:o,s:o}", "node", node_to_json(n), "hex",
		    hex_json(enc, enclen));
		free(enc);
	}
	bn_node_free(n);
	if (o == NULL || json_complete(o) < 0) {
		json_decref(o);
		o = json_pack("{s:i}", "error", -EILSEQ);
	}
	return o;
}

static json_t *
do_encode(const char *line, size_t len)
{
	struct bn_node *n;
	json_error_t err;
	uint8_t *enc;
	size_t enclen;
	json_t *j, *o;
	int rc;

	if ((j = json_loadb(line, len, JSON_ALLOW_NUL, &err)) == NULL)
		return json_pack("{s:i}", "error", -EINVAL);
	rc = node_from_json(j, &n);
	json_decref(j);
	if (rc < 0)
		return json_pack("{s:i}", "error", rc);
	if ((rc = bn_encode(n, 0, &enc, &enclen)) < 0)
		o = json_pack("{s:i}", "error", rc);
	else {
		o = json_pack("{s:o}", "hex", hex_json(enc, enclen));
		free(enc);
	}
	bn_node_free(n);
	return o;
}

int
main(int argc, char *argv[])
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *o;
	int mode;

	if (argc != 2) {
		fprintf(stderr, "usage: bn-tool decode|decode-frame|encode|print\n");
		return 2;
	}
	if (strcmp(argv[1], "decode") == 0)
		mode = 0;
	else if (strcmp(argv[1], "decode-frame") == 0)
		mode = 1;
	else if (strcmp(argv[1], "encode") == 0)
		mode = 2;
	else if (strcmp(argv[1], "print") == 0)
		mode = 3;
	else {
		fprintf(stderr, "bn-tool: unknown mode %s\n", argv[1]);
		return 2;
	}
	while ((n = getline(&line, &cap, stdin)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		o = mode == 2 ? do_encode(line, (size_t)n) :
		    do_decode(line, (size_t)n, mode == 1, mode == 3);
		if (o == NULL || json_dumpf(o, stdout, JSON_COMPACT |
		    JSON_ENSURE_ASCII) < 0) {
			fprintf(stderr, "bn-tool: out of memory\n");
			return 1;
		}
		json_decref(o);
		putchar('\n');
	}
	free(line);
	return fflush(stdout) == 0 ? 0 : 1;
}
