/*
 * test_msg_job: the message layer's job machine and its one eviction
 * rule (session-worker/message/msg_job.h), SQLite's testcase() habit:
 * every state x event against a table written out here independently
 * of msg_job.c, and the store at each boundary: empty, one below full,
 * full with a kept entry (the oldest goes, counted), full of active
 * ones (-EBUSY, counted, nothing moved), a lapsed and a live auto-reply
 * mark, ids of the longest length, an evicted id looked up again, and
 * the eviction log paced per burst.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "message/msg_internal.h"
#include "message/msg_job.h"
#include "message/msg_jrec.h"

/* The header's table, cell by cell; "." (0 here) is invalid. */
#define X(s)	((s) + 1)
static const int expected[JS__MAX][JE__MAX] = {
	[JS_FREE] = { [JE_RECORD] = X(JS_QUEUED), [JE_ASK_KEYS] = X(JS_KEYS),
	    [JE_SENT] = X(JS_SENT), [JE_HOLD] = X(JS_HELD),
	    [JE_MARK] = X(JS_MARKED) },
	[JS_QUEUED] = { [JE_WAIT_LINK] = X(JS_WAIT_LINK),
	    [JE_ASK_DEVICES] = X(JS_USYNC), [JE_FAIL] = X(JS_FAILED),
	    [JE_LOGGED_ACK] = X(JS_KEPT) },
	[JS_WAIT_LINK] = { [JE_WAIT_LINK] = X(JS_WAIT_LINK),
	    [JE_ASK_DEVICES] = X(JS_USYNC), [JE_FAIL] = X(JS_FAILED) },
	[JS_USYNC] = { [JE_WAIT_LINK] = X(JS_WAIT_LINK),
	    [JE_ASK_KEYS] = X(JS_KEYS), [JE_SENT] = X(JS_SENT),
	    [JE_FAIL] = X(JS_FAILED) },
	[JS_KEYS] = { [JE_WAIT_LINK] = X(JS_WAIT_LINK), [JE_SENT] = X(JS_SENT),
	    [JE_FAIL] = X(JS_FAILED) },
	[JS_SENT] = { [JE_WAIT_LINK] = X(JS_WAIT_LINK), [JE_ACK] = X(JS_KEPT),
	    [JE_REFUSED] = X(JS_FAILED), [JE_FAIL] = X(JS_FAILED) },
	[JS_KEPT] = { [JE_EVICT] = X(JS_FREE) },
	[JS_FAILED] = { [JE_EVICT] = X(JS_FREE) },
	[JS_HELD] = { [JE_RELEASE] = X(JS_DONE) },
	[JS_MARKED] = { [JE_MARK] = X(JS_MARKED), [JE_EXPIRE] = X(JS_DONE) },
	[JS_DONE] = { [JE_MARK] = X(JS_MARKED), [JE_EVICT] = X(JS_FREE) },
};

static void
test_every_state_event_matches_the_table(void **state)
{
	int s, e, valid = 0;

	(void)state;
	for (s = 0; s < JS__MAX; s++)
		for (e = 0; e < JE__MAX; e++) {
			enum job_state want = expected[s][e] == 0 ? JS_INVALID :
			    (enum job_state)(expected[s][e] - 1);

			if (job_next((enum job_state)s, (enum job_event)e) != want)
				fail_msg("%s on %s: got %s, want %s",
				    job_state_name((enum job_state)s),
				    job_event_name((enum job_event)e),
				    job_state_name(job_next((enum job_state)s,
				    (enum job_event)e)), job_state_name(want));
			valid += want != JS_INVALID;
		}
	assert_int_equal(valid, 30);	/* the header's table has 30 moves */
	/* out of range either way */
	assert_int_equal(job_next(JS__MAX, JE_RECORD), JS_INVALID);
	assert_int_equal(job_next(JS_INVALID, JE_RECORD), JS_INVALID);
	assert_int_equal(job_next(JS_FREE, JE__MAX), JS_INVALID);
	assert_int_equal(job_next(JS_FREE, (enum job_event)-1), JS_INVALID);
	assert_string_equal(job_state_name(JS_INVALID), "invalid");
}

static void
test_only_waiting_states_are_active(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < JS__MAX; s++) {
		bool want = s == JS_QUEUED || s == JS_WAIT_LINK || s == JS_USYNC ||
		    s == JS_KEYS || s == JS_SENT || s == JS_HELD || s == JS_MARKED;

		assert_int_equal(job_state_active((enum job_state)s), want);
		/* an active state is never a source of JE_EVICT */
		if (want)
			assert_int_equal(job_next((enum job_state)s, JE_EVICT),
			    JS_INVALID);
	}
}

static void
test_a_move_outside_the_table_changes_nothing(void **state)
{
	struct job_hdr h = { .state = JS_KEPT };

	(void)state;
	assert_false(job_move(&h, JE_ACK, "t"));
	assert_int_equal(h.state, JS_KEPT);
	assert_true(job_move(&h, JE_EVICT, "t"));
	assert_int_equal(h.state, JS_FREE);
}

/* A store's entry as the real ones are: a header not at offset 0. */
struct item {
	char		 id[MSG_ID_MAX];
	struct job_hdr	 h;
};

#define CAP	4

static int
admit(struct job_store *s, struct item *v, size_t n, uint64_t now, size_t *victim)
{
	return job_store_admit(s, v, n, sizeof(*v), offsetof(struct item, h),
	    0, now, victim);
}

static void
fill(struct job_store *s, struct item *v, size_t n, const enum job_state *st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		job_store_stamp(s, &v[i].h, JK_SEND);
		v[i].h.state = st[i];
		snprintf(v[i].id, sizeof(v[i].id), "I%zu", i);
	}
}

static void
test_store_empty_and_one_below_full_take_without_evicting(void **state)
{
	struct job_store s;
	struct item v[CAP];
	enum job_state st[CAP] = { JS_SENT, JS_SENT, JS_SENT, JS_SENT };
	size_t victim = 99;

	(void)state;
	job_store_init(&s, "test", CAP);
	assert_int_equal(admit(&s, v, 0, 1000, &victim), 0);
	fill(&s, v, CAP - 1, st);
	assert_int_equal(admit(&s, v, CAP - 1, 1000, &victim), 0);
	assert_int_equal(victim, 99);	/* untouched */
	assert_true(s.evicted == 0 && s.refused == 0);
}

static void
test_store_full_evicts_the_oldest_kept_entry(void **state)
{
	struct job_store s;
	struct item v[CAP];
	/* ages follow the index: 0 oldest. The oldest (0) is active; of the
	 * kept ones (1 failed, 3 kept) 1 is older. */
	enum job_state st[CAP] = { JS_SENT, JS_FAILED, JS_QUEUED, JS_KEPT };
	size_t victim = 99;

	(void)state;
	job_store_init(&s, "test", CAP);
	fill(&s, v, CAP, st);
	assert_int_equal(admit(&s, v, CAP, 1000, &victim), 1);
	assert_int_equal(victim, 1);
	assert_int_equal(v[1].h.state, JS_FREE);
	assert_int_equal(v[0].h.state, JS_SENT);
	assert_int_equal(v[3].h.state, JS_KEPT);
	assert_true(s.evicted == 1 && s.refused == 0);
	/* ages, not places: make the entry at index 3 the older kept one */
	v[1].h.state = JS_KEPT;
	v[1].h.seq = 100;
	assert_int_equal(admit(&s, v, CAP, 1000, &victim), 1);
	assert_int_equal(victim, 3);
	assert_int_equal(s.evicted, 2);
}

static void
test_store_full_of_active_entries_refuses(void **state)
{
	static const enum job_state active[] = { JS_QUEUED, JS_WAIT_LINK,
	    JS_USYNC, JS_KEYS, JS_SENT, JS_HELD, JS_MARKED };
	struct job_store s;
	struct item v[CAP];
	enum job_state st[CAP];
	size_t i, k, victim = 99;

	(void)state;
	job_store_init(&s, "test", CAP);
	for (k = 0; k < sizeof(active) / sizeof(active[0]); k++) {
		for (i = 0; i < CAP; i++)
			st[i] = active[(k + i) % (sizeof(active) / sizeof(active[0]))];
		fill(&s, v, CAP, st);
		for (i = 0; i < CAP; i++)
			v[i].h.until_ms = 5000;	/* marks live until 5 s */
		assert_int_equal(admit(&s, v, CAP, 1000, &victim), -EBUSY);
		assert_int_equal(victim, 99);
		for (i = 0; i < CAP; i++)
			assert_int_equal(v[i].h.state, st[i]);
		assert_int_equal(s.refused, k + 1);
		assert_int_equal(s.evicted, 0);
	}
}

static void
test_a_lapsed_mark_makes_room_a_live_one_does_not(void **state)
{
	struct job_store s;
	struct item v[CAP];
	enum job_state st[CAP] = { JS_MARKED, JS_MARKED, JS_MARKED, JS_MARKED };
	size_t i, victim = 99;

	(void)state;
	job_store_init(&s, "marks", CAP);
	fill(&s, v, CAP, st);
	for (i = 0; i < CAP; i++)
		v[i].h.until_ms = 2000 + i;
	assert_int_equal(admit(&s, v, CAP, 1999, &victim), -EBUSY);
	/* at 2001 marks 0 and 1 lapsed: the older (0) goes */
	assert_int_equal(admit(&s, v, CAP, 2001, &victim), 1);
	assert_int_equal(victim, 0);
	assert_int_equal(v[0].h.state, JS_FREE);
	assert_int_equal(v[1].h.state, JS_MARKED);
	assert_true(s.evicted == 1 && s.refused == 1);
}

static void
test_evictions_are_logged_once_per_burst(void **state)
{
	struct job_store s;
	struct item v[CAP];
	enum job_state st[CAP] = { JS_KEPT, JS_KEPT, JS_KEPT, JS_KEPT };
	size_t victim, i;

	(void)state;
	job_store_init(&s, "test", CAP);
	fill(&s, v, CAP, st);
	assert_int_equal(admit(&s, v, CAP, 1000, &victim), 1);
	assert_int_equal(s.burst_evicted, 0);	/* the first: logged at once */
	for (i = 0; i < 3; i++) {
		fill(&s, v, CAP, st);
		assert_int_equal(admit(&s, v, CAP, 2000 + i, &victim), 1);
	}
	assert_int_equal(s.burst_evicted, 3);	/* held for one line */
	fill(&s, v, CAP, st);
	assert_int_equal(admit(&s, v, CAP, 1000 + JOB_LOG_EVERY_MS, &victim), 1);
	assert_int_equal(s.burst_evicted, 0);	/* the line went out */
	assert_int_equal(s.evicted, 5);
}

/* The outbox is the store of sends: its entries walk the table. */
static void
ack(struct outbox_entry *e)
{
	assert_true(job_move(&e->h, JE_ASK_DEVICES, e->id));
	assert_true(job_move(&e->h, JE_SENT, e->id));
	assert_true(job_move(&e->h, JE_ACK, e->id));
}

static void
test_outbox_keeps_unacked_and_evicts_the_oldest_acked(void **state)
{
	struct msg_outbox o;
	struct outbox_entry *e;
	struct msg_body body;
	struct msg_out c = { .pb = (const uint8_t *)"\x0a\x01x", .len = 3 };
	char id[16];
	int i;

	(void)state;
	memset(&body, 0, sizeof(body));
	assert_int_equal(msg_body_set(&body, &c), 0);
	msg_outbox_init(&o, 3, 0);
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "S%d", i);
		assert_int_equal(msg_outbox_put(&o, id, "1@s.whatsapp.net", NULL,
		    &body, &e), 0);
		assert_int_equal(e->h.state, JS_QUEUED);
	}
	/* full of unacked sends: refused, none evicted */
	assert_int_equal(msg_outbox_put(&o, "S3", "1@s.whatsapp.net", NULL, &body,
	    &e), -EBUSY);
	assert_true(o.js.evicted == 0 && o.js.refused == 1 && o.n == 3);
	/* two acked: the OLDER acked one goes, the unacked S0 stays */
	ack(msg_outbox_find(&o, "S2"));
	ack(msg_outbox_find(&o, "S1"));
	assert_int_equal(msg_outbox_put(&o, "S3", "1@s.whatsapp.net", "IN3", &body,
	    &e), 0);
	assert_true(o.js.evicted == 1 && o.js.refused == 1 && o.n == 3);
	assert_null(msg_outbox_find(&o, "S1"));
	assert_non_null(msg_outbox_find(&o, "S0"));
	assert_non_null(msg_outbox_find(&o, "S2"));
	/* the reply to IN3 is known: never made twice */
	assert_non_null(msg_outbox_answered(&o, "IN3"));
	assert_null(msg_outbox_answered(&o, "IN4"));
	assert_null(msg_outbox_answered(&o, NULL));
	msg_outbox_free(&o);
	msg_body_clear(&body);
}

/*
 * The byte bound (what a compaction writes back to the journal): a body
 * that does not fit makes as many acked sends go as it takes, oldest
 * first; exactly at the bound is room; past it with only unacked sends
 * is refused; and the count follows every removal.
 */
static void
test_outbox_bytes_evict_as_many_acked_as_it_takes(void **state)
{
	struct msg_outbox o;
	struct outbox_entry *e;
	struct msg_body b10, b25, b30, b31;
	uint8_t pb[40];
	char id[16];
	int i;

	(void)state;
	memset(pb, 'x', sizeof(pb));
	memset(&b10, 0, sizeof(b10));
	memset(&b25, 0, sizeof(b25));
	memset(&b30, 0, sizeof(b30));
	memset(&b31, 0, sizeof(b31));
	assert_int_equal(msg_body_set(&b10, &(struct msg_out){ .pb = pb, .len = 10 }), 0);
	assert_int_equal(msg_body_set(&b25, &(struct msg_out){ .pb = pb, .len = 25 }), 0);
	assert_int_equal(msg_body_set(&b30, &(struct msg_out){ .pb = pb, .len = 30 }), 0);
	assert_int_equal(msg_body_set(&b31, &(struct msg_out){ .pb = pb, .len = 31 }), 0);
	msg_outbox_init(&o, 100, 30);
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "S%d", i);
		assert_int_equal(msg_outbox_put(&o, id, "1@s.whatsapp.net", NULL,
		    &b10, &e), 0);
	}
	/* 30 of 30: exactly at the bound, nothing more fits unacked */
	assert_int_equal(o.js.bytes, 30);
	assert_int_equal(msg_outbox_put(&o, "X", "1@s.whatsapp.net", NULL, &b10,
	    &e), -EBUSY);
	assert_true(o.js.refused == 1 && o.js.evicted == 0 && o.n == 3);
	/* a body larger than the whole bound never fits, and evicts nothing */
	ack(msg_outbox_find(&o, "S0"));
	ack(msg_outbox_find(&o, "S1"));
	ack(msg_outbox_find(&o, "S2"));
	assert_int_equal(msg_outbox_put(&o, "BIG", "1@s.whatsapp.net", NULL, &b31,
	    &e), -EBUSY);
	assert_true(o.n == 3 && o.js.evicted == 0 && o.js.refused == 2);
	/* room made by the oldest acked going */
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "S%d", i);
		assert_int_equal(msg_outbox_put(&o, id + 1, "1@s.whatsapp.net",
		    NULL, &b10, &e), 0);
		assert_null(msg_outbox_find(&o, id));
	}
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "%d", i);
		ack(msg_outbox_find(&o, id));
	}
	i = (int)o.js.evicted;
	assert_int_equal(msg_outbox_put(&o, "P", "1@s.whatsapp.net", NULL, &b30, &e), 0);
	assert_int_equal((int)o.js.evicted - i, 3);
	ack(msg_outbox_find(&o, "P"));
	i = (int)o.js.evicted;
	assert_int_equal(msg_outbox_put(&o, "Q", "1@s.whatsapp.net", NULL, &b10, &e), 0);
	assert_int_equal((int)o.js.evicted - i, 1);
	assert_null(msg_outbox_find(&o, "P"));
	ack(msg_outbox_find(&o, "Q"));
	i = (int)o.js.evicted;
	assert_int_equal(msg_outbox_put(&o, "R", "1@s.whatsapp.net", NULL, &b10, &e), 0);
	assert_int_equal((int)o.js.evicted - i, 0);
	assert_int_equal(o.js.bytes, 20);
	ack(msg_outbox_find(&o, "R"));
	msg_outbox_free(&o);
	msg_outbox_init(&o, 100, 30);
	/* refill: 10 + 10 acked, then 25 takes both (oldest first) */
	assert_int_equal(msg_outbox_put(&o, "A", "1@s.whatsapp.net", NULL, &b10, &e), 0);
	assert_int_equal(msg_outbox_put(&o, "B", "1@s.whatsapp.net", NULL, &b10, &e), 0);
	ack(msg_outbox_find(&o, "A"));
	ack(msg_outbox_find(&o, "B"));
	i = (int)o.js.evicted;
	assert_int_equal(msg_outbox_put(&o, "C", "1@s.whatsapp.net", NULL, &b25, &e), 0);
	assert_int_equal((int)o.js.evicted - i, 2);
	assert_null(msg_outbox_find(&o, "A"));
	assert_null(msg_outbox_find(&o, "B"));
	assert_int_equal(o.js.bytes, 25);
	/* 25 + 5 room left: one of 30 would need C, which is unacked */
	assert_int_equal(msg_outbox_put(&o, "D", "1@s.whatsapp.net", NULL, &b30, &e), -EBUSY);
	assert_int_equal(o.js.bytes, 25);
	msg_outbox_free(&o);
	msg_body_clear(&b10);
	msg_body_clear(&b25);
	msg_body_clear(&b30);
	msg_body_clear(&b31);
}

/*
 * A tally (retry counts, token issuances) takes its slots by the same
 * rule: the oldest record goes when full, counted, and a new record
 * starts zeroed whatever the slot held.
 */
static void
test_tally_takes_the_oldest_slot_when_full(void **state)
{
	struct tally { uint32_t n; struct job_hdr h; } t[2];
	struct job_store s;
	struct tally *a, *b, *c;
	size_t n = 0;

	(void)state;
	job_store_init(&s, "tally", 2);
	a = job_table_take(&s, t, &n, sizeof(t[0]), offsetof(struct tally, h), 5);
	a->n = 7;
	b = job_table_take(&s, t, &n, sizeof(t[0]), offsetof(struct tally, h), 5);
	b->n = 9;
	assert_true(a == &t[0] && b == &t[1] && n == 2 && s.evicted == 0);
	c = job_table_take(&s, t, &n, sizeof(t[0]), offsetof(struct tally, h), 6);
	assert_ptr_equal(c, &t[0]);		/* a was the oldest */
	assert_int_equal(c->n, 0);
	assert_int_equal(c->h.state, JS_MARKED);
	assert_true(n == 2 && s.evicted == 1 && s.refused == 0);
	assert_int_equal(t[1].n, 9);
	c = job_table_take(&s, t, &n, sizeof(t[0]), offsetof(struct tally, h), 7);
	assert_ptr_equal(c, &t[1]);		/* then b */
	assert_int_equal(s.evicted, 2);
}

/* The old sent ring cut ids; the outbox keeps them whole or refuses. */
static void
test_longest_ids_kept_whole_until_evicted(void **state)
{
	struct msg_outbox o;
	struct outbox_entry *e;
	struct msg_body body;
	struct msg_out c = { .pb = (const uint8_t *)"\x0a\x01x", .len = 3 };
	char longest[MSG_ID_MAX], other[MSG_ID_MAX], toolong[MSG_ID_MAX + 1];
	struct jrec r;
	uint8_t *enc;
	size_t len;

	(void)state;
	memset(longest, 'A', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memcpy(other, longest, sizeof(other));
	other[sizeof(other) - 2] = 'B';		/* differs in its last char */
	memset(toolong, 'C', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = '\0';
	memset(&body, 0, sizeof(body));
	assert_int_equal(msg_body_set(&body, &c), 0);
	msg_outbox_init(&o, 2, 0);
	assert_int_equal(msg_outbox_put(&o, longest, "1@s.whatsapp.net", other,
	    &body, &e), 0);
	assert_int_equal(strlen(e->id), MSG_ID_MAX - 1);
	assert_int_equal(msg_outbox_put(&o, other, "1@s.whatsapp.net", NULL,
	    &body, &e), 0);
	/* found by the whole id, not a prefix */
	assert_string_equal(msg_outbox_find(&o, longest)->id, longest);
	assert_string_equal(msg_outbox_find(&o, other)->id, other);
	assert_string_equal(msg_outbox_answered(&o, other)->id, longest);
	/* one too long is refused, never cut to fit, and evicts nothing */
	ack(msg_outbox_find(&o, longest));
	assert_int_equal(msg_outbox_put(&o, toolong, "1@s.whatsapp.net", NULL,
	    &body, &e), -EINVAL);
	assert_int_equal(msg_outbox_put(&o, "S", "1@s.whatsapp.net", toolong,
	    &body, &e), -EINVAL);
	assert_null(msg_outbox_find(&o, toolong));
	assert_int_equal(o.js.evicted, 0);
	/* the journal's record holds the longest id whole */
	memset(&r, 0, sizeof(r));
	r.type = JR_OUT;
	memcpy(r.id, longest, sizeof(longest));
	assert_int_equal(jrec_encode(&r, &enc, &len), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(jrec_decode(enc, len, &r), 0);
	assert_string_equal(r.id, longest);
	free(enc);
	/* a new send takes the acked one's room: gone, by id and by answer */
	assert_int_equal(msg_outbox_put(&o, "S", "1@s.whatsapp.net", NULL,
	    &body, &e), 0);
	assert_int_equal(o.js.evicted, 1);
	assert_null(msg_outbox_find(&o, longest));
	assert_null(msg_outbox_answered(&o, other));
	assert_non_null(msg_outbox_find(&o, other));
	msg_outbox_free(&o);
	msg_body_clear(&body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_event_matches_the_table),
		cmocka_unit_test(test_only_waiting_states_are_active),
		cmocka_unit_test(test_a_move_outside_the_table_changes_nothing),
		cmocka_unit_test(test_store_empty_and_one_below_full_take_without_evicting),
		cmocka_unit_test(test_store_full_evicts_the_oldest_kept_entry),
		cmocka_unit_test(test_store_full_of_active_entries_refuses),
		cmocka_unit_test(test_a_lapsed_mark_makes_room_a_live_one_does_not),
		cmocka_unit_test(test_evictions_are_logged_once_per_burst),
		cmocka_unit_test(test_outbox_keeps_unacked_and_evicts_the_oldest_acked),
		cmocka_unit_test(test_longest_ids_kept_whole_until_evicted),
		cmocka_unit_test(test_outbox_bytes_evict_as_many_acked_as_it_takes),
		cmocka_unit_test(test_tally_takes_the_oldest_slot_when_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
