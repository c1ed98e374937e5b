/*
 * media-upload: for tests and operators' checks. Encrypts and uploads one
 * file with session-worker/media/media_upload.c and prints one JSON line:
 * {"rc", "status", "url", "directPath", "mediaKey" (base64), "sha256",
 * "encSha256" (hex), "fileLength", "ms", "error"}.
 * Usage: media-upload FILE TYPE HOST[,HOST...] AUTH TMPDIR [CA_FILE]
 *        (TYPE: image video audio document)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "media/media_upload.h"

static void
hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int
main(int argc, char **argv)
{
	static const char *const types[] = { "image", "video", "audio", "document" };
	static struct media_upload_req rq;
	static struct media_upload_result res;
	char sha[2 * MEDIA_SHA256_LEN + 1] = "", esha[2 * MEDIA_SHA256_LEN + 1] = "";
	char key[sodium_base64_ENCODED_LEN(MEDIA_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)] = "";
	struct timespec t0, t1;
	char *hosts, *h, *save = NULL;
	size_t i;
	json_t *o;

	if (argc < 6 || argc > 7 || sodium_init() < 0) {
		fprintf(stderr, "usage: media-upload FILE TYPE HOST[,HOST...] AUTH TMPDIR [CA_FILE]\n");
		return 2;
	}
	for (i = 0; i < 4 && strcmp(argv[2], types[i]) != 0; i++)
		;
	if (i == 4 || (rq.fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0 ||
	    strlen(argv[4]) >= sizeof(rq.auth)) {
		fprintf(stderr, "media-upload: bad type, file or auth\n");
		return 2;
	}
	rq.type = i == 0 ? MEDIA_IMAGE : i == 1 ? MEDIA_VIDEO : i == 2 ? MEDIA_AUDIO : MEDIA_DOCUMENT;
	rq.mms = types[i];
	if ((hosts = strdup(argv[3])) == NULL)
		return 2;
	for (h = strtok_r(hosts, ",", &save); h != NULL && rq.nhosts < MEDIA_UPLOAD_HOSTS;
	    h = strtok_r(NULL, ",", &save))
		snprintf(rq.hosts[rq.nhosts++], sizeof(rq.hosts[0]), "%s", h);
	free(hosts);
	snprintf(rq.auth, sizeof(rq.auth), "%s", argv[4]);
	rq.tmp_dir = argv[5];
	rq.ca_file = argc == 7 ? argv[6] : NULL;
	rq.connect_timeout_ms = 5000;
	rq.timeout_ms = 60000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	media_upload_run(&rq, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(rq.fd);
	if (res.rc == 0) {
		hex(res.enc.sha256, MEDIA_SHA256_LEN, sha);
		hex(res.enc.enc_sha256, MEDIA_SHA256_LEN, esha);
		sodium_bin2base64(key, sizeof(key), res.media_key, MEDIA_KEY_LEN,
		    sodium_base64_VARIANT_ORIGINAL);
	}
	o = json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "rc", res.rc,
	    "status", res.http_status, "url", res.url, "directPath", res.direct_path,
	    "mediaKey", key, "sha256", sha, "encSha256", esha,
	    "fileLength", (json_int_t)res.enc.file_length,
	    "ms", (json_int_t)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000),
	    "error", res.error);
	if (o != NULL) {
		char *s = json_dumps(o, JSON_COMPACT);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	i = res.rc == 0 ? 0 : 1;
	sodium_memzero(&res, sizeof(res));
	return (int)i;
}
