/* teststore.c: see teststore.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "store/store.h"
#include "testdir.h"
#include "teststore.h"

char	teststore_dir[256];

int
teststore_setup(void **state)
{
	(void)state;
	return testdir_make(teststore_dir, sizeof(teststore_dir), "store");
}

int
teststore_teardown(void **state)
{
	(void)state;
	return testdir_remove(teststore_dir);
}

struct store *
teststore_open(void)
{
	struct store_cfg cfg = { .data_dir = teststore_dir,
	    .client_id = "bot1" };
	struct store *st = NULL;

	assert_int_equal(store_open(&cfg, &st, NULL), 0);
	return st;
}

int
teststore_slow_job(void *arg)
{
	(void)arg;
	usleep(300 * 1000);
	return 0;
}
