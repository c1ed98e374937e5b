/*
 * bench_whitelist: how the whitelist behaves at its maximum size
 * (WHITELIST_MAX numbers): bulk replace, lookups, removals and re-adds in
 * memory, then one save and one load of the full file. Prints figures;
 * never asserts on time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "whitelist/whitelist.h"

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
	printf("%-28s %8zu ops %9.3f ms %8.0f ns/op\n", what, n, secs * 1e3,
	    secs * 1e9 / (double)n);
}

int
main(void)
{
	char **v, dir[] = "/tmp/bench_whitelist.XXXXXX", path[64], why[160];
	struct whitelist *wl, *file;
	size_t i, n = WHITELIST_MAX, hits = 0;
	double t;

	if ((v = malloc(n * sizeof(*v))) == NULL || mkdtemp(dir) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		if ((v[i] = malloc(PHONE_BUF)) == NULL)
			return 1;
		snprintf(v[i], PHONE_BUF, "9715%08zu", i * 7919 % 100000000);
	}
	if ((wl = whitelist_new(NULL)) == NULL)
		return 1;
	t = now_s();
	if (whitelist_replace(wl, (const char *const *)v, n, NULL, NULL) != 0)
		return 1;
	report("replace (bulk, memory)", n, now_s() - t);
	t = now_s();
	for (i = 0; i < 10 * n; i++)
		hits += whitelist_has(wl, v[i % n]);
	report("has (hit)", 10 * n, now_s() - t);
	t = now_s();
	for (i = 0; i < n; i++)
		hits += whitelist_has(wl, "14155550100");
	report("has (miss)", n, now_s() - t);
	t = now_s();
	for (i = 0; i < n; i += 2)
		whitelist_remove(wl, v[i], NULL, NULL);
	report("remove (memory)", n / 2, now_s() - t);
	t = now_s();
	for (i = 0; i < n; i += 2)
		whitelist_add(wl, v[i], NULL, NULL);
	report("add (memory)", n / 2, now_s() - t);

	snprintf(path, sizeof(path), "%s/" WHITELIST_FILE_NAME, dir);
	if ((file = whitelist_new(path)) == NULL)
		return 1;
	t = now_s();
	if (whitelist_replace(file, (const char *const *)v, n, NULL, NULL) != 0)
		return 1;
	report("replace + save (fsync)", 1, now_s() - t);
	t = now_s();
	if (whitelist_remove(file, v[0], NULL, NULL) != 0)
		return 1;
	report("remove + save (one change)", 1, now_s() - t);
	t = now_s();
	if (whitelist_load(file, why) != 0)
		return 1;
	report("load of full file", 1, now_s() - t);
	printf("count %zu, hits %zu\n", whitelist_count(file), hits);

	whitelist_free(file);
	whitelist_free(wl);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" WHITELIST_FILE_NAME ".bak", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}
