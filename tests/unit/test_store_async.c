/*
 * test_store_async: files written by a store_writer thread for the loop.
 * While the writer is busy (a job standing in for a slow fsync), the
 * blob's puts and the log's appends handed over meanwhile join one
 * queued write each; a job submitted after them finds them on disk; a
 * compaction replaces the pending lines and keeps the later ones; done
 * comes back on the loop thread; without a writer, in place. The
 * credentials go the same way (the newest wins), and each write says
 * which puts it made durable.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <libwebsockets.h>

#include "store/store.h"
#include "store/store_async.h"
#include "store/store_writer.h"
#include "testdir.h"
#include "transport/ws.h"

static char data_dir[256];

struct t {
	struct lws_context	*cx;
	struct store		*st;
	pthread_t		 loop;
	int			 done, bad_thread, last_rc;
	size_t			 last_len;
	/* what the job submitted after the puts read, on the writer thread */
	uint8_t			*seen;
	size_t			 seen_len;
	int			 seen_rc, after_done;
};

static int
setup(void **state)
{
	(void)state;
	return testdir_make(data_dir, sizeof(data_dir), "store_async");
}

static int
teardown(void **state)
{
	(void)state;
	return testdir_remove(data_dir);
}

static struct store *
open_store(void)
{
	struct store_cfg cfg = { .data_dir = data_dir, .client_id = "bot1" };
	struct store *st = NULL;

	assert_int_equal(store_open(&cfg, &st, NULL), 0);
	return st;
}

static void
written(void *arg, int rc, size_t len)
{
	struct t *t = arg;

	t->done++;
	t->last_rc = rc;
	t->last_len = len;
	if (!pthread_equal(pthread_self(), t->loop))
		t->bad_thread++;
}

/* Holds the writer thread: the puts after it must wait and join. */
static int
slow(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	return 0;
}

static int
read_blob(void *arg)
{
	struct t *t = arg;

	t->seen_rc = store_get(t->st, "tokens", &t->seen, &t->seen_len);
	return 0;
}

static int
read_log(void *arg)
{
	struct t *t = arg;

	t->seen_rc = store_log_read(t->st, "map.log", &t->seen, &t->seen_len);
	return 0;
}

static void
after(void *arg, int rc)
{
	struct t *t = arg;

	(void)rc;
	t->after_done++;
}

static void
run_until(struct t *t, int *counter, int want)
{
	lws_usec_t end = lws_now_usecs() + 10 * LWS_USEC_PER_SEC;

	while (*counter < want && lws_now_usecs() < end)
		lws_service(t->cx, 0);
	assert_int_equal(*counter, want);
}

static void
start(struct t *t, struct store_writer **w)
{
	memset(t, 0, sizeof(*t));
	t->loop = pthread_self();
	t->st = open_store();
	assert_int_equal(ws_context_new_with(NULL, false, ws_client_protocol(),
	    NULL, &t->cx), 0);
	assert_int_equal(store_writer_new(t->cx, w), 0);
}

static void
finish(struct t *t, struct store_writer *w, struct store_async *a)
{
	store_writer_free(w);
	store_async_free(a);
	ws_context_free(t->cx);
	store_close(t->st);
	free(t->seen);
}

static void
test_store_async_blob_puts_join_one_write_before_later_jobs(void **state)
{
	struct store_writer *w;
	struct store_async *a;
	struct t t;

	(void)state;
	start(&t, &w);
	assert_int_equal(store_async_new(w, t.st, "tokens", STORE_ASYNC_BLOB,
	    written, &t, &a), 0);
	assert_int_equal(store_writer_submit(w, slow, NULL, NULL), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"one", 3), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"two", 3), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"three", 5), 0);
	assert_true(store_async_busy(a));
	/* a commit after the puts: the newest content is on disk for it */
	assert_int_equal(store_writer_submit(w, read_blob, after, &t), 0);
	run_until(&t, &t.after_done, 1);
	assert_int_equal(t.done, 1);		/* three puts, one write */
	assert_int_equal(t.last_rc, 0);
	assert_int_equal(t.bad_thread, 0);
	assert_false(store_async_busy(a));
	assert_int_equal(t.seen_rc, 0);
	assert_int_equal(t.seen_len, 5);
	assert_memory_equal(t.seen, "three", 5);
	finish(&t, w, a);
}

static void
test_store_async_log_appends_join_and_a_compaction_keeps_later_lines(void **state)
{
	struct store_writer *w;
	struct store_async *a;
	struct t t;

	(void)state;
	start(&t, &w);
	assert_int_equal(store_async_new(w, t.st, "map.log", STORE_ASYNC_LOG,
	    written, &t, &a), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"a 1\n", 4), 0);
	run_until(&t, &t.done, 1);
	assert_int_equal(store_writer_submit(w, slow, NULL, NULL), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"b 2\n", 4), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"c 3\n", 4), 0);
	assert_int_equal(store_writer_submit(w, read_log, after, &t), 0);
	run_until(&t, &t.after_done, 1);
	assert_int_equal(t.done, 2);		/* the second write took both */
	assert_int_equal(t.seen_rc, 0);
	assert_int_equal(t.seen_len, 12);
	assert_memory_equal(t.seen, "a 1\nb 2\nc 3\n", 12);
	free(t.seen);
	t.seen = NULL;
	/* compacted while lines wait: the table replaces them, later ones follow */
	assert_int_equal(store_writer_submit(w, slow, NULL, NULL), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"d 4\n", 4), 0);
	assert_int_equal(store_async_replace(a,
	    (const uint8_t *)"a 1\nb 2\nc 3\nd 4\n", 16), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"e 5\n", 4), 0);
	assert_int_equal(store_writer_submit(w, read_log, after, &t), 0);
	run_until(&t, &t.after_done, 2);
	assert_int_equal(t.done, 3);
	assert_int_equal(t.last_rc, 0);
	assert_int_equal(t.seen_len, 20);
	assert_memory_equal(t.seen, "a 1\nb 2\nc 3\nd 4\ne 5\n", 20);
	assert_int_equal(t.bad_thread, 0);
	finish(&t, w, a);
}

static void
test_store_async_without_a_writer_writes_in_place(void **state)
{
	struct store_async *a;
	uint8_t *b = NULL;
	size_t len = 0;
	struct t t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.loop = pthread_self();
	t.st = open_store();
	assert_int_equal(store_async_new(NULL, t.st, "tokens", STORE_ASYNC_BLOB,
	    written, &t, &a), 0);
	assert_int_equal(store_async_put(a, (const uint8_t *)"x", 1), 0);
	assert_int_equal(t.done, 1);
	assert_int_equal(t.last_rc, 0);
	assert_int_equal(store_get(t.st, "tokens", &b, &len), 0);
	assert_int_equal(len, 1);
	free(b);
	store_async_free(a);
	store_close(t.st);
}

/* The put numbers the done callback sees, written per call. */
struct seen_upto {
	struct store_async	*a;
	uint64_t		 upto[4];
	int			 n, rc;
};

static void
creds_written(void *arg, int rc, size_t len)
{
	struct seen_upto *s = arg;

	(void)len;
	if (s->n < 4)
		s->upto[s->n++] = store_async_written(s->a);
	if (rc < 0)
		s->rc = rc;
}

static void
test_store_async_creds_newest_wins_and_writes_name_their_puts(void **state)
{
	struct store_writer *w;
	struct store_async *a;
	struct seen_upto s = { 0 };
	struct creds *c = creds_new();
	struct t t;
	char *text;
	size_t len;
	int i;

	(void)state;
	assert_non_null(c);
	start(&t, &w);
	assert_int_equal(store_async_new(w, t.st, "creds", STORE_ASYNC_CREDS,
	    creds_written, &s, &a), 0);
	s.a = a;
	assert_int_equal(store_async_puts(a), 0);
	assert_int_equal(store_writer_submit(w, slow, NULL, NULL), 0);
	for (i = 1; i <= 3; i++) {	/* three saves while the writer is busy */
		c->next_prekey_id = (uint32_t)(100 * i);
		assert_int_equal(creds_encode(c, &text, &len), 0);
		assert_int_equal(store_async_put(a, (const uint8_t *)text, len), 0);
		creds_text_free(text, len);
		assert_int_equal(store_async_puts(a), (uint64_t)i);
	}
	store_writer_drain(w);		/* runs the queue and its callbacks */
	assert_false(store_async_busy(a));
	assert_int_equal(s.n, 1);	/* one write for the three */
	assert_int_equal(s.upto[0], 3);
	assert_int_equal(s.rc, 0);
	c->next_prekey_id = 0;
	assert_int_equal(store_load_creds(t.st, c), 0);
	assert_int_equal(c->next_prekey_id, 300);
	finish(&t, w, a);
	creds_free(c);
}

/* Submits a second job from the first one's done: drain runs both. */
static int
nothing(void *arg)
{
	(void)arg;
	usleep(50 * 1000);
	return 0;
}

static struct store_writer *chain_w;

static void
chained(void *arg, int rc)
{
	int *n = arg;

	(void)rc;
	if (++*n == 1)
		assert_int_equal(store_writer_submit(chain_w, nothing, chained,
		    n), 0);
}

static void
test_store_writer_drain_runs_what_done_callbacks_queue(void **state)
{
	struct t t;
	int n = 0;

	(void)state;
	start(&t, &chain_w);
	assert_int_equal(store_writer_submit(chain_w, nothing, chained, &n), 0);
	store_writer_drain(chain_w);
	assert_int_equal(n, 2);
	/* still usable after a drain */
	assert_int_equal(store_writer_submit(chain_w, nothing, chained, &n), 0);
	store_writer_drain(chain_w);
	assert_int_equal(n, 3);
	finish(&t, chain_w, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_async_blob_puts_join_one_write_before_later_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_async_log_appends_join_and_a_compaction_keeps_later_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_async_without_a_writer_writes_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_async_creds_newest_wins_and_writes_name_their_puts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_writer_drain_runs_what_done_callbacks_queue, setup, teardown),
	};

	lws_set_log_level(LLL_ERR, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
