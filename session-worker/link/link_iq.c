/*
 * link_iq.c: the pending-iq table (link_iq.h). A linear scan over a fixed
 * table: a few hundred slots, touched once per iq, cost less than a hash
 * and cannot grow without bound when the server stops answering.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "binary/bn.h"

#include "link_iq.h"

void
link_iq_init(struct link_iq_table *t)
{
	memset(t, 0, sizeof(*t));
}

static struct link_iq_pending *
find(struct link_iq_table *t, const char *id)
{
	size_t i;

	for (i = 0; i < LINK_IQ_PENDING_MAX; i++)
		if (t->slot[i].id[0] != '\0' && strcmp(t->slot[i].id, id) == 0)
			return &t->slot[i];
	return NULL;
}

int
link_iq_add(struct link_iq_table *t, const char *id, uint64_t now_ms,
    uint64_t timeout_ms, link_iq_done_fn done, void *arg)
{
	struct link_iq_pending *p = NULL;
	size_t i, len = id != NULL ? strlen(id) : 0;

	if (len == 0 || len >= LINK_IQ_ID_MAX)
		return -EINVAL;
	if (find(t, id) != NULL)
		return -EEXIST;
	for (i = 0; i < LINK_IQ_PENDING_MAX && p == NULL; i++)
		if (t->slot[i].id[0] == '\0')
			p = &t->slot[i];
	if (p == NULL) {
		t->full++;
		return -ENOSPC;
	}
	memcpy(p->id, id, len + 1);
	/* at least one ms: an answer can never beat a deadline of "now" */
	p->deadline_ms = now_ms + (timeout_ms > 0 ? timeout_ms : 1);
	p->done = done;
	p->arg = arg;
	t->used++;
	return 0;
}

/* Frees the slot first: done may add the next iq of its exchange. */
static void
finish(struct link_iq_table *t, struct link_iq_pending *p,
    const struct bn_node *iq, int err)
{
	struct link_iq_pending was = *p;

	memset(p, 0, sizeof(*p));
	t->used--;
	if (was.done != NULL)
		was.done(was.arg, iq, err);
}

void
link_iq_forget(struct link_iq_table *t, const char *id)
{
	struct link_iq_pending *p = id != NULL ? find(t, id) : NULL;

	if (p != NULL) {
		memset(p, 0, sizeof(*p));
		t->used--;
	}
}

bool
link_iq_route(struct link_iq_table *t, const struct bn_node *iq)
{
	const char *type, *id;
	struct link_iq_pending *p;

	if (iq == NULL || !bn_node_tag_is(iq, "iq") ||
	    (type = bn_node_attr(iq, "type")) == NULL ||
	    (id = bn_node_attr(iq, "id")) == NULL ||
	    (strcmp(type, "result") != 0 && strcmp(type, "error") != 0) ||
	    (p = find(t, id)) == NULL)
		return false;
	finish(t, p, iq, 0);
	return true;
}

/*
 * One pass over the slots: an iq added by a done call during the pass
 * (its deadline is in the future) waits for the next expiry.
 */
uint32_t
link_iq_expire(struct link_iq_table *t, uint64_t now_ms)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < LINK_IQ_PENDING_MAX && t->used > 0; i++)
		if (t->slot[i].id[0] != '\0' && t->slot[i].deadline_ms <= now_ms) {
			finish(t, &t->slot[i], NULL, -ETIMEDOUT);
			n++;
		}
	return n;
}

uint32_t
link_iq_fail_all(struct link_iq_table *t, int err)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < LINK_IQ_PENDING_MAX && t->used > 0; i++)
		if (t->slot[i].id[0] != '\0') {
			finish(t, &t->slot[i], NULL, err);
			n++;
		}
	return n;
}

uint64_t
link_iq_next_deadline(const struct link_iq_table *t)
{
	uint64_t best = 0;
	size_t i;

	for (i = 0; i < LINK_IQ_PENDING_MAX && t->used > 0; i++)
		if (t->slot[i].id[0] != '\0' &&
		    (best == 0 || t->slot[i].deadline_ms < best))
			best = t->slot[i].deadline_ms;
	return best;
}
