/*
 * link_qr.c: what a pairing round is made of (protocol-notes §4), as pure
 * functions link_pairing.c uses: the refs a <pair-device> carries,
 * and the QR text for one of them; and the round itself (struct
 * link_round, written here only). QR text is a secret: never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "binary/bn.h"
#include "store/creds.h"

#include "link_internal.h"

/* Baileys 7's QR form (companion-reg-client-utils.js); "1" is Chrome. */
#define QR_PREFIX	"https://wa.me/settings/linked_devices#"
#define QR_PLATFORM_ID	"1"

static void
b64(char *out, size_t cap, const uint8_t *in, size_t len)
{
	sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_ORIGINAL);
}

uint32_t
link_qr_refs(const struct bn_node *pd, char refs[LINK_QR_REFS_MAX][LINK_REF_MAX])
{
	const struct bn_node *ref;
	const uint8_t *b;
	uint32_t n = 0;
	size_t i, len;

	for (i = 0; i < bn_node_child_count(pd) && n < LINK_QR_REFS_MAX; i++) {
		ref = bn_node_peek_child(pd, i);
		/* a comma would break the QR's fields apart */
		if (!bn_node_tag_is(ref, "ref") ||
		    (b = bn_node_peek_bytes(ref, &len)) == NULL || len == 0 ||
		    len >= LINK_REF_MAX || memchr(b, ',', len) != NULL)
			continue;
		memcpy(refs[n], b, len);
		refs[n][len] = '\0';
		n++;
	}
	return n;
}

void
link_qr_text(char out[LINK_QR_MAX], const char *ref, const struct creds *c)
{
	char noise[64], ident[64], adv[64];

	b64(noise, sizeof(noise), c->noise_pub, sizeof(c->noise_pub));
	b64(ident, sizeof(ident), c->ident_pub, sizeof(c->ident_pub));
	b64(adv, sizeof(adv), c->adv_secret, sizeof(c->adv_secret));
	snprintf(out, LINK_QR_MAX, QR_PREFIX "%s,%s,%s,%s," QR_PLATFORM_ID,
	    ref, noise, ident, adv);
	sodium_memzero(adv, sizeof(adv));
}

/* ---- the round: struct link_round, moved by link_pairing.c's timers ---- */

int
link_round_begin(struct link_round *r, const struct bn_node *pd, uint64_t now,
    uint64_t first_ms, uint64_t next_ms)
{
	if ((r->nrefs = link_qr_refs(pd, r->refs)) == 0)
		return -EBADMSG;
	r->round++;
	r->ref_next = 0;
	r->paused = false;
	r->ends_wall = now + first_ms + (uint64_t)(r->nrefs - 1) * next_ms;
	return 0;
}

bool
link_round_show_next(struct link_round *r, const struct creds *c, uint64_t now,
    uint64_t first_ms, uint64_t next_ms, uint64_t *ms)
{
	if (r->ref_next >= r->nrefs)
		return false;
	link_qr_text(r->text, r->refs[r->ref_next], c);
	*ms = r->ref_next == 0 ? first_ms : next_ms;
	r->ref_next++;
	r->has_qr = true;
	r->expires_wall = now + *ms;
	return true;
}

bool
link_round_redraw(struct link_round *r, const struct creds *c)
{
	if (!r->has_qr || r->ref_next == 0)
		return false;
	link_qr_text(r->text, r->refs[r->ref_next - 1], c);
	return true;
}

void
link_round_hide(struct link_round *r)
{
	r->has_qr = false;
	sodium_memzero(r->text, sizeof(r->text));
}

void
link_round_stop(struct link_round *r)
{
	link_round_hide(r);
	sodium_memzero(r->refs, sizeof(r->refs));
	r->nrefs = r->ref_next = 0;
}

void
link_round_restart(struct link_round *r)
{
	r->round = 0;
	r->paused = false;
}

void
link_round_pause(struct link_round *r)
{
	r->paused = true;
}
