/*
 * fake-worker: a stand-in wa-worker for wa-control's API and browser tests.
 * It binds the worker's REP and PUB sockets, speaks proto/ipc.proto, keeps
 * an in-memory whitelist with the worker's validation rules, and plays a
 * link state chosen by flags and changed at run time by lines on stdin:
 *   state NAME [REASON]   e.g. "state connected", "state disconnected TIMEOUT"
 *   number DIGITS         the paired account ("number -" clears it)
 *   paused 0|1            QR rounds exhausted (new_qr resumes)
 *   quit
 * Each command is acknowledged with "ok ..." on stdout. It publishes a
 * heartbeat every --heartbeat-ms while connected, a QR every --qr-ms in
 * the qr state, and state/whitelist events on every change.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#include "api/body.h"
#include "api/number.h"
#include "ipc/client.h"
#include "ipc/view.h"

struct fake {
	int		 rep, pub;
	uint64_t	 seq;
	int		 state, reason, back_to;
	char		 number[CTL_NUMBER_MAX + 1];
	bool		 paused;
	uint32_t	 disconnects[CTL_VIEW_REASONS];
	uint64_t	 since_ms, last_hb_ms, restart_at, next_hb, next_qr;
	uint32_t	 rtt, qr_round, qr_ref;
	unsigned	 hb_ms, qr_ms;
	char		(*wl)[CTL_NUMBER_MAX + 1];
	size_t		 nwl;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
state_by_name(const char *s)
{
	int i;

	for (i = 0; i <= 11; i++)
		if (strcmp(ctl_view_state_name(i), s) == 0)
			return i;
	return -1;
}

static int
reason_by_name(const char *s)
{
	int i;

	for (i = 0; i < CTL_VIEW_REASONS; i++)
		if (strcasecmp(ctl_view_reason_name(i), s) == 0)
			return i;
	return -1;
}

static void
fill_state(struct fake *f, Wlipc__State *s, Wlipc__ReasonCount *rc,
    Wlipc__ReasonCount **rcp)
{
	static char strategy[64];
	size_t i, n = 0;

	s->state = f->state;
	s->connected_number = f->number[0] ? f->number : NULL;
	s->has_last_heartbeat_ms = f->last_hb_ms != 0;
	s->last_heartbeat_ms = f->last_hb_ms;
	s->has_rtt_ms = true;
	s->rtt_ms = f->rtt;
	s->has_since_ms = true;
	s->since_ms = f->since_ms;
	s->has_last_reason = true;
	s->last_reason = f->reason;
	s->has_qr_paused = true;
	s->qr_paused = f->paused;
	s->has_whitelist_count = true;
	s->whitelist_count = (uint32_t)f->nwl;
	if (f->state == 6) {	/* disconnected: a planned reconnect */
		snprintf(strategy, sizeof(strategy), "wait 30s then reconnect");
		s->strategy = strategy;
		s->has_next_attempt_ms = true;
		s->next_attempt_ms = f->since_ms + 30000;
	}
	for (i = 1; i < CTL_VIEW_REASONS; i++) {
		if (f->disconnects[i] == 0)
			continue;
		wlipc__reason_count__init(&rc[n]);
		rc[n].reason = (Wlipc__Reason)i;
		rc[n].count = f->disconnects[i];
		rcp[n] = &rc[n];
		n++;
	}
	s->n_disconnects = n;
	s->disconnects = rcp;
}

static void
publish(struct fake *f, Wlipc__Event *e)
{
	size_t len;
	uint8_t *buf;

	e->version = CTL_IPC_VERSION;
	e->seq = ++f->seq;
	e->time_ms = now_ms();
	len = wlipc__event__get_packed_size(e);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return;
	wlipc__event__pack(e, buf);
	(void)nn_send(f->pub, buf, len, NN_DONTWAIT);	/* never wait */
	free(buf);
}

static void
publish_state(struct fake *f)
{
	Wlipc__Event e = WLIPC__EVENT__INIT;
	Wlipc__State s = WLIPC__STATE__INIT;
	Wlipc__ReasonCount rc[CTL_VIEW_REASONS], *rcp[CTL_VIEW_REASONS];

	fill_state(f, &s, rc, rcp);
	e.body_case = WLIPC__EVENT__BODY_STATE;
	e.state = &s;
	publish(f, &e);
}

static void
qr_code(struct fake *f, char *out, size_t cap)
{
	snprintf(out, cap, "2@fake-ref-round-%u-ref-%u,"
	    "bm9pc2Uta2V5LWJhc2U2NC1wbGFjZWhvbGRlcg==,"
	    "aWRlbnRpdHkta2V5LWJhc2U2NC1wbGFjZWhvbGRlcg==,"
	    "YWR2LXNlY3JldC1wbGFjZWhvbGRlcg==", f->qr_round, f->qr_ref);
}

static void
publish_qr(struct fake *f)
{
	Wlipc__Event e = WLIPC__EVENT__INIT;
	Wlipc__Qr q = WLIPC__QR__INIT;
	char code[256];

	f->qr_ref++;
	qr_code(f, code, sizeof(code));
	q.code = code;
	q.has_expires_ms = q.has_round = q.has_ref_index = true;
	q.expires_ms = now_ms() + f->qr_ms;
	q.round = f->qr_round;
	q.ref_index = f->qr_ref;
	e.body_case = WLIPC__EVENT__BODY_QR;
	e.qr = &q;
	publish(f, &e);
}

static void
publish_heartbeat(struct fake *f)
{
	Wlipc__Event e = WLIPC__EVENT__INIT;
	Wlipc__Heartbeat h = WLIPC__HEARTBEAT__INIT;

	f->rtt = 20 + (uint32_t)(rand() % 60);
	f->last_hb_ms = now_ms();
	h.phone_number = f->number[0] ? f->number : NULL;
	h.state = f->state;
	h.rtt_ms = f->rtt;
	h.timestamp_ms = f->last_hb_ms;
	e.body_case = WLIPC__EVENT__BODY_HEARTBEAT;
	e.heartbeat = &h;
	publish(f, &e);
}

static void
publish_whitelist(struct fake *f, const char *added, const char *removed,
    bool replaced)
{
	Wlipc__Event e = WLIPC__EVENT__INIT;
	Wlipc__WhitelistChanged c = WLIPC__WHITELIST_CHANGED__INIT;
	char *a[1] = { (char *)added }, *r[1] = { (char *)removed };

	c.count = (uint32_t)f->nwl;
	c.n_added = added ? 1 : 0;
	c.added = a;
	c.n_removed = removed ? 1 : 0;
	c.removed = r;
	c.has_replaced = true;
	c.replaced = replaced;
	e.body_case = WLIPC__EVENT__BODY_WHITELIST;
	e.whitelist = &c;
	publish(f, &e);
}

static void
set_state(struct fake *f, int state, int reason)
{
	if (reason > 0 && (state == 6 || state == 7 || state == 8 ||
	    state == 9 || state == 10))
		f->disconnects[reason]++;
	if (reason >= 0)
		f->reason = reason;
	f->state = state;
	f->since_ms = now_ms();
	publish_state(f);
	if (state == 2 && !f->paused) {
		f->qr_round++;
		f->qr_ref = 0;
		publish_qr(f);
		f->next_qr = now_ms() + f->qr_ms;
	}
}

static ssize_t
wl_find(const struct fake *f, const char *d)
{
	size_t i;

	for (i = 0; i < f->nwl; i++)
		if (strcmp(f->wl[i], d) == 0)
			return (ssize_t)i;
	return -1;
}

static Wlipc__Error *
make_error(Wlipc__Error *e, Wlipc__ErrorCode code, const char *msg)
{
	wlipc__error__init(e);
	e->code = code;
	e->message = (char *)msg;
	return e;
}

/* Everything one reply may point at; released after packing. */
struct answer {
	Wlipc__Reply	 rep;
	Wlipc__Error	 err;
	Wlipc__Empty	 empty;
	Wlipc__State	 state;
	Wlipc__ReasonCount rc[CTL_VIEW_REASONS], *rcp[CTL_VIEW_REASONS];
	Wlipc__Qr	 qr;
	Wlipc__Whitelist wl;
	char		**ptrs;
	char		 code[256];
	char		 msg[160];
};

static void
do_add(struct fake *f, const char *in, struct answer *a)
{
	char d[CTL_NUMBER_MAX + 1];
	const char *why;

	if (in == NULL || ctl_number_normalise(in, d, &why) < 0) {
		snprintf(a->msg, sizeof(a->msg), "invalid number: %s",
		    in ? why : "missing");
		a->rep.error = make_error(&a->err,
		    WLIPC__ERROR_CODE__ERR_INVALID_NUMBER, a->msg);
	} else if (wl_find(f, d) >= 0)
		a->rep.error = make_error(&a->err,
		    WLIPC__ERROR_CODE__ERR_DUPLICATE,
		    "number is already on the whitelist");
	else if (f->nwl == CTL_BULK_MAX)
		a->rep.error = make_error(&a->err,
		    WLIPC__ERROR_CODE__ERR_INTERNAL, "whitelist is full");
	else {
		memcpy(f->wl[f->nwl++], d, sizeof(d));
		publish_whitelist(f, d, NULL, false);
	}
}

static void
do_remove(struct fake *f, const char *in, struct answer *a)
{
	char d[CTL_NUMBER_MAX + 1];
	const char *why;
	ssize_t i;

	if (in == NULL || ctl_number_normalise(in, d, &why) < 0)
		a->rep.error = make_error(&a->err,
		    WLIPC__ERROR_CODE__ERR_INVALID_NUMBER, "invalid number");
	else if ((i = wl_find(f, d)) < 0)
		a->rep.error = make_error(&a->err,
		    WLIPC__ERROR_CODE__ERR_NOT_FOUND,
		    "number is not on the whitelist");
	else {
		memmove(f->wl[i], f->wl[i + 1],
		    (f->nwl - (size_t)i - 1) * sizeof(f->wl[0]));
		f->nwl--;
		publish_whitelist(f, NULL, d, false);
	}
}

/* All-or-nothing: every invalid entry is listed, nothing changes. */
static void
do_replace(struct fake *f, const Wlipc__NumberList *l, struct answer *a)
{
	char (*next)[CTL_NUMBER_MAX + 1], d[CTL_NUMBER_MAX + 1];
	const char *why;
	size_t i, n = 0, bad = 0;

	if (l == NULL || l->n_numbers > CTL_BULK_MAX) {
		a->rep.error = make_error(&a->err,
		    WLIPC__ERROR_CODE__ERR_BAD_REQUEST, "too many numbers");
		return;
	}
	next = calloc(CTL_BULK_MAX, sizeof(*next));
	a->ptrs = calloc(l->n_numbers + 1, sizeof(char *));
	for (i = 0; i < l->n_numbers; i++) {
		if (ctl_number_normalise(l->numbers[i], d, &why) < 0)
			a->ptrs[bad++] = l->numbers[i];
		else
			memcpy(next[n++], d, sizeof(d));
	}
	(void)ctl_numbers_dedupe(next, &n);	/* ENOMEM: keep duplicates */
	if (bad > 0) {
		a->rep.error = make_error(&a->err,
		    WLIPC__ERROR_CODE__ERR_INVALID_NUMBER,
		    "some numbers are invalid; nothing was changed");
		a->err.n_invalid = bad;
		a->err.invalid = a->ptrs;
		free(next);
		return;
	}
	free(f->wl);
	f->wl = next;
	f->nwl = n;
	publish_whitelist(f, NULL, NULL, true);
}

static void
answer_request(struct fake *f, const Wlipc__Request *q, struct answer *a)
{
	size_t i;

	switch (q->body_case) {
	case WLIPC__REQUEST__BODY_PING:
		a->rep.body_case = WLIPC__REPLY__BODY_PONG;
		a->rep.pong = &a->empty;
		return;
	case WLIPC__REQUEST__BODY_GET_STATE:
		fill_state(f, &a->state, a->rc, a->rcp);
		a->rep.body_case = WLIPC__REPLY__BODY_STATE;
		a->rep.state = &a->state;
		return;
	case WLIPC__REQUEST__BODY_GET_QR:
		if (f->state != 2 || f->paused) {
			a->rep.error = make_error(&a->err,
			    WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
			    "no QR outside the qr state");
			return;
		}
		qr_code(f, a->code, sizeof(a->code));
		a->qr.code = a->code;
		a->qr.has_round = a->qr.has_ref_index = true;
		a->qr.round = f->qr_round;
		a->qr.ref_index = f->qr_ref;
		a->rep.body_case = WLIPC__REPLY__BODY_QR;
		a->rep.qr = &a->qr;
		return;
	case WLIPC__REQUEST__BODY_NEW_QR:
		if (f->state != 2) {
			a->rep.error = make_error(&a->err,
			    WLIPC__ERROR_CODE__ERR_UNAVAILABLE,
			    "not pairing: no QR to renew");
			return;
		}
		f->paused = false;
		set_state(f, 2, -1);
		break;
	case WLIPC__REQUEST__BODY_LOGOUT:
		f->number[0] = '\0';
		f->paused = false;
		set_state(f, 2, 4);
		break;
	case WLIPC__REQUEST__BODY_RESTART:
		f->back_to = f->state;
		f->restart_at = now_ms() + 500;
		set_state(f, 7, -1);
		break;
	case WLIPC__REQUEST__BODY_WHITELIST_LIST:
		a->ptrs = calloc(f->nwl + 1, sizeof(char *));
		for (i = 0; i < f->nwl; i++)
			a->ptrs[i] = f->wl[i];
		a->wl.n_numbers = f->nwl;
		a->wl.numbers = a->ptrs;
		a->wl.count = (uint32_t)f->nwl;
		a->rep.body_case = WLIPC__REPLY__BODY_WHITELIST;
		a->rep.whitelist = &a->wl;
		return;
	case WLIPC__REQUEST__BODY_WHITELIST_ADD:
		do_add(f, q->whitelist_add, a);
		break;
	case WLIPC__REQUEST__BODY_WHITELIST_REMOVE:
		do_remove(f, q->whitelist_remove, a);
		break;
	case WLIPC__REQUEST__BODY_WHITELIST_REPLACE:
		do_replace(f, q->whitelist_replace, a);
		break;
	default:
		a->rep.error = make_error(&a->err,
		    WLIPC__ERROR_CODE__ERR_BAD_REQUEST, "unknown request");
		return;
	}
	if (a->rep.error == NULL) {
		a->rep.body_case = WLIPC__REPLY__BODY_DONE;
		a->rep.done = &a->empty;
	}
}

static void
serve_one(struct fake *f)
{
	struct answer a;
	Wlipc__Request *q;
	void *buf = NULL;
	uint8_t *out;
	size_t len;
	int n;

	if ((n = nn_recv(f->rep, &buf, NN_MSG, NN_DONTWAIT)) < 0)
		return;
	memset(&a, 0, sizeof(a));
	wlipc__reply__init(&a.rep);
	wlipc__empty__init(&a.empty);
	wlipc__state__init(&a.state);
	wlipc__qr__init(&a.qr);
	wlipc__whitelist__init(&a.wl);
	a.rep.version = CTL_IPC_VERSION;
	q = wlipc__request__unpack(NULL, (size_t)n, buf);
	nn_freemsg(buf);
	if (q == NULL)
		a.rep.error = make_error(&a.err,
		    WLIPC__ERROR_CODE__ERR_BAD_REQUEST, "undecodable request");
	else if (q->version != CTL_IPC_VERSION) {
		a.rep.id = q->id;
		a.rep.error = make_error(&a.err,
		    WLIPC__ERROR_CODE__ERR_BAD_VERSION, "unknown IPC version");
	} else {
		a.rep.id = q->id;
		answer_request(f, q, &a);
	}
	len = wlipc__reply__get_packed_size(&a.rep);
	if ((out = malloc(len ? len : 1)) != NULL) {
		wlipc__reply__pack(&a.rep, out);
		(void)nn_send(f->rep, out, len, 0);
		free(out);
	}
	free(a.ptrs);
	if (q != NULL)
		wlipc__request__free_unpacked(q, NULL);
}

/* One stdin line; returns false on "quit" or EOF. */
static bool
command(struct fake *f, char *line)
{
	char *cmd = strtok(line, " \t\r\n"), *a1 = strtok(NULL, " \t\r\n");
	char *a2 = strtok(NULL, " \t\r\n");
	int s, r = -1;

	if (cmd == NULL)
		return true;
	if (strcmp(cmd, "quit") == 0)
		return false;
	if (strcmp(cmd, "state") == 0 && a1 != NULL &&
	    (s = state_by_name(a1)) >= 0 &&
	    (a2 == NULL || (r = reason_by_name(a2)) >= 0)) {
		if (s == 4 && f->number[0] == '\0')
			snprintf(f->number, sizeof(f->number), "15550001111");
		if (s == 4)
			f->next_hb = 0;		/* heartbeat at once */
		set_state(f, s, r);
	} else if (strcmp(cmd, "number") == 0 && a1 != NULL) {
		snprintf(f->number, sizeof(f->number), "%s",
		    strcmp(a1, "-") == 0 ? "" : a1);
		publish_state(f);
	} else if (strcmp(cmd, "paused") == 0 && a1 != NULL) {
		f->paused = strcmp(a1, "1") == 0;
		if (f->paused && f->state == 2) {
			Wlipc__Event e = WLIPC__EVENT__INIT;
			Wlipc__Empty em = WLIPC__EMPTY__INIT;

			e.body_case = WLIPC__EVENT__BODY_QR_EXPIRED;
			e.qr_expired = &em;
			publish(f, &e);
		}
		publish_state(f);
	} else {
		printf("error unknown command %s\n", cmd);
		fflush(stdout);
		return true;
	}
	printf("ok %s\n", cmd);
	fflush(stdout);
	return true;
}

static void
tick(struct fake *f)
{
	uint64_t now = now_ms();

	if (f->restart_at != 0 && now >= f->restart_at) {
		f->restart_at = 0;
		set_state(f, f->back_to == 7 ? 4 : f->back_to, -1);
	}
	if ((f->state == 4 || f->state == 5) && now >= f->next_hb) {
		publish_heartbeat(f);
		f->next_hb = now + f->hb_ms;
	}
	if (f->state == 2 && !f->paused && now >= f->next_qr) {
		publish_qr(f);
		f->next_qr = now + f->qr_ms;
	}
}

static int
bind_sockets(struct fake *f, const char *rpc, const char *events)
{
	if ((f->rep = nn_socket(AF_SP, NN_REP)) < 0 ||
	    (f->pub = nn_socket(AF_SP, NN_PUB)) < 0)
		return -1;
	if (nn_bind(f->rep, rpc) < 0 || nn_bind(f->pub, events) < 0)
		return -1;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: fake-worker [--data DIR | --rpc URL --events "
	    "URL] [--state NAME] [--number DIGITS] [--whitelist a,b,...]\n"
	    "    [--heartbeat-ms N] [--qr-ms N] [--paused]\n"
	    "stdin: state NAME [REASON] | number DIGITS|- | paused 0|1 | quit\n");
}

int
main(int argc, char **argv)
{
	struct fake f;
	char rpc[1100] = "", events[1100] = "", line[256], *tok;
	const char *wl = NULL;
	struct pollfd pfd[2];
	size_t fdlen = sizeof(int);
	int i, rfd, state = 2;
	bool run = true;

	memset(&f, 0, sizeof(f));
	setvbuf(stdin, NULL, _IONBF, 0);	/* poll() must see every line */
	f.hb_ms = 1000;
	f.qr_ms = 3000;
	f.wl = calloc(CTL_BULK_MAX, sizeof(*f.wl));
	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--paused") == 0) {
			f.paused = true;
			continue;
		}
		if (v == NULL) {
			usage();
			return 2;
		}
		i++;
		if (strcmp(argv[i - 1], "--data") == 0) {
			snprintf(rpc, sizeof(rpc), "%s/run", v);
			mkdir(v, 0750);
			mkdir(rpc, 0750);
			snprintf(rpc, sizeof(rpc), "ipc://%s/run/worker.rpc", v);
			snprintf(events, sizeof(events),
			    "ipc://%s/run/worker.events", v);
		} else if (strcmp(argv[i - 1], "--rpc") == 0)
			snprintf(rpc, sizeof(rpc), "%s", v);
		else if (strcmp(argv[i - 1], "--events") == 0)
			snprintf(events, sizeof(events), "%s", v);
		else if (strcmp(argv[i - 1], "--state") == 0)
			state = state_by_name(v);
		else if (strcmp(argv[i - 1], "--number") == 0)
			snprintf(f.number, sizeof(f.number), "%s", v);
		else if (strcmp(argv[i - 1], "--whitelist") == 0)
			wl = v;
		else if (strcmp(argv[i - 1], "--heartbeat-ms") == 0)
			f.hb_ms = (unsigned)atoi(v);
		else if (strcmp(argv[i - 1], "--qr-ms") == 0)
			f.qr_ms = (unsigned)atoi(v);
		else {
			usage();
			return 2;
		}
	}
	if (rpc[0] == '\0' || events[0] == '\0' || state < 0 || f.hb_ms == 0 ||
	    f.qr_ms == 0) {
		usage();
		return 2;
	}
	if (bind_sockets(&f, rpc, events) < 0) {
		fprintf(stderr, "fake-worker: bind: %s\n", nn_strerror(nn_errno()));
		return 1;
	}
	if (wl != NULL) {
		char *copy = strdup(wl), *save = NULL;

		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			struct answer a;

			memset(&a, 0, sizeof(a));
			do_add(&f, tok, &a);
		}
		free(copy);
	}
	nn_getsockopt(f.rep, NN_SOL_SOCKET, NN_RCVFD, &rfd, &fdlen);
	f.state = state;
	if ((state == 4 || state == 5) && f.number[0] == '\0')
		snprintf(f.number, sizeof(f.number), "15550001111");
	f.since_ms = now_ms();
	if (state == 2) {
		f.qr_round = 1;
		f.next_qr = 0;
	}
	printf("fake-worker: ready\n");
	fflush(stdout);
	while (run) {
		pfd[0].fd = rfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = STDIN_FILENO;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 50) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			serve_one(&f);
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			if (fgets(line, sizeof(line), stdin) == NULL)
				run = false;
			else
				run = command(&f, line);
		}
		tick(&f);
	}
	nn_close(f.rep);
	nn_close(f.pub);
	free(f.wl);
	return 0;
}
