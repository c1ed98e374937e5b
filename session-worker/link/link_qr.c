/*
 * link_qr.c: pairing rounds (protocol-notes §4, DESIGN.md "persistent QR").
 * The server hands out refs; we show the first for qr_first_ms and each
 * next one for qr_next_ms. When the last expires we close the connection
 * ourselves, as WhatsApp's clients do, and the next round starts at once on
 * a fresh one; after qr_rounds unscanned rounds pairing pauses until an
 * operator asks for a new QR. QR text is a secret: never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "binary/bn.h"
#include "clock.h"
#include "log.h"
#include "store/creds.h"

#include "link_internal.h"

/* Baileys 7's QR form (companion-reg-client-utils.js); "1" is Chrome. */
#define QR_PREFIX	"https://wa.me/settings/linked_devices#"
#define QR_PLATFORM_ID	"1"

static void	show_next(lws_sorted_usec_list_t *);

static void
b64(char *out, size_t cap, const uint8_t *in, size_t len)
{
	sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_ORIGINAL);
}

static void
build_qr(struct link *l, const char *ref)
{
	char noise[64], ident[64], adv[64];

	b64(noise, sizeof(noise), l->creds->noise_pub, sizeof(l->creds->noise_pub));
	b64(ident, sizeof(ident), l->creds->ident_pub, sizeof(l->creds->ident_pub));
	b64(adv, sizeof(adv), l->creds->adv_secret, sizeof(l->creds->adv_secret));
	snprintf(l->qr, sizeof(l->qr), QR_PREFIX "%s,%s,%s,%s," QR_PLATFORM_ID,
	    ref, noise, ident, adv);
	sodium_memzero(adv, sizeof(adv));
}

static void
show_next(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_qr);
	struct link_view v;
	uint64_t ms;

	if (l->ref_next >= l->nrefs) {
		if (link_code_on_round_end(l)) {
			/* The phone took the code: keep this connection. */
			l->has_qr = false;
			sodium_memzero(l->qr, sizeof(l->qr));
			return;
		}
		log_info("link: QR round %u expired unscanned", l->round);
		l->has_qr = false;
		sodium_memzero(l->qr, sizeof(l->qr));
		link_close(l, CI_QR_ROUND);
		return;
	}
	build_qr(l, l->refs[l->ref_next]);
	ms = l->ref_next == 0 ? l->cfg.qr_first_ms : l->cfg.qr_next_ms;
	l->ref_next++;
	l->has_qr = true;
	l->qr_expires_wall = clock_wall_ms() + ms;
	link_fire(l, LE_PAIR_DEVICE, "scan the QR with WhatsApp on the phone "
	    "(Settings > Linked devices)");
	log_info("link: QR %u/%u of round %u shown for %llus", l->ref_next,
	    l->nrefs, l->round, (unsigned long long)(ms / 1000));
	if (l->ev.qr != NULL) {
		link_get_view(l, &v);
		l->ev.qr(l->ev.arg, &v);
		sodium_memzero(&v, sizeof(v));
	}
	link_schedule(l, &l->sul_qr, show_next, ms);
}

int
link_qr_begin(struct link *l, const struct bn_node *pd)
{
	const struct bn_node *ref;
	const uint8_t *b;
	size_t i, len;

	l->nrefs = 0;
	for (i = 0; i < bn_node_child_count(pd) && l->nrefs < LINK_QR_REFS_MAX; i++) {
		ref = bn_node_peek_child(pd, i);
		if (!bn_node_tag_is(ref, "ref") ||
		    (b = bn_node_peek_bytes(ref, &len)) == NULL || len == 0 ||
		    len >= LINK_REF_MAX || memchr(b, ',', len) != NULL)
			continue;
		memcpy(l->refs[l->nrefs], b, len);
		l->refs[l->nrefs][len] = '\0';
		l->nrefs++;
	}
	if (l->nrefs == 0)
		return -EBADMSG;	/* link_stanza.c ends the connection */
	/* The QR's own timers bound this phase now, not the login timeout. */
	lws_sul_cancel(&l->sul_auth);
	l->round++;
	l->ref_next = 0;
	l->qr_paused = false;
	l->round_ends_wall = clock_wall_ms() + l->cfg.qr_first_ms +
	    (uint64_t)(l->nrefs - 1) * l->cfg.qr_next_ms;
	show_next(&l->sul_qr);
	link_code_on_round(l);
	return 0;
}

/*
 * <notification type=companion_reg_refresh>: the server asks for a new adv
 * secret in the QR (protocol-notes §4). Not while a phone is finishing a
 * code pairing: pair-success will be signed with the secret it derived.
 */
int
link_qr_refresh(struct link *l)
{
	struct link_view v;
	int rc;

	if (l->creds->paired)
		return 0;
	if (l->code_status == LCS_TYPED) {
		log_info("link: QR refresh asked while a code pairing finishes; "
		    "kept the current secret");
		return 0;
	}
	randombytes_buf(l->creds->adv_secret, sizeof(l->creds->adv_secret));
	if ((rc = link_save_creds(l, "QR secret refresh")) < 0)
		return rc;
	log_info("link: QR secret refreshed as the server asked");
	if (!l->has_qr || l->ref_next == 0 || l->state != LS_QR)
		return 0;
	build_qr(l, l->refs[l->ref_next - 1]);
	link_fire(l, LE_PAIR_DEVICE, "QR renewed at WhatsApp's request: scan "
	    "the new one");
	if (l->ev.qr != NULL) {
		link_get_view(l, &v);
		l->ev.qr(l->ev.arg, &v);
		sodium_memzero(&v, sizeof(v));
	}
	return 0;
}

/*
 * <notification type=passkey_prologue_request> (whatsmeow pair-passkey.go):
 * the server wants a WebAuthn step from the phone owner before it links
 * this companion. A headless worker cannot do it: stop in a state that
 * says so, with what the operator can do, instead of looping on QRs.
 * The adv secret is replaced, as whatsmeow does once it is handed off.
 */
int
link_passkey_demanded(struct link *l)
{
	if (l->creds->paired)
		return 0;
	link_code_drop(l, LCS_NONE, NULL);
	link_qr_stop(l);
	randombytes_buf(l->creds->adv_secret, sizeof(l->creds->adv_secret));
	link_save_creds(l, "passkey demand");
	link_fire(l, LE_PASSKEY, "WhatsApp demands a passkey check that a "
	    "server cannot do: on the phone remove it (Settings > Account > "
	    "Passkeys), then ask for a new QR or code");
	log_warnx("link: passkey demanded by WhatsApp; linking stopped until "
	    "an operator asks for a new QR");
	link_close(l, CI_PASSKEY);
	return 0;
}

void
link_qr_stop(struct link *l)
{
	lws_sul_cancel(&l->sul_qr);
	l->has_qr = false;
	sodium_memzero(l->qr, sizeof(l->qr));
	sodium_memzero(l->refs, sizeof(l->refs));
	l->nrefs = l->ref_next = 0;
}

