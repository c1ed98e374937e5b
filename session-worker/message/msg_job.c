/*
 * msg_job.c: the job table and the one eviction rule (msg_job.h). The
 * table is the contract a reviewer checks against the header; a move it
 * lacks is refused and logged as a bug, never something the wire forces.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "log.h"

#include "msg_job.h"

/* Entries hold target + 1, so that 0 (what C leaves unset) is a hole. */
#define T(state)	((state) + 1)

/* Every send (and resend) may be given up while it waits for something. */
#define ACTIVE_SEND_MOVES			\
	[JE_WAIT_LINK] = T(JS_WAIT_LINK),	\
	[JE_FAIL] = T(JS_FAILED)

static const signed char next_tab[JS__MAX][JE__MAX] = {
	[JS_FREE] = {
		[JE_RECORD] = T(JS_QUEUED),
		[JE_ASK_KEYS] = T(JS_KEYS),	/* resend: session rebuilt */
		[JE_SENT] = T(JS_SENT),		/* resend: the session we have */
		[JE_HOLD] = T(JS_HELD),
		[JE_MARK] = T(JS_MARKED),
	},
	[JS_QUEUED] = {
		ACTIVE_SEND_MOVES,
		[JE_ASK_DEVICES] = T(JS_USYNC),
		[JE_LOGGED_ACK] = T(JS_KEPT),
	},
	[JS_WAIT_LINK] = {
		ACTIVE_SEND_MOVES,
		[JE_ASK_DEVICES] = T(JS_USYNC),
	},
	[JS_USYNC] = {
		ACTIVE_SEND_MOVES,
		[JE_ASK_KEYS] = T(JS_KEYS),
		[JE_SENT] = T(JS_SENT),
	},
	[JS_KEYS] = {
		ACTIVE_SEND_MOVES,
		[JE_SENT] = T(JS_SENT),
	},
	[JS_SENT] = {
		ACTIVE_SEND_MOVES,
		[JE_ACK] = T(JS_KEPT),
		[JE_REFUSED] = T(JS_FAILED),
	},
	[JS_KEPT] = {
		[JE_EVICT] = T(JS_FREE),
	},
	[JS_FAILED] = {
		[JE_EVICT] = T(JS_FREE),
	},
	[JS_HELD] = {
		[JE_RELEASE] = T(JS_DONE),
	},
	[JS_MARKED] = {
		[JE_MARK] = T(JS_MARKED),
		[JE_EXPIRE] = T(JS_DONE),
	},
	[JS_DONE] = {
		[JE_MARK] = T(JS_MARKED),
		[JE_EVICT] = T(JS_FREE),
	},
};

enum job_state
job_next(enum job_state s, enum job_event e)
{
	if ((int)s < 0 || s >= JS__MAX || (int)e < 0 || e >= JE__MAX ||
	    next_tab[s][e] == 0)
		return JS_INVALID;
	return (enum job_state)(next_tab[s][e] - 1);
}

const char *
job_state_name(enum job_state s)
{
	static const char *const names[JS__MAX] = {
		"free", "queued", "wait_link", "usync", "keys", "sent",
		"kept", "failed", "held", "marked", "done",
	};

	return (int)s >= 0 && s < JS__MAX ? names[s] : "invalid";
}

const char *
job_event_name(enum job_event e)
{
	static const char *const names[JE__MAX] = {
		"record", "wait_link", "ask_devices", "ask_keys", "sent", "ack",
		"refused", "fail", "hold", "release", "mark", "expire", "evict",
		"logged_ack",
	};

	return (int)e >= 0 && e < JE__MAX ? names[e] : "invalid";
}

bool
job_state_active(enum job_state s)
{
	switch (s) {
	case JS_QUEUED: case JS_WAIT_LINK: case JS_USYNC: case JS_KEYS:
	case JS_SENT: case JS_HELD: case JS_MARKED:
		return true;
	default:
		return false;
	}
}

bool
job_move(struct job_hdr *h, enum job_event e, const char *what)
{
	enum job_state to = job_next(h->state, e);

	if (to == JS_INVALID) {
		log_warnx("bug: job %s: no move from %s on %s", what ? what : "?",
		    job_state_name(h->state), job_event_name(e));
		return false;
	}
	h->state = to;
	return true;
}

void
job_store_init(struct job_store *s, const char *name, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->cap = cap;
}

void
job_store_stamp(struct job_store *s, struct job_hdr *h, enum job_kind kind)
{
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->state = JS_FREE;
	h->seq = ++s->seq;
}

/* Kept only until the slot is wanted; a lapsed mark is one. */
static bool
evictable(const struct job_hdr *h, uint64_t now)
{
	if (h->state == JS_MARKED)
		return now >= h->until_ms;
	return job_next(h->state, JE_EVICT) == JS_FREE;
}

/* Once per burst: the first at once, then at most every JOB_LOG_EVERY_MS. */
static void
note(struct job_store *s, uint64_t now)
{
	if (s->logged_ms != 0 && now - s->logged_ms < JOB_LOG_EVERY_MS)
		return;
	if (s->burst_evicted > 0)
		log_info("%s full (%zu): %llu kept entr%s dropped for room "
		    "(oldest first; %llu in all)", s->name, s->cap,
		    (unsigned long long)s->burst_evicted,
		    s->burst_evicted == 1 ? "y" : "ies",
		    (unsigned long long)s->evicted);
	if (s->burst_refused > 0)
		log_warnx("%s full (%zu) of entries still in use: %llu refused "
		    "(%llu in all)", s->name, s->cap,
		    (unsigned long long)s->burst_refused,
		    (unsigned long long)s->refused);
	s->burst_evicted = s->burst_refused = 0;
	s->logged_ms = now != 0 ? now : 1;
}

int
job_store_admit(struct job_store *s, void *base, size_t n, size_t stride,
    size_t hdr_off, size_t need, uint64_t now, size_t *victim)
{
	struct job_hdr *h, *old = NULL;
	size_t i, at = 0;

	if (n < s->cap && (s->cap_bytes == 0 ||
	    (need <= s->cap_bytes && s->bytes <= s->cap_bytes - need)))
		return 0;
	/* larger than the whole bound: nothing kept goes for it in vain */
	if (s->cap_bytes != 0 && need > s->cap_bytes)
		n = 0;
	for (i = 0; i < n; i++) {
		h = (struct job_hdr *)((char *)base + i * stride + hdr_off);
		if (evictable(h, now) && (old == NULL || h->seq < old->seq)) {
			old = h;
			at = i;
		}
	}
	if (old == NULL) {
		s->refused++;
		s->burst_refused++;
		note(s, now);
		return -EBUSY;
	}
	if (old->state == JS_MARKED)
		(void)job_move(old, JE_EXPIRE, s->name);
	(void)job_move(old, JE_EVICT, s->name);
	s->evicted++;
	s->burst_evicted++;
	note(s, now);
	*victim = at;
	return 1;
}

void *
job_table_take(struct job_store *s, void *base, size_t *n, size_t stride,
    size_t hdr_off, uint64_t now)
{
	struct job_hdr *h;
	size_t victim, at;
	char *e;
	int rc;

	/* every record here is a lapsed mark: admit refuses only at cap 0 */
	if ((rc = job_store_admit(s, base, *n, stride, hdr_off, 0, now,
	    &victim)) < 0)
		return NULL;
	at = rc == 1 ? victim : (*n)++;
	e = (char *)base + at * stride;
	memset(e, 0, stride);
	h = (struct job_hdr *)(e + hdr_off);
	job_store_stamp(s, h, JK_MARK);
	h->until_ms = 0;
	(void)job_move(h, JE_MARK, s->name);
	return e;
}
