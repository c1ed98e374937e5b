/*
 * hook.c: running hooks beside the loop. A run forks a child in its own
 * process group: with --hook-cmd it execs /bin/sh -c CMD with the JSON
 * already in its stdin pipe (sized up front with F_SETPIPE_SZ, so the
 * worker never writes to a child); --hook-url events go to the webhook
 * queue (webhook/webhook.c, libcurl on the loop). Its stdout pipe is adopted as a raw file on the
 * lws loop; a timer per run kills the group at the timeout, and a short
 * timer reaps the child with waitpid(WNOHANG) once its stdout is closed.
 */
#include <sys/types.h>
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
#include "webhook/webhook.h"

#define HOOK_PIPE_SZ	(1 << 20)	/* Linux's default pipe-max-size */
#define HOOK_REAP_MS	20		/* waitpid polling once stdout closed */
#define HOOK_READ_MAX	(HOOK_REPLY_MAX + 4096)	/* room for whitespace to trim */

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
	bool			 reaped, timed_out;
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
	execl("/bin/sh", "sh", "-c", h->cmd, (char *)NULL);
	_exit(127);
}

/* The JSON goes into the stdin pipe before the child exists. */
static int
fill_stdin(struct hook_job *j, int fds[2])
{
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if (j->json_len > 65536 && fcntl(fds[1], F_SETPIPE_SZ, HOOK_PIPE_SZ) < 0)
		goto out_close;
	if ((n = write(fds[1], j->json, j->json_len)) < 0 ||
	    (size_t)n != j->json_len)
		goto out_close;
	close(fds[1]);
	fds[1] = -1;
	return 0;
out_close:
	close(fds[0]);
	close(fds[1]);
	return -EMSGSIZE;
}

static void	job_timeout(lws_sorted_usec_list_t *);

static int
job_start(struct hook *h, struct hook_job *j)
{
	lws_adopt_desc_t ad;
	int in[2] = { -1, -1 }, outp[2];
	int rc;

	if (h->url[0] == '\0' && (rc = fill_stdin(j, in)) < 0)
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
		child(h, j, in[0], outp[1]);
	setpgid(j->pid, j->pid);	/* both sides: no race with the kill */
	close(outp[1]);
	if (in[0] >= 0)
		close(in[0]);
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
	if (in[0] >= 0)
		close(in[0]);
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

static void
job_timeout(lws_sorted_usec_list_t *sul)
{
	struct hook_job *j = lws_container_of(sul, struct hook_job, sul_timeout);

	j->timed_out = true;
	kill(-j->pid, SIGKILL);
	kill(j->pid, SIGKILL);
	/* A grandchild outside the group may hold stdout: stop listening. */
	if (j->wsi != NULL)
		lws_set_timeout(j->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT,
		    LWS_TO_KILL_ASYNC);
	lws_sul_schedule(j->h->cx, 0, &j->sul_reap, job_reap, 0);
}

static int
read_out(struct hook_job *j, int fd)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1;	/* EOF: let lws close the wsi and fd */
		if (j->out == NULL && (j->out = malloc(HOOK_READ_MAX)) == NULL)
			return -1;
		/* Past the ceiling the rest is read and dropped. */
		if ((size_t)n > HOOK_READ_MAX - j->out_len)
			n = (ssize_t)(HOOK_READ_MAX - j->out_len);
		memcpy(j->out + j->out_len, buf, (size_t)n);
		j->out_len += (size_t)n;
	}
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
