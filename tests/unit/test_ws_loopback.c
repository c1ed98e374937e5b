/*
 * test_ws_loopback: the client in a context the caller builds itself (the
 * path ws.h documents for wa-worker), against an lws server vhost on
 * 127.0.0.1 in the same context and loop. It proves what ws-check cannot:
 * reconnecting from inside on_close after an open connection, freeing the
 * client from inside on_open and on_data, and a close that flushes.
 */
#include "transport/ws.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <libwebsockets.h>
#include <openssl/x509.h>

#define SRV_BUF_MAX	4096	/* every test sends far less */

/* What the server side saw and should do; one connection at a time. */
struct srv {
	int		 conns;
	int		 closed;
	char		 origin[128];
	char		 uri[128];
	char		 args[64];	/* lws's server splits the query off */
	uint8_t		 rx[SRV_BUF_MAX];
	size_t		 rx_len;
	int		 rx_msgs;
	int		 peer_code;	/* close code the client sent */
	const uint8_t	*send;		/* sent once when writeable */
	size_t		 send_len;
	int		 close_code;	/* then closes with this, if set */
};

enum act {		/* what the client callbacks do */
	ACT_NONE,
	ACT_FREE_IN_OPEN,
	ACT_FREE_IN_DATA,
	ACT_RECONNECT_ONCE,	/* ws_client_connect() inside on_close */
	ACT_SEND_AND_CLOSE,	/* in on_open: queue 5 sends, then close */
};

struct fix {
	struct lws_context	*cx;
	struct ws_client	*c;
	struct srv		 srv;
	enum act		 act;
	int			 opens;
	int			 closes;
	enum ws_reason		 reasons[4];
	uint16_t		 codes[4];
	uint8_t			 rx[SRV_BUF_MAX];
	size_t			 rx_len;
	int			 guard_fired;
	lws_sorted_usec_list_t	 guard;
	int			 port;
};

static struct fix *cur;	/* the server callback has no user pointer */

static int
srv_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct srv *s = &cur->srv;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		s->conns++;
		lws_hdr_copy(wsi, s->origin, sizeof(s->origin), WSI_TOKEN_ORIGIN);
		lws_hdr_copy(wsi, s->uri, sizeof(s->uri), WSI_TOKEN_GET_URI);
		lws_hdr_copy(wsi, s->args, sizeof(s->args),
		    WSI_TOKEN_HTTP_URI_ARGS);
		if (s->send != NULL || s->close_code != 0)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		assert_true(len <= sizeof(s->rx) - s->rx_len);
		memcpy(s->rx + s->rx_len, in, len);
		s->rx_len += len;
		if (lws_is_final_fragment(wsi))
			s->rx_msgs++;
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (s->send != NULL) {
			uint8_t buf[LWS_PRE + SRV_BUF_MAX];

			memcpy(buf + LWS_PRE, s->send, s->send_len);
			lws_write(wsi, buf + LWS_PRE, s->send_len,
			    LWS_WRITE_BINARY);
			s->send = NULL;
			if (s->close_code != 0)
				lws_callback_on_writable(wsi);
			return 0;
		}
		if (s->close_code != 0) {
			lws_close_reason(wsi, (enum lws_close_status)s->close_code,
			    NULL, 0);
			s->close_code = 0;
			return -1;
		}
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			s->peer_code = ((const uint8_t *)in)[0] << 8 |
			    ((const uint8_t *)in)[1];
		return 0;
	case LWS_CALLBACK_CLOSED:
		s->closed++;
		return 0;
	default:
		return 0;
	}
}

static void
on_open(void *user)
{
	struct fix *f = user;
	static const uint8_t five[5] = { 1, 2, 3, 4, 5 };
	int i;

	f->opens++;
	if (f->act == ACT_FREE_IN_OPEN) {
		ws_client_free(f->c);
		f->c = NULL;
	} else if (f->act == ACT_SEND_AND_CLOSE) {
		for (i = 0; i < 5; i++)
			assert_int_equal(ws_client_send(f->c, five, i + 1), 0);
		assert_int_equal(ws_client_close(f->c), 0);
		/* closing: nothing more is accepted */
		assert_int_equal(ws_client_send(f->c, five, 1), -ENOTCONN);
	}
}

static void
on_data(void *user, const uint8_t *p, size_t len)
{
	struct fix *f = user;

	assert_true(len <= sizeof(f->rx) - f->rx_len);
	memcpy(f->rx + f->rx_len, p, len);
	f->rx_len += len;
	if (f->act == ACT_FREE_IN_DATA) {
		ws_client_free(f->c);
		f->c = NULL;
	}
}

static void
on_close(void *user, const struct ws_close_info *ci)
{
	struct fix *f = user;

	assert_true(f->closes < 4);
	f->reasons[f->closes] = ci->reason;
	f->codes[f->closes] = ci->code;
	f->closes++;
	if (f->act == ACT_RECONNECT_ONCE && f->closes == 1)
		assert_int_equal(ws_client_connect(f->c), 0);
}

static const struct ws_callbacks cbs = { on_open, on_data, on_close };

static void
guard_due(lws_sorted_usec_list_t *sul)
{
	struct fix *f = lws_container_of(sul, struct fix, guard);

	f->guard_fired = 1;
	lws_cancel_service(f->cx);	/* ripe timers run before the poll */
}

/* Services the loop until *flag >= want, at most 5 s. */
static void
run_until(struct fix *f, const int *flag, int want)
{
	f->guard_fired = 0;
	lws_sul_schedule(f->cx, 0, &f->guard, guard_due, 5 * LWS_US_PER_SEC);
	while (*flag < want && !f->guard_fired)
		if (lws_service(f->cx, 0) < 0)
			break;
	lws_sul_cancel(&f->guard);
	assert_false(f->guard_fired);
}

/* A few more turns of the loop, for work that reports nothing. */
static void
run_for_ms(struct fix *f, int ms)
{
	f->guard_fired = 0;
	lws_sul_schedule(f->cx, 0, &f->guard, guard_due,
	    (lws_usec_t)ms * LWS_US_PER_MS);
	while (!f->guard_fired)
		if (lws_service(f->cx, 0) < 0)
			break;
}

/*
 * The context a caller builds: our entry first in the protocol list, the
 * options ws.h names, a CA file; plus a test server protocol made the
 * default for upgrades that name no subprotocol.
 */
static int
setup(void **state)
{
	static struct lws_protocols protocols[3];
	static const struct lws_protocol_vhost_options dflt = {
		NULL, NULL, "default", "1"
	};
	static const struct lws_protocol_vhost_options pvo = {
		NULL, &dflt, "test-server", ""
	};
	struct lws_context_creation_info info;
	struct fix *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	protocols[0] = *ws_client_protocol();
	protocols[1] = (struct lws_protocols){ "test-server", srv_cb, 0,
	    SRV_BUF_MAX, 0, NULL, 0 };
	memset(&info, 0, sizeof(info));
	info.port = 0;			/* the kernel picks a free port */
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.pvo = &pvo;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
	    LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
	info.client_ssl_ca_filepath = X509_get_default_cert_file();
	info.timeout_secs = WS_CONNECT_TIMEOUT_MAX / 1000 + 10;
	info.connect_timeout_secs = info.timeout_secs;
	lws_set_log_level(LLL_ERR, NULL);
	if ((f->cx = lws_create_context(&info)) == NULL) {
		free(f);
		return -1;
	}
	f->port = lws_get_vhost_listen_port(lws_get_vhost_by_name(f->cx,
	    "default"));
	cur = f;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	ws_client_free(f->c);
	lws_context_destroy(f->cx);
	free(f);
	cur = NULL;
	return 0;
}

static void
connect_client(struct fix *f, const char *origin)
{
	struct ws_config cfg = { .origin = origin };
	char url[64];

	assert_true(f->port > 0);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/ws/chat?x=1", f->port);
	cfg.url = url;
	assert_int_equal(ws_client_new(f->cx, &cfg, &cbs, f, &f->c), 0);
	assert_int_equal(ws_client_connect(f->c), 0);
}

static void
test_ws_loopback_custom_context_sends_raw_origin_and_path(void **state)
{
	struct fix *f = *state;

	connect_client(f, "https://web.whatsapp.com");
	run_until(f, &f->opens, 1);
	assert_true(ws_client_is_open(f->c));
	assert_string_equal(f->srv.origin, "https://web.whatsapp.com");
	assert_string_equal(f->srv.uri, "/ws/chat");
	assert_string_equal(f->srv.args, "x=1");
}

static void
test_ws_loopback_reconnects_from_on_close_after_peer_close(void **state)
{
	struct fix *f = *state;
	static const uint8_t hello[3] = { 0xaa, 0xbb, 0xcc };

	f->act = ACT_RECONNECT_ONCE;
	f->srv.send = hello;
	f->srv.send_len = sizeof(hello);
	f->srv.close_code = 4000;
	connect_client(f, NULL);
	run_until(f, &f->opens, 2);		/* reopened from on_close */
	assert_int_equal(f->closes, 1);
	assert_int_equal(f->reasons[0], WS_REASON_PEER_CLOSE);
	assert_int_equal(f->codes[0], 4000);
	assert_int_equal(f->rx_len, sizeof(hello));
	assert_memory_equal(f->rx, hello, sizeof(hello));
	assert_int_equal(f->srv.conns, 2);
	assert_int_equal(ws_client_close(f->c), 0);
	run_until(f, &f->closes, 2);
	assert_int_equal(f->reasons[1], WS_REASON_LOCAL_CLOSE);
	run_until(f, &f->srv.closed, 2);
}

static void
test_ws_loopback_close_flushes_queue_then_sends_1000(void **state)
{
	struct fix *f = *state;
	static const uint8_t want[] = { 1, 1, 2, 1, 2, 3, 1, 2, 3, 4,
	    1, 2, 3, 4, 5 };

	f->act = ACT_SEND_AND_CLOSE;
	connect_client(f, NULL);
	run_until(f, &f->closes, 1);
	assert_int_equal(f->reasons[0], WS_REASON_LOCAL_CLOSE);
	run_until(f, &f->srv.closed, 1);
	assert_int_equal(f->srv.rx_msgs, 5);
	assert_int_equal(f->srv.rx_len, sizeof(want));
	assert_memory_equal(f->srv.rx, want, sizeof(want));
	assert_int_equal(f->srv.peer_code, 1000);
}

static void
test_ws_loopback_free_inside_on_open(void **state)
{
	struct fix *f = *state;

	f->act = ACT_FREE_IN_OPEN;
	connect_client(f, NULL);
	run_until(f, &f->opens, 1);
	assert_null(f->c);
	run_until(f, &f->srv.closed, 1);	/* the server sees it go */
	assert_int_equal(f->closes, 0);
}

static void
test_ws_loopback_free_inside_on_data(void **state)
{
	struct fix *f = *state;
	static const uint8_t data[2000] = { 7 };

	f->act = ACT_FREE_IN_DATA;
	f->srv.send = data;
	f->srv.send_len = sizeof(data);
	connect_client(f, NULL);
	run_until(f, &f->srv.closed, 1);
	assert_null(f->c);
	assert_true(f->rx_len > 0);
	assert_int_equal(f->closes, 0);
	run_for_ms(f, 50);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ws_loopback_custom_context_sends_raw_origin_and_path),
		T(test_ws_loopback_reconnects_from_on_close_after_peer_close),
		T(test_ws_loopback_close_flushes_queue_then_sends_1000),
		T(test_ws_loopback_free_inside_on_open),
		T(test_ws_loopback_free_inside_on_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
