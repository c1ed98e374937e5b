/*
 * link_keepalive.c: pings WhatsApp every heartbeat interval (DESIGN.md
 * "Keepalive and heartbeat"), measures the round trip on the monotonic
 * clock (protocol-notes §10 pitfall 20) and publishes the heartbeat. A
 * late answer makes the link unstable; none for keepalive_misses intervals
 * ends it as TIMEOUT.
 */
#include <stdio.h>

#include "binary/bn.h"
#include "clock.h"
#include "log.h"

#include "link_internal.h"

/* An answer slower than this is late (whatsmeow waits 10 s for one). */
#define PONG_LATE_MAX_MS	10000

static uint64_t
late_after(const struct link *l)
{
	uint64_t half = l->cfg.heartbeat_ms / 2;

	return half < PONG_LATE_MAX_MS ? half : PONG_LATE_MAX_MS;
}

static void
pong_late(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_pong);

	if (l->ping_outstanding && l->logged_in)
		link_fire(l, LE_PONG_LATE, "keepalive answer late");
}

static int
send_ping(struct link *l)
{
	struct bn_node *iq = bn_node_new("iq"), *p = bn_node_new("ping");
	int rc = -1;

	link_new_id(l, l->ping_id);
	if (iq != NULL && p != NULL &&
	    bn_node_set_attr(iq, "id", l->ping_id) == 0 &&
	    bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(iq, "type", "get") == 0 &&
	    bn_node_set_attr(iq, "xmlns", "w:p") == 0 &&
	    bn_node_add_child(iq, p) == 0) {
		p = NULL;
		rc = link_send_raw(l, iq);
	}
	bn_node_free(p);
	bn_node_free(iq);
	return rc;
}

static void
ka_due(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_ka);
	uint64_t now = clock_mono_ms(), limit;
	char msg[96];

	if (!l->logged_in)
		return;
	limit = (uint64_t)l->cfg.keepalive_misses * l->cfg.heartbeat_ms;
	if (now - l->last_pong_mono >= limit) {
		snprintf(msg, sizeof(msg), "no keepalive answer for %llus",
		    (unsigned long long)((now - l->last_pong_mono) / 1000));
		link_fail(l, REASON_TIMEOUT, msg);
		return;
	}
	if (l->ping_outstanding)
		link_fire(l, LE_PONG_LATE, "keepalive answer missed");
	if (send_ping(l) == 0) {
		l->ping_outstanding = true;
		l->ping_sent_mono = now;
		link_schedule(l, &l->sul_pong, pong_late, late_after(l));
	}
	link_schedule(l, &l->sul_ka, ka_due, l->cfg.heartbeat_ms);
}

void
link_keepalive_start(struct link *l)
{
	l->ping_outstanding = false;
	link_schedule(l, &l->sul_ka, ka_due, 0);	/* a first RTT right away */
}

void
link_keepalive_stop(struct link *l)
{
	lws_sul_cancel(&l->sul_ka);
	lws_sul_cancel(&l->sul_pong);
	l->ping_outstanding = false;
}

void
link_keepalive_on_result(struct link *l)
{
	struct link_view v;
	uint64_t now = clock_mono_ms();

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
