/*
 * link_paircode.c: linking by phone number on the live link (whatsmeow
 * pair-code.go PairPhone / handleCodePairNotification; Baileys socket.js
 * requestPairingCode). The code rides on a registration connection: the
 * companion_hello goes out once the server has sent its refs, the code lives
 * as long as that pairing round, and once the phone has answered
 * (primary_hello) the round is not ended under it: the connection stays until
 * pair-success or the login timeout. The code is meant to be shown to the
 * operator, never logged; the ephemeral keys stay in struct pair_code.
 *
 * This file writes only its own struct link_code. What the link must do
 * (publish the state, send an iq, start a fresh round, switch the adv
 * secret, arm the login timeout, poll a stretch) it says in a struct
 * link_code_do, which link.c applies (link_internal.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "binary/bn.h"
#include "clock.h"
#include "log.h"
#include "store/creds.h"

#include "link_internal.h"
#include "pair_code.h"

/*
 * One PBKDF2 stretch (131072 rounds, ~0.1 s, seconds on a loaded machine)
 * on its own thread, so the loop keeps serving IPC and pings. The thread
 * works on copies; the loop polls a flag with a short timer while it runs
 * and drops a result whose code was replaced meanwhile (gen).
 */
typedef void	(*kdf_then_fn)(struct link_code *, const struct link_code_ctx *,
		    const uint8_t *key, struct link_code_do *);

struct link_kdf {
	pthread_t	 t;
	atomic_bool	 done;
	char		 code[PAIR_CODE_LEN + 1];
	uint8_t		 salt[PAIR_CODE_SALT_LEN], key[PAIR_CODE_KEY_LEN];
	int		 rc;
	unsigned	 gen;
	kdf_then_fn	 then;
};

#define CODE_DISPLAY_DEFAULT	"Chrome (Linux)"
#define CODE_PLATFORM_DEFAULT	"1"	/* Chrome: whatsmeow PairClientChrome */

static const char *const status_names[LCS__MAX] = {
	[LCS_NONE] = "none",
	[LCS_REQUESTING] = "requesting",
	[LCS_SHOWN] = "shown",
	[LCS_TYPED] = "typed",
	[LCS_WRONG_CODE] = "wrong_code",
	[LCS_EXPIRED] = "expired",
	[LCS_NOT_ON_WHATSAPP] = "not_on_whatsapp",
	[LCS_REFUSED] = "refused",
};

const char *
link_code_status_name(enum link_code_status s)
{
	return (unsigned)s < LCS__MAX ? status_names[s] : "none";
}

static void
set_status(struct link_code *c, enum link_code_status s, const char *detail,
    struct link_code_do *d)
{
	c->status = s;
	snprintf(c->detail, sizeof(c->detail), "%s", detail);
	log_info("link: pairing code for +%s: %s (%s)", c->phone,
	    link_code_status_name(s), detail);
	d->publish = true;
}

static void *
kdf_thread(void *arg)
{
	struct link_kdf *k = arg;

	k->rc = pair_code_stretch(k->code, k->salt, k->key);
	atomic_store(&k->done, true);
	return NULL;
}

static void
kdf_drop(struct link_code *c)
{
	if (c->kdf == NULL)
		return;
	pthread_join(c->kdf->t, NULL);	/* at most one stretch */
	sodium_free(c->kdf);		/* wipes the key */
	c->kdf = NULL;
}

bool
link_code_kdf_poll(struct link_code *c, const struct link_code_ctx *x,
    struct link_code_do *d)
{
	struct link_kdf *k = c->kdf;

	memset(d, 0, sizeof(*d));
	if (k == NULL)
		return false;
	if (!atomic_load(&k->done))
		return true;
	pthread_join(k->t, NULL);
	c->kdf = NULL;
	if (k->gen == c->gen && c->pc != NULL) {
		if (k->rc < 0)
			link_code_drop(c, LCS_REFUSED, "could not make the pairing "
			    "keys; ask for a new code", d);
		else
			k->then(c, x, k->key, d);
	}
	sodium_free(k);		/* wipes the key */
	return false;
}

static int
kdf_start(struct link_code *c, kdf_then_fn then, struct link_code_do *d)
{
	struct link_kdf *k;

	if (c->kdf != NULL) {
		if (c->kdf->gen == c->gen)
			return -EBUSY;
		/* A stretch for a dropped code (a second request at once): one
		 * PBKDF2 at most to wait for, then its result goes unused. */
		kdf_drop(c);
	}
	if ((k = sodium_malloc(sizeof(*k))) == NULL)
		return -ENOMEM;
	memset(k, 0, sizeof(*k));
	atomic_init(&k->done, false);
	pair_code_stretch_args(c->pc, k->code, k->salt);
	k->gen = c->gen;
	k->then = then;
	if (pthread_create(&k->t, NULL, kdf_thread, k) != 0) {
		sodium_free(k);
		return -EAGAIN;
	}
	c->kdf = k;
	d->poll_kdf = true;
	return 0;
}

void
link_code_free(struct link_code *c)
{
	kdf_drop(c);
	pair_code_free(c->pc);
	c->pc = NULL;
}

void
link_code_drop(struct link_code *c, enum link_code_status s, const char *why,
    struct link_code_do *d)
{
	c->gen++;		/* a running stretch now belongs to no one */
	sodium_memzero(c->qr_adv, sizeof(c->qr_adv));
	c->round_ok = false;
	pair_code_free(c->pc);
	c->pc = NULL;
	c->hello_sent = false;
	/* an answer to a dropped code's iq belongs to no one now */
	if (c->hello_id[0] != '\0')
		memcpy(d->forget[0], c->hello_id, LINK_ID_MAX);
	if (c->finish_id[0] != '\0')
		memcpy(d->forget[1], c->finish_id, LINK_ID_MAX);
	c->hello_id[0] = c->finish_id[0] = '\0';
	c->expires_wall = 0;
	if (s != LCS_NONE)
		set_status(c, s, why, d);
	else
		c->status = LCS_NONE;
}

/* The hello goes out once the key is wrapped and a round serves the code. */
static void
maybe_send_hello(struct link_code *c, const struct link_code_ctx *x,
    struct link_code_do *d)
{
	int rc;

	if (c->pc == NULL || !pair_code_hello_ready(c->pc) || c->hello_sent ||
	    !c->round_ok || !x->round_live)
		return;
	rc = pair_code_hello_node(c->pc, x->creds->noise_pub,
	    x->platform_id ? x->platform_id : CODE_PLATFORM_DEFAULT,
	    x->display ? x->display : CODE_DISPLAY_DEFAULT, &d->send);
	if (rc < 0) {
		link_code_sent(c, LCI_HELLO, NULL, rc, x, d);
		return;
	}
	d->send_for = LCI_HELLO;
}

void
link_code_sent(struct link_code *c, enum link_code_iq which, const char *id,
    int rc, const struct link_code_ctx *x, struct link_code_do *d)
{
	if (which == LCI_FINISH) {
		if (rc < 0)
			link_code_drop(c, LCS_REFUSED, "could not answer the phone; "
			    "ask for a new code", d);
		else
			snprintf(c->finish_id, sizeof(c->finish_id), "%s", id);
		return;
	}
	if (rc < 0) {
		log_warn(rc, "link: could not send the pairing-code request");
		link_code_drop(c, LCS_REFUSED, "could not send the request to "
		    "WhatsApp; ask for a new code", d);
		return;
	}
	snprintf(c->hello_id, sizeof(c->hello_id), "%s", id);
	c->hello_sent = true;
	c->expires_wall = x->round_ends_wall;
}

static void
on_hello_key(struct link_code *c, const struct link_code_ctx *x,
    const uint8_t *key, struct link_code_do *d)
{
	if (pair_code_wrap_with_key(c->pc, key) < 0) {
		link_code_drop(c, LCS_REFUSED, "could not make the pairing keys; "
		    "ask for a new code", d);
		return;
	}
	maybe_send_hello(c, x, d);
}

int
link_code_request(struct link_code *c, const char *phone,
    const struct link_code_ctx *x, struct link_code_do *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if (c->pc != NULL && c->status == LCS_TYPED)
		return -EBUSY;
	link_code_drop(c, LCS_NONE, NULL, d);
	if ((rc = pair_code_prepare(phone, &c->pc)) < 0)
		return rc;
	if ((rc = kdf_start(c, on_hello_key, d)) < 0) {
		link_code_drop(c, LCS_NONE, NULL, d);
		return rc;
	}
	snprintf(c->phone, sizeof(c->phone), "%s", phone);
	set_status(c, LCS_REQUESTING, "asking WhatsApp for a pairing code", d);
	if (x->round_usable) {
		c->round_ok = true;
		return 0;	/* the hello goes once the key is ready */
	}
	/* Wait for the next round's refs: a fresh round gives the code its full time. */
	d->fresh_round = true;
	return 0;
}

void
link_code_on_round(struct link_code *c, const struct link_code_ctx *x,
    struct link_code_do *d)
{
	memset(d, 0, sizeof(*d));
	if (c->pc == NULL || c->hello_sent || c->status != LCS_REQUESTING)
		return;
	c->round_ok = true;	/* a fresh round: the code gets all of it */
	maybe_send_hello(c, x, d);
}

bool
link_code_on_round_end(struct link_code *c, struct link_code_do *d)
{
	memset(d, 0, sizeof(*d));
	if (c->pc == NULL)
		return false;
	if (c->status == LCS_TYPED)
		return true;	/* the phone is finishing: never cut it off */
	if (c->hello_sent)
		link_code_drop(c, LCS_EXPIRED, "the pairing code expired before "
		    "it was typed on the phone; ask for a new one", d);
	return false;
}

void
link_code_conn_ended(struct link_code *c, struct link_code_do *d)
{
	memset(d, 0, sizeof(*d));
	/* The server ties the code to this connection's pairing. */
	c->round_ok = false;
	if (c->pc == NULL || !c->hello_sent)
		return;
	link_code_drop(c, c->status == LCS_TYPED ? LCS_REFUSED : LCS_EXPIRED,
	    c->status == LCS_TYPED ? "the connection ended while the link "
	    "was finishing; ask for a new code" : "the connection ended, and "
	    "the pairing code with it; ask for a new one", d);
}

void
link_code_on_hello_reply(struct link_code *c, const struct bn_node *iq,
    int why, struct link_code_do *d)
{
	const struct bn_node *err;
	const char *code;
	char msg[LINK_DETAIL_MAX];
	int n;

	memset(d, 0, sizeof(*d));
	c->hello_id[0] = '\0';
	if (iq == NULL) {
		/* a closed connection is link_code_conn_ended's to tell */
		if (why == -ETIMEDOUT)
			link_code_drop(c, LCS_REFUSED, "WhatsApp did not answer "
			    "the request for a code; ask for a new one", d);
		return;
	}
	err = bn_node_peek_child_by_tag(iq, "error");
	code = err != NULL ? bn_node_attr(err, "code") : NULL;
	n = code != NULL ? atoi(code) : 0;
	if (strcmp(bn_node_attr(iq, "type"), "result") == 0) {
		if (c->pc == NULL || pair_code_on_hello_result(c->pc, iq) < 0) {
			link_code_drop(c, LCS_REFUSED, "WhatsApp's answer carried "
			    "no pairing reference; ask for a new code", d);
			return;
		}
		set_status(c, LCS_SHOWN, "on the phone: WhatsApp > Settings > "
		    "Linked devices > Link a device > Link with phone number "
		    "instead, then type the code", d);
		return;
	}
	if (n == 404)
		link_code_drop(c, LCS_NOT_ON_WHATSAPP, "this number is not on "
		    "WhatsApp: check the country code and the digits", d);
	else if (n == 400) {
		link_code_drop(c, LCS_REFUSED, "WhatsApp refused the request "
		    "(400): check the number; if it is right, the configured "
		    "display name is not accepted (--pair-display \"Chrome (Linux)\")", d);
	} else if (n == 429) {
		link_code_drop(c, LCS_REFUSED, "WhatsApp refused: too many codes "
		    "asked for this number (429); wait a few minutes", d);
	} else {
		snprintf(msg, sizeof(msg), "WhatsApp refused the pairing code "
		    "(error %d); try again or scan the QR", n);
		link_code_drop(c, LCS_REFUSED, msg, d);
	}
}

void
link_code_on_finish_reply(struct link_code *c, const struct bn_node *iq,
    int why, struct link_code_do *d)
{
	memset(d, 0, sizeof(*d));
	c->finish_id[0] = '\0';
	if (iq == NULL) {
		/* the login timeout bounds the wait for pair-success */
		if (why == -ETIMEDOUT)
			log_warnx("link: the phone's pairing answer went unanswered");
		return;
	}
	if (strcmp(bn_node_attr(iq, "type"), "result") == 0)
		return;		/* pair-success follows */
	/* The phone could not open our bundle: the code typed was not ours.
	 * The QR on show was made with the earlier secret: it scans again. */
	d->set_adv = true;
	memcpy(d->adv, c->qr_adv, sizeof(d->adv));
	set_status(c, LCS_WRONG_CODE, "the code typed on the phone was wrong: "
	    "type it again exactly as shown", d);
}

static void
on_finish_key(struct link_code *c, const struct link_code_ctx *x,
    const uint8_t *key, struct link_code_do *d)
{
	int rc;

	rc = pair_code_finish_with_key(c->pc, key, x->creds->ident_priv,
	    x->creds->ident_pub, d->adv, &d->send);
	if (rc < 0) {
		sodium_memzero(d->adv, sizeof(d->adv));
		log_warn(rc, "link: could not answer the phone's pairing message");
		link_code_drop(c, LCS_REFUSED, "the phone's answer could not be "
		    "used; ask for a new code", d);
		return;
	}
	/* pair-success will be signed with d->adv (pair.c checks it); the
	 * QR's secret comes back if the phone says the code was wrong. */
	memcpy(c->qr_adv, x->creds->adv_secret, sizeof(c->qr_adv));
	d->set_adv = true;
	d->send_for = LCI_FINISH;
}

void
link_code_on_notification(struct link_code *c, const struct bn_node *n,
    struct link_code_do *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if (c->pc == NULL || !pair_code_has_ref(c->pc)) {
		log_warnx("link: pairing-code notification without a code "
		    "waiting; ignored");
		return;
	}
	if ((rc = pair_code_hold_primary_hello(c->pc, n)) == -ESTALE) {
		log_warnx("link: pairing-code notification for another code; ignored");
		return;
	}
	if (rc < 0 || (rc = kdf_start(c, on_finish_key, d)) < 0) {
		log_warn(rc, "link: unusable pairing-code notification");
		if (rc != -EBUSY)
			link_code_drop(c, LCS_REFUSED, "the phone's answer could "
			    "not be used; ask for a new code", d);
		return;
	}
	/* From here the round is not ended under the phone; the login timeout bounds it. */
	d->login_deadline = true;
	set_status(c, LCS_TYPED, "code typed on the phone; finishing the link", d);
}

void
link_code_paired(struct link_code *c, struct link_code_do *d)
{
	memset(d, 0, sizeof(*d));
	if (c->pc != NULL || c->status != LCS_NONE)
		link_code_drop(c, LCS_NONE, NULL, d);
	c->detail[0] = '\0';
}

void
link_code_view(const struct link_code *c, struct link_code_view *v)
{
	memset(v, 0, sizeof(*v));
	v->status = c->status;
	snprintf(v->phone, sizeof(v->phone), "%s", c->phone);
	snprintf(v->detail, sizeof(v->detail), "%s", c->detail);
	if (c->pc != NULL && (c->status == LCS_SHOWN ||
	    c->status == LCS_WRONG_CODE || c->status == LCS_TYPED)) {
		pair_code_display(c->pc, v->code);
		v->expires_ms = c->expires_wall;
	}
}
