/*
 * test_link_verdict: what a server stanza means for the link, as
 * link_stanza.c tells link.c (struct link_verdict), and the keepalive
 * rules link.c's timers ask (link_keepalive.c). The stanzas here need no
 * answer on the wire, so a link with no connection serves.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "binary/bn.h"
#include "clock.h"
#include "link/link_internal.h"
#include "store/creds.h"

static struct bn_node *
node(const char *tag, const char *k1, const char *v1, const char *k2,
    const char *v2)
{
	struct bn_node *n = bn_node_new(tag);

	assert_non_null(n);
	if (k1 != NULL)
		assert_int_equal(bn_node_set_attr(n, k1, v1), 0);
	if (k2 != NULL)
		assert_int_equal(bn_node_set_attr(n, k2, v2), 0);
	return n;
}

static void
verdict_of(struct bn_node *n, struct link_verdict *v)
{
	struct link *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	assert_int_equal(link_on_node(l, n, v), 0);
	free(l);
}

static void
test_failure_codes_become_reasons_and_unknown_ones_stop(void **state)
{
	struct link_verdict v;
	struct bn_node *n;
	uint64_t before = clock_mono_ms();

	(void)state;
	n = node("failure", "reason", "409", NULL, NULL);
	verdict_of(n, &v);
	assert_int_equal(v.kind, LV_DOWN);
	assert_int_equal(v.down.intent, CI_FAULT);
	assert_int_equal(v.down.reason, REASON_UNKNOWN);
	assert_int_equal(v.down.refused, 409);
	assert_non_null(strstr(v.detail, "WhatsApp refused the connection: failure 409 "
	    "(bad user agent): not retried"));
	bn_node_free(n);

	/* 500 and 503 reconnect: not a refusal that stops */
	n = node("failure", "reason", "503", NULL, NULL);
	verdict_of(n, &v);
	assert_int_equal(v.down.reason, REASON_NAVIGATION);
	assert_int_equal(v.down.refused, 0);
	bn_node_free(n);

	n = node("failure", "reason", "402", "expire", "60");
	verdict_of(n, &v);
	assert_int_equal(v.down.reason, REASON_BAN);
	assert_int_equal(v.down.refused, 0);
	assert_true(v.down.ban_until_mono >= before + 60000);
	assert_true(v.down.ban_until_mono <= clock_mono_ms() + 60000);
	bn_node_free(n);

	n = node("failure", "reason", "405", NULL, NULL);
	verdict_of(n, &v);
	assert_int_equal(v.down.reason, REASON_OUTDATED);
	assert_int_equal(v.down.ban_until_mono, 0);
	bn_node_free(n);
}

static void
test_stream_errors_and_the_end_of_the_stream(void **state)
{
	struct link_verdict v;
	struct bn_node *n, *c;

	(void)state;
	n = node("stream:error", "code", "515", NULL, NULL);
	verdict_of(n, &v);
	assert_int_equal(v.kind, LV_DOWN);
	assert_int_equal(v.down.reason, REASON_NAVIGATION);
	assert_non_null(strstr(v.detail, "515"));
	bn_node_free(n);

	n = node("stream:error", NULL, NULL, NULL, NULL);
	c = node("conflict", "type", "replaced", NULL, NULL);
	assert_int_equal(bn_node_add_child(n, c), 0);
	verdict_of(n, &v);
	assert_int_equal(v.down.reason, REASON_CONFLICT);
	bn_node_free(n);

	n = node("stream:error", "code", "411", NULL, NULL);
	verdict_of(n, &v);
	assert_string_equal(v.detail, "stream error 411 (multi-device mismatch)");
	bn_node_free(n);

	n = node("xmlstreamend", NULL, NULL, NULL, NULL);
	verdict_of(n, &v);
	assert_int_equal(v.kind, LV_DOWN);
	assert_int_equal(v.down.reason, REASON_TIMEOUT);
	bn_node_free(n);
}

static void
test_success_is_a_login_with_its_lid(void **state)
{
	struct link_verdict v;
	struct bn_node *n;

	(void)state;
	n = node("success", "lid", "123456789@lid", NULL, NULL);
	verdict_of(n, &v);
	assert_int_equal(v.kind, LV_LOGIN);
	assert_string_equal(v.lid, "123456789@lid");
	bn_node_free(n);

	n = node("success", NULL, NULL, NULL, NULL);
	verdict_of(n, &v);
	assert_int_equal(v.kind, LV_LOGIN);
	assert_null(v.lid);
	bn_node_free(n);
}

/*
 * The phone's answer to a pairing code is a verdict (link_code_apply.c
 * carries it to link_paircode.c), only from the server and only unpaired.
 * With no socket the ack cannot go out (-ENOTCONN); the verdict stands.
 */
static void
test_a_code_answer_is_a_verdict_from_the_server_only(void **state)
{
	static const struct {
		const char *from;
		bool paired;
		enum link_verdict_kind want;
	} cases[] = {
		{ "s.whatsapp.net", false, LV_CODE_ANSWER },
		{ "@s.whatsapp.net", false, LV_CODE_ANSWER },
		{ "123@s.whatsapp.net", false, LV_NONE },
		{ "s.whatsapp.net", true, LV_NONE },
	};
	struct link *l = calloc(1, sizeof(*l));
	struct link_verdict v;
	struct bn_node *n;
	size_t i;

	(void)state;
	assert_non_null(l);
	assert_non_null(l->creds = creds_new());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		l->creds->paired = cases[i].paired;
		n = node("notification", "type", "link_code_companion_reg",
		    "from", cases[i].from);
		assert_int_equal(bn_node_set_attr(n, "id", "n-1"), 0);
		assert_int_equal(link_on_node(l, n, &v), -ENOTCONN);
		assert_int_equal(v.kind, cases[i].want);
		if (cases[i].want == LV_CODE_ANSWER)
			assert_ptr_equal(v.code_answer, n);
		else
			assert_null(v.code_answer);
		bn_node_free(n);
	}
	creds_free(l->creds);
	free(l);
}

static void
add_ref(struct bn_node *pd, const char *tag, const char *text, size_t len)
{
	struct bn_node *r = bn_node_new(tag);

	assert_non_null(r);
	assert_int_equal(bn_node_set_bytes(r, (const uint8_t *)text, len), 0);
	assert_int_equal(bn_node_add_child(pd, r), 0);
}

static void
test_pair_device_refs_and_the_qr_text(void **state)
{
	static char refs[LINK_QR_REFS_MAX][LINK_REF_MAX];
	char big[LINK_REF_MAX + 1], qr[LINK_QR_MAX];
	struct bn_node *pd = bn_node_new("pair-device");
	struct creds *c = creds_new();
	int i;

	(void)state;
	assert_non_null(pd);
	assert_non_null(c);
	add_ref(pd, "ref", "2@abc", 5);
	add_ref(pd, "ref", "2@a,b", 5);		/* a comma would split the QR */
	add_ref(pd, "other", "2@xyz", 5);
	memset(big, 'r', sizeof(big));
	add_ref(pd, "ref", big, LINK_REF_MAX);		/* no room for its NUL */
	add_ref(pd, "ref", big, LINK_REF_MAX - 1);	/* the longest that fits */
	assert_int_equal(link_qr_refs(pd, refs), 2);
	assert_string_equal(refs[0], "2@abc");
	assert_int_equal(strlen(refs[1]), LINK_REF_MAX - 1);
	bn_node_free(pd);

	pd = bn_node_new("pair-device");
	for (i = 0; i < LINK_QR_REFS_MAX + 2; i++)
		add_ref(pd, "ref", "2@r", 3);
	assert_int_equal(link_qr_refs(pd, refs), LINK_QR_REFS_MAX);
	bn_node_free(pd);

	/* Baileys' form: prefix, ref, noise, identity, adv secret, platform */
	link_qr_text(qr, "2@abc", c);
	assert_true(strncmp(qr, "https://wa.me/settings/linked_devices#2@abc,", 44) == 0);
	assert_int_equal(qr[strlen(qr) - 2], ',');
	assert_int_equal(qr[strlen(qr) - 1], '1');
	creds_free(c);
}

/* prekeys.c's rules: below 5 top up with 50; a new device's first is 812 */
/*
 * A round as link.c's timers walk it (link_qr.c's struct link_round):
 * begin, each ref in turn for its time, over after the last; a redraw
 * only while a QR shows; stop wipes; restart counts rounds from zero.
 */
static void
test_a_round_shows_each_ref_then_ends(void **state)
{
	struct bn_node *pd = bn_node_new("pair-device");
	struct creds *c = creds_new();
	struct link_round r;
	uint64_t ms = 0;
	int i;

	(void)state;
	assert_non_null(pd);
	assert_non_null(c);
	memset(&r, 0, sizeof(r));
	assert_int_equal(link_round_begin(&r, pd, 1000, 60000, 20000), -EBADMSG);
	assert_int_equal(r.round, 0);
	add_ref(pd, "ref", "2@a", 3);
	add_ref(pd, "ref", "2@b", 3);
	add_ref(pd, "ref", "2@c", 3);
	assert_false(link_round_redraw(&r, c));
	assert_int_equal(link_round_begin(&r, pd, 1000, 60000, 20000), 0);
	assert_int_equal(r.round, 1);
	assert_int_equal(r.ends_wall, 1000 + 60000 + 2 * 20000);
	for (i = 0; i < 3; i++) {
		assert_true(link_round_show_next(&r, c, 5000, 60000, 20000, &ms));
		assert_int_equal(ms, i == 0 ? 60000 : 20000);
		assert_int_equal(r.ref_next, i + 1);
		assert_true(r.has_qr);
		assert_int_equal(r.expires_wall, 5000 + ms);
		assert_non_null(strstr(r.text, i == 0 ? "#2@a," : i == 1 ?
		    "#2@b," : "#2@c,"));
	}
	assert_false(link_round_show_next(&r, c, 5000, 60000, 20000, &ms));
	assert_true(link_round_redraw(&r, c));
	assert_non_null(strstr(r.text, "#2@c,"));
	link_round_hide(&r);
	assert_false(r.has_qr);
	assert_string_equal(r.text, "");
	assert_false(link_round_redraw(&r, c));
	/* a second round counts on; pause and restart */
	assert_int_equal(link_round_begin(&r, pd, 1000, 60000, 20000), 0);
	assert_int_equal(r.round, 2);
	link_round_pause(&r);
	assert_true(r.paused);
	link_round_restart(&r);
	assert_false(r.paused);
	assert_int_equal(r.round, 0);
	link_round_stop(&r);
	assert_int_equal(r.nrefs, 0);
	assert_false(link_round_show_next(&r, c, 5000, 60000, 20000, &ms));
	bn_node_free(pd);
	creds_free(c);
}

static void
test_prekey_rules_at_their_bounds(void **state)
{
	struct prekey_batch *b;

	(void)state;
	assert_int_equal(link_prekeys_wanted(4, false, 100), 50);
	assert_int_equal(link_prekeys_wanted(5, false, 100), 0);
	assert_int_equal(link_prekeys_wanted(6, false, 0), 0);
	assert_int_equal(link_prekeys_wanted(0, false, 0), 812);
	assert_int_equal(link_prekeys_wanted(-1, false, 0), 812);	/* count refused */
	assert_int_equal(link_prekeys_wanted(0, false, 1), 50);	/* uploaded before */
	assert_int_equal(link_prekeys_wanted(1, false, 0), 50);	/* the server holds some */
	/* a notification tops up, never makes the first batch */
	assert_int_equal(link_prekeys_wanted(0, true, 0), 50);
	assert_int_equal(link_prekeys_wanted(-1, true, 0), 0);
	assert_int_equal(link_prekeys_wanted(5, true, 0), 0);
	/* ids travel in 3 bytes: a batch that would pass 0xffffff starts at 1 */
	assert_int_equal(prekey_batch_new(0xffffff - 50, 50, &b), 0);
	assert_int_equal(prekey_batch_first(b), 0xffffff - 50);
	prekey_batch_free(b);
	assert_int_equal(prekey_batch_new(0xffffff - 49, 50, &b), 0);
	assert_int_equal(prekey_batch_first(b), 1);
	assert_int_equal(prekey_batch_count(b), 50);
	prekey_batch_free(b);
	assert_int_equal(prekey_batch_new(0, 812, &b), 0);
	assert_int_equal(prekey_batch_first(b), 1);
	prekey_batch_free(b);
}

static void
test_keepalive_tick_at_its_bounds(void **state)
{
	(void)state;
	/* silent for the limit - 1, the limit, the limit + 1 */
	assert_int_equal(link_keepalive_tick(1899, 1000, 900, false), KA_PING);
	assert_int_equal(link_keepalive_tick(1900, 1000, 900, false), KA_DEAD);
	assert_int_equal(link_keepalive_tick(1901, 1000, 900, true), KA_DEAD);
	assert_int_equal(link_keepalive_tick(1899, 1000, 900, true), KA_PING_LATE);
	/* late: half the interval, at most 10 s */
	assert_int_equal(link_keepalive_late_ms(300), 150);
	assert_int_equal(link_keepalive_late_ms(20000), 10000);
	assert_int_equal(link_keepalive_late_ms(20002), 10000);
	assert_int_equal(link_keepalive_late_ms(19998), 9999);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failure_codes_become_reasons_and_unknown_ones_stop),
		cmocka_unit_test(test_stream_errors_and_the_end_of_the_stream),
		cmocka_unit_test(test_success_is_a_login_with_its_lid),
		cmocka_unit_test(test_a_code_answer_is_a_verdict_from_the_server_only),
		cmocka_unit_test(test_pair_device_refs_and_the_qr_text),
		cmocka_unit_test(test_a_round_shows_each_ref_then_ends),
		cmocka_unit_test(test_prekey_rules_at_their_bounds),
		cmocka_unit_test(test_keepalive_tick_at_its_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
