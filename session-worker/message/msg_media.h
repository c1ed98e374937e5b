/*
 * msg_media.h: received media handed to the bot as verified files (issue
 * 13). For a whitelisted sender's media message it asks the server for the
 * CDN hosts (the w:m media_conn iq, as whatsmeow queryMediaConn and
 * Baileys refreshMediaConn do; cached for its ttl), downloads and verifies
 * the file in a thread beside the loop (media/media_fetch.h) into the media
 * directory, then runs the hook with media.path, or with media.error when
 * the file was refused, expired or too big. The loop only sends the iq and
 * reads the threads' results from a pipe adopted by lws.
 */
#ifndef WALINK_MSG_MEDIA_H
#define WALINK_MSG_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

struct lws_context;
struct lws_protocols;
struct bn_node;
struct hook;
struct hook_input;
struct msg_typed;

struct msg_media_cfg {
	const char	*dir;		/* where files go; NULL or "": no downloads */
	uint64_t	 max_bytes;	/* the size cap; 0: 100 MiB */
	const char	*ca_file;	/* tests: trust only this CA; NULL: system */
	uint64_t	 retry_wait_ms;	/* the phone's media retry answer; 0: 60 s */
	uint64_t	 retention_s;	/* stored files older than this go; 0: never */
	uint64_t	 max_total;	/* oldest go while the directory passes this; 0: no cap */
};

/* How the module sends its stanzas (msg_send) and which hook it runs;
 * send_arg is the struct msg (its own number addresses media retries). */
typedef int msg_media_send_fn(void *arg, const struct bn_node *);

struct msg_dl;

int	msg_media_new(struct lws_context *, const struct msg_media_cfg *,
	    struct hook *, msg_media_send_fn *, void *send_arg,
	    struct msg_dl **out);
/* Cancels downloads (their threads stop at the next chunk) and waits. */
void	msg_media_free(struct msg_dl *);
bool	msg_media_enabled(const struct msg_dl *);

/*
 * A <notification>: true when it was a mediaretry answer (consumed). A
 * download the CDN answered 404/410 is retried once through our phone
 * (msg_media_retry.h): the phone uploads the file again and says where.
 */
bool	msg_media_on_notification(struct msg_dl *, const struct bn_node *);

/* An iq answer: true when it was the media_conn answer (consumed). */
bool	msg_media_on_iq(struct msg_dl *, const struct bn_node *);

/*
 * Downloads t's media, then runs the hook with in (its strings are copied)
 * and the file. Takes t (msg_typed_fini'd here) and returns 0. A hook that
 * cannot start then (its queue full) is tried again through the journal
 * (msg_inbox_hook_not_run); the file, stored, waits for that retry, which
 * comes back here and starts the hook with it, no download: -EBUSY (t not
 * taken) while the queue is still full. Other negative: t not taken; the
 * caller runs the hook without the file.
 */
int	msg_media_fetch(struct msg_dl *, struct msg_typed *t,
	    const struct hook_input *in, const char *chat);

/*
 * A decrypted Message from our own phone: when it is a history sync notice,
 * its blob is fetched and read in a thread and only its LID mappings are
 * learnt (msg_history.h). Anything else: nothing happens.
 */
void	msg_media_history(struct msg_dl *, const char *id, const uint8_t *pt,
	    size_t len);
/* The CDN as media_conn describes it, for uploads (msg_answer.c). */
#define MSG_MEDIA_CONN_HOSTS	4
#define MSG_MEDIA_CONN_WAITERS	16
struct msg_media_conn {
	char		hosts[MSG_MEDIA_CONN_HOSTS][256];
	size_t		nhosts;
	char		auth[512];
	uint64_t	expires_ms;
};

/* rc 0 and c, or rc < 0 (no answer, no host or auth) and NULL. */
typedef void msg_media_conn_fn(void *arg, int rc, const struct msg_media_conn *c);

/*
 * Calls fn with the cached media_conn (at once) or after asking the
 * server (refresh: ask even when cached, e.g. after the CDN refused the
 * auth). 0 once fn is called or queued; -ENOTSUP without media (mm NULL),
 * -EBUSY with too many waiting. msg_media_conn_forget drops arg's waits.
 */
int	msg_media_conn_get(struct msg_dl *, bool refresh, msg_media_conn_fn *fn,
	    void *arg);
void	msg_media_conn_forget(struct msg_dl *, void *arg);

/* The lws protocol the result pipe is adopted under (main.c lists it). */
const struct lws_protocols *msg_media_protocol(void);

#endif
