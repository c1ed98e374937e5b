/*
 * hook_http.c: --hook-url's POST, made by a forked child so the loop
 * never waits on the network (hook.c kills it at the timeout). Plain
 * HTTP/1.1 with Connection: close; the body of a 2xx answer goes to
 * out_fd. Chunked answers are decoded; anything over HOOK_HTTP_MAX is an
 * error. Returns the HTTP status, or a negative error.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hook.h"

/* A reply is cut to 64 KiB anyway: headers and chunk framing need little more. */
#define HOOK_HTTP_MAX	(HOOK_REPLY_MAX * 2 + 16384)

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -EHOSTUNREACH;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, 0)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : -ECONNREFUSED;
}

/* Decodes a chunked body in place; returns its length or -EBADMSG. */
static long
unchunk(char *p, size_t len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long n = strtoul(p + in, &end, 16);
		char *crlf = memmem(p + in, len - in, "\r\n", 2);

		if (crlf == NULL || end == p + in)
			return -EBADMSG;
		in = (size_t)(crlf - p) + 2;
		if (n == 0)
			return (long)out;
		if (n > len - in)
			return -EBADMSG;
		memmove(p + out, p + in, n);
		out += n;
		in += n + 2;
		if (in > len)
			return -EBADMSG;
	}
}

int
hook_http_post(const char *url, const char *body, size_t len, int out_fd)
{
	char host[256], port[8], head[1536], *buf = NULL, *hdr_end;
	const char *path;
	size_t got = 0;
	ssize_t n;
	long blen;
	int fd, status = -EBADMSG, hl;

	if (hook_url_parse(url, host, port, &path) < 0)
		return -EINVAL;
	hl = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: %s:%s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\nUser-Agent: walink-hook\r\n\r\n", path, host,
	    port, len);
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return -EINVAL;
	if ((fd = dial(host, port)) < 0)
		return fd;
	if (write_all(fd, head, (size_t)hl) < 0 || write_all(fd, body, len) < 0)
		goto out;
	if ((buf = malloc(HOOK_HTTP_MAX + 1)) == NULL)
		goto out;
	while (got < HOOK_HTTP_MAX &&
	    (n = read(fd, buf + got, HOOK_HTTP_MAX - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (strncmp(buf, "HTTP/1.", 7) != 0 || got < 12 ||
	    (hdr_end = strstr(buf, "\r\n\r\n")) == NULL)
		goto out;
	status = atoi(buf + 9);
	*hdr_end = '\0';
	hdr_end += 4;
	blen = (long)(got - (size_t)(hdr_end - buf));
	if (strcasestr(buf, "\r\ntransfer-encoding: chunked") != NULL &&
	    (blen = unchunk(hdr_end, (size_t)blen)) < 0) {
		status = -EBADMSG;
		goto out;
	}
	if (status >= 200 && status < 300 &&
	    write_all(out_fd, hdr_end, (size_t)blen) < 0)
		status = -EIO;
out:
	free(buf);
	close(fd);
	return status;
}
