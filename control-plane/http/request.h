/*
 * request.h: one HTTP request as the route handlers see it, and the only
 * ways they answer (every answer carries the security headers and is
 * counted in the metrics). Handlers return the status they sent.
 */
#ifndef WALINK_CTL_REQUEST_H
#define WALINK_CTL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "auth/cookie.h"
#include "http/route.h"

struct mg_connection;
struct mg_request_info;
struct ctl_server;
struct ctl_watch;
struct ctl_ipc;

struct ctl_req {
	struct mg_connection		*conn;
	const struct mg_request_info	*ri;
	struct ctl_server		*srv;
	enum ctl_route			 route;
	char				 param[CTL_PARAM_MAX + 1];
	char				*body;		/* NUL-terminated */
	size_t				 body_len;
	bool				 bearer;	/* token auth */
	bool				 session;	/* cookie auth */
	bool				 body_read;	/* read_body ran */
	bool				 closing;	/* answer says Connection: close */
	bool				 closed;	/* connection closed */
	char				 cookie[CTL_COOKIE_MAX];
	char				 csrf[CTL_CSRF_LEN + 1];
	int				 status;	/* sent, for metrics */
	/* the session the route acts on (the default one for seed paths) */
	struct ctl_watch		*watch;
	struct ctl_ipc			*ipc;
};

/* Every response carries these (CSP without inline script, no framing). */
#define CTL_SECURITY_HEADERS \
	"Content-Security-Policy: default-src 'self'; script-src 'self'; " \
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
	"object-src 'none'; base-uri 'none'; form-action 'self'; " \
	"frame-ancestors 'none'\r\n" \
	"X-Content-Type-Options: nosniff\r\n" \
	"X-Frame-Options: DENY\r\n" \
	"Referrer-Policy: no-referrer\r\n" \
	"Cross-Origin-Opener-Policy: same-origin\r\n" \
	"Cross-Origin-Resource-Policy: same-origin\r\n"

/* JSON answer; obj is consumed ("success" is added when missing). */
int	ctl_reply_json(struct ctl_req *, int status, json_t *obj);
/* {"success":false,"error":msg}; extra_headers may be NULL. */
int	ctl_reply_error(struct ctl_req *, int status, const char *msg);
int	ctl_reply_error_h(struct ctl_req *, int status, const char *msg,
	    const char *extra_headers);
/* Any body with its own type; extra_headers end with "\r\n" or are "". */
int	ctl_reply_raw(struct ctl_req *, int status, const char *type,
	    const char *extra_headers, const void *body, size_t len);

/*
 * An error answer, then the connection closed at once: for requests whose
 * body is refused unread (civetweb would otherwise drain it at the
 * client's pace) or whose framing cannot be trusted.
 */
int	ctl_reply_close(struct ctl_req *, int status, const char *msg,
	    const char *extra_headers);
/* Closes the connection after an answer already sent. */
void	ctl_reply_close_now(struct ctl_req *);

const char *ctl_req_header(const struct ctl_req *, const char *name);

#endif
