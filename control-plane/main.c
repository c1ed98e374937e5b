#include <sys/resource.h>
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
#include "ipc/hub.h"
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
	const char	*sessions_dir;
	const char	*sessions_file;
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
	{ "sessions-dir", "WA_SESSIONS_DIR", CFG_STR, S(sessions_dir), "", 0, 0,
	  "Serve every worker whose data dir is DIR/<id>/ (sockets in its run/); "
	  "re-read every 10 s." },
	{ "sessions-file", "WA_SESSIONS_FILE", CFG_STR, S(sessions_file), "", 0, 0,
	  "Serve the workers listed one a line: ID RPC_URL EVENTS_URL "
	  "(tcp:// for other hosts); re-read every 10 s." },
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
	/* it may not exist yet (a shared volume the workers fill): re-read */
	if (s->sessions_dir[0] != '\0' && realpath(s->sessions_dir,
	    c->sessions_dir) == NULL) {
		if (errno != ENOENT || s->sessions_dir[0] != '/') {
			log_error(errno, "--sessions-dir %s (an absolute path "
			    "that may not exist yet, or an existing one)",
			    s->sessions_dir);
			return -errno;
		}
		snprintf(c->sessions_dir, sizeof(c->sessions_dir), "%s",
		    s->sessions_dir);
	}
	snprintf(c->sessions_file, sizeof(c->sessions_file), "%s",
	    s->sessions_file);
	return 0;
}

/*
 * Each session holds a descriptor (its events connection), so thousands of
 * sessions pass the usual soft limit of 1 024: take the hard limit.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * The seed's one worker (--ipc, --events, --data) is session "default"
 * unless sessions are declared; with them it is added only when --ipc or
 * --events names it.
 */
static int
sessions_open(const struct settings *s, const struct ctl_config *c,
    struct ctl_server *srv)
{
	struct ctl_hub_sources src = { c->sessions_dir, c->sessions_file };
	bool many = c->sessions_dir[0] != '\0' || c->sessions_file[0] != '\0';
	int rc;

	raise_fd_limit();
	if ((rc = ctl_hub_new(0, &srv->hub)) < 0)
		return rc;
	if ((!many || s->ipc[0] != '\0' || s->events[0] != '\0') &&
	    (rc = ctl_hub_add(srv->hub, "default", c->rpc_url, c->events_url,
	    NULL)) < 0) {
		log_error(rc, "worker sockets %s, %s", c->rpc_url, c->events_url);
		return rc;
	}
	if (many && (rc = ctl_hub_set_sources(srv->hub, &src)) < 0)
		return rc;
	if ((rc = ctl_hub_start(srv->hub)) < 0)
		return rc;
	srv->watch = ctl_hub_default(srv->hub);
	srv->ipc = srv->watch != NULL ? ctl_watch_ipc(srv->watch) : NULL;
	log_info("%zu session%s; default %s; each worker pinged every %llu ms",
	    ctl_hub_count(srv->hub), ctl_hub_count(srv->hub) == 1 ? "" : "s",
	    srv->watch ? ctl_watch_id(srv->watch) : "(none yet)",
	    (unsigned long long)ctl_hub_ping_period_ms(srv->hub));
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
	if (sessions_open(&set, &cfg, &srv) < 0) {
		log_errorx("cannot open the worker sockets");
		goto out_hub;
	}
	if (ctl_server_run(&srv) < 0)
		log_errorx("cannot listen on %s", cfg.listen);
	else
		rc = 0;
out_hub:
	ctl_hub_free(srv.hub);
	mg_exit_library();
	ctl_auth_free(srv.auth);
	return rc;
}
