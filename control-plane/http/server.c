/* server.c: civetweb set-up and the one dispatching handler. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

#include "api/body.h"
#include "api/handlers.h"
#include "auth/auth.h"
#include "http/server.h"
#include "ipc/hub.h"
#include "ipc/watch.h"
#include "log.h"

typedef int (*route_fn)(struct ctl_req *);

static const route_fn route_fns[RT__MAX] = {
	[RT_INDEX] = api_index,
	[RT_STATIC] = api_static,
	[RT_HEALTHZ] = api_healthz,
	[RT_METRICS] = api_metrics,
	[RT_OPENAPI] = api_openapi,
	[RT_AUTH_LOGIN] = api_auth_login,
	[RT_AUTH_LOGOUT] = api_auth_logout,
	[RT_AUTH_SESSION] = api_auth_session,
	[RT_WL_LIST] = api_whitelist_list,
	[RT_WL_ADD] = api_whitelist_add,
	[RT_WL_REMOVE] = api_whitelist_remove,
	[RT_WL_BULK] = api_whitelist_bulk,
	[RT_WL_EXPORT] = api_whitelist_export,
	[RT_WA_STATE] = api_whatsapp_state,
	[RT_WA_QR] = api_whatsapp_qr,
	[RT_WA_LOGOUT] = api_whatsapp_logout,
	[RT_WA_RESTART] = api_whatsapp_restart,
	[RT_WA_QR_NEW] = api_whatsapp_qr_new,
	[RT_EVENTS] = api_events,
	[RT_SESSIONS] = api_sessions,
	[RT_SESSION_ONE] = api_session_one,
};

/*
 * Reads the body into r->body, refusing more than CTL_BODY_MAX before
 * reading it when Content-Length says so, or as soon as a chunked body
 * passes it. Returns 0 or the status already sent.
 */
static int
read_body(struct ctl_req *r)
{
	long long cl = r->ri->content_length;
	size_t cap = CTL_BODY_MAX, len = 0;
	int n;

	if (cl > (long long)CTL_BODY_MAX)
		return ctl_reply_error(r, 413, "request body too large "
		    "(at most 1 MiB)");
	if (cl == 0)
		cap = 0;
	if ((r->body = malloc(cap + 2)) == NULL)
		return ctl_reply_error(r, 500, "out of memory");
	while (len <= cap) {
		n = mg_read(r->conn, r->body + len, cap + 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len > cap)
		return ctl_reply_error(r, 413, "request body too large "
		    "(at most 1 MiB)");
	r->body[len] = '\0';
	r->body_len = len;
	return 0;
}

/* Bearer token or session cookie; 0 or the status already sent. */
static int
gate_auth(struct ctl_req *r, unsigned flags)
{
	const char *authz = ctl_req_header(r, "Authorization");
	const char *cookies = ctl_req_header(r, "Cookie");
	uint64_t now = (uint64_t)time(NULL);

	if (authz != NULL && ctl_auth_bearer_ok(r->srv->auth, authz))
		r->bearer = true;
	else if (cookies != NULL &&
	    ctl_cookie_find(cookies, r->cookie) == 0 &&
	    ctl_auth_session_check(r->srv->auth, r->cookie, now, r->csrf) == 0)
		r->session = true;
	if ((flags & RF_AUTH) && !r->bearer && !r->session)
		return ctl_reply_error_h(r, 401, authz != NULL ?
		    "invalid bearer token" : "authentication required: log in "
		    "or send Authorization: Bearer <token>",
		    "WWW-Authenticate: Bearer realm=\"wa-control\"\r\n");
	if ((flags & RF_MUTATES) && !r->bearer) {
		struct ctl_csrf_req c = {
			.origin = ctl_req_header(r, "Origin"),
			.fetch_site = ctl_req_header(r, "Sec-Fetch-Site"),
			.host = ctl_req_header(r, "Host"),
			.header_token = ctl_req_header(r, "X-CSRF-Token"),
			.want_token = r->session && (flags & RF_AUTH) ?
			    r->csrf : NULL,
		};

		if (!ctl_csrf_allows(&c))
			return ctl_reply_error(r, 403, "cross-site request "
			    "refused: send the X-CSRF-Token header from the "
			    "same origin");
	}
	return 0;
}

static int
route_error(struct ctl_req *r, int rc)
{
	switch (rc) {
	case -EPERM:
		return ctl_reply_error(r, 405, "method not allowed on this path");
	case -ENAMETOOLONG:
		return ctl_reply_error(r, 414, "request path too long");
	case -EINVAL:
		return ctl_reply_error(r, 400, "malformed path parameter");
	default:
		return ctl_reply_error(r, 404, "no such route");
	}
}

static int
dispatch(struct mg_connection *conn, void *cbdata)
{
	struct ctl_req r = { .conn = conn, .srv = cbdata };
	char session[CTL_PARAM_MAX + 1];
	const struct ctl_route_def *d;
	const char *path;
	int rc;

	r.ri = mg_get_request_info(conn);
	path = r.ri->local_uri_raw ? r.ri->local_uri_raw : r.ri->local_uri;
	if ((rc = ctl_route_match_session(r.ri->request_method, path, &r.route,
	    r.param, session)) < 0) {
		r.route = RT_NONE;
		route_error(&r, rc);
		goto out_count;
	}
	d = ctl_route_def(r.route);
	if (gate_auth(&r, d->flags) != 0)
		goto out_count;
	r.watch = session[0] != '\0' ? ctl_hub_find(r.srv->hub, session) :
	    ctl_hub_default(r.srv->hub);
	r.ipc = r.watch != NULL ? ctl_watch_ipc(r.watch) : NULL;
	if ((d->flags & RF_SESSION) && r.watch == NULL) {
		ctl_reply_error(&r, 404, session[0] != '\0' ? "no such session" :
		    "no session is declared yet");
		goto out_count;
	}
	if ((d->flags & RF_WORKER) && !ctl_watch_worker_up(r.watch)) {
		ctl_reply_error(&r, 503, "worker unreachable: wa-worker is not "
		    "answering on its IPC socket");
		goto out_count;
	}
	if (strcmp(r.ri->request_method, "GET") != 0 && read_body(&r) != 0)
		goto out_count;
	route_fns[r.route](&r);
out_count:
	ctl_metrics_count(&r.srv->metrics, r.route, r.status);
	free(r.body);
	return r.status ? r.status : 500;
}

static int
log_message(const struct mg_connection *conn, const char *msg)
{
	(void)conn;
	log_warnx("http: %s", msg);
	return 1;
}

int
ctl_server_run(struct ctl_server *srv)
{
	struct mg_callbacks cb;
	struct mg_context *ctx;
	const char *opts[] = {
		"listening_ports", srv->cfg->listen,
		"num_threads", CTL_HTTP_THREADS,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "5000",
		"request_timeout_ms", "30000",
		"enable_directory_listing", "no",
		"tcp_nodelay", "1",
		NULL
	};

	memset(&cb, 0, sizeof(cb));
	cb.log_message = log_message;
	if ((ctx = mg_start(&cb, srv, opts)) == NULL)
		return -EADDRINUSE;
	mg_set_request_handler(ctx, "/", dispatch, srv);
	log_info("listening on http://%s, %zu worker%s (default %s)",
	    srv->cfg->listen, ctl_hub_count(srv->hub),
	    ctl_hub_count(srv->hub) == 1 ? "" : "s", srv->watch ?
	    ctl_watch_id(srv->watch) : "none yet");
	while (!*srv->stop)
		usleep(100 * 1000);
	ctl_hub_end_streams(srv->hub);	/* SSE handlers return now */
	mg_stop(ctx);
	return 0;
}
