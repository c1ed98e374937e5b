/*
 * test_link_iq: the pending-iq table matches answers by id, fails what
 * outlives its deadline or the connection exactly once, ignores ids it
 * does not hold, and refuses the slot past the last (link_iq.h). The
 * boundaries are checked on both sides, SQLite testcase() style: the
 * deadline at now-1, now and now+1; the table at size-1, size, size+1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "binary/bn.h"
#include "link/link_iq.h"

#define MAX_CALLS	(LINK_IQ_PENDING_MAX + 8)

struct call {
	char	id[LINK_IQ_ID_MAX];	/* the answer's id, "" without one */
	int	err;
	int	tag;			/* the arg given at add */
};

static struct call calls[MAX_CALLS];
static int ncalls;
static int tags[LINK_IQ_PENDING_MAX + 2];

static void
record(void *arg, const struct bn_node *iq, int err)
{
	struct call *c;

	assert_true(ncalls < MAX_CALLS);
	c = &calls[ncalls++];
	memset(c, 0, sizeof(*c));
	if (iq != NULL)
		snprintf(c->id, sizeof(c->id), "%s", bn_node_attr(iq, "id"));
	c->err = err;
	c->tag = *(int *)arg;
	/* the answer and the failure never come together */
	assert_true((iq != NULL) == (err == 0));
}

static struct link_iq_table *
table(void)
{
	struct link_iq_table *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	link_iq_init(t);
	ncalls = 0;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		tags[i] = (int)i;
	return t;
}

static struct bn_node *
answer(const char *tag, const char *type, const char *id)
{
	struct bn_node *n = bn_node_new(tag);

	assert_non_null(n);
	if (type != NULL)
		assert_int_equal(bn_node_set_attr(n, "type", type), 0);
	if (id != NULL)
		assert_int_equal(bn_node_set_attr(n, "id", id), 0);
	return n;
}

static bool
route(struct link_iq_table *t, const char *tag, const char *type, const char *id)
{
	struct bn_node *n = answer(tag, type, id);
	bool r = link_iq_route(t, n);

	bn_node_free(n);
	return r;
}

static void
test_answers_reach_their_own_waiter_once(void **state)
{
	struct link_iq_table *t = table();

	(void)state;
	assert_int_equal(link_iq_add(t, "a-1", 1000, 500, record, &tags[1]), 0);
	assert_int_equal(link_iq_add(t, "a-2", 1000, 500, record, &tags[2]), 0);
	assert_int_equal(link_iq_add(t, "a-1", 1000, 500, record, &tags[3]), -EEXIST);
	assert_int_equal(t->used, 2);
	/* out of order, an error answer too */
	assert_true(route(t, "iq", "error", "a-2"));
	assert_true(route(t, "iq", "result", "a-1"));
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[0].id, "a-2");
	assert_int_equal(calls[0].tag, 2);
	assert_string_equal(calls[1].id, "a-1");
	assert_int_equal(calls[1].tag, 1);
	/* a second answer to the same id waits for no one */
	assert_false(route(t, "iq", "result", "a-1"));
	assert_int_equal(ncalls, 2);
	assert_int_equal(t->used, 0);
	assert_int_equal(link_iq_next_deadline(t), 0);
	free(t);
}

static void
test_unknown_ids_and_other_stanzas_are_ignored(void **state)
{
	struct link_iq_table *t = table();

	(void)state;
	assert_int_equal(link_iq_add(t, "x-1", 0, 100, record, &tags[1]), 0);
	assert_false(route(t, "iq", "result", "x-2"));		/* not ours */
	assert_false(route(t, "iq", "result", "x-"));		/* a prefix */
	assert_false(route(t, "iq", "result", "x-10"));		/* a longer id */
	assert_false(route(t, "iq", "get", "x-1"));		/* a request */
	assert_false(route(t, "iq", "set", "x-1"));
	assert_false(route(t, "iq", NULL, "x-1"));		/* no type */
	assert_false(route(t, "iq", "result", NULL));		/* no id */
	assert_false(route(t, "message", "result", "x-1"));	/* not an iq */
	assert_false(link_iq_route(t, NULL));
	assert_int_equal(ncalls, 0);
	assert_int_equal(t->used, 1);
	assert_true(route(t, "iq", "result", "x-1"));
	assert_int_equal(ncalls, 1);
	free(t);
}

static void
test_ids_must_fit(void **state)
{
	struct link_iq_table *t = table();
	char id[LINK_IQ_ID_MAX + 1];

	(void)state;
	assert_int_equal(link_iq_add(t, "", 0, 1, record, &tags[0]), -EINVAL);
	assert_int_equal(link_iq_add(t, NULL, 0, 1, record, &tags[0]), -EINVAL);
	memset(id, 'i', sizeof(id));
	id[LINK_IQ_ID_MAX] = '\0';		/* one too long */
	assert_int_equal(link_iq_add(t, id, 0, 1, record, &tags[0]), -EINVAL);
	id[LINK_IQ_ID_MAX - 1] = '\0';		/* the longest that fits */
	assert_int_equal(link_iq_add(t, id, 0, 1, record, &tags[0]), 0);
	assert_true(route(t, "iq", "result", id));
	assert_int_equal(ncalls, 1);
	free(t);
}

static void
test_deadline_expires_at_its_millisecond_not_before(void **state)
{
	struct link_iq_table *t = table();

	(void)state;
	assert_int_equal(link_iq_add(t, "d-1", 1000, 250, record, &tags[1]), 0);
	assert_int_equal(link_iq_add(t, "d-2", 1000, 400, record, &tags[2]), 0);
	assert_int_equal(link_iq_next_deadline(t), 1250);
	assert_int_equal(link_iq_expire(t, 1249), 0);		/* now - 1 */
	assert_int_equal(ncalls, 0);
	assert_int_equal(link_iq_expire(t, 1250), 1);		/* now */
	assert_int_equal(ncalls, 1);
	assert_int_equal(calls[0].err, -ETIMEDOUT);
	assert_int_equal(calls[0].tag, 1);
	assert_string_equal(calls[0].id, "");
	assert_int_equal(link_iq_next_deadline(t), 1400);
	/* an answer after its deadline finds no one */
	assert_false(route(t, "iq", "result", "d-1"));
	assert_int_equal(link_iq_expire(t, 1401), 1);		/* now + 1 */
	assert_int_equal(calls[1].tag, 2);
	assert_int_equal(link_iq_expire(t, UINT64_MAX), 0);	/* once only */
	assert_int_equal(ncalls, 2);
	/* a zero timeout still gives the answer one millisecond */
	assert_int_equal(link_iq_add(t, "d-3", 5000, 0, record, &tags[3]), 0);
	assert_int_equal(link_iq_expire(t, 5000), 0);
	assert_int_equal(link_iq_expire(t, 5001), 1);
	free(t);
}

static void
test_link_down_fails_every_waiter_once(void **state)
{
	struct link_iq_table *t = table();

	(void)state;
	assert_int_equal(link_iq_add(t, "l-1", 0, 100, record, &tags[1]), 0);
	assert_int_equal(link_iq_add(t, "l-2", 0, 100, NULL, NULL), 0);	/* fire and forget */
	assert_int_equal(link_iq_add(t, "l-3", 0, 100, record, &tags[3]), 0);
	assert_int_equal(link_iq_fail_all(t, -ENOTCONN), 3);
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[0].err, -ENOTCONN);
	assert_int_equal(calls[1].err, -ENOTCONN);
	assert_int_equal(calls[0].tag + calls[1].tag, 4);
	assert_int_equal(t->used, 0);
	assert_int_equal(link_iq_fail_all(t, -ENOTCONN), 0);
	assert_int_equal(link_iq_expire(t, UINT64_MAX), 0);
	assert_false(route(t, "iq", "result", "l-1"));
	assert_int_equal(ncalls, 2);
	free(t);
}

static void
test_forget_drops_without_calling(void **state)
{
	struct link_iq_table *t = table();

	(void)state;
	assert_int_equal(link_iq_add(t, "f-1", 0, 100, record, &tags[1]), 0);
	link_iq_forget(t, "f-2");	/* not held: nothing */
	link_iq_forget(t, NULL);
	assert_int_equal(t->used, 1);
	link_iq_forget(t, "f-1");
	assert_int_equal(t->used, 0);
	assert_false(route(t, "iq", "result", "f-1"));
	assert_int_equal(link_iq_expire(t, UINT64_MAX), 0);
	assert_int_equal(ncalls, 0);
	/* the id is free again */
	assert_int_equal(link_iq_add(t, "f-1", 0, 100, record, &tags[2]), 0);
	free(t);
}

static void
test_table_full_refuses_one_past_the_last(void **state)
{
	struct link_iq_table *t = table();
	char id[LINK_IQ_ID_MAX];
	int i;

	(void)state;
	for (i = 0; i < LINK_IQ_PENDING_MAX - 1; i++) {
		snprintf(id, sizeof(id), "t-%d", i);
		assert_int_equal(link_iq_add(t, id, 0, 100 + i, record, &tags[i]), 0);
	}
	assert_int_equal(t->used, LINK_IQ_PENDING_MAX - 1);	/* size - 1 */
	assert_int_equal(link_iq_add(t, "t-last", 0, 50, record, &tags[0]), 0);
	assert_int_equal(t->used, LINK_IQ_PENDING_MAX);		/* size */
	assert_int_equal(link_iq_add(t, "t-over", 0, 50, record, &tags[0]), -ENOSPC);
	assert_int_equal(t->full, 1);				/* size + 1 */
	assert_int_equal(t->used, LINK_IQ_PENDING_MAX);
	assert_false(route(t, "iq", "result", "t-over"));
	/* one answered frees one slot for the next */
	assert_true(route(t, "iq", "result", "t-7"));
	assert_int_equal(link_iq_add(t, "t-over", 0, 50, record, &tags[1]), 0);
	assert_int_equal(link_iq_next_deadline(t), 50);
	assert_int_equal(link_iq_fail_all(t, -ENOTCONN), LINK_IQ_PENDING_MAX);
	assert_int_equal(ncalls, LINK_IQ_PENDING_MAX + 1);
	free(t);
}

/* A waiter that sends the next iq of its exchange from its callback. */
static struct link_iq_table *chain_t;

static void
chain(void *arg, const struct bn_node *iq, int err)
{
	record(arg, iq, err);
	if (iq != NULL)
		assert_int_equal(link_iq_add(chain_t, "c-2", 0, 100, record,
		    &tags[2]), 0);
}

static void
test_a_waiter_may_send_the_next_iq(void **state)
{
	struct link_iq_table *t = table();

	(void)state;
	chain_t = t;
	/* the same id may come back at once: the slot is free before the call */
	assert_int_equal(link_iq_add(t, "c-1", 0, 100, chain, &tags[1]), 0);
	assert_true(route(t, "iq", "result", "c-1"));
	assert_int_equal(t->used, 1);
	assert_true(route(t, "iq", "result", "c-2"));
	assert_int_equal(ncalls, 2);
	assert_int_equal(t->used, 0);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_reach_their_own_waiter_once),
		cmocka_unit_test(test_unknown_ids_and_other_stanzas_are_ignored),
		cmocka_unit_test(test_ids_must_fit),
		cmocka_unit_test(test_deadline_expires_at_its_millisecond_not_before),
		cmocka_unit_test(test_link_down_fails_every_waiter_once),
		cmocka_unit_test(test_forget_drops_without_calling),
		cmocka_unit_test(test_table_full_refuses_one_past_the_last),
		cmocka_unit_test(test_a_waiter_may_send_the_next_iq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
