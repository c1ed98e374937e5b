/*
 * link_code_apply.c: the pairing code's decisions carried out on the link.
 * link_paircode.c says what the code calls for (struct link_code_do); this
 * file sends its iqs and routes their answers back, polls the stretch,
 * and asks link.c for the rest (the adv secret, a fresh round). It assigns
 * no field of struct link: what it changes it changes through link.c's
 * functions, the iq table (link_iq.h) and the loop's timers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "binary/bn.h"
#include "clock.h"

#include "link_internal.h"

#define LINK_KDF_POLL_MS	10	/* a pairing-code stretch: ~0.1 s */


/* What the code needs to know of the link around it. */
void
link_code_ctx_of(const struct link *l, struct link_code_ctx *x)
{
	uint64_t min = l->cfg.code_min_ms ? l->cfg.code_min_ms : 60000;

	memset(x, 0, sizeof(*x));
	x->round_live = l->phase == CP_TRANSPORT && l->qr.nrefs > 0;
	x->round_usable = x->round_live && l->state == LS_QR && !l->qr.paused &&
	    l->qr.ends_wall > clock_wall_ms() + min;
	x->round_ends_wall = l->qr.ends_wall;
	x->creds = l->creds;
	x->platform_id = l->cfg.code_platform_id;
	x->display = l->cfg.code_display;
}

static void
code_hello_reply(void *arg, const struct bn_node *iq, int why)
{
	struct link *l = arg;
	struct link_code_do d;

	link_code_on_hello_reply(&l->code, iq, why, &d);
	link_code_apply(l, &d);
}

static void
code_finish_reply(void *arg, const struct bn_node *iq, int why)
{
	struct link *l = arg;
	struct link_code_do d;

	link_code_on_finish_reply(&l->code, iq, why, &d);
	link_code_apply(l, &d);
}

/* <iq xmlns=md type=set to=s.whatsapp.net id=…>child</iq>; takes child. */
static int
code_send(struct link *l, struct bn_node *child, enum link_code_iq which,
    char id[LINK_ID_MAX])
{
	struct bn_node *iq = bn_node_new("iq");
	int rc = -ENOMEM;

	if (iq != NULL && bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(iq, "type", "set") == 0 &&
	    bn_node_set_attr(iq, "xmlns", "md") == 0 &&
	    bn_node_add_child(iq, child) == 0) {
		child = NULL;
		if ((rc = link_iq_send_raw(l, iq, 0, which == LCI_HELLO ?
		    code_hello_reply : code_finish_reply, l)) == 0)
			snprintf(id, LINK_ID_MAX, "%s", bn_node_attr(iq, "id"));
	}
	bn_node_free(child);
	bn_node_free(iq);
	return rc;
}

static void
kdf_poll(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_kdf);
	struct link_code_ctx x;
	struct link_code_do d;

	link_code_ctx_of(l, &x);
	if (link_code_kdf_poll(&l->code, &x, &d)) {
		link_schedule(l, &l->sul_kdf, kdf_poll, LINK_KDF_POLL_MS);
		return;
	}
	link_code_apply(l, &d);
}

/* What link_paircode.c said, in the order it was decided. */
void
link_code_apply(struct link *l, struct link_code_do *d)
{
	struct link_code_ctx x;
	struct link_code_do next;
	char id[LINK_ID_MAX];
	int rc, i;

	for (i = 0; i < 2; i++)
		if (d->forget[i][0] != '\0')
			link_iq_forget(&l->iqs, d->forget[i]);
	if (d->set_adv)
		link_adv_secret_set(l, d->adv);
	sodium_memzero(d->adv, sizeof(d->adv));
	if (d->login_deadline)
		link_schedule(l, &l->sul_auth, link_auth_timeout,
		    l->cfg.auth_timeout_ms);
	if (d->poll_kdf)
		link_schedule(l, &l->sul_kdf, kdf_poll, LINK_KDF_POLL_MS);
	if (d->publish)
		link_publish_state(l);
	if (d->send != NULL) {
		rc = code_send(l, d->send, d->send_for, id);
		d->send = NULL;
		link_code_ctx_of(l, &x);
		memset(&next, 0, sizeof(next));
		link_code_sent(&l->code, d->send_for, rc == 0 ? id : NULL, rc,
		    &x, &next);
		link_code_apply(l, &next);	/* a failed send drops: no send again */
	}
	if (d->fresh_round)
		link_fresh_round(l);
}
