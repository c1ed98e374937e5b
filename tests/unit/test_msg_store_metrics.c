/*
 * test_msg_store_metrics: the message stores' eviction and refusal
 * counters travel the whole way to /metrics: a real outbox eviction and
 * a real LID-hold refusal in a struct msg, msg_store_counts, the
 * worker's State (wipc_state_fill), packed and unpacked as IPC carries
 * it, wa-control's view (ctl_view_apply_stores) and the Prometheus text
 * (ctl_metrics_render), where each counter moves from 0 to its count.
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

#include "api/metrics.h"
#include "ipc/view.h"
#include "ipc/worker_ipc_impl.h"
#include "message/msg_internal.h"
#include "message/msg_jrec.h"

static struct msg *
new_msg(void)
{
	struct msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	/* as msg_new sets them up */
	msg_outbox_init(&m->outbox, 2, 0);
	job_store_init(&m->held_js, "LID holds", MSG_HELD_MAX);
	job_store_init(&m->auto_js, "auto-reply marks", MSG_AUTO_REPLY_SLOTS);
	return m;
}

/* The metrics text as wa-control renders it from the worker's State. */
static char *
metrics_of(struct msg *m)
{
	struct worker_ipc w;
	struct link_view lv;
	struct wipc_state s;
	struct ctl_link_view v;
	struct ctl_metrics cm;
	Wlipc__State *back;
	uint8_t *buf;
	size_t len;
	char *text;

	memset(&w, 0, sizeof(w));
	memset(&lv, 0, sizeof(lv));
	memset(&v, 0, sizeof(v));
	memset(&cm, 0, sizeof(cm));
	w.msg = m;
	wipc_state_fill(&w, &lv, &s);
	len = wlipc__state__get_packed_size(&s.st);
	assert_non_null(buf = malloc(len));
	wlipc__state__pack(&s.st, buf);
	assert_non_null(back = wlipc__state__unpack(NULL, len, buf));
	ctl_view_apply_stores(v.stores, &v.nstores, back);
	wlipc__state__free_unpacked(back, NULL);
	free(buf);
	assert_non_null(text = ctl_metrics_render(&cm, &v, 0));
	return text;
}

static void
put_acked(struct msg *m, const char *id, const struct msg_body *b)
{
	struct outbox_entry *e;

	assert_int_equal(msg_outbox_put(&m->outbox, id, "1@s.whatsapp.net", NULL,
	    b, &e), 0);
	assert_true(job_move(&e->h, JE_ASK_DEVICES, id));
	assert_true(job_move(&e->h, JE_SENT, id));
	assert_true(job_move(&e->h, JE_ACK, id));
}

static void
test_evictions_and_refusals_reach_the_metrics_text(void **state)
{
	struct msg *m = new_msg();
	struct msg_out c = { .pb = (const uint8_t *)"\x0a\x01x", .len = 3 };
	struct msg_body b;
	struct jrec r;
	char *t;
	int i;

	(void)state;
	t = metrics_of(m);
	assert_non_null(strstr(t, "# TYPE walink_message_store_evicted_total counter\n"));
	assert_non_null(strstr(t, "# HELP walink_message_store_refused_total "));
	assert_non_null(strstr(t,
	    "walink_message_store_evicted_total{store=\"outbox\"} 0\n"));
	assert_non_null(strstr(t,
	    "walink_message_store_refused_total{store=\"lid_holds\"} 0\n"));
	free(t);

	/* outbox of 2: the third acked send evicts the first */
	memset(&b, 0, sizeof(b));
	assert_int_equal(msg_body_set(&b, &c), 0);
	put_acked(m, "S0", &b);
	put_acked(m, "S1", &b);
	put_acked(m, "S2", &b);
	assert_null(msg_outbox_find(&m->outbox, "S0"));
	/* LID holds: one more than fits is refused */
	memset(&r, 0, sizeof(r));
	r.type = JR_HELD;
	r.data = (const uint8_t *)"x";
	r.len = 1;
	for (i = 0; i <= MSG_HELD_MAX; i++) {
		snprintf(r.id, sizeof(r.id), "H%d", i);
		snprintf(r.from, sizeof(r.from), "%d", 100 + i);
		assert_int_equal(msg_lid_replay_rec(m, &r), 0);
	}
	assert_int_equal(m->nheld, MSG_HELD_MAX);

	t = metrics_of(m);
	assert_non_null(strstr(t,
	    "walink_message_store_evicted_total{store=\"outbox\"} 1\n"));
	assert_non_null(strstr(t,
	    "walink_message_store_refused_total{store=\"outbox\"} 0\n"));
	assert_non_null(strstr(t,
	    "walink_message_store_refused_total{store=\"lid_holds\"} 1\n"));
	assert_non_null(strstr(t,
	    "walink_message_store_evicted_total{store=\"lid_holds\"} 0\n"));
	assert_non_null(strstr(t,
	    "walink_message_store_evicted_total{store=\"auto_reply_marks\"} 0\n"));
	free(t);
	msg_lid_free_all(m);
	msg_outbox_free(&m->outbox);
	msg_body_clear(&b);
	free(m);
}

/* A worker's store name that is no metric label is left out. */
static void
test_a_store_name_that_is_no_label_is_skipped(void **state)
{
	Wlipc__State st = WLIPC__STATE__INIT;
	Wlipc__StoreCount a = WLIPC__STORE_COUNT__INIT, bad = WLIPC__STORE_COUNT__INIT;
	Wlipc__StoreCount *v[2] = { &bad, &a };
	struct ctl_view_store out[CTL_VIEW_STORES];
	unsigned n = 0;

	(void)state;
	bad.store = (char *)"out\"box";
	a.store = (char *)"outbox";
	a.evicted = 3;
	st.n_stores = 2;
	st.stores = v;
	ctl_view_apply_stores(out, &n, &st);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].name, "outbox");
	assert_int_equal(out[0].evicted, 3);
	/* a State without stores keeps what was known */
	st.n_stores = 0;
	ctl_view_apply_stores(out, &n, &st);
	assert_int_equal(n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evictions_and_refusals_reach_the_metrics_text),
		cmocka_unit_test(test_a_store_name_that_is_no_label_is_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
