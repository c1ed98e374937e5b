/*
 * ws_url.c: the checks on the transport's configuration that can run
 * before the loop starts (wa-worker --check): URL splitting and limits.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "transport/ws.h"

static bool
is_host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
}

/* Visible ASCII except '#': a fragment is never sent, so refuse it. */
static bool
is_path_char(char ch)
{
	return ch > ' ' && ch < 0x7f && ch != '#';
}

static int
parse_port(const char *p, size_t len, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/*
 * ws://host[:port][/path] or wss://...; host is a DNS name or IPv4
 * address. IPv6 literals are refused: lws 4.1.6 cuts the TLS name at the
 * first ':' (lws_ssl_client_bio_create), so "[::1]" could never verify.
 */
int
ws_url_parse(const char *url, struct ws_url *out)
{
	struct ws_url u;
	const char *p, *host, *end;
	size_t hlen, len;
	int rc;

	if (url == NULL || (len = strnlen(url, WS_URL_MAX + 1)) > WS_URL_MAX)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	if (strncmp(url, "wss://", 6) == 0) {
		u.tls = true;
		u.port = 443;
		p = url + 6;
	} else if (strncmp(url, "ws://", 5) == 0) {
		u.port = 80;
		p = url + 5;
	} else
		return -EINVAL;

	host = p;
	while (*p != '\0' && is_host_char(*p))
		p++;
	hlen = (size_t)(p - host);
	if (hlen == 0 || hlen > WS_HOST_MAX || host[0] == '.' ||
	    host[0] == '-')
		return -EINVAL;
	memcpy(u.host, host, hlen);

	if (*p == ':') {
		end = strchr(p, '/');
		if (end == NULL)
			end = url + len;
		if ((rc = parse_port(p + 1, (size_t)(end - p - 1), &u.port)) < 0)
			return rc;
		p = end;
	}
	if (*p == '\0')
		p = "/";
	else if (*p != '/')
		return -EINVAL;		/* userinfo, brackets, stray bytes */
	if (strlen(p) > WS_PATH_MAX)
		return -EINVAL;
	for (end = p; *end != '\0'; end++)
		if (!is_path_char(*end))
			return -EINVAL;
	memcpy(u.path, p, strlen(p) + 1);
	*out = u;
	return 0;
}

/* An Origin goes into a request header: no controls, no spaces. */
static int
check_origin(const char *o)
{
	size_t len = strnlen(o, WS_ORIGIN_MAX + 1), i;

	if (len == 0 || len > WS_ORIGIN_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (o[i] <= ' ' || o[i] >= 0x7f)
			return -EINVAL;
	return 0;
}

int
ws_config_check(const struct ws_config *cfg)
{
	struct ws_url u;
	int rc;

	if (cfg == NULL)
		return -EINVAL;
	if ((rc = ws_url_parse(cfg->url ? cfg->url : WS_DEFAULT_URL, &u)) < 0)
		return rc;
	if (cfg->origin != NULL && (rc = check_origin(cfg->origin)) < 0)
		return rc;
	if (cfg->connect_timeout_ms > WS_CONNECT_TIMEOUT_MAX ||
	    cfg->close_timeout_ms > WS_CLOSE_TIMEOUT_MAX ||
	    cfg->send_queue_max > WS_SEND_QUEUE_LIMIT)
		return -ERANGE;
	return 0;
}
