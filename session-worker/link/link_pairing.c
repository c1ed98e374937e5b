/*
 * link_pairing.c: the QR rounds on the live link (protocol-notes §4): a
 * <pair-device> begins a round, each ref shows for its time, the round's
 * end closes the connection for the next one (or keeps it for a phone
 * finishing a code), rounds unscanned qr_rounds times pause; a QR refresh
 * and a passkey demand. It assigns no field of struct link: the round is
 * link_qr.c's (link_round_*), states move through link_fire(), the socket
 * through link_close(), the adv secret through link.c's setters.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "log.h"
#include "store/creds.h"

#include "link_internal.h"

static void
show_next(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_qr);
	struct link_code_do d;
	struct link_view v;
	uint64_t ms;
	bool keep;

	if (!link_round_show_next(&l->qr, l->creds, clock_wall_ms(),
	    l->cfg.qr_first_ms, l->cfg.qr_next_ms, &ms)) {
		keep = link_code_on_round_end(&l->code, &d);
		link_code_apply(l, &d);
		link_round_hide(&l->qr);
		if (keep)
			return;	/* the phone took the code: keep this connection */
		log_info("link: QR round %u expired unscanned", l->qr.round);
		link_close(l, CI_QR_ROUND);
		return;
	}
	link_fire(l, LE_PAIR_DEVICE, "scan the QR with WhatsApp on the phone "
	    "(Settings > Linked devices)");
	log_info("link: QR %u/%u of round %u shown for %llus", l->qr.ref_next,
	    l->qr.nrefs, l->qr.round, (unsigned long long)(ms / 1000));
	if (l->ev.qr != NULL) {
		link_get_view(l, &v);
		l->ev.qr(l->ev.arg, &v);
		sodium_memzero(&v, sizeof(v));
	}
	link_schedule(l, &l->sul_qr, show_next, ms);
}

/* <pair-device>: a new round of refs (link_qr.c reads them). */
void
link_qr_begin(struct link *l, const struct bn_node *pd)
{
	struct link_code_ctx x;
	struct link_code_do d;

	if (link_round_begin(&l->qr, pd, clock_wall_ms(), l->cfg.qr_first_ms,
	    l->cfg.qr_next_ms) < 0) {
		link_fail(l, REASON_UNKNOWN, "pair-device carried no usable ref");
		return;
	}
	/* The QR's own timers bound this phase now, not the login timeout. */
	lws_sul_cancel(&l->sul_auth);
	show_next(&l->sul_qr);
	link_code_ctx_of(l, &x);
	link_code_on_round(&l->code, &x, &d);
	link_code_apply(l, &d);
}

/*
 * <notification type=companion_reg_refresh>: the server asks for a new adv
 * secret in the QR (protocol-notes §4). Not while a phone is finishing a
 * code pairing: pair-success will be signed with the secret it derived.
 */
void
link_qr_refresh(struct link *l)
{
	struct link_view v;

	if (l->creds->paired)
		return;
	if (l->code.status == LCS_TYPED) {
		log_info("link: QR refresh asked while a code pairing finishes; "
		    "kept the current secret");
		return;
	}
	if (link_adv_secret_renew(l, "QR secret refresh") < 0)
		return;
	log_info("link: QR secret refreshed as the server asked");
	if (l->state != LS_QR || !link_round_redraw(&l->qr, l->creds))
		return;
	link_fire(l, LE_PAIR_DEVICE, "QR renewed at WhatsApp's request: scan "
	    "the new one");
	if (l->ev.qr != NULL) {
		link_get_view(l, &v);
		l->ev.qr(l->ev.arg, &v);
		sodium_memzero(&v, sizeof(v));
	}
}

/*
 * <notification type=passkey_prologue_request> (whatsmeow pair-passkey.go):
 * the server wants a WebAuthn step from the phone owner before it links
 * this companion. A headless worker cannot do it: stop in a state that
 * says so, with what the operator can do, instead of looping on QRs.
 * The adv secret is replaced, as whatsmeow does once it is handed off.
 */
void
link_passkey_demanded(struct link *l)
{
	struct link_code_do d;

	if (l->creds->paired)
		return;
	memset(&d, 0, sizeof(d));
	link_code_drop(&l->code, LCS_NONE, NULL, &d);
	link_code_apply(l, &d);
	link_qr_stop(l);
	link_adv_secret_renew(l, "passkey demand");
	link_fire(l, LE_PASSKEY, "WhatsApp demands a passkey check that a "
	    "server cannot do: on the phone remove it (Settings > Account > "
	    "Passkeys), then ask for a new QR or code");
	log_warnx("link: passkey demanded by WhatsApp; linking stopped until "
	    "an operator asks for a new QR");
	link_close(l, CI_PASSKEY);
}

void
link_qr_stop(struct link *l)
{
	lws_sul_cancel(&l->sul_qr);
	link_round_stop(&l->qr);
}

void
link_fresh_round(struct link *l)
{
	if (l->state == LS_QR && l->qr.paused) {
		link_round_restart(&l->qr);
		link_connect_soon(l, 0);
	} else if (l->state == LS_PASSKEY) {
		link_request_restart(l);
	} else if (l->phase == CP_TRANSPORT && l->qr.nrefs > 0) {
		link_round_restart(&l->qr);	/* a round ended for the code does not count */
		link_qr_stop(l);
		link_close(l, CI_QR_ROUND);
	}
}

/* A round's connection closed unscanned: the next round, or a pause. */
void
link_qr_round_ended(struct link *l)
{
	char msg[LINK_DETAIL_MAX];
	struct link_view v;

	if (l->qr.round < l->cfg.qr_rounds) {
		link_connect_soon(l, 0);
		return;
	}
	/* A pause is a move of the table (qr -> qr), not a flag set aside. */
	if (link_fsm_next(l->state, LE_QR_PAUSE) == LS__MAX) {
		log_warnx("link: no QR pause from %s", link_state_name(l->state));
		return;
	}
	link_round_pause(&l->qr);
	snprintf(msg, sizeof(msg), "QR not scanned in %u rounds: pairing "
	    "paused until a new QR is asked for", l->qr.round);
	log_warnx("link: %s", msg);
	link_fire(l, LE_QR_PAUSE, msg);
	if (l->ev.qr_expired != NULL) {
		link_get_view(l, &v);
		l->ev.qr_expired(l->ev.arg, &v);
	}
}
