/* server.c: civetweb set-up and the one dispatching handler. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

#include "api/body.h"
#include "api/handlers.h"
#include "auth/auth.h"
#include "http/budget.h"
#include "http/server.h"
#include "ipc/hub.h"
#include "ipc/watch.h"
#include "log.h"

typedef int (*route_fn)(struct ctl_req *);

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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
	[RT_WA_PAIR_CODE] = api_whatsapp_pair_code,
	[RT_EVENTS] = api_events,
	[RT_AUTH_LOGOUT_ALL] = api_auth_logout_all,
	[RT_SESSIONS] = api_sessions,
	[RT_SESSION_ONE] = api_session_one,
	[RT_MSG_SEND] = api_messages_send,
	[RT_MSG_LIST] = api_messages_list,
	[RT_MSG_ONE] = api_message_one,
	[RT_WH_DEAD] = api_webhooks_dead,
	[RT_WH_REDELIVER] = api_webhooks_redeliver,
};

/*
 * Reads the body into r->body: at most cap bytes, declared up front by
 * Content-Length (chunked bodies are refused), within one deadline for
 * the whole body, so a client sending a byte every few seconds is cut
 * instead of holding a thread. civetweb's mg_read() returns only once it
 * has every byte asked for (each wait bounded by request_timeout_ms, the
 * total not at all), so a client not logged in (a login: at most 1 KiB)
 * is read a byte per call and the deadline checked between calls; a
 * logged-in client is trusted with large reads. Returns 0 or the status
 * already sent (the connection is then closed: the rest is never read).
 */
static int
read_body(struct ctl_req *r, size_t cap)
{
	long long cl = r->ri->content_length;
	uint64_t deadline = mono_ms() + CTL_BODY_DEADLINE_MS;
	size_t len = 0, step = r->bearer || r->session ? 65536 : 1;
	char msg[96];
	int n;

	if (cl > (long long)cap) {
		snprintf(msg, sizeof(msg), "request body too large (at most "
		    "%zu bytes here)", cap);
		return ctl_reply_close(r, 413, msg, NULL);
	}
	cap = cl > 0 ? (size_t)cl : 0;
	if ((r->body = malloc(cap + 1)) == NULL)
		return ctl_reply_close(r, 500, "out of memory", NULL);
	while (len < cap) {
		n = mg_read(r->conn, r->body + len, cap - len < step ?
		    cap - len : step);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len < cap && mono_ms() > deadline)
			break;
	}
	r->body_read = true;
	if (len < cap)
		return ctl_reply_close(r, 408, "request body not received in "
		    "time: send the whole body at once", NULL);
	r->body[len] = '\0';
	r->body_len = len;
	return 0;
}

/*
 * Ambiguous framing is refused and the connection closed: two
 * Content-Length headers, or Content-Length beside Transfer-Encoding
 * (a proxy and civetweb could split the bytes into different requests).
 * A body without Content-Length is refused too: every client of this
 * API knows the length, and only a known length can be capped up front.
 */
static int
gate_framing(struct ctl_req *r)
{
	const struct mg_request_info *ri = r->ri;
	int i, cl = 0, te = 0;

	for (i = 0; i < ri->num_headers; i++) {
		if (strcasecmp(ri->http_headers[i].name, "Content-Length") == 0)
			cl++;
		else if (strcasecmp(ri->http_headers[i].name,
		    "Transfer-Encoding") == 0)
			te++;
	}
	if (cl > 1)
		return ctl_reply_close(r, 400, "several Content-Length headers: "
		    "send exactly one", NULL);
	if (cl > 0 && te > 0)
		return ctl_reply_close(r, 400, "Content-Length and "
		    "Transfer-Encoding together: send only Content-Length",
		    NULL);
	if (te > 0)
		return ctl_reply_close(r, 411, "send the body with a "
		    "Content-Length (chunked bodies are not accepted)", NULL);
	return 0;
}

/*
 * A connection counts against its address from its first request that
 * is not logged in (civetweb does not tell the address before the head;
 * a slow head is bounded by CTL_HEAD_TIMEOUT_MS instead) until it
 * closes. Logged-in connections (dashboard tabs, SSE streams) and
 * /healthz never count.
 */
static struct ctl_budget_addr *
conn_budget_slot(struct ctl_req *r)
{
	struct ctl_budget_addr *slot = mg_get_user_connection_data(r->conn);

	if (slot == NULL) {
		slot = ctl_budget_conn_open(r->srv->budget, r->ri->remote_addr);
		mg_set_user_connection_data(r->conn, slot);
	}
	return slot;
}

/*
 * Budget for requests that are not logged in (http/budget.h): /healthz
 * and authenticated requests always pass; the dashboard's own files pass
 * the per-address limit only; everything else also needs an open slot.
 * 0 (*open set when a slot was taken) or the status already sent.
 */
static int
gate_budget(struct ctl_req *r, bool *open)
{
	struct ctl_budget *b = r->srv->budget;

	*open = false;
	if (r->route == RT_HEALTHZ || r->bearer || r->session)
		return 0;
	if (!ctl_budget_client_ok(b, conn_budget_slot(r)))
		return ctl_reply_close(r, 429, "too many connections from your "
		    "address: close some and retry", "Retry-After: 5\r\n");
	if (r->route == RT_INDEX || r->route == RT_STATIC)
		return 0;
	if (!ctl_budget_open_enter(b))
		return ctl_reply_close(r, 503, "too many requests in progress: "
		    "retry in a moment", "Retry-After: 1\r\n");
	*open = true;
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
	bool open = false;
	int rc;

	r.ri = mg_get_request_info(conn);
	path = r.ri->local_uri_raw ? r.ri->local_uri_raw : r.ri->local_uri;
	if (gate_framing(&r) != 0)
		goto out_count;
	if ((path == NULL || strcmp(path, "/healthz") != 0) &&
	    !ctl_hosts_allow(&r.srv->cfg->hosts, ctl_req_header(&r, "Host"))) {
		ctl_reply_error(&r, 421, "this server does not answer to that "
		    "Host name (see --allowed-hosts)");
		goto out_count;
	}
	if ((rc = ctl_route_match_session(r.ri->request_method, path, &r.route,
	    r.param, session)) < 0) {
		r.route = RT_NONE;
		route_error(&r, rc);
		goto out_count;
	}
	d = ctl_route_def(r.route);
	if (gate_auth(&r, d->flags) != 0 || gate_budget(&r, &open) != 0)
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
	if (strcmp(r.ri->request_method, "GET") != 0 && read_body(&r,
	    r.route == RT_AUTH_LOGIN ? CTL_LOGIN_BODY_MAX : CTL_BODY_MAX) != 0)
		goto out_count;
	route_fns[r.route](&r);
out_count:
	if (open)
		ctl_budget_open_leave(r.srv->budget);
	/* A body left unread would be drained by civetweb at the client's
	 * pace: close instead (the answer is already written). */
	if (!r.body_read && !r.closed && r.ri->content_length > 0)
		ctl_reply_close_now(&r);
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

static void
on_connection_close(const struct mg_connection *conn)
{
	struct ctl_server *srv = mg_get_user_data(mg_get_context(conn));

	/* civetweb clears conn_data after this, so a second close (after
	 * ctl_reply_close) finds NULL and counts nothing twice */
	ctl_budget_conn_close(srv->budget, mg_get_user_connection_data(conn));
}

int
ctl_server_run(struct ctl_server *srv)
{
	struct mg_callbacks cb;
	struct mg_context *ctx;
	const char *opts[] = {
		"listening_ports", srv->cfg->listen,
		"num_threads", CTL_HTTP_THREADS,
		"listen_backlog", "1024",
		"connection_queue", "256",
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "5000",
		"request_timeout_ms", CTL_HEAD_TIMEOUT_MS,
		"max_request_size", "16384",	/* request head */
		/* one percent-decoding of the path: route.c's, which refuses
		 * NUL and control characters instead of cutting at them */
		"decode_url", "no",
		"enable_directory_listing", "no",
		"tcp_nodelay", "1",
		/* civetweb's own error pages (400, 408, 413 head) too */
		"additional_header", CTL_SECURITY_HEADERS,
		NULL
	};

	if ((srv->budget = ctl_budget_new()) == NULL)
		return -ENOMEM;
	memset(&cb, 0, sizeof(cb));
	cb.log_message = log_message;
	cb.connection_close = on_connection_close;
	if ((ctx = mg_start(&cb, srv, opts)) == NULL) {
		ctl_budget_free(srv->budget);
		srv->budget = NULL;
		return -EADDRINUSE;
	}
	mg_set_request_handler(ctx, "/", dispatch, srv);
	log_info("listening on http://%s, %zu worker%s (default %s)",
	    srv->cfg->listen, ctl_hub_count(srv->hub),
	    ctl_hub_count(srv->hub) == 1 ? "" : "s", srv->watch ?
	    ctl_watch_id(srv->watch) : "none yet");
	while (!*srv->stop)
		usleep(100 * 1000);
	ctl_hub_end_streams(srv->hub);	/* SSE handlers return now */
	mg_stop(ctx);
	ctl_budget_free(srv->budget);
	srv->budget = NULL;
	return 0;
}
