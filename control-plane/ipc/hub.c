/* hub.c: the sessions, the one event thread and the frame ring (hub.h). */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <sodium.h>

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
	if (rc == 0 && nn_connect(h->sub, events_url) < 0) {
		rc = -nn_errno();
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

void
hub_push(struct ctl_hub *h, const struct ctl_watch *s, const char *event,
    json_t *data)
{
	char *body, *frame;
	size_t len;
	unsigned k;

	if (data == NULL)
		return;
	json_object_set_new(data, "session", json_string(s->id));
	body = json_dumps(data, JSON_COMPACT);
	json_decref(data);
	if (body == NULL)
		return;
	len = strlen(event) + strlen(body) + 32;
	if ((frame = malloc(len)) != NULL) {
		snprintf(frame, len, "event: %s\ndata: %s\n\n", event, body);
		pthread_mutex_lock(&h->lock);
		k = (unsigned)(h->seq % CTL_HUB_RING);
		free(h->ring[k].text);
		h->ring[k].text = frame;
		h->ring[k].session = s->index;
		h->seq++;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
	free(body);
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
keep_sockets(struct ctl_hub *h)
{
	return atomic_load(&h->n) <= CTL_HUB_KEEP_SOCKETS;
}

static void
ping_end(struct ctl_hub *h, size_t i, bool ok)
{
	struct hub_ping *p = &h->pings[i];

	free(p->buf);
	/* a failed REQ socket is never reused: it would re-send (client.h) */
	if (ok && keep_sockets(h))
		p->s->ping_sock = p->sock;
	else
		ipc_close(p->sock);
	p->s->pinging = false;
	h->pings[i] = h->pings[--h->npings];
}

/*
 * A local worker that never started has no socket file: known down
 * without holding a ping slot for CTL_WATCH_PING_TIMEOUT (a host with
 * many declared but stopped sessions would otherwise ping slowly).
 */
static bool
ipc_socket_missing(const char *url)
{
	struct stat sb;

	return strncmp(url, "ipc://", 6) == 0 && stat(url + 6, &sb) < 0 &&
	    errno == ENOENT;
}

static void
ping_start(struct ctl_hub *h, struct ctl_watch *w, uint64_t now)
{
	Wlipc__Request req = WLIPC__REQUEST__INIT;
	Wlipc__Empty empty = WLIPC__EMPTY__INIT;
	struct hub_ping *p = &h->pings[h->npings];
	int s;

	if (ipc_socket_missing(w->rpc_url)) {
		watch_set_down(w);
		return;
	}
	if ((s = w->ping_sock) < 0 &&
	    (s = ipc_connect_req(w->rpc_url, CTL_WATCH_PING_TIMEOUT)) < 0) {
		watch_set_down(w);
		return;
	}
	w->ping_sock = -1;
	req.version = WL_IPC_VERSION;
	while (req.id == 0)
		req.id = (uint64_t)randombytes_random() << 32 | randombytes_random();
	req.body_case = WLIPC__REQUEST__BODY_GET_STATE;
	req.get_state = &empty;
	memset(p, 0, sizeof(*p));
	if (ipc_request_pack(&req, &p->buf, &p->len) < 0) {
		ipc_close(s);
		return;
	}
	p->s = w;
	p->sock = s;
	p->id = req.id;
	p->deadline = now + CTL_WATCH_PING_TIMEOUT;
	w->pinging = true;
	h->npings++;
}

/* Sends what can be sent, takes answers, expires the late. */
static void
ping_service(struct ctl_hub *h, struct nn_pollfd *pf, uint64_t now)
{
	Wlipc__Reply *rep;
	struct hub_ping *p;
	void *msg;
	size_t i, len;
	bool ok;

	for (i = h->npings; i-- > 0;) {
		p = &h->pings[i];
		if (p->buf != NULL && (pf[i].revents & NN_POLLOUT)) {
			if (nn_send(p->sock, p->buf, p->len, NN_DONTWAIT) >= 0) {
				free(p->buf);
				p->buf = NULL;
			}
			continue;
		}
		if (p->buf == NULL && (pf[i].revents & NN_POLLIN)) {
			msg = NULL;
			if (ipc_recv(p->sock, NN_DONTWAIT, &msg, &len) < 0)
				continue;
			ok = ipc_reply_unpack(msg, len, &rep) == 0;
			ipc_msg_free(msg);
			if (ok && rep->id == p->id &&
			    rep->body_case == WLIPC__REPLY__BODY_STATE)
				watch_apply_ping(p->s, rep->state);
			else
				watch_set_down(p->s);
			if (ok)
				ipc_reply_free(rep);
			ping_end(h, i, ok);
			continue;
		}
		if (now >= p->deadline) {
			watch_set_down(p->s);
			ping_end(h, i, false);
		}
	}
}

/* Due sessions in turn: every one is pinged once a period. */
static void
ping_due(struct ctl_hub *h, uint64_t now)
{
	size_t n = atomic_load(&h->n), tried;
	uint64_t period = ctl_hub_ping_period_ms(h);
	struct ctl_watch *w;

	for (tried = 0; tried < n && h->npings < CTL_HUB_INFLIGHT_MAX; tried++) {
		if (h->cursor >= n)
			h->cursor = 0;
		w = h->sessions[h->cursor];
		if (w->next_ping > now)
			break;
		w->next_ping = now + period;
		if (!w->pinging)
			ping_start(h, w, now);
		h->cursor++;
	}
}

/* ms until the next thing to do, at most CTL_WATCH_RECV_MS. */
static int
next_wait(struct ctl_hub *h, uint64_t now)
{
	uint64_t t = now + CTL_WATCH_RECV_MS;
	size_t n = atomic_load(&h->n), i;

	for (i = 0; i < h->npings; i++)
		if (h->pings[i].deadline < t)
			t = h->pings[i].deadline;
	if (n > 0 && h->npings < CTL_HUB_INFLIGHT_MAX) {
		struct ctl_watch *w = h->sessions[h->cursor < n ? h->cursor : 0];

		if (w->next_ping < t)
			t = w->next_ping;
	}
	return t > now ? (int)(t - now) : 0;
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
		ping_due(h, now);
		for (i = 0; i < h->npings; i++) {
			pf[i].fd = h->pings[i].sock;
			pf[i].events = h->pings[i].buf != NULL ? NN_POLLOUT :
			    NN_POLLIN;
			pf[i].revents = 0;
		}
		pf[i].fd = h->sub;
		pf[i].events = NN_POLLIN;
		pf[i].revents = 0;
		rc = nn_poll(pf, (int)h->npings + 1, next_wait(h, now));
		now = clock_mono_ms();
		if (rc < 0) {
			if (nn_errno() != EINTR)
				nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
			for (i = 0; i <= h->npings; i++)
				pf[i].revents = 0;
		}
		if (pf[h->npings].revents & NN_POLLIN)
			read_events(h);
		ping_service(h, pf, now);
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
ctl_hub_end_streams(struct ctl_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
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
		ping_end(h, h->npings - 1, false);
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

uint64_t
ctl_hub_seq(struct ctl_hub *h)
{
	uint64_t s;

	pthread_mutex_lock(&h->lock);
	s = h->seq;
	pthread_mutex_unlock(&h->lock);
	return s;
}

static bool
frame_wanted(const struct hub_frame *f, const struct ctl_watch *only)
{
	return only == NULL || f->session == only->index;
}

/* Concatenate wanted frames [from, h->seq); caller holds the lock. */
static char *
ring_collect_locked(struct ctl_hub *h, const struct ctl_watch *only,
    uint64_t from)
{
	size_t len = 1, off = 0, n;
	const struct hub_frame *f;
	uint64_t i;
	char *out;

	for (i = from; i < h->seq; i++) {
		f = &h->ring[i % CTL_HUB_RING];
		if (frame_wanted(f, only))
			len += strlen(f->text);
	}
	if (len == 1 || (out = malloc(len)) == NULL)
		return NULL;
	for (i = from; i < h->seq; i++) {
		f = &h->ring[i % CTL_HUB_RING];
		if (!frame_wanted(f, only))
			continue;
		n = strlen(f->text);
		memcpy(out + off, f->text, n);
		off += n;
	}
	out[off] = '\0';
	return out;
}

int
ctl_hub_wait(struct ctl_hub *h, const struct ctl_watch *only, uint64_t *seq,
    int timeout_ms, char **text)
{
	struct timespec until;
	int rc = 0;

	*text = NULL;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (!h->stopping && h->seq == *seq &&
		    pthread_cond_timedwait(&h->cond, &h->lock, &until) == 0)
			;
		if (h->stopping) {
			rc = -ESHUTDOWN;
			break;
		}
		if (h->seq - *seq > CTL_HUB_RING) {
			rc = -ESTALE;
			*seq = h->seq;
			break;
		}
		if (h->seq == *seq)
			break;		/* timed out */
		*text = ring_collect_locked(h, only, *seq);
		*seq = h->seq;
		if (*text != NULL)
			break;
		/* only other sessions' frames: keep waiting */
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
