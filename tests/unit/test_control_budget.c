/* test_control_budget: per-address connections and open request slots. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <setjmp.h>
#include <cmocka.h>

#include "http/budget.h"

static void
test_budget_counts_connections_per_address(void **state)
{
	struct ctl_budget *b = ctl_budget_new();
	struct ctl_budget_addr *a[CTL_CLIENT_CONNS + 1], *other;
	int i;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < CTL_CLIENT_CONNS; i++) {
		a[i] = ctl_budget_conn_open(b, "10.0.0.1");
		assert_true(ctl_budget_client_ok(b, a[i]));
	}
	a[CTL_CLIENT_CONNS] = ctl_budget_conn_open(b, "10.0.0.1");
	assert_ptr_equal(a[CTL_CLIENT_CONNS], a[0]);	/* one slot per address */
	assert_false(ctl_budget_client_ok(b, a[0]));
	other = ctl_budget_conn_open(b, "10.0.0.2");
	assert_true(ctl_budget_client_ok(b, other));
	ctl_budget_conn_close(b, a[CTL_CLIENT_CONNS]);
	assert_true(ctl_budget_client_ok(b, a[0]));
	for (i = 0; i < CTL_CLIENT_CONNS; i++)
		ctl_budget_conn_close(b, a[i]);
	ctl_budget_conn_close(b, other);
	ctl_budget_conn_close(b, NULL);
	assert_false(ctl_budget_client_ok(b, NULL));	/* untracked: refused */
	ctl_budget_free(b);
}

static void
test_budget_reuses_freed_slots_and_fills_up(void **state)
{
	struct ctl_budget *b = ctl_budget_new();
	struct ctl_budget_addr *e;
	char addr[32];
	int i;

	(void)state;
	for (i = 0; i < CTL_BUDGET_ADDRS; i++) {
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 256, i % 256);
		assert_non_null(ctl_budget_conn_open(b, addr));
	}
	assert_null(ctl_budget_conn_open(b, "10.9.9.9"));	/* full */
	e = ctl_budget_conn_open(b, "10.1.0.7");	/* known: still found */
	assert_non_null(e);
	ctl_budget_conn_close(b, e);
	ctl_budget_conn_close(b, e);	/* now free */
	assert_ptr_equal(ctl_budget_conn_open(b, "10.9.9.9"), e);
	ctl_budget_free(b);
}

static void
test_budget_open_slots_max_and_max_plus_one(void **state)
{
	struct ctl_budget *b = ctl_budget_new();
	int i;

	(void)state;
	for (i = 0; i < CTL_OPEN_MAX; i++)
		assert_true(ctl_budget_open_enter(b));
	assert_false(ctl_budget_open_enter(b));
	ctl_budget_open_leave(b);
	assert_true(ctl_budget_open_enter(b));
	ctl_budget_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_counts_connections_per_address),
		cmocka_unit_test(test_budget_reuses_freed_slots_and_fills_up),
		cmocka_unit_test(test_budget_open_slots_max_and_max_plus_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
