/* misc.c: the dashboard files, /healthz, /metrics, /api/openapi.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/openapi.h"
#include "assets/assets.h"
#include "http/server.h"
#include "ipc/hub.h"
#include "ipc/watch.h"

static int
send_asset(struct ctl_req *r, const char *name)
{
	const struct asset *a = assets_find(name);

	if (a == NULL)
		return ctl_reply_error(r, 404, "no such file");
	return ctl_reply_raw(r, 200, a->type, "", a->bytes, a->len);
}

int
api_index(struct ctl_req *r)
{
	return send_asset(r, "/index.html");
}

int
api_static(struct ctl_req *r)
{
	char name[CTL_PARAM_MAX + 2];

	snprintf(name, sizeof(name), "/%s", r->param);
	if (strcmp(name, "/index.html") == 0)
		return ctl_reply_error(r, 404, "no such file");
	return send_asset(r, name);
}

/* workerReachable and state are the default session's (the seed's). */
int
api_healthz(struct ctl_req *r)
{
	struct ctl_link_view v = { 0 };
	size_t i, n = ctl_hub_count(r->srv->hub), up = 0;

	if (r->watch != NULL)
		ctl_watch_view(r->watch, &v);
	for (i = 0; i < n; i++)
		up += ctl_watch_worker_up(ctl_hub_at(r->srv->hub, i));
	return ctl_reply_json(r, 200, json_pack("{s:b, s:s, s:b, s:s, s:I, s:I}",
	    "success", 1, "status", "ok", "workerReachable", v.worker_up,
	    "state", v.have_state ? ctl_view_state_name(v.state) : "unknown",
	    "sessions", (json_int_t)n, "sessionsReachable", (json_int_t)up));
}

/*
 * The unlabelled link series are the default session's (the seed's
 * /metrics); with more than one session every session follows with a
 * session label.
 */
int
api_metrics(struct ctl_req *r)
{
	struct ctl_link_view v = { 0 };
	char *text, *more = NULL, *all;
	size_t a, b;

	if (r->watch != NULL)
		ctl_watch_view(r->watch, &v);
	if ((text = ctl_metrics_render(&r->srv->metrics, &v,
	    atomic_load(&r->srv->sse_streams))) == NULL)
		return ctl_reply_error(r, 500, "out of memory");
	if (ctl_hub_count(r->srv->hub) > 1 &&
	    (more = ctl_metrics_render_sessions(r->srv->hub)) != NULL) {
		a = strlen(text);
		b = strlen(more);
		if ((all = realloc(text, a + b + 1)) != NULL) {
			memcpy(all + a, more, b + 1);
			text = all;
		}
		free(more);
	}
	ctl_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", "",
	    text, strlen(text));
	free(text);
	return r->status;
}

int
api_openapi(struct ctl_req *r)
{
	return ctl_reply_json(r, 200, ctl_openapi_doc());
}
