/*
 * msg_inbox.c: the inbound half of the journal (issue 12). A decrypted
 * message from a whitelisted contact becomes a JR_IN record; once it is
 * durable (with the Signal session it advanced: msg_journal.c's group
 * commit), and only then, the server gets its <ack> and delivery
 * receipt and the hook runs: whatsmeow's SynchronousAck with its
 * decrypted-event buffer (message.go handleDecryptedMessage,
 * bufferedDecrypt). The record stays until the hook has answered and
 * its reply is in the outbox (JR_DONE then), so a restart serves it
 * again: hook delivery is at-least-once, keyed by the message id, and
 * the outbox keeps the second answer from going out (msg_outbox.c).
 *
 * Stanzas that need nothing served (our own devices' copies, groups,
 * duplicates) are acked the same way, after the commit that holds their
 * Signal state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "clock.h"
#include "binary/bn.h"
#include "link/link.h"
#include "log.h"

#include "msg_internal.h"
#include "msg_journal.h"
#include "msg_stanza.h"

/* An ack (and receipt) waiting for the commit. */
struct pending_ack {
	struct msg	*m;
	struct bn_node	*skel;		/* the stanza's attributes */
	char		 receipt[12];	/* receipt type; "" none */
	bool		 hist;		/* and a hist_sync receipt */
	bool		 ack;
	char		 deliver[MSG_ID_MAX];	/* inbox entry to serve, or "" */
};

struct bn_node *
msg_skeleton(const struct bn_node *n)
{
	struct bn_node *s = bn_node_new(bn_node_tag(n));
	const char *k, *v;
	size_t i, kl, vl;

	for (i = 0; s != NULL && i < bn_node_attr_count(n); i++)
		if (bn_node_attr_at(n, i, &k, &kl, &v, &vl) < 0 ||
		    bn_node_set_attr_len(s, k, kl, v, vl) < 0) {
			bn_node_free(s);
			s = NULL;
		}
	return s;
}

static void
send_receipts(struct msg *m, const struct bn_node *n, const char *type,
    bool hist)
{
	const char *id = bn_node_attr(n, "id");
	char own[16], to[MSG_JID_MAX];
	struct bn_node *r;

	r = msg_stanza_receipt(n, type);
	if (r == NULL || msg_send(m, r) < 0)
		log_warnx("message %s: could not send the delivery receipt", id);
	bn_node_free(r);
	if (!hist)
		return;
	/* whatsmeow message.go SendProtocolMessageReceipt: a history sync
	 * notice also gets a hist_sync receipt, to our own user JID. */
	msg_own_phone(m, own);
	if (!msg_fmt(to, sizeof(to), "%s@s.whatsapp.net", own))
		return;
	if ((r = bn_node_new("receipt")) != NULL &&
	    bn_node_set_attr(r, "id", id) == 0 &&
	    bn_node_set_attr(r, "to", to) == 0 &&
	    bn_node_set_attr(r, "type", "hist_sync") == 0 && msg_send(m, r) == 0)
		log_info("message %s: history sync notice acknowledged", id);
	bn_node_free(r);
}

static void
acked(void *arg, int rc)
{
	struct pending_ack *p = arg;
	struct msg *m = p->m;
	struct inbox_entry *e;

	if (rc == 0) {
		if (p->ack && m->link != NULL)
			(void)link_ack(m->link, p->skel);
		if (p->receipt[0] != '\0')
			send_receipts(m, p->skel, p->receipt, p->hist);
		if (p->deliver[0] != '\0' &&
		    (e = msg_inbox_find(m, p->deliver)) != NULL) {
			e->durable = true;
			msg_inbox_deliver(m, e, true);
		}
	}
	bn_node_free(p->skel);
	free(p);
}

int
msg_ack_after_commit(struct msg *m, const struct bn_node *n,
    const char *receipt, bool hist, bool ack, const char *deliver)
{
	struct pending_ack *p;
	int rc;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->skel = msg_skeleton(n)) == NULL) {
		free(p);
		return -ENOMEM;
	}
	p->m = m;
	snprintf(p->receipt, sizeof(p->receipt), "%s", receipt ? receipt : "");
	p->hist = hist;
	p->ack = ack;
	snprintf(p->deliver, sizeof(p->deliver), "%s", deliver ? deliver : "");
	if ((rc = msg_journal_after(m->journal, acked, p)) < 0) {
		bn_node_free(p->skel);
		free(p);
	}
	return rc;
}

void
msg_ack_now(struct msg *m, const struct bn_node *n)
{
	if (m->link != NULL)
		(void)link_ack(m->link, n);
}

struct inbox_entry *
msg_inbox_find(struct msg *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->ninbox; i++)
		if (strcmp(m->inbox[i].id, id) == 0)
			return &m->inbox[i];
	return NULL;
}

static void
entry_clear(struct msg *m, struct inbox_entry *e)
{
	m->inbox_bytes -= sizeof(*e) + e->len;
	if (e->rec != NULL) {
		sodium_memzero(e->rec, e->len);
		free(e->rec);
	}
	memset(e, 0, sizeof(*e));
}

/*
 * Asked before a message is decrypted, not after: a decrypt advances
 * the sender's session for good (it is committed with the next batch),
 * so a message refused after it would come back from the server as a
 * duplicate we can no longer read, and be lost. Refused here, it stays
 * unacked and the server delivers it again on the next connection
 * (msg_inbox_done asks for one once half the room is free again).
 * A plaintext is never longer than its ciphertext; the slack covers the
 * record's own fields (id, chat, number, push name).
 */
#define INBOX_REC_SLACK	1024
bool
msg_inbox_admit(struct msg *m, const char *id, size_t ct_bytes)
{
	if (m->ninbox < MSG_INBOX_MAX && m->inbox_bytes +
	    sizeof(struct inbox_entry) + ct_bytes + INBOX_REC_SLACK <=
	    MSG_INBOX_BYTES)
		return true;
	m->inbox_refused++;
	if (m->inbox_unacked++ == 0)
		log_warnx("message inbox: full (%zu messages, %zu bytes); %s and "
		    "what follows are left unacked for the server to send again",
		    m->ninbox, m->inbox_bytes, id);
	return false;
}

/*
 * The server sends what it holds unacked only on a new connection: once
 * the hook has worked off half the inbox, the link is restarted for it
 * (a link that went down meanwhile brings them anyway: msg_send.c
 * msg_on_link_state forgets the count).
 */
static void
inbox_recall(struct msg *m)
{
	int rc;

	if (m->inbox_unacked == 0 || m->ninbox > MSG_INBOX_MAX / 2 ||
	    m->inbox_bytes > MSG_INBOX_BYTES / 2 || m->link == NULL)
		return;
	log_info("message inbox: room again; reconnecting so that the server "
	    "sends the %zu message%s left unacked", m->inbox_unacked,
	    m->inbox_unacked == 1 ? "" : "s");
	m->inbox_unacked = 0;
	if ((rc = link_request_restart(m->link)) < 0)
		log_warn(rc, "message inbox: could not reconnect; they come with "
		    "the next connection");
}

/* Takes rec (encoded JR_IN). */
static struct inbox_entry *
inbox_put(struct msg *m, const char *id, uint8_t *rec, size_t len)
{
	struct inbox_entry *grown, *e;
	size_t cap;

	if (m->inbox_bytes + sizeof(*e) + len > MSG_INBOX_BYTES)
		return NULL;
	if (m->ninbox == m->capinbox) {
		cap = m->capinbox ? m->capinbox * 2 : 32;
		if (m->ninbox >= MSG_INBOX_MAX ||
		    (grown = realloc(m->inbox, cap * sizeof(*grown))) == NULL)
			return NULL;
		m->inbox = grown;
		m->capinbox = cap;
	}
	e = &m->inbox[m->ninbox++];
	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->rec = rec;
	e->len = len;
	m->inbox_bytes += sizeof(*e) + len;
	return e;
}

int
msg_inbox_add(struct msg *m, const struct bn_node *n, const char *chat,
    const char *phone, const uint8_t *pts, size_t ptslen, const char *receipt,
    bool ack)
{
	const char *id = bn_node_attr(n, "id"), *t = bn_node_attr(n, "t");
	const char *push = bn_node_attr(n, "notify");
	struct jrec r;
	uint8_t *rec;
	size_t len;
	int rc;

	if (m->ninbox >= MSG_INBOX_MAX ||
	    m->inbox_bytes + sizeof(struct inbox_entry) + ptslen > MSG_INBOX_BYTES)
		return -ENOSPC;
	memset(&r, 0, sizeof(r));
	r.type = JR_IN;
	r.t = t != NULL ? strtoull(t, NULL, 10) : 0;
	if (!msg_fmt(r.id, sizeof(r.id), "%s", id) ||
	    !msg_fmt(r.chat, sizeof(r.chat), "%s", chat) ||
	    !msg_fmt(r.from, sizeof(r.from), "%s", phone))
		return -EINVAL;
	jrec_set_push(&r, push);
	r.data = pts;
	r.len = ptslen;
	if ((rc = jrec_encode(&r, &rec, &len)) < 0)
		return rc;
	if ((rc = msg_journal_add(m->journal, &r)) < 0) {
		sodium_memzero(rec, len);
		free(rec);
		return rc;
	}
	if (inbox_put(m, id, rec, len) == NULL) {
		sodium_memzero(rec, len);
		free(rec);
		return -ENOMEM;
	}
	return msg_ack_after_commit(m, n, receipt, false, ack, id);
}

/*
 * Serves an entry: decodes its plaintexts and hands them to the hook
 * (msg_recv.c msg_serve_pts). Done at once when nothing waits for a
 * hook; a hook that could not start is tried again by the sweep.
 */
void
msg_inbox_deliver(struct msg *m, struct inbox_entry *e, bool first)
{
	struct jrec r;
	char id[MSG_ID_MAX];
	int rc;

	if (jrec_decode(e->rec, e->len, &r) < 0) {
		snprintf(id, sizeof(id), "%s", e->id);
		msg_inbox_done(m, id);
		return;
	}
	if (first)
		msg_publish(m, true, r.from, r.id, NULL, r.t);
	snprintf(id, sizeof(id), "%s", e->id);
	e->hook_running = false;
	rc = msg_serve_pts(m, &r);
	/* the hook may have ended at once: look the entry up again */
	if ((e = msg_inbox_find(m, id)) == NULL)
		return;
	if (rc == 1) {
		/* msg_hook_done ends it, unless the serve already asked for a
		 * retry (msg_inbox_hook_not_run) */
		if (e->retry_at_ms == 0)
			e->hook_running = true;
	} else if (rc == -EBUSY || rc == -EAGAIN) {
		e->retry_at_ms = clock_mono_ms() + MSG_INBOX_RETRY_MS;
		msg_sweep_arm(m);
	} else {
		msg_inbox_done(m, id);
	}
}

void
msg_inbox_done(struct msg *m, const char *id)
{
	struct inbox_entry *e = msg_inbox_find(m, id);
	struct jrec r;

	if (e == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.type = JR_DONE;
	snprintf(r.id, sizeof(r.id), "%s", id);
	/* lost in a crash, it only serves the message again (the outbox
	 * keeps the reply from going twice) */
	if (msg_journal_add_lazy(m->journal, &r) < 0)
		log_warnx("message %s: served, but not marked so; it may be "
		    "served again after a restart", id);
	entry_clear(m, e);
	*e = m->inbox[--m->ninbox];
	inbox_recall(m);
}

void
msg_inbox_hook_not_run(struct msg *m, const char *id, int rc)
{
	struct inbox_entry *e = msg_inbox_find(m, id);

	if (e == NULL)
		return;
	if (rc != -EBUSY && rc != -EAGAIN && rc != -ENOMEM) {
		msg_inbox_done(m, id);
		return;
	}
	e->hook_running = false;
	e->retry_at_ms = clock_mono_ms() + MSG_INBOX_RETRY_MS;
	msg_sweep_arm(m);
}

/* A hook that could not start (queue full): tried again. */
void
msg_inbox_sweep(struct msg *m, uint64_t now)
{
	size_t i;

	char id[MSG_ID_MAX];
	struct inbox_entry *e;

	for (i = 0; i < m->ninbox; i++) {
		e = &m->inbox[i];
		if (!e->durable || e->hook_running || e->answering ||
		    e->retry_at_ms == 0 || now < e->retry_at_ms)
			continue;
		snprintf(id, sizeof(id), "%s", e->id);
		e->retry_at_ms = 0;
		msg_inbox_deliver(m, e, false);
		/* the hook's queue is full again: the rest wait their turn */
		if ((e = msg_inbox_find(m, id)) != NULL && e->retry_at_ms != 0)
			break;
		i = (size_t)-1;	/* the array may have moved */
	}
}

bool
msg_inbox_waiting(const struct msg *m)
{
	size_t i;

	for (i = 0; i < m->ninbox; i++)
		if (m->inbox[i].retry_at_ms != 0)
			return true;
	return false;
}

/* After a restart: what the log held is durable; served once the link
 * is up (replies need it; the hook may run earlier). */
void
msg_inbox_resume(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->ninbox; i++) {
		struct inbox_entry *e = &m->inbox[i];

		if (!e->resumed)
			continue;
		e->resumed = false;
		log_info("message %s: served again after a restart (not "
		    "answered before)", e->id);
		e->retry_at_ms = clock_mono_ms();	/* by the sweep, now */
	}
	if (msg_inbox_waiting(m))
		msg_sweep_arm(m);
}

int
msg_inbox_replay(struct msg *m, const struct jrec *r)
{
	struct inbox_entry *e;
	uint8_t *rec;
	size_t len;
	int rc;

	if (r->type == JR_DONE) {
		if ((e = msg_inbox_find(m, r->id)) != NULL) {
			entry_clear(m, e);
			*e = m->inbox[--m->ninbox];
		}
		return 0;
	}
	if (msg_inbox_find(m, r->id) != NULL)
		return 0;
	if ((rc = jrec_encode(r, &rec, &len)) < 0)
		return rc;
	if ((e = inbox_put(m, r->id, rec, len)) == NULL) {
		sodium_memzero(rec, len);
		free(rec);
		return -ENOMEM;
	}
	e->durable = true;
	e->resumed = true;
	return 0;
}

int
msg_inbox_live(struct msg *m, struct msg_journal *j)
{
	struct jrec r;
	size_t i;
	int rc;

	for (i = 0; i < m->ninbox; i++)
		if (jrec_decode(m->inbox[i].rec, m->inbox[i].len, &r) == 0 &&
		    (rc = msg_journal_keep(j, &r)) < 0)
			return rc;
	return 0;
}

void
msg_inbox_free_all(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->ninbox; i++)
		entry_clear(m, &m->inbox[i]);
	free(m->inbox);
	m->inbox = NULL;
	m->ninbox = m->capinbox = 0;
}
