/*
 * msg_lid.c: LID senders with no known number (protocol-notes §9). The
 * number behind a LID comes for free: sender_pn/participant_pn on a
 * message, the lid attribute of a devices notification, mappings the
 * server pushes (msg.c). So a stanza from an unmapped LID waits here a
 * short while and is replayed the moment its mapping is learnt; once
 * the wait is over it is refused (fail closed). No lookup is ever sent:
 * the old usync of every whitelisted number per unknown LID was a
 * contact-scraping pattern neither whatsmeow nor Baileys use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "binary/bn.h"
#include "log.h"

#include "msg_internal.h"

void
msg_lid_hold(struct msg *m, const struct bn_node *n, const char *lid_user)
{
	struct held_msg *h;

	if (m->nheld == MSG_HELD_MAX) {
		log_warnx("message %s: %d stanzas already wait for a LID mapping; "
		    "refused now", bn_node_attr(n, "id"), MSG_HELD_MAX);
		msg_recv_message(m, n, true);
		return;
	}
	h = &m->held[m->nheld];
	memset(h, 0, sizeof(*h));
	if (bn_encode(n, 0, &h->bytes, &h->len) < 0) {
		msg_recv_message(m, n, true);
		return;
	}
	snprintf(h->lid, sizeof(h->lid), "%s", lid_user);
	h->until_ms = clock_mono_ms() + MSG_LID_HOLD_MS;
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
		    (lid == NULL && now >= h->until_ms))
			out[n++] = *h;
		else
			m->held[k++] = *h;
	}
	m->nheld = k;
	for (i = 0; i < n; i++) {
		if (bn_decode(out[i].bytes, out[i].len, &node) == 0) {
			msg_recv_message(m, node, true);
			bn_node_free(node);
		}
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

void
msg_lid_free_all(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->nheld; i++)
		free(m->held[i].bytes);
	m->nheld = 0;
}
