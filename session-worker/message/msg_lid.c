/*
 * msg_lid.c: LID senders with no known number (protocol-notes §9). The
 * number behind a LID comes for free: sender_pn/participant_pn on a
 * message, the lid attribute of a devices notification, mappings the
 * server pushes (msg.c). So a stanza from an unmapped LID waits here a
 * short while and is replayed the moment its mapping is learnt; once
 * the wait is over it is refused (fail closed). No lookup is ever sent:
 * the old usync of every whitelisted number per unknown LID was a
 * contact-scraping pattern neither whatsmeow nor Baileys use.
 *
 * A held stanza is journaled (JR_HELD, still encrypted: the whitelist
 * decides before anything is decrypted) and acked only once that is
 * durable; it leaves the journal (JR_RELEASED) once replayed. After a
 * restart the held ones wait again.
 *
 * Each hold is a JK_HELD job (msg_job.h: held -> done); the holds are a
 * store admitted by msg_job.c's one rule. A hold is always active, so a
 * full store is never evicted from: the next stanza is refused now,
 * counted (walink_message_store_refused_total{store="lid_holds"}).
 */
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "binary/bn.h"
#include "log.h"

#include "msg_internal.h"
#include "msg_journal.h"

static int
journal_held(struct msg *m, const char *id, const char *lid,
    const uint8_t *b, size_t len)
{
	struct jrec r;

	memset(&r, 0, sizeof(r));
	r.type = JR_HELD;
	if (!msg_fmt(r.id, sizeof(r.id), "%s", id) ||
	    !msg_fmt(r.from, sizeof(r.from), "%s", lid))
		return -EINVAL;
	r.data = b;
	r.len = len;
	return msg_journal_add(m->journal, &r);
}

static void
journal_released(struct msg *m, const char *id)
{
	struct jrec r;

	memset(&r, 0, sizeof(r));
	r.type = JR_RELEASED;
	if (!msg_fmt(r.id, sizeof(r.id), "%s", id) ||
	    msg_journal_add(m->journal, &r) < 0)
		log_warnx("message %s: released, but not noted so", id);
}

/* Room for one more hold, by the one rule; false: full, refused. */
static bool
admit(struct msg *m)
{
	size_t victim;
	int rc;

	rc = job_store_admit(&m->held_js, m->held, m->nheld, sizeof(m->held[0]),
	    offsetof(struct held_msg, h), 0, clock_mono_ms(), &victim);
	if (rc == 1) {	/* not while holds are always active; kept correct */
		free(m->held[victim].bytes);
		m->held[victim] = m->held[--m->nheld];
	}
	return rc >= 0;
}

void
msg_lid_hold(struct msg *m, const struct bn_node *n, const char *lid_user)
{
	struct held_msg *h;

	if (!admit(m)) {
		/* the store logs the burst once (msg_job.c); this is per item */
		log_debug("message %s: %d stanzas already wait for a LID mapping; "
		    "refused now", bn_node_attr(n, "id"), MSG_HELD_MAX);
		msg_recv_message(m, n, true);
		msg_ack_now(m, n);
		return;
	}
	h = &m->held[m->nheld];
	memset(h, 0, sizeof(*h));
	job_store_stamp(&m->held_js, &h->h, JK_HELD);
	if (bn_encode(n, 0, &h->bytes, &h->len) < 0 ||
	    journal_held(m, bn_node_attr(n, "id"), lid_user, h->bytes, h->len) < 0 ||
	    msg_ack_after_commit(m, n, NULL, false, true, NULL) < 0) {
		free(h->bytes);
		h->bytes = NULL;
		log_warnx("message %s: could not keep it for its LID mapping; "
		    "not acked (the server sends it again)", bn_node_attr(n, "id"));
		return;
	}
	snprintf(h->lid, sizeof(h->lid), "%s", lid_user);
	snprintf(h->id, sizeof(h->id), "%s", bn_node_attr(n, "id"));
	h->until_ms = clock_mono_ms() + MSG_LID_HOLD_MS;
	(void)job_move(&h->h, JE_HOLD, h->id);
	msg_sweep_arm(m);
	m->nheld++;
	log_info("message %s: sender %s@lid has no known number yet; waiting "
	    "up to %ds for a mapping", bn_node_attr(n, "id"), lid_user,
	    MSG_LID_HOLD_MS / 1000);
}

/* Takes out (and replays) the held stanzas matching: lid or expired. */
static void
release(struct msg *m, const char *lid, uint64_t now)
{
	struct held_msg out[MSG_HELD_MAX];
	size_t i, k = 0, n = 0;
	struct bn_node *node;

	for (i = 0; i < m->nheld; i++) {
		struct held_msg *h = &m->held[i];

		if ((lid != NULL && strcmp(h->lid, lid) == 0) ||
		    (lid == NULL && now >= h->until_ms)) {
			(void)job_move(&h->h, JE_RELEASE, h->id);
			out[n++] = *h;
		} else
			m->held[k++] = *h;
	}
	m->nheld = k;
	for (i = 0; i < n; i++) {
		if (bn_decode(out[i].bytes, out[i].len, &node) == 0) {
			msg_recv_message(m, node, true);
			bn_node_free(node);
		}
		/* after its JR_IN (if any) in the same batch */
		journal_released(m, out[i].id);
		free(out[i].bytes);
	}
}

void
msg_lid_replay(struct msg *m, const char *lid_user)
{
	release(m, lid_user, 0);
}

void
msg_lid_sweep(struct msg *m, uint64_t now)
{
	release(m, NULL, now);
}

int
msg_lid_replay_rec(struct msg *m, const struct jrec *r)
{
	struct held_msg *h;
	size_t i;

	if (r->type == JR_RELEASED) {
		for (i = 0; i < m->nheld; i++)
			if (strcmp(m->held[i].id, r->id) == 0) {
				(void)job_move(&m->held[i].h, JE_RELEASE, r->id);
				free(m->held[i].bytes);
				m->held[i] = m->held[--m->nheld];
				break;
			}
		return 0;
	}
	if (r->len == 0 || !admit(m))
		return 0;
	h = &m->held[m->nheld];
	memset(h, 0, sizeof(*h));
	job_store_stamp(&m->held_js, &h->h, JK_HELD);
	if ((h->bytes = malloc(r->len)) == NULL)
		return -ENOMEM;
	memcpy(h->bytes, r->data, r->len);
	h->len = r->len;
	if (!msg_fmt(h->lid, sizeof(h->lid), "%s", r->from) ||
	    !msg_fmt(h->id, sizeof(h->id), "%s", r->id)) {
		free(h->bytes);
		return 0;
	}
	h->until_ms = clock_mono_ms() + MSG_LID_HOLD_MS;
	(void)job_move(&h->h, JE_HOLD, h->id);
	m->nheld++;
	return 0;
}

int
msg_lid_live(struct msg *m, struct msg_journal *j)
{
	struct jrec r;
	size_t i;
	int rc;

	for (i = 0; i < m->nheld; i++) {
		memset(&r, 0, sizeof(r));
		r.type = JR_HELD;
		snprintf(r.id, sizeof(r.id), "%s", m->held[i].id);
		snprintf(r.from, sizeof(r.from), "%s", m->held[i].lid);
		r.data = m->held[i].bytes;
		r.len = m->held[i].len;
		if ((rc = msg_journal_keep(j, &r)) < 0)
			return rc;
	}
	return 0;
}

void
msg_lid_free_all(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->nheld; i++)
		free(m->held[i].bytes);
	m->nheld = 0;
}
