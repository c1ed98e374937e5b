/*
 * ratelimit.h: login attempt limiter, one token bucket per client address.
 * Each failed login takes a token; a bucket refills one token every
 * refill_s seconds up to burst. An empty bucket refuses every attempt
 * (429, Retry-After) until the next token. Thread-safe (own mutex); the
 * table is fixed-size: when full, the fullest (least suspicious) bucket
 * is reused.
 */
#ifndef WALINK_CTL_RATELIMIT_H
#define WALINK_CTL_RATELIMIT_H

#include <stdint.h>

#define CTL_RL_SLOTS	256	/* distinct client addresses remembered */
#define CTL_RL_KEY_MAX	48	/* civetweb's remote_addr size */

struct ctl_ratelimit;

struct ctl_ratelimit *ctl_ratelimit_new(unsigned burst, unsigned refill_s);
void	ctl_ratelimit_free(struct ctl_ratelimit *);

/* 0: the attempt may proceed; else the seconds to wait (Retry-After). */
unsigned ctl_ratelimit_check(struct ctl_ratelimit *, const char *key,
	    uint64_t now_s);
/* A failed attempt: take one token. */
void	ctl_ratelimit_fail(struct ctl_ratelimit *, const char *key,
	    uint64_t now_s);

/*
 * Check and charge in one step, before the work: 0 when a token was
 * taken, else the seconds to wait. Concurrent attempts cannot all pass a
 * check made before any of them is charged. A success (or an attempt
 * that was never evaluated) gives its token back with _refund.
 */
unsigned ctl_ratelimit_take(struct ctl_ratelimit *, const char *key,
	    uint64_t now_s);
void	ctl_ratelimit_refund(struct ctl_ratelimit *, const char *key,
	    uint64_t now_s);

#endif
