/*
 * slowio_shim.c: an LD_PRELOAD library for the no-stall tests. It makes
 * the two things the worker must never wait on slow, on request:
 *   WALINK_SHIM_DNS_DELAY_MS=N  getaddrinfo_a answers N ms late (the lookup
 *                               itself is the real one, made on our thread),
 *                               and so does a blocking getaddrinfo of a
 *                               name (not of a numeric address): what a
 *                               loop resolving in place would wait
 *   WALINK_SHIM_DNS_FAIL=1      ... and then answers EAI_AGAIN
 *   WALINK_SHIM_FSYNC_DELAY_MS=N  fsync, fdatasync and syncfs take N ms more
 *   WALINK_SHIM_FSYNC_SKIP=1    ... or return at once without syncing
 *                               (tests that only count thousands of them)
 *   WALINK_SHIM_COUNT_FILE=FILE  every sync call also adds one to a
 *                               counter in FILE (created, 32 bytes, shared
 *                               mapping: no system call per count), read
 *                               from outside while the process runs:
 *                               little-endian uint64 at 0 fsync, 8
 *                               fdatasync, 16 syncfs, 24 sync_file_range
 *                               (the message benchmark's syncs per message);
 *                               32: msync(MS_SYNC); 40: every one of them
 *                               made on the process's main thread (gettid
 *                               == getpid: the worker's event loop), which
 *                               must stay 0 while the worker serves
 *   WALINK_SHIM_LOOP_LOG=FILE   each sync on the main thread also appends
 *                               the path it synced to FILE (which files
 *                               the loop still waits on)
 *   WALINK_SHIM_CTL=FILE        the same settings read from FILE at each
 *                               call ("dns_delay_ms=N fsync_delay_ms=N
 *                               dns_fail=1"), so a test can change them
 *                               while the process runs
 * Unset, every call goes straight to glibc. Every fsync and fdatasync is
 * also counted with the path it synced, for tests linked against the
 * library (slowio.h) to check which files and directories were made
 * durable. Built by tests/CMakeLists.txt as libwalink_slowio.so;
 * preloaded into ASan builds it needs verify_asan_link_order=0.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "slowio.h"

#define SYNCED_MAX	256

static pthread_mutex_t synced_lock = PTHREAD_MUTEX_INITIALIZER;
static char synced[SYNCED_MAX][256];
static int nsynced;

enum { COUNT_FSYNC, COUNT_FDATASYNC, COUNT_SYNCFS, COUNT_RANGE, COUNT_MSYNC,
    COUNT_LOOP, COUNT_N };

static pthread_once_t count_once = PTHREAD_ONCE_INIT;
static uint64_t *counters;

static void
count_map(void)
{
	const char *path = getenv("WALINK_SHIM_COUNT_FILE");
	void *p;
	int fd;

	if (path == NULL || (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return;
	if (ftruncate(fd, COUNT_N * sizeof(uint64_t)) == 0 &&
	    (p = mmap(NULL, COUNT_N * sizeof(uint64_t), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0)) != MAP_FAILED)
		counters = p;
	close(fd);
}

static bool
on_main_thread(void)
{
	return gettid() == getpid();
}

/* A sync on the main thread: its path to WALINK_SHIM_LOOP_LOG, if set. */
static void
loop_note(int fd)
{
	const char *log = getenv("WALINK_SHIM_LOOP_LOG");
	char link[64], line[300];
	ssize_t n;
	int lfd;

	if (log == NULL || (lfd = open(log, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) < 0)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, line, sizeof(line) - 2)) < 0)
		n = snprintf(line, sizeof(line) - 2, "fd %d", fd);
	line[n++] = '\n';
	if (write(lfd, line, (size_t)n) < 0) {
		/* a diagnostic only */
	}
	close(lfd);
}

/* One more sync of this kind in WALINK_SHIM_COUNT_FILE, if set. */
static void
count_sync(int which, int fd)
{
	bool loop;

	if (getenv("WALINK_SHIM_COUNT_FILE") == NULL &&
	    getenv("WALINK_SHIM_LOOP_LOG") == NULL)
		return;
	loop = on_main_thread();
	if (loop)
		loop_note(fd);
	pthread_once(&count_once, count_map);
	if (counters == NULL)
		return;
	__atomic_add_fetch(&counters[which], 1, __ATOMIC_RELAXED);
	if (loop)
		__atomic_add_fetch(&counters[COUNT_LOOP], 1, __ATOMIC_RELAXED);
}

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

/* "key=N" from the control file, or -1. */
static long
ctl_value(const char *key)
{
	const char *path = getenv("WALINK_SHIM_CTL");
	char buf[256], *p;
	ssize_t n;
	int fd;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, key)) != NULL; p++)
		if ((p == buf || p[-1] == ' ' || p[-1] == '\n') &&
		    p[strlen(key)] == '=')
			return strtol(p + strlen(key) + 1, NULL, 10);
	return -1;
}

static long
env_ms(const char *name)
{
	static const struct { const char *env, *key; } map[] = {
		{ "WALINK_SHIM_DNS_DELAY_MS", "dns_delay_ms" },
		{ "WALINK_SHIM_DNS_FAIL", "dns_fail" },
		{ "WALINK_SHIM_FSYNC_DELAY_MS", "fsync_delay_ms" },
	};
	const char *v = getenv(name);
	size_t i;

	if (v != NULL && *v != '\0')
		return strtol(v, NULL, 10);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].env, name) == 0)
			return ctl_value(map[i].key);
	return -1;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

typedef int getaddrinfo_fn(const char *, const char *,
    const struct addrinfo *, struct addrinfo **);

static getaddrinfo_fn *
real_getaddrinfo(void)
{
	static getaddrinfo_fn *real;

	if (real == NULL)
		real = (getaddrinfo_fn *)dlsym(RTLD_NEXT, "getaddrinfo");
	return real;
}

int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	long delay = env_ms("WALINK_SHIM_DNS_DELAY_MS");
	struct in_addr a;

	if (delay > 0 && node != NULL && inet_pton(AF_INET, node, &a) != 1)
		sleep_ms(delay);
	return real_getaddrinfo()(node, service, hints, res);
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
		r->__return = real_getaddrinfo()(r->ar_name, r->ar_service,
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
	int fail = env_ms("WALINK_SHIM_DNS_FAIL") > 0;
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

/*
 * What every sync call does before the real one: note and count it, then
 * skip (1: return 0 at once) or wait as the settings say (0: go on).
 */
static int
before_sync(int fd, int which)
{
	long delay = env_ms("WALINK_SHIM_FSYNC_DELAY_MS");

	if (which != COUNT_RANGE && which != COUNT_MSYNC)
		note_sync(fd);
	count_sync(which, fd);
	if (getenv("WALINK_SHIM_FSYNC_SKIP") != NULL)
		return 1;
	if (delay > 0)
		sleep_ms(delay);
	return 0;
}

typedef int sync_fn(int);

static int
sync_call(const char *name, int which, int fd)
{
	sync_fn *real = (sync_fn *)dlsym(RTLD_NEXT, name);

	return before_sync(fd, which) ? 0 : real(fd);
}

int
fsync(int fd)
{
	return sync_call("fsync", COUNT_FSYNC, fd);
}

int
syncfs(int fd)
{
	return sync_call("syncfs", COUNT_SYNCFS, fd);
}

int
fdatasync(int fd)
{
	return sync_call("fdatasync", COUNT_FDATASYNC, fd);
}

/* Counted and slowed like fsync: a writer may flush ranges instead. */
int
sync_file_range(int fd, off_t off, off_t n, unsigned int flags)
{
	int (*real)(int, off_t, off_t, unsigned int) = (int (*)(int, off_t,
	    off_t, unsigned int))dlsym(RTLD_NEXT, "sync_file_range");

	return before_sync(fd, COUNT_RANGE) ? 0 : real(fd, off, n, flags);
}

/* msync(MS_SYNC) waits on the disk as fsync does: counted and slowed. */
int
msync(void *addr, size_t len, int flags)
{
	int (*real)(void *, size_t, int) = (int (*)(void *, size_t, int))
	    dlsym(RTLD_NEXT, "msync");

	if ((flags & MS_SYNC) && before_sync(-1, COUNT_MSYNC))
		return 0;
	return real(addr, len, flags);
}
