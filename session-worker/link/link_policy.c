/*
 * link_policy.c: the disconnect strategy table of DESIGN.md, plus the two
 * rules that keep a persistent fault from spinning: exponential backoff
 * with jitter on repeats, and a bounded answer to conflict ping-pong
 * (protocol-notes §10, pitfalls 12 and 13).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "link_policy.h"

/* A 515 right after pairing is normal; a few in a row are not a loop yet. */
#define NAVIGATION_FREE_RETRIES	3
/* First step of the backoff for reasons whose first retry is immediate. */
#define BACKOFF_STEP_MS		1000u
/* Jitter: up to this fraction (1/n) of the delay is added on repeats. */
#define JITTER_DIVISOR		5u

enum link_reason
link_reason_classify(enum link_close_kind kind, int code,
    const char *conflict_type)
{
	switch (kind) {
	case LC_STREAM_ERROR:
		if (conflict_type != NULL) {
			if (strcmp(conflict_type, "replaced") == 0)
				return REASON_CONFLICT;
			if (strcmp(conflict_type, "device_removed") == 0)
				return REASON_LOGOUT;
		}
		if (code == 515 || code == 500 || code == 503)
			return REASON_NAVIGATION;
		if (code == 401)
			return REASON_LOGOUT;
		return REASON_UNKNOWN;
	case LC_FAILURE:
		switch (code) {
		case 401:
		case 403:
		case 406:	/* whatsmeow treats 403 and 406 as logged out */
			return REASON_LOGOUT;
		case 402:
			return REASON_BAN;
		case 405:
			return REASON_OUTDATED;
		case 500:
		case 503:
			return REASON_NAVIGATION;
		default:	/* stops: link_failure_stops() */
			return REASON_UNKNOWN;
		}
	case LC_STREAM_END:
	case LC_SOCKET:
	case LC_TIMEOUT:
		return REASON_TIMEOUT;
	case LC_PROTOCOL:
		return REASON_UNKNOWN;
	}
	return REASON_UNKNOWN;
}

void
link_policy_init(struct link_policy *p, const struct link_policy_cfg *cfg,
    uint64_t seed)
{
	static const struct link_policy_cfg defaults = LINK_POLICY_CFG_DEFAULT;

	memset(p, 0, sizeof(*p));
	p->cfg = cfg != NULL ? *cfg : defaults;
	if (p->cfg.conflict_limit > LINK_CONFLICT_HISTORY)
		p->cfg.conflict_limit = LINK_CONFLICT_HISTORY;
	if (p->cfg.conflict_limit == 0)
		p->cfg.conflict_limit = 1;
	if (seed == 0)
		randombytes_buf(&seed, sizeof(seed));
	p->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
}

void
link_policy_link_up(struct link_policy *p, uint64_t now_ms)
{
	p->up_since_ms = now_ms != 0 ? now_ms : 1;
}

void
link_policy_reset(struct link_policy *p)
{
	memset(p->repeats, 0, sizeof(p->repeats));
	memset(p->conflicts, 0, sizeof(p->conflicts));
	p->conflict_next = 0;
}

static uint64_t
xorshift(struct link_policy *p)
{
	uint64_t x = p->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return p->rng = x;
}

/*
 * base * 2^(attempt-1), capped; repeats (attempt >= 2) get up to a fifth
 * more at random so that many workers hit by one outage do not return in
 * lockstep. The cap holds after jitter too.
 */
static uint64_t
backoff(struct link_policy *p, uint64_t base, uint32_t attempt)
{
	uint64_t d = base, cap = p->cfg.backoff_cap_ms;
	uint32_t i;

	for (i = 1; i < attempt && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	if (attempt >= 2 && d / JITTER_DIVISOR > 0)
		d += xorshift(p) % (d / JITTER_DIVISOR + 1);
	return d > cap ? cap : d;
}

/* Counts a conflict at now; true when the limit is reached in the window. */
static bool
conflict_limit_reached(struct link_policy *p, uint64_t now)
{
	uint32_t i, n = 0;

	p->conflicts[p->conflict_next] = now != 0 ? now : 1;
	p->conflict_next = (p->conflict_next + 1) % p->cfg.conflict_limit;
	for (i = 0; i < p->cfg.conflict_limit; i++)
		if (p->conflicts[i] != 0 &&
		    now - p->conflicts[i] < p->cfg.conflict_window_ms)
			n++;
	return n >= p->cfg.conflict_limit;
}

static void
set_retry(struct link_decision *d, uint64_t now, uint64_t delay)
{
	d->action = LA_RECONNECT;
	d->event = delay == 0 ? LE_DOWN_NOW : LE_DOWN_RETRY;
	d->delay_ms = delay;
	d->at_ms = now + delay;
	if (delay == 0)
		snprintf(d->strategy, sizeof(d->strategy), "reconnect at once");
	else
		snprintf(d->strategy, sizeof(d->strategy),
		    "wait %llu.%03llus, then reconnect (attempt %u)",
		    (unsigned long long)(delay / 1000),
		    (unsigned long long)(delay % 1000), d->attempt);
}

int
link_policy_decide(struct link_policy *p, enum link_reason reason,
    uint64_t now, uint64_t ban_until, struct link_decision *d)
{
	uint32_t n;

	memset(d, 0, sizeof(*d));
	d->reason = reason;
	if ((unsigned)reason >= REASON__MAX || reason == REASON_NONE) {
		d->reason = REASON_UNKNOWN;
		set_retry(d, now, backoff(p, BACKOFF_STEP_MS, 1));
		return -EINVAL;
	}
	if (p->up_since_ms != 0 && now - p->up_since_ms >= p->cfg.stable_after_ms)
		memset(p->repeats, 0, sizeof(p->repeats));
	p->up_since_ms = 0;
	n = ++p->repeats[reason];
	p->totals[reason]++;
	d->attempt = n;

	switch (reason) {
	case REASON_NAVIGATION:
		set_retry(d, now, n <= NAVIGATION_FREE_RETRIES ? 0 :
		    backoff(p, BACKOFF_STEP_MS, n - NAVIGATION_FREE_RETRIES));
		break;
	case REASON_TIMEOUT:
		set_retry(d, now, backoff(p, p->cfg.reconnect_wait_ms, n));
		break;
	case REASON_CONFLICT:
		if (conflict_limit_reached(p, now)) {
			d->action = LA_STOP;
			d->event = LE_GIVE_UP_CONFLICT;
			snprintf(d->strategy, sizeof(d->strategy),
			    "%u conflicts within %us: stopped; restart the link "
			    "when the other instance is gone",
			    p->cfg.conflict_limit, p->cfg.conflict_window_ms / 1000);
			break;
		}
		/* A fixed wait, as the seed's takeoverOnConflict=false. */
		set_retry(d, now, p->cfg.reconnect_wait_ms);
		break;
	case REASON_LOGOUT:
		d->action = LA_ARCHIVE_AND_PAIR;
		d->event = LE_LOGGED_OUT;
		d->at_ms = now;
		snprintf(d->strategy, sizeof(d->strategy),
		    "session moved aside; new pairing (QR) at once");
		break;
	case REASON_BAN:
		d->action = LA_WAIT_UNTIL;
		d->event = LE_BANNED;
		/* No expiry given: look again after the longest backoff. */
		d->at_ms = ban_until > now ? ban_until : now + p->cfg.backoff_cap_ms;
		d->delay_ms = d->at_ms - now;
		snprintf(d->strategy, sizeof(d->strategy),
		    "temporarily banned: credentials kept, reconnect in %llus",
		    (unsigned long long)(d->delay_ms / 1000));
		break;
	case REASON_OUTDATED:
		d->action = LA_STOP;
		d->event = LE_OUTDATED;
		snprintf(d->strategy, sizeof(d->strategy),
		    "server refuses this client version: set --wa-version "
		    "(WA_VERSION) to a current WhatsApp Web version, then restart");
		break;
	case REASON_UNKNOWN:
	default:
		set_retry(d, now, n <= 1 ? 0 : backoff(p, BACKOFF_STEP_MS, n - 1));
		break;
	}
	return 0;
}

const char *
link_code_label(enum link_close_kind kind, int code)
{
	if (kind == LC_FAILURE) {
		switch (code) {		/* whatsmeow ConnectFailureReason */
		case 400: return "generic";
		case 401: return "logged out";
		case 402: return "temporarily banned";
		case 403: return "main device gone";
		case 405: return "client outdated";
		case 406: return "unknown logout";
		case 409: return "bad user agent";
		case 413: return "CAT expired";
		case 414: return "CAT invalid";
		case 415: return "not found";
		case 418: return "client unknown";
		case 500: return "internal server error";
		case 501: return "experimental";
		case 503: return "service unavailable";
		}
		return NULL;
	}
	if (kind == LC_STREAM_ERROR) {
		switch (code) {		/* Baileys DisconnectReason */
		case 401: return "logged out";
		case 408: return "connection lost";
		case 411: return "multi-device mismatch";
		case 428: return "connection closed";
		case 440: return "connection replaced";
		case 500: return "bad session";
		case 503: return "service unavailable";
		case 515: return "restart required";
		}
	}
	return NULL;
}

bool
link_failure_stops(int code)
{
	return link_reason_classify(LC_FAILURE, code, NULL) == REASON_UNKNOWN;
}

void
link_policy_stop_refused(struct link_decision *d, int code)
{
	d->action = LA_STOP;
	d->event = LE_SERVER_FAILURE;
	d->delay_ms = 0;
	d->at_ms = 0;
	const char *label = link_code_label(LC_FAILURE, code);

	snprintf(d->strategy, sizeof(d->strategy),
	    "WhatsApp refused the connection: failure %d (%s); not retried: "
	    "check the account, then restart the link", code,
	    label != NULL ? label : "unknown code");
}
