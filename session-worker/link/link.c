/*
 * link.c: the owner of struct link (link.h): the one file that assigns its
 * fields. It runs one connection at a time (WebSocket -> frames -> Noise
 * -> stanzas), applies what the deciding files say (a stanza's verdict, a
 * keepalive tick, the pairing code's steps, the version read, the policy's
 * decision), runs the keepalive and prekey timers (the QR rounds' are
 * link_pairing.c's), and answers the operator's requests. Every state
 * change goes through link_fire() (link_fsm_next), every phase change
 * through conn_move() (link_conn_next). The whole of one disconnect is
 * here: link.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "binary/bn.h"
#include "clock.h"
#include "log.h"
#include "noise/noise.h"
#include "store/keys.h"
#include "store/store.h"
#include "store/store_writer.h"
#include "transport/frame.h"
#include "transport/ws.h"
#include "wl_error.h"

#include "account.h"
#include "waversion.h"
#include "link_internal.h"

static void	connect_now(lws_sorted_usec_list_t *);
static void	stop_done(lws_sorted_usec_list_t *);
static void	keepalive_stop(struct link *);
static void	prekeys_stop(struct link *);
static void	link_version_refresh(struct link *, const char *why);

#define LINK_VERSION_POLL_MS	50

void
link_schedule(struct link *l, lws_sorted_usec_list_t *sul, sul_cb_t cb,
    uint64_t ms)
{
	lws_sul_schedule(l->cx, 0, sul, cb, (lws_usec_t)ms * 1000);
}

void
link_new_id(struct link *l, char out[LINK_ID_MAX])
{
	snprintf(out, LINK_ID_MAX, "%s-%u", l->id_prefix, ++l->id_next);
}

void
link_fire(struct link *l, enum link_event ev, const char *detail)
{
	enum link_state to = link_fsm_next(l->state, ev);

	if (to == LS__MAX) {
		log_warnx("link: no move from %s on %s; staying",
		    link_state_name(l->state), link_event_name(ev));
		return;
	}
	if (detail != NULL)
		snprintf(l->detail, sizeof(l->detail), "%s", detail);
	if (to == l->state) {
		link_publish_state(l);
		return;
	}
	log_info("link: %s -> %s (%s)%s%s", link_state_name(l->state),
	    link_state_name(to), link_event_name(ev), detail ? ": " : "",
	    detail ? detail : "");
	l->state = to;
	l->since_wall = clock_wall_ms();
	if (to == LS_CONNECTED || to == LS_UNSTABLE)
		l->next_attempt_wall = 0;
	link_publish_state(l);
}

/* Moves the connection phase as link_fsm.c's table allows; false: refused. */
static bool
conn_move(struct link *l, enum conn_event ev)
{
	enum conn_phase to = link_conn_next(l->phase, ev);

	if (to == CP__MAX)
		return false;
	l->phase = to;
	return true;
}

/* Frees everything of the current connection but the WebSocket client. */
static void
conn_reset(struct link *l)
{
	noise_hs_free(l->hs);
	noise_cipher_free(l->tx);
	noise_cipher_free(l->rx);
	frame_writer_free(l->wr);
	l->hs = NULL;
	l->tx = l->rx = NULL;
	l->wr = NULL;
	frame_reader_reset(l->rd);
	if (l->phase != CP_IDLE)
		conn_move(l, CE_CLOSED);
	memset(&l->closing, 0, sizeof(l->closing));
	/* No answer comes on a closed connection (whatsmeow
	 * clearResponseWaiters): every waiter hears so now. */
	lws_sul_cancel(&l->sul_iq);
	link_iq_fail_all(&l->iqs, -ENOTCONN);
	lws_sul_cancel(&l->sul_auth);
	keepalive_stop(l);
	link_qr_stop(l);
	prekeys_stop(l);
	bn_node_free(l->pair_reply);	/* its save's callback finds none */
	l->pair_reply = NULL;
}

/* Asks the socket to close; the first intent stays, but SIGTERM wins. */
void
link_close(struct link *l, enum close_intent why)
{
	if (l->closing.intent == CI_NONE || why == CI_SHUTDOWN)
		l->closing.intent = why;
	if (!conn_move(l, CE_CLOSE))
		return;		/* no socket, or closing already */
	if (ws_client_close(l->ws) < 0)
		ws_client_free(l->ws), l->ws = NULL;	/* cannot happen: be safe */
}

/* Ends the connection for the policy to judge in ws_on_close. */
static void
link_fail_with(struct link *l, const struct link_close *why, const char *detail)
{
	if (l->closing.intent != CI_NONE)
		return;		/* the first reason wins */
	l->closing = *why;
	l->closing.intent = CI_FAULT;
	snprintf(l->detail, sizeof(l->detail), "%s", detail);
	log_warnx("link: %s (%s)", detail, link_reason_name(why->reason));
	link_close(l, CI_FAULT);
}

void
link_fail(struct link *l, enum link_reason reason, const char *detail)
{
	struct link_close why = { .intent = CI_FAULT, .reason = reason };

	link_fail_with(l, &why, detail);
}

int
link_account_complete(struct link *l, const uint8_t key[32])
{
	uint8_t out[CREDS_ACCOUNT_MAX];
	size_t len;
	int rc;

	if ((rc = account_add_key(l->creds->account, l->creds->account_len,
	    l->creds->ident_pub, key, out, sizeof(out), &len)) < 0)
		return rc;
	memcpy(l->creds->account, out, len);
	l->creds->account_len = len;
	log_info("link: the stored device identity has its account key again");
	return link_save_creds(l, "the completed device identity");
}


/* ---- keepalive: the timers; the rules are link_keepalive.c's ---- */

static void
pong_late(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_pong);

	if (l->ping_outstanding && link_logged_in(l))
		link_fire(l, LE_PONG_LATE, "keepalive answer late");
}

/* The ping's answer (any type counts: the server is there); silence is ka_due's. */
static void
on_pong(void *arg, const struct bn_node *iq, int err)
{
	struct link *l = arg;
	struct link_view v;
	uint64_t now = clock_mono_ms();

	(void)err;
	if (iq == NULL || !l->ping_outstanding)
		return;
	l->ping_outstanding = false;
	lws_sul_cancel(&l->sul_pong);
	l->rtt_ms = (uint32_t)(now - l->ping_sent_mono);
	l->last_pong_mono = now;
	l->last_heartbeat_wall = clock_wall_ms();
	if (l->state == LS_UNSTABLE)
		link_fire(l, LE_PONG_OK, "keepalive answered again");
	link_get_view(l, &v);
	log_info("heartbeat: %s rtt=%ums state=%s", v.phone[0] ? v.phone : "-",
	    l->rtt_ms, link_state_name(l->state));
	if (l->ev.heartbeat != NULL)
		l->ev.heartbeat(l->ev.arg, &v);
}

static void
ka_due(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_ka);
	uint64_t now = clock_mono_ms();
	struct bn_node *ping;
	char msg[96];

	if (!link_logged_in(l))
		return;
	switch (link_keepalive_tick(now, l->last_pong_mono,
	    (uint64_t)l->cfg.keepalive_misses * l->cfg.heartbeat_ms,
	    l->ping_outstanding)) {
	case KA_DEAD:
		snprintf(msg, sizeof(msg), "no keepalive answer for %llus",
		    (unsigned long long)((now - l->last_pong_mono) / 1000));
		link_fail(l, REASON_TIMEOUT, msg);
		return;
	case KA_PING_LATE:
		link_fire(l, LE_PONG_LATE, "keepalive answer missed");
		/* only the newest ping times the round trip */
		link_iq_forget(&l->iqs, l->ping_id);
		l->ping_outstanding = false;
		break;
	case KA_PING:
		break;
	}
	/* ka_due replaces the ping long before: its deadline is a backstop */
	if ((ping = link_keepalive_ping()) != NULL &&
	    link_iq_send_raw(l, ping, (uint64_t)(l->cfg.keepalive_misses + 1) *
	    l->cfg.heartbeat_ms, on_pong, l) == 0) {
		snprintf(l->ping_id, sizeof(l->ping_id), "%s", bn_node_attr(ping, "id"));
		l->ping_outstanding = true;
		l->ping_sent_mono = now;
		link_schedule(l, &l->sul_pong, pong_late,
		    link_keepalive_late_ms(l->cfg.heartbeat_ms));
	}
	bn_node_free(ping);
	link_schedule(l, &l->sul_ka, ka_due, l->cfg.heartbeat_ms);
}

static void
keepalive_start(struct link *l)
{
	l->ping_outstanding = false;
	l->last_pong_mono = clock_mono_ms();
	link_schedule(l, &l->sul_ka, ka_due, 0);	/* a first RTT right away */
}

static void
keepalive_stop(struct link *l)
{
	lws_sul_cancel(&l->sul_ka);
	lws_sul_cancel(&l->sul_pong);
	if (l->ping_outstanding)
		link_iq_forget(&l->iqs, l->ping_id);
	l->ping_outstanding = false;
}

/* ---- the adv secret, asked by the pairing files ---- */

void
link_adv_secret_set(struct link *l, const uint8_t secret[32])
{
	memcpy(l->creds->adv_secret, secret, sizeof(l->creds->adv_secret));
}

/* A new random adv secret, saved (a QR refresh, a passkey demand). */
int
link_adv_secret_renew(struct link *l, const char *why)
{
	randombytes_buf(l->creds->adv_secret, sizeof(l->creds->adv_secret));
	return link_save_creds(l, why);
}

/* ---- login and pairing, as link_stanza.c's verdicts say ---- */

int
link_passive_after_prekeys(struct link *l)
{
	int rc;

	if (!l->passive_due)
		return 0;
	l->passive_due = false;
	if ((rc = link_send_passive(l)) < 0)
		log_warn(rc, "link: could not send the passive iq");
	return 0;
}


/* ---- prekeys: the batch and its rules are prekeys.c's ---- */

/* A pause between steps: lws runs a timer due now before it polls again. */
#define PREKEY_PAUSE_MS	2

static void
prekeys_stop(struct link *l)
{
	lws_sul_cancel(&l->sul_prekeys);
	prekey_batch_free(l->pk);
	l->pk = NULL;
}

/* The upload's answer; the passive iq follows it either way. */
static void
upload_done(void *arg, const struct bn_node *iq, int err)
{
	struct link *l = arg;

	if (err == -ENOTCONN)
		return;		/* the next login counts again */
	if (iq == NULL)
		log_warnx("link: our prekey upload went unanswered");
	else if (strcmp(bn_node_attr(iq, "type"), "error") == 0)
		log_warnx("link: the server refused our prekey upload");
	else {
		/* the mark may wait for the writer: a crash before it is
		 * durable only makes the next login upload again */
		l->creds->uploaded_prekey_id = l->prekey_upload_top;
		link_save_creds(l, "a prekey upload");
	}
	link_passive_after_prekeys(l);
}

/* The creds naming the batch's ids are durable (or failed): upload. */
static void
upload_saved(struct link *l, int rc, uint64_t gen)
{
	uint32_t first, n;
	struct bn_node *iq;

	if (l->pk == NULL || gen != l->pk_gen)
		return;		/* the batch was dropped (disconnect) */
	first = prekey_batch_first(l->pk);
	n = prekey_batch_count(l->pk);
	if (rc < 0) {
		/* link_save_creds_then's write logged why */
	} else if ((iq = prekey_batch_upload_node(l->pk, l->creds)) == NULL) {
		rc = -ENOMEM;
	} else {
		l->prekey_upload_top = first + n - 1;
		rc = link_iq_send_raw(l, iq, 0, upload_done, l);
		bn_node_free(iq);
	}
	if (rc == 0)
		log_info("link: uploading %u prekeys (ids %u-%u)", n, first,
		    first + n - 1);
	else
		log_warn(rc, "link: could not upload prekeys");
	prekeys_stop(l);
	if (rc < 0)
		link_passive_after_prekeys(l);
}

/*
 * All keys are stored (their files durable): record the next id in the
 * creds, and upload only once that save is durable too. The order (as
 * whatsmeow's uploadPreKeys: store the keys, upload, then mark them
 * uploaded) makes every crash safe: before the creds, the ids are made
 * again next time and their files overwritten, nothing having left; after
 * the creds and before the upload, the ids are skipped and the next
 * login's count asks for a new batch; after the upload and before
 * uploaded_prekey_id is durable, the next login may upload once more.
 * The server never holds a key whose private half or id we could lose.
 */
static int
upload_made(struct link *l)
{
	uint32_t first = prekey_batch_first(l->pk), n = prekey_batch_count(l->pk);

	if (l->creds->next_prekey_id < first + n)
		l->creds->next_prekey_id = first + n;
	return link_save_creds_then(l, "making prekeys", upload_saved,
	    l->pk_gen);
}

static void
prekeys_step(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_prekeys);
	int rc = prekey_batch_step(l->pk, l->st, l->writer);

	if (rc == 1) {
		link_schedule(l, &l->sul_prekeys, prekeys_step, PREKEY_PAUSE_MS);
		return;
	}
	if (rc < 0)
		log_error(rc, "store: could not save new prekeys; not uploading");
	else if ((rc = upload_made(l)) == 0)
		return;		/* upload_saved goes on */
	else
		log_warn(rc, "link: could not upload prekeys");
	prekeys_stop(l);
	link_passive_after_prekeys(l);
}

/* Makes n keys a step per loop turn, then uploads them; 0 while one is made. */
static int
prekeys_upload(struct link *l, uint32_t n)
{
	int rc;

	if (l->pk != NULL)
		return 0;	/* a batch is being made or saved */
	if ((rc = prekey_batch_new(l->creds->next_prekey_id, n, &l->pk)) < 0)
		return rc;
	l->pk_gen++;
	link_schedule(l, &l->sul_prekeys, prekeys_step, 0);
	return 0;
}

/* The count's answer: top up below the minimum, then the passive iq. */
static void
count_done(void *arg, const struct bn_node *iq, int err)
{
	struct link *l = arg;
	uint32_t want;
	int n;

	if (err == -ENOTCONN)
		return;
	if (iq == NULL) {
		/* whatsmeow: a count that fails uploads nothing */
		log_warnx("link: the prekey count went unanswered");
		link_passive_after_prekeys(l);
		return;
	}
	n = strcmp(bn_node_attr(iq, "type"), "error") == 0 ? -1 :
	    link_prekeys_count(iq);
	log_info("link: the server holds %d of our prekeys", n < 0 ? 0 : n);
	want = link_prekeys_wanted(n, false, l->creds->uploaded_prekey_id);
	if (want > 0 && prekeys_upload(l, want) == 0)
		return;		/* passive once the upload is answered */
	link_passive_after_prekeys(l);
}

static int
prekeys_on_login(struct link *l)
{
	struct bn_node *iq = link_prekeys_count_iq();
	int rc;

	if (iq == NULL)
		return -ENOMEM;
	rc = link_iq_send_raw(l, iq, 0, count_done, l);
	bn_node_free(iq);
	return rc;
}

/*
 * Spare one-time prekeys for retry receipts' <keys> (whatsmeow
 * GenOnePreKey makes one per receipt, on its caller's goroutine). Made
 * ahead here so a receipt never waits on disk: the key files, then the
 * creds recording next_prekey_id past them, both through the writer; a
 * key is handed out only once both are durable. The in-memory next id
 * moves at once, so a batch made meanwhile takes ids past the spares. A
 * restart forgets unused spares (ids skipped, files left: at most
 * LINK_SPARE_PREKEYS a start).
 */
#define LINK_SPARE_PREKEYS	4

static void
spare_drop(struct link *l)
{
	lws_sul_cancel(&l->sul_spare);
	prekey_batch_free(l->spare);
	l->spare = NULL;
	l->spare_used = 0;
	l->spare_ready = false;
}

static void
spare_saved(struct link *l, int rc, uint64_t gen)
{
	if (l->spare == NULL || gen != l->spare_gen)
		return;
	if (rc < 0)
		spare_drop(l);	/* the next receipt asks again */
	else
		l->spare_ready = true;
}

static void
spare_step(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_spare);
	int rc = prekey_batch_step(l->spare, l->st, l->writer);

	if (rc == 1) {
		link_schedule(l, &l->sul_spare, spare_step, PREKEY_PAUSE_MS);
		return;
	}
	if (rc < 0)
		log_error(rc, "store: could not save spare prekeys");
	else if ((rc = link_save_creds_then(l, "making spare prekeys",
	    spare_saved, l->spare_gen)) == 0)
		return;
	spare_drop(l);
}

static void
spare_make(struct link *l)
{
	uint32_t first = prekey_batch_next_first(l->creds->next_prekey_id,
	    l->pk, LINK_SPARE_PREKEYS);

	if (l->spare != NULL ||
	    prekey_batch_new(first, LINK_SPARE_PREKEYS, &l->spare) < 0)
		return;
	l->creds->next_prekey_id = first + LINK_SPARE_PREKEYS;
	l->spare_gen++;
	link_schedule(l, &l->sul_spare, spare_step, 0);
}

/*
 * More receipts than spares before the next ones are durable (a broken
 * session's backlog asked for again): the key is made and saved in
 * place, on the loop, as before the spares; a receipt is never dropped.
 */
static int
prekey_one_now(struct link *l, uint32_t *id, uint8_t pub[32])
{
	int rc;

	log_info("link: no spare prekey ready; making one in place");
	if ((rc = link_prekeys_make_one(l->st, l->creds->next_prekey_id, l->pk,
	    id, pub)) < 0)
		return rc;
	if (l->creds->next_prekey_id <= *id)
		l->creds->next_prekey_id = *id + 1;
	return link_save_creds_now(l, "a retry prekey");
}

int
link_prekey_one(struct link *l, uint32_t *id, uint8_t pub[32])
{
	uint32_t i;

	if (l->spare == NULL || !l->spare_ready) {
		spare_make(l);
		return prekey_one_now(l, id, pub);
	}
	i = l->spare_used++;
	*id = prekey_batch_first(l->spare) + i;
	memcpy(pub, prekey_batch_pub(l->spare, i), 32);
	if (l->spare_used == prekey_batch_count(l->spare)) {
		spare_drop(l);
		spare_make(l);
	}
	return 0;
}

/* <success> (protocol-notes §4) */
static void
on_login(struct link *l, const char *lid)
{
	int rc;

	if (!conn_move(l, CE_LOGIN)) {
		log_warnx("link: <success> in phase %s; ignored",
		    link_conn_phase_name(l->phase));
		return;
	}
	lws_sul_cancel(&l->sul_auth);
	link_round_restart(&l->qr);
	if (lid != NULL && l->creds->me_lid[0] == '\0' &&
	    strlen(lid) < sizeof(l->creds->me_lid)) {
		snprintf(l->creds->me_lid, sizeof(l->creds->me_lid), "%s", lid);
		link_save_creds(l, "login");
	}
	link_policy_link_up(&l->policy, clock_mono_ms());
	link_fire(l, LE_LOGIN_OK, "logged in");
	/* protocol-notes §4: prekeys, then the passive iq lets offline
	 * stanzas flow (sent once the count is answered: prekeys.c). */
	l->passive_due = true;
	if ((rc = prekeys_on_login(l)) < 0) {
		log_warn(rc, "link: could not ask for the prekey count");
		link_passive_after_prekeys(l);
	}
	spare_make(l);		/* ready before a retry receipt needs one */
	keepalive_start(l);
}

/* The pairing's creds are durable (or failed): reply, as on_paired says. */
static void
paired_saved(struct link *l, int rc, uint64_t gen)
{
	struct bn_node *reply = l->pair_reply, *us;
	struct link_code_do d;

	if (reply == NULL || gen != l->pair_gen)
		return;		/* the connection went meanwhile */
	l->pair_reply = NULL;
	if (rc < 0) {
		bn_node_free(reply);
		l->creds->paired = false;
		link_fail(l, REASON_UNKNOWN, "could not store the new pairing");
		return;
	}
	rc = link_send_raw(l, reply);
	bn_node_free(reply);
	if ((us = link_unified_session_node(clock_wall_ms())) != NULL)
		link_send_raw(l, us);
	bn_node_free(us);
	link_code_paired(&l->code, &d);
	link_code_apply(l, &d);
	log_info("link: paired as %s (platform %s); waiting for restart",
	    l->creds->me_jid, l->creds->platform[0] ? l->creds->platform : "?");
	link_fire(l, LE_PAIR_SUCCESS, "paired; finishing");
	link_schedule(l, &l->sul_auth, link_auth_timeout, l->cfg.auth_timeout_ms);
	if (rc < 0) {
		l->local_fault = rc;
		link_fail(l, REASON_UNKNOWN, "could not send the pairing reply");
	}
}

/*
 * A verified pair-success: persist before replying, as the server links us
 * the moment it reads the reply (whatsmeow pair.go handlePairSuccess). The
 * save goes through the store writer; the reply waits for it (paired_saved)
 * and for nothing else: the QR rounds stop now.
 */
static int
on_paired(struct link *l, struct link_verdict *v)
{
	const struct pair_result *r = &v->pair;
	int rc;

	l->creds->paired = true;
	memcpy(l->creds->me_jid, r->jid, sizeof(r->jid));
	memcpy(l->creds->me_lid, r->lid, sizeof(r->lid));
	memcpy(l->creds->platform, r->platform, sizeof(r->platform));
	memcpy(l->creds->account, r->account, r->account_len);
	l->creds->account_len = r->account_len;
	l->creds->key_index = r->key_index;
	link_qr_stop(l);
	bn_node_free(l->pair_reply);
	l->pair_reply = v->reply;	/* ours until paired_saved */
	v->reply = NULL;
	l->pair_gen++;
	if ((rc = link_save_creds_then(l, "pairing", paired_saved,
	    l->pair_gen)) < 0)
		paired_saved(l, rc, l->pair_gen);
	return 0;
}

/* Applies what link_on_node() found; negative: our own send failed. */
static int
apply_verdict(struct link *l, struct link_verdict *v)
{
	struct link_code_do d;
	uint32_t n;
	int rc = 0;

	switch (v->kind) {
	case LV_NONE:
		break;
	case LV_LOGIN:
		on_login(l, v->lid);
		break;
	case LV_PAIRED:
		rc = on_paired(l, v);
		break;
	case LV_ROUTING:
		/* protocol-notes §1: worth keeping for the ED intro header */
		memcpy(l->creds->routing, v->routing, v->routing_len);
		l->creds->routing_len = v->routing_len;
		link_save_creds(l, "edge routing info");
		break;
	case LV_PAIR_DEVICE:
		link_qr_begin(l, v->pair_device);
		break;
	case LV_QR_REFRESH:
		link_qr_refresh(l);
		break;
	case LV_PASSKEY:
		link_passkey_demanded(l);
		break;
	case LV_CODE_ANSWER:
		link_code_on_notification(&l->code, v->code_answer, &d);
		link_code_apply(l, &d);
		break;
	case LV_PREKEYS_LOW:
		if (link_logged_in(l) && (n = link_prekeys_wanted(v->prekeys_left,
		    true, l->creds->uploaded_prekey_id)) > 0)
			prekeys_upload(l, n);
		break;
	case LV_DOWN:
		link_fail_with(l, &v->down, v->detail);
		break;
	}
	bn_node_free(v->reply);
	v->reply = NULL;
	return rc;
}

static int
on_server_hello(struct link *l, const uint8_t *frame, size_t len)
{
	char msg[LINK_DETAIL_MAX];
	int rc;

	if ((rc = noise_hs_read_hello(l->hs, frame, len)) < 0) {
		/* A certificate failure is a security event: say so plainly. */
		snprintf(msg, sizeof(msg), "server handshake refused: %s%s",
		    wl_strerror(rc), rc == NOISE_ERR_CERT_SIG ||
		    rc == NOISE_ERR_CERT_KEY || rc == NOISE_ERR_CERT_ISSUER ||
		    rc == NOISE_ERR_CERT_TIME ? " (certificate chain not trusted)" : "");
		link_fail(l, REASON_UNKNOWN, msg);
		return rc;
	}
	if ((rc = link_hs_send_finish(l)) < 0 ||
	    (rc = noise_hs_split(l->hs, &l->tx, &l->rx)) < 0) {
		link_fail(l, REASON_UNKNOWN, "could not finish the Noise handshake");
		return rc;
	}
	noise_hs_free(l->hs);
	l->hs = NULL;
	conn_move(l, CE_NOISE_DONE);
	log_debug("link: noise handshake done, aes-gcm via %s",
	    noise_cipher_backend_name(l->tx));
	return 0;
}

static int
on_transport_frame(struct link *l, const uint8_t *frame, size_t len)
{
	struct bn_node *n = NULL;
	struct link_verdict v;
	uint8_t *plain;
	size_t plen;
	int rc, rc2;

	if (len < NOISE_TAG_LEN + 1) {
		link_fail(l, REASON_UNKNOWN, "frame too short to hold a stanza");
		return -EBADMSG;
	}
	if ((plain = malloc(len)) == NULL)
		return -ENOMEM;
	if ((rc = noise_cipher_decrypt(l->rx, NULL, 0, frame, len, plain, len,
	    &plen)) < 0) {
		free(plain);
		link_fail(l, REASON_UNKNOWN, "frame failed authentication (AEAD)");
		return rc;
	}
	rc = bn_decode_frame(plain, plen, &n);
	sodium_memzero(plain, plen);
	free(plain);
	if (rc < 0) {
		/* The frame authenticated, so the link is sound: one stanza we
		 * cannot read is skipped (and the server redelivers what needed
		 * an ack), not a reason to drop everything (issue 11). */
		log_warn(rc, "link: skipped an undecodable stanza (%zu bytes)", plen);
		return 0;
	}
	/* The stanza was well formed: an error now is our own (a send).
	 * The verdict borrows from n: applied before n goes. */
	rc = link_on_node(l, n, &v);
	rc2 = apply_verdict(l, &v);
	if (rc == 0)
		rc = rc2;
	if (rc < 0)
		l->local_fault = rc;
	bn_node_free(n);
	return rc;
}

static int
on_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct link *l = arg;

	switch (l->phase) {
	case CP_HANDSHAKE:
		return on_server_hello(l, frame, len);
	case CP_TRANSPORT:
	case CP_LOGGED_IN:
		return on_transport_frame(l, frame, len);
	default:
		return 0;	/* closing: ignore what is still in flight */
	}
}

static void
ws_on_open(void *user)
{
	struct link *l = user;
	int rc;

	conn_move(l, CE_WS_OPEN);
	if ((rc = link_hs_send_hello(l)) < 0) {
		log_warn(rc, "link: could not send the client hello");
		link_fail(l, REASON_UNKNOWN, "could not start the Noise handshake");
	}
}

static void
ws_on_data(void *user, const uint8_t *buf, size_t len)
{
	struct link *l = user;
	char msg[LINK_DETAIL_MAX];
	int rc;

	if (l->phase != CP_HANDSHAKE && l->phase != CP_TRANSPORT &&
	    l->phase != CP_LOGGED_IN)
		return;
	l->local_fault = 0;
	rc = frame_reader_feed(l->rd, buf, len, on_frame, l);
	if (rc < 0 && l->closing.intent == CI_NONE) {
		link_feed_fault_text(rc, l->local_fault, msg, sizeof(msg));
		link_fail(l, REASON_UNKNOWN, msg);
	}
}

void
link_auth_timeout(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_auth);
	char msg[96];

	snprintf(msg, sizeof(msg), "login did not complete within %llus",
	    (unsigned long long)(l->cfg.auth_timeout_ms / 1000));
	link_fail(l, REASON_TIMEOUT, msg);
}

static void
apply_decision(struct link *l, const struct link_decision *d)
{
	char name[160];
	int rc;

	l->last_reason = d->reason;
	snprintf(l->strategy, sizeof(l->strategy), "%s", d->strategy);
	l->next_attempt_wall = 0;
	log_info("link: down (%s): %s", link_reason_name(d->reason), d->strategy);
	switch (d->action) {
	case LA_RECONNECT:
		l->next_attempt_wall = clock_wall_ms() + d->delay_ms;
		link_fire(l, d->event, NULL);
		link_schedule(l, &l->sul_reconnect, connect_now, d->delay_ms);
		break;
	case LA_ARCHIVE_AND_PAIR:
		/* nothing queued may land in the new session directory */
		store_writer_drain(l->writer);
		spare_drop(l);
		if ((rc = store_archive_logged_out(l->st, name, sizeof(name))) < 0)
			log_error(rc, "store: could not move the logged-out session aside");
		else
			log_warnx("link: logged out; session moved to backups/%s", name);
		if ((rc = link_new_identity(l)) < 0) {
			log_error(rc, "link: cannot make a new identity; stopped");
			return;
		}
		link_fire(l, LE_LOGGED_OUT, "logged out: scan the new QR to link again");
		link_schedule(l, &l->sul_reconnect, connect_now, 0);
		break;
	case LA_WAIT_UNTIL:
		l->ban_until_wall = clock_wall_ms() + d->delay_ms;
		l->next_attempt_wall = l->ban_until_wall;
		link_fire(l, d->event, "temporarily banned by WhatsApp");
		link_schedule(l, &l->sul_reconnect, connect_now, d->delay_ms);
		break;
	case LA_STOP:
		link_fire(l, d->event, d->strategy);
		log_warnx("link: stopped: %s", d->strategy);
		if (d->reason == REASON_OUTDATED)
			link_version_refresh(l, "the server said 405 outdated");
		break;
	}
}

static void
ws_on_close(void *user, const struct ws_close_info *info)
{
	struct link *l = user;
	struct link_close closing = l->closing;
	enum close_intent why = closing.intent;
	struct link_code_do cd;
	struct link_decision d;
	enum link_reason reason;
	uint64_t ban = 0, now = clock_mono_ms();

	conn_reset(l);
	link_code_conn_ended(&l->code, &cd);
	link_code_apply(l, &cd);
	if (why == CI_NONE)
		log_info("link: connection ended: %s%s%s", info->reason ==
		    WS_REASON_PEER_CLOSE ? "closed by server" : info->reason ==
		    WS_REASON_DROPPED ? "dropped" : info->reason ==
		    WS_REASON_CONNECT_TIMEOUT ? "connect timed out" :
		    "could not connect", info->detail ? ": " : "",
		    info->detail ? info->detail : "");
	if (l->phase == CP_STOPPED) {
		link_schedule(l, &l->sul_stop, stop_done, 0);
		return;
	}
	switch (why) {
	case CI_SHUTDOWN:
	case CI_PASSKEY:	/* the state says it; only an operator moves on */
		return;
	case CI_QR_ROUND:
		link_qr_round_ended(l);
		return;
	case CI_RESTART:
		link_fire(l, LE_DOWN_NOW, NULL);
		link_schedule(l, &l->sul_reconnect, connect_now, 0);
		return;
	case CI_LOGOUT:
		reason = REASON_LOGOUT;
		break;
	case CI_FAULT:
		reason = closing.reason;
		if (reason == REASON_BAN && closing.ban_until_mono > now)
			ban = closing.ban_until_mono;
		break;
	case CI_NONE:
	default:
		reason = link_reason_classify(info->reason ==
		    WS_REASON_CONNECT_TIMEOUT ? LC_TIMEOUT : LC_SOCKET, 0, NULL);
		break;
	}
	link_policy_decide(&l->policy, reason, now, ban, &d);
	if (why == CI_FAULT && closing.refused != 0)
		link_policy_stop_refused(&d, closing.refused);
	apply_decision(l, &d);
}

static int
conn_prepare(struct link *l)
{
	struct noise_hs_config hc;
	int rc;

	conn_reset(l);
	memset(&hc, 0, sizeof(hc));
	memcpy(hc.static_priv, l->creds->noise_priv, sizeof(hc.static_priv));
	memcpy(hc.static_pub, l->creds->noise_pub, sizeof(hc.static_pub));
	hc.root = l->cfg.trust_root;
	rc = noise_hs_new(&l->hs, &hc);
	sodium_memzero(&hc, sizeof(hc));
	if (rc < 0)
		return rc;
	return frame_writer_new(&l->wr, l->creds->routing_len > 0 ?
	    l->creds->routing : NULL, l->creds->routing_len);
}

void
link_connect_soon(struct link *l, uint64_t ms)
{
	link_schedule(l, &l->sul_reconnect, connect_now, ms);
}

static void
connect_now(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_reconnect);
	struct link_decision d;
	int rc;

	if (l->phase != CP_IDLE)
		return;		/* a socket already, or stopped */
	l->next_attempt_wall = 0;
	if ((rc = conn_prepare(l)) < 0 || (rc = ws_client_connect(l->ws)) < 0) {
		log_warn(rc, "link: cannot start a connection");
		conn_reset(l);
		link_policy_decide(&l->policy, REASON_UNKNOWN, clock_mono_ms(), 0, &d);
		apply_decision(l, &d);
		return;
	}
	conn_move(l, CE_DIAL);
	link_fire(l, LE_CONNECT, l->creds->paired ? "logging in" :
	    "registering a new device");
	link_schedule(l, &l->sul_auth, link_auth_timeout, l->cfg.auth_timeout_ms);
}

static const struct ws_callbacks ws_cb = {
	.on_open = ws_on_open,
	.on_data = ws_on_data,
	.on_close = ws_on_close,
};

int
link_new(struct lws_context *cx, const struct link_cfg *cfg, struct store *st,
    const struct link_events *ev, struct link **out)
{
	struct link_policy_cfg pc = LINK_POLICY_CFG_DEFAULT;
	struct ws_config wc = { .url = cfg->url, .origin = cfg->origin };
	struct link *l;
	uint8_t rnd[2];
	int rc;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->cx = cx;
	l->cfg = *cfg;
	l->writer = cfg->writer;
	l->st = st;
	if (ev != NULL)
		l->ev = *ev;
	pc.reconnect_wait_ms = (uint32_t)cfg->reconnect_wait_ms;
	pc.backoff_cap_ms = (uint32_t)cfg->backoff_cap_ms;
	link_policy_init(&l->policy, &pc, 0);
	link_iq_init(&l->iqs);
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(l->id_prefix, sizeof(l->id_prefix), "wl%02x%02x", rnd[0], rnd[1]);
	l->started_wall = l->since_wall = clock_wall_ms();
	if ((l->creds = creds_new()) == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	if ((rc = frame_reader_new(&l->rd, 0)) < 0 ||
	    (rc = ws_client_new(cx, &wc, &ws_cb, l, &l->ws)) < 0 ||
	    (rc = store_writer_new(cx, &l->backup_writer)) < 0 ||
	    (rc = link_creds_saves_open(l)) < 0)
		goto out_free;
	*out = l;
	return 0;

out_free:
	link_free(l);
	return rc;
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	/* The waiters' owners may be gone already: drop, do not call. */
	link_iq_init(&l->iqs);
	conn_reset(l);
	lws_sul_cancel(&l->sul_reconnect);
	link_backup_stop(&l->backup);
	lws_sul_cancel(&l->sul_stop);
	/* our jobs' callbacks run while we are whole; a backup in flight ends */
	store_writer_drain(l->writer);
	link_creds_saves_close(l);
	spare_drop(l);
	store_writer_free(l->backup_writer);
	ws_client_free(l->ws);
	frame_reader_free(l->rd);
	lws_sul_cancel(&l->sul_kdf);
	link_code_free(&l->code);
	lws_sul_cancel(&l->sul_version);
	wa_version_fetch_free(l->version_fetch);	/* bounded: 15 s at most */
	creds_free(l->creds);
	free(l);
}

/* ---- --wa-version auto: the fetch; link_version.c decides ---- */

static void
version_poll(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_version);
	struct link_version_step step;
	struct wa_version got;
	char err[WA_VERSION_ERR_MAX];
	int rc;

	if (!wa_version_fetch_done(l->version_fetch, &got, &rc, err)) {
		link_schedule(l, &l->sul_version, version_poll, LINK_VERSION_POLL_MS);
		return;
	}
	wa_version_fetch_free(l->version_fetch);
	l->version_fetch = NULL;
	step = link_version_decide(&l->cfg.version, l->state, rc, &got,
	    l->cfg.version_url, err);
	if (step.detail_set) {
		snprintf(l->detail, sizeof(l->detail), "%s", step.detail);
		link_publish_state(l);
	}
	if (step.kind == LVS_NEWER)
		l->cfg.version = step.use;
	if (step.restart)
		link_request_restart(l);
}

static void
link_version_refresh(struct link *l, const char *why)
{
	int rc;

	if (!link_version_wanted(l->cfg.version_auto, l->version_fetch != NULL,
	    link_stopping(l)))
		return;
	if ((rc = wa_version_fetch_start(l->cfg.version_url,
	    &l->version_fetch)) < 0) {
		log_warn(rc, "link: cannot start reading the WhatsApp Web version");
		return;
	}
	log_info("link: reading the current WhatsApp Web version (%s)", why);
	link_schedule(l, &l->sul_version, version_poll, LINK_VERSION_POLL_MS);
}

int
link_start(struct link *l)
{
	int rc;

	if ((rc = link_load_credentials(l)) < 0)
		return rc;
	if (l->creds->paired)
		log_info("link: stored device %s", l->creds->me_jid);
	link_backup_start(&l->backup, l->cx, l->st, l->backup_writer, l->creds,
	    l->cfg.backup_interval_ms);
	link_schedule(l, &l->sul_reconnect, connect_now, 0);
	link_version_refresh(l, "at start");
	return 0;
}

static void
stop_done(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_stop);

	if (l->stop_done != NULL)
		l->stop_done(l->stop_arg);
}

void
link_shutdown(struct link *l, void (*done)(void *), void *arg)
{
	enum conn_phase was = l->phase;

	l->stop_done = done;
	l->stop_arg = arg;
	if (!conn_move(l, CE_STOP))
		return;		/* stopping already: done() is on its way */
	lws_sul_cancel(&l->sul_reconnect);
	link_backup_stop(&l->backup);
	if (l->phase == CP_STOPPED) {
		link_schedule(l, &l->sul_stop, stop_done, 0);
		return;
	}
	if (was == CP_CLOSING)
		return;		/* its close callback ends the stop */
	l->closing.intent = CI_SHUTDOWN;	/* SIGTERM wins over any reason */
	if (ws_client_close(l->ws) < 0)
		ws_client_free(l->ws), l->ws = NULL;	/* cannot happen: be safe */
}

int
link_request_restart(struct link *l)
{
	if (link_stopping(l))
		return -EALREADY;
	link_policy_reset(&l->policy);
	link_round_restart(&l->qr);
	if (l->state == LS_PASSKEY) {
		/* The passkey close may still be under way: restart instead. */
		if (l->closing.intent == CI_PASSKEY)
			l->closing.intent = CI_RESTART;
		link_fire(l, LE_OPERATOR_RESTART, "new pairing asked by the operator");
	}
	if (l->phase != CP_IDLE) {
		link_close(l, CI_RESTART);
		return 0;
	}
	lws_sul_cancel(&l->sul_reconnect);
	link_fire(l, LE_OPERATOR_RESTART, "restart asked by the operator");
	link_schedule(l, &l->sul_reconnect, connect_now, 0);
	return 0;
}

int
link_request_new_qr(struct link *l)
{
	if (l->state == LS_PASSKEY)
		return link_request_restart(l);
	if (l->state != LS_QR || !l->qr.paused)
		return -EALREADY;
	link_round_restart(&l->qr);
	log_info("link: new QR asked for; pairing resumes");
	link_schedule(l, &l->sul_reconnect, connect_now, 0);
	return 0;
}

int
link_request_pair_code(struct link *l, const char *phone)
{
	struct link_code_ctx x;
	struct link_code_do d;
	int rc;

	if (link_stopping(l))
		return -EALREADY;
	if (l->creds->paired)
		return -EISCONN;
	link_code_ctx_of(l, &x);
	rc = link_code_request(&l->code, phone, &x, &d);
	link_code_apply(l, &d);
	return rc;
}

int
link_request_logout(struct link *l)
{
	struct link_decision d;
	struct bn_node *iq, *rm;

	if (!l->creds->paired || link_stopping(l))
		return -EALREADY;
	/* Tell WhatsApp to drop this companion, as WhatsApp Web's logout does. */
	if (link_logged_in(l) && (iq = bn_node_new("iq")) != NULL) {
		if ((rm = bn_node_new("remove-companion-device")) != NULL &&
		    bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
		    bn_node_set_attr(iq, "type", "set") == 0 &&
		    bn_node_set_attr(iq, "xmlns", "md") == 0 &&
		    bn_node_set_attr(rm, "jid", l->creds->me_jid) == 0 &&
		    bn_node_set_attr(rm, "reason", "user_initiated") == 0 &&
		    bn_node_add_child(iq, rm) == 0)
			rm = NULL;
		bn_node_free(rm);
		/* the answer does not matter: the connection closes now */
		link_iq_send(l, iq, 0, NULL, NULL);
		bn_node_free(iq);
	}
	if (l->phase != CP_IDLE) {
		link_close(l, CI_LOGOUT);
		return 0;
	}
	lws_sul_cancel(&l->sul_reconnect);
	/*
	 * Only an operator restart leads out of a stop state (conflict,
	 * banned, outdated: link_fsm.c), and a logout asked by the operator
	 * is one. Without this move the table refuses every step that
	 * follows and the state stays "conflict" while a new QR is offered.
	 */
	if (link_fsm_next(l->state, LE_LOGGED_OUT) == LS__MAX)
		link_fire(l, LE_OPERATOR_RESTART, "logout asked by the operator");
	link_policy_decide(&l->policy, REASON_LOGOUT, clock_mono_ms(), 0, &d);
	apply_decision(l, &d);
	return 0;
}
