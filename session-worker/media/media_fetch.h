/*
 * media_fetch.h: downloading one WhatsApp media file from the CDN
 * (whatsmeow download.go / download-to-file.go, Baileys
 * downloadContentFromMessage): GET https://<media_conn host><directPath>,
 * decrypt and verify while it streams (media_crypto.h), into a temporary
 * file beside the target that is renamed into place only when every check
 * passed and fsync'ed: a tampered, truncated or oversized file is never
 * stored. Blocking: it runs in a thread or a tool, never on the loop.
 */
#ifndef WALINK_MEDIA_FETCH_H
#define WALINK_MEDIA_FETCH_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "media/media_crypto.h"

#define MEDIA_FETCH_URL_MAX	2048
#define MEDIA_FETCH_NAME_MAX	128

struct media_fetch_req {
	char		 url[MEDIA_FETCH_URL_MAX];	/* https:// only */
	const char	*ca_file;	/* NULL: the system CAs (tests: a test CA) */
	enum media_type	 type;
	uint8_t		 media_key[MEDIA_KEY_LEN];
	uint8_t		 sha256[MEDIA_SHA256_LEN];	/* fileSha256: required */
	uint8_t		 enc_sha256[MEDIA_SHA256_LEN];
	bool		 has_enc_sha256;
	uint64_t	 file_length;	/* 0: not given */
	uint64_t	 max_bytes;	/* the size cap (plaintext); 0: 100 MiB */
	char		 dir[PATH_MAX - MEDIA_FETCH_NAME_MAX - 32];
	char		 name[MEDIA_FETCH_NAME_MAX];	/* no '/' */
	uint64_t	 connect_timeout_ms;	/* 0: 10 s */
	uint64_t	 timeout_ms;		/* 0: 5 min */
	const _Atomic int *cancel;	/* non-zero: stop (NULL: never) */
};

/* What happened; rc 0 means path holds the verified plaintext. */
struct media_fetch_result {
	int		 rc;		/* 0, -MEDIA_FAULT_*, -ENOENT (404), -ESTALE
					 * (410: expired, ask the phone), -EIO, ... */
	int		 http_status;	/* 0: no answer */
	char		 path[PATH_MAX];
	uint8_t		 sha256[MEDIA_SHA256_LEN];
	uint64_t	 size;
	char		 error[160];	/* one line for a log or the hook */
};

/* 0 or the negative rc also stored in res. */
int	media_fetch_run(const struct media_fetch_req *, struct media_fetch_result *);

#endif
