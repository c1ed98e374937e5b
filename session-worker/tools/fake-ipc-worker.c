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
 * restart moves to restarting (and back after --restart-takes).
 *
 * wa-control's API and dashboard tests also script it while it runs:
 * with --stdin it reads one command a line and answers "ok CMD" (or
 * "error ...") on stdout:
 *   state NAME [REASON]   "state connected", "state disconnected TIMEOUT"
 *   number DIGITS|-       the paired account ("-" clears it)
 *   paused 0|1            QR rounds exhausted (new-qr resumes)
 *   quit
 * --heartbeat-every sends live heartbeats while connected, --qr-every
 * rotates the QR in the qr state, --whitelist/--whitelist-file seed the
 * whitelist the real worker_ipc serves.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cfg.h"
#include "clock.h"
#include "ipc.h"
#include "ipc/worker_ipc.h"
#include "log.h"
#include "phone.h"
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
	bool		 stdin_commands;
	uint64_t	 heartbeat_every_ms;	/* 0: only the scripted one */
	uint64_t	 qr_every_ms;		/* 0: the QR never rotates */
	uint64_t	 restart_takes_ms;	/* 0: stays restarting */
	const char	*whitelist;		/* "a,b,..." seed */
	const char	*whitelist_file;	/* loaded, and saved on change */
	const char	*client_id;		/* tag on events, as wa-worker's */
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
	{ "stdin", NULL, CFG_BOOL, OFF(stdin_commands), "no", 0, 0,
	  "Read commands from stdin: state NAME [REASON], number D|-, paused 0|1, quit." },
	{ "heartbeat-every", NULL, CFG_MS, OFF(heartbeat_every_ms), NULL, 0, 0,
	  "While connected, a fresh heartbeat this often (unset: none)." },
	{ "qr-every", NULL, CFG_MS, OFF(qr_every_ms), NULL, 0, 0,
	  "In the qr state, a new QR ref this often (unset: never)." },
	{ "restart-takes", NULL, CFG_MS, OFF(restart_takes_ms), NULL, 0, 0,
	  "After a restart request, back to the previous state this much later." },
	{ "whitelist", NULL, CFG_STR, OFF(whitelist), NULL, 0, 0,
	  "Numbers to start with, comma-separated." },
	{ "whitelist-file", NULL, CFG_STR, OFF(whitelist_file), NULL, 0, 0,
	  "Whitelist file (media-auth-config.json) to load and save." },
	{ "client-id", NULL, CFG_STR, OFF(client_id), NULL, 0, 0,
	  "Session name carried by every event and state (as wa-worker --client-id)." },
};
#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

struct fake {
	struct link_view	 v;
	struct worker_ipc	*ipc;
	const struct settings	*s;
	char			 qr_base[LINK_QR_MAX - 16];	/* room for ",REF" */
	enum link_state		 back_to;	/* after a restart */
	uint64_t		 restart_at, next_hb, next_qr;	/* monotonic ms */
	char			 line[256];	/* stdin, up to the next '\n' */
	size_t			 nline;
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
	f->back_to = f->v.state;
	if (f->s->restart_takes_ms != 0)
		f->restart_at = clock_mono_ms() + f->s->restart_takes_ms;
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
	fake_get_view, fake_restart, fake_logout, fake_new_qr, NULL,
};

static int
state_by_name(const char *name)
{
	int i;

	for (i = 0; i < LS__MAX && strcmp(link_state_name(i), name); i++)
		;
	return i < LS__MAX ? i : -1;
}

static int
reason_by_name(const char *name)
{
	int i;

	for (i = 0; i < REASON__MAX && strcasecmp(link_reason_name(i), name); i++)
		;
	return i < REASON__MAX ? i : -1;
}

/* A fresh heartbeat, as a pong would bring: now, a plausible RTT. */
static void
fake_heartbeat(struct fake *f)
{
	f->v.last_heartbeat_ms = clock_wall_ms();
	f->v.rtt_ms = 20 + randombytes_uniform(60);
	worker_ipc_on_heartbeat(f->ipc, &f->v);
}

/* The next QR ref of the round, as the link shows one. */
static void
fake_rotate_qr(struct fake *f)
{
	f->v.qr_ref_index++;
	snprintf(f->v.qr, sizeof(f->v.qr), "%s,%u",
	    f->qr_base[0] != '\0' ? f->qr_base : "2@fake-qr", f->v.qr_ref_index);
	f->v.qr_expires_ms = clock_wall_ms() + f->s->qr_every_ms;
	worker_ipc_on_qr(f->ipc, &f->v);
}

/*
 * "state NAME [REASON]": what the link would show. A reason counts as a
 * disconnect; disconnected plans a reconnect as TIMEOUT's strategy does.
 */
static void
fake_script_state(struct fake *f, enum link_state st, int reason)
{
	struct link_view *v = &f->v;

	if (reason > REASON_NONE) {
		v->last_reason = reason;
		v->disconnects[reason]++;
	}
	v->strategy[0] = '\0';
	v->next_attempt_ms = 0;
	if (st == LS_DISCONNECTED) {
		snprintf(v->strategy, sizeof(v->strategy),
		    "wait 30s then reconnect");
		v->next_attempt_ms = clock_wall_ms() + 30000;
	}
	if ((st == LS_CONNECTED || st == LS_UNSTABLE) && v->phone[0] == '\0')
		snprintf(v->phone, sizeof(v->phone), "15550001111");
	v->has_qr = st == LS_QR && !v->qr_paused;
	fake_enter(f, st);
	if (st == LS_CONNECTED)
		f->next_hb = 0;		/* a heartbeat at once */
	if (v->has_qr) {
		v->qr_round++;
		v->qr_ref_index = 0;
		fake_rotate_qr(f);
		f->next_qr = clock_mono_ms() + f->s->qr_every_ms;
	}
}

static void
fake_script_paused(struct fake *f, bool paused)
{
	f->v.qr_paused = paused;
	f->v.has_qr = f->v.state == LS_QR && !paused;
	if (paused && f->v.state == LS_QR)
		worker_ipc_on_qr_expired(f->ipc, &f->v);
	worker_ipc_on_state(f->ipc, &f->v);
}

/* One stdin command; false on "quit". */
static bool
fake_command(struct fake *f, char *line)
{
	char *save = NULL, *cmd = strtok_r(line, " \t\r", &save);
	char *a1 = strtok_r(NULL, " \t\r", &save);
	char *a2 = strtok_r(NULL, " \t\r", &save);
	int st, reason = -1;

	if (cmd == NULL)
		return true;
	if (strcmp(cmd, "quit") == 0)
		return false;
	if (strcmp(cmd, "state") == 0 && a1 != NULL &&
	    (st = state_by_name(a1)) >= 0 &&
	    (a2 == NULL || (reason = reason_by_name(a2)) >= 0))
		fake_script_state(f, st, reason);
	else if (strcmp(cmd, "number") == 0 && a1 != NULL &&
	    (strcmp(a1, "-") == 0 || phone_is_valid(a1))) {
		snprintf(f->v.phone, sizeof(f->v.phone), "%s",
		    strcmp(a1, "-") == 0 ? "" : a1);
		worker_ipc_on_state(f->ipc, &f->v);
	} else if (strcmp(cmd, "paused") == 0 && a1 != NULL)
		fake_script_paused(f, strcmp(a1, "1") == 0);
	else {
		printf("error unknown or malformed command %s\n", cmd);
		fflush(stdout);
		return true;
	}
	printf("ok %s\n", cmd);
	fflush(stdout);
	return true;
}

/* Reads what stdin has; runs each whole line. false on EOF or quit. */
static bool
fake_read_stdin(struct fake *f)
{
	ssize_t n;
	char *nl;

	n = read(STDIN_FILENO, f->line + f->nline, sizeof(f->line) - 1 -
	    f->nline);
	if (n <= 0)
		return n < 0 && errno == EINTR;
	f->nline += (size_t)n;
	f->line[f->nline] = '\0';
	while ((nl = strchr(f->line, '\n')) != NULL) {
		*nl = '\0';
		if (!fake_command(f, f->line))
			return false;
		f->nline -= (size_t)(nl + 1 - f->line);
		memmove(f->line, nl + 1, f->nline + 1);
	}
	if (f->nline == sizeof(f->line) - 1)	/* no newline in 255 bytes */
		f->nline = 0;
	return true;
}

/* Timed parts of the script: restart done, heartbeats, QR rotation. */
static void
fake_tick(struct fake *f, uint64_t now)
{
	const struct settings *s = f->s;

	if (f->restart_at != 0 && now >= f->restart_at) {
		f->restart_at = 0;
		fake_script_state(f, f->back_to == LS_RESTARTING ?
		    LS_CONNECTED : f->back_to, -1);
	}
	if (s->heartbeat_every_ms != 0 && now >= f->next_hb &&
	    (f->v.state == LS_CONNECTED || f->v.state == LS_UNSTABLE)) {
		fake_heartbeat(f);
		f->next_hb = now + s->heartbeat_every_ms;
	}
	if (s->qr_every_ms != 0 && now >= f->next_qr && f->v.has_qr) {
		fake_rotate_qr(f);
		f->next_qr = now + s->qr_every_ms;
	}
}


static int
script_view(const struct settings *s, struct link_view *v)
{
	uint64_t now = clock_wall_ms();
	int i;

	memset(v, 0, sizeof(*v));
	if ((i = state_by_name(s->state)) < 0)
		return -EINVAL;
	v->state = i;
	if ((i = reason_by_name(s->reason)) < 0)
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
	struct pollfd p[2] = { { .events = POLLIN }, { .events = POLLIN } };
	int fds[WORKER_IPC_FDS_MAX];
	nfds_t np = s->stdin_commands ? 2 : 1;

	if (worker_ipc_fds(f->ipc, fds) != 1)
		fatalx("fake-ipc-worker: no fd to poll");
	p[0].fd = fds[0];
	p[1].fd = STDIN_FILENO;
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
		fake_tick(f, now);
		if (poll(p, np, 50) <= 0)
			continue;
		if ((p[0].revents & POLLIN) && worker_ipc_service(f->ipc) < 0)
			fatalx("fake-ipc-worker: REP socket failed");
		if ((p[1].revents & (POLLIN | POLLHUP)) && !fake_read_stdin(f))
			break;
	}
}

/* --whitelist-file is loaded first, then the --whitelist numbers added. */
static struct whitelist *
fake_whitelist(const struct settings *s)
{
	char why[WHITELIST_WHY_MAX], *copy, *tok, *save = NULL;
	struct whitelist *wl;
	int rc;

	if ((wl = whitelist_new(s->whitelist_file)) == NULL)
		fatal(-ENOMEM, "fake-ipc-worker: whitelist");
	if (s->whitelist_file != NULL && (rc = whitelist_load(wl, why)) < 0)
		fatal(rc, "fake-ipc-worker: %s: %s", s->whitelist_file, why);
	if (s->whitelist == NULL)
		return wl;
	if ((copy = strdup(s->whitelist)) == NULL)
		fatal(-ENOMEM, "fake-ipc-worker: whitelist");
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if ((rc = whitelist_add(wl, tok, NULL, NULL)) < 0 &&
		    rc != -EEXIST)
			fatal(rc, "fake-ipc-worker: --whitelist %s", tok);
	free(copy);
	return wl;
}

int
main(int argc, char *argv[])
{
	char err[CFG_ERR_MAX], rpc[IPC_URL_MAX], ev[IPC_URL_MAX];
	struct settings s = { 0 };
	struct whitelist *wl;
	struct sigaction sa;
	struct fake f = { 0 };
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
	if (sodium_init() < 0)
		fatalx("fake-ipc-worker: libsodium cannot start");
	f.s = &s;
	snprintf(f.qr_base, sizeof(f.qr_base), "%s", s.qr_code);
	wl = fake_whitelist(&s);
	if ((rc = worker_ipc_open(s.rpc != NULL ? s.rpc : rpc,
	    s.events != NULL ? s.events : ev, &fake_ops, &f, wl, &f.ipc)) < 0)
		fatal(rc, "fake-ipc-worker: binding the IPC sockets");
	if (s.client_id != NULL)
		worker_ipc_set_session(f.ipc, s.client_id);
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
