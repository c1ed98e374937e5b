/*
 * hook_http.c: --hook-url's POST, made by a forked child so the loop
 * never waits on the network (hook.c kills it at the timeout). Plain
 * HTTP/1.1 with Connection: close; the body of a 2xx answer goes to
 * out_fd (hook_json.c parses the answer). Returns the HTTP status, or a
 * negative error.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook.h"

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

int
hook_http_post(const char *url, const char *body, size_t len, int out_fd)
{
	char host[256], port[8], head[1536], *buf = NULL, *answer;
	const char *path;
	size_t got = 0, blen;
	ssize_t n;
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
	if ((status = hook_http_parse(buf, got, &answer, &blen)) < 0)
		goto out;
	if (status >= 200 && status < 300 && write_all(out_fd, answer, blen) < 0)
		status = -EIO;
out:
	free(buf);
	close(fd);
	return status;
}
