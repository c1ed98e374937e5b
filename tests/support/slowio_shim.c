/*
 * slowio_shim.c: an LD_PRELOAD library for the no-stall tests. It makes
 * the two things the worker must never wait on slow, on request:
 *   WALINK_SHIM_DNS_DELAY_MS=N  getaddrinfo_a answers N ms late (the lookup
 *                               itself is the real one, made on our thread)
 *   WALINK_SHIM_DNS_FAIL=1      ... and then answers EAI_AGAIN
 *   WALINK_SHIM_FSYNC_DELAY_MS=N  fsync and fdatasync take N ms more
 *   WALINK_SHIM_FSYNC_SKIP=1    ... or return at once without syncing
 *                               (tests that only count thousands of them)
 * Unset, every call goes straight to glibc. Every fsync and fdatasync is
 * also counted with the path it synced, for tests linked against the
 * library (slowio.h) to check which files and directories were made
 * durable. Built by tests/CMakeLists.txt as libwalink_slowio.so;
 * preloaded into ASan builds it needs verify_asan_link_order=0.
 */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slowio.h"

#define SYNCED_MAX	256

static pthread_mutex_t synced_lock = PTHREAD_MUTEX_INITIALIZER;
static char synced[SYNCED_MAX][256];
static int nsynced;

static void
note_sync(int fd)
{
	char link[64], path[256];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) < 0)
		n = 0;
	path[n] = '\0';
	pthread_mutex_lock(&synced_lock);
	if (nsynced < SYNCED_MAX)
		memcpy(synced[nsynced], path, (size_t)n + 1);
	nsynced++;
	pthread_mutex_unlock(&synced_lock);
}

void
slowio_sync_reset(void)
{
	pthread_mutex_lock(&synced_lock);
	nsynced = 0;
	pthread_mutex_unlock(&synced_lock);
}

int
slowio_sync_count(void)
{
	return nsynced;
}

bool
slowio_synced(const char *path)
{
	int i;
	bool hit = false;

	pthread_mutex_lock(&synced_lock);
	for (i = 0; i < nsynced && i < SYNCED_MAX && !hit; i++)
		hit = strcmp(synced[i], path) == 0;
	pthread_mutex_unlock(&synced_lock);
	return hit;
}

static long
env_ms(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : -1;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct late {
	struct gaicb	*req;
	struct sigevent	 sev;
	long		 delay_ms;
	int		 fail;
};

static void *
late_answer(void *arg)
{
	struct late *l = arg;
	struct gaicb *r = l->req;

	sleep_ms(l->delay_ms);
	if (l->fail)
		r->__return = EAI_AGAIN;
	else
		r->__return = getaddrinfo(r->ar_name, r->ar_service,
		    r->ar_request, &r->ar_result);
	if (l->sev.sigev_notify == SIGEV_THREAD)
		l->sev.sigev_notify_function(l->sev.sigev_value);
	free(l);
	return NULL;
}

int
getaddrinfo_a(int mode, struct gaicb *list[], int n, struct sigevent *sev)
{
	static int (*real)(int, struct gaicb *[], int, struct sigevent *);
	long delay = env_ms("WALINK_SHIM_DNS_DELAY_MS");
	int fail = getenv("WALINK_SHIM_DNS_FAIL") != NULL;
	pthread_attr_t attr;
	pthread_t t;
	struct late *l;

	if ((delay < 0 && !fail) || mode != GAI_NOWAIT || n != 1 || sev == NULL) {
		if (real == NULL)
			real = (int (*)(int, struct gaicb *[], int,
			    struct sigevent *))dlsym(RTLD_NEXT, "getaddrinfo_a");
		return real(mode, list, n, sev);
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return EAI_MEMORY;
	l->req = list[0];
	l->req->__return = EAI_INPROGRESS;
	l->sev = *sev;
	l->delay_ms = delay < 0 ? 0 : delay;
	l->fail = fail;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, late_answer, l) != 0) {
		free(l);
		return EAI_AGAIN;
	}
	pthread_attr_destroy(&attr);
	return 0;
}

int
fsync(int fd)
{
	static int (*real)(int);
	long delay = env_ms("WALINK_SHIM_FSYNC_DELAY_MS");

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	note_sync(fd);
	if (getenv("WALINK_SHIM_FSYNC_SKIP") != NULL)
		return 0;
	if (delay > 0)
		sleep_ms(delay);
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);
	long delay = env_ms("WALINK_SHIM_FSYNC_DELAY_MS");

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	note_sync(fd);
	if (getenv("WALINK_SHIM_FSYNC_SKIP") != NULL)
		return 0;
	if (delay > 0)
		sleep_ms(delay);
	return real(fd);
}
