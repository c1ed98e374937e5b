/*
 * webhook.h: --hook-url delivery (issue 13, "Webhooks done right"). Each
 * event is POSTed with libcurl (http or https with the system CAs, proxy
 * variables honoured, connect and total timeouts) from the worker's lws
 * loop through curl's multi interface: the loop never waits on DNS, a
 * connection or an answer. With a secret the request is signed as
 * Standard Webhooks say (webhook-id, webhook-timestamp,
 * webhook-signature). A failed delivery is retried with exponential
 * backoff and jitter, never after 400/401/403/404/422; one that cannot be
 * delivered goes to the dead-letter list, from which it can be sent again.
 *
 * Every event is a file under dir/pending/ until it is delivered (or
 * dir/dead/ once given up), written by a thread beside the loop with
 * shared/atomicfile: a worker killed between retries resumes them at the
 * next start. Event bodies and secrets never reach a log line.
 */
#ifndef WALINK_WEBHOOK_H
#define WALINK_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws_context;
struct lws_protocols;

#define WEBHOOK_ID_LEN		36	/* "msg_" + 32 hex digits */
#define WEBHOOK_TAG_MAX		128
#define WEBHOOK_URL_MAX		1024
#define WEBHOOK_BODY_MAX	(4u * 1024 * 1024)
#define WEBHOOK_DEAD_MAX	1000	/* past this the oldest dead letter goes */

struct webhook_cfg {
	const char	*url;		/* http:// or https:// */
	const char	*secret_file;	/* "" or NULL: unsigned */
	const char	*dir;		/* where pending/ and dead/ live */
	uint64_t	 connect_timeout_ms;	/* default 10 s */
	uint64_t	 timeout_ms;	/* the whole request; default 30 s */
	uint32_t	 max_attempts;	/* default 8 */
	uint64_t	 retry_base_ms;	/* first retry after about this; default 2 s */
	uint64_t	 retry_cap_ms;	/* longest wait; default 10 min */
	uint32_t	 max_inflight;	/* concurrent requests; default 4 */
	/* Events a previous run left wait until *ready (the link is up: their
	 * answers are replies to send); NULL: no wait. Read on the loop. */
	const bool	*ready;
};

/* How an event ended. */
enum webhook_outcome {
	WEBHOOK_DELIVERED,	/* 2xx: body is the answer */
	WEBHOOK_DEAD,		/* final status or out of attempts */
};

/*
 * Called on the loop when an event ends: status is the last HTTP status,
 * or a negative value when there was no answer (-1). body (the 2xx
 * answer, cut at 128 KiB) is valid during the call only.
 */
typedef void webhook_done_fn(void *arg, const char *tag, enum webhook_outcome,
    int status, const char *body, size_t len);

struct webhook;

/* One dead letter, as the IPC list shows it. */
struct webhook_dead {
	char		id[WEBHOOK_ID_LEN + 1];
	uint64_t	created;	/* Unix seconds */
	uint64_t	failed;		/* Unix seconds, last attempt */
	uint32_t	attempts;
	int		status;		/* last HTTP status, -1 for none */
	char		error[128];	/* what curl said, "" for an HTTP answer */
};

/*
 * Checks the URL (http/https only), reads the secret, creates dir/pending
 * and dir/dead (0700) and loads what a previous run left: pending events
 * are sent again at once. -EINVAL, -errno. Call before the loop runs.
 */
int	webhook_new(struct lws_context *, const struct webhook_cfg *,
	    webhook_done_fn *, void *arg, struct webhook **out);
/* Stops transfers (their events stay pending on disk), flushes the writer
 * thread, frees. NULL-safe. */
void	webhook_free(struct webhook *);

/* Queues body (JSON) for delivery; id gets the webhook-id. */
int	webhook_submit(struct webhook *, const char *body, size_t len,
	    const char *tag, char id[WEBHOOK_ID_LEN + 1]);

/* The dead letters, newest first: up to max into out; returns the count. */
size_t	webhook_dead_list(const struct webhook *, struct webhook_dead *out,
	    size_t max);
/* Sends a dead letter again (same id, attempts from zero). -ENOENT. */
int	webhook_redeliver(struct webhook *, const char *id);
/* Events waiting or in flight. */
size_t	webhook_pending(const struct webhook *);

/* The lws protocol curl's socket events arrive under (main.c lists it). */
const struct lws_protocols *webhook_protocol(void);

/* -EINVAL unless url is http:// or https:// with a host. */
int	webhook_url_check(const char *url);

#endif
