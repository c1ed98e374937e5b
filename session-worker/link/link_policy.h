/*
 * link_policy.h: what the worker does when the link goes down, per reason
 * (DESIGN.md "Link states and disconnect strategies"): how the server's
 * words map to a reason, and the wait, backoff and stop rules for each.
 * Pure and clock-free: callers pass monotonic milliseconds in, so tests
 * can run a day of faults in a microsecond.
 */
#ifndef WALINK_LINK_POLICY_H
#define WALINK_LINK_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "link_state.h"

/* How the link ended, as the transport and stanza layers saw it. */
enum link_close_kind {
	LC_STREAM_ERROR,	/* <stream:error code=…> [<conflict type=…/>] */
	LC_FAILURE,		/* <failure reason=…> at login */
	LC_STREAM_END,		/* <xmlstreamend/> */
	LC_SOCKET,		/* socket closed or dropped, with or without a close frame */
	LC_TIMEOUT,		/* connect, auth or keepalive timeout */
	LC_PROTOCOL,		/* bytes that broke framing, Noise or the codec */
};

/* Maps the server's words to a reason (protocol-notes §6 table). */
enum link_reason link_reason_classify(enum link_close_kind, int code,
		    const char *conflict_type);

enum link_action {
	LA_RECONNECT,		/* reconnect after delay_ms (0: at once) */
	LA_ARCHIVE_AND_PAIR,	/* move the session aside, start a fresh pairing */
	LA_WAIT_UNTIL,		/* keep credentials, reconnect at at_ms */
	LA_STOP,		/* stay down until an operator restarts the link */
};

struct link_policy_cfg {
	uint32_t	reconnect_wait_ms;	/* TIMEOUT/CONFLICT wait; seed: 30 s */
	uint32_t	backoff_cap_ms;		/* DESIGN.md default: 5 min */
	uint32_t	conflict_limit;		/* stop on this many conflicts… */
	uint32_t	conflict_window_ms;	/* …within this window: 3 in 10 min */
	uint32_t	stable_after_ms;	/* up this long resets the repeat counts */
};

#define LINK_POLICY_CFG_DEFAULT {					\
	.reconnect_wait_ms = 30 * 1000,					\
	.backoff_cap_ms = 5 * 60 * 1000,				\
	.conflict_limit = 3,						\
	.conflict_window_ms = 10 * 60 * 1000,				\
	.stable_after_ms = 60 * 1000,					\
}

#define LINK_STRATEGY_MAX	160

struct link_decision {
	enum link_reason reason;
	enum link_action action;
	enum link_event	 event;		/* what link.c fires into link_fsm */
	uint64_t	 delay_ms;
	uint64_t	 at_ms;		/* now + delay_ms, or the ban's end */
	uint32_t	 attempt;	/* 1 for the first failure of this kind in a row */
	char		 strategy[LINK_STRATEGY_MAX];	/* one line for people */
};

#define LINK_CONFLICT_HISTORY	16	/* >= any sane conflict_limit */

struct link_policy {
	struct link_policy_cfg cfg;
	uint32_t	repeats[REASON__MAX];	/* in a row; reset by a stable link */
	uint32_t	totals[REASON__MAX];	/* since start, for metrics */
	uint64_t	conflicts[LINK_CONFLICT_HISTORY];	/* ring of times */
	uint32_t	conflict_next;
	uint64_t	up_since_ms;		/* 0 while the link is not up */
	uint64_t	rng;			/* jitter; xorshift64 state, never 0 */
};

/* cfg NULL: defaults. seed 0: drawn from libsodium's randombytes. */
void	link_policy_init(struct link_policy *, const struct link_policy_cfg *,
	    uint64_t seed);

/* The link logged in at now_ms (monotonic). */
void	link_policy_link_up(struct link_policy *, uint64_t now_ms);

/*
 * Decides what to do about a link that went down for `reason` at now_ms.
 * ban_until_ms (monotonic, 0 unknown) matters for REASON_BAN only.
 * Always fills *out; returns 0, or -EINVAL for an out-of-range reason.
 */
int	link_policy_decide(struct link_policy *, enum link_reason,
	    uint64_t now_ms, uint64_t ban_until_ms, struct link_decision *out);

/*
 * A <failure reason=code> classified REASON_UNKNOWN is a refusal we do
 * not understand: whatsmeow connectionevents.go handleConnectFailure
 * stops on every failure but 500/503, so a reconnect would only knock on
 * the same door. True for such codes; _stop_refused turns d into a stop
 * that waits for the operator in the server_failure state, with the code
 * in the strategy line (which link.c also shows as the detail).
 */
bool	link_failure_stops(int code);

/*
 * The name the references give a <failure reason> or <stream:error code>
 * (whatsmeow types/events ConnectFailureReason, Baileys DisconnectReason),
 * for people: "bad user agent" for failure 409; NULL for a code neither
 * names.
 */
const char	*link_code_label(enum link_close_kind, int code);
void	link_policy_stop_refused(struct link_decision *d, int code);

/* An operator restart: forget repeats and conflict history. */
void	link_policy_reset(struct link_policy *);

#endif
