/*
 * media_upload.h: sending a file as WhatsApp media (whatsmeow upload.go
 * Upload/rawUpload, Baileys getWAUploadToServer): a fresh mediaKey, the
 * file encrypted with it (media_crypto.h) into an unnamed temporary file,
 * then POST https://<host>/mms/<type>/<token>?auth=<auth>&token=<token>
 * where token is the base64url fileEncSha256; the CDN answers
 * {"url", "direct_path"}. A host that cannot be reached or answers 5xx
 * is skipped for the next one media_conn listed. Blocking: it runs in a
 * thread (message/msg_answer.c), never on the loop.
 *
 * The bot names the file: media_upload_open() opens it only beneath the
 * directories the operator allows, never through a symbolic link, and
 * only when it is a regular file within the size cap.
 */
#ifndef WALINK_MEDIA_UPLOAD_H
#define WALINK_MEDIA_UPLOAD_H

#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "media/media_crypto.h"

#define MEDIA_UPLOAD_HOSTS	4
#define MEDIA_UPLOAD_HOST_MAX	256
#define MEDIA_UPLOAD_AUTH_MAX	512
#define MEDIA_UPLOAD_URL_MAX	2048
#define MEDIA_UPLOAD_ROOTS	2

struct media_upload_req {
	int		 fd;		/* the plaintext, read from offset 0 */
	enum media_type	 type;		/* its keys' HKDF info */
	const char	*mms;		/* "image", "video", "audio", "document" */
	char		 hosts[MEDIA_UPLOAD_HOSTS][MEDIA_UPLOAD_HOST_MAX];
	size_t		 nhosts;
	char		 auth[MEDIA_UPLOAD_AUTH_MAX];
	const char	*ca_file;	/* NULL: the system CAs */
	const char	*tmp_dir;	/* where the ciphertext waits (unnamed) */
	uint64_t	 max_bytes;	/* 0: 100 MiB */
	uint64_t	 connect_timeout_ms;	/* 0: 10 s */
	uint64_t	 timeout_ms;		/* per host; 0: 5 min */
	const _Atomic int *cancel;	/* non-zero: stop (NULL: never) */
};

struct media_upload_result {
	int		 rc;		/* 0; -EACCES (auth refused: ask media_conn
					 * again), -EFBIG, -EIO, -ECANCELED, ... */
	int		 http_status;	/* the last host's; 0: none answered */
	char		 url[MEDIA_UPLOAD_URL_MAX];
	char		 direct_path[MEDIA_UPLOAD_URL_MAX];
	uint8_t		 media_key[MEDIA_KEY_LEN];	/* wiped by the caller */
	struct media_enc_result enc;
	char		 error[160];	/* one line for a log: no key, no URL */
};

/* 0 or the negative rc also stored in res. */
int	media_upload_run(const struct media_upload_req *, struct media_upload_result *);

/*
 * Opens path for reading: an absolute path beneath one of roots, or a
 * relative one beneath roots[0]; no ".." and no symbolic link in any part
 * below the root; a regular file of 1..max_bytes bytes. *fd_out and
 * *size on success; else -errno (-EFBIG past the cap, -EPERM outside
 * the roots) with err (MEDIA_UPLOAD_ERR) saying why without the path.
 */
#define MEDIA_UPLOAD_ERR	96
int	media_upload_open(const char *const roots[], size_t nroots, const char *path,
	    uint64_t max_bytes, int *fd_out, uint64_t *size, char err[MEDIA_UPLOAD_ERR]);

#endif
