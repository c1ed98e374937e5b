/*
 * wa-probe: asks a running wa-worker over IPC how the WhatsApp link is
 * (DESIGN.md "Processes"). For people, scripts and container healthchecks:
 * the exit code says connected (0), not connected (1), needs a person (2)
 * or worker unreachable (3); see probe.h. Read-only apart from `new-qr`
 * (STYLE.md rule 10). The QR content goes to stdout only when asked.
 *
 * One table drives both dispatch and the usage text (after wireguard-tools'
 * wg.c); one settings table drives flags, environment and --help (cfg.h).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>

#include "cfg.h"
#include "probe.h"
#include "qr_text.h"
#include "wl_error.h"

struct probe {
	const char	*data;
	const char	*ipc;
	const char	*events;
	uint64_t	 timeout_ms;
	bool		 json;
	bool		 render;
	char		 rpc_url[IPC_URL_MAX];
	char		 events_url[IPC_URL_MAX];
	const char	*pair_phone;	/* operand of pair-code */
};

static const struct cfg_opt probe_opts[] = {
	{ "data", "WA_DATA", CFG_STR, offsetof(struct probe, data), "./data",
	  0, 0, "The worker's data directory; its run/ holds the sockets." },
	{ "ipc", "WA_IPC", CFG_STR, offsetof(struct probe, ipc), NULL, 0, 0,
	  "Request URL (default: ipc://DATA/run/worker.rpc)." },
	{ "events", "WA_EVENTS", CFG_STR, offsetof(struct probe, events), NULL,
	  0, 0, "Event URL for watch (default: ipc://DATA/run/worker.events)." },
	{ "timeout", "WA_PROBE_TIMEOUT", CFG_MS,
	  offsetof(struct probe, timeout_ms), "2", 1, 3600000,
	  "How long to wait for the worker before exit 3 (\"2\", \"500ms\")." },
	{ "json", NULL, CFG_BOOL, offsetof(struct probe, json), "no", 0, 0,
	  "Print JSON (watch: one object per line)." },
	{ "render", NULL, CFG_BOOL, offsetof(struct probe, render), "no", 0, 0,
	  "qr: draw the code on the terminal instead of printing it." },
};
#define PROBE_NOPTS	(sizeof(probe_opts) / sizeof(probe_opts[0]))

static volatile sig_atomic_t probe_stop;

static void
on_signal(int sig)
{
	(void)sig;
	probe_stop = 1;
}

/*
 * One round trip. 0 with *rp set (an error reply included), or the exit
 * code to end with: unreachable for a timeout, not connected otherwise.
 */
static int
probe_call(const struct probe *p, Wlipc__Request__BodyCase what,
    Wlipc__Reply **rp)
{
	Wlipc__Request rq = WLIPC__REQUEST__INIT;
	Wlipc__Empty empty = WLIPC__EMPTY__INIT;
	int sock, rc;

	rq.body_case = what;
	if (what == WLIPC__REQUEST__BODY_PAIR_CODE)
		rq.pair_code = (char *)p->pair_phone;
	else
		rq.ping = &empty;	/* the other requests carry an Empty body */
	if ((sock = ipc_connect_req(p->rpc_url, (int)p->timeout_ms)) < 0) {
		fprintf(stderr, "wa-probe: %s: %s\n", p->rpc_url,
		    wl_strerror(sock));
		return PROBE_USAGE;
	}
	rc = ipc_call(sock, &rq, rp, (int)p->timeout_ms);
	ipc_close(sock);
	if (rc == -ETIMEDOUT || rc == -EAGAIN) {
		fprintf(stderr, "wa-probe: no answer from the worker at %s "
		    "within %llu ms\n", p->rpc_url,
		    (unsigned long long)p->timeout_ms);
		return PROBE_UNREACHABLE;
	}
	if (rc < 0) {
		fprintf(stderr, "wa-probe: %s: %s\n", p->rpc_url,
		    wl_strerror(rc));
		return PROBE_NOT_CONNECTED;
	}
	return 0;
}

/* An error reply: one line on stderr. */
static int
probe_refused(Wlipc__Reply *rp, int code)
{
	fprintf(stderr, "wa-probe: worker: %s\n", rp->error->message);
	ipc_reply_free(rp);
	return code;
}

static void
print_json(json_t *o)
{
	char *s;

	if (o != NULL && (s = json_dumps(o, JSON_COMPACT)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
	json_decref(o);
}

/* get_state: 0 with *rp holding a State, or the exit code to end with. */
static int
get_state(struct probe *p, Wlipc__Reply **rp)
{
	int rc;

	if ((rc = probe_call(p, WLIPC__REQUEST__BODY_GET_STATE, rp)) != 0)
		return rc;
	if ((*rp)->error != NULL)
		return probe_refused(*rp, PROBE_NOT_CONNECTED);
	if ((*rp)->body_case != WLIPC__REPLY__BODY_STATE) {
		ipc_reply_free(*rp);
		return PROBE_NOT_CONNECTED;
	}
	return 0;
}

static int
cmd_state(struct probe *p)
{
	Wlipc__Reply *rp;
	int rc;

	if ((rc = get_state(p, &rp)) != 0)
		return rc;
	if (p->json)
		print_json(probe_state_json(rp->state));
	else
		probe_state_text(stdout, rp->state, clock_wall_ms());
	rc = probe_state_exit(rp->state);
	ipc_reply_free(rp);
	return rc;
}

static int
cmd_qr(struct probe *p)
{
	char iso[CLOCK_ISO_LEN];
	Wlipc__Reply *rp;
	int rc;

	if ((rc = probe_call(p, WLIPC__REQUEST__BODY_GET_QR, &rp)) != 0)
		return rc;
	if (rp->error != NULL)
		return probe_refused(rp, PROBE_NOT_CONNECTED);
	rc = PROBE_CONNECTED;
	if (rp->body_case != WLIPC__REPLY__BODY_QR)
		rc = PROBE_NOT_CONNECTED;
	else if (p->render) {
		if (qr_text_print(stdout, rp->qr->code, isatty(1)) < 0) {
			fprintf(stderr, "wa-probe: the QR could not be drawn\n");
			rc = PROBE_NOT_CONNECTED;
		}
	} else if (p->json)
		print_json(json_pack("{s:s, s:o, s:I, s:I}", "qr", rp->qr->code,
		    "expiresAt", clock_iso8601(rp->qr->expires_ms, iso) ?
		    json_string(iso) : json_null(),
		    "round", (json_int_t)rp->qr->round,
		    "ref", (json_int_t)rp->qr->ref_index));
	else
		printf("%s\n", rp->qr->code);
	ipc_reply_free(rp);
	return rc;
}

static int
cmd_ping(struct probe *p)
{
	struct timespec a, b;
	Wlipc__Reply *rp;
	double ms;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if ((rc = probe_call(p, WLIPC__REQUEST__BODY_PING, &rp)) != 0)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (rp->error != NULL)
		return probe_refused(rp, PROBE_NOT_CONNECTED);
	ipc_reply_free(rp);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	if (p->json)
		printf("{\"pong\":true,\"ms\":%.3f}\n", ms);
	else
		printf("pong in %.3f ms\n", ms);
	return PROBE_CONNECTED;
}

static int
cmd_new_qr(struct probe *p)
{
	Wlipc__Reply *rp;
	int rc;

	if ((rc = probe_call(p, WLIPC__REQUEST__BODY_NEW_QR, &rp)) != 0)
		return rc;
	if (rp->error != NULL)
		return probe_refused(rp, PROBE_NOT_CONNECTED);
	ipc_reply_free(rp);
	if (p->json)
		printf("{\"requested\":true}\n");
	else
		printf("new QR requested\n");
	return PROBE_CONNECTED;
}

/* The code's outcome decides the exit: 0 shown, 2 a person must act. */
static int
pair_code_exit(const Wlipc__PairCode *pc)
{
	switch (pc->status) {
	case WLIPC__PAIR_CODE_STATUS__PCS_SHOWN:
	case WLIPC__PAIR_CODE_STATUS__PCS_TYPED:
		return PROBE_CONNECTED;
	case WLIPC__PAIR_CODE_STATUS__PCS_REQUESTING:
	case WLIPC__PAIR_CODE_STATUS__PCS_NONE:
		return PROBE_NOT_CONNECTED;
	default:
		return PROBE_NEEDS_PERSON;
	}
}

static void
pair_code_print(const struct probe *p, const Wlipc__PairCode *pc)
{
	char iso[CLOCK_ISO_LEN];

	if (p->json) {
		print_json(probe_pair_code_json(pc));
		return;
	}
	if (pc->code != NULL && pc->status == WLIPC__PAIR_CODE_STATUS__PCS_SHOWN)
		printf("%s\n", pc->code);
	printf("%s%s%s\n", probe_pair_code_status_name(pc->status),
	    pc->detail ? ": " : "", pc->detail ? pc->detail : "");
	if (pc->has_expires_ms && clock_iso8601(pc->expires_ms, iso))
		printf("valid until %s\n", iso);
}

/*
 * Link by phone number: ask, then follow the state until WhatsApp has
 * answered (bounded by ten times --timeout), and print the code to type.
 */
static int
cmd_pair_code(struct probe *p)
{
	Wlipc__Reply *rp;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	uint64_t until;
	int rc;

	if (p->pair_phone == NULL) {
		fprintf(stderr, "wa-probe: pair-code needs the phone number, "
		    "with its country code\n");
		return PROBE_USAGE;
	}
	if ((rc = probe_call(p, WLIPC__REQUEST__BODY_PAIR_CODE, &rp)) != 0)
		return rc;
	if (rp->error != NULL)
		return probe_refused(rp, rp->error->code ==
		    WLIPC__ERROR_CODE__ERR_INVALID_NUMBER ? PROBE_USAGE :
		    PROBE_NOT_CONNECTED);
	ipc_reply_free(rp);
	until = clock_mono_ms() + 10 * p->timeout_ms;
	for (;;) {
		if ((rc = get_state(p, &rp)) != 0)
			return rc;
		if (rp->state->pair_code == NULL) {
			ipc_reply_free(rp);
			fprintf(stderr, "wa-probe: the worker dropped the request\n");
			return PROBE_NOT_CONNECTED;
		}
		if (rp->state->pair_code->status !=
		    WLIPC__PAIR_CODE_STATUS__PCS_REQUESTING ||
		    clock_mono_ms() >= until)
			break;
		ipc_reply_free(rp);
		nanosleep(&ts, NULL);	/* a CLI polling its worker, not a test */
	}
	pair_code_print(p, rp->state->pair_code);
	rc = pair_code_exit(rp->state->pair_code);
	ipc_reply_free(rp);
	return rc;
}

/* Receives events until SIGINT or SIGTERM; 250 ms slices notice them. */
static int
watch_loop(struct probe *p, int sub)
{
	uint64_t last_seq = 0;
	Wlipc__Event *ev;
	void *msg;
	size_t len;
	int rc;

	while (!probe_stop) {
		if ((rc = ipc_recv(sub, 0, &msg, &len)) < 0) {
			if (rc == -ETIMEDOUT || rc == -EAGAIN || rc == -EINTR)
				continue;
			fprintf(stderr, "wa-probe: events: %s\n",
			    wl_strerror(rc));
			return PROBE_NOT_CONNECTED;
		}
		rc = ipc_event_unpack(msg, len, &ev);
		ipc_msg_free(msg);
		if (rc < 0)
			continue;	/* a newer worker's event: skip it */
		probe_event_print(stdout, ev, p->json, &last_seq);
		fflush(stdout);
		ipc_event_free(ev);
	}
	return PROBE_CONNECTED;
}

/* The current state first (and reachability), then every event. */
static int
cmd_watch(struct probe *p)
{
	Wlipc__Event ev = WLIPC__EVENT__INIT;
	struct sigaction sa;
	uint64_t last_seq = 0;
	Wlipc__Reply *rp;
	int sub, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: recv returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* subscribe first so nothing between the state and the stream is lost */
	if ((sub = ipc_connect_sub(p->events_url, 250)) < 0) {
		fprintf(stderr, "wa-probe: %s: %s\n", p->events_url,
		    wl_strerror(sub));
		return PROBE_USAGE;
	}
	if ((rc = get_state(p, &rp)) != 0) {
		ipc_close(sub);
		return rc;
	}
	/* shown as an event line with seq 0: the stream's seq starts anew */
	ev.time_ms = clock_wall_ms();
	ev.body_case = WLIPC__EVENT__BODY_STATE;
	ev.state = rp->state;
	probe_event_print(stdout, &ev, p->json, &last_seq);
	fflush(stdout);
	ipc_reply_free(rp);
	rc = watch_loop(p, sub);
	ipc_close(sub);
	return rc;
}

static const struct {
	const char	*name;
	int		(*run)(struct probe *);
	const char	*help;
} probe_cmds[] = {
	{ "state", cmd_state, "the link's state; exit 0/1/2/3 as below" },
	{ "qr", cmd_qr, "the current QR (exit 0), none to show (1)" },
	{ "ping", cmd_ping, "one round trip to the worker" },
	{ "watch", cmd_watch, "print events until SIGINT or SIGTERM" },
	{ "new-qr", cmd_new_qr, "resume paused pairing with a new QR" },
	{ "pair-code", cmd_pair_code, "NUMBER  link by phone number: the code to "
	  "type on the phone (exit 0)" },
};
#define PROBE_NCMDS	(sizeof(probe_cmds) / sizeof(probe_cmds[0]))

static void
usage(FILE *f)
{
	size_t i;

	cfg_usage(f, "wa-probe [options] command", probe_opts,
	    PROBE_NOPTS);
	fprintf(f, "\ncommands:\n");
	for (i = 0; i < PROBE_NCMDS; i++)
		fprintf(f, "  %-10s %s\n", probe_cmds[i].name, probe_cmds[i].help);
	fprintf(f, "\nexit: 0 connected (or done), 1 reachable but not "
	    "connected, 2 needs a person\n(logged_out, banned, conflict, "
	    "outdated, passkey_required, server_failure, paused qr,\na pairing code refused, "
	    "wrong or expired), 3 worker unreachable,\n64 usage error\n");
}

/*
 * Options may stand before or after the command: parse once to find the
 * command, then again over every argument but the command itself.
 */
static int
parse_args(struct probe *p, int argc, char *argv[], int *cmd)
{
	char err[CFG_ERR_MAX], **rest;
	int first, n = 0, i, rc;

	if ((rc = cfg_parse(probe_opts, PROBE_NOPTS, p, argc, argv, &first,
	    err)) != 0 || first == argc)
		goto out;
	if ((rest = calloc((size_t)argc, sizeof(*rest))) == NULL)
		return -ENOMEM;
	for (i = 0; i < argc; i++)
		if (i != first)
			rest[n++] = argv[i];
	rc = cfg_parse(probe_opts, PROBE_NOPTS, p, n, rest, &i, err);
	free(rest);
	if (rc == 0 && i != n) {
		fprintf(stderr, "wa-probe: unexpected argument '%s'\n",
		    argv[i < first ? i : i + 1]);
		return -EINVAL;
	}
out:
	if (rc < 0)
		fprintf(stderr, "wa-probe: %s\n", err);
	else if (rc == 0 && first == argc) {
		fprintf(stderr, "wa-probe: no command given\n");
		rc = -EINVAL;
	}
	*cmd = first;
	return rc;
}

static int
resolve_urls(struct probe *p)
{
	char rpc[IPC_URL_MAX], ev[IPC_URL_MAX];
	int rc;

	if ((p->ipc == NULL || p->events == NULL) &&
	    (rc = ipc_default_urls(p->data, rpc, ev)) < 0) {
		fprintf(stderr, "wa-probe: data directory '%s': %s\n", p->data,
		    wl_strerror(rc));
		return rc;
	}
	if (snprintf(p->rpc_url, sizeof(p->rpc_url), "%s",
	    p->ipc != NULL ? p->ipc : rpc) >= (int)sizeof(p->rpc_url) ||
	    snprintf(p->events_url, sizeof(p->events_url), "%s",
	    p->events != NULL ? p->events : ev) >= (int)sizeof(p->events_url)) {
		fprintf(stderr, "wa-probe: IPC URL too long\n");
		return -WL_EIPCPATH;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct probe p;
	size_t i;
	int cmd, rc;

	memset(&p, 0, sizeof(p));
	/* pair-code takes one operand: lift it out before the option parser. */
	for (i = 1; i + 1 < (size_t)argc; i++)
		if (strcmp(argv[i], "pair-code") == 0 && argv[i + 1][0] != '-') {
			p.pair_phone = argv[i + 1];
			memmove(&argv[i + 1], &argv[i + 2],
			    (size_t)(argc - (int)i - 1) * sizeof(*argv));
			argc--;
			break;
		}
	if ((rc = parse_args(&p, argc, argv, &cmd)) == 1) {
		usage(stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "Try 'wa-probe --help'.\n");
		return PROBE_USAGE;
	}
	for (i = 0; i < PROBE_NCMDS; i++)
		if (strcmp(argv[cmd], probe_cmds[i].name) == 0)
			break;
	if (i == PROBE_NCMDS) {
		fprintf(stderr, "wa-probe: unknown command '%s'; try "
		    "'wa-probe --help'\n", argv[cmd]);
		return PROBE_USAGE;
	}
	if (resolve_urls(&p) < 0)
		return PROBE_USAGE;
	rc = probe_cmds[i].run(&p);
	fflush(stdout);
	nn_term();
	return rc;
}
