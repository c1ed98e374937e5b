/* openapi.c: one OpenAPI operation per route-table entry (openapi.h). */
#include <ctype.h>
#include <stdbool.h>
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

/* Request bodies and non-JSON answers, by route (JSON Schema text). */
static const struct {
	enum ctl_route	 id;
	const char	*body;		/* request body schema or NULL */
	const char	*type;		/* 200 content type if not JSON */
} extras[] = {
	{ RT_INDEX, NULL, "text/html" },
	{ RT_STATIC, NULL, "application/octet-stream" },
	{ RT_METRICS, NULL, "text/plain" },
	{ RT_AUTH_LOGIN, "{\"type\":\"object\",\"required\":[\"password\"],"
	    "\"properties\":{\"password\":{\"type\":\"string\"}}}", NULL },
	{ RT_WL_ADD, "{\"type\":\"object\",\"required\":[\"phoneNumber\"],"
	    "\"properties\":{\"phoneNumber\":{\"type\":\"string\","
	    "\"description\":\"10-15 digits; + spaces - . ( ) ignored\","
	    "\"example\":\"+971 50-147 6598\"}}}", NULL },
	{ RT_WL_BULK, "{\"type\":\"object\",\"required\":[\"numbers\"],"
	    "\"properties\":{\"numbers\":{\"type\":\"array\",\"maxItems\":100000,"
	    "\"items\":{\"type\":\"string\"}}}}", NULL },
	{ RT_WL_EXPORT, NULL, "text/plain" },
	{ RT_WA_QR, NULL, "image/svg+xml" },
	{ RT_WA_PAIR_CODE, "{\"type\":\"object\",\"required\":[\"phoneNumber\"],"
	    "\"properties\":{\"phoneNumber\":{\"type\":\"string\","
	    "\"description\":\"the phone to link, with its country code; the "
	    "answer {status, code (XXXX-XXXX), expiresAt, detail}: 200 shown, "
	    "202 still asking, 400 bad number, 409 already linked, 422 not on "
	    "WhatsApp or refused\",\"example\":\"+49 170 1234567\"}}}", NULL },
	{ RT_EVENTS, NULL, "text/event-stream" },
	{ RT_MSG_SEND, "{\"type\":\"object\",\"required\":[\"to\",\"type\"],"
	    "\"properties\":{\"to\":{\"type\":\"string\",\"description\":"
	    "\"a whitelisted number with its country code (403 otherwise)\","
	    "\"example\":\"4915112345678\"},\"type\":{\"type\":\"string\","
	    "\"enum\":[\"text\",\"image\",\"video\",\"audio\",\"document\","
	    "\"location\",\"reaction\"]},\"text\":{\"type\":\"string\"},"
	    "\"path\":{\"type\":\"string\"},\"caption\":{\"type\":\"string\"},"
	    "\"fileName\":{\"type\":\"string\"},\"ptt\":{\"type\":\"boolean\"},"
	    "\"latitude\":{\"type\":\"number\"},\"longitude\":{\"type\":"
	    "\"number\"},\"name\":{\"type\":\"string\"},\"emoji\":{\"type\":"
	    "\"string\"}},\"description\":\"the answer {success, id}; 400 bad "
	    "body, 403 not whitelisted, 429 too many in flight\"}", NULL },
};

static json_t *
openapi_operation(const struct ctl_route_def *d, const char *pname,
    bool session)
{
	const char *body = NULL, *type = "application/json";
	json_t *op, *resp;
	size_t i;

	for (i = 0; i < sizeof(extras) / sizeof(extras[0]); i++)
		if (extras[i].id == d->id) {
			body = extras[i].body;
			if (extras[i].type != NULL)
				type = extras[i].type;
		}
	resp = json_pack("{s:{s:s, s:{s:{}}}}", "200", "description", "success",
	    "content", type);
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
	if (pname[0] != '\0' || session) {
		json_t *ps = json_array();

		if (session)
			json_array_append_new(ps, json_pack("{s:s, s:s, s:b, s:{s:s}, "
			    "s:s}", "name", "id", "in", "path", "required", 1,
			    "schema", "type", "string", "description", "session id "
			    "(GET /api/sessions)"));
		if (pname[0] != '\0')
			json_array_append_new(ps, json_pack("{s:s, s:s, s:b, s:{s:s}}",
			    "name", pname, "in", "path", "required", 1, "schema",
			    "type", "string"));
		json_object_set_new(op, "parameters", ps);
	}
	if (session) {
		char id[96];

		snprintf(id, sizeof(id), "session_%s", d->name);
		json_object_set_new(op, "operationId", json_string(id));
		json_object_set_new(resp, "404", json_pack("{s:s}",
		    "description", "no such session"));
	}
	if (body != NULL)
		json_object_set_new(op, "requestBody", json_pack("{s:b, s:{s:{s:o}}}",
		    "required", 1, "content", "application/json", "schema",
		    json_loads(body, 0, NULL)));
	if (!(d->flags & RF_AUTH))
		json_object_set_new(op, "security", json_array());
	return op;
}

json_t *
ctl_openapi_doc(void)
{
	const struct ctl_route_def *d;
	char path[CTL_PATH_MAX], spath[CTL_PATH_MAX + 32], pname[64], method[8];
	const char *key;
	json_t *doc, *paths, *item;
	size_t i;
	int pass;

	paths = json_object();
	/* the seed's paths, then the same per session: /api/sessions/{id}/... */
	for (pass = 0; pass < 2; pass++)
		for (d = ctl_routes; d->id != RT_NONE; d++) {
			if (pass == 1 && !(d->flags & RF_SESSION))
				continue;
			openapi_path(d->pattern, path, pname);
			key = path;
			if (pass == 1) {
				snprintf(spath, sizeof(spath), "/api/sessions/{id}%s",
				    path + 4);	/* after "/api" */
				key = spath;
			}
			if ((item = json_object_get(paths, key)) == NULL) {
				item = json_object();
				json_object_set_new(paths, key, item);
			}
			for (i = 0; d->method[i] != '\0' && i < sizeof(method) - 1; i++)
				method[i] = (char)tolower((unsigned char)d->method[i]);
			method[i] = '\0';
			json_object_set_new(item, method,
			    openapi_operation(d, pname, pass == 1));
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
