/*
 * media-fetch: for tests and operators' checks. Downloads one WhatsApp
 * media file with session-worker/media/media_fetch.c and prints one JSON
 * line: {"rc", "status", "path", "sha256", "size", "error"}.
 * Usage: media-fetch URL TYPE MEDIAKEY_B64 SHA256_HEX ENCSHA256_HEX|- LENGTH
 *        CAP DIR NAME [CA_FILE]     (TYPE: image video audio document)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "hex.h"
#include "media/media_fetch.h"

static int
type_of(const char *s, enum media_type *t)
{
	static const struct { const char *name; enum media_type t; } m[] = {
		{ "image", MEDIA_IMAGE }, { "sticker", MEDIA_IMAGE }, { "video", MEDIA_VIDEO },
		{ "audio", MEDIA_AUDIO }, { "ptt", MEDIA_AUDIO }, { "document", MEDIA_DOCUMENT },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(s, m[i].name) == 0) {
			*t = m[i].t;
			return 0;
		}
	return -EINVAL;
}

int
main(int argc, char **argv)
{
	struct media_fetch_req rq;
	struct media_fetch_result res;
	char hexsha[2 * MEDIA_SHA256_LEN + 1] = "";
	size_t n, i;
	json_t *o;

	memset(&rq, 0, sizeof(rq));
	if (argc < 10 || argc > 11 || sodium_init() < 0 ||
	    strlen(argv[1]) >= sizeof(rq.url) || type_of(argv[2], &rq.type) < 0 ||
	    sodium_base642bin(rq.media_key, sizeof(rq.media_key), argv[3], strlen(argv[3]),
	    NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || n != MEDIA_KEY_LEN ||
	    hex_decode(argv[4], strlen(argv[4]), rq.sha256, sizeof(rq.sha256), &n) != 0 ||
	    n != MEDIA_SHA256_LEN) {
		fprintf(stderr, "usage: media-fetch URL TYPE MEDIAKEY_B64 SHA256_HEX "
		    "ENCSHA256_HEX|- LENGTH CAP DIR NAME [CA_FILE]\n");
		return 2;
	}
	snprintf(rq.url, sizeof(rq.url), "%s", argv[1]);
	if (strcmp(argv[5], "-") != 0) {
		if (hex_decode(argv[5], strlen(argv[5]), rq.enc_sha256,
		    sizeof(rq.enc_sha256), &n) != 0 || n != MEDIA_SHA256_LEN)
			return 2;
		rq.has_enc_sha256 = true;
	}
	rq.file_length = strtoull(argv[6], NULL, 10);
	rq.max_bytes = strtoull(argv[7], NULL, 10);
	snprintf(rq.dir, sizeof(rq.dir), "%s", argv[8]);
	snprintf(rq.name, sizeof(rq.name), "%s", argv[9]);
	rq.ca_file = argc == 11 ? argv[10] : NULL;
	media_fetch_run(&rq, &res);
	if (res.rc == 0)
		for (i = 0; i < MEDIA_SHA256_LEN; i++)
			snprintf(hexsha + 2 * i, 3, "%02x", res.sha256[i]);
	o = json_pack("{s:i, s:i, s:s, s:s, s:I, s:s}", "rc", res.rc, "status",
	    res.http_status, "path", res.path, "sha256", hexsha, "size",
	    (json_int_t)res.size, "error", res.error);
	if (o != NULL) {
		char *s = json_dumps(o, JSON_COMPACT);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	return res.rc == 0 ? 0 : 1;
}
