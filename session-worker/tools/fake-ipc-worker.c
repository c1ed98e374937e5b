/*
 * fake-ipc-worker: the worker's real IPC side (worker_ipc) in front of a
 * link scripted by flags, for testing wa-probe and wa-control without
 * WhatsApp. It prints "ready" once both sockets are bound, answers every
 * request as wa-worker would, publishes state and heartbeat events every
 * --events-every, and exits on SIGINT, SIGTERM or after --exit-after.
 *
 *   fake-ipc-worker --data /tmp/d --state qr --qr-code 2@abc --paused
 *
 * The scripted link reacts like the real one would, roughly: new-qr
 * resumes a paused qr state, logout forgets the number and shows a QR,
 * restart moves to restarting.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "clock.h"
#include "ipc.h"
#include "ipc/worker_ipc.h"
#include "log.h"
#include "whitelist/whitelist.h"
#include "wl_error.h"

struct settings {
	const char	*data;
	const char	*rpc;
	const char	*events;
	const char	*state;
	const char	*number;
	const char	*qr_code;
	bool		 paused;
	const char	*reason;
	const char	*strategy;
	uint64_t	 rtt_ms;
	uint64_t	 heartbeat_age_ms;	/* 0: no heartbeat yet */
	uint64_t	 next_attempt_ms;	/* from now; 0: none */
	uint64_t	 events_every_ms;	/* 0: publish only on change */
	uint64_t	 exit_after_ms;		/* 0: run until a signal */
};

#define OFF(f)	offsetof(struct settings, f)
static const struct cfg_opt opts[] = {
	{ "data", NULL, CFG_STR, OFF(data), NULL, 0, 0,
	  "Data directory: sockets in DATA/run/ as wa-worker binds them." },
	{ "rpc", NULL, CFG_STR, OFF(rpc), NULL, 0, 0, "REP URL (instead of --data)." },
	{ "events", NULL, CFG_STR, OFF(events), NULL, 0, 0, "PUB URL (instead of --data)." },
	{ "state", NULL, CFG_STR, OFF(state), "connected", 0, 0,
	  "Link state: starting, connecting, qr, pairing, connected, ..." },
	{ "number", NULL, CFG_STR, OFF(number), "", 0, 0, "Connected number (digits)." },
	{ "qr-code", NULL, CFG_STR, OFF(qr_code), "", 0, 0, "QR string shown in state qr." },
	{ "paused", NULL, CFG_BOOL, OFF(paused), "no", 0, 0, "QR rounds paused." },
	{ "reason", NULL, CFG_STR, OFF(reason), "NONE", 0, 0, "Last disconnect reason." },
	{ "strategy", NULL, CFG_STR, OFF(strategy), "", 0, 0, "Strategy text." },
	{ "rtt", NULL, CFG_UINT, OFF(rtt_ms), "0", 0, 600000, "Heartbeat round trip, ms." },
	{ "heartbeat-age", NULL, CFG_MS, OFF(heartbeat_age_ms), NULL, 0, 0,
	  "How long ago the last heartbeat was (unset: none yet)." },
	{ "next-attempt", NULL, CFG_MS, OFF(next_attempt_ms), NULL, 0, 0,
	  "Next reconnect attempt, from now (unset: none planned)." },
	{ "events-every", NULL, CFG_MS, OFF(events_every_ms), "200ms", 0, 0,
	  "Publish state and heartbeat this often (0: never)." },
	{ "exit-after", NULL, CFG_MS, OFF(exit_after_ms), NULL, 0, 0,
	  "Exit after this long (unset: run until SIGINT/SIGTERM)." },
};
#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

struct fake {
	struct link_view	 v;
	struct worker_ipc	*ipc;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
fake_get_view(void *ctx, struct link_view *v)
{
	*v = ((struct fake *)ctx)->v;
}

static void
fake_enter(struct fake *f, enum link_state s)
{
	f->v.state = s;
	f->v.since_ms = clock_wall_ms();
	worker_ipc_on_state(f->ipc, &f->v);
}

static int
fake_restart(void *ctx)
{
	struct fake *f = ctx;

	if (f->v.state == LS_RESTARTING)
		return -EALREADY;
	fake_enter(f, LS_RESTARTING);
	return 0;
}

static int
fake_logout(void *ctx)
{
	struct fake *f = ctx;

	if (f->v.phone[0] == '\0')
		return -EALREADY;
	f->v.phone[0] = '\0';
	f->v.last_reason = REASON_LOGOUT;
	f->v.has_qr = true;
	f->v.qr_paused = false;
	snprintf(f->v.qr, sizeof(f->v.qr), "2@fake-after-logout");
	fake_enter(f, LS_QR);
	worker_ipc_on_qr(f->ipc, &f->v);
	return 0;
}

static int
fake_new_qr(void *ctx)
{
	struct fake *f = ctx;

	if (f->v.state != LS_QR || !f->v.qr_paused)
		return -EALREADY;
	f->v.qr_paused = false;
	f->v.has_qr = f->v.qr[0] != '\0';
	f->v.qr_round = 1;
	fake_enter(f, LS_QR);
	worker_ipc_on_qr(f->ipc, &f->v);
	return 0;
}

static const struct worker_ipc_ops fake_ops = {
	fake_get_view, fake_restart, fake_logout, fake_new_qr,
};

static int
script_view(const struct settings *s, struct link_view *v)
{
	uint64_t now = clock_wall_ms();
	int i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < LS__MAX && strcmp(link_state_name(i), s->state); i++)
		;
	if (i == LS__MAX)
		return -EINVAL;
	v->state = i;
	for (i = 0; i < REASON__MAX && strcmp(link_reason_name(i), s->reason); i++)
		;
	if (i == REASON__MAX)
		return -EINVAL;
	v->last_reason = i;
	if (v->last_reason != REASON_NONE)
		v->disconnects[v->last_reason] = 1;
	snprintf(v->phone, sizeof(v->phone), "%s", s->number);
	snprintf(v->strategy, sizeof(v->strategy), "%s", s->strategy);
	snprintf(v->qr, sizeof(v->qr), "%s", s->qr_code);
	v->qr_paused = s->paused;
	v->has_qr = v->state == LS_QR && !s->paused && v->qr[0] != '\0';
	v->qr_expires_ms = now + 60000;
	v->qr_round = v->qr_ref_index = 1;
	v->started_ms = v->since_ms = now;
	if (s->heartbeat_age_ms != 0)
		v->last_heartbeat_ms = now - s->heartbeat_age_ms;
	v->rtt_ms = (uint32_t)s->rtt_ms;
	if (s->next_attempt_ms != 0)
		v->next_attempt_ms = now + s->next_attempt_ms;
	return 0;
}

static void
run(struct fake *f, const struct settings *s)
{
	uint64_t start = clock_mono_ms(), next_pub = start;
	struct pollfd p = { .events = POLLIN };
	int fds[WORKER_IPC_FDS_MAX];

	if (worker_ipc_fds(f->ipc, fds) != 1)
		fatalx("fake-ipc-worker: no fd to poll");
	p.fd = fds[0];
	while (!stop) {
		uint64_t now = clock_mono_ms();

		if (s->exit_after_ms != 0 && now - start >= s->exit_after_ms)
			break;
		if (s->events_every_ms != 0 && now >= next_pub) {
			worker_ipc_on_state(f->ipc, &f->v);
			if (f->v.last_heartbeat_ms != 0)
				worker_ipc_on_heartbeat(f->ipc, &f->v);
			next_pub = now + s->events_every_ms;
		}
		if (poll(&p, 1, 50) == 1 && worker_ipc_service(f->ipc) < 0)
			fatalx("fake-ipc-worker: REP socket failed");
	}
}

int
main(int argc, char *argv[])
{
	char err[CFG_ERR_MAX], rpc[IPC_URL_MAX], ev[IPC_URL_MAX];
	struct settings s = { 0 };
	struct whitelist *wl;
	struct sigaction sa;
	struct fake f;
	int rc;

	log_init("fake-ipc-worker", WL_LOG_WARN, LOG_FORMAT_TEXT);
	if ((rc = cfg_parse(opts, NOPTS, &s, argc, argv, NULL, err)) == 1) {
		cfg_usage(stdout, "fake-ipc-worker [options]", opts, NOPTS);
		return 0;
	}
	if (rc < 0 || script_view(&s, &f.v) < 0) {
		fprintf(stderr, "fake-ipc-worker: %s\n", rc < 0 ? err :
		    "unknown --state or --reason");
		return 64;
	}
	if (s.data != NULL && (rc = ipc_default_urls(s.data, rpc, ev)) < 0)
		fatal(rc, "fake-ipc-worker: %s", s.data);
	if ((s.rpc == NULL || s.events == NULL) && s.data == NULL)
		fatalx("fake-ipc-worker: give --data or both --rpc and --events");
	if ((wl = whitelist_new(NULL)) == NULL)
		fatal(-ENOMEM, "fake-ipc-worker: whitelist");
	if ((rc = worker_ipc_open(s.rpc != NULL ? s.rpc : rpc,
	    s.events != NULL ? s.events : ev, &fake_ops, &f, wl, &f.ipc)) < 0)
		fatal(rc, "fake-ipc-worker: binding the IPC sockets");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	run(&f, &s);
	worker_ipc_close(f.ipc);
	whitelist_free(wl);
	return 0;
}
