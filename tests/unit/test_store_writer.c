/*
 * test_store_writer: jobs run on the writer's thread in order while the
 * loop keeps serving (a 10 ms timer stays on time through a job that
 * takes 500 ms, standing in for a slow fsync); each job's completion
 * comes back on the loop thread; free runs what is still queued.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <libwebsockets.h>

#include "store/store_writer.h"
#include "transport/ws.h"

struct t {
	struct lws_context	*cx;
	lws_sorted_usec_list_t	 tick;
	lws_usec_t		 last, worst;
	pthread_t		 loop_thread;
	int			 order[8], n, done;
	bool			 done_on_loop;
};

struct arg {
	struct t	*t;
	int		 id;
	int		 sleep_ms;
};

static void
on_tick(lws_sorted_usec_list_t *sul)
{
	struct t *t = lws_container_of(sul, struct t, tick);
	lws_usec_t now = lws_now_usecs();

	if (t->last != 0 && now - t->last > t->worst)
		t->worst = now - t->last;
	t->last = now;
	lws_sul_schedule(t->cx, 0, &t->tick, on_tick, 10 * LWS_US_PER_MS);
}

static int
work(void *p)
{
	struct arg *a = p;

	usleep((useconds_t)a->sleep_ms * 1000);
	a->t->order[a->t->n++] = a->id;	/* one thread: no race with the loop's reads after done */
	return a->id * 10;
}

static void
done(void *p, int rc)
{
	struct arg *a = p;

	assert_int_equal(rc, a->id * 10);
	a->t->done_on_loop = a->t->done_on_loop &&
	    pthread_equal(pthread_self(), a->t->loop_thread);
	a->t->done++;
}

static void
test_store_writer_runs_jobs_in_order_beside_the_loop(void **state)
{
	struct arg a[3];
	struct store_writer *w;
	struct t t;
	lws_usec_t end;
	int i;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.loop_thread = pthread_self();
	t.done_on_loop = true;
	assert_int_equal(ws_context_new_with(NULL, false, ws_client_protocol(), NULL, &t.cx), 0);
	assert_int_equal(store_writer_new(t.cx, &w), 0);
	lws_sul_schedule(t.cx, 0, &t.tick, on_tick, 10 * LWS_US_PER_MS);
	t.last = lws_now_usecs();
	for (i = 0; i < 3; i++) {
		a[i] = (struct arg){ &t, i + 1, i == 0 ? 500 : 10 };
		assert_int_equal(store_writer_submit(w, work, done, &a[i]), 0);
	}
	end = lws_now_usecs() + 10 * LWS_USEC_PER_SEC;
	while (t.done < 3 && lws_now_usecs() < end)
		lws_service(t.cx, 0);
	printf("# worst timer gap %ld ms while a job took 500 ms\n",
	    (long)(t.worst / LWS_US_PER_MS));
	assert_int_equal(t.done, 3);
	assert_true(t.done_on_loop);
	assert_int_equal(t.order[0], 1);
	assert_int_equal(t.order[1], 2);
	assert_int_equal(t.order[2], 3);
	assert_true(t.worst / LWS_US_PER_MS < 250);
	lws_sul_cancel(&t.tick);
	store_writer_free(w);
	ws_context_free(t.cx);
}

static void
test_store_writer_free_finishes_the_queue(void **state)
{
	struct arg a[2];
	struct store_writer *w;
	struct t t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.loop_thread = pthread_self();
	t.done_on_loop = true;
	assert_int_equal(ws_context_new_with(NULL, false, ws_client_protocol(), NULL, &t.cx), 0);
	assert_int_equal(store_writer_new(t.cx, &w), 0);
	a[0] = (struct arg){ &t, 1, 100 };
	a[1] = (struct arg){ &t, 2, 10 };
	assert_int_equal(store_writer_submit(w, work, done, &a[0]), 0);
	assert_int_equal(store_writer_submit(w, work, done, &a[1]), 0);
	store_writer_free(w);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.done, 2);
	ws_context_free(t.cx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_writer_runs_jobs_in_order_beside_the_loop),
		cmocka_unit_test(test_store_writer_free_finishes_the_queue),
	};

	lws_set_log_level(LLL_ERR, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
