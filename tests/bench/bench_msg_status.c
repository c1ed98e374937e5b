/*
 * bench_msg_status: the sent messages' status table at its size
 * (MSG_STATUS_MAX records): a full table's receipt steps (each one a
 * lookup by id, the ring scanned newest first), unknown-id receipts (the
 * whole ring scanned), GET-sized lookups, the dashboard's list, and a
 * log replay of a full table (what a start costs). Memory only: the
 * writer thread's disk time is the store's. Prints figures; never
 * asserts on time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message/msg_status.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
report(const char *what, size_t n, double secs)
{
	printf("%-34s %8zu ops %9.3f ms %8.0f ns/op\n", what, n, secs * 1e3,
	    secs * 1e9 / (double)n);
}

int
main(void)
{
	struct msg_status_tab *t, *u;
	struct msg_status_rec r, *out;
	char id[32], *log;
	size_t i, n = MSG_STATUS_MAX, len = 0, rounds = 100;
	double s;
	int w;

	if (msg_status_tab_new(NULL, NULL, &t) != 0 ||
	    (out = calloc(n, sizeof(*out))) == NULL ||
	    (log = malloc(n * 320)) == NULL)
		return 1;
	s = now_s();
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "3EB0%016zX", i);
		msg_status_tab_set(t, id, "4915112340001", MSG_OUT_QUEUED, 0, i);
	}
	report("queue (new records)", n, now_s() - s);
	s = now_s();
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "3EB0%016zX", i);
		msg_status_tab_set(t, id, NULL, MSG_OUT_DELIVERED, 0, n + i);
	}
	report("receipt step, full table", n, now_s() - s);
	s = now_s();
	for (i = 0; i < n; i++)
		msg_status_tab_set(t, "NOT-OURS", NULL, MSG_OUT_READ, 0, 0);
	report("receipt for an unknown id", n, now_s() - s);
	s = now_s();
	for (i = 0; i < n * 10; i++) {
		snprintf(id, sizeof(id), "3EB0%016zX", i % n);
		msg_status_tab_get(t, id, &r);
	}
	report("get by id", n * 10, now_s() - s);
	s = now_s();
	for (i = 0; i < rounds; i++)
		msg_status_tab_list(t, 0, out, 200);
	report("list 200 of a full table", rounds, now_s() - s);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "3EB0%016zX", i);
		msg_status_tab_get(t, id, &r);
		if ((w = msg_status_line(&r, log + len, 320)) < 0)
			return 1;
		len += (size_t)w;
	}
	s = now_s();
	for (i = 0; i < rounds; i++) {
		if (msg_status_tab_new(NULL, NULL, &u) != 0)
			return 1;
		msg_status_tab_replay(u, log, len);
		msg_status_tab_free(u);
	}
	report("replay a full table's log", rounds, now_s() - s);
	printf("log of a full table: %zu bytes\n", len);
	free(log);
	free(out);
	msg_status_tab_free(t);
	return 0;
}
