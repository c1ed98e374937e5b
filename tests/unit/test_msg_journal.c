/*
 * test_msg_journal: the message journal (issue 12) without a loop
 * (commits run in place): records and Signal blobs share one
 * fdatasync per commit; a restart replays every record in order; a
 * torn last record is dropped and the ones before it kept; compaction
 * keeps what is live and puts the Signal blobs in their files; the
 * record parser refuses what it cannot read. (The outbox's eviction
 * rule is test_msg_job's.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "message/msg_internal.h"
#include "message/msg_journal.h"
#include "message/msg_jrec.h"
#include "signal/sig.h"
#include "signal/sig_internal.h"
#include "store/store.h"

#include "slowio.h"
#include "teststore.h"

static const struct creds *
no_creds(void *arg)
{
	(void)arg;
	return NULL;
}

/* What a test keeps live, and what a replay saw. */
struct world {
	char	 seen[32][JREC_STR_MAX];
	uint8_t	 types[32];
	int	 nseen;
	const char *live_ids[8];
	int	 nlive;
	int	 afters, after_rc;
};

static int
live(void *arg, struct msg_journal *j)
{
	struct world *w = arg;
	struct jrec r;
	int i, rc;

	for (i = 0; i < w->nlive; i++) {
		memset(&r, 0, sizeof(r));
		r.type = JR_IN;
		snprintf(r.id, sizeof(r.id), "%s", w->live_ids[i]);
		if ((rc = msg_journal_keep(j, &r)) < 0)
			return rc;
	}
	return 0;
}

static int
replay(void *arg, const struct jrec *r)
{
	struct world *w = arg;

	if (w->nseen < 32) {
		w->types[w->nseen] = r->type;
		snprintf(w->seen[w->nseen++], JREC_STR_MAX, "%s", r->id);
	}
	return 0;
}

static void
after(void *arg, int rc)
{
	struct world *w = arg;

	w->afters++;
	w->after_rc = rc;
}

static void
add_in(struct msg_journal *j, const char *id, const char *text)
{
	struct jrec r;

	memset(&r, 0, sizeof(r));
	r.type = JR_IN;
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.chat, sizeof(r.chat), "4915112340001@s.whatsapp.net");
	r.data = (const uint8_t *)text;
	r.len = strlen(text);
	assert_int_equal(msg_journal_add(j, &r), 0);
}

static void
test_jrec_round_trip_and_refusals(void **state)
{
	struct jrec r, back;
	uint8_t *b, *pts = NULL;
	const uint8_t *pt;
	size_t n, ptslen = 0, off = 0, ptl;
	char push[300];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = JR_OUT;
	r.t = 1733480000;
	snprintf(r.id, sizeof(r.id), "3EB0ABCDEF");
	snprintf(r.answers, sizeof(r.answers), "IN1");
	snprintf(r.ctype, sizeof(r.ctype), "text");
	assert_int_equal(jrec_pts_add(&pts, &ptslen, (const uint8_t *)"hi", 2), 0);
	assert_int_equal(jrec_pts_add(&pts, &ptslen, (const uint8_t *)"", 0), 0);
	r.data = pts;
	r.len = ptslen;
	assert_int_equal(jrec_encode(&r, &b, &n), 0);
	assert_int_equal(jrec_decode(b, n, &back), 0);
	assert_int_equal(back.type, JR_OUT);
	assert_true(back.t == 1733480000);
	assert_string_equal(back.id, "3EB0ABCDEF");
	assert_string_equal(back.answers, "IN1");
	assert_int_equal(jrec_pts_next(back.data, back.len, &off, &pt, &ptl), 1);
	assert_int_equal(ptl, 2);
	assert_memory_equal(pt, "hi", 2);
	assert_int_equal(jrec_pts_next(back.data, back.len, &off, &pt, &ptl), 1);
	assert_int_equal(ptl, 0);
	assert_int_equal(jrec_pts_next(back.data, back.len, &off, &pt, &ptl), 0);
	/* every shorter prefix is refused: a torn record never half-reads */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(jrec_decode(b, k, &back), -EBADMSG);
	b[1] = 'Z';				/* unknown type */
	assert_int_equal(jrec_decode(b, n, &back), -EBADMSG);
	free(b);
	free(pts);
	/* a long push name is cut at a UTF-8 boundary, an id is refused */
	memset(&r, 0, sizeof(r));
	r.type = JR_IN;
	memset(push, 0, sizeof(push));
	for (int i = 0; i < 100; i++)
		memcpy(push + 2 * i, "\xc3\xbc", 2);	/* ü x 100 */
	jrec_set_push(&r, push);		/* 200 bytes: cut to fit */
	assert_int_equal(strlen(r.push), JREC_STR_MAX - 2);
	assert_int_equal(jrec_encode(&r, &b, &n), 0);
	assert_int_equal(jrec_decode(b, n, &back), 0);
	assert_int_equal(strlen(back.push) % 2, 0);
	free(b);
}

static void
test_waiter_runs_after_the_commit_that_holds_it(void **state)
{
	struct store *st = teststore_open();
	struct world w = { 0 };
	struct msg_journal *j;
	struct msg_journal_stats stats;
	struct sig *s;
	int i;

	(void)state;
	assert_int_equal(sig_new(st, no_creds, NULL, &s), 0);
	sig_write_back(s, true);
	assert_int_equal(msg_journal_open(NULL, NULL, st, s, live, &w, &j), 0);
	assert_int_equal(msg_journal_load(j, replay, &w), 0);
	for (i = 0; i < 20; i++) {
		char id[16], blob[32];

		snprintf(id, sizeof(id), "ID%d", i);
		add_in(j, id, "hello");
		snprintf(blob, sizeof(blob), "ss-49%d.0", i);
		assert_int_equal(sig_blob_put(s, blob, (const uint8_t *)"ratchet", 7), 0);
	}
	slowio_sync_reset();
	assert_int_equal(msg_journal_after(j, after, &w), 0);
	/* 20 records and 20 sessions: one commit, one fdatasync */
	assert_int_equal(slowio_sync_count(), 1);
	assert_int_equal(w.afters, 1);
	assert_int_equal(w.after_rc, 0);
	msg_journal_get_stats(j, &stats);
	assert_true(stats.commits == 1 && stats.records == 40);
	/* a waiter with nothing to write runs at once, without a sync */
	slowio_sync_reset();
	assert_int_equal(msg_journal_after(j, after, &w), 0);
	assert_int_equal(w.afters, 2);
	assert_int_equal(slowio_sync_count(), 0);
	msg_journal_free(j);
	sig_free(s);
	store_close(st);
}

/* Reopens the store and replays the journal into w. */
static void
reload(struct world *w, struct store **st, struct sig **s, struct msg_journal **j)
{
	*st = teststore_open();
	assert_int_equal(sig_new(*st, no_creds, NULL, s), 0);
	sig_write_back(*s, true);
	assert_int_equal(msg_journal_open(NULL, NULL, *st, *s, live, w, j), 0);
	assert_int_equal(msg_journal_load(*j, replay, w), 0);
}

static void
test_restart_replays_in_order_and_blobs_reach_their_files(void **state)
{
	struct world w = { 0 }, w2 = { 0 };
	struct msg_journal *j;
	struct store *st;
	struct sig *s;
	struct jrec r;
	uint8_t *b;
	size_t n;

	(void)state;
	reload(&w, &st, &s, &j);
	add_in(j, "A", "one");
	add_in(j, "B", "two");
	memset(&r, 0, sizeof(r));
	r.type = JR_DONE;
	snprintf(r.id, sizeof(r.id), "A");
	assert_int_equal(msg_journal_add(j, &r), 0);
	assert_int_equal(sig_blob_put(s, "ss-4915.1", (const uint8_t *)"newest", 6), 0);
	msg_journal_flush(j);
	/* the blob is in the journal only: no file yet */
	assert_int_equal(store_get(st, "ss-4915.1", &b, &n), -ENOENT);
	/* a stop with nothing queued writes nothing more: as after a crash */
	msg_journal_free(j);
	sig_free(s);
	store_close(st);
	reload(&w2, &st, &s, &j);
	assert_int_equal(w2.nseen, 3);
	assert_string_equal(w2.seen[0], "A");
	assert_int_equal(w2.types[0], JR_IN);
	assert_string_equal(w2.seen[1], "B");
	assert_int_equal(w2.types[2], JR_DONE);
	assert_int_equal(store_get(st, "ss-4915.1", &b, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(b, "newest", 6);
	free(b);
	msg_journal_free(j);
	sig_free(s);
	store_close(st);
}

static void
test_torn_tail_drops_only_the_last_record(void **state)
{
	struct world w = { 0 }, w2 = { 0 };
	struct msg_journal *j;
	struct store *st;
	struct sig *s;
	char path[512];
	struct stat sb;
	int fd;

	(void)state;
	reload(&w, &st, &s, &j);
	add_in(j, "A", "one");
	msg_journal_flush(j);
	add_in(j, "B", "two");
	msg_journal_flush(j);
	msg_journal_free(j);
	sig_free(s);
	store_close(st);
	snprintf(path, sizeof(path), "%s/whatsapp-session/session-bot1/%s",
	    teststore_dir, JOURNAL_LOG_NAME);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* a crash inside B's write: its last 3 bytes never made it */
	assert_int_equal(truncate(path, sb.st_size - 3), 0);
	reload(&w2, &st, &s, &j);
	assert_int_equal(w2.nseen, 1);
	assert_string_equal(w2.seen[0], "A");
	msg_journal_free(j);
	sig_free(s);
	store_close(st);
	(void)fd;
}

static void
test_compaction_keeps_what_is_live(void **state)
{
	struct world w = { 0 }, w2 = { 0 };
	struct msg_journal *j;
	struct store *st;
	struct sig *s;
	int i;

	(void)state;
	reload(&w, &st, &s, &j);
	for (i = 0; i < 5; i++) {
		char id[8];

		snprintf(id, sizeof(id), "X%d", i);
		add_in(j, id, "text");
	}
	msg_journal_flush(j);
	msg_journal_free(j);
	sig_free(s);
	store_close(st);
	/* the load compacts: only what live() keeps is left */
	w2.live_ids[0] = "X3";
	w2.nlive = 1;
	reload(&w2, &st, &s, &j);
	assert_int_equal(w2.nseen, 5);
	msg_journal_free(j);
	sig_free(s);
	store_close(st);
	memset(&w, 0, sizeof(w));
	reload(&w, &st, &s, &j);
	assert_int_equal(w.nseen, 1);
	assert_string_equal(w.seen[0], "X3");
	msg_journal_free(j);
	sig_free(s);
	store_close(st);
}

static void
test_sig_cache_reads_newest_and_deletes_stick(void **state)
{
	struct store *st = teststore_open();
	struct sig *s;
	uint8_t *b;
	size_t n;

	(void)state;
	assert_int_equal(sig_new(st, no_creds, NULL, &s), 0);
	assert_int_equal(store_put(st, "ss-1.0", (const uint8_t *)"old", 3), 0);
	sig_write_back(s, true);
	assert_int_equal(sig_blob_put(s, "ss-1.0", (const uint8_t *)"new", 3), 0);
	assert_int_equal(sig_blob_get(s, "ss-1.0", &b, &n), 0);
	assert_memory_equal(b, "new", 3);
	free(b);
	assert_int_equal(sig_blob_del(s, "ss-1.0"), 0);
	assert_int_equal(sig_blob_get(s, "ss-1.0", &b, &n), -ENOENT);
	assert_int_equal(sig_cached_count(s), 1);	/* the tombstone */
	sig_free(s);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jrec_round_trip_and_refusals),
		cmocka_unit_test_setup_teardown(test_waiter_runs_after_the_commit_that_holds_it,
		    teststore_setup, teststore_teardown),
		cmocka_unit_test_setup_teardown(test_restart_replays_in_order_and_blobs_reach_their_files,
		    teststore_setup, teststore_teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_drops_only_the_last_record,
		    teststore_setup, teststore_teardown),
		cmocka_unit_test_setup_teardown(test_compaction_keeps_what_is_live,
		    teststore_setup, teststore_teardown),
		cmocka_unit_test_setup_teardown(test_sig_cache_reads_newest_and_deletes_stick,
		    teststore_setup, teststore_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
