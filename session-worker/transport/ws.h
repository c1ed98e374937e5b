/*
 * ws.h: the WebSocket client that carries WhatsApp's byte stream
 * (protocol-notes §1). Bytes only: message boundaries mean nothing to the
 * layers above, so every received binary message is handed up as bytes in
 * order and every ws_client_send() goes out as one binary message.
 *
 * One loop, no threads, no locking: a client lives in the caller's
 * lws_context and every callback runs from lws_service() on that loop.
 * Callbacks are never called from inside a ws_* function; on_close is the
 * last call for a connection and, from inside it, the caller may connect
 * again or free the client. Any callback may call ws_client_close() or
 * ws_client_free().
 *
 * lws 4.1.6 runs ripe timers before it polls: a loop that tests a flag set
 * by a callback between lws_service() calls must lws_cancel_service() in
 * that callback, or the next poll sleeps until some other event.
 */
#ifndef WALINK_WS_H
#define WALINK_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws_context;
struct lws_protocols;

#define WS_DEFAULT_URL		"wss://web.whatsapp.com/ws/chat"
#define WS_DEFAULT_ORIGIN	"https://web.whatsapp.com"

/*
 * Ceilings on configuration text. lws 4.1.6 prints "Host: %s" and
 * "Origin: %s" into 128-byte slices of its request buffer and cuts what
 * does not fit (client-http.c), so host:port and origin stay under that.
 */
#define WS_URL_MAX		2048	/* whole URL; WhatsApp's is 30 bytes */
#define WS_HOST_MAX		112	/* + ":65535" fits "Host: ...\r\n" in 127 */
#define WS_PATH_MAX		1024	/* path and query */
#define WS_ORIGIN_MAX		112

/* Timeouts (milliseconds); 0 in struct ws_config picks the default. */
#define WS_CONNECT_TIMEOUT_DEFAULT	20000	/* Baileys' connectTimeoutMs */
#define WS_CONNECT_TIMEOUT_MAX		120000
#define WS_CLOSE_TIMEOUT_DEFAULT	5000	/* flush, then the close frame */
#define WS_CLOSE_TIMEOUT_MAX		60000

/*
 * Send queue ceilings. The default holds two maximum-size frames (3-byte
 * length + 2^24 - 1 bytes, protocol-notes §1) with room for the intro
 * header; the configurable limit stops a typo from meaning "unbounded".
 */
#define WS_SEND_QUEUE_DEFAULT	(2u * ((1u << 24) + 64))
#define WS_SEND_QUEUE_LIMIT	(256u << 20)
/* Messages waiting at once: one group commit of the message journal
 * releases an <ack> and a <receipt> for each of its records at once (a
 * burst of thousands), each a few dozen bytes; the byte ceiling above is
 * the one that bounds memory. */
#define WS_SEND_QUEUE_MSGS_MAX	32768

struct ws_url {
	bool		tls;			/* wss:// */
	uint16_t	port;			/* explicit, or 80 / 443 */
	char		host[WS_HOST_MAX + 1];	/* name or IPv4, no brackets */
	char		path[WS_PATH_MAX + 1];	/* starts with '/', keeps ?query */
};

struct ws_config {
	const char	*url;			/* NULL: WS_DEFAULT_URL */
	const char	*origin;		/* NULL: WS_DEFAULT_ORIGIN */
	uint32_t	 connect_timeout_ms;	/* TCP + TLS + upgrade; 0: default */
	uint32_t	 close_timeout_ms;	/* local close to gone; 0: default */
	size_t		 send_queue_max;	/* payload bytes; 0: default */
};

enum ws_reason {
	WS_REASON_CONNECT_FAILED = 1,	/* DNS, refused, TLS, upgrade refused */
	WS_REASON_CONNECT_TIMEOUT,	/* not open within connect_timeout_ms */
	WS_REASON_PEER_CLOSE,		/* peer sent a close frame: see code */
	WS_REASON_DROPPED,		/* lost without a close frame, or lws
					   refused the peer's framing */
	WS_REASON_LOCAL_CLOSE,		/* ws_client_close() finished */
	WS_REASON_PROTOCOL,		/* peer sent a text message */
};

struct ws_close_info {
	enum ws_reason	 reason;
	uint16_t	 code;		/* PEER_CLOSE: the peer's code, 1005 if
					   none; lws 4.1.6 turns codes RFC 6455
					   reserves into 1002 */
	const char	*detail;	/* lws's words or NULL; valid during the call */
};

struct ws_callbacks {
	void	(*on_open)(void *user);
	/*
	 * Bytes of one binary message in order, possibly in several calls;
	 * an empty message may arrive as one call with len 0.
	 */
	void	(*on_data)(void *user, const uint8_t *, size_t);
	void	(*on_close)(void *user, const struct ws_close_info *);
};

struct ws_client;	/* opaque; owns its send queue and timers */

/* Split a ws:// or wss:// URL; -EINVAL if malformed or over a ceiling. */
int	ws_url_parse(const char *url, struct ws_url *out);
/* Check a config before the loop starts (NULL fields mean defaults). */
int	ws_config_check(const struct ws_config *);

/*
 * A context for the worker and tools: client only, TLS initialised,
 * certificates verified against the system store (OpenSSL's default CA
 * bundle must be readable: -errno otherwise). test_ca_file, when not
 * NULL, is the only CA trusted (local TLS tests); it must hold a PEM
 * certificate (-EINVAL, or -errno from fopen). -EIO if lws fails.
 * Free with ws_context_free(). Note: lws 4.1.6 reads $http_proxy (lower
 * case, no no_proxy) when a context is made and then tunnels every
 * connection, loopback included, through it with CONNECT.
 */
int	ws_context_new(const char *test_ca_file, struct lws_context **out);
/*
 * The same context serving more protocols (the worker's raw fds): the
 * caller's list must start with a copy of *ws_client_protocol(), end with
 * a zeroed entry and outlive the context. user is lws_context_user().
 * tls false (a ws:// URL: simulator, local tests) skips OpenSSL and the
 * CA store, about 4.5 MB of resident memory; a wss:// client then fails
 * to connect, so pass ws_url's tls flag for the URL the process will use.
 */
int	ws_context_new_with(const char *test_ca_file, bool tls,
	    const struct lws_protocols *protocols, void *user,
	    struct lws_context **out);
void	ws_context_free(struct lws_context *);
/*
 * For callers that build their own context: copy this entry first into
 * the protocol list of the vhost the client uses (lws sends WSI_DESTROY
 * to protocols[0] only, and the client relies on it) and set the options
 * LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT and
 * LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN (without it lws 4.1.6 sends
 * "Origin: http://" + origin). Give client_ssl_ca_filepath, or lws 4.1.6
 * also trusts CAs found in "../share" relative to the working directory.
 * Keep the context's own timeouts above WS_CONNECT_TIMEOUT_MAX so ours
 * decide.
 */
const struct lws_protocols *ws_client_protocol(void);

/*
 * Threads hand results to the loop with lws_cancel_service(cx); lws then
 * delivers LWS_CALLBACK_EVENT_WAIT_CANCELLED to the client protocol on
 * the loop, which calls every fn added here for that context (and the
 * name lookups of ws_resolve.c). At most WS_WAKE_MAX at once; -ENOSPC
 * past it. Loop only.
 */
#define WS_WAKE_MAX	8
int	ws_wake_add(struct lws_context *, void (*fn)(void *), void *arg);
void	ws_wake_remove(struct lws_context *, void (*fn)(void *), void *arg);

int	ws_client_new(struct lws_context *, const struct ws_config *,
	    const struct ws_callbacks *, void *user, struct ws_client **out);
/*
 * Start connecting; the outcome arrives as on_open or on_close. Debian's
 * lws 4.1.6 has no async DNS: the lookup is a blocking getaddrinfo() in
 * the loop, so a dead resolver stalls it (the connect timeout cannot cut
 * that short).
 */
int	ws_client_connect(struct ws_client *);
/*
 * Queue len bytes (len may be 0) as one binary message; the bytes are
 * copied. Allowed while connecting or open: -ENOTCONN otherwise,
 * -EMSGSIZE over send_queue_max, -ENOBUFS when the queue is full.
 */
int	ws_client_send(struct ws_client *, const uint8_t *, size_t len);
/*
 * Open: send what is queued, then a close frame (1000), within
 * close_timeout_ms or the socket is dropped. Connecting: give up at once.
 * Either way on_close (WS_REASON_LOCAL_CLOSE) follows from the loop, and
 * whatever was still queued is discarded, as on every on_close.
 */
int	ws_client_close(struct ws_client *);
bool	ws_client_is_open(const struct ws_client *);
size_t	ws_client_queued(const struct ws_client *);	/* bytes waiting */
/* NULL-safe; drops the connection at once, no on_close. */
void	ws_client_free(struct ws_client *);

#endif
