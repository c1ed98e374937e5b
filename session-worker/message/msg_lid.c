/*
 * msg_lid.c: finding the number behind a LID sender (protocol-notes §9)
 * when the stanza did not say: one usync <lid/> query for the
 * whitelisted numbers (only they can be served, so only they matter),
 * the waiting stanzas replayed when it answers or times out, and a short
 * memory of LIDs no lookup could map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "binary/bn.h"
#include "log.h"
#include "whitelist/whitelist.h"

#include "msg_internal.h"

/* True when a recent lookup, against the same whitelist, did not map lid. */
bool
msg_lid_missed(struct msg *m, const char *lid)
{
	uint64_t now = clock_mono_ms();
	size_t i;

	for (i = 0; i < MSG_LID_MISS_MAX; i++) {
		const struct lid_miss *x = &m->lid_miss[i];

		if (strcmp(x->lid, lid) == 0 && now - x->at_ms < MSG_LID_MISS_MS &&
		    x->wl_count == whitelist_count(m->cfg.wl))
			return true;
	}
	return false;
}

void
msg_lid_miss_note(struct msg *m, const char *lid)
{
	struct lid_miss *x = NULL;
	size_t i;

	for (i = 0; i < MSG_LID_MISS_MAX && x == NULL; i++)
		if (strcmp(m->lid_miss[i].lid, lid) == 0)
			x = &m->lid_miss[i];
	if (x == NULL)
		x = &m->lid_miss[m->lid_miss_next++ % MSG_LID_MISS_MAX];
	snprintf(x->lid, sizeof(x->lid), "%s", lid);
	x->at_ms = clock_mono_ms();
	x->wl_count = whitelist_count(m->cfg.wl);
}

/* usync <lid/> for whitelisted numbers: the server tells each one's LID. */
void
msg_lid_query(struct msg *m)
{
	struct bn_node *iq = bn_node_new("iq"), *us = bn_node_new("usync");
	struct bn_node *q = bn_node_new("query"), *lid = bn_node_new("lid");
	struct bn_node *list = bn_node_new("list"), *u;
	const char *num;
	size_t cur = 0, k = 0;
	char jid[MSG_JID_MAX];
	int rc = -ENOMEM;

	msg_new_iq_id(m, m->lid_iq);
	if (iq == NULL || us == NULL || q == NULL || lid == NULL || list == NULL ||
	    bn_node_set_attr(iq, "id", m->lid_iq) < 0 ||
	    bn_node_set_attr(iq, "to", "s.whatsapp.net") < 0 ||
	    bn_node_set_attr(iq, "type", "get") < 0 ||
	    bn_node_set_attr(iq, "xmlns", "usync") < 0 ||
	    bn_node_set_attr(us, "sid", m->lid_iq) < 0 ||
	    bn_node_set_attr(us, "context", "interactive") < 0 ||
	    bn_node_set_attr(us, "mode", "query") < 0 ||
	    bn_node_set_attr(us, "index", "0") < 0 ||
	    bn_node_set_attr(us, "last", "true") < 0)
		goto out;
	while (k < MSG_LID_QUERY_MAX && (num = whitelist_next(m->cfg.wl, &cur)) != NULL) {
		snprintf(jid, sizeof(jid), "%s@s.whatsapp.net", num);
		if ((u = bn_node_new("user")) == NULL ||
		    bn_node_set_attr(u, "jid", jid) < 0 ||
		    bn_node_add_child(list, u) < 0) {
			bn_node_free(u);
			goto out;
		}
		k++;
	}
	if (k == 0) {
		rc = -ENOENT;
		goto out;
	}
	if (bn_node_add_child(q, lid) < 0)
		goto out;
	lid = NULL;
	if (bn_node_add_child(us, q) < 0)
		goto out;
	q = NULL;
	if (bn_node_add_child(us, list) < 0)
		goto out;
	list = NULL;
	if (bn_node_add_child(iq, us) < 0)
		goto out;
	us = NULL;
	rc = msg_send(m, iq);
out:
	bn_node_free(lid);
	bn_node_free(q);
	bn_node_free(list);
	bn_node_free(us);
	bn_node_free(iq);
	if (rc < 0) {
		if (rc != -ENOENT)
			log_warn(rc, "message: could not look up LIDs");
		msg_lid_give_up(m);
		return;
	}
	m->lid_deadline_ms = clock_mono_ms() + MSG_IQ_TIMEOUT_MS;
	msg_sweep_arm(m);
	log_info("message: asking the server for the LIDs of %zu whitelisted "
	    "numbers", k);
}

/* Replays what waited for the lookup; senders still unknown are refused. */
void
msg_lid_give_up(struct msg *m)
{
	struct held_msg held[MSG_HELD_MAX];
	size_t n = m->nheld, i;
	struct bn_node *node;

	m->lid_iq[0] = '\0';
	memcpy(held, m->held, n * sizeof(held[0]));
	m->nheld = 0;
	for (i = 0; i < n; i++) {
		if (bn_decode(held[i].bytes, held[i].len, &node) == 0) {
			msg_recv_message(m, node, true);
			bn_node_free(node);
		}
		free(held[i].bytes);
	}
}

bool
msg_lid_on_result(struct msg *m, const struct bn_node *iq)
{
	const struct bn_node *us, *list;
	const char *id = bn_node_attr(iq, "id");
	size_t i, cnt;

	if (m->lid_iq[0] == '\0' || id == NULL || strcmp(id, m->lid_iq) != 0)
		return false;
	if ((us = bn_node_peek_child_by_tag(iq, "usync")) != NULL &&
	    (list = bn_node_peek_child_by_tag(us, "list")) != NULL) {
		cnt = bn_node_child_count(list);
		for (i = 0; i < cnt; i++) {
			const struct bn_node *u = bn_node_peek_child(list, i);
			const struct bn_node *l = bn_node_peek_child_by_tag(u, "lid");
			const char *val = l != NULL ? bn_node_attr(l, "val") : NULL;

			if (val != NULL && bn_node_attr(u, "jid") != NULL)
				msg_lid_learn(m, val, bn_node_attr(u, "jid"));
		}
	} else {
		log_warnx("message: the LID lookup was refused");
	}
	msg_lid_give_up(m);
	return true;
}

