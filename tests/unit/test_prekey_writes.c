/*
 * test_prekey_writes: prekeys.c's batch hands its key files to a writer
 * thread and is complete (the upload may go) only once every write is
 * durable: while the writer is held (a job standing in for a slow disk),
 * prekey_batch_step keeps answering "again" though every key is made;
 * afterwards every key file is there. A batch freed with writes in
 * flight is released by the last one (ASan checks the rest).
 */
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

#include "link/link_internal.h"
#include "store/store.h"
#include "store/store_writer.h"
#include "testdir.h"
#include "teststore.h"
#include "transport/ws.h"


static void
released(void *arg, int rc)
{
	(void)rc;
	*(int *)arg = 1;
}

static void
test_prekey_batch_is_done_only_once_its_writes_are_durable(void **state)
{
	struct store_cfg cfg = { .data_dir = teststore_dir, .client_id = "bot1" };
	struct lws_context *cx;
	struct store_writer *w;
	struct prekey_batch *b;
	struct store *st;
	uint8_t *kp;
	size_t len;
	char name[32];
	int rc, steps = 0, slow_done = 0;
	uint32_t i;
	lws_usec_t end;

	(void)state;
	assert_int_equal(store_open(&cfg, &st, NULL), 0);
	assert_int_equal(ws_context_new_with(NULL, false, ws_client_protocol(),
	    NULL, &cx), 0);
	assert_int_equal(store_writer_new(cx, &w), 0);
	assert_int_equal(prekey_batch_new(100, 50, &b), 0);
	assert_int_equal(store_writer_submit(w, teststore_slow_job, released, &slow_done), 0);
	/* every key made while the writer is held: not done yet */
	for (i = 0; i < 20; i++)
		assert_int_equal(prekey_batch_step(b, st, w), 1);
	assert_int_equal(slow_done, 0);
	end = lws_now_usecs() + 10 * LWS_USEC_PER_SEC;
	while ((rc = prekey_batch_step(b, st, w)) == 1 && lws_now_usecs() < end) {
		lws_service(cx, 0);
		steps++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(slow_done, 1);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "prekey-%u", 100 + i);
		assert_int_equal(store_get(st, name, &kp, &len), 0);
		assert_int_equal(len, 64);
		free(kp);
	}
	prekey_batch_free(b);
	/* freed with writes in flight: the last write releases it */
	assert_int_equal(prekey_batch_new(200, 50, &b), 0);
	assert_int_equal(store_writer_submit(w, teststore_slow_job, NULL, NULL), 0);
	for (i = 0; i < 7; i++)
		prekey_batch_step(b, st, w);
	prekey_batch_free(b);
	store_writer_free(w);
	snprintf(name, sizeof(name), "prekey-%u", 249);
	assert_int_equal(store_get(st, name, &kp, &len), 0);
	free(kp);
	ws_context_free(cx);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prekey_batch_is_done_only_once_its_writes_are_durable,
		    teststore_setup, teststore_teardown),
	};

	lws_set_log_level(LLL_ERR, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
