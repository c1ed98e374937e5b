/*
 * teststore.h: one data directory per test and a session store opened in
 * it (client id "bot1"), for the unit tests of what keeps its files in
 * the store (message journal, status table). Failures abort the test.
 */
#ifndef WALINK_TESTSTORE_H
#define WALINK_TESTSTORE_H

#include <stddef.h>

struct store;

/* The current test's directory: made by the setup, removed by teardown. */
extern char	teststore_dir[256];

/* cmocka setup and teardown (per test or per group). */
int	teststore_setup(void **state);
int	teststore_teardown(void **state);

/* A store writer job that holds the writer 300 ms: a slow disk. */
int	teststore_slow_job(void *arg);

/* store_open() on teststore_dir; the caller store_close()s it. */
struct store	*teststore_open(void);

#endif
