/*
 * test_msg_status: the sent messages' status table (issue 13). Statuses
 * only move forward; failed ends a message unless a receipt proves it
 * arrived; receipts never create a record; the ring keeps the newest
 * MSG_STATUS_MAX messages by creation and evicts the oldest-created one,
 * whatever its status; the log reloads the same table (evictions, types
 * and compaction included) and skips damaged lines.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "message/msg_status.h"
#include "store/store.h"
#include "teststore.h"

#define T0	1764000000000ull

static enum msg_out_status
status_of(struct msg_status_tab *t, const char *id)
{
	struct msg_status_rec r;

	assert_true(msg_status_tab_get(t, id, &r));
	return r.status;
}

static int changes;
static struct msg_status_rec last;

static void
on_change(void *arg, const struct msg_status_rec *r)
{
	(void)arg;
	changes++;
	last = *r;
}

static void
test_status_moves_forward_only(void **state)
{
	struct msg_status_tab *t;
	struct msg_status_rec r;

	(void)state;
	assert_int_equal(msg_status_tab_new(NULL, NULL, &t), 0);
	msg_status_tab_on_change(t, on_change, NULL);
	changes = 0;
	assert_int_equal(msg_status_tab_set(t, "ABC1", "4915112340001",
	    MSG_OUT_QUEUED, 0, T0), 1);
	assert_int_equal(msg_status_tab_set(t, "ABC1", NULL, MSG_OUT_SENT, 0,
	    T0 + 1), 1);
	/* read before delivered: delivered never takes it back */
	assert_int_equal(msg_status_tab_set(t, "ABC1", NULL, MSG_OUT_READ, 0,
	    T0 + 2), 1);
	assert_int_equal(msg_status_tab_set(t, "ABC1", NULL,
	    MSG_OUT_DELIVERED, 0, T0 + 3), 0);
	assert_int_equal(msg_status_tab_set(t, "ABC1", NULL, MSG_OUT_SENT, 0,
	    T0 + 4), 0);
	assert_int_equal(msg_status_tab_set(t, "ABC1", NULL, MSG_OUT_FAILED,
	    463, T0 + 5), 0);
	assert_int_equal(msg_status_tab_set(t, "ABC1", NULL, MSG_OUT_READ, 0,
	    T0 + 6), 0);
	assert_int_equal(msg_status_tab_set(t, "ABC1", NULL, MSG_OUT_PLAYED, 0,
	    T0 + 7), 1);
	assert_int_equal(changes, 4);
	assert_true(msg_status_tab_get(t, "ABC1", &r));
	assert_int_equal(r.status, MSG_OUT_PLAYED);
	assert_string_equal(r.to, "4915112340001");
	assert_int_equal(r.created_ms, T0);
	assert_int_equal(r.updated_ms, T0 + 7);
	assert_string_equal(last.id, "ABC1");

	/* failed ends it, with its code... */
	assert_int_equal(msg_status_tab_set(t, "F1", "4915112340002",
	    MSG_OUT_QUEUED, 0, T0), 1);
	assert_int_equal(msg_status_tab_set(t, "F1", NULL, MSG_OUT_FAILED, 463,
	    T0 + 1), 1);
	assert_true(msg_status_tab_get(t, "F1", &r));
	assert_int_equal(r.code, 463);
	assert_int_equal(msg_status_tab_set(t, "F1", NULL, MSG_OUT_SENT, 0,
	    T0 + 2), 0);
	assert_int_equal(msg_status_tab_set(t, "F1", NULL, MSG_OUT_FAILED, 500,
	    T0 + 2), 0);
	/* ...unless the contact's receipt proves it arrived */
	assert_int_equal(msg_status_tab_set(t, "F1", NULL, MSG_OUT_DELIVERED, 0,
	    T0 + 3), 1);
	assert_true(msg_status_tab_get(t, "F1", &r));
	assert_int_equal(r.status, MSG_OUT_DELIVERED);
	assert_int_equal(r.code, 0);
	/* failed after delivered is no step */
	assert_int_equal(msg_status_tab_set(t, "F1", NULL, MSG_OUT_FAILED, 0,
	    T0 + 4), 0);

	/* receipts never create a record; bad ids are refused */
	assert_int_equal(msg_status_tab_set(t, "NOPE", "1", MSG_OUT_READ, 0,
	    T0), -ENOENT);
	assert_false(msg_status_tab_get(t, "NOPE", &r));
	assert_int_equal(msg_status_tab_set(t, "a b", NULL, MSG_OUT_QUEUED, 0,
	    T0), -EINVAL);
	assert_int_equal(msg_status_tab_set(t, "", NULL, MSG_OUT_QUEUED, 0,
	    T0), -EINVAL);
	assert_int_equal(msg_status_tab_set(t, "x\n", NULL, MSG_OUT_QUEUED, 0,
	    T0), -EINVAL);
	assert_int_equal(msg_status_tab_count(t), 2);
	msg_status_tab_free(t);
}

static void
test_full_table_evicts_the_oldest_created(void **state)
{
	struct msg_status_tab *t;
	struct msg_status_rec *out;
	char id[32];
	size_t i, n;

	(void)state;
	assert_int_equal(msg_status_tab_new(NULL, NULL, &t), 0);
	for (i = 0; i < MSG_STATUS_MAX; i++) {
		snprintf(id, sizeof(id), "M%zu", i);
		assert_int_equal(msg_status_tab_set(t, id, "4915112340001",
		    MSG_OUT_QUEUED, 0, T0 + i), 1);
	}
	/* the oldest is updated last: eviction goes by creation, not change */
	assert_int_equal(msg_status_tab_set(t, "M0", NULL, MSG_OUT_READ, 0,
	    T0 + 5000), 1);
	assert_int_equal(msg_status_tab_count(t), MSG_STATUS_MAX);
	assert_int_equal(status_of(t, "M0"), MSG_OUT_READ);
	assert_int_equal(msg_status_tab_set(t, "NEW", "4915112340001",
	    MSG_OUT_QUEUED, 0, T0 + 6000), 1);
	assert_int_equal(msg_status_tab_count(t), MSG_STATUS_MAX);
	assert_false(msg_status_tab_get(t, "M0", &(struct msg_status_rec){0}));
	assert_int_equal(status_of(t, "M1"), MSG_OUT_QUEUED);
	assert_int_equal(status_of(t, "NEW"), MSG_OUT_QUEUED);
	assert_int_equal(msg_status_tab_set(t, "NEW2", "4915112340001",
	    MSG_OUT_SENT, 0, T0 + 6001), 1);
	assert_false(msg_status_tab_get(t, "M1", &(struct msg_status_rec){0}));
	assert_int_equal(status_of(t, "M2"), MSG_OUT_QUEUED);

	/* listing: latest change first, paged by updated time */
	out = calloc(MSG_STATUS_MAX, sizeof(*out));
	assert_non_null(out);
	n = msg_status_tab_list(t, 0, out, 3);
	assert_int_equal(n, 3);
	assert_string_equal(out[0].id, "NEW2");
	assert_string_equal(out[1].id, "NEW");
	assert_string_equal(out[2].id, "M999");
	n = msg_status_tab_list(t, T0 + 999, out, MSG_STATUS_MAX);
	assert_int_equal(n, 997);	/* M2 .. M998 */
	assert_string_equal(out[0].id, "M998");
	assert_string_equal(out[n - 1].id, "M2");
	free(out);
	msg_status_tab_free(t);
}

static void
test_log_reloads_the_same_table(void **state)
{
	struct msg_status_tab *t, *u;
	struct msg_status_rec r;
	struct store *st = teststore_open();
	char id[128];
	size_t i;

	(void)state;
	assert_int_equal(msg_status_tab_new(NULL, st, &t), 0);
	assert_int_equal(msg_status_tab_set(t, "A", "4915112340001",
	    MSG_OUT_QUEUED, 0, T0), 1);
	assert_int_equal(msg_status_tab_set_type(t, "A", "image"), 0);
	assert_int_equal(msg_status_tab_set(t, "A", NULL, MSG_OUT_SENT, 0,
	    T0 + 1), 1);
	assert_int_equal(msg_status_tab_set(t, "A", NULL, MSG_OUT_READ, 0,
	    T0 + 2), 1);
	assert_int_equal(msg_status_tab_set(t, "B", "4915112340002",
	    MSG_OUT_QUEUED, 0, T0 + 3), 1);
	assert_int_equal(msg_status_tab_set(t, "B", NULL, MSG_OUT_FAILED, 463,
	    T0 + 4), 1);
	msg_status_tab_free(t);

	assert_int_equal(msg_status_tab_new(NULL, st, &u), 0);
	assert_int_equal(msg_status_tab_count(u), 2);
	assert_true(msg_status_tab_get(u, "A", &r));
	assert_int_equal(r.status, MSG_OUT_READ);
	assert_string_equal(r.type, "image");
	assert_string_equal(r.to, "4915112340001");
	assert_int_equal(r.created_ms, T0);
	assert_int_equal(r.updated_ms, T0 + 2);
	assert_true(msg_status_tab_get(u, "B", &r));
	assert_int_equal(r.status, MSG_OUT_FAILED);
	assert_int_equal(r.code, 463);
	/* still forward-only after a reload */
	assert_int_equal(msg_status_tab_set(u, "A", NULL, MSG_OUT_DELIVERED, 0,
	    T0 + 9), 0);

	/* twice what the table holds, ids of 100 characters: the log passes
	 * MSG_STATUS_LOG_COMPACT and is rewritten; eviction replays */
	for (i = 0; i < MSG_STATUS_MAX * 2; i++) {
		snprintf(id, sizeof(id), "BULK%05zu%095d", i, 0);
		assert_int_equal(msg_status_tab_set(u, id, "4915112340003",
		    MSG_OUT_QUEUED, 0, T0 + 10 + i), 1);
		assert_int_equal(msg_status_tab_set(u, id, NULL, MSG_OUT_SENT, 0,
		    T0 + 10 + i), 1);
	}
	msg_status_tab_free(u);
	{
		char path[1024];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", store_session_dir(st),
		    MSG_STATUS_LOG);
		assert_int_equal(stat(path, &sb), 0);
		assert_true(sb.st_size <= (off_t)MSG_STATUS_LOG_COMPACT +
		    64 * 1024);
	}
	assert_int_equal(msg_status_tab_new(NULL, st, &u), 0);
	assert_int_equal(msg_status_tab_count(u), MSG_STATUS_MAX);
	assert_false(msg_status_tab_get(u, "A", &r));
	snprintf(id, sizeof(id), "BULK%05d%095d", 999, 0);
	assert_false(msg_status_tab_get(u, id, &r));
	snprintf(id, sizeof(id), "BULK%05d%095d", 1000, 0);
	assert_int_equal(status_of(u, id), MSG_OUT_SENT);
	snprintf(id, sizeof(id), "BULK%05d%095d", 1999, 0);
	assert_int_equal(status_of(u, id), MSG_OUT_SENT);
	msg_status_tab_free(u);
	store_close(st);
}

static void
test_replay_skips_damaged_lines(void **state)
{
	static const char log[] =
	    "A 4915112340001 text queued 0 10 10\n"
	    "garbage\n"
	    "B 4915112340001 - bogus 0 10 10\n"
	    "C 4915112340001 - sent x 10 10\n"
	    "D 4915112340001 - sent 0 10\n"
	    "E 4915112340001 - sent 0 10 11 12\n"
	    "\n"
	    "A - - read 0 10 20\n"
	    "F - - failed 99999999999 1 1\n"
	    "G 1 - delivered 0 1 2";	/* torn: no newline, still whole */
	struct msg_status_tab *t;
	struct msg_status_rec r;

	(void)state;
	assert_int_equal(msg_status_tab_new(NULL, NULL, &t), 0);
	assert_int_equal(msg_status_tab_replay(t, log, sizeof(log) - 1), 6);
	assert_true(msg_status_tab_get(t, "A", &r));
	assert_int_equal(r.status, MSG_OUT_READ);
	assert_string_equal(r.type, "text");
	assert_int_equal(r.updated_ms, 20);
	assert_false(msg_status_tab_get(t, "B", &r));
	assert_false(msg_status_tab_get(t, "F", &r));
	assert_true(msg_status_tab_get(t, "G", &r));
	assert_int_equal(msg_status_tab_count(t), 2);
	msg_status_tab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_moves_forward_only),
		cmocka_unit_test(test_full_table_evicts_the_oldest_created),
		cmocka_unit_test_setup_teardown(test_log_reloads_the_same_table,
		    teststore_setup, teststore_teardown),
		cmocka_unit_test(test_replay_skips_damaged_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
