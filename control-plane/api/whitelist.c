/* whitelist.c: the /api/whitelist routes, relayed to the worker. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/body.h"
#include "api/handlers.h"
#include "http/server.h"
#include "ipc/client.h"

int
api_worker_error(struct ctl_req *r, int rc)
{
	if (rc == -ETIMEDOUT || rc == -ECONNREFUSED || rc == -ENOENT)
		return ctl_reply_error(r, 503, "worker unreachable: no answer "
		    "from wa-worker within 1.5 s");
	if (rc == -EPROTO)
		return ctl_reply_error(r, 502, "worker speaks another IPC "
		    "version");
	return ctl_reply_error(r, 502, "worker sent an invalid reply");
}

/* The worker refused: map its error code to a status. */
static int
reply_worker_refusal(struct ctl_req *r, const Wlipc__Error *e)
{
	static const int status[] = {
		[WLIPC__ERROR_CODE__ERR_BAD_VERSION] = 502,
		[WLIPC__ERROR_CODE__ERR_BAD_REQUEST] = 400,
		[WLIPC__ERROR_CODE__ERR_INVALID_NUMBER] = 400,
		[WLIPC__ERROR_CODE__ERR_DUPLICATE] = 409,
		[WLIPC__ERROR_CODE__ERR_NOT_FOUND] = 404,
		[WLIPC__ERROR_CODE__ERR_UNAVAILABLE] = 404,
		[WLIPC__ERROR_CODE__ERR_INTERNAL] = 500,
	};
	int st = 500;
	json_t *o, *inv;
	size_t i;

	if ((int)e->code > 0 && (size_t)e->code < sizeof(status) / sizeof(int))
		st = status[e->code];
	o = json_pack("{s:b, s:s}", "success", 0, "error",
	    e->message ? e->message : "worker refused the request");
	if (o != NULL && e->n_invalid > 0) {
		inv = json_array();
		for (i = 0; i < e->n_invalid; i++)
			json_array_append_new(inv, json_string(e->invalid[i]));
		json_object_set_new(o, "invalid", inv);
	}
	return ctl_reply_json(r, st, o);
}

/* Call the worker; on any failure answer and return -1. */
static int
call(struct ctl_req *r, Wlipc__Request *req, Wlipc__Reply **rep)
{
	int rc;

	if ((rc = ctl_ipc_call(r->ipc, req, rep)) < 0) {
		api_worker_error(r, rc);
		return -1;
	}
	if ((*rep)->error != NULL) {
		reply_worker_refusal(r, (*rep)->error);
		ipc_reply_free(*rep);
		return -1;
	}
	return 0;
}

/*
 * What the worker's last load of the file left out, as the "fileRejects"
 * member: {count, duplicates, inFile, lines:[{line, column?, reason}]}.
 * The reasons are the worker's strings, so jansson escapes them.
 */
static char *
rejects_render(const Wlipc__Whitelist *wl)
{
	json_t *o, *lines, *l;
	char *out;
	size_t i;

	lines = json_array();
	for (i = 0; lines != NULL && i < wl->n_rejects; i++) {
		const Wlipc__WhitelistReject *rj = wl->rejects[i];

		l = json_pack("{s:i, s:s}", "line", (json_int_t)rj->line,
		    "reason", rj->reason != NULL ? rj->reason : "");
		if (l != NULL && rj->has_column && rj->column > 0)
			json_object_set_new(l, "column",
			    json_integer(rj->column));
		json_array_append_new(lines, l);
	}
	o = json_pack("{s:i, s:i, s:b, s:o*}",
	    "count", (json_int_t)(wl->has_rejected ? wl->rejected : 0),
	    "duplicates", (json_int_t)(wl->has_duplicates ? wl->duplicates : 0),
	    "inFile", wl->has_rejects_in_file && wl->rejects_in_file,
	    "lines", lines);
	out = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return out;
}

/*
 * The list as JSON or as the export's text, written straight into one
 * buffer: the worker sends only normalised digit strings (checked here,
 * so nothing needs escaping), and building 100 000 jansson strings first
 * tripled the time of a list (tests/bench/control.sh). NULL on ENOMEM or
 * an entry that is not a phone number (*bad set).
 */
static char *
list_render(const Wlipc__Whitelist *wl, bool json, size_t *len, bool *bad)
{
	/* {"success":true,"count":N,"numbers":[ ... ]} */
	size_t i, off = 0, cap = wl->n_numbers * (PHONE_DIGITS_MAX + 3) + 64;
	char *out, *rej = NULL;

	*bad = false;
	if (json && (rej = rejects_render(wl)) == NULL)
		return NULL;
	if (rej != NULL)
		cap += strlen(rej) + 16;
	if ((out = malloc(cap)) == NULL) {
		free(rej);
		return NULL;
	}
	if (json)
		off = (size_t)snprintf(out, cap, "{\"success\":true,\"count\":"
		    "%zu,\"numbers\":[", wl->n_numbers);
	for (i = 0; i < wl->n_numbers; i++) {
		const char *n = wl->numbers[i];
		size_t l;

		if (!phone_is_valid(n)) {
			*bad = true;
			free(out);
			free(rej);
			return NULL;
		}
		l = strlen(n);
		if (json && i > 0)
			out[off++] = ',';
		if (json)
			out[off++] = '"';
		memcpy(out + off, n, l);
		off += l;
		out[off++] = json ? '"' : '\n';
	}
	if (json)
		off += (size_t)snprintf(out + off, cap - off,
		    "],\"fileRejects\":%s}", rej);
	free(rej);
	*len = off;
	return out;
}

/* whitelist_list: 0 with *rep holding a Whitelist body, or -1 answered. */
static int
fetch_list(struct ctl_req *r, Wlipc__Reply **rep)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Empty empty = WLIPC__EMPTY__INIT;

	req.body_case = WLIPC__REQUEST__BODY_WHITELIST_LIST;
	req.whitelist_list = &empty;
	if (call(r, &req, rep) < 0)
		return -1;
	if ((*rep)->body_case != WLIPC__REPLY__BODY_WHITELIST) {
		ipc_reply_free(*rep);
		api_worker_error(r, -EBADMSG);
		return -1;
	}
	return 0;
}

int
api_whitelist_list(struct ctl_req *r)
{
	Wlipc__Reply *rep;
	size_t len;
	char *body;
	bool bad;

	if (fetch_list(r, &rep) < 0)
		return r->status;
	body = list_render(rep->whitelist, true, &len, &bad);
	ipc_reply_free(rep);
	if (body == NULL)
		return bad ? api_worker_error(r, -EBADMSG) :
		    ctl_reply_error(r, 500, "out of memory");
	ctl_reply_raw(r, 200, "application/json", "", body, len);
	free(body);
	return r->status;
}

int
api_whitelist_add(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Reply *rep;
	char digits[PHONE_BUF], err[CTL_ERR_MAX];

	if (ctl_body_parse_add(r->body, r->body_len, digits, err) < 0)
		return ctl_reply_error(r, 400, err);
	req.body_case = WLIPC__REQUEST__BODY_WHITELIST_ADD;
	req.whitelist_add = digits;
	if (call(r, &req, &rep) < 0)
		return r->status;
	ipc_reply_free(rep);
	return ctl_reply_json(r, 200, json_pack("{s:b, s:s, s:s}", "success", 1,
	    "number", digits, "message", "number added"));
}

int
api_whitelist_remove(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Reply *rep;
	char digits[PHONE_BUF], err[CTL_ERR_MAX];
	const char *why;

	if (ctl_body_number(r->param, digits, &why) < 0) {
		snprintf(err, sizeof(err), "invalid number: %s", why);
		return ctl_reply_error(r, 400, err);
	}
	req.body_case = WLIPC__REQUEST__BODY_WHITELIST_REMOVE;
	req.whitelist_remove = digits;
	if (call(r, &req, &rep) < 0)
		return r->status;
	ipc_reply_free(rep);
	return ctl_reply_json(r, 200, json_pack("{s:b, s:s, s:s}", "success", 1,
	    "number", digits, "message", "number removed"));
}

int
api_whitelist_bulk(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__NumberList list = WLIPC__NUMBER_LIST__INIT;
	struct ctl_numbers nums;
	Wlipc__Reply *rep;
	char err[CTL_ERR_MAX], **ptrs = NULL;
	json_t *o, *inv;
	size_t i;

	if (ctl_body_parse_bulk(r->body, r->body_len, &nums, err) < 0) {
		o = json_pack("{s:b, s:s}", "success", 0, "error", err);
		inv = json_array();
		for (i = 0; i < nums.ninvalid; i++)
			json_array_append_new(inv, json_string(nums.invalid[i]));
		if (o != NULL)
			json_object_set_new(o, "invalid", inv);
		else
			json_decref(inv);
		ctl_numbers_fini(&nums);
		return ctl_reply_json(r, 400, o);
	}
	if ((ptrs = calloc(nums.n ? nums.n : 1, sizeof(*ptrs))) == NULL) {
		ctl_numbers_fini(&nums);
		return ctl_reply_error(r, 500, "out of memory");
	}
	for (i = 0; i < nums.n; i++)
		ptrs[i] = nums.v[i];
	list.n_numbers = nums.n;
	list.numbers = ptrs;
	req.body_case = WLIPC__REQUEST__BODY_WHITELIST_REPLACE;
	req.whitelist_replace = &list;
	if (call(r, &req, &rep) == 0) {
		ipc_reply_free(rep);
		ctl_reply_json(r, 200, json_pack("{s:b, s:i, s:s}", "success", 1,
		    "count", (json_int_t)nums.n, "message", "whitelist replaced"));
	}
	free(ptrs);
	ctl_numbers_fini(&nums);
	return r->status;
}

int
api_whitelist_export(struct ctl_req *r)
{
	Wlipc__Reply *rep;
	char *text, hdr[160], date[16];
	struct tm tm;
	time_t now = time(NULL);
	size_t len;
	bool bad;

	if (fetch_list(r, &rep) < 0)
		return r->status;
	text = list_render(rep->whitelist, false, &len, &bad);
	ipc_reply_free(rep);
	if (text == NULL)
		return bad ? api_worker_error(r, -EBADMSG) :
		    ctl_reply_error(r, 500, "out of memory");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(hdr, sizeof(hdr), "Content-Disposition: attachment; "
	    "filename=\"whitelist-%s.txt\"\r\n", date);
	ctl_reply_raw(r, 200, "text/plain; charset=utf-8", hdr, text, len);
	free(text);
	return r->status;
}
