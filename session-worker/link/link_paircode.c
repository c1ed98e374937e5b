/*
 * link_paircode.c: linking by phone number on the live link (whatsmeow
 * pair-code.go PairPhone / handleCodePairNotification; Baileys socket.js
 * requestPairingCode). The code rides on a registration connection: the
 * companion_hello goes out once the server has sent its refs, the code lives
 * as long as that pairing round, and once the phone has answered
 * (primary_hello) the round is not ended under it: the connection stays until
 * pair-success or the login timeout. The code is meant to be shown to the
 * operator, never logged; the ephemeral keys stay in struct pair_code.
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

#define KDF_POLL_MS		10

/*
 * One PBKDF2 stretch (131072 rounds, ~0.1 s, seconds on a loaded machine)
 * on its own thread, so the loop keeps serving IPC and pings. The thread
 * works on copies; the loop polls a flag with a short timer while it runs
 * and drops a result whose code was replaced meanwhile (code_gen).
 */
struct link_kdf {
	pthread_t	 t;
	atomic_bool	 done;
	char		 code[PAIR_CODE_LEN + 1];
	uint8_t		 salt[PAIR_CODE_SALT_LEN], key[PAIR_CODE_KEY_LEN];
	int		 rc;
	unsigned	 gen;
	void		(*then)(struct link *, const uint8_t *key);
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
set_status(struct link *l, enum link_code_status s, const char *detail)
{
	l->code_status = s;
	snprintf(l->code_detail, sizeof(l->code_detail), "%s", detail);
	log_info("link: pairing code for +%s: %s (%s)", l->code_phone,
	    link_code_status_name(s), detail);
	link_publish_state(l);
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
kdf_poll(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_kdf);
	struct link_kdf *k = l->kdf;

	if (!atomic_load(&k->done)) {
		link_schedule(l, &l->sul_kdf, kdf_poll, KDF_POLL_MS);
		return;
	}
	pthread_join(k->t, NULL);
	l->kdf = NULL;
	if (k->gen == l->code_gen && l->pc != NULL) {
		if (k->rc < 0)
			link_code_drop(l, LCS_REFUSED, "could not make the pairing "
			    "keys; ask for a new code");
		else
			k->then(l, k->key);
	}
	sodium_free(k);		/* wipes the key */
}

static int
kdf_start(struct link *l, void (*then)(struct link *, const uint8_t *))
{
	struct link_kdf *k;

	if (l->kdf != NULL) {
		if (l->kdf->gen == l->code_gen)
			return -EBUSY;
		/* A stretch for a dropped code (a second request at once): one
		 * PBKDF2 at most to wait for, then its result goes unused. */
		lws_sul_cancel(&l->sul_kdf);
		pthread_join(l->kdf->t, NULL);
		sodium_free(l->kdf);
		l->kdf = NULL;
	}
	if ((k = sodium_malloc(sizeof(*k))) == NULL)
		return -ENOMEM;
	memset(k, 0, sizeof(*k));
	atomic_init(&k->done, false);
	pair_code_stretch_args(l->pc, k->code, k->salt);
	k->gen = l->code_gen;
	k->then = then;
	if (pthread_create(&k->t, NULL, kdf_thread, k) != 0) {
		sodium_free(k);
		return -EAGAIN;
	}
	l->kdf = k;
	link_schedule(l, &l->sul_kdf, kdf_poll, KDF_POLL_MS);
	return 0;
}

void
link_code_free(struct link *l)
{
	lws_sul_cancel(&l->sul_kdf);
	if (l->kdf != NULL) {
		pthread_join(l->kdf->t, NULL);	/* at most one stretch */
		sodium_free(l->kdf);
		l->kdf = NULL;
	}
	pair_code_free(l->pc);
	l->pc = NULL;
}

void
link_code_drop(struct link *l, enum link_code_status s, const char *why)
{
	l->code_gen++;		/* a running stretch now belongs to no one */
	sodium_memzero(l->code_qr_adv, sizeof(l->code_qr_adv));
	l->code_round_ok = false;
	pair_code_free(l->pc);
	l->pc = NULL;
	l->code_hello_sent = false;
	/* an answer to a dropped code's iq belongs to no one now */
	link_iq_forget(&l->iqs, l->code_hello_id);
	link_iq_forget(&l->iqs, l->code_finish_id);
	l->code_hello_id[0] = l->code_finish_id[0] = '\0';
	l->code_expires_wall = 0;
	if (s != LCS_NONE)
		set_status(l, s, why);
	else
		l->code_status = LCS_NONE;
}

static void	on_hello_reply(void *, const struct bn_node *, int);
static void	on_finish_reply(void *, const struct bn_node *, int);

/*
 * <iq xmlns=md type=set to=s.whatsapp.net id=…>child</iq>; takes child.
 * The id is kept so that dropping the code forgets its iq.
 */
static int
send_md_iq(struct link *l, struct bn_node *child, char id[LINK_ID_MAX],
    link_iq_done_fn done)
{
	struct bn_node *iq = bn_node_new("iq");
	int rc = -ENOMEM;

	if (iq != NULL && bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(iq, "type", "set") == 0 &&
	    bn_node_set_attr(iq, "xmlns", "md") == 0 &&
	    bn_node_add_child(iq, child) == 0) {
		child = NULL;
		if ((rc = link_iq_send_raw(l, iq, 0, done, l)) == 0)
			snprintf(id, LINK_ID_MAX, "%s", bn_node_attr(iq, "id"));
	}
	bn_node_free(child);
	bn_node_free(iq);
	return rc;
}

static void
send_hello(struct link *l)
{
	struct bn_node *n;
	int rc;

	rc = pair_code_hello_node(l->pc, l->creds->noise_pub,
	    l->cfg.code_platform_id ? l->cfg.code_platform_id : CODE_PLATFORM_DEFAULT,
	    l->cfg.code_display ? l->cfg.code_display : CODE_DISPLAY_DEFAULT, &n);
	if (rc == 0)
		rc = send_md_iq(l, n, l->code_hello_id, on_hello_reply);
	if (rc < 0) {
		log_warn(rc, "link: could not send the pairing-code request");
		link_code_drop(l, LCS_REFUSED, "could not send the request to "
		    "WhatsApp; ask for a new code");
		return;
	}
	l->code_hello_sent = true;
	l->code_expires_wall = l->round_ends_wall;
}

/* The hello goes out once the key is wrapped and a round serves the code. */
static void
maybe_send_hello(struct link *l)
{
	if (l->pc != NULL && pair_code_hello_ready(l->pc) && !l->code_hello_sent &&
	    l->code_round_ok && l->phase == CP_TRANSPORT &&
	    l->nrefs > 0)
		send_hello(l);
}

static void
on_hello_key(struct link *l, const uint8_t *key)
{
	if (pair_code_wrap_with_key(l->pc, key) < 0) {
		link_code_drop(l, LCS_REFUSED, "could not make the pairing keys; "
		    "ask for a new code");
		return;
	}
	maybe_send_hello(l);
}

/* A registration connection with refs, and enough of its round left. */
static bool
round_usable(const struct link *l)
{
	uint64_t min = l->cfg.code_min_ms ? l->cfg.code_min_ms : 60000;

	return l->phase == CP_TRANSPORT && l->nrefs > 0 &&
	    l->state == LS_QR && !l->qr_paused &&
	    l->round_ends_wall > clock_wall_ms() + min;
}

int
link_request_pair_code(struct link *l, const char *phone)
{
	int rc;

	if (l->stopping)
		return -EALREADY;
	if (l->creds->paired)
		return -EISCONN;
	if (l->pc != NULL && l->code_status == LCS_TYPED)
		return -EBUSY;
	link_code_drop(l, LCS_NONE, NULL);
	if ((rc = pair_code_prepare(phone, &l->pc)) < 0)
		return rc;
	if ((rc = kdf_start(l, on_hello_key)) < 0) {
		link_code_drop(l, LCS_NONE, NULL);
		return rc;
	}
	snprintf(l->code_phone, sizeof(l->code_phone), "%s", phone);
	set_status(l, LCS_REQUESTING, "asking WhatsApp for a pairing code");
	if (round_usable(l)) {
		l->code_round_ok = true;
		return 0;	/* the hello goes once the key is ready */
	}
	/* Wait for the next round's refs: a fresh round gives the code its full time. */
	link_fresh_round(l);
	return 0;
}

void
link_code_on_round(struct link *l)
{
	if (l->pc == NULL || l->code_hello_sent || l->code_status != LCS_REQUESTING)
		return;
	l->code_round_ok = true;	/* a fresh round: the code gets all of it */
	maybe_send_hello(l);
}

bool
link_code_on_round_end(struct link *l)
{
	if (l->pc == NULL)
		return false;
	if (l->code_status == LCS_TYPED)
		return true;	/* the phone is finishing: never cut it off */
	if (l->code_hello_sent)
		link_code_drop(l, LCS_EXPIRED, "the pairing code expired before "
		    "it was typed on the phone; ask for a new one");
	return false;
}

void
link_code_conn_ended(struct link *l)
{
	/* The server ties the code to this connection's pairing. */
	l->code_round_ok = false;
	if (l->pc == NULL || !l->code_hello_sent)
		return;
	link_code_drop(l, l->code_status == LCS_TYPED ? LCS_REFUSED : LCS_EXPIRED,
	    l->code_status == LCS_TYPED ? "the connection ended while the link "
	    "was finishing; ask for a new code" : "the connection ended, and "
	    "the pairing code with it; ask for a new one");
}

static void
on_hello_reply(void *arg, const struct bn_node *iq, int why)
{
	struct link *l = arg;
	const struct bn_node *err;
	const char *code;
	char msg[LINK_DETAIL_MAX];
	int c;

	l->code_hello_id[0] = '\0';
	if (iq == NULL) {
		/* a closed connection is link_code_conn_ended's to tell */
		if (why == -ETIMEDOUT)
			link_code_drop(l, LCS_REFUSED, "WhatsApp did not answer "
			    "the request for a code; ask for a new one");
		return;
	}
	err = bn_node_peek_child_by_tag(iq, "error");
	code = err != NULL ? bn_node_attr(err, "code") : NULL;
	c = code != NULL ? atoi(code) : 0;
	if (strcmp(bn_node_attr(iq, "type"), "result") == 0) {
		if (pair_code_on_hello_result(l->pc, iq) < 0) {
			link_code_drop(l, LCS_REFUSED, "WhatsApp's answer carried "
			    "no pairing reference; ask for a new code");
			return;
		}
		snprintf(msg, sizeof(msg), "on the phone: WhatsApp > Settings > "
		    "Linked devices > Link a device > Link with phone number "
		    "instead, then type the code");
		set_status(l, LCS_SHOWN, msg);
		return;
	}
	if (c == 404)
		link_code_drop(l, LCS_NOT_ON_WHATSAPP, "this number is not on "
		    "WhatsApp: check the country code and the digits");
	else if (c == 400) {
		link_code_drop(l, LCS_REFUSED, "WhatsApp refused the request "
		    "(400): check the number; if it is right, the configured "
		    "display name is not accepted (--pair-display \"Chrome (Linux)\")");
	} else if (c == 429) {
		link_code_drop(l, LCS_REFUSED, "WhatsApp refused: too many codes "
		    "asked for this number (429); wait a few minutes");
	} else {
		snprintf(msg, sizeof(msg), "WhatsApp refused the pairing code "
		    "(error %d); try again or scan the QR", c);
		link_code_drop(l, LCS_REFUSED, msg);
	}
}

static void
on_finish_reply(void *arg, const struct bn_node *iq, int why)
{
	struct link *l = arg;

	l->code_finish_id[0] = '\0';
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
	link_adv_secret_set(l, l->code_qr_adv);
	set_status(l, LCS_WRONG_CODE, "the code typed on the phone was wrong: "
	    "type it again exactly as shown");
}

static void
on_finish_key(struct link *l, const uint8_t *key)
{
	struct bn_node *fin = NULL;
	uint8_t adv[32];
	int rc;

	rc = pair_code_finish_with_key(l->pc, key, l->creds->ident_priv,
	    l->creds->ident_pub, adv, &fin);
	if (rc < 0) {
		sodium_memzero(adv, sizeof(adv));
		log_warn(rc, "link: could not answer the phone's pairing message");
		link_code_drop(l, LCS_REFUSED, "the phone's answer could not be "
		    "used; ask for a new code");
		return;
	}
	/* pair-success will be signed with this secret (pair.c checks it). */
	memcpy(l->code_qr_adv, l->creds->adv_secret, sizeof(l->code_qr_adv));
	link_adv_secret_set(l, adv);
	sodium_memzero(adv, sizeof(adv));
	if (send_md_iq(l, fin, l->code_finish_id, on_finish_reply) < 0)
		link_code_drop(l, LCS_REFUSED, "could not answer the phone; ask "
		    "for a new code");
}

int
link_code_on_notification(struct link *l, const struct bn_node *n)
{
	int rc;

	if (l->pc == NULL || !pair_code_has_ref(l->pc)) {
		log_warnx("link: pairing-code notification without a code "
		    "waiting; ignored");
		return 0;
	}
	if ((rc = pair_code_hold_primary_hello(l->pc, n)) == -ESTALE) {
		log_warnx("link: pairing-code notification for another code; ignored");
		return 0;
	}
	if (rc < 0 || (rc = kdf_start(l, on_finish_key)) < 0) {
		log_warn(rc, "link: unusable pairing-code notification");
		if (rc != -EBUSY)
			link_code_drop(l, LCS_REFUSED, "the phone's answer could "
			    "not be used; ask for a new code");
		return 0;
	}
	/* From here the round is not ended under the phone; the login timeout bounds it. */
	link_login_deadline(l);
	set_status(l, LCS_TYPED, "code typed on the phone; finishing the link");
	return 0;
}

void
link_code_paired(struct link *l)
{
	if (l->pc != NULL || l->code_status != LCS_NONE)
		link_code_drop(l, LCS_NONE, NULL);
	l->code_detail[0] = '\0';
}

void
link_code_view(const struct link *l, struct link_code_view *v)
{
	memset(v, 0, sizeof(*v));
	v->status = l->code_status;
	snprintf(v->phone, sizeof(v->phone), "%s", l->code_phone);
	snprintf(v->detail, sizeof(v->detail), "%s", l->code_detail);
	if (l->pc != NULL && (l->code_status == LCS_SHOWN ||
	    l->code_status == LCS_WRONG_CODE || l->code_status == LCS_TYPED)) {
		pair_code_display(l->pc, v->code);
		v->expires_ms = l->code_expires_wall;
	}
}
