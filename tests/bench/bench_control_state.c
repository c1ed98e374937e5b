/*
 * bench_control_state: GET /api/whatsapp/state throughput and latency
 * (target: 10,000 req/s, p99 < 10 ms). Starts session-worker/fake-ipc-worker
 * and wa-control from BUILD (default ./build) on a loopback port with a
 * temp data dir, then runs CONNS keep-alive connections (one thread each)
 * for SECONDS and prints req/s, p50, p99 and max. Never asserts on time.
 * usage: bench_control_state [BUILD [SECONDS [CONNS]]]
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES	(4u << 20)	/* latencies kept per run */

extern char **environ;

static const char request[] = "GET /api/whatsapp/state HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\nAuthorization: Bearer bench-token\r\n\r\n";

static int port;
static volatile int running = 1;
static uint32_t *samples;	/* microseconds */
static size_t nsamples;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
dial(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(s);
		return -1;
	}
	return s;
}

/* Reads one response (headers + Content-Length body). 0 or -1. */
static int
read_response(int s, char *buf, size_t cap)
{
	size_t have = 0, need = 0;
	ssize_t n;
	char *end, *cl;

	for (;;) {
		if ((n = read(s, buf + have, cap - have - 1)) <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if (need == 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			if ((cl = strstr(buf, "Content-Length: ")) == NULL)
				return -1;
			need = (size_t)(end - buf) + 4 + strtoul(cl + 16, NULL, 10);
		}
		if (need != 0 && have >= need)
			return strncmp(buf, "HTTP/1.1 200", 12) == 0 ? 0 : -1;
	}
}

static void *
client(void *arg)
{
	char buf[8192];
	uint32_t local[4096];
	size_t n = 0, i;
	uint64_t t0;
	int s = dial();

	(void)arg;
	while (s >= 0 && running) {
		t0 = now_us();
		if (write(s, request, sizeof(request) - 1) < 0 ||
		    read_response(s, buf, sizeof(buf)) < 0)
			break;
		local[n++] = (uint32_t)(now_us() - t0);
		if (n == sizeof(local) / sizeof(local[0]) || !running) {
			pthread_mutex_lock(&lock);
			for (i = 0; i < n && nsamples < MAX_SAMPLES; i++)
				samples[nsamples++] = local[i];
			pthread_mutex_unlock(&lock);
			n = 0;
		}
	}
	pthread_mutex_lock(&lock);
	for (i = 0; i < n && nsamples < MAX_SAMPLES; i++)
		samples[nsamples++] = local[i];
	pthread_mutex_unlock(&lock);
	if (s >= 0)
		close(s);
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* stdin_fd >= 0 becomes the child's stdin (kept open for the run). */
static pid_t
start(char *const argv[], char *const envp[], int stdin_fd)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	if (stdin_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, stdin_fd, STDIN_FILENO);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? pid : -1;
}

int
main(int argc, char **argv)
{
	const char *build = argc > 1 ? argv[1] : "build";
	int secs = argc > 2 ? atoi(argv[2]) : 5, conns = argc > 3 ? atoi(argv[3]) : 16;
	char dir[] = "/tmp/bench_control_state.XXXXXX", fake[512], ctl[512];
	char listen_at[32], cmd[600];
	char *envp[] = { "WA_ADMIN_PASSWORD=bench", "WA_API_TOKEN=bench-token", NULL };
	pthread_t th[256];
	pid_t fpid, cpid;
	uint64_t t0, el;
	int i, s, keep[2];

	if (conns < 1 || conns > 256 || secs < 1 || mkdtemp(dir) == NULL)
		return 2;
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	port = 20000 + (int)(getpid() % 20000);
	snprintf(fake, sizeof(fake), "%s/session-worker/fake-ipc-worker", build);
	snprintf(ctl, sizeof(ctl), "%s/control-plane/wa-control", build);
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%d", port);
	{
		char *fa[] = { fake, "--data", dir, "--state", "connected",
		    "--number", "15550001111", "--heartbeat-every", "1s", NULL };
		char *ca[] = { ctl, "--data", dir, "--listen", listen_at, NULL };

		if (pipe(keep) == -1 || (fpid = start(fa, environ, keep[0])) < 0 ||
		    (cpid = start(ca, envp, -1)) < 0) {
			fprintf(stderr, "bench: cannot start %s or %s\n", fake, ctl);
			return 1;
		}
	}
	for (i = 0; i < 100 && (s = dial()) < 0; i++)
		usleep(50000);
	if (s >= 0)
		close(s);
	sleep(1);	/* the first get_state ping fills the cache */
	t0 = now_us();
	for (i = 0; i < conns; i++)
		pthread_create(&th[i], NULL, client, NULL);
	sleep((unsigned)secs);
	running = 0;
	for (i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	el = now_us() - t0;
	kill(cpid, SIGTERM);
	kill(fpid, SIGTERM);
	waitpid(cpid, NULL, 0);
	waitpid(fpid, NULL, 0);
	close(keep[0]);
	close(keep[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dir);
	if (nsamples == 0) {
		fprintf(stderr, "bench: no successful request\n");
		return 1;
	}
	qsort(samples, nsamples, sizeof(*samples), cmp_u32);
	printf("GET /api/whatsapp/state: %zu requests, %d connections, %.1f s\n",
	    nsamples, conns, (double)el / 1e6);
	printf("  %.0f req/s (target 10000: x%.1f)\n", nsamples / ((double)el / 1e6),
	    nsamples / ((double)el / 1e6) / 10000.0);
	printf("  p50 %.2f ms, p99 %.2f ms (target 10 ms), max %.2f ms\n",
	    samples[nsamples / 2] / 1000.0, samples[nsamples * 99 / 100] / 1000.0,
	    samples[nsamples - 1] / 1000.0);
	free(samples);
	return 0;
}
