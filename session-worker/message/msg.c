/*
 * msg.c: the message module's setup and routing: stanzas from the link
 * go to msg_recv.c (messages, receipts, notifications), iq answers to
 * whoever asked (msg_send.c for usync and keys, msg_recv.c for LID
 * lookups); one sweep timer gives up on unanswered iqs. The LID map is
 * loaded here and saved (atomically, sealed when configured) whenever a
 * mapping is learnt.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "binary/bn.h"
#include "ipc/worker_ipc.h"
#include "link/link.h"
#include "log.h"
#include "signal/sig.h"
#include "store/creds.h"
#include "store/store.h"
#include "whitelist/lidmap.h"

#include "msg_internal.h"

#define MSG_SWEEP_MS	1000

bool
msg_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < cap;
}

const struct creds *
msg_creds(struct msg *m)
{
	return m->link != NULL ? link_creds(m->link) : NULL;
}

static const struct creds *
sig_creds(void *arg)
{
	return msg_creds(arg);
}

void
msg_new_iq_id(struct msg *m, char out[MSG_IQ_ID_MAX])
{
	snprintf(out, MSG_IQ_ID_MAX, "msg.%u.%u", (unsigned)(clock_mono_ms() % 100000),
	    ++m->iq_next);
}

int
msg_send(struct msg *m, const struct bn_node *n)
{
	if (m->link == NULL)
		return -ENOTCONN;
	return link_send_node(m->link, n);
}

int
msg_jid_split(const char *jid, char *user, size_t ucap, uint32_t *device,
    bool *lid)
{
	struct bn_jid j;

	if (jid == NULL || bn_jid_parse(jid, strlen(jid), &j) < 0 ||
	    j.user_len == 0 || j.user_len >= ucap)
		return -EINVAL;
	memcpy(user, j.user, j.user_len);
	user[j.user_len] = '\0';
	*device = j.device > 0 ? (uint32_t)j.device : 0;
	*lid = j.server_len == 3 && memcmp(j.server, "lid", 3) == 0;
	return 0;
}

void
msg_own_phone(struct msg *m, char out[16])
{
	const struct creds *c = msg_creds(m);

	out[0] = '\0';
	if (c != NULL)
		creds_phone(c, out);
}

static void
lid_save(struct msg *m)
{
	uint8_t *b;
	size_t len;
	int rc;

	if ((rc = lidmap_encode(m->lids, &b, &len)) == 0) {
		rc = store_put(m->cfg.st, LIDMAP_BLOB, b, len);
		free(b);
	}
	if (rc < 0)
		log_warn(rc, "message: could not save the LID map; it is kept in "
		    "memory and saved with the next change");
}

int
msg_lid_learn(struct msg *m, const char *lid_jid, const char *pn_jid)
{
	char lid[MSG_JID_MAX], pn[MSG_JID_MAX];
	uint32_t d1, d2;
	bool l1, l2;
	int rc;

	if (msg_jid_split(lid_jid, lid, sizeof(lid), &d1, &l1) < 0 || !l1 ||
	    msg_jid_split(pn_jid, pn, sizeof(pn), &d2, &l2) < 0 || l2)
		return -EINVAL;
	if ((rc = lidmap_put(m->lids, lid, pn)) == 1) {
		log_info("message: LID %s is %s (saved)", lid, pn);
		lid_save(m);
	}
	return rc < 0 ? rc : 0;
}

const char *
msg_lid_phone(struct msg *m, const char *lid_user)
{
	return lidmap_phone(m->lids, lid_user);
}

void
msg_publish(struct msg *m, bool accepted, const char *from, const char *id,
    const char *reason, uint64_t t_s)
{
	struct worker_ipc_message e = {
		.accepted = accepted, .from = from, .id = id, .reason = reason,
		.t_ms = t_s * 1000,
	};

	if (m->cfg.ipc != NULL)
		worker_ipc_publish_message(m->cfg.ipc, &e);
}

static void
sweep(lws_sorted_usec_list_t *sul)
{
	struct msg *m = lws_container_of(sul, struct msg, sul_sweep);
	uint64_t now = clock_mono_ms();

	msg_send_sweep(m, now);
	if (m->lid_iq[0] != '\0' && now >= m->lid_deadline_ms) {
		log_warnx("message: the LID lookup got no answer");
		msg_lid_give_up(m);
	}
	lws_sul_schedule(m->cfg.cx, 0, &m->sul_sweep, sweep,
	    MSG_SWEEP_MS * LWS_US_PER_MS);
}

static void
load_lids(struct msg *m)
{
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	if ((rc = store_get(m->cfg.st, LIDMAP_BLOB, &b, &len)) == -ENOENT)
		return;
	if (rc == 0)
		rc = lidmap_load(m->lids, b, len);
	free(b);
	if (rc < 0)
		log_warn(rc, "message: the saved LID map is unreadable; LID "
		    "senders are looked up again");
	else
		log_info("message: %zu LID mappings", lidmap_count(m->lids));
}

static int
media_send(void *arg, const struct bn_node *n)
{
	return msg_send(arg, n);
}

int
msg_new(const struct msg_cfg *cfg, struct msg **out)
{
	struct msg *m;
	int rc;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->cfg = *cfg;
	snprintf(m->auto_reply, sizeof(m->auto_reply), "%s",
	    cfg->auto_reply ? cfg->auto_reply : "");
	m->cfg.auto_reply = m->auto_reply;
	if ((m->lids = lidmap_new()) == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	if ((rc = sig_new(cfg->st, sig_creds, m, &m->sig)) < 0 ||
	    (rc = hook_new(cfg->cx, &cfg->hook, msg_hook_done, m, &m->hook)) < 0 ||
	    (rc = msg_media_new(cfg->cx, &cfg->media, m->hook, media_send, m,
	    &m->dl)) < 0)
		goto out_free;
	load_lids(m);
	if (cfg->cx != NULL)
		lws_sul_schedule(cfg->cx, 0, &m->sul_sweep, sweep,
		    MSG_SWEEP_MS * LWS_US_PER_MS);
	*out = m;
	return 0;
out_free:
	msg_free(m);
	return rc;
}

void
msg_attach_link(struct msg *m, struct link *l)
{
	m->link = l;
}

void
msg_free(struct msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	if (m->cfg.cx != NULL)
		lws_sul_cancel(&m->sul_sweep);
	msg_send_free_all(m);
	for (i = 0; i < m->nheld; i++)
		free(m->held[i].bytes);
	msg_media_free(m->dl);
	hook_free(m->hook);
	sig_free(m->sig);
	lidmap_free(m->lids);
	free(m);
}

static void
on_notification(struct msg *m, const struct bn_node *n)
{
	size_t i, cnt = bn_node_child_count(n);

	/* Mappings the server pushes: any child carrying both forms. */
	for (i = 0; i < cnt; i++) {
		const struct bn_node *c = bn_node_peek_child(n, i);
		const char *lid = bn_node_attr(c, "lid"), *pn = bn_node_attr(c, "pn");

		if (lid != NULL && pn != NULL)
			msg_lid_learn(m, lid, pn);
	}
}

void
msg_on_stanza(void *arg, const struct bn_node *n)
{
	struct msg *m = arg;
	const char *tag = bn_node_tag(n);

	if (strcmp(tag, "message") == 0)
		msg_recv_message(m, n, false);
	else if (strcmp(tag, "receipt") == 0)
		msg_recv_receipt(m, n);
	else if (strcmp(tag, "notification") == 0)
		on_notification(m, n);
	else if (strcmp(tag, "iq") == 0 && !msg_lid_on_result(m, n) &&
	    !msg_media_on_iq(m->dl, n))
		msg_send_on_result(m, n);
}
