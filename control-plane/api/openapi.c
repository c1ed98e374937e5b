/* openapi.c: one OpenAPI operation per route-table entry (openapi.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api/openapi.h"
#include "http/route.h"

/* "/api/whitelist/remove/:number" -> "/api/whitelist/remove/{number}" */
static void
openapi_path(const char *pat, char out[CTL_PATH_MAX], char pname[64])
{
	const char *c = strchr(pat, ':');

	pname[0] = '\0';
	if (c == NULL) {
		snprintf(out, CTL_PATH_MAX, "%s", pat);
		return;
	}
	snprintf(pname, 64, "%s", c + 1);
	snprintf(out, CTL_PATH_MAX, "%.*s{%s}", (int)(c - pat), pat, pname);
}

static json_t *
openapi_operation(const struct ctl_route_def *d, const char *pname)
{
	json_t *op, *resp;

	resp = json_pack("{s:{s:s}}", "200", "description", "success");
	if (d->flags & RF_AUTH)
		json_object_set_new(resp, "401", json_pack("{s:s}",
		    "description", "not authenticated"));
	if (d->flags & RF_MUTATES)
		json_object_set_new(resp, "403", json_pack("{s:s}",
		    "description", "cross-site request refused"));
	if (d->flags & RF_WORKER)
		json_object_set_new(resp, "503", json_pack("{s:s}",
		    "description", "worker unreachable"));
	op = json_pack("{s:s, s:s, s:o}", "operationId", d->name,
	    "summary", d->summary, "responses", resp);
	if (pname[0] != '\0')
		json_object_set_new(op, "parameters", json_pack(
		    "[{s:s, s:s, s:b, s:{s:s}}]", "name", pname, "in", "path",
		    "required", 1, "schema", "type", "string"));
	if (!(d->flags & RF_AUTH))
		json_object_set_new(op, "security", json_array());
	return op;
}

json_t *
ctl_openapi_doc(void)
{
	const struct ctl_route_def *d;
	char path[CTL_PATH_MAX], pname[64], method[8];
	json_t *doc, *paths, *item;
	size_t i;

	paths = json_object();
	for (d = ctl_routes; d->id != RT_NONE; d++) {
		openapi_path(d->pattern, path, pname);
		if ((item = json_object_get(paths, path)) == NULL) {
			item = json_object();
			json_object_set_new(paths, path, item);
		}
		for (i = 0; d->method[i] != '\0' && i < sizeof(method) - 1; i++)
			method[i] = (char)tolower((unsigned char)d->method[i]);
		method[i] = '\0';
		json_object_set_new(item, method, openapi_operation(d, pname));
	}
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:{s:s, s:s}, "
	    "s:{s:s, s:s, s:s}}}, s:[{s:[]}, {s:[]}]}",
	    "openapi", "3.0.3",
	    "info", "title", "wa-control", "version", "0.1.0",
	    "description", "walink operator API: every /api/ route but "
	    "login needs the session cookie or a bearer token; mutating "
	    "cookie requests need X-CSRF-Token.",
	    "paths", paths,
	    "components", "securitySchemes",
	    "bearerAuth", "type", "http", "scheme", "bearer",
	    "cookieAuth", "type", "apiKey", "in", "cookie", "name", "wa_session",
	    "security", "bearerAuth", "cookieAuth");
	return doc;
}
