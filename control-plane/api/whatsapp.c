/* whatsapp.c: the /api/whatsapp routes. State comes from the cache. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/body.h"
#include "api/handlers.h"
#include "api/qrsvg.h"
#include "http/server.h"
#include "ipc/client.h"
#include "ipc/watch.h"

/*
 * Served from the event thread's cache, never an IPC round trip, so the
 * dashboard and monitoring can poll it hard (10,000 req/s target).
 */
int
api_whatsapp_state(struct ctl_req *r)
{
	struct ctl_link_view v;
	json_t *o;

	ctl_watch_view(r->watch, &v);
	if (!v.have_state)
		return ctl_reply_error(r, 503, "worker state not known yet");
	o = json_pack("{s:b, s:o, s:o}", "success", 1,
	    "connectionState", ctl_view_state_json(&v),
	    "history", ctl_view_history_json(&v));
	return ctl_reply_json(r, 200, o);
}

int
api_whatsapp_qr(struct ctl_req *r)
{
	Wlipc__Reply *rep;
	char *svg;
	size_t len;
	int rc;

	if ((rc = ctl_ipc_call_empty(r->ipc, WLIPC__REQUEST__BODY_GET_QR,
	    &rep)) < 0)
		return api_worker_error(r, rc);
	if (rep->error != NULL || rep->body_case != WLIPC__REPLY__BODY_QR) {
		ipc_reply_free(rep);
		return ctl_reply_error(r, 404, "no QR: the link is not waiting "
		    "for a scan");
	}
	svg = ctl_qr_svg(rep->qr->code, &len);
	ipc_reply_free(rep);
	if (svg == NULL)
		return ctl_reply_error(r, 502, "worker sent a QR that cannot "
		    "be drawn");
	ctl_reply_raw(r, 200, "image/svg+xml", "", svg, len);
	free(svg);
	return r->status;
}

/* logout, restart, new_qr: the worker says done or why not. */
static int
simple_action(struct ctl_req *r, Wlipc__Request__BodyCase which,
    const char *done)
{
	Wlipc__Reply *rep;
	json_t *o;
	int rc;

	if ((rc = ctl_ipc_call_empty(r->ipc, which, &rep)) < 0)
		return api_worker_error(r, rc);
	if (rep->error != NULL) {
		o = json_pack("{s:b, s:s}", "success", 0, "error",
		    rep->error->message ? rep->error->message : "refused");
		rc = rep->error->code == WLIPC__ERROR_CODE__ERR_UNAVAILABLE ?
		    409 : 500;
		ipc_reply_free(rep);
		return ctl_reply_json(r, rc, o);
	}
	ipc_reply_free(rep);
	return ctl_reply_json(r, 200, json_pack("{s:b, s:s}", "success", 1,
	    "message", done));
}

int
api_whatsapp_logout(struct ctl_req *r)
{
	return simple_action(r, WLIPC__REQUEST__BODY_LOGOUT,
	    "logged out; a new pairing QR will follow");
}

int
api_whatsapp_restart(struct ctl_req *r)
{
	return simple_action(r, WLIPC__REQUEST__BODY_RESTART,
	    "link restarting");
}

int
api_whatsapp_qr_new(struct ctl_req *r)
{
	return simple_action(r, WLIPC__REQUEST__BODY_NEW_QR,
	    "pairing resumed; a new QR will follow");
}

/*
 * Link by phone number. The worker makes the code at once but it is only
 * good once WhatsApp has answered with a pairing ref: follow the cached
 * state (fed by the worker's events) for a few seconds and answer with the
 * outcome. The code is meant for a person to type; it is never logged.
 */
#define PAIR_CODE_WAIT_MS	8000

int
api_whatsapp_pair_code(struct ctl_req *r)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct ctl_link_view v;
	Wlipc__Reply *rep;
	char digits[PHONE_BUF], err[CTL_ERR_MAX];
	json_t *o;
	int rc, waited, status;

	if (ctl_body_parse_add(r->body, r->body_len, digits, err) < 0)
		return ctl_reply_error(r, 400, err);
	req.body_case = WLIPC__REQUEST__BODY_PAIR_CODE;
	req.pair_code = digits;
	if ((rc = ctl_ipc_call(r->ipc, &req, &rep)) < 0)
		return api_worker_error(r, rc);
	if (rep->error != NULL) {
		o = json_pack("{s:b, s:s}", "success", 0, "error",
		    rep->error->message ? rep->error->message : "refused");
		rc = rep->error->code == WLIPC__ERROR_CODE__ERR_INVALID_NUMBER ?
		    400 : rep->error->code == WLIPC__ERROR_CODE__ERR_UNAVAILABLE ?
		    409 : 500;
		ipc_reply_free(rep);
		return ctl_reply_json(r, rc, o);
	}
	ipc_reply_free(rep);
	for (waited = 0;; waited += 50) {
		ctl_watch_view(r->watch, &v);
		status = v.pair_code.status;
		if ((status != WLIPC__PAIR_CODE_STATUS__PCS_REQUESTING &&
		    status != WLIPC__PAIR_CODE_STATUS__PCS_NONE &&
		    strcmp(v.pair_code.phone, digits) == 0) ||
		    waited >= PAIR_CODE_WAIT_MS)
			break;
		nanosleep(&ts, NULL);	/* a handler thread, not the event loop */
	}
	o = ctl_view_pair_code_json(&v.pair_code);
	json_object_set_new(o, "success", json_boolean(
	    status == WLIPC__PAIR_CODE_STATUS__PCS_SHOWN));
	return ctl_reply_json(r, status == WLIPC__PAIR_CODE_STATUS__PCS_SHOWN ?
	    200 : status <= WLIPC__PAIR_CODE_STATUS__PCS_REQUESTING ? 202 : 422, o);
}
