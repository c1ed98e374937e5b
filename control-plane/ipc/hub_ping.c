/*
 * hub_ping.c: the hub's get_state pings (hub.h). Every session is pinged
 * once a period, in turn; requests are sent and answered without blocking
 * and polled together by the event thread, so a worker that does not
 * answer holds one slot for CTL_WATCH_PING_TIMEOUT and nobody else.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nanomsg/nn.h>
#include <sodium.h>

#include "hub_impl.h"

static bool
keep_sockets(struct ctl_hub *h)
{
	return atomic_load(&h->n) <= CTL_HUB_KEEP_SOCKETS;
}

void
hub_ping_end(struct ctl_hub *h, size_t i, bool ok)
{
	struct hub_ping *p = &h->pings[i];

	free(p->buf);
	/* a failed REQ socket is never reused: it would re-send (client.h) */
	if (ok && keep_sockets(h))
		p->s->ping_sock = p->sock;
	else
		ipc_close(p->sock);
	p->s->pinging = false;
	h->pings[i] = h->pings[--h->npings];
}

/*
 * A local worker that never started has no socket file: known down
 * without holding a ping slot for CTL_WATCH_PING_TIMEOUT (a host with
 * many declared but stopped sessions would otherwise ping slowly).
 */
static bool
ipc_socket_missing(const char *url)
{
	struct stat sb;

	return strncmp(url, "ipc://", 6) == 0 && stat(url + 6, &sb) < 0 &&
	    errno == ENOENT;
}

/*
 * Connects the SUB socket to the worker's events. A local worker that
 * has not started yet is connected once its socket file appears (seen
 * by its pings): nanomsg would otherwise retry every declared but
 * stopped session every 2 s, half a core for 10 000 of them.
 */
int
hub_events_connect(struct ctl_hub *h, struct ctl_watch *w)
{
	w->events_pending = ipc_socket_missing(w->events_url);
	if (w->events_pending)
		return 0;
	return nn_connect(h->sub, w->events_url) < 0 ? -nn_errno() : 0;
}

static void
ping_start(struct ctl_hub *h, struct ctl_watch *w, uint64_t now)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Empty empty = WLIPC__EMPTY__INIT;
	struct hub_ping *p = &h->pings[h->npings];
	int s;

	if (ipc_socket_missing(w->rpc_url)) {
		watch_set_down(w);
		return;
	}
	if (w->events_pending && hub_events_connect(h, w) < 0)
		w->events_pending = true;	/* tried again next ping */
	if ((s = w->ping_sock) < 0 &&
	    (s = ipc_connect_req(w->rpc_url, CTL_WATCH_PING_TIMEOUT)) < 0) {
		watch_set_down(w);
		return;
	}
	w->ping_sock = -1;
	req.version = WL_IPC_VERSION;
	while (req.id == 0)
		req.id = (uint64_t)randombytes_random() << 32 | randombytes_random();
	req.body_case = WLIPC__REQUEST__BODY_GET_STATE;
	req.get_state = &empty;
	memset(p, 0, sizeof(*p));
	if (ipc_request_pack(&req, &p->buf, &p->len) < 0) {
		ipc_close(s);
		return;
	}
	p->s = w;
	p->sock = s;
	p->id = req.id;
	p->deadline = now + CTL_WATCH_PING_TIMEOUT;
	w->pinging = true;
	h->npings++;
}

/* Sends what can be sent, takes answers, expires the late. */
void
hub_ping_service(struct ctl_hub *h, struct nn_pollfd *pf, uint64_t now)
{
	Wlipc__Reply *rep;
	struct hub_ping *p;
	void *msg;
	size_t i, len;
	bool ok;

	for (i = h->npings; i-- > 0;) {
		p = &h->pings[i];
		if (p->buf != NULL && (pf[i].revents & NN_POLLOUT)) {
			if (nn_send(p->sock, p->buf, p->len, NN_DONTWAIT) >= 0) {
				free(p->buf);
				p->buf = NULL;
			}
			continue;
		}
		if (p->buf == NULL && (pf[i].revents & NN_POLLIN)) {
			msg = NULL;
			if (ipc_recv(p->sock, NN_DONTWAIT, &msg, &len) < 0)
				continue;
			ok = ipc_reply_unpack(msg, len, &rep) == 0;
			ipc_msg_free(msg);
			if (ok && rep->id == p->id &&
			    rep->body_case == WLIPC__REPLY__BODY_STATE)
				watch_apply_ping(p->s, rep->state);
			else
				watch_set_down(p->s);
			if (ok)
				ipc_reply_free(rep);
			hub_ping_end(h, i, ok);
			continue;
		}
		if (now >= p->deadline) {
			watch_set_down(p->s);
			hub_ping_end(h, i, false);
		}
	}
}

/* Due sessions in turn: every one is pinged once a period. */
void
hub_ping_due(struct ctl_hub *h, uint64_t now)
{
	size_t n = atomic_load(&h->n), tried;
	uint64_t period = ctl_hub_ping_period_ms(h);
	struct ctl_watch *w;

	for (tried = 0; tried < n && h->npings < CTL_HUB_INFLIGHT_MAX; tried++) {
		if (h->cursor >= n)
			h->cursor = 0;
		w = h->sessions[h->cursor];
		if (w->next_ping > now)
			break;
		w->next_ping = now + period;
		if (!w->pinging)
			ping_start(h, w, now);
		h->cursor++;
	}
}

/* ms until the next thing to do, at most CTL_WATCH_RECV_MS. */
int
hub_next_wait(struct ctl_hub *h, uint64_t now)
{
	uint64_t t = now + CTL_WATCH_RECV_MS;
	size_t n = atomic_load(&h->n), i;

	for (i = 0; i < h->npings; i++)
		if (h->pings[i].deadline < t)
			t = h->pings[i].deadline;
	if (n > 0 && h->npings < CTL_HUB_INFLIGHT_MAX) {
		struct ctl_watch *w = h->sessions[h->cursor < n ? h->cursor : 0];

		if (w->next_ping < t)
			t = w->next_ping;
	}
	return t > now ? (int)(t - now) : 0;
}

