/*
 * hub.c: the sessions and the one event thread (hub.h): the registry,
 * the sessions dir and file, events in; pings are hub_ping.c's, the SSE
 * frames hub_ring.c's.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nanomsg/nn.h>

#include "clock.h"
#include "hub_impl.h"
#include "ipc/client.h"
#include "log.h"

/* A dead worker's events socket is retried at most this far apart. */
#define HUB_RECONNECT_MAX_MS	2000

bool
ctl_session_id_ok(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (i >= CTL_SESSION_ID_MAX ||
		    !((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '_' ||
		    id[i] == '-'))
			return false;
	return i > 0;
}

static uint32_t
id_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

int
ctl_hub_new(size_t capacity, struct ctl_hub **out)
{
	struct ctl_hub *h;
	int s;

	if (capacity == 0)
		capacity = CTL_HUB_SESSIONS_MAX;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	h->cap = capacity;
	for (h->nslots = 16; h->nslots < 2 * capacity; h->nslots *= 2)
		;
	h->sessions = calloc(capacity, sizeof(*h->sessions));
	h->slots = calloc(h->nslots, sizeof(*h->slots));
	if (h->sessions == NULL || h->slots == NULL) {
		free(h->sessions);
		free((void *)h->slots);
		free(h);
		return -ENOMEM;
	}
	pthread_mutex_init(&h->reg_lock, NULL);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->sub = -1;
	h->pool_max = CTL_IPC_POOL_MAX;
	/* shared/ipc.c's SUB set-up (size cap, subscribe all); the sessions'
	 * event URLs are connected as they are added */
	if ((s = ipc_connect_sub("inproc://walink-hub-none", CTL_WATCH_RECV_MS)) < 0) {
		ctl_hub_free(h);
		return s;
	}
	h->sub = s;
	s = HUB_RECONNECT_MAX_MS;
	nn_setsockopt(h->sub, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX, &s, sizeof(s));
	*out = h;
	return 0;
}

size_t
ctl_hub_count(struct ctl_hub *h)
{
	return atomic_load(&h->n);
}

struct ctl_watch *
ctl_hub_at(struct ctl_hub *h, size_t i)
{
	return i < atomic_load(&h->n) ? h->sessions[i] : NULL;
}

struct ctl_watch *
ctl_hub_find(struct ctl_hub *h, const char *id)
{
	size_t k = id_hash(id) & (h->nslots - 1);
	uint32_t v;

	while ((v = atomic_load(&h->slots[k])) != 0) {
		if (strcmp(h->sessions[v - 1]->id, id) == 0)
			return h->sessions[v - 1];
		k = (k + 1) & (h->nslots - 1);
	}
	return NULL;
}

struct ctl_watch *
ctl_hub_default(struct ctl_hub *h)
{
	struct ctl_watch *w = ctl_hub_find(h, "default");

	return w != NULL ? w : ctl_hub_at(h, 0);
}

uint64_t
ctl_hub_ping_period_ms(struct ctl_hub *h)
{
	uint64_t p = (uint64_t)atomic_load(&h->n) * 1000 / CTL_HUB_PINGS_PER_SEC;

	return p > CTL_WATCH_PING_MS ? p : CTL_WATCH_PING_MS;
}

/*
 * nanomsg allows 512 sockets in a process: the handlers' idle sockets per
 * session shrink as sessions are added (all of the seed's pool for a few,
 * none past CTL_HUB_KEEP_SOCKETS: a request then opens its own). Caller
 * holds reg_lock.
 */
static void
pools_fit(struct ctl_hub *h, size_t n)
{
	int max = n <= 8 ? CTL_IPC_POOL_MAX : n <= CTL_HUB_KEEP_SOCKETS ? 2 : 0;
	size_t i;

	if (max != h->pool_max) {
		h->pool_max = max;
		for (i = 0; i + 1 < n; i++)
			ctl_ipc_set_pool_max(h->sessions[i]->ipc, max);
	}
	ctl_ipc_set_pool_max(h->sessions[n - 1]->ipc, max);	/* the new one */
}

int
ctl_hub_add(struct ctl_hub *h, const char *id, const char *rpc_url,
    const char *events_url, struct ctl_watch **out)
{
	struct ctl_watch *w;
	size_t n, k;
	int rc;

	if (!ctl_session_id_ok(id) || ipc_url_check(rpc_url) < 0 ||
	    ipc_url_check(events_url) < 0)
		return -EINVAL;
	pthread_mutex_lock(&h->reg_lock);
	n = atomic_load(&h->n);
	rc = ctl_hub_find(h, id) != NULL ? -EEXIST : n >= h->cap ? -ENOSPC : 0;
	if (rc == 0 && (w = malloc(sizeof(*w))) == NULL)
		rc = -ENOMEM;
	if (rc == 0 && (rc = watch_init(w, h, id, rpc_url, events_url)) < 0)
		free(w);
	if (rc == 0 && (rc = hub_events_connect(h, w)) < 0) {
		watch_destroy(w);
		free(w);
	}
	if (rc < 0) {
		pthread_mutex_unlock(&h->reg_lock);
		return rc;
	}
	w->index = (uint32_t)n;
	h->sessions[n] = w;
	k = id_hash(id) & (h->nslots - 1);
	while (atomic_load(&h->slots[k]) != 0)
		k = (k + 1) & (h->nslots - 1);
	atomic_store(&h->slots[k], (uint32_t)n + 1);
	atomic_store(&h->n, n + 1);
	pools_fit(h, n + 1);
	pthread_mutex_unlock(&h->reg_lock);
	if (out != NULL)
		*out = w;
	return 0;
}

/*
 * DIR/<id>/ for every valid id, in name order (the first is the default
 * session unless one is called "default"): the worker's default sockets
 * in its run/.
 */
static int
scan_dir(struct ctl_hub *h, const char *dir)
{
	char data[PATH_MAX + 256], rpc[IPC_URL_MAX], ev[IPC_URL_MAX];
	struct dirent **names;
	struct stat sb;
	int i, n, rc, added = 0;

	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		const char *id = names[i]->d_name;

		if (!ctl_session_id_ok(id) || ctl_hub_find(h, id) != NULL)
			continue;
		snprintf(data, sizeof(data), "%s/%s", dir, id);
		if (stat(data, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		if ((rc = ipc_default_urls(data, rpc, ev)) < 0 ||
		    (rc = ctl_hub_add(h, id, rpc, ev, NULL)) < 0) {
			log_warn(rc, "session %s in %s not added", id, dir);
			continue;
		}
		added++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return added;
}

/* "ID RPC_URL EVENTS_URL" a line; blank lines and # comments skipped. */
static int
scan_file(struct ctl_hub *h, const char *path)
{
	char line[2 * IPC_URL_MAX + CTL_SESSION_ID_MAX + 64];
	char id[CTL_SESSION_ID_MAX + 2], rpc[IPC_URL_MAX + 1], ev[IPC_URL_MAX + 1];
	unsigned lineno = 0;
	int rc, added = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (line[strspn(line, " \t")] == '#' ||
		    line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (sscanf(line, "%65s %107s %107s", id, rpc, ev) != 3) {
			log_warnx("%s:%u: expected ID RPC_URL EVENTS_URL", path,
			    lineno);
			continue;
		}
		if (ctl_hub_find(h, id) != NULL)
			continue;
		if ((rc = ctl_hub_add(h, id, rpc, ev, NULL)) < 0) {
			log_warn(rc, "%s:%u: session %s not added", path, lineno, id);
			continue;
		}
		added++;
	}
	fclose(f);
	return added;
}

static void
rescan(struct ctl_hub *h, bool first)
{
	int n;

	if (h->src_dir != NULL) {
		if ((n = scan_dir(h, h->src_dir)) < 0 && first)
			log_warn(n, "sessions directory %s", h->src_dir);
		else if (n > 0)
			log_info("sessions: %d added from %s (%zu in all)", n,
			    h->src_dir, ctl_hub_count(h));
	}
	if (h->src_file != NULL) {
		if ((n = scan_file(h, h->src_file)) < 0 && first)
			log_warn(n, "sessions file %s", h->src_file);
		else if (n > 0)
			log_info("sessions: %d added from %s (%zu in all)", n,
			    h->src_file, ctl_hub_count(h));
	}
	h->next_rescan = clock_mono_ms() + CTL_HUB_RESCAN_MS;
}

int
ctl_hub_set_sources(struct ctl_hub *h, const struct ctl_hub_sources *src)
{
	if (src->dir != NULL && src->dir[0] != '\0' &&
	    (h->src_dir = strdup(src->dir)) == NULL)
		return -ENOMEM;
	if (src->file != NULL && src->file[0] != '\0' &&
	    (h->src_file = strdup(src->file)) == NULL)
		return -ENOMEM;
	rescan(h, true);
	return 0;
}

/*
 * Events name their worker (Event.session, its --client-id). An untagged
 * event (an older worker) can only be placed when there is one session.
 */
static struct ctl_watch *
event_session(struct ctl_hub *h, const Wlipc__Event *e)
{
	if (e->session != NULL)
		return ctl_hub_find(h, e->session);
	return atomic_load(&h->n) == 1 ? h->sessions[0] : NULL;
}

static void
read_events(struct ctl_hub *h)
{
	struct ctl_watch *w;
	Wlipc__Event *e;
	void *msg;
	size_t len;
	int n;

	for (n = 0; n < 256; n++) {	/* then let the pings run */
		msg = NULL;
		if (ipc_recv(h->sub, NN_DONTWAIT, &msg, &len) < 0)
			return;
		if (ipc_event_unpack(msg, len, &e) == 0) {
			if ((w = event_session(h, e)) != NULL)
				watch_apply_event(w, e);
			ipc_event_free(e);
		}
		ipc_msg_free(msg);
	}
}

static bool
hub_stopping(struct ctl_hub *h)
{
	bool stop;

	pthread_mutex_lock(&h->lock);
	stop = h->stopping;
	pthread_mutex_unlock(&h->lock);
	return stop;
}

static void *
hub_main(void *arg)
{
	struct nn_pollfd pf[CTL_HUB_INFLIGHT_MAX + 1];
	struct ctl_hub *h = arg;
	uint64_t now;
	size_t i;
	int rc;

	while (!hub_stopping(h)) {
		now = clock_mono_ms();
		if ((h->src_dir != NULL || h->src_file != NULL) &&
		    now >= h->next_rescan)
			rescan(h, false);
		hub_ping_due(h, now);
		for (i = 0; i < h->npings; i++) {
			pf[i].fd = h->pings[i].sock;
			pf[i].events = h->pings[i].buf != NULL ? NN_POLLOUT :
			    NN_POLLIN;
			pf[i].revents = 0;
		}
		pf[i].fd = h->sub;
		pf[i].events = NN_POLLIN;
		pf[i].revents = 0;
		rc = nn_poll(pf, (int)h->npings + 1, hub_next_wait(h, now));
		now = clock_mono_ms();
		if (rc < 0) {
			if (nn_errno() != EINTR)
				nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
			for (i = 0; i <= h->npings; i++)
				pf[i].revents = 0;
		}
		if (pf[h->npings].revents & NN_POLLIN)
			read_events(h);
		hub_ping_service(h, pf, now);
	}
	return NULL;
}

int
ctl_hub_start(struct ctl_hub *h)
{
	int rc;

	if ((rc = pthread_create(&h->thread, NULL, hub_main, h)) != 0)
		return -rc;
	h->running = true;
	return 0;
}

void
ctl_hub_free(struct ctl_hub *h)
{
	size_t i;

	if (h == NULL)
		return;
	ctl_hub_end_streams(h);
	if (h->running)
		pthread_join(h->thread, NULL);
	while (h->npings > 0)
		hub_ping_end(h, h->npings - 1, false);
	ipc_close(h->sub);
	for (i = 0; i < atomic_load(&h->n); i++) {
		watch_destroy(h->sessions[i]);
		free(h->sessions[i]);
	}
	for (i = 0; i < CTL_HUB_RING; i++)
		free(h->ring[i].text);
	free(h->sessions);
	free((void *)h->slots);
	free(h->src_dir);
	free(h->src_file);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->reg_lock);
	free(h);
}

