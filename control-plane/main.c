/*
 * wa-control: the operator console (DESIGN.md "HTTP API"). Stateless apart
 * from its own admin-auth files: every whitelist and session operation is
 * a request to wa-worker over nanomsg; the link state shown comes from the
 * worker's events, cached by one thread (ipc/watch.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <civetweb.h>
#include <sodium.h>

#include "auth/auth.h"
#include "http/server.h"
#include "ipc/client.h"
#include "ipc/watch.h"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct opt {
	const char	*name;
	const char	*arg;
	const char	*help;
};

/* One table drives parsing and --help, so they cannot drift. */
static const struct opt opts[] = {
	{ "--listen", "ADDR:PORT", "HTTP address (default 127.0.0.1:3000)" },
	{ "--data", "DIR", "data directory (default ./data); wa-control "
	    "keeps its files in DIR/control-plane/" },
	{ "--ipc", "URL", "worker request socket (default "
	    "ipc://<abs DIR>/run/worker.rpc)" },
	{ "--events", "URL", "worker event socket (default "
	    "ipc://<abs DIR>/run/worker.events)" },
	{ "--help", NULL, "show this help" },
	{ NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	const struct opt *o;

	fprintf(f, "usage: wa-control [options]\n\n");
	for (o = opts; o->name != NULL; o++)
		fprintf(f, "  %-8s %-10s %s\n", o->name, o->arg ? o->arg : "",
		    o->help);
	fprintf(f, "\nenvironment:\n"
	    "  WA_ADMIN_PASSWORD  admin password (else one is generated on "
	    "first start,\n"
	    "                     printed once, and only its hash stored)\n"
	    "  WA_API_TOKEN       bearer token for scripts "
	    "(Authorization: Bearer ...)\n");
}

static int
parse_args(int argc, char **argv, struct ctl_config *c)
{
	const char *data = "./data";
	char abs[PATH_MAX];
	int i;

	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:3000");
	c->rpc_url[0] = c->events_url[0] = '\0';
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "wa-control: unknown option or missing "
			    "value: %s\n", argv[i]);
			return -EINVAL;
		}
		if (strcmp(argv[i], "--listen") == 0)
			snprintf(c->listen, sizeof(c->listen), "%s", argv[++i]);
		else if (strcmp(argv[i], "--data") == 0)
			data = argv[++i];
		else if (strcmp(argv[i], "--ipc") == 0)
			snprintf(c->rpc_url, sizeof(c->rpc_url), "%s", argv[++i]);
		else if (strcmp(argv[i], "--events") == 0)
			snprintf(c->events_url, sizeof(c->events_url), "%s",
			    argv[++i]);
		else {
			fprintf(stderr, "wa-control: unknown option %s "
			    "(see --help)\n", argv[i]);
			return -EINVAL;
		}
	}
	if (mkdir(data, 0750) == -1 && errno != EEXIST) {
		fprintf(stderr, "wa-control: cannot create %s: %s\n", data,
		    strerror(errno));
		return -errno;
	}
	if (realpath(data, abs) == NULL) {
		fprintf(stderr, "wa-control: %s: %s\n", data, strerror(errno));
		return -errno;
	}
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", abs);
	if ((size_t)snprintf(c->cp_dir, sizeof(c->cp_dir), "%s/control-plane",
	    abs) >= sizeof(c->cp_dir))
		return -ENAMETOOLONG;
	if (c->rpc_url[0] == '\0' && (size_t)snprintf(c->rpc_url,
	    sizeof(c->rpc_url), "ipc://%s/run/worker.rpc", abs) >=
	    sizeof(c->rpc_url))
		return -ENAMETOOLONG;
	if (c->events_url[0] == '\0' && (size_t)snprintf(c->events_url,
	    sizeof(c->events_url), "ipc://%s/run/worker.events", abs) >=
	    sizeof(c->events_url))
		return -ENAMETOOLONG;
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl_config cfg;
	struct ctl_server srv;
	char generated[CTL_GENPW_LEN + 1];
	const char *why = "";
	int rc;

	memset(&srv, 0, sizeof(srv));
	if (parse_args(argc, argv, &cfg) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	srv.cfg = &cfg;
	srv.stop = &stop_flag;
	if ((rc = ctl_auth_open(cfg.cp_dir, getenv("WA_ADMIN_PASSWORD"),
	    getenv("WA_API_TOKEN"), &srv.auth, generated, &why)) < 0) {
		fprintf(stderr, "wa-control: auth setup failed while %s: %s\n",
		    why, strerror(-rc));
		return 1;
	}
	if (generated[0] != '\0') {
		/* stdout, once: the only place this password ever appears. */
		printf("wa-control: generated admin password: %s\n"
		    "wa-control: it is shown only now; its hash is in %s/"
		    "admin.pwhash\n", generated, cfg.cp_dir);
		fflush(stdout);
		sodium_memzero(generated, sizeof(generated));
	}
	if (strncmp(cfg.listen, "127.", 4) != 0 &&
	    strncmp(cfg.listen, "localhost:", 10) != 0 &&
	    strncmp(cfg.listen, "[::1]:", 6) != 0)
		fprintf(stderr, "wa-control: warning: listening on %s without "
		    "TLS; put a TLS proxy in front, session cookies and tokens "
		    "would cross the network in clear\n", cfg.listen);
	mg_init_library(0);
	rc = 1;
	if ((srv.ipc = ctl_ipc_new(cfg.rpc_url, CTL_IPC_TIMEOUT_MS)) == NULL)
		goto out_auth;
	if (ctl_watch_start(cfg.events_url, cfg.rpc_url, &srv.watch) < 0) {
		fprintf(stderr, "wa-control: cannot open worker sockets %s\n",
		    cfg.events_url);
		goto out_ipc;
	}
	if (ctl_server_run(&srv) < 0)
		fprintf(stderr, "wa-control: cannot listen on %s\n", cfg.listen);
	else
		rc = 0;
	ctl_watch_stop(srv.watch);
out_ipc:
	ctl_ipc_free(srv.ipc);
out_auth:
	mg_exit_library();
	ctl_auth_free(srv.auth);
	return rc;
}
