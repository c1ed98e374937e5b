/* reply.c: every response wa-control sends goes through here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "http/request.h"

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/*
 * Headers and body leave in one write: two small writes on a keep-alive
 * connection meet Nagle and delayed ACK and cost ~40 ms per request.
 */
int
ctl_reply_raw(struct ctl_req *r, int status, const char *type,
    const char *extra_headers, const void *body, size_t len)
{
	char head[2048], *buf;
	int n;

	/* An answer given before the body was read ends the connection
	 * (dispatch closes it): say so, or a keep-alive client would send
	 * its next request into a closing socket. */
	if (r->ri != NULL && r->ri->content_length > 0 && !r->body_read)
		r->closing = true;
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    CTL_SECURITY_HEADERS
	    "%s%s\r\n", status, status_text(status), type, len,
	    r->closing ? "Connection: close\r\n" : "",
	    extra_headers ? extra_headers : "");
	r->status = status;
	if (n < 0 || (size_t)n >= sizeof(head))
		return status;	/* our own headers never get this long */
	if ((buf = malloc((size_t)n + len)) == NULL) {
		mg_write(r->conn, head, (size_t)n);
		mg_write(r->conn, body, len);
		return status;
	}
	memcpy(buf, head, (size_t)n);
	if (len > 0)
		memcpy(buf + n, body, len);
	mg_write(r->conn, buf, (size_t)n + len);
	free(buf);
	return status;
}

int
ctl_reply_json(struct ctl_req *r, int status, json_t *obj)
{
	char *text;
	int rc;

	if (obj == NULL)
		return ctl_reply_error(r, 500, "out of memory");
	if (json_object_get(obj, "success") == NULL)
		json_object_set_new(obj, "success",
		    json_boolean(status >= 200 && status < 300));
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text == NULL)
		return ctl_reply_raw(r, 500, "application/json", NULL,
		    "{\"success\":false,\"error\":\"out of memory\"}", 42);
	rc = ctl_reply_raw(r, status, "application/json", NULL, text,
	    strlen(text));
	free(text);
	return rc;
}

int
ctl_reply_error_h(struct ctl_req *r, int status, const char *msg,
    const char *extra_headers)
{
	json_t *o = json_pack("{s:b, s:s}", "success", 0, "error", msg);
	char *text;
	int rc;

	if (o == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		return ctl_reply_raw(r, 500, "application/json", NULL,
		    "{\"success\":false,\"error\":\"out of memory\"}", 42);
	}
	json_decref(o);
	rc = ctl_reply_raw(r, status, "application/json", extra_headers, text,
	    strlen(text));
	free(text);
	return rc;
}

int
ctl_reply_error(struct ctl_req *r, int status, const char *msg)
{
	return ctl_reply_error_h(r, status, msg, NULL);
}

void
ctl_reply_close_now(struct ctl_req *r)
{
	/*
	 * civetweb has no "close after this answer" for handlers; on a server
	 * connection mg_close_connection() shuts the socket and marks it
	 * must_close (no drain of the unread body, no keep-alive), and the
	 * worker thread's own close later finds it closed.
	 */
	if (!r->closed)
		mg_close_connection(r->conn);
	r->closed = true;
}

int
ctl_reply_close(struct ctl_req *r, int status, const char *msg,
    const char *extra_headers)
{
	r->closing = true;
	ctl_reply_error_h(r, status, msg, extra_headers);
	ctl_reply_close_now(r);
	return status;
}

const char *
ctl_req_header(const struct ctl_req *r, const char *name)
{
	return mg_get_header(r->conn, name);
}
