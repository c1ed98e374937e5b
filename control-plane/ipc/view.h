/*
 * view.h: wa-control's cached picture of the worker, built by the event
 * thread (watch.c) from the worker's events and its get_state replies.
 * Handlers get a copy (ctl_watch_view) and render it without IPC, which
 * is what lets GET /api/whatsapp/state answer at 10,000 req/s.
 */
#ifndef WALINK_CTL_VIEW_H
#define WALINK_CTL_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ipc.h"
#include "phone.h"

#define CTL_VIEW_RTTS		30	/* heartbeats the dashboard charts */
#define CTL_VIEW_CHANGES	20	/* state changes the dashboard lists */
#define CTL_VIEW_REASONS	8	/* wlipc Reason values 0..7 */
#define CTL_VIEW_STATES		14	/* wlipc LinkState values 0..13 */
#define CTL_VIEW_TEXT		128	/* strategy and detail lines, cut */
#define CTL_VIEW_STORES		16	/* the worker's message stores (8 today) */

struct ctl_view_rtt {
	uint64_t	t_ms;
	uint32_t	rtt_ms;
};

struct ctl_view_change {
	uint64_t	t_ms;
	int		from, to;	/* wlipc LinkState */
	int		reason;		/* wlipc Reason at the time */
};

/* Linking by phone number, as the worker last told (wlipc.PairCode). */
struct ctl_view_pair_code {
	int		status;		/* wlipc PairCodeStatus */
	char		phone[PHONE_BUF];
	char		code[16];	/* "ABCD-EFGH": meant to be shown, never logged */
	uint64_t	expires_ms;
	char		detail[CTL_VIEW_TEXT];
};

/* One bounded store of the worker's message layer (wlipc.StoreCount). */
struct ctl_view_store {
	char		name[24];	/* [a-z_] only: a metric label */
	uint64_t	evicted, refused;
};

struct ctl_link_view {
	bool		worker_up;	/* the last get_state ping was answered */
	bool		have_state;
	int		state;		/* wlipc LinkState */
	char		number[PHONE_BUF];
	uint64_t	last_heartbeat_ms;
	uint32_t	rtt_ms;
	uint64_t	since_ms;
	int		last_reason;	/* wlipc Reason */
	char		strategy[CTL_VIEW_TEXT];
	char		detail[CTL_VIEW_TEXT];
	uint64_t	next_attempt_ms;
	uint64_t	ban_until_ms;
	bool		qr_paused;
	uint32_t	disconnects[CTL_VIEW_REASONS];
	bool		have_whitelist_count;
	uint32_t	whitelist_count;
	/* lines of the whitelist file its last load left out (State 19) */
	bool		have_whitelist_rejected;
	uint32_t	whitelist_rejected;
	uint64_t	events_seen, events_missed;	/* seq gaps */
	struct ctl_view_rtt	rtts[CTL_VIEW_RTTS];	/* ring, oldest first */
	unsigned	nrtts, rtt_head;
	struct ctl_view_change	changes[CTL_VIEW_CHANGES];
	unsigned	nchanges, change_head;
	struct ctl_view_pair_code pair_code;	/* status 0: none */
	struct ctl_view_store	stores[CTL_VIEW_STORES];
	unsigned	nstores;
};

/* Copies a State's store counters (names not [a-z_]+ are skipped). */
void	ctl_view_apply_stores(struct ctl_view_store out[CTL_VIEW_STORES],
	    unsigned *n, const Wlipc__State *);

/* Copies a State's PairCode (NULL: none) into pc; true when it changed. */
bool	ctl_view_apply_pair_code(struct ctl_view_pair_code *pc,
	    const Wlipc__PairCode *in);
const char *ctl_view_pair_code_status(int);	/* "shown", ... */
json_t	*ctl_view_pair_code_json(const struct ctl_view_pair_code *);

const char	*ctl_view_state_name(int);	/* "connected", ... */
const char	*ctl_view_reason_name(int);	/* "TIMEOUT", ... */

/* connectionState object of GET /api/whatsapp/state (new reference). */
json_t	*ctl_view_state_json(const struct ctl_link_view *);
/* {phoneNumber, state, rttMs, timestamp} of one heartbeat. */
json_t	*ctl_view_heartbeat_json(const struct ctl_link_view *);
/* recent RTTs and state changes, oldest first. */
json_t	*ctl_view_history_json(const struct ctl_link_view *);

/*
 * ms since the epoch -> "2025-07-22T12:30:45.123Z". 0 or -EOVERFLOW
 * (year past 9999).
 */

#endif
