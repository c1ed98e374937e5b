/*
 * link_keepalive.c: the keepalive rules (DESIGN.md "Keepalive and
 * heartbeat"), as pure functions link.c's timers ask: every heartbeat
 * interval a ping; a late answer makes the link unstable; none for
 * keepalive_misses intervals ends it as TIMEOUT. Round trips are measured
 * on the monotonic clock (protocol-notes §10 pitfall 20).
 */
#include "binary/bn.h"

#include "link_internal.h"

/* An answer slower than this is late (whatsmeow waits 10 s for one). */
#define PONG_LATE_MAX_MS	10000

uint64_t
link_keepalive_late_ms(uint64_t heartbeat_ms)
{
	uint64_t half = heartbeat_ms / 2;

	return half < PONG_LATE_MAX_MS ? half : PONG_LATE_MAX_MS;
}

enum link_ka
link_keepalive_tick(uint64_t now_ms, uint64_t last_pong_ms, uint64_t limit_ms,
    bool ping_outstanding)
{
	if (now_ms - last_pong_ms >= limit_ms)
		return KA_DEAD;
	return ping_outstanding ? KA_PING_LATE : KA_PING;
}

/* whatsmeow keepalive.go sendKeepAlive: <iq xmlns=w:p type=get><ping/></iq> */
struct bn_node *
link_keepalive_ping(void)
{
	struct bn_node *iq = bn_node_new("iq"), *p = bn_node_new("ping");

	if (iq != NULL && p != NULL &&
	    bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_set_attr(iq, "type", "get") == 0 &&
	    bn_node_set_attr(iq, "xmlns", "w:p") == 0 &&
	    bn_node_add_child(iq, p) == 0)
		return iq;
	bn_node_free(p);
	bn_node_free(iq);
	return NULL;
}
