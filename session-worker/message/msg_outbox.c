/*
 * msg_outbox.c: the outbound half of the journal (issue 12), whatsmeow's
 * UseRetryMessageStore. Every send is a JR_OUT record (id, chat, the
 * inbound id it answers, the body) before anything about it goes out,
 * and a JR_ACKED record once the server acked it. After a crash what
 * was never acked is sent again under the same id (receivers drop a
 * second copy of an id); a reply is never made twice for one inbound
 * id (msg_outbox_answered).
 *
 * The outbox is the job store of sends (msg_job.h): each entry's header
 * walks queued -> wait_link -> usync -> keys -> sent -> kept (or failed)
 * through job_next, driven by msg_send.c. It is bounded by count
 * (MSG_OUTBOX_MAX) and by its bodies' bytes (MSG_OUTBOX_BYTES: what a
 * compaction writes back must fit the journal) and evicts by msg_job.c's
 * one rule: when full, the oldest kept or
 * failed entry goes (retry receipts for it are no longer answered); an
 * entry still in flight is never evicted, so a full store of them
 * refuses new sends (-EBUSY). Both are counted and reach /metrics
 * (walink_message_store_{evicted,refused}_total{store="outbox"}).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "log.h"

#include "msg_internal.h"
#include "msg_journal.h"

void
msg_outbox_init(struct msg_outbox *o, size_t cap, size_t cap_bytes)
{
	memset(o, 0, sizeof(*o));
	job_store_init(&o->js, "outbox", cap);
	o->js.cap_bytes = cap_bytes;
}

/* Takes the entry at i out, keeping the store's byte count. */
static void
slot_remove(struct msg_outbox *o, size_t i)
{
	struct outbox_entry *e = &o->v[i];

	o->js.bytes -= e->body.len;
	msg_body_clear(&e->body);
	memset(e, 0, sizeof(*e));
	o->v[i] = o->v[--o->n];
}

struct outbox_entry *
msg_outbox_find(struct msg_outbox *o, const char *id)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->v[i].id, id) == 0)
			return &o->v[i];
	return NULL;
}

struct outbox_entry *
msg_outbox_answered(struct msg_outbox *o, const char *answers)
{
	size_t i;

	if (answers == NULL || answers[0] == '\0')
		return NULL;
	for (i = 0; i < o->n; i++)
		if (strcmp(o->v[i].answers, answers) == 0)
			return &o->v[i];
	return NULL;
}

/* Room for one more of need bytes, by the store's one rule (as many
 * kept entries go as that takes); -EBUSY when the rest are in flight. */
static int
admit(struct msg_outbox *o, size_t need)
{
	size_t victim;
	int rc;

	while ((rc = job_store_admit(&o->js, o->v, o->n, sizeof(*o->v),
	    offsetof(struct outbox_entry, h), need, clock_mono_ms(),
	    &victim)) == 1)
		slot_remove(o, victim);
	return rc;
}

int
msg_outbox_put(struct msg_outbox *o, const char *id, const char *chat,
    const char *answers, const struct msg_body *body, struct outbox_entry **out)
{
	struct outbox_entry *grown, *e;
	size_t cap;
	int rc;

	/* whole or refused, before anything kept makes room for it */
	if (strlen(id) >= sizeof(e->id) || strlen(chat) >= sizeof(e->chat) ||
	    (answers != NULL && strlen(answers) >= sizeof(e->answers)))
		return -EINVAL;
	if ((rc = admit(o, body->len)) < 0)
		return rc;
	if (o->n == o->capv) {
		cap = o->capv ? o->capv * 2 : 16;
		if ((grown = realloc(o->v, cap * sizeof(*grown))) == NULL)
			return -ENOMEM;
		o->v = grown;
		o->capv = cap;
	}
	e = &o->v[o->n];
	memset(e, 0, sizeof(*e));
	job_store_stamp(&o->js, &e->h, JK_SEND);
	if (!msg_fmt(e->id, sizeof(e->id), "%s", id) ||
	    !msg_fmt(e->chat, sizeof(e->chat), "%s", chat) ||
	    !msg_fmt(e->answers, sizeof(e->answers), "%s", answers ? answers : ""))
		return -EINVAL;
	if ((rc = msg_body_copy(&e->body, body)) < 0)
		return rc;
	(void)job_move(&e->h, JE_RECORD, e->id);
	o->n++;
	o->js.bytes += e->body.len;
	*out = e;
	return 0;
}

void
msg_outbox_free(struct msg_outbox *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		msg_body_clear(&o->v[i].body);
	o->js.bytes = 0;
	free(o->v);
	o->v = NULL;
	o->n = o->capv = 0;
}

static void
to_jrec(const struct outbox_entry *e, struct jrec *r)
{
	memset(r, 0, sizeof(*r));
	r->type = JR_OUT;
	snprintf(r->id, sizeof(r->id), "%s", e->id);
	snprintf(r->chat, sizeof(r->chat), "%s", e->chat);
	snprintf(r->answers, sizeof(r->answers), "%s", e->answers);
	snprintf(r->ctype, sizeof(r->ctype), "%s", e->body.type);
	snprintf(r->mediatype, sizeof(r->mediatype), "%s", e->body.mediatype);
	r->data = e->body.pb;
	r->len = e->body.len;
}

/* A send before it goes anywhere: -EBUSY when the store is full of
 * unacked sends. */
int
msg_outbox_record(struct msg *m, const char *id, const char *chat,
    const char *answers, const struct msg_body *body)
{
	struct outbox_entry *e;
	struct jrec r;
	int rc;

	if ((rc = msg_outbox_put(&m->outbox, id, chat, answers, body, &e)) < 0)
		return rc;
	to_jrec(e, &r);
	if ((rc = msg_journal_add(m->journal, &r)) < 0)
		slot_remove(&m->outbox, (size_t)(e - m->outbox.v));
	return rc;
}

void
msg_outbox_acked(struct msg *m, const char *id, bool refused)
{
	struct outbox_entry *e = msg_outbox_find(&m->outbox, id);
	struct jrec r;

	if (e == NULL || !job_move(&e->h, refused ? JE_REFUSED : JE_ACK, id))
		return;
	e->acked = true;
	memset(&r, 0, sizeof(r));
	r.type = JR_ACKED;
	snprintf(r.id, sizeof(r.id), "%s", id);
	/* lost in a crash, it only sends the message again (same id) */
	if (msg_journal_add_lazy(m->journal, &r) < 0)
		log_warnx("message %s: acked, but not noted so; it may be sent "
		    "again after a restart (receivers drop the copy)", id);
}

int
msg_outbox_replay(struct msg *m, const struct jrec *r)
{
	struct outbox_entry *e;
	struct msg_body b;
	struct msg_out c = { .pb = r->data, .len = r->len, .type = r->ctype,
	    .mediatype = r->mediatype[0] ? r->mediatype : NULL };
	int rc;

	if (r->type == JR_ACKED) {
		if ((e = msg_outbox_find(&m->outbox, r->id)) != NULL &&
		    e->h.state == JS_QUEUED &&
		    job_move(&e->h, JE_LOGGED_ACK, r->id))
			e->acked = true;
		return 0;
	}
	if (msg_outbox_find(&m->outbox, r->id) != NULL || r->len == 0)
		return 0;
	memset(&b, 0, sizeof(b));
	if ((rc = msg_body_set(&b, &c)) < 0)
		return rc;
	rc = msg_outbox_put(&m->outbox, r->id, r->chat, r->answers, &b, &e);
	msg_body_clear(&b);
	if (rc == -EBUSY || rc == -EINVAL)
		return 0;	/* more than fits: the oldest are kept */
	return rc;	/* queued: msg_send_resume gives it a job */
}

int
msg_outbox_live(struct msg *m, struct msg_journal *j)
{
	struct jrec r;
	size_t i;
	int rc;

	for (i = 0; i < m->outbox.n; i++) {
		const struct outbox_entry *e = &m->outbox.v[i];

		to_jrec(e, &r);
		if ((rc = msg_journal_keep(j, &r)) < 0)
			return rc;
		if (e->acked) {
			memset(&r, 0, sizeof(r));
			r.type = JR_ACKED;
			snprintf(r.id, sizeof(r.id), "%s", e->id);
			if ((rc = msg_journal_keep(j, &r)) < 0)
				return rc;
		}
	}
	return 0;
}
