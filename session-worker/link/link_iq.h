/*
 * link_iq.h: the one place where an <iq type=get|set> we send is matched
 * with its answer. Each pending iq has an id, a deadline and a callback;
 * the answer (type result or error) is routed here first, and whatever is
 * still pending when its deadline passes or the connection closes is
 * failed with a reason, so no caller waits forever and none matches ids
 * by string on its own (whatsmeow request.go sendIQAsync / waitResponse
 * and clearResponseWaiters, Baileys socket.js query/waitForMessage).
 *
 * The table is plain data with no clock or socket: link.c owns one, feeds
 * it the monotonic time, sends the stanza and keeps one timer at
 * link_iq_next_deadline(). Tests drive it directly (test_link_iq.c).
 */
#ifndef WALINK_LINK_IQ_H
#define WALINK_LINK_IQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bn_node;

#define LINK_IQ_ID_MAX		32
#define LINK_IQ_PENDING_MAX	256	/* a send fans out usync + key fetches */
/* whatsmeow request.go defaultRequestTimeout */
#define LINK_IQ_TIMEOUT_MS	75000u

/*
 * The answer to one iq: iq is the <iq type=result|error> (valid during the
 * call only) and err 0, or iq NULL and err -ETIMEDOUT (deadline passed) or
 * -ENOTCONN (the connection closed first). The entry is gone before the
 * call, so done may send the next iq at once.
 */
typedef void	(*link_iq_done_fn)(void *arg, const struct bn_node *iq, int err);

struct link_iq_pending {
	char		 id[LINK_IQ_ID_MAX];	/* "" : free slot */
	uint64_t	 deadline_ms;		/* monotonic */
	link_iq_done_fn	 done;			/* NULL: fire and forget */
	void		*arg;
};

struct link_iq_table {
	struct link_iq_pending	 slot[LINK_IQ_PENDING_MAX];
	uint32_t		 used;
	uint64_t		 full;		/* adds refused, for the log */
};

void	link_iq_init(struct link_iq_table *);

/*
 * Waits for the answer to the iq with this id until now_ms + timeout_ms.
 * 0; -EINVAL an empty or too long id; -EEXIST that id is pending already;
 * -ENOSPC the table is full (the caller does not send then).
 */
int	link_iq_add(struct link_iq_table *, const char *id, uint64_t now_ms,
	    uint64_t timeout_ms, link_iq_done_fn, void *arg);

/* Forgets a pending id without calling it (a send that failed). */
void	link_iq_forget(struct link_iq_table *, const char *id);

/*
 * An <iq> from the server: true when it answered a pending id (its done
 * has been called); false for an id nobody waits for, and for anything
 * that is not an iq of type result or error.
 */
bool	link_iq_route(struct link_iq_table *, const struct bn_node *iq);

/* Fails every iq whose deadline is at or before now_ms; returns how many. */
uint32_t	link_iq_expire(struct link_iq_table *, uint64_t now_ms);

/* Fails every pending iq with err (-ENOTCONN: the connection closed). */
uint32_t	link_iq_fail_all(struct link_iq_table *, int err);

/* The earliest deadline, or 0 when nothing is pending. */
uint64_t	link_iq_next_deadline(const struct link_iq_table *);

#endif
