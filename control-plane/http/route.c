/* route.c: the route table and the path matcher (see route.h). */
#include <errno.h>
#include <string.h>

#include "hex.h"
#include "http/route.h"

#define A	RF_AUTH
#define M	(RF_AUTH | RF_MUTATES)
#define W	RF_WORKER
#define S	RF_SESSION

const struct ctl_route_def ctl_routes[] = {
	{ RT_INDEX, "GET", "/", 0, "index", "Dashboard page" },
	{ RT_STATIC, "GET", "/static/:file", 0, "static",
	    "Dashboard assets (embedded in the binary)" },
	{ RT_HEALTHZ, "GET", "/healthz", 0, "healthz",
	    "Liveness of wa-control and reachability of the worker" },
	{ RT_METRICS, "GET", "/metrics", 0, "metrics",
	    "Prometheus metrics" },
	{ RT_OPENAPI, "GET", "/api/openapi.json", A, "openapi",
	    "This OpenAPI document" },
	{ RT_AUTH_LOGIN, "POST", "/api/auth/login", RF_MUTATES, "auth_login",
	    "Log in with the admin password; sets the session cookie" },
	{ RT_AUTH_LOGOUT, "POST", "/api/auth/logout", M, "auth_logout",
	    "End the session" },
	{ RT_AUTH_SESSION, "GET", "/api/auth/session", A, "auth_session",
	    "Current session and its CSRF token" },
	{ RT_WL_LIST, "GET", "/api/whitelist", A | W | S, "whitelist_list",
	    "List whitelisted numbers" },
	{ RT_WL_ADD, "POST", "/api/whitelist/add", M | W | S, "whitelist_add",
	    "Add one number" },
	{ RT_WL_REMOVE, "DELETE", "/api/whitelist/remove/:number", M | W | S,
	    "whitelist_remove", "Remove one number" },
	{ RT_WL_BULK, "PUT", "/api/whitelist/bulk", M | W | S, "whitelist_bulk",
	    "Replace the whole whitelist atomically" },
	{ RT_WL_EXPORT, "GET", "/api/whitelist/export", A | W | S,
	    "whitelist_export", "Download the whitelist as text" },
	{ RT_WA_STATE, "GET", "/api/whatsapp/state", A | W | S, "whatsapp_state",
	    "Link state (cached from the worker's events)" },
	{ RT_WA_QR, "GET", "/api/whatsapp/qr", A | W | S, "whatsapp_qr",
	    "Current pairing QR as SVG" },
	{ RT_WA_LOGOUT, "POST", "/api/whatsapp/logout", M | W | S,
	    "whatsapp_logout", "Log the WhatsApp session out" },
	{ RT_WA_RESTART, "POST", "/api/whatsapp/restart", M | W | S,
	    "whatsapp_restart", "Restart the link" },
	{ RT_WA_QR_NEW, "POST", "/api/whatsapp/qr/new", M | W | S,
	    "whatsapp_qr_new", "Resume paused pairing with a new QR" },
	{ RT_WA_PAIR_CODE, "POST", "/api/whatsapp/pair-code", M | W | S,
	    "whatsapp_pair_code", "Link by phone number: answers the code to "
	    "type on the phone (Linked devices > Link with phone number instead)" },
	{ RT_AUTH_LOGOUT_ALL, "POST", "/api/auth/logout-all", M,
	    "auth_logout_all", "End every dashboard session (all browsers)" },
	{ RT_EVENTS, "GET", "/api/events", A | S, "events",
	    "Server-Sent Events: state, heartbeat, qr, whitelist (?session=ID "
	    "or * for every session; default: the default session)" },
	{ RT_SESSIONS, "GET", "/api/sessions", A, "sessions",
	    "Every session: id, state, number, heartbeat, whitelist count, "
	    "and counts per state" },
	{ RT_SESSION_ONE, "GET", "/api/sessions/:id", A, "session",
	    "One session's summary" },
	{ RT_MSG_SEND, "POST", "/api/messages", M | W | S, "messages_send",
	    "Send a message the bot starts, to a whitelisted number only: "
	    "{to, type, text, ...} as a hook answer; answers its id (403: "
	    "not whitelisted)" },
	{ RT_MSG_LIST, "GET", "/api/messages", A | W | S, "messages_list",
	    "Recent messages both ways, metadata only (?limit=1..200, "
	    "?before=ms for the next page)" },
	{ RT_MSG_ONE, "GET", "/api/messages/:messageId", A | W | S, "message",
	    "A sent message's status: queued, sent, delivered, read, played "
	    "or failed with the server's code" },
	{ RT_WH_DEAD, "GET", "/api/webhooks/dead", A | W | S, "webhooks_dead",
	    "--hook-url events given up on (metadata only), newest first" },
	{ RT_WH_REDELIVER, "POST", "/api/webhooks/redeliver/:webhookId", M | W | S,
	    "webhooks_redeliver", "Deliver a dead-lettered webhook event again "
	    "(by its webhook-id)" },
	{ RT_NONE, NULL, NULL, 0, "other", NULL }
};

/*
 * Percent-decode one segment into param: the only decoding a path ever
 * gets (civetweb's own is off, server.c), so "%2500" stays "%00" text
 * and fails as a control character instead of cutting the value. NUL,
 * other control characters, DEL, '/' and bad escapes fail.
 */
static int
param_decode(const char *s, size_t len, char param[CTL_PARAM_MAX + 1])
{
	size_t i, n = 0;
	int hi, lo;
	char c;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '%') {
			if (len - i < 3 || (hi = hex_digit((unsigned char)s[i + 1])) < 0 ||
			    (lo = hex_digit((unsigned char)s[i + 2])) < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f || c == '/' ||
		    n == CTL_PARAM_MAX)
			return -EINVAL;
		param[n++] = c;
	}
	param[n] = '\0';
	return 0;
}

/* 1 match, 0 no match, -EINVAL bad parameter. */
static int
pattern_match(const char *pat, const char *path, char param[CTL_PARAM_MAX + 1])
{
	const char *colon = strchr(pat, ':');
	size_t pre, rest;

	if (colon == NULL)
		return strcmp(pat, path) == 0;
	pre = (size_t)(colon - pat);
	if (strncmp(pat, path, pre) != 0)
		return 0;
	rest = strlen(path + pre);
	if (memchr(path + pre, '/', rest) != NULL)
		return 0;
	if (rest == 0)
		return 0;
	return param_decode(path + pre, rest, param) < 0 ? -EINVAL : 1;
}

int
ctl_route_match(const char *method, const char *path, enum ctl_route *out,
    char param[CTL_PARAM_MAX + 1])
{
	const struct ctl_route_def *r;
	int rc, path_known = 0;
	char tmp[CTL_PARAM_MAX + 1];

	if (method == NULL || path == NULL)
		return -ENOENT;
	if (strnlen(path, CTL_PATH_MAX + 1) > CTL_PATH_MAX)
		return -ENAMETOOLONG;
	for (r = ctl_routes; r->id != RT_NONE; r++) {
		if ((rc = pattern_match(r->pattern, path, tmp)) < 0)
			return rc;
		if (rc == 0)
			continue;
		path_known = 1;
		if (strcmp(r->method, method) != 0)
			continue;
		*out = r->id;
		if (strchr(r->pattern, ':') != NULL)
			memcpy(param, tmp, strlen(tmp) + 1);
		else
			param[0] = '\0';
		return 0;
	}
	return path_known ? -EPERM : -ENOENT;
}

const struct ctl_route_def *
ctl_route_def(enum ctl_route id)
{
	const struct ctl_route_def *r;

	for (r = ctl_routes; r->id != RT_NONE; r++)
		if (r->id == id)
			return r;
	return r;
}
