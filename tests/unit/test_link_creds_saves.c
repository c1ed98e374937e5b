/*
 * test_link_creds_saves: link_creds.c saves the credentials through the
 * store writer. While the writer is held (a job standing in for a slow
 * disk) a save waiting with link_save_creds_then is not called back; the
 * saves queued meanwhile join one write (the newest wins); the callback
 * comes on the loop thread once the file on disk holds what it saved (a
 * prekey upload goes only then). A save in place (link_save_creds_now)
 * is never overwritten by an older one still queued. A retry receipt's
 * prekey comes from spares made and saved through the writer; asked
 * before they are durable, one is made and saved in place.
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

#include "link/link.h"
#include "link/link_internal.h"
#include "store/creds.h"
#include "store/store.h"
#include "store/store_writer.h"
#include "testdir.h"
#include "teststore.h"
#include "transport/ws.h"


struct seen {
	pthread_t	 loop;
	int		 calls, rc, bad_thread;
	uint64_t	 tag;
	uint32_t	 on_disk;	/* next_prekey_id in the file at the call */
	struct store	*st;
};

static struct seen seen;

static uint32_t
next_id_on_disk(struct store *st)
{
	struct creds *c = creds_new();
	uint32_t v;

	assert_non_null(c);
	assert_int_equal(store_load_creds(st, c), 0);
	v = c->next_prekey_id;
	creds_free(c);
	return v;
}

static void
then(struct link *l, int rc, uint64_t tag)
{
	(void)l;
	seen.calls++;
	seen.rc = rc;
	seen.tag = tag;
	seen.on_disk = next_id_on_disk(seen.st);
	if (!pthread_equal(pthread_self(), seen.loop))
		seen.bad_thread++;
}

static struct link *
open_link(struct lws_context **cx)
{
	struct store_cfg cfg = { .data_dir = teststore_dir, .client_id = "bot1" };
	struct link *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	assert_int_equal(store_open(&cfg, &l->st, NULL), 0);
	assert_non_null(l->creds = creds_new());
	assert_int_equal(ws_context_new_with(NULL, false, ws_client_protocol(),
	    NULL, cx), 0);
	assert_int_equal(store_writer_new(*cx, &l->writer), 0);
	assert_int_equal(link_creds_saves_open(l), 0);
	memset(&seen, 0, sizeof(seen));
	seen.loop = pthread_self();
	seen.st = l->st;
	return l;
}

static void
close_link(struct link *l, struct lws_context *cx)
{
	store_writer_drain(l->writer);
	link_creds_saves_close(l);
	store_writer_free(l->writer);
	ws_context_free(cx);
	creds_free(l->creds);
	store_close(l->st);
	free(l);
}

static void
test_link_creds_then_runs_once_the_file_holds_the_save(void **state)
{
	struct lws_context *cx;
	struct link *l;
	lws_usec_t end;

	(void)state;
	l = open_link(&cx);
	assert_int_equal(store_writer_submit(l->writer, teststore_slow_job,
	    NULL, NULL), 0);
	l->creds->next_prekey_id = 100;
	assert_int_equal(link_save_creds_then(l, "making prekeys", then, 7), 0);
	l->creds->next_prekey_id = 200;
	assert_int_equal(link_save_creds(l, "edge routing info"), 0);
	l->creds->next_prekey_id = 300;
	assert_int_equal(link_save_creds(l, "login"), 0);
	assert_int_equal(seen.calls, 0);	/* the writer is held */
	end = lws_now_usecs() + 10 * LWS_USEC_PER_SEC;
	while (seen.calls == 0 && lws_now_usecs() < end)
		lws_service(cx, 0);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.rc, 0);
	assert_int_equal(seen.tag, 7);
	assert_int_equal(seen.bad_thread, 0);
	/* the three saves were one write: the newest is what is on disk */
	assert_int_equal(seen.on_disk, 300);
	close_link(l, cx);
}

static void
test_link_creds_now_is_not_overwritten_by_a_queued_save(void **state)
{
	struct lws_context *cx;
	struct link *l;

	(void)state;
	l = open_link(&cx);
	assert_int_equal(store_writer_submit(l->writer, teststore_slow_job,
	    NULL, NULL), 0);
	l->creds->next_prekey_id = 400;
	assert_int_equal(link_save_creds(l, "login"), 0);
	l->creds->next_prekey_id = 500;
	assert_int_equal(link_save_creds_now(l, "pairing"), 0);
	assert_int_equal(next_id_on_disk(l->st), 500);
	store_writer_drain(l->writer);
	assert_int_equal(next_id_on_disk(l->st), 500);
	close_link(l, cx);
}

static bool
key_file_there(struct store *st, uint32_t id)
{
	char name[32];
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	snprintf(name, sizeof(name), "prekey-%u", id);
	rc = store_get(st, name, &b, &len);
	free(b);
	return rc == 0 && len == 64;
}

static void
test_link_retry_prekeys_come_from_durable_spares(void **state)
{
	struct lws_context *cx;
	struct link *l;
	uint8_t pub[32], zero[32] = { 0 };
	uint32_t id, first;
	lws_usec_t end;

	(void)state;
	l = open_link(&cx);
	l->cx = cx;
	l->creds->next_prekey_id = 10;
	/* no spare yet: made in place, durable before it is handed out */
	assert_int_equal(store_writer_submit(l->writer, teststore_slow_job,
	    NULL, NULL), 0);
	assert_int_equal(link_prekey_one(l, &id, pub), 0);
	assert_true(id >= 10);
	assert_true(key_file_there(l->st, id));
	assert_true(next_id_on_disk(l->st) > id);
	assert_memory_not_equal(pub, zero, 32);
	/* ... and the spares it started become ready through the writer */
	assert_non_null(l->spare);
	first = prekey_batch_first(l->spare);
	assert_true(first >= 10 && first != id);
	end = lws_now_usecs() + 10 * LWS_USEC_PER_SEC;
	while (!l->spare_ready && lws_now_usecs() < end)
		lws_service(cx, 0);
	assert_true(l->spare_ready);
	assert_true(key_file_there(l->st, first));
	assert_true(next_id_on_disk(l->st) >= first + prekey_batch_count(l->spare));
	assert_int_equal(link_prekey_one(l, &id, pub), 0);
	assert_int_equal(id, first);
	assert_memory_equal(pub, prekey_batch_pub(l->spare, 0), 32);
	lws_sul_cancel(&l->sul_spare);
	store_writer_drain(l->writer);
	prekey_batch_free(l->spare);
	close_link(l, cx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_creds_then_runs_once_the_file_holds_the_save,
		    teststore_setup, teststore_teardown),
		cmocka_unit_test_setup_teardown(test_link_creds_now_is_not_overwritten_by_a_queued_save,
		    teststore_setup, teststore_teardown),
		cmocka_unit_test_setup_teardown(test_link_retry_prekeys_come_from_durable_spares,
		    teststore_setup, teststore_teardown),
	};

	lws_set_log_level(LLL_ERR, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
