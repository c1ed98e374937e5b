/* misc.c: the dashboard files, /healthz, /metrics, /api/openapi.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/openapi.h"
#include "assets/assets.h"
#include "http/server.h"
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

int
api_healthz(struct ctl_req *r)
{
	struct ctl_link_view v;

	ctl_watch_view(r->srv->watch, &v);
	return ctl_reply_json(r, 200, json_pack("{s:b, s:s, s:b, s:s}",
	    "success", 1, "status", "ok", "workerReachable", v.worker_up,
	    "state", v.have_state ? ctl_view_state_name(v.state) : "unknown"));
}

int
api_metrics(struct ctl_req *r)
{
	struct ctl_link_view v;
	char *text;

	ctl_watch_view(r->srv->watch, &v);
	if ((text = ctl_metrics_render(&r->srv->metrics, &v,
	    atomic_load(&r->srv->sse_streams))) == NULL)
		return ctl_reply_error(r, 500, "out of memory");
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
