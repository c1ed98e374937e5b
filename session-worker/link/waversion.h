/*
 * waversion.h: the current WhatsApp Web version, for `--wa-version auto`
 * (Baileys generics.js fetchLatestWaWebVersion: GET web.whatsapp.com/sw.js
 * and read its client_revision; the version is 2.3000.<revision>). The
 * fetch runs on its own thread with libcurl, bounded in time and size, so
 * the event loop never waits on DNS or a peer; the caller polls for the end.
 */
#ifndef WALINK_WAVERSION_H
#define WALINK_WAVERSION_H

#include <stdbool.h>
#include <stddef.h>

#include "payload.h"

#define WA_VERSION_URL_DEFAULT	"https://web.whatsapp.com/sw.js"
#define WA_VERSION_BODY_MAX	(4u << 20)	/* sw.js is ~100 KB */
#define WA_VERSION_TIMEOUT_MS	15000
#define WA_VERSION_ERR_MAX	128

/*
 * Finds `client_revision":N` (quotes possibly backslash-escaped, as inside
 * the JSON string sw.js embeds) in a page. 0, or -ENOENT none, -ERANGE a
 * revision of 0 or past 32 bits.
 */
int	wa_version_from_page(const char *body, size_t len, struct wa_version *out);

struct wa_version_fetch;

/* Starts the GET on a thread. -ENOMEM, -EAGAIN (no thread). */
int	wa_version_fetch_start(const char *url, struct wa_version_fetch **out);
/*
 * True once the fetch ended; then *rc is 0 with *v set, or negative with a
 * one-line reason in err (never blocks).
 */
bool	wa_version_fetch_done(struct wa_version_fetch *, struct wa_version *v,
	    int *rc, char err[WA_VERSION_ERR_MAX]);
/* NULL-safe; waits for the thread (at most the bounded fetch). */
void	wa_version_fetch_free(struct wa_version_fetch *);

/* -1, 0, 1 as a is older, equal, newer than b. */
int	wa_version_cmp(const struct wa_version *a, const struct wa_version *b);

#endif
