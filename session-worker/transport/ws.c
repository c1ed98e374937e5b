/*
 * ws.c: the WebSocket client on libwebsockets 4.1.6, in the caller's
 * context and loop (STYLE.md rule 9). It moves bytes only: every received
 * binary message goes up through on_data as it arrives, every queued send
 * goes out as one binary message from the WRITEABLE callback.
 *
 * The connection is found from lws callbacks through the wsi's opaque user
 * data; finish() detaches it before telling the caller, so a wsi that
 * lives on after on_close (or after ws_client_free) only ever reaches
 * callbacks that find NULL and let it die.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <openssl/x509.h>

#include "transport/ws.h"
#include "transport/ws_resolve.h"

#define WS_PROTOCOL_NAME	"walink-ws-client"
#define WS_DETAIL_MAX		128	/* copy of lws's error text */

enum ws_state {
	WSS_IDLE,		/* never connected, or on_close delivered */
	WSS_CONNECTING,
	WSS_OPEN,
	WSS_CLOSING,		/* ws_client_close() called */
};

struct ws_msg {
	STAILQ_ENTRY(ws_msg)	 entry;
	size_t			 len;
	uint8_t			 buf[];	/* LWS_PRE headroom, then len bytes */
};

struct ws_client {
	struct lws_context	*cx;
	struct ws_callbacks	 cb;
	void			*user;
	struct ws_url		 url;
	char			 host_hdr[WS_HOST_MAX + 7];	/* host:port */
	char			 origin[WS_ORIGIN_MAX + 1];
	lws_usec_t		 connect_timeout_us;
	lws_usec_t		 close_timeout_us;
	size_t			 queue_max;

	enum ws_state		 state;
	struct lws		*wsi;
	lws_sorted_usec_list_t	 sul_start;	/* connect from the loop */
	lws_sorted_usec_list_t	 sul_deadline;	/* connect or close timeout */
	struct ws_resolve	*resolve;	/* name lookup in flight */
	STAILQ_HEAD(, ws_msg)	 queue;
	size_t			 queued_bytes;
	unsigned int		 queued_msgs;

	bool			 opened;	/* ESTABLISHED seen */
	bool			 timed_out;
	bool			 keep_detail;	/* ours says more than lws's */
	bool			 peer_closed;
	uint16_t		 peer_code;
	bool			 protocol_error;
	bool			 in_connect;	/* inside lws_client_connect_via_info */
	bool			 have_pending;	/* a failure seen there */
	struct ws_close_info	 pending;
	char			 detail[WS_DETAIL_MAX];
};

static int	ws_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);
static void	wake_all(struct lws_context *);

static const struct lws_protocols ws_protocols[] = {
	{ WS_PROTOCOL_NAME, ws_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/*
 * No lws "validity" pings: by default lws 4.1.6 pings after 300 s without
 * a pong and hangs up 10 s later. WhatsApp Web (a browser) never sends
 * WebSocket pings, and the link's keepalive (DESIGN.md) is the one judge
 * of a silent connection. A zero hangup time turns the machinery off.
 */
static const lws_retry_bo_t ws_no_validity = { .secs_since_valid_ping = 0 };

const struct lws_protocols *
ws_client_protocol(void)
{
	return &ws_protocols[0];
}

static void
queue_clear(struct ws_client *c)
{
	struct ws_msg *m;

	while ((m = STAILQ_FIRST(&c->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->queue, entry);
		free(m);
	}
	c->queued_bytes = 0;
	c->queued_msgs = 0;
}

static void
detail_set(struct ws_client *c, const void *in, size_t len)
{
	c->detail[0] = '\0';
	if (in == NULL)
		return;
	if (len == 0 || len >= sizeof(c->detail))
		len = strnlen(in, sizeof(c->detail) - 1);
	memcpy(c->detail, in, len);
	c->detail[len] = '\0';
	/* lws's texts often end in a newline: trim it for one-line logs */
	while (len > 0 && (c->detail[len - 1] == '\n' ||
	    c->detail[len - 1] == '\0'))
		c->detail[--len] = '\0';
}

/*
 * The connection is over: detach from the wsi, drop what was queued and
 * tell the caller. Nothing touches c after on_close, which may free it.
 */
static void
finish(struct ws_client *c, enum ws_reason reason, uint16_t code)
{
	struct ws_close_info ci;

	lws_sul_cancel(&c->sul_start);
	lws_sul_cancel(&c->sul_deadline);
	ws_resolve_cancel(c->resolve);
	c->resolve = NULL;
	if (c->wsi != NULL) {
		lws_set_opaque_user_data(c->wsi, NULL);
		c->wsi = NULL;
	}
	queue_clear(c);
	c->state = WSS_IDLE;
	ci.reason = reason;
	ci.code = code;
	ci.detail = c->detail[0] != '\0' ? c->detail : NULL;
	if (c->in_connect) {	/* lws failed us synchronously: report later */
		c->pending = ci;
		c->have_pending = true;
		return;
	}
	if (c->cb.on_close != NULL)
		c->cb.on_close(c->user, &ci);
}

/* Why a connection that never opened ended. */
static enum ws_reason
unopened_reason(const struct ws_client *c)
{
	if (c->state == WSS_CLOSING)
		return WS_REASON_LOCAL_CLOSE;
	if (c->timed_out)
		return WS_REASON_CONNECT_TIMEOUT;
	return WS_REASON_CONNECT_FAILED;
}

static void
on_connection_error(struct ws_client *c, const void *in, size_t len)
{
	if (!c->keep_detail)
		detail_set(c, in, len);
	finish(c, unopened_reason(c), 0);
}

static void
on_closed(struct ws_client *c)
{
	if (!c->opened)
		on_connection_error(c, "closed before open", 0);
	else if (c->state == WSS_CLOSING)
		finish(c, WS_REASON_LOCAL_CLOSE, 0);
	else if (c->protocol_error)
		finish(c, WS_REASON_PROTOCOL, 0);
	else if (c->peer_closed)
		finish(c, WS_REASON_PEER_CLOSE, c->peer_code);
	else
		finish(c, WS_REASON_DROPPED, 0);
}

static int
on_established(struct ws_client *c)
{
	if (c->state == WSS_CLOSING)	/* closed while the kill was queued */
		return -1;
	lws_sul_cancel(&c->sul_deadline);
	c->state = WSS_OPEN;
	c->opened = true;
	if (!STAILQ_EMPTY(&c->queue))
		lws_callback_on_writable(c->wsi);
	if (c->cb.on_open != NULL)
		c->cb.on_open(c->user);		/* may free c: last */
	return 0;
}

/* One queued message per WRITEABLE, then the close frame if asked. */
static int
on_writeable(struct ws_client *c)
{
	struct ws_msg *m;
	int n;

	if ((m = STAILQ_FIRST(&c->queue)) == NULL) {
		if (c->state != WSS_CLOSING)
			return 0;
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		/* lws 4.1.6 sends the close frame, then closes at once */
		return -1;
	}
	STAILQ_REMOVE_HEAD(&c->queue, entry);
	c->queued_bytes -= m->len;
	c->queued_msgs--;
	/* lws keeps whatever the socket did not take and sends it first */
	n = lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_BINARY);
	free(m);
	if (n < 0)
		return -1;
	if (!STAILQ_EMPTY(&c->queue) || c->state == WSS_CLOSING)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static int
on_receive(struct ws_client *c, struct lws *wsi, const void *in, size_t len)
{
	if (!lws_frame_is_binary(wsi)) {
		/* WhatsApp speaks binary only (protocol-notes §1) */
		c->protocol_error = true;
		lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
		    (unsigned char *)"binary only", 11);
		return -1;
	}
	if (c->cb.on_data != NULL)
		c->cb.on_data(c->user, in, len);	/* may free c: last */
	return 0;
}

static void
on_peer_close(struct ws_client *c, const uint8_t *in, size_t len)
{
	c->peer_closed = true;
	/* RFC 6455 7.1.5: a close frame without a code reads as 1005 */
	c->peer_code = len >= 2 ? (uint16_t)(in[0] << 8 | in[1]) : 1005;
}

/*
 * lws 4.1.6 reports a failed verification as "connect SSL err 1" and
 * logs the reason itself; keep OpenSSL's reason for on_close instead.
 * The verdict stays lws's and OpenSSL's: this only reads it.
 */
static void
on_cert_verify(struct ws_client *c, X509_STORE_CTX *x, size_t preverify_ok)
{
	int err;

	if (preverify_ok || x == NULL || c->keep_detail)
		return;
	err = X509_STORE_CTX_get_error(x);
	snprintf(c->detail, sizeof(c->detail), "certificate: %s (depth %d)",
	    X509_verify_cert_error_string(err),
	    X509_STORE_CTX_get_error_depth(x));
	c->keep_detail = true;
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct ws_client *c = lws_get_opaque_user_data(wsi);

	/* a name lookup's answer (ws_resolve.c), a thread's (ws_wake_add) */
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		wake_all(lws_get_context(wsi));
		return 0;
	}
	if (c == NULL) {	/* orphaned by finish() or ws_client_free() */
		if (reason == LWS_CALLBACK_CLIENT_RECEIVE ||
		    reason == LWS_CALLBACK_CLIENT_WRITEABLE ||
		    reason == LWS_CALLBACK_CLIENT_ESTABLISHED)
			return -1;
		return 0;
	}
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		on_connection_error(c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		return on_established(c);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(c);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		on_peer_close(c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		on_closed(c);
		return 0;
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		/* lws passes the X509_STORE_CTX as user, preverify_ok as len */
		on_cert_verify(c, user, len);
		return 0;	/* 0: no opinion, OpenSSL's verdict stands */
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		/*
		 * lws 4.1.6 reports a kill while the upgrade reply is awaited
		 * this way (the wsi is still h1), not as CONNECTION_ERROR.
		 */
		on_connection_error(c, "closed awaiting the upgrade reply", 0);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		/* last resort: never keep a pointer to a freed wsi */
		on_closed(c);
		return 0;
	default:
		return 0;
	}
}

static struct ws_wake {
	struct lws_context	*cx;
	void			(*fn)(void *);
	void			*arg;
} wakes[WS_WAKE_MAX];

int
ws_wake_add(struct lws_context *cx, void (*fn)(void *), void *arg)
{
	size_t i;

	for (i = 0; i < WS_WAKE_MAX; i++)
		if (wakes[i].fn == NULL) {
			wakes[i] = (struct ws_wake){ cx, fn, arg };
			return 0;
		}
	return -ENOSPC;
}

void
ws_wake_remove(struct lws_context *cx, void (*fn)(void *), void *arg)
{
	size_t i;

	for (i = 0; i < WS_WAKE_MAX; i++)
		if (wakes[i].cx == cx && wakes[i].fn == fn && wakes[i].arg == arg)
			wakes[i] = (struct ws_wake){ NULL, NULL, NULL };
}

static void
wake_all(struct lws_context *cx)
{
	size_t i;

	ws_resolve_poll(cx);
	/* a fn may remove itself (or another): read each slot afresh */
	for (i = 0; i < WS_WAKE_MAX; i++)
		if (wakes[i].cx == cx && wakes[i].fn != NULL)
			wakes[i].fn(wakes[i].arg);
}

/* lws gets an address: any name was looked up beside the loop. */
static void
connect_to(struct ws_client *c, const char *addr)
{
	struct lws_client_connect_info i;
	struct lws *wsi;

	memset(&i, 0, sizeof(i));
	i.context = c->cx;
	i.address = addr;
	i.port = c->url.port;
	/*
	 * lws follows 3xx on the upgrade by default (to any host, only a TLS
	 * downgrade refused): the transport goes where it was configured.
	 */
	i.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT |
	    (c->url.tls ? LCCSCF_USE_SSL : 0);
	i.path = c->url.path;
	/*
	 * lws 4.1.6 takes the TLS server name (SNI and the certificate
	 * check) from the Host header, cut at ':', not from the address.
	 */
	i.host = c->host_hdr;
	i.origin = c->origin;
	i.local_protocol_name = WS_PROTOCOL_NAME;	/* no subprotocol sent */
	i.alpn = "http/1.1";	/* h2 would mean RFC 8441 ws, not WhatsApp's */
	i.opaque_user_data = c;
	i.retry_and_idle_policy = &ws_no_validity;
	i.pwsi = &c->wsi;	/* set early: errors may come before return */

	c->in_connect = true;
	wsi = lws_client_connect_via_info(&i);
	c->in_connect = false;
	if (c->have_pending) {
		c->have_pending = false;
		if (c->cb.on_close != NULL)
			c->cb.on_close(c->user, &c->pending);
		return;
	}
	if (wsi == NULL) {
		c->wsi = NULL;
		/* lws 4.1.6 holds back CONNECTION_ERROR inside the call */
		detail_set(c, "could not start (socket)", 0);
		finish(c, WS_REASON_CONNECT_FAILED, 0);
	}
}

static void
resolved(void *arg, int rc, const char *addr, const char *why)
{
	struct ws_client *c = arg;
	char detail[WS_HOST_MAX + 256];	/* cut to WS_DETAIL_MAX by detail_set */

	c->resolve = NULL;
	if (c->state != WSS_CONNECTING)
		return;
	if (rc < 0) {
		/* a connect failure like any other: the link's backoff decides */
		snprintf(detail, sizeof(detail), "name lookup for %s failed: %s",
		    c->url.host, why != NULL ? why : "?");
		detail_set(c, detail, 0);
		c->keep_detail = true;
		finish(c, WS_REASON_CONNECT_FAILED, 0);
		return;
	}
	connect_to(c, addr);
}

/* Deferred so that no outcome is ever reported inside ws_client_connect. */
static void
start_due(lws_sorted_usec_list_t *sul)
{
	struct ws_client *c = lws_container_of(sul, struct ws_client,
	    sul_start);
	int rc;

	if (c->state != WSS_CONNECTING)		/* closed before we began */
		return;
	if (ws_resolve_is_numeric(c->url.host)) {
		connect_to(c, c->url.host);
		return;
	}
	/* getaddrinfo on the loop would stall it as long as DNS takes */
	if ((rc = ws_resolve_start(c->cx, c->url.host, resolved, c,
	    &c->resolve)) < 0) {
		detail_set(c, "could not start a name lookup", 0);
		c->keep_detail = true;
		finish(c, WS_REASON_CONNECT_FAILED, 0);
	}
}

/* Connect or close took too long: kill the wsi; its callback reports. */
static void
deadline_due(lws_sorted_usec_list_t *sul)
{
	struct ws_client *c = lws_container_of(sul, struct ws_client,
	    sul_deadline);

	if (c->state == WSS_CONNECTING) {
		c->timed_out = true;
		c->keep_detail = true;
		detail_set(c, "connect timeout", 0);
	}
	if (c->wsi == NULL) {	/* lws never had it: report ourselves */
		finish(c, unopened_reason(c), 0);
		return;
	}
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

int
ws_client_new(struct lws_context *cx, const struct ws_config *cfg,
    const struct ws_callbacks *cb, void *user, struct ws_client **out)
{
	struct ws_client *c;
	const char *origin;
	int rc;

	if (cx == NULL || cb == NULL || out == NULL)
		return -EINVAL;
	if ((rc = ws_config_check(cfg)) < 0)
		return rc;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	if ((rc = ws_url_parse(cfg->url ? cfg->url : WS_DEFAULT_URL,
	    &c->url)) < 0) {
		free(c);
		return rc;
	}
	if (c->url.port == (c->url.tls ? 443 : 80))
		snprintf(c->host_hdr, sizeof(c->host_hdr), "%s", c->url.host);
	else
		snprintf(c->host_hdr, sizeof(c->host_hdr), "%s:%u",
		    c->url.host, (unsigned int)c->url.port);
	origin = cfg->origin ? cfg->origin : WS_DEFAULT_ORIGIN;
	memcpy(c->origin, origin, strlen(origin) + 1);
	c->connect_timeout_us = (lws_usec_t)(cfg->connect_timeout_ms ?
	    cfg->connect_timeout_ms : WS_CONNECT_TIMEOUT_DEFAULT) * LWS_US_PER_MS;
	c->close_timeout_us = (lws_usec_t)(cfg->close_timeout_ms ?
	    cfg->close_timeout_ms : WS_CLOSE_TIMEOUT_DEFAULT) * LWS_US_PER_MS;
	c->queue_max = cfg->send_queue_max ? cfg->send_queue_max :
	    WS_SEND_QUEUE_DEFAULT;
	c->cx = cx;
	c->cb = *cb;
	c->user = user;
	STAILQ_INIT(&c->queue);
	*out = c;
	return 0;
}

int
ws_client_connect(struct ws_client *c)
{
	if (c->state != WSS_IDLE)
		return -EALREADY;
	c->opened = false;
	c->timed_out = false;
	c->keep_detail = false;
	c->peer_closed = false;
	c->peer_code = 0;
	c->protocol_error = false;
	c->detail[0] = '\0';
	c->state = WSS_CONNECTING;
	lws_sul_schedule(c->cx, 0, &c->sul_start, start_due, 1);
	lws_sul_schedule(c->cx, 0, &c->sul_deadline, deadline_due,
	    c->connect_timeout_us);
	return 0;
}

int
ws_client_send(struct ws_client *c, const uint8_t *p, size_t len)
{
	struct ws_msg *m;

	if (c->state != WSS_CONNECTING && c->state != WSS_OPEN)
		return -ENOTCONN;
	if (len > c->queue_max)
		return -EMSGSIZE;
	if (len > c->queue_max - c->queued_bytes ||
	    c->queued_msgs >= WS_SEND_QUEUE_MSGS_MAX)
		return -ENOBUFS;
	if ((m = malloc(sizeof(*m) + LWS_PRE + len)) == NULL)
		return -ENOMEM;
	m->len = len;
	if (len > 0)
		memcpy(m->buf + LWS_PRE, p, len);
	STAILQ_INSERT_TAIL(&c->queue, m, entry);
	c->queued_bytes += len;
	c->queued_msgs++;
	if (c->state == WSS_OPEN)
		lws_callback_on_writable(c->wsi);
	return 0;
}

int
ws_client_close(struct ws_client *c)
{
	enum ws_state was = c->state;

	if (was == WSS_IDLE)
		return -ENOTCONN;
	if (was == WSS_CLOSING)
		return 0;
	c->state = WSS_CLOSING;
	if (was == WSS_CONNECTING) {
		/* nothing worth flushing yet: end it from the loop at once */
		lws_sul_schedule(c->cx, 0, &c->sul_deadline, deadline_due, 1);
		return 0;
	}
	lws_sul_schedule(c->cx, 0, &c->sul_deadline, deadline_due,
	    c->close_timeout_us);
	lws_callback_on_writable(c->wsi);
	return 0;
}

bool
ws_client_is_open(const struct ws_client *c)
{
	return c->state == WSS_OPEN;
}

size_t
ws_client_queued(const struct ws_client *c)
{
	return c->queued_bytes;
}

void
ws_client_free(struct ws_client *c)
{
	if (c == NULL)
		return;
	lws_sul_cancel(&c->sul_start);
	lws_sul_cancel(&c->sul_deadline);
	ws_resolve_cancel(c->resolve);
	if (c->wsi != NULL) {
		lws_set_opaque_user_data(c->wsi, NULL);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
	}
	queue_clear(c);
	free(c);
}
