/*
 * hook.c: running hooks beside the loop. A run forks a child in its own
 * process group: with --hook-cmd it execs /bin/sh -c CMD with the JSON
 * as its stdin in a sealed memfd (a file in memory: writing it never
 * waits on the child, whatever the JSON's size, and a hook that never
 * reads it holds nothing up); --hook-url events go to the webhook queue
 * (webhook/webhook.c, libcurl on the loop). Its stdout pipe is adopted as
 * a raw file on the lws loop and read a bounded amount per loop turn; a
 * hook that floods it past HOOK_FLOOD_MAX is killed. A timer per run kills
 * the group at the timeout, and a short timer reaps the child with
 * waitpid(WNOHANG) once its stdout is closed.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "log.h"

#include "hook.h"
#include "hook_env.h"
#include "webhook/webhook.h"

extern char **environ;

#define HOOK_REAP_MS	20		/* waitpid polling once stdout closed */
#define HOOK_READ_MAX	(HOOK_REPLY_MAX + 4096)	/* room for whitespace to trim */
/* Output read per loop turn: a hook writing without pause gets no more. */
#define HOOK_READ_TURN	(64u * 1024)
/* Output past this (kept or dropped) is a runaway hook: killed. */
#define HOOK_FLOOD_MAX	(16u * 1024 * 1024)

struct hook_job {
	struct hook		*h;
	TAILQ_ENTRY(hook_job)	 entry;
	char			 tag[HOOK_TAG_MAX];
	char			*json;
	size_t			 json_len;
	pid_t			 pid;
	struct lws		*wsi;		/* stdout; NULL once closed */
	char			*out;
	size_t			 out_len;
	uint64_t		 out_total;	/* bytes read, kept or not */
	bool			 reaped, timed_out, flooded;
	int			 wstatus;
	lws_sorted_usec_list_t	 sul_timeout, sul_reap;
};
TAILQ_HEAD(hook_jobs, hook_job);

struct hook {
	struct lws_context	*cx;
	char			 cmd[4096];
	char			 url[HOOK_URL_MAX];
	uint64_t		 timeout_ms;
	uint32_t		 max, running;
	size_t			 queued;
	hook_done_fn		*done;
	void			*arg;
	char			**env;		/* hook_env.h: no operator secrets */
	struct hook_jobs	 run, wait;
	struct webhook		*wh;		/* --hook-url: delivered by libcurl */
};

static int	hook_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

static const struct lws_protocols hook_proto = {
	.name = "walink-hook",
	.callback = hook_callback,
};

const struct lws_protocols *
hook_protocol(void)
{
	return &hook_proto;
}

bool
hook_enabled(const struct hook *h)
{
	return h != NULL && (h->cmd[0] != '\0' || h->url[0] != '\0');
}

/* --hook-url: an answered webhook is a hook run that ended. */
static void
webhook_done(void *arg, const char *tag, enum webhook_outcome how, int status,
    const char *body, size_t len)
{
	struct hook *h = arg;
	size_t a = 0, n = 0;

	if (how == WEBHOOK_DELIVERED)
		hook_reply_trim(body, len, &a, &n);
	h->done(h->arg, tag, how == WEBHOOK_DELIVERED ? HOOK_OK : HOOK_FAILED,
	    status, body + a, n);
}

static int
hook_webhook_new(struct hook *h, const struct hook_cfg *cfg)
{
	struct webhook_cfg wc = {
		.url = cfg->url, .secret_file = cfg->secret_file,
		.dir = cfg->queue_dir, .timeout_ms = h->timeout_ms,
		.max_attempts = cfg->retries, .retry_base_ms = cfg->retry_base_ms,
		.max_inflight = h->max, .ready = cfg->link_up,
	};

	int rc;

	if ((rc = webhook_new(h->cx, &wc, webhook_done, h, &h->wh)) == 0 &&
	    cfg->webhook_out != NULL)
		*cfg->webhook_out = h->wh;
	return rc;
}

int
hook_new(struct lws_context *cx, const struct hook_cfg *cfg, hook_done_fn *done,
    void *arg, struct hook **out)
{
	struct hook *h;
	int rc;

	if (cfg->url != NULL && cfg->url[0] != '\0' &&
	    (strlen(cfg->url) >= HOOK_URL_MAX || webhook_url_check(cfg->url) < 0))
		return -EINVAL;
	if (cfg->cmd != NULL && strlen(cfg->cmd) >= sizeof(h->cmd))
		return -ENAMETOOLONG;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	if ((h->env = hook_env_build(environ)) == NULL) {
		free(h);
		return -ENOMEM;
	}
	h->cx = cx;
	snprintf(h->cmd, sizeof(h->cmd), "%s", cfg->cmd ? cfg->cmd : "");
	snprintf(h->url, sizeof(h->url), "%s", cfg->url ? cfg->url : "");
	h->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
	h->max = cfg->max ? cfg->max : 4;
	h->done = done;
	h->arg = arg;
	TAILQ_INIT(&h->run);
	TAILQ_INIT(&h->wait);
	if (h->url[0] != '\0' && (rc = hook_webhook_new(h, cfg)) < 0) {
		hook_env_free(h->env);
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

static void
job_free(struct hook_job *j)
{
	if (j == NULL)
		return;
	if (j->json != NULL) {
		sodium_memzero(j->json, j->json_len);
		free(j->json);
	}
	if (j->out != NULL) {
		sodium_memzero(j->out, j->out_len);
		free(j->out);
	}
	free(j);
}

void
hook_free(struct hook *h)
{
	struct hook_job *j;

	if (h == NULL)
		return;
	webhook_free(h->wh);
	while ((j = TAILQ_FIRST(&h->run)) != NULL) {
		TAILQ_REMOVE(&h->run, j, entry);
		lws_sul_cancel(&j->sul_timeout);
		lws_sul_cancel(&j->sul_reap);
		/* lws closes the pipe later, with the context: nothing to find then. */
		if (j->wsi != NULL)
			lws_set_opaque_user_data(j->wsi, NULL);
		if (!j->reaped && j->pid > 0) {
			kill(-j->pid, SIGKILL);
			kill(j->pid, SIGKILL);
			waitpid(j->pid, NULL, 0);
		}
		job_free(j);
	}
	while ((j = TAILQ_FIRST(&h->wait)) != NULL) {
		TAILQ_REMOVE(&h->wait, j, entry);
		job_free(j);
	}
	hook_env_free(h->env);
	free(h);
}

/*
 * The child (--hook-cmd; --hook-url goes through webhook/): never returns.
 * It only calls what is safe after fork() in a process with threads
 * (nanomsg has some) before exec.
 */
static void
child(struct hook *h, struct hook_job *j, int in_fd, int out_fd)
{
	(void)j;
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(126);
	closefrom(STDERR_FILENO + 1);
	execle("/bin/sh", "sh", "-c", h->cmd, (char *)NULL, h->env);
	_exit(127);
}

/*
 * The JSON goes into a sealed memfd before the child exists: a write to a
 * file in memory never waits on a reader, which a pipe's does past its
 * capacity (a text of control characters escapes to six times its size).
 */
static int
fill_stdin(struct hook_job *j, int *fd_out)
{
	size_t off = 0;
	ssize_t n;
	int fd, rc;

	if ((fd = memfd_create("walink-hook-input",
	    MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
		return -errno;
	while (off < j->json_len) {
		if ((n = write(fd, j->json + off, j->json_len - off)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out_close;
		}
		off += (size_t)n;
	}
	/* The hook reads the message, it cannot change it for a later reader. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	    F_SEAL_SEAL) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		rc = -errno;
		goto out_close;
	}
	*fd_out = fd;
	return 0;
out_close:
	close(fd);
	return rc;
}

static void	job_timeout(lws_sorted_usec_list_t *);

static int
job_start(struct hook *h, struct hook_job *j)
{
	lws_adopt_desc_t ad;
	int in = -1, outp[2];
	int rc;

	if (h->url[0] == '\0' && (rc = fill_stdin(j, &in)) < 0)
		return rc;
	if (pipe2(outp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out_in;
	}
	if ((j->pid = fork()) < 0) {
		rc = -errno;
		close(outp[0]);
		close(outp[1]);
		goto out_in;
	}
	if (j->pid == 0)
		child(h, j, in, outp[1]);
	setpgid(j->pid, j->pid);	/* both sides: no race with the kill */
	close(outp[1]);
	if (in >= 0)
		close(in);
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	memset(&ad, 0, sizeof(ad));
	ad.vh = lws_get_vhost_by_name(h->cx, "default");
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = outp[0];
	ad.vh_prot_name = hook_proto.name;
	ad.opaque = j;
	if ((j->wsi = lws_adopt_descriptor_vhost_via_info(&ad)) == NULL) {
		/* lws closed the fd: the child gets EPIPE; time it out. */
		log_warnx("hook: could not watch the hook's output");
	}
	lws_sul_schedule(h->cx, 0, &j->sul_timeout, job_timeout,
	    (lws_usec_t)h->timeout_ms * LWS_US_PER_MS);
	return 0;
out_in:
	if (in >= 0)
		close(in);
	return rc;
}

static void
job_finish(struct hook_job *j)
{
	struct hook *h = j->h;
	enum hook_status st;
	size_t a = 0, n = 0;
	int code = 0;

	lws_sul_cancel(&j->sul_timeout);
	lws_sul_cancel(&j->sul_reap);
	TAILQ_REMOVE(&h->run, j, entry);
	h->running--;
	if (j->timed_out) {
		st = HOOK_TIMEOUT;
	} else if (j->flooded) {
		st = HOOK_FAILED;
		code = SIGKILL;
	} else if (WIFEXITED(j->wstatus) && WEXITSTATUS(j->wstatus) == 0) {
		st = HOOK_OK;
		hook_reply_trim(j->out ? j->out : "", j->out_len, &a, &n);
	} else {
		st = HOOK_FAILED;
		code = WIFEXITED(j->wstatus) ? WEXITSTATUS(j->wstatus) :
		    WIFSIGNALED(j->wstatus) ? WTERMSIG(j->wstatus) : -1;
	}
	h->done(h->arg, j->tag, st, code, j->out ? j->out + a : "", n);
	job_free(j);
	/* The next waiting message takes the slot. */
	while (h->running < h->max && (j = TAILQ_FIRST(&h->wait)) != NULL) {
		int rc;

		TAILQ_REMOVE(&h->wait, j, entry);
		h->queued--;
		TAILQ_INSERT_TAIL(&h->run, j, entry);
		h->running++;
		if ((rc = job_start(h, j)) < 0) {
			TAILQ_REMOVE(&h->run, j, entry);
			h->running--;
			h->done(h->arg, j->tag, HOOK_ERROR, rc, "", 0);
			job_free(j);
		}
	}
}

static void
job_reap(lws_sorted_usec_list_t *sul)
{
	struct hook_job *j = lws_container_of(sul, struct hook_job, sul_reap);
	pid_t r = waitpid(j->pid, &j->wstatus, WNOHANG);

	if (r == j->pid || (r < 0 && errno == ECHILD)) {
		j->reaped = true;
		if (j->wsi == NULL)
			job_finish(j);
		return;
	}
	lws_sul_schedule(j->h->cx, 0, &j->sul_reap, job_reap,
	    HOOK_REAP_MS * LWS_US_PER_MS);
}

/* Stops a run now: its group is killed, the reap timer collects it. */
static void
job_kill(struct hook_job *j)
{
	kill(-j->pid, SIGKILL);
	kill(j->pid, SIGKILL);
	/* A grandchild outside the group may hold stdout: stop listening. */
	if (j->wsi != NULL)
		lws_set_timeout(j->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT,
		    LWS_TO_KILL_ASYNC);
	lws_sul_schedule(j->h->cx, 0, &j->sul_reap, job_reap, 0);
}

static void
job_timeout(lws_sorted_usec_list_t *sul)
{
	struct hook_job *j = lws_container_of(sul, struct hook_job, sul_timeout);

	j->timed_out = true;
	job_kill(j);
}

/*
 * At most HOOK_READ_TURN per call: poll is level-triggered, so what is
 * left comes back next turn, after the timers and the WebSocket had theirs.
 */
static int
read_out(struct hook_job *j, int fd)
{
	char buf[4096];
	size_t turn = 0;
	ssize_t n;

	while (turn < HOOK_READ_TURN) {
		if ((n = read(fd, buf, sizeof(buf))) < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1;	/* EOF: let lws close the wsi and fd */
		turn += (size_t)n;
		j->out_total += (uint64_t)n;
		if (j->out_total > HOOK_FLOOD_MAX && !j->flooded) {
			log_warnx("hook for %s: wrote more than %u bytes; killed",
			    j->tag, HOOK_FLOOD_MAX);
			j->flooded = true;
			lws_sul_cancel(&j->sul_timeout);
			kill(-j->pid, SIGKILL);
			kill(j->pid, SIGKILL);
			return -1;	/* lws closes stdout; the close reaps */
		}
		if (j->out == NULL && (j->out = malloc(HOOK_READ_MAX)) == NULL)
			return -1;
		/* Past the ceiling the rest is read and dropped. */
		if ((size_t)n > HOOK_READ_MAX - j->out_len)
			n = (ssize_t)(HOOK_READ_MAX - j->out_len);
		memcpy(j->out + j->out_len, buf, (size_t)n);
		j->out_len += (size_t)n;
	}
	return 0;
}

static int
hook_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct hook_job *j = lws_get_opaque_user_data(wsi);

	(void)user, (void)in, (void)len;
	if (j == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		return read_out(j, lws_get_socket_fd(wsi));
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		j->wsi = NULL;
		lws_set_opaque_user_data(wsi, NULL);
		if (j->reaped)
			job_finish(j);
		else
			lws_sul_schedule(j->h->cx, 0, &j->sul_reap, job_reap, 0);
		return 0;
	default:
		return 0;
	}
}

/* The webhook queue owns the event from here (on disk until delivered). */
static int
hook_run_webhook(struct hook *h, const struct hook_input *in, const char *tag)
{
	char *json;
	size_t len;
	int rc;

	if ((rc = hook_json_input(in, &json, &len)) < 0)
		return rc;
	rc = webhook_submit(h->wh, json, len, tag, NULL);
	sodium_memzero(json, len);
	free(json);
	return rc;
}

int
hook_run(struct hook *h, const struct hook_input *in, const char *tag)
{
	struct hook_job *j;
	int rc;

	if (!hook_enabled(h))
		return -ENOSYS;
	if (h->wh != NULL)
		return hook_run_webhook(h, in, tag);
	if (h->running >= h->max && h->queued >= HOOK_QUEUE_MAX)
		return -EBUSY;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->h = h;
	snprintf(j->tag, sizeof(j->tag), "%s", tag);
	if ((rc = hook_json_input(in, &j->json, &j->json_len)) < 0) {
		job_free(j);
		return rc;
	}
	if (h->running >= h->max) {
		TAILQ_INSERT_TAIL(&h->wait, j, entry);
		h->queued++;
		return 0;
	}
	TAILQ_INSERT_TAIL(&h->run, j, entry);
	h->running++;
	if ((rc = job_start(h, j)) < 0) {
		TAILQ_REMOVE(&h->run, j, entry);
		h->running--;
		job_free(j);
	}
	return rc;
}
