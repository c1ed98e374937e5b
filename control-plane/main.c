#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <civetweb.h>
#include <sodium.h>

#include "auth/auth.h"
#include "cfg.h"
#include "http/server.h"
#include "ipc.h"
#include "ipc/client.h"
#include "ipc/watch.h"
#include "log.h"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct settings {
	const char	*listen;
	const char	*data;
	const char	*ipc;
	const char	*events;
	const char	*allowed_hosts;
	const char	*log_level;
	const char	*log_format;
	const char	*admin_password;
	const char	*api_token;
};

#define S(f)	offsetof(struct settings, f)
/* One table drives parsing and --help, so they cannot drift (cfg.h). */
static const struct cfg_opt options[] = {
	{ "listen", "WA_LISTEN", CFG_STR, S(listen), "127.0.0.1:3000", 0, 0,
	  "HTTP address (ADDR:PORT)." },
	{ "data", "WA_DATA", CFG_STR, S(data), "./data", 0, 0,
	  "Data directory; wa-control keeps its files in DATA/control-plane/." },
	{ "ipc", "WA_IPC", CFG_STR, S(ipc), "", 0, 0,
	  "Worker request socket (default ipc://<abs DATA>/run/worker.rpc)." },
	{ "events", "WA_EVENTS", CFG_STR, S(events), "", 0, 0,
	  "Worker event socket (default ipc://<abs DATA>/run/worker.events)." },
	{ "allowed-hosts", "WA_ALLOWED_HOSTS", CFG_STR, S(allowed_hosts), "", 0, 0,
	  "Host names answered, comma-separated, or * (default: the --listen "
	  "host, localhost, 127.0.0.1, [::1]); others get 421." },
	CFG_OPTS_LOG(struct settings, log_level, log_format),
	{ NULL, "WA_ADMIN_PASSWORD", CFG_STR, S(admin_password), NULL, 0, 0,
	  "Admin password (else one is generated on first start, printed "
	  "once, and only its hash stored)." },
	{ NULL, "WA_API_TOKEN", CFG_STR, S(api_token), NULL, 0, 0,
	  "Bearer token for scripts (Authorization: Bearer ...)." },
};
#undef S
#define NOPTIONS	(sizeof(options) / sizeof(options[0]))

/* Settings -> the server's config: absolute data dir, socket URLs. */
static int
config_build(const struct settings *s, struct ctl_config *c)
{
	char abs[PATH_MAX], rpc[IPC_URL_MAX], ev[IPC_URL_MAX];
	char err[CTL_HOSTS_ERR_MAX];
	int rc;

	if ((size_t)snprintf(c->listen, sizeof(c->listen), "%s", s->listen) >=
	    sizeof(c->listen)) {
		log_errorx("--listen '%s' is too long", s->listen);
		return -ENAMETOOLONG;
	}
	if (ctl_hosts_parse(s->allowed_hosts, s->listen, &c->hosts, err) < 0) {
		log_errorx("%s", err);
		return -EINVAL;
	}
	if (mkdir(s->data, 0750) == -1 && errno != EEXIST) {
		log_error(errno, "cannot create %s", s->data);
		return -errno;
	}
	if (realpath(s->data, abs) == NULL) {
		log_error(errno, "%s", s->data);
		return -errno;
	}
	if ((rc = ipc_default_urls(abs, rpc, ev)) < 0) {
		log_error(rc, "socket paths under %s", abs);
		return rc;
	}
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", abs);
	if ((size_t)snprintf(c->cp_dir, sizeof(c->cp_dir), "%s/control-plane",
	    abs) >= sizeof(c->cp_dir) ||
	    (size_t)snprintf(c->rpc_url, sizeof(c->rpc_url), "%s",
	    s->ipc[0] != '\0' ? s->ipc : rpc) >= sizeof(c->rpc_url) ||
	    (size_t)snprintf(c->events_url, sizeof(c->events_url), "%s",
	    s->events[0] != '\0' ? s->events : ev) >= sizeof(c->events_url)) {
		log_errorx("a path under %s or a socket URL is too long", abs);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int
settings_load(int argc, char **argv, struct settings *s, struct ctl_config *c)
{
	char err[CFG_ERR_MAX];
	int rc;

	if ((rc = cfg_parse(options, NOPTIONS, s, argc, argv, NULL, err)) == 1) {
		cfg_usage(stdout, "wa-control [settings]", options, NOPTIONS);
		exit(0);
	}
	if (rc < 0) {
		log_errorx("%s", err);
		return rc;
	}
	if ((rc = log_setup("control", s->log_level, s->log_format)) < 0)
		return rc;
	return config_build(s, c);
}

int
main(int argc, char **argv)
{
	struct settings set = { 0 };
	struct ctl_config cfg;
	struct ctl_server srv;
	char generated[CTL_GENPW_LEN + 1];
	const char *why = "";
	int rc;

	memset(&srv, 0, sizeof(srv));
	log_init("control", WL_LOG_INFO, LOG_FORMAT_TEXT);
	if (settings_load(argc, argv, &set, &cfg) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	srv.cfg = &cfg;
	srv.stop = &stop_flag;
	if ((rc = ctl_auth_open(cfg.cp_dir, set.admin_password, set.api_token,
	    &srv.auth, generated, &why)) < 0) {
		log_error(rc, "auth setup failed while %s", why);
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
		log_warnx("listening on %s without TLS; put a TLS proxy in "
		    "front, session cookies and tokens would cross the network "
		    "in clear", cfg.listen);
	if (ctl_hosts_loopback_only(&cfg.hosts) &&
	    strncmp(cfg.listen, "127.", 4) != 0 &&
	    strncmp(cfg.listen, "localhost:", 10) != 0 &&
	    strncmp(cfg.listen, "[::1]:", 6) != 0)
		log_warnx("only localhost Host names are answered (421 for "
		    "others): set --allowed-hosts to the name browsers use");
	mg_init_library(0);
	rc = 1;
	if ((srv.ipc = ctl_ipc_new(cfg.rpc_url, CTL_IPC_TIMEOUT_MS)) == NULL)
		goto out_auth;
	if (ctl_watch_start(cfg.events_url, cfg.rpc_url, &srv.watch) < 0) {
		log_errorx("cannot open worker sockets %s", cfg.events_url);
		goto out_ipc;
	}
	if (ctl_server_run(&srv) < 0)
		log_errorx("cannot listen on %s", cfg.listen);
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
