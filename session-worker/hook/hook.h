/*
 * hook.h: the bot hook (DESIGN.md "Processes": the worker owns it). Each
 * accepted text runs the operator's command (/bin/sh -c CMD, the message
 * as JSON on stdin) or POSTs the same JSON to a URL; what comes back
 * (trimmed, at most HOOK_REPLY_MAX) is the reply. Children are forked
 * with pipes adopted on the worker's lws loop: the loop never waits on a
 * hook (STYLE.md rule 9). A hook past its timeout is killed with its
 * whole process group; at most cfg.max run at once, HOOK_QUEUE_MAX more
 * wait. Message text never reaches a log line.
 */
#ifndef WALINK_HOOK_H
#define WALINK_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws_context;
struct lws_protocols;

/* The bound on a reply: 64 KiB after trimming. */
#define HOOK_REPLY_MAX		(64u * 1024)
/* Messages waiting for a free slot; past this they get no hook run. */
#define HOOK_QUEUE_MAX		64
/* A tag the caller gets back with the result (the chat to reply to). */
#define HOOK_TAG_MAX		128
#define HOOK_URL_MAX		1024

struct hook_cfg {
	const char	*cmd;		/* "" or NULL: none */
	const char	*url;		/* http(s)://host[:port]/path; "" or NULL: none */
	uint64_t	 timeout_ms;	/* default 30 s */
	uint32_t	 max;		/* concurrent runs, default 4 */
	/* --hook-url only (session-worker/webhook/webhook.h) */
	const char	*secret_file;	/* Standard Webhooks signing; "": none */
	const char	*queue_dir;	/* pending and dead events */
	uint32_t	 retries;	/* attempts in all; 0: webhook's default */
	uint64_t	 retry_base_ms;	/* 0: webhook's default */
	const bool	*link_up;	/* resumed events wait for it; NULL: no wait */
	struct webhook	**webhook_out;	/* gets the queue (for IPC); may be NULL */
};

/* Hook input version 2 (issue 13, docs/hook-v2.schema.json): a media
 * file as handed to the bot. path NULL: not stored, error says why. */
struct hook_media {
	const char	*path;
	const char	*mimetype;
	uint64_t	 size;		/* bytes of the plaintext */
	const char	*sha256;	/* 64 hex digits of the plaintext's SHA-256 */
	const char	*file_name;	/* documents; may be NULL */
	uint32_t	 seconds;	/* audio, video; 0: not given */
	bool		 ptt;		/* audio only: a voice note */
	const char	*error;		/* "larger than the media size cap", ... */
};

struct hook_contact {
	const char	*name;
	const char	*vcard;
};

struct hook_input {
	const char	*from;		/* phone digits */
	const char	*push_name;	/* may be NULL */
	const char	*id;
	const char	*text;		/* the text or caption, UTF-8, may hold NUL
					 * bytes; NULL: "" unless type is text */
	size_t		 text_len;	/* 0: strlen(text) */
	uint64_t	 timestamp;	/* Unix seconds */
	/* version 2; all may be NULL/0 (type NULL: "text") */
	const char	*type;		/* "text", "image", ... (msg_type_name) */
	const char	*quoted_id;	/* a reply: the message it answers */
	const char	*quoted_text;
	const struct hook_media *media;
	bool		 has_location;
	double		 latitude, longitude;
	const char	*place_name, *address;
	const struct hook_contact *contacts;
	size_t		 n_contacts;
	const char	*emoji;		/* reaction */
	const char	*target_id;	/* reaction, edit, revoke */
};

enum hook_status {
	HOOK_OK,		/* exit 0 (or HTTP 2xx): reply holds the output */
	HOOK_FAILED,		/* non-zero exit, signal, HTTP error */
	HOOK_TIMEOUT,		/* killed at the timeout */
	HOOK_ERROR,		/* could not start */
};

/*
 * Called from the loop when a run ends: reply (trimmed, not
 * NUL-terminated, may be empty) is valid during the call only. code is
 * the exit status, the signal number for a signal, or the HTTP status.
 */
typedef void hook_done_fn(void *arg, const char *tag, enum hook_status,
    int code, const char *reply, size_t len);

struct hook;

/* -EINVAL for a URL that is not http:// or https:// (checked at start-up). */
int	hook_new(struct lws_context *, const struct hook_cfg *, hook_done_fn *,
	    void *arg, struct hook **out);
/* Kills what still runs and reaps it. NULL-safe. Call while the lws
 * context still exists (it cancels timers); the pipes it leaves close
 * with the context. */
void	hook_free(struct hook *);
bool	hook_enabled(const struct hook *);

/* Starts or queues a run. -EBUSY when the queue is full. */
int	hook_run(struct hook *, const struct hook_input *, const char *tag);

/* The lws protocol the hook's pipes are adopted under (main.c lists it). */
const struct lws_protocols *hook_protocol(void);

/* hook_json.c (pure, unit tested) */
/* Hook input version 2 as UTF-8 JSON: the version-1 fields
 * {"from","pushName","id","text","timestamp"} (pushName null when unknown;
 * a NUL in the text travels as \u0000) plus "version":2, "type" and the
 * fields of that type; *out malloc'd.
 * -EINVAL for a string that is not UTF-8 or a missing field. */
int	hook_json_input(const struct hook_input *, char **out, size_t *len);
/* The reply inside buf: leading and trailing whitespace cut, then cut to
 * HOOK_REPLY_MAX at a UTF-8 character boundary. */
void	hook_reply_trim(const char *buf, size_t len, size_t *start, size_t *n);

#endif
