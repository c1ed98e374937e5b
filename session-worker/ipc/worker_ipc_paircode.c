/*
 * worker_ipc_paircode.c: the pair_code request (link by phone number) and
 * the PairCode message of State. The number is checked here, so a typo gets
 * its own answer before anything goes to WhatsApp; the code itself is in the
 * reply and in State for the operator to type, and never in a log line.
 */
#include <errno.h>
#include <string.h>

#include "link/pair_code.h"
#include "log.h"
#include "wl_error.h"
#include "worker_ipc_impl.h"

_Static_assert((int)LCS_REFUSED == (int)WLIPC__PAIR_CODE_STATUS__PCS_REFUSED &&
    (int)LCS_SHOWN == (int)WLIPC__PAIR_CODE_STATUS__PCS_SHOWN,
    "enum link_code_status must match wlipc.PairCodeStatus");

/* Strings in pc point into v. */
void
wipc_pair_code_fill(const struct link_view *v, Wlipc__PairCode *pc)
{
	wlipc__pair_code__init(pc);
	pc->status = (Wlipc__PairCodeStatus)v->code.status;
	if (v->code.phone[0] != '\0')
		pc->phone = (char *)v->code.phone;
	if (v->code.code[0] != '\0')
		pc->code = (char *)v->code.code;
	if (v->code.expires_ms != 0) {
		pc->has_expires_ms = true;
		pc->expires_ms = v->code.expires_ms;
	}
	if (v->code.detail[0] != '\0')
		pc->detail = (char *)v->code.detail;
}

static const char *
phone_problem(int rc)
{
	switch (rc) {
	case -ERANGE:
		return "the phone number must have 7 to 15 digits, with the "
		    "country code";
	case -EDOM:
		return "the phone number must start with the country code "
		    "(e.g. 49 for Germany), not with 0";
	default:
		return "the phone number may hold only digits, spaces, dashes, "
		    "dots, parentheses and a leading +";
	}
}

void
wipc_pair_code_handle(struct worker_ipc *w, const Wlipc__Request *rq,
    struct wipc_answer *a)
{
	char phone[PAIR_CODE_PHONE_MAX], shown[WIPC_INPUT_SHOWN + 4];
	int rc;

	if ((rc = pair_code_phone(rq->pair_code, phone)) < 0) {
		wipc_clip(rq->pair_code, shown);
		wipc_answer_add_invalid(a, shown, phone_problem(rc));
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INVALID_NUMBER, "%s",
		    phone_problem(rc));
		return;
	}
	if (w->ops == NULL || w->ops->request_pair_code == NULL) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
		    "the link is still starting; try again shortly");
		return;
	}
	rc = w->ops->request_pair_code(w->ctx, phone);
	if (rc == -EISCONN || rc == -EBUSY || rc == -EALREADY) {
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_UNAVAILABLE, "%s",
		    rc == -EISCONN ? "this worker is already linked: log out "
		    "first to link another phone" : rc == -EBUSY ?
		    "a phone is finishing a link with a code right now" :
		    "the worker is shutting down");
		return;
	}
	if (rc < 0) {
		log_warn(rc, "ipc: pairing code request failed");
		wipc_answer_error(a, WLIPC__ERROR_CODE__ERR_INTERNAL,
		    "could not make a pairing code: %s", wl_strerror(rc));
		return;
	}
	log_info("ipc: pairing code asked for +%s", phone);
	wipc_view(w, &a->view);
	wipc_pair_code_fill(&a->view, &a->state.pc);
	a->rep.body_case = WLIPC__REPLY__BODY_PAIR_CODE;
	a->rep.pair_code = &a->state.pc;
}
