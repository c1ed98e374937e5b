/*
 * test_ws_url: the transport's configuration checks that run before the
 * loop: URL splitting into host, port, path and TLS, and the limits of
 * struct ws_config (empty, maximum and maximum + 1 of each).
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

static void
test_ws_url_parse_splits_default_url(void **state)
{
	struct ws_url u;

	(void)state;
	assert_int_equal(ws_url_parse(WS_DEFAULT_URL, &u), 0);
	assert_true(u.tls);
	assert_int_equal(u.port, 443);
	assert_string_equal(u.host, "web.whatsapp.com");
	assert_string_equal(u.path, "/ws/chat");
}

static void
test_ws_url_parse_keeps_port_and_query(void **state)
{
	struct ws_url u;

	(void)state;
	assert_int_equal(ws_url_parse("ws://127.0.0.1:8080/ws/chat?a=1&b", &u),
	    0);
	assert_false(u.tls);
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.path, "/ws/chat?a=1&b");
}

static void
test_ws_url_parse_defaults_path_and_port(void **state)
{
	struct ws_url u;

	(void)state;
	assert_int_equal(ws_url_parse("ws://localhost", &u), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");
	assert_int_equal(ws_url_parse("wss://h.example:1", &u), 0);
	assert_int_equal(u.port, 1);
	assert_string_equal(u.path, "/");
	assert_int_equal(ws_url_parse("wss://h.example:65535/", &u), 0);
	assert_int_equal(u.port, 65535);
}

static void
test_ws_url_parse_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"", "http://h/", "WS://h/", "ws:/h/", "ws://", "ws://:80/",
		"ws://[::1]/", "ws://[::1]:80/", "ws://user@h/", "ws://h:/",
		"ws://h:0/", "ws://h:65536/", "ws://h:123456/", "ws://h:8a/",
		"ws://h/#frag", "ws://h/a b", "ws://h/\x01", "ws://h?q",
		"ws://-h/", "ws://.h/", "ws://h_x/", "wss://h:443:1/",
	};
	struct ws_url u;
	size_t i;

	(void)state;
	assert_int_equal(ws_url_parse(NULL, &u), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ws_url_parse(bad[i], &u) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void
test_ws_url_parse_leaves_out_untouched_on_failure(void **state)
{
	struct ws_url u, before;

	(void)state;
	memset(&u, 0xa5, sizeof(u));
	before = u;
	assert_int_equal(ws_url_parse("ws://h:99999/", &u), -EINVAL);
	assert_memory_equal(&u, &before, sizeof(u));
}

/* "ws://" + n host bytes + "/" */
static char *
url_with_host(size_t n)
{
	char *s = malloc(n + 7);

	assert_non_null(s);
	memcpy(s, "ws://", 5);
	memset(s + 5, 'a', n);
	memcpy(s + 5 + n, "/", 2);
	return s;
}

static void
test_ws_url_parse_host_maximum_and_one_more(void **state)
{
	struct ws_url u;
	char *max = url_with_host(WS_HOST_MAX);
	char *over = url_with_host(WS_HOST_MAX + 1);

	(void)state;
	assert_int_equal(ws_url_parse(max, &u), 0);
	assert_int_equal(strlen(u.host), WS_HOST_MAX);
	assert_int_equal(ws_url_parse(over, &u), -EINVAL);
	free(max);
	free(over);
}

/* "ws://h" + a path of n bytes */
static char *
url_with_path(size_t n)
{
	char *s = malloc(n + 7);

	assert_non_null(s);
	memcpy(s, "ws://h", 6);
	memset(s + 6, 'p', n);
	s[6] = '/';
	s[6 + n] = '\0';
	return s;
}

static void
test_ws_url_parse_path_maximum_and_one_more(void **state)
{
	struct ws_url u;
	char *max = url_with_path(WS_PATH_MAX);
	char *over = url_with_path(WS_PATH_MAX + 1);

	(void)state;
	assert_int_equal(ws_url_parse(max, &u), 0);
	assert_int_equal(strlen(u.path), WS_PATH_MAX);
	assert_int_equal(ws_url_parse(over, &u), -EINVAL);
	free(max);
	free(over);
}

static void
test_ws_url_parse_rejects_url_over_ceiling(void **state)
{
	struct ws_url u;
	char *s = url_with_path(WS_URL_MAX);	/* 6 + WS_URL_MAX bytes */

	(void)state;
	assert_int_equal(ws_url_parse(s, &u), -EINVAL);
	free(s);
}

static void
test_ws_config_check_accepts_all_defaults(void **state)
{
	struct ws_config cfg = { 0 };

	(void)state;
	assert_int_equal(ws_config_check(&cfg), 0);
	assert_int_equal(ws_config_check(NULL), -EINVAL);
}

static void
test_ws_config_check_rejects_bad_url(void **state)
{
	struct ws_config cfg = { .url = "ftp://h/" };

	(void)state;
	assert_int_equal(ws_config_check(&cfg), -EINVAL);
}

static void
test_ws_config_check_limits_timeouts(void **state)
{
	struct ws_config cfg = { 0 };

	(void)state;
	cfg.connect_timeout_ms = WS_CONNECT_TIMEOUT_MAX;
	cfg.close_timeout_ms = WS_CLOSE_TIMEOUT_MAX;
	assert_int_equal(ws_config_check(&cfg), 0);
	cfg.connect_timeout_ms = WS_CONNECT_TIMEOUT_MAX + 1;
	assert_int_equal(ws_config_check(&cfg), -ERANGE);
	cfg.connect_timeout_ms = 0;
	cfg.close_timeout_ms = WS_CLOSE_TIMEOUT_MAX + 1;
	assert_int_equal(ws_config_check(&cfg), -ERANGE);
}

static void
test_ws_config_check_limits_send_queue(void **state)
{
	struct ws_config cfg = { .send_queue_max = WS_SEND_QUEUE_LIMIT };

	(void)state;
	assert_int_equal(ws_config_check(&cfg), 0);
	cfg.send_queue_max = (size_t)WS_SEND_QUEUE_LIMIT + 1;
	assert_int_equal(ws_config_check(&cfg), -ERANGE);
}

static void
test_ws_config_check_limits_origin(void **state)
{
	char o[WS_ORIGIN_MAX + 2];
	struct ws_config cfg = { .origin = o };

	(void)state;
	memset(o, 'o', sizeof(o) - 1);
	o[WS_ORIGIN_MAX] = '\0';
	assert_int_equal(ws_config_check(&cfg), 0);
	o[WS_ORIGIN_MAX] = 'o';
	o[WS_ORIGIN_MAX + 1] = '\0';
	assert_int_equal(ws_config_check(&cfg), -EINVAL);
	cfg.origin = "";
	assert_int_equal(ws_config_check(&cfg), -EINVAL);
	cfg.origin = "https://a\r\nX-Injected: 1";
	assert_int_equal(ws_config_check(&cfg), -EINVAL);
	cfg.origin = "https://a b";
	assert_int_equal(ws_config_check(&cfg), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_url_parse_splits_default_url),
		cmocka_unit_test(test_ws_url_parse_keeps_port_and_query),
		cmocka_unit_test(test_ws_url_parse_defaults_path_and_port),
		cmocka_unit_test(test_ws_url_parse_rejects_malformed),
		cmocka_unit_test(
		    test_ws_url_parse_leaves_out_untouched_on_failure),
		cmocka_unit_test(test_ws_url_parse_host_maximum_and_one_more),
		cmocka_unit_test(test_ws_url_parse_path_maximum_and_one_more),
		cmocka_unit_test(test_ws_url_parse_rejects_url_over_ceiling),
		cmocka_unit_test(test_ws_config_check_accepts_all_defaults),
		cmocka_unit_test(test_ws_config_check_rejects_bad_url),
		cmocka_unit_test(test_ws_config_check_limits_timeouts),
		cmocka_unit_test(test_ws_config_check_limits_send_queue),
		cmocka_unit_test(test_ws_config_check_limits_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
