/*
 * test_link_decide: what the pairing code (link_paircode.c) and
 * `--wa-version auto` (link_version.c) decide for each input, as the
 * struct link_code_do / struct link_version_step that link.c applies.
 * No link, no socket: the code's own struct and the inputs link.c would
 * pass. The stretch runs on its thread for real; the test waits for it by
 * polling as link.c's timer does, bounded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <cmocka.h>

#include "binary/bn.h"
#include "clock.h"
#include "link/link_internal.h"
#include "link/waversion.h"
#include "store/creds.h"
#include "store/keys.h"

#define PHONE	"15551234567"

static struct creds *creds;

static int
setup(void **state)
{
	(void)state;
	if ((creds = creds_new()) == NULL || keys_generate(creds) < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	creds_free(creds);
	return 0;
}

static void
ctx(struct link_code_ctx *x, bool live, bool usable)
{
	memset(x, 0, sizeof(*x));
	x->round_live = live;
	x->round_usable = usable;
	x->round_ends_wall = 1234567;
	x->creds = creds;
}

static bool
nothing_to_do(const struct link_code_do *d)
{
	return !d->publish && !d->fresh_round && !d->login_deadline &&
	    !d->poll_kdf && !d->set_adv && d->send == NULL &&
	    d->forget[0][0] == '\0' && d->forget[1][0] == '\0';
}

/* Polls the stretch as link.c's timer does, until it ends (bounded). */
static void
kdf_wait(struct link_code *c, const struct link_code_ctx *x,
    struct link_code_do *d)
{
	struct timespec ts = { 0, 1000000 };
	uint64_t until = clock_mono_ms() + 60000;

	while (link_code_kdf_poll(c, x, d)) {
		assert_true(clock_mono_ms() < until);
		nanosleep(&ts, NULL);
	}
}

static struct bn_node *
iq(const char *type, const char *error_code)
{
	struct bn_node *n = bn_node_new("iq"), *e;

	assert_non_null(n);
	assert_int_equal(bn_node_set_attr(n, "type", type), 0);
	if (error_code != NULL) {
		assert_non_null(e = bn_node_new("error"));
		assert_int_equal(bn_node_set_attr(e, "code", error_code), 0);
		assert_int_equal(bn_node_add_child(n, e), 0);
	}
	return n;
}

/* The server's answer to the hello: the ref the phone's answer names. */
static struct bn_node *
hello_result(void)
{
	static const uint8_t ref[] = "2@pairing-ref";
	struct bn_node *n = iq("result", NULL), *reg, *r;

	assert_non_null(reg = bn_node_new("link_code_companion_reg"));
	assert_non_null(r = bn_node_new("link_code_pairing_ref"));
	assert_int_equal(bn_node_set_bytes(r, ref, sizeof(ref) - 1), 0);
	assert_int_equal(bn_node_add_child(reg, r), 0);
	assert_int_equal(bn_node_add_child(n, reg), 0);
	return n;
}

/* A code asked for and its key made; the hello sent as "h-1" if live. */
static void
code_ready(struct link_code *c, bool live)
{
	struct link_code_ctx x;
	struct link_code_do d;

	memset(c, 0, sizeof(*c));
	ctx(&x, live, live);
	assert_int_equal(link_code_request(c, PHONE, &x, &d), 0);
	kdf_wait(c, &x, &d);
	if (!live) {
		assert_null(d.send);
		return;
	}
	assert_non_null(d.send);
	assert_int_equal(d.send_for, LCI_HELLO);
	bn_node_free(d.send);
	memset(&d, 0, sizeof(d));
	link_code_sent(c, LCI_HELLO, "h-1", 0, &x, &d);
	assert_true(nothing_to_do(&d));
	assert_true(c->hello_sent);
	assert_int_equal(c->expires_wall, 1234567);
}

static void
test_a_request_waits_for_a_fresh_round_unless_this_one_serves(void **state)
{
	struct link_code_ctx x;
	struct link_code_do d;
	struct link_code c;

	(void)state;
	/* no usable round: ask link.c for a fresh one; the stretch starts */
	memset(&c, 0, sizeof(c));
	ctx(&x, false, false);
	assert_int_equal(link_code_request(&c, PHONE, &x, &d), 0);
	assert_true(d.fresh_round);
	assert_true(d.poll_kdf);
	assert_true(d.publish);
	assert_int_equal(c.status, LCS_REQUESTING);
	assert_false(c.round_ok);
	/* a second request while the first stretch runs: the first is
	 * dropped, the new one goes on */
	assert_int_equal(link_code_request(&c, PHONE, &x, &d), 0);
	assert_int_equal(c.status, LCS_REQUESTING);
	kdf_wait(&c, &x, &d);
	assert_null(d.send);		/* no live round: the hello waits */
	assert_false(d.publish);
	/* the next round's refs: the hello goes out now */
	ctx(&x, true, true);
	link_code_on_round(&c, &x, &d);
	assert_non_null(d.send);
	assert_int_equal(d.send_for, LCI_HELLO);
	bn_node_free(d.send);
	link_code_free(&c);

	/* a usable round: no fresh round, the hello once the key is made */
	memset(&c, 0, sizeof(c));
	ctx(&x, true, true);
	assert_int_equal(link_code_request(&c, PHONE, &x, &d), 0);
	assert_false(d.fresh_round);
	assert_true(c.round_ok);
	kdf_wait(&c, &x, &d);
	assert_non_null(d.send);
	bn_node_free(d.send);
	link_code_free(&c);

	/* the phone is finishing a pairing: refused, nothing to do */
	code_ready(&c, true);
	c.status = LCS_TYPED;
	assert_int_equal(link_code_request(&c, PHONE, &x, &d), -EBUSY);
	assert_true(nothing_to_do(&d));
	assert_int_equal(c.status, LCS_TYPED);
	assert_non_null(c.pc);
	link_code_free(&c);
}

static void
test_a_hello_that_cannot_go_out_is_refused(void **state)
{
	struct link_code_ctx x;
	struct link_code_do d;
	struct link_code c;

	(void)state;
	memset(&c, 0, sizeof(c));
	ctx(&x, true, true);
	assert_int_equal(link_code_request(&c, PHONE, &x, &d), 0);
	kdf_wait(&c, &x, &d);
	assert_non_null(d.send);
	bn_node_free(d.send);
	memset(&d, 0, sizeof(d));
	link_code_sent(&c, LCI_HELLO, NULL, -ENOBUFS, &x, &d);
	assert_int_equal(c.status, LCS_REFUSED);
	assert_true(d.publish);
	assert_null(d.send);
	assert_false(c.hello_sent);
	link_code_free(&c);
}

/* Every answer to the hello, and what it makes of the code. */
static void
test_each_hello_answer_gives_its_status(void **state)
{
	static const struct {
		const char *type, *code;
		int why;		/* with no iq */
		enum link_code_status want;
		const char *detail;
	} cases[] = {
		{ "result", NULL, 0, LCS_SHOWN, "Link with phone number" },
		{ "error", "404", 0, LCS_NOT_ON_WHATSAPP, "not on WhatsApp" },
		{ "error", "400", 0, LCS_REFUSED, "--pair-display" },
		{ "error", "429", 0, LCS_REFUSED, "too many codes" },
		{ "error", "500", 0, LCS_REFUSED, "(error 500)" },
		{ NULL, NULL, -ETIMEDOUT, LCS_REFUSED, "did not answer" },
		/* a closed connection is link_code_conn_ended's to tell */
		{ NULL, NULL, -ENOTCONN, LCS_REQUESTING, NULL },
	};
	struct link_code_do d;
	struct link_code c;
	struct bn_node *n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		code_ready(&c, true);
		n = cases[i].type == NULL ? NULL : strcmp(cases[i].type,
		    "result") == 0 ? hello_result() : iq("error", cases[i].code);
		link_code_on_hello_reply(&c, n, cases[i].why, &d);
		assert_int_equal(c.status, cases[i].want);
		assert_int_equal(d.publish, cases[i].detail != NULL);
		if (cases[i].detail != NULL)
			assert_non_null(strstr(c.detail, cases[i].detail));
		/* the answered iq is no one's to forget */
		assert_string_equal(d.forget[0], "");
		assert_null(d.send);
		assert_false(d.set_adv);
		if (cases[i].want == LCS_SHOWN || cases[i].want == LCS_REQUESTING)
			assert_non_null(c.pc);
		else
			assert_null(c.pc);
		bn_node_free(n);
		link_code_free(&c);
	}
}

static void
test_the_round_end_expires_a_sent_code_but_keeps_a_typed_one(void **state)
{
	struct link_code_do d;
	struct link_code c;

	(void)state;
	/* no code: the round ends as for a QR */
	memset(&c, 0, sizeof(c));
	assert_false(link_code_on_round_end(&c, &d));
	assert_true(nothing_to_do(&d));

	/* sent, not typed: expired, and its iq forgotten */
	code_ready(&c, true);
	assert_false(link_code_on_round_end(&c, &d));
	assert_int_equal(c.status, LCS_EXPIRED);
	assert_true(d.publish);
	assert_string_equal(d.forget[0], "h-1");
	link_code_free(&c);

	/* asked, not sent yet: the round ends, the code waits for the next */
	code_ready(&c, false);
	assert_false(link_code_on_round_end(&c, &d));
	assert_int_equal(c.status, LCS_REQUESTING);
	assert_true(nothing_to_do(&d));
	link_code_free(&c);

	/* typed: the connection stays for the phone */
	code_ready(&c, true);
	c.status = LCS_TYPED;
	assert_true(link_code_on_round_end(&c, &d));
	assert_true(nothing_to_do(&d));
	link_code_free(&c);
}

static void
test_a_closed_connection_ends_a_sent_code(void **state)
{
	struct link_code_do d;
	struct link_code c;

	(void)state;
	memset(&c, 0, sizeof(c));
	link_code_conn_ended(&c, &d);
	assert_true(nothing_to_do(&d));

	code_ready(&c, false);		/* not sent: waits for a round */
	c.round_ok = true;
	link_code_conn_ended(&c, &d);
	assert_false(c.round_ok);
	assert_int_equal(c.status, LCS_REQUESTING);
	assert_true(nothing_to_do(&d));
	link_code_free(&c);

	code_ready(&c, true);
	link_code_conn_ended(&c, &d);
	assert_int_equal(c.status, LCS_EXPIRED);
	assert_string_equal(d.forget[0], "h-1");
	link_code_free(&c);

	code_ready(&c, true);
	c.status = LCS_TYPED;
	link_code_conn_ended(&c, &d);
	assert_int_equal(c.status, LCS_REFUSED);
	assert_non_null(strstr(c.detail, "while the link was finishing"));
	link_code_free(&c);
}

static void
test_a_wrong_code_brings_the_qr_secret_back(void **state)
{
	struct link_code_do d;
	struct link_code c;
	struct bn_node *n;

	(void)state;
	code_ready(&c, true);
	memset(c.qr_adv, 0x5a, sizeof(c.qr_adv));
	snprintf(c.finish_id, sizeof(c.finish_id), "f-1");
	c.status = LCS_TYPED;
	n = iq("error", "500");
	link_code_on_finish_reply(&c, n, 0, &d);
	bn_node_free(n);
	assert_true(d.set_adv);
	assert_int_equal(d.adv[0], 0x5a);
	assert_int_equal(d.adv[31], 0x5a);
	assert_int_equal(c.status, LCS_WRONG_CODE);
	assert_true(d.publish);
	assert_string_equal(c.finish_id, "");

	/* a result: pair-success follows, nothing to do */
	n = iq("result", NULL);
	link_code_on_finish_reply(&c, n, 0, &d);
	bn_node_free(n);
	assert_true(nothing_to_do(&d));
	/* no answer: the login timeout bounds it */
	link_code_on_finish_reply(&c, NULL, -ETIMEDOUT, &d);
	assert_true(nothing_to_do(&d));
	assert_int_equal(c.status, LCS_WRONG_CODE);
	link_code_free(&c);
}

static void
test_a_notification_without_a_code_changes_nothing(void **state)
{
	struct link_code_do d;
	struct link_code c;
	struct bn_node *n = bn_node_new("notification");

	(void)state;
	assert_non_null(n);
	memset(&c, 0, sizeof(c));
	link_code_on_notification(&c, n, &d);
	assert_true(nothing_to_do(&d));
	/* asked and sent, but the server never gave a ref */
	code_ready(&c, true);
	link_code_on_notification(&c, n, &d);
	assert_true(nothing_to_do(&d));
	assert_int_equal(c.status, LCS_REQUESTING);
	link_code_free(&c);
	bn_node_free(n);
}

static void
test_pairing_drops_the_code_and_forgets_its_iqs(void **state)
{
	struct link_code_view v;
	struct link_code_do d;
	struct link_code c;
	struct bn_node *n = hello_result();

	(void)state;
	code_ready(&c, true);
	link_code_on_hello_reply(&c, n, 0, &d);
	bn_node_free(n);
	link_code_view(&c, &v);
	assert_int_equal(v.status, LCS_SHOWN);
	assert_int_equal(strlen(v.code), 9);		/* "ABCD-EFGH" */
	assert_int_equal(v.expires_ms, 1234567);
	snprintf(c.finish_id, sizeof(c.finish_id), "f-2");
	link_code_paired(&c, &d);
	assert_string_equal(d.forget[1], "f-2");
	assert_false(d.publish);	/* the state change that follows says it */
	assert_null(c.pc);
	link_code_view(&c, &v);
	assert_int_equal(v.status, LCS_NONE);
	assert_string_equal(v.code, "");
	assert_string_equal(v.detail, "");
	link_code_free(&c);
}

/* --wa-version auto: each answer against the version in use and the state. */
static void
test_each_version_read_gives_its_step(void **state)
{
	static const struct wa_version cur = { 2, 3000, 100 };
	static const struct {
		int rc;
		struct wa_version got;
		enum link_state st;
		enum link_version_kind kind;
		bool restart, detail;
	} cases[] = {
		{ -EIO, { 0, 0, 0 }, LS_CONNECTED, LVS_UNREAD, false, false },
		{ -EIO, { 0, 0, 0 }, LS_OUTDATED, LVS_UNREAD, false, true },
		{ 0, { 2, 3000, 100 }, LS_OUTDATED, LVS_NOT_NEWER, false, false },
		{ 0, { 2, 2999, 999 }, LS_CONNECTED, LVS_NOT_NEWER, false, false },
		{ 0, { 2, 3000, 101 }, LS_CONNECTED, LVS_NEWER, false, false },
		{ 0, { 2, 3001, 0 }, LS_OUTDATED, LVS_NEWER, true, false },
		{ 0, { 3, 0, 0 }, LS_QR, LVS_NEWER, false, false },
	};
	struct link_version_step s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = link_version_decide(&cur, cases[i].st, cases[i].rc,
		    &cases[i].got, "http://127.0.0.1:1/", "offline");
		assert_int_equal(s.kind, cases[i].kind);
		assert_int_equal(s.restart, cases[i].restart);
		assert_int_equal(s.detail_set, cases[i].detail);
		if (s.detail_set)
			assert_non_null(strstr(s.detail, "(offline): set "
			    "--wa-version by hand"));
		if (s.kind == LVS_NEWER)
			assert_int_equal(wa_version_cmp(&s.use, &cases[i].got), 0);
	}
	/* a read is started only when asked for, once, and never stopping */
	assert_true(link_version_wanted(true, false, false));
	assert_false(link_version_wanted(false, false, false));
	assert_false(link_version_wanted(true, true, false));
	assert_false(link_version_wanted(true, false, true));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_request_waits_for_a_fresh_round_unless_this_one_serves),
		cmocka_unit_test(test_a_hello_that_cannot_go_out_is_refused),
		cmocka_unit_test(test_each_hello_answer_gives_its_status),
		cmocka_unit_test(test_the_round_end_expires_a_sent_code_but_keeps_a_typed_one),
		cmocka_unit_test(test_a_closed_connection_ends_a_sent_code),
		cmocka_unit_test(test_a_wrong_code_brings_the_qr_secret_back),
		cmocka_unit_test(test_a_notification_without_a_code_changes_nothing),
		cmocka_unit_test(test_pairing_drops_the_code_and_forgets_its_iqs),
		cmocka_unit_test(test_each_version_read_gives_its_step),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
