/*
 * wa-worker: keeps one WhatsApp account linked (DESIGN.md "Processes").
 * Start-up checks everything it can before the loop (STYLE.md: ntpd's
 * "config is validated before anything runs"), then one lws loop owns the
 * link, the IPC sockets and the signals; handlers only write to a pipe.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "atomicfile.h"
#include "cfg.h"
#include "ipc.h"
#include "ipc/worker_ipc.h"
#include "link/link.h"
#include "link/pair_code.h"
#include "link/waversion.h"
#include "log.h"
#include "message/msg.h"
#include "message/msg_status.h"
#include "noise/noise.h"
#include "perms/perms.h"
#include "qr_text.h"
#include "store/store.h"
#include "store/store_writer.h"
#include "transport/ws.h"
#include "webhook/webhook.h"
#include "whitelist/whitelist.h"
#include "wl_error.h"

struct settings {
	const char	*data;
	const char	*client_id;
	const char	*url;
	const char	*origin;
	const char	*trust_root;
	const char	*wa_version;
	const char	*wa_version_url;
	const char	*device_name;
	const char	*pair_phone;
	const char	*pair_display;
	const char	*pair_platform;
	uint64_t	 auth_timeout_ms;
	uint64_t	 qr_rounds;
	uint64_t	 qr_first_ms;
	uint64_t	 qr_next_ms;
	uint64_t	 heartbeat_ms;
	uint64_t	 keepalive_misses;
	uint64_t	 reconnect_wait_ms;
	uint64_t	 backoff_cap_ms;
	uint64_t	 backup_interval_ms;
	uint64_t	 backups_keep;
	const char	*ipc;
	const char	*events;
	const char	*log_level;
	const char	*log_format;
	const char	*session_key_file;
	const char	*test_ca_file;
	const char	*hook_cmd;
	const char	*hook_url;
	uint64_t	 hook_timeout_ms;
	uint64_t	 hook_max;
	const char	*hook_secret_file;
	uint64_t	 media_max_bytes;
	const char	*media_ca_file;
	uint64_t	 media_retention_ms;
	uint64_t	 media_retry_wait_ms;
	uint64_t	 media_max_total;
	uint64_t	 pace_per_chat;
	uint64_t	 pace_global;
	uint64_t	 typing_ms;
	uint64_t	 send_max_bytes;
	uint64_t	 hook_retries;
	bool		 hook_status;
	uint64_t	 hook_retry_base_ms;
	const char	*auto_reply;
	bool		 qr_terminal;
	bool		 check;
};

#define S(f)	offsetof(struct settings, f)
#define HOUR	(3600ULL * 1000)
static const struct cfg_opt options[] = {
	{ "data", "WA_DATA", CFG_STR, S(data), "./data", 0, 0,
	  "Data directory: session, backups, whitelist, run/ sockets." },
	{ "client-id", "WA_CLIENT_ID", CFG_STR, S(client_id), "default", 0, 0,
	  "Session name: whatsapp-session/session-<ID>/ ([A-Za-z0-9_-])." },
	{ "url", "WA_URL", CFG_STR, S(url), WS_DEFAULT_URL, 0, 0,
	  "WhatsApp WebSocket URL (ws:// only for local tests)." },
	{ "origin", "WA_ORIGIN", CFG_STR, S(origin), WS_DEFAULT_ORIGIN, 0, 0,
	  "Origin header sent with the WebSocket upgrade." },
	{ "trust-root", "WA_TRUST_ROOT", CFG_STR, S(trust_root), "", 0, 0,
	  "Base64 of the 32-byte Noise certificate root (tests only; default: "
	  "WhatsApp's own root; any other is logged as a warning)." },
	{ "wa-version", "WA_VERSION", CFG_STR, S(wa_version), WA_VERSION_DEFAULT, 0, 0,
	  "WhatsApp Web version announced; raise it if the server says 405 outdated. "
	  "'auto': read the current one (as Baileys fetchLatestWaWebVersion) at "
	  "start and after a 405, off the event loop, 15 s at most; offline, the "
	  "built-in version stays." },
	{ "wa-version-url", "WA_VERSION_URL", CFG_STR, S(wa_version_url), WA_VERSION_URL_DEFAULT, 0, 0,
	  "Page --wa-version auto reads client_revision from (http or https)." },
	{ "device-name", "WA_DEVICE_NAME", CFG_STR, S(device_name), WA_DEVICE_NAME_DEFAULT, 0, 0,
	  "Name the phone lists this linked device under." },
	{ "pair-phone", "WA_PAIR_PHONE", CFG_STR, S(pair_phone), "", 0, 0,
	  "Link by phone number instead of scanning: at start, ask WhatsApp for "
	  "a pairing code for this number (with country code) and show it; "
	  "the owner types it under Linked devices > Link with phone number "
	  "instead. Ignored once linked. Also: wa-probe pair-code NUMBER." },
	{ "pair-display", "WA_PAIR_DISPLAY", CFG_STR, S(pair_display), "Chrome (Linux)", 0, 0,
	  "Client name sent with a pairing-code request; WhatsApp accepts only "
	  "the form \"Browser (OS)\" with a common browser and OS, else 400." },
	{ "pair-platform", "WA_PAIR_PLATFORM", CFG_STR, S(pair_platform), "1", 0, 0,
	  "Companion client type sent with a pairing-code request (whatsmeow "
	  "PairClientType: 1 Chrome, 2 Edge, 3 Firefox, 6 Safari, ...)." },
	{ "auth-timeout", "WA_AUTH_TIMEOUT", CFG_MS, S(auth_timeout_ms), "180s", 1000, HOUR,
	  "Bound on each login attempt." },
	{ "qr-rounds", "WA_QR_ROUNDS", CFG_UINT, S(qr_rounds), "5", 1, 1000,
	  "Unscanned pairing rounds before the QR pauses until asked for again." },
	{ "qr-first", "WA_QR_FIRST", CFG_MS, S(qr_first_ms), "60s", 100, HOUR,
	  "How long the first QR of a round is shown (WhatsApp: 60 s)." },
	{ "qr-next", "WA_QR_NEXT", CFG_MS, S(qr_next_ms), "20s", 100, HOUR,
	  "How long each following QR is shown (WhatsApp: 20 s)." },
	/* down to 1 ms: tests/bench/worker.sh runs 10,000 cycles in seconds */
	{ "heartbeat", "WA_HEARTBEAT", CFG_MS, S(heartbeat_ms), "30s", 1, HOUR,
	  "Keepalive ping and heartbeat period." },
	{ "keepalive-misses", "WA_KEEPALIVE_MISSES", CFG_UINT, S(keepalive_misses), "3", 1, 100,
	  "Heartbeat periods without an answer before the link is dropped (TIMEOUT)." },
	{ "reconnect-wait", "WA_RECONNECT_WAIT", CFG_MS, S(reconnect_wait_ms), "30s", 0, HOUR,
	  "Wait before reconnecting after TIMEOUT or CONFLICT; repeats back off." },
	{ "backoff-cap", "WA_BACKOFF_CAP", CFG_MS, S(backoff_cap_ms), "5m", 1000, 24 * HOUR,
	  "Longest wait between reconnect attempts." },
	{ "backup-interval", "WA_BACKUP_INTERVAL", CFG_MS, S(backup_interval_ms), "300s", 0, 24 * HOUR,
	  "Period of session snapshots into whatsapp-session/backups/ (0: off)." },
	{ "backups-keep", "WA_BACKUPS_KEEP", CFG_UINT, S(backups_keep), "10", 0, 10000,
	  "Snapshots (and logged-out sessions) kept." },
	{ "ipc", "WA_IPC", CFG_STR, S(ipc), "", 0, 0,
	  "Request socket URL (default ipc://<data>/run/worker.rpc; tcp://… for split hosts)." },
	{ "events", "WA_EVENTS", CFG_STR, S(events), "", 0, 0,
	  "Event socket URL (default ipc://<data>/run/worker.events)." },
	CFG_OPTS_LOG(struct settings, log_level, log_format),
	{ "session-key-file", "WA_SESSION_KEY_FILE", CFG_STR, S(session_key_file), "", 0, 0,
	  "Seal session files at rest with a key from this file (0600, >= 16 bytes)." },
	{ "test-ca-file", "WA_TEST_CA_FILE", CFG_STR, S(test_ca_file), "", 0, 0,
	  "Trust only this CA for wss:// (local TLS tests)." },
	{ "hook-cmd", "WA_HOOK_CMD", CFG_STR, S(hook_cmd), "", 0, 0,
	  "Bot hook: /bin/sh -c CMD per accepted text, the message as JSON on "
	  "stdin (hook input version 2, docs/hook-v2.schema.json); its output is the reply." },
	{ "hook-url", "WA_HOOK_URL", CFG_STR, S(hook_url), "", 0, 0,
	  "Bot hook: POST the same JSON to this http(s):// URL; a 2xx body is the "
	  "reply. Retried with backoff; undeliverable events become dead letters." },
	{ "hook-secret-file", "WA_HOOK_SECRET_FILE", CFG_STR, S(hook_secret_file), "", 0, 0,
	  "Sign --hook-url requests (Standard Webhooks webhook-signature) with the "
	  "secret in this file (whsec_<base64> or raw text)." },
	{ "hook-status", "WA_HOOK_STATUS", CFG_BOOL, S(hook_status), "no", 0, 0,
	  "Also POST each sent message's status change (queued, sent, delivered, "
	  "read, failed) to --hook-url (docs/webhook-message-status.schema.json)." },
	{ "hook-retries", "WA_HOOK_RETRIES", CFG_UINT, S(hook_retries), "8", 1, 100,
	  "Attempts per --hook-url event before it becomes a dead letter." },
	{ "hook-retry-base", "WA_HOOK_RETRY_BASE", CFG_MS, S(hook_retry_base_ms), "2s", 10, HOUR,
	  "First --hook-url retry after about this; each next one waits twice as long (jittered, at most 10 min)." },
	{ "hook-timeout", "WA_HOOK_TIMEOUT", CFG_MS, S(hook_timeout_ms), "30s", 100, HOUR,
	  "A hook still running after this is killed (no reply)." },
	{ "hook-max", "WA_HOOK_MAX", CFG_UINT, S(hook_max), "4", 1, 256,
	  "Hooks running at once; more messages wait (up to 64)." },
	{ "media-max-bytes", "WA_MEDIA_MAX_BYTES", CFG_UINT, S(media_max_bytes), "104857600",
	  1024, 4ULL << 30,
	  "Received media larger than this is not downloaded (the hook is told why)." },
	{ "media-ca-file", "WA_MEDIA_CA_FILE", CFG_STR, S(media_ca_file), "", 0, 0,
	  "Trust only this CA for media downloads (local tests against a simulator)." },
	{ "media-retry-wait", "WA_MEDIA_RETRY_WAIT", CFG_MS, S(media_retry_wait_ms), "60s", 100, HOUR,
	  "Media the CDN no longer has is asked again from your phone; the hook waits this long for it." },
	{ "media-retention", "WA_MEDIA_RETENTION", CFG_MS, S(media_retention_ms), "30d", 0, 0,
	  "Received media files older than this are deleted (checked hourly and at start; 0: kept)." },
	{ "media-max-total", "WA_MEDIA_MAX_TOTAL", CFG_UINT, S(media_max_total), "2147483648", 0, 0,
	  "Bytes the stored media may take in all; past it the oldest files go first (0: no cap)." },
	{ "pace-per-chat", "WA_PACE_PER_CHAT", CFG_UINT, S(pace_per_chat), "0", 0, 6000,
	  "Messages a minute the bot may send to one chat (answers and POST "
	  "/api/messages; bursts of up to 5); more wait. 0: no limit (10 is a "
	  "safe start for a business bot)." },
	{ "pace-global", "WA_PACE_GLOBAL", CFG_UINT, S(pace_global), "0", 0, 60000,
	  "Messages a minute the bot may send in all (bursts of up to 5); more wait. "
	  "0: no limit (60 is a safe start)." },
	{ "typing", "WA_TYPING", CFG_MS, S(typing_ms), "0", 0, 60000,
	  "Show \"typing...\" (\"recording...\" for a voice note) this long before "
	  "each message the bot sends, as a person would. 0: off." },
	{ "send-max-bytes", "WA_SEND_MAX_BYTES", CFG_UINT, S(send_max_bytes), "104857600",
	  1024, 4ULL << 30,
	  "Largest file a bot may send (its answer's \"path\", under <data>/send/<session> "
	  "or <data>/media/<session>)." },
	{ "auto-reply", "WA_AUTO_REPLY", CFG_STR, S(auto_reply), "", 0, 0,
	  "Text sent to senders outside the whitelist (default: none)." },
	{ "qr-terminal", "WA_QR_TERMINAL", CFG_BOOL, S(qr_terminal), NULL, 0, 0,
	  "Draw each QR on stdout (default: on when stdout is a terminal)." },
	{ "check", NULL, CFG_BOOL, S(check), "no", 0, 0,
	  "Check the settings and the data directory, then exit." },
};
#undef S

struct worker {
	struct settings		 s;
	struct lws_context	*cx;
	struct store		*st;
	struct whitelist	*wl;
	struct worker_ipc	*ipc;
	struct lws		*ipc_wsi;	/* the request socket's fd, polled */
	struct link		*link;
	struct msg		*msg;
	struct msg_status_tab	*status;	/* sent messages' statuses */
	struct store_writer	*writer;	/* every durable write (store_writer.h) */
	struct seal_key		*key;
	uint8_t			 root[NOISE_KEY_LEN];
	bool			 custom_root;
	char			 rpc_url[IPC_URL_MAX + 256];
	char			 events_url[IPC_URL_MAX + 256];
	int			 sig_pipe[2];
	bool			 quit;
	enum link_code_status	 code_status_shown;	/* last one printed */
	bool			 link_up;	/* connected or unstable */
	struct webhook		*webhook;	/* owned by the hook; NULL: none */
};

static int signal_fd = -1;

static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	/* A full pipe means a signal is already pending: nothing to add. */
	if (signal_fd != -1 && write(signal_fd, &b, 1) == -1)
		errno = saved;
	errno = saved;
}

/* Production workers hold keys: no core dumps, no ptrace by others. */
static void
harden_process(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int
load_trust_root(struct worker *w)
{
	size_t n;

	if (w->s.trust_root[0] == '\0') {
		memcpy(w->root, noise_wa_root_key, sizeof(w->root));
		return 0;
	}
	if (sodium_base642bin(w->root, sizeof(w->root), w->s.trust_root,
	    strlen(w->s.trust_root), NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || n != sizeof(w->root)) {
		log_errorx("--trust-root: not the base64 of a 32-byte key");
		return -EINVAL;
	}
	w->custom_root = sodium_memcmp(w->root, noise_wa_root_key, sizeof(w->root)) != 0;
	if (w->custom_root)
		log_warnx("TRUST ROOT IS NOT WHATSAPP'S (%s): only for tests against "
		    "a simulator", key_fpr(w->root, sizeof(w->root)));
	return 0;
}

static int
load_session_key(struct worker *w)
{
	char why[PERMS_WHY_MAX];
	uint8_t *buf;
	size_t len;
	int rc;

	if (w->s.session_key_file[0] == '\0')
		return 0;
	/* A key others can read seals nothing: refuse, do not warn. */
	if ((rc = perms_check_secret(w->s.session_key_file, "session key file",
	    why)) < 0 && rc != -ENOENT) {
		log_errorx("%s", why);
		return rc;
	}
	if ((rc = atomicfile_read(w->s.session_key_file, SEAL_KEYFILE_MAX, &buf,
	    &len)) < 0) {
		log_error(rc, "cannot read the session key file %s", w->s.session_key_file);
		return rc;
	}
	if ((w->key = sodium_malloc(sizeof(*w->key))) == NULL)
		rc = -ENOMEM;
	else if ((rc = seal_key_from_bytes(buf, len, w->key)) < 0)
		log_errorx("session key file %s: needs at least %d bytes",
		    w->s.session_key_file, SEAL_KEYFILE_MIN);
	sodium_memzero(buf, len);
	free(buf);
	return rc;
}

static int
check_settings(struct worker *w)
{
	struct ws_config wc = { .url = w->s.url, .origin = w->s.origin };
	struct wa_version v;
	char phone[PAIR_CODE_PHONE_MAX];
	int rc;

	if ((rc = log_setup("worker", w->s.log_level, w->s.log_format)) < 0)
		return rc;
	if (strcmp(w->s.wa_version, "auto") != 0 &&
	    wa_version_parse(w->s.wa_version, &v) < 0) {
		log_errorx("--wa-version '%s': expected three numbers like %s, "
		    "or auto", w->s.wa_version, WA_VERSION_DEFAULT);
		return -EINVAL;
	}
	if ((rc = ws_config_check(&wc)) < 0) {
		log_error(rc, "--url '%s' or --origin is not usable", w->s.url);
		return rc;
	}
	if ((rc = ipc_default_urls(w->s.data, w->rpc_url, w->events_url)) < 0) {
		log_error(rc, "IPC socket paths under %s", w->s.data);
		return rc;
	}
	if (w->s.ipc[0] != '\0')
		snprintf(w->rpc_url, sizeof(w->rpc_url), "%s", w->s.ipc);
	if (w->s.events[0] != '\0')
		snprintf(w->events_url, sizeof(w->events_url), "%s", w->s.events);
	if ((rc = ipc_url_check(w->rpc_url)) < 0 ||
	    (rc = ipc_url_check(w->events_url)) < 0) {
		log_error(rc, "IPC URL");
		return rc;
	}
	if (strlen(w->s.auto_reply) > MSG_AUTO_REPLY_MAX) {
		log_errorx("--auto-reply: at most %d bytes", MSG_AUTO_REPLY_MAX);
		return -EINVAL;
	}
	if (w->s.hook_url[0] != '\0') {
		if (w->s.hook_cmd[0] != '\0') {
			log_errorx("--hook-cmd and --hook-url: choose one");
			return -EINVAL;
		}
		if (strlen(w->s.hook_url) >= HOOK_URL_MAX ||
		    webhook_url_check(w->s.hook_url) < 0) {
			log_errorx("--hook-url: expected http(s)://HOST[:PORT]/PATH");
			return -EINVAL;
		}
	}
	if (!pair_code_display_ok(w->s.pair_display)) {
		log_errorx("--pair-display '%s': WhatsApp accepts only "
		    "\"Browser (OS)\", e.g. \"Chrome (Linux)\"", w->s.pair_display);
		return -EINVAL;
	}
	if (strlen(w->s.pair_platform) != 1 ||
	    strchr("0123456789ce", w->s.pair_platform[0]) == NULL) {
		log_errorx("--pair-platform '%s': one of 0-9, c, e (1 = Chrome)",
		    w->s.pair_platform);
		return -EINVAL;
	}
	if (w->s.pair_phone[0] != '\0' &&
	    pair_code_phone(w->s.pair_phone, phone) < 0) {
		log_errorx("--pair-phone '%s': the number with its country code, "
		    "7 to 15 digits, not starting with 0", w->s.pair_phone);
		return -EINVAL;
	}
	if ((rc = load_trust_root(w)) < 0 || (rc = load_session_key(w)) < 0)
		return rc;
	return 0;
}

static int
open_store(struct worker *w)
{
	struct store_cfg sc = { .data_dir = w->s.data, .client_id = w->s.client_id,
	    .key = w->key, .backups_keep = (uint32_t)w->s.backups_keep };
	char why[PERMS_WHY_MAX];
	pid_t holder = 0;
	int rc;

	/* Like run/: a data directory others can write is not ours alone. */
	if ((rc = perms_check(w->s.data, "data directory", why)) < 0 &&
	    rc != -ENOENT) {
		log_errorx("%s", why);
		return rc;
	}
	if ((rc = store_open(&sc, &w->st, &holder)) == -EBUSY) {
		log_errorx("session '%s' in %s is in use by another worker%s%ld; "
		    "refusing to start a second one", w->s.client_id, w->s.data,
		    holder > 0 ? " (pid " : "", (long)holder);
		return rc;
	}
	if (rc < 0)
		log_error(rc, "cannot open the session store in %s", w->s.data);
	return rc;
}

static int
open_whitelist(struct worker *w)
{
	char path[4096], why[WHITELIST_WHY_MAX], pwhy[PERMS_WHY_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", w->s.data, WHITELIST_FILE_NAME);
	/* The whitelist decides who reaches the hook: only ours to write. */
	if ((rc = perms_check(path, "whitelist file", pwhy)) < 0 &&
	    rc != -ENOENT) {
		log_errorx("%s", pwhy);
		return rc;
	}
	if ((w->wl = whitelist_new(path)) == NULL)
		return -ENOMEM;
	if ((rc = whitelist_load(w->wl, why)) < 0)
		/* Fail closed, but keep the link: nobody is served until it is fixed. */
		log_error(rc, "WHITELIST %s REFUSED: %s; serving nobody until it is "
		    "fixed and reloaded (kill -HUP)", path, why);
	else {
		whitelist_log_report(w->wl, path);
		log_info("whitelist: %zu numbers", whitelist_count(w->wl));
	}
	return 0;
}

static void
reload_whitelist(struct worker *w)
{
	char why[WHITELIST_WHY_MAX], path[4096], pwhy[PERMS_WHY_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", w->s.data, WHITELIST_FILE_NAME);
	if ((rc = perms_check(path, "whitelist file", pwhy)) < 0 &&
	    rc != -ENOENT) {
		log_errorx("whitelist reload refused: %s; keeping the current "
		    "%zu numbers", pwhy, whitelist_count(w->wl));
		return;
	}
	if ((rc = whitelist_load(w->wl, why)) < 0) {
		log_error(rc, "whitelist reload refused: %s; keeping the current "
		    "%zu numbers", why, whitelist_count(w->wl));
		return;
	}
	whitelist_log_report(w->wl, path);
	log_info("whitelist reloaded: %zu numbers", whitelist_count(w->wl));
	worker_ipc_publish_whitelist_reloaded(w->ipc);
}

static void
shutdown_done(void *arg)
{
	struct worker *w = arg;

	w->quit = true;
	lws_cancel_service(w->cx);
}

static void
handle_signals(struct worker *w)
{
	unsigned char sig;

	while (read(w->sig_pipe[0], &sig, 1) == 1) {
		switch (sig) {
		case SIGHUP:
			reload_whitelist(w);
			break;
		case SIGINT:
		case SIGTERM:
			log_info("signal %d: closing the link cleanly", sig);
			link_shutdown(w->link, shutdown_done, w);
			break;
		}
	}
}

/* Raw fds on the loop: the signal pipe and the IPC request socket. */
static int
fd_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct worker *w = lws_context_user(lws_get_context(wsi));

	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	if (lws_get_socket_fd(wsi) == w->sig_pipe[0]) {
		handle_signals(w);
		return 0;
	}
	if (worker_ipc_service(w->ipc) < 0)
		log_warnx("ipc: request socket failed; requests go unanswered");
	/*
	 * A reply owed (a whitelist save under way): the next request stays
	 * in the socket and keeps its fd readable; stop polling it until the
	 * reply is sent (ipc_reply_sent), or the loop would spin.
	 */
	if (worker_ipc_waiting(w->ipc))
		lws_rx_flow_control(wsi, 0);
	return 0;
}

/* The owed reply went out: requests are read again. */
static void
ipc_reply_sent(void *arg)
{
	struct worker *w = arg;

	if (w->ipc_wsi != NULL)
		lws_rx_flow_control(w->ipc_wsi, 1);
}

static const struct lws_protocols fd_protocol = {
	.name = "walink-fd",
	.callback = fd_callback,
};

static int
watch_fd(struct worker *w, int fd, struct lws **out)
{
	lws_sock_file_fd_type u;
	struct lws *wsi;

	u.filefd = fd;
	if ((wsi = lws_adopt_descriptor_vhost(lws_get_vhost_by_name(w->cx,
	    "default"), LWS_ADOPT_RAW_FILE_DESC, u, fd_protocol.name,
	    NULL)) == NULL)
		return -ENOMEM;
	if (out != NULL)
		*out = wsi;
	return 0;
}

static void
ev_state(void *arg, const struct link_view *v)
{
	struct worker *w = arg;

	w->link_up = v->state == LS_CONNECTED || v->state == LS_UNSTABLE;
	worker_ipc_on_state(w->ipc, v);
	if (w->msg != NULL)
		msg_on_link_state(w->msg, v->state == LS_CONNECTED ||
		    v->state == LS_UNSTABLE);
	/* The code is meant to be typed: the terminal shows it, logs never do. */
	if (w->s.qr_terminal && v->code.status != w->code_status_shown) {
		w->code_status_shown = v->code.status;
		if (v->code.status == LCS_SHOWN)
			printf("\nPairing code for +%s:  %s\n%s\n", v->code.phone,
			    v->code.code, v->code.detail);
		else if (v->code.status != LCS_NONE &&
		    v->code.status != LCS_REQUESTING)
			printf("\nPairing code: %s\n", v->code.detail);
		fflush(stdout);
	}
}

static void
ev_heartbeat(void *arg, const struct link_view *v)
{
	worker_ipc_on_heartbeat(((struct worker *)arg)->ipc, v);
}

static void
ev_qr_expired(void *arg, const struct link_view *v)
{
	worker_ipc_on_qr_expired(((struct worker *)arg)->ipc, v);
}

static void
ev_qr(void *arg, const struct link_view *v)
{
	struct worker *w = arg;

	worker_ipc_on_qr(w->ipc, v);
	if (w->s.qr_terminal && v->has_qr) {
		printf("\nScan with WhatsApp > Settings > Linked devices "
		    "(QR %u of round %u):\n", v->qr_ref_index, v->qr_round);
		qr_text_print(stdout, v->qr, isatty(STDOUT_FILENO));
		fflush(stdout);
	}
}

static void
ev_stanza(void *arg, const struct bn_node *n)
{
	struct worker *w = arg;

	if (w->msg != NULL)
		msg_on_stanza(w->msg, n);
}

static int
setup_loop(struct worker *w)
{
	/* lws keeps a pointer to the list: it must live as long as the loop. */
	static struct lws_protocols protocols[6];
	static char queue_dir[PATH_MAX], media_dir[PATH_MAX], send_dir[PATH_MAX];
	struct link_events ev = {
		.state = ev_state, .heartbeat = ev_heartbeat, .qr = ev_qr,
		.qr_expired = ev_qr_expired, .stanza = ev_stanza, .arg = w,
		/* acked once journaled (message/msg_inbox.c) */
		.defer_message_acks = true,
	};
	struct msg_cfg mc;
	struct link_cfg lc;
	struct ws_url url;
	int fds[WORKER_IPC_FDS_MAX], n, i, rc, dupfd;

	if (pipe2(w->sig_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return -errno;
	protocols[0] = *ws_client_protocol();
	protocols[1] = fd_protocol;
	protocols[2] = *hook_protocol();
	protocols[3] = *webhook_protocol();
	protocols[4] = *msg_media_protocol();
	/* a ws:// URL (simulator) needs no TLS: ws_url_parse checked it */
	if ((rc = ws_url_parse(w->s.url, &url)) < 0 ||
	    (rc = ws_context_new_with(w->s.test_ca_file[0] ? w->s.test_ca_file :
	    NULL, url.tls, protocols, w, &w->cx)) < 0) {
		log_error(rc, "cannot set up the network loop");
		return rc;
	}
	if ((rc = worker_ipc_open(w->rpc_url, w->events_url, NULL, NULL, w->wl,
	    &w->ipc)) < 0) {
		log_error(rc, "cannot bind IPC sockets %s and %s", w->rpc_url,
		    w->events_url);
		return rc;
	}
	worker_ipc_set_session(w->ipc, w->s.client_id);
	/* one writer thread for the session's files, in order (store_writer.h) */
	if ((rc = store_writer_new(w->cx, &w->writer)) < 0) {
		log_error(rc, "cannot start the store writer");
		return rc;
	}
	worker_ipc_set_writer(w->ipc, w->writer, ipc_reply_sent, w);
	memset(&mc, 0, sizeof(mc));
	mc.cx = w->cx;
	mc.writer = w->writer;
	mc.st = w->st;
	mc.wl = w->wl;
	mc.ipc = w->ipc;
	mc.hook.cmd = w->s.hook_cmd;
	mc.hook.url = w->s.hook_url;
	mc.hook.timeout_ms = w->s.hook_timeout_ms;
	mc.hook.max = (uint32_t)w->s.hook_max;
	snprintf(queue_dir, sizeof(queue_dir), "%s/webhooks/%s", w->s.data,
	    w->s.client_id);
	mc.hook.queue_dir = queue_dir;
	mc.hook.secret_file = w->s.hook_secret_file;
	mc.hook.retries = (uint32_t)w->s.hook_retries;
	mc.hook.retry_base_ms = w->s.hook_retry_base_ms;
	mc.hook.link_up = &w->link_up;
	mc.hook.webhook_out = &w->webhook;
	snprintf(media_dir, sizeof(media_dir), "%s/media/%s", w->s.data, w->s.client_id);
	mc.media.dir = media_dir;
	mc.media.max_bytes = w->s.media_max_bytes;
	mc.media.ca_file = w->s.media_ca_file[0] != '\0' ? w->s.media_ca_file : NULL;
	mc.media.retention_s = w->s.media_retention_ms / 1000;
	mc.media.retry_wait_ms = w->s.media_retry_wait_ms;
	mc.media.max_total = w->s.media_max_total;
	mc.auto_reply = w->s.auto_reply;
	snprintf(send_dir, sizeof(send_dir), "%s/send/%s", w->s.data, w->s.client_id);
	/* where bots write the files they answer with (README "Answers") */
	if ((rc = mkdir_mode(send_dir, 0700, 0)) < 0)
		log_warn(rc, "cannot create %s: bots cannot send files", send_dir);
	mc.answer.send_dir = send_dir;
	mc.answer.send_max_bytes = w->s.send_max_bytes;
	mc.answer.pace_per_chat = (uint32_t)w->s.pace_per_chat;
	mc.answer.pace_global = (uint32_t)w->s.pace_global;
	mc.answer.typing_ms = w->s.typing_ms;
	if ((rc = msg_status_tab_new(w->writer, w->st, &w->status)) < 0) {
		log_error(rc, "cannot set up message statuses");
		return rc;
	}
	mc.status = w->status;
	mc.hook_status = w->s.hook_status;
	if ((rc = msg_new(&mc, &w->msg)) < 0) {
		log_error(rc, "cannot set up messaging (--hook-url, --hook-secret-file, data directory)");
		return rc;
	}
	worker_ipc_set_webhook(w->ipc, w->webhook);
	worker_ipc_set_messages(w->ipc, w->msg, w->status);
	if (w->s.hook_cmd[0] == '\0' && w->s.hook_url[0] == '\0')
		log_warnx("no --hook-cmd or --hook-url: whitelisted messages get no reply");
	memset(&lc, 0, sizeof(lc));
	lc.url = w->s.url;
	lc.origin = w->s.origin;
	lc.trust_root = w->root;
	lc.version_auto = strcmp(w->s.wa_version, "auto") == 0;
	lc.version_url = w->s.wa_version_url;
	wa_version_parse(lc.version_auto ? WA_VERSION_DEFAULT : w->s.wa_version,
	    &lc.version);
	lc.device_name = w->s.device_name;
	lc.code_display = w->s.pair_display;
	lc.code_platform_id = w->s.pair_platform;
	lc.auth_timeout_ms = w->s.auth_timeout_ms;
	lc.heartbeat_ms = w->s.heartbeat_ms;
	lc.keepalive_misses = (uint32_t)w->s.keepalive_misses;
	lc.reconnect_wait_ms = w->s.reconnect_wait_ms;
	lc.backoff_cap_ms = w->s.backoff_cap_ms;
	lc.backup_interval_ms = w->s.backup_interval_ms;
	lc.qr_rounds = (uint32_t)w->s.qr_rounds;
	lc.qr_first_ms = w->s.qr_first_ms;
	lc.qr_next_ms = w->s.qr_next_ms;
	lc.writer = w->writer;
	if ((rc = link_new(w->cx, &lc, w->st, &ev, &w->link)) < 0)
		return rc;
	msg_attach_link(w->msg, w->link);
	worker_ipc_attach(w->ipc, &worker_ipc_link_ops, w->link);
	if ((rc = watch_fd(w, w->sig_pipe[0], NULL)) < 0)
		return rc;
	n = worker_ipc_fds(w->ipc, fds);
	for (i = 0; i < n; i++) {
		/* lws closes what it adopts; nanomsg must keep its own fd. */
		if ((dupfd = fcntl(fds[i], F_DUPFD_CLOEXEC, 0)) == -1)
			return -errno;
		if ((rc = watch_fd(w, dupfd, &w->ipc_wsi)) < 0)
			return rc;
	}
	return 0;
}

static void
install_signals(struct worker *w)
{
	struct sigaction sa;

	signal_fd = w->sig_pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() wakes up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
cleanup(struct worker *w)
{
	link_free(w->link);
	msg_free(w->msg);	/* kills running hooks; their pipes close with the loop */
	msg_status_tab_free(w->status);	/* its last lines reach the disk */
	store_writer_free(w->writer);	/* its users are gone: nothing queued */
	worker_ipc_close(w->ipc);
	ws_context_free(w->cx);
	whitelist_free(w->wl);
	store_close(w->st);
	sodium_free(w->key);
	if (w->sig_pipe[0] >= 0) {
		close(w->sig_pipe[1]);	/* [0] was adopted and closed by lws */
	}
}

int
main(int argc, char *argv[])
{
	static struct worker w;
	char err[CFG_ERR_MAX];
	int rc;

	w.sig_pipe[0] = w.sig_pipe[1] = -1;
	w.s.qr_terminal = isatty(STDOUT_FILENO);
	if ((rc = cfg_parse(options, sizeof(options) / sizeof(options[0]), &w.s,
	    argc, argv, NULL, err)) != 0) {
		if (rc == 1) {
			cfg_usage(stdout, "wa-worker [settings]", options,
			    sizeof(options) / sizeof(options[0]));
			return 0;
		}
		fprintf(stderr, "wa-worker: %s\n", err);
		return 2;
	}
	if (sodium_init() < 0)
		fatalx("libsodium cannot start");
	harden_process();
	lws_set_log_level(LLL_ERR, NULL);
	if (check_settings(&w) < 0)
		return 2;
	if (open_store(&w) < 0 || open_whitelist(&w) < 0) {
		cleanup(&w);
		return 1;
	}
	if (w.s.check) {
		printf("wa-worker: settings and data directory OK\n");
		cleanup(&w);
		return 0;
	}
	if (setup_loop(&w) < 0) {
		cleanup(&w);
		return 1;
	}
	install_signals(&w);
	log_info("wa-worker %s: session '%s' in %s; ipc %s; events %s",
	    PROJECT_VERSION, w.s.client_id, w.s.data, w.rpc_url, w.events_url);
	if ((rc = link_start(w.link)) < 0) {
		cleanup(&w);
		return 1;
	}
	if (w.s.pair_phone[0] != '\0' && !link_creds(w.link)->paired) {
		char phone[PAIR_CODE_PHONE_MAX];

		pair_code_phone(w.s.pair_phone, phone);
		if ((rc = link_request_pair_code(w.link, phone)) < 0)
			log_warn(rc, "could not ask for a pairing code");
	}
	while (!w.quit)
		if (lws_service(w.cx, 0) < 0)
			break;
	log_info("wa-worker: stopped");
	cleanup(&w);
	return 0;
}
