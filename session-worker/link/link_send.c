/*
 * link_send.c: what goes out on the socket once Noise is up: one stanza
 * encrypted and framed, an iq with its waiter in the iq table (link_iq.h)
 * under one timer at the earliest deadline, and the passive iq of the
 * login (Baileys sendPassiveIq). Assigns no field of struct link; the iq
 * table is link_iq.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/bn.h"
#include "clock.h"
#include "log.h"
#include "noise/noise.h"
#include "transport/frame.h"
#include "transport/ws.h"

#include "link_internal.h"

/* Plaintext ceiling for one stanza we send: a prekey upload is ~4 KB. */
#define LINK_SEND_MAX	(1u << 20)

static void	iq_arm(struct link *);

/* Encrypts and frames one stanza. The link is already logged in or pairing. */
int
link_send_raw(struct link *l, const struct bn_node *n)
{
	uint8_t *plain = NULL, *out = NULL;
	size_t plen, clen, olen, over;
	int rc;

	if (l->phase != CP_TRANSPORT && l->phase != CP_LOGGED_IN)
		return -ENOTCONN;
	if ((rc = bn_encode_frame(n, LINK_SEND_MAX, &plain, &plen)) < 0)
		return rc;
	over = frame_writer_overhead(l->wr);
	if ((out = malloc(over + plen + NOISE_TAG_LEN)) == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	if ((rc = noise_cipher_encrypt(l->tx, NULL, 0, plain, plen, out + over,
	    plen + NOISE_TAG_LEN, &clen)) < 0 ||
	    (rc = frame_writer_prefix(l->wr, clen, out, over, &olen)) < 0)
		goto out_free;
	rc = ws_client_send(l->ws, out, olen + clen);
out_free:
	free(out);
	free(plain);
	return rc;
}

int
link_send_node(struct link *l, const struct bn_node *n)
{
	if (!link_logged_in(l))
		return -ENOTCONN;
	return link_send_raw(l, n);
}

static void
iq_due(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_iq);

	link_iq_expire(&l->iqs, clock_mono_ms());
	iq_arm(l);
}

/* One timer for every pending iq, at the earliest deadline. */
static void
iq_arm(struct link *l)
{
	uint64_t next = link_iq_next_deadline(&l->iqs), now = clock_mono_ms();

	if (next == 0)
		lws_sul_cancel(&l->sul_iq);
	else
		link_schedule(l, &l->sul_iq, iq_due, next > now ? next - now : 0);
}

int
link_iq_send_raw(struct link *l, struct bn_node *iq, uint64_t timeout_ms,
    link_iq_done_fn done, void *arg)
{
	char fresh[LINK_ID_MAX];
	const char *id;
	int rc;

	if (l->phase != CP_TRANSPORT && l->phase != CP_LOGGED_IN)
		return -ENOTCONN;
	if ((id = bn_node_attr(iq, "id")) == NULL) {
		link_new_id(l, fresh);
		if ((rc = bn_node_set_attr(iq, "id", fresh)) < 0)
			return rc;
		id = bn_node_attr(iq, "id");
	}
	if ((rc = link_iq_add(&l->iqs, id, clock_mono_ms(), timeout_ms > 0 ?
	    timeout_ms : LINK_IQ_TIMEOUT_MS, done, arg)) < 0) {
		if (rc == -ENOSPC)
			log_warnx("link: %u iqs wait for an answer; not sending "
			    "another", (unsigned)l->iqs.used);
		return rc;
	}
	if ((rc = link_send_raw(l, iq)) < 0) {
		link_iq_forget(&l->iqs, id);
		return rc;
	}
	iq_arm(l);
	return 0;
}

int
link_iq_send(struct link *l, struct bn_node *iq, uint64_t timeout_ms,
    link_iq_done_fn done, void *arg)
{
	if (!link_logged_in(l))
		return -ENOTCONN;
	return link_iq_send_raw(l, iq, timeout_ms, done, arg);
}

/* Baileys sendPassiveIq: the answer only matters when it is a refusal. */
static void
passive_done(void *arg, const struct bn_node *iq, int err)
{
	(void)arg;
	if (iq != NULL && strcmp(bn_node_attr(iq, "type"), "error") == 0)
		log_warnx("link: the server refused the passive iq");
	else if (err == -ETIMEDOUT)
		log_warnx("link: the passive iq went unanswered");
}

int
link_send_passive(struct link *l)
{
	struct bn_node *iq = bn_node_new("iq"), *act = bn_node_new("active");
	int rc = -ENOMEM;

	if (iq != NULL && act != NULL &&
	    bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(iq, "xmlns", "passive") == 0 &&
	    bn_node_set_attr(iq, "type", "set") == 0 &&
	    bn_node_add_child(iq, act) == 0) {
		act = NULL;
		rc = link_iq_send_raw(l, iq, 0, passive_done, l);
	}
	bn_node_free(act);
	bn_node_free(iq);
	return rc;
}
