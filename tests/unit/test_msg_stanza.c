/*
 * test_msg_stanza: every stanza shape the message layer sends
 * (session-worker/message/msg_stanza.c, issue 11) encodes to the very
 * bytes Baileys' own encoder makes of the same stanza
 * (tests/unit/fixtures/msg-stanzas.json, made by
 * tests/interop/gen-stanza-fixtures.js). Also: server JIDs go out as
 * JID_PAIR(empty, s.whatsapp.net) = fa 00 03, never the bare token.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "binary/bn.h"
#include "message/msg_stanza.h"
#include "testvec.h"

static json_t *fx;

static int
setup(void **state)
{
	json_error_t err;

	(void)state;
	fx = json_load_file(WALINK_SOURCE_DIR "/tests/unit/fixtures/msg-stanzas.json",
	    0, &err);
	if (fx == NULL)
		fprintf(stderr, "msg-stanzas.json: %s\n", err.text);
	return fx == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(fx);
	return 0;
}

/* Encodes n (and frees it), compares with frames.<name>. */
static void
check(struct bn_node *n, const char *name)
{
	char path[96];
	uint8_t *want, *got;
	size_t wlen, glen;

	assert_non_null(n);
	snprintf(path, sizeof(path), "frames.%s", name);
	want = testvec_hex(fx, path, &wlen);
	assert_int_equal(bn_encode_frame(n, 0, &got, &glen), 0);
	if (glen != wlen || memcmp(got, want, wlen) != 0) {
		size_t i;

		fprintf(stderr, "%s: ours ", name);
		for (i = 0; i < glen; i++)
			fprintf(stderr, "%02x", got[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	free(got);
	free(want);
	bn_node_free(n);
}

/* An incoming <message> with the given attributes (NULL-terminated pairs). */
static struct bn_node *
incoming(const char *k, ...)
{
	struct bn_node *n = bn_node_new("message");
	va_list ap;

	va_start(ap, k);
	for (; k != NULL; k = va_arg(ap, const char *))
		assert_int_equal(bn_node_set_attr(n, k, va_arg(ap, const char *)), 0);
	va_end(ap);
	return n;
}

static const char *
in(const char *k)
{
	char path[64];

	snprintf(path, sizeof(path), "inputs.%s", k);
	return testvec_str(fx, path);
}

static void
test_receipts_match_baileys(void **state)
{
	struct bn_node *m;

	(void)state;
	m = incoming("from", "15550002222:5@s.whatsapp.net", "id", in("id22"),
	    "t", "1764000000", NULL);
	check(msg_stanza_receipt(m, "inactive"), "receipt_inactive");
	bn_node_free(m);
	/* our own message echoed from our device 3, to a contact */
	m = incoming("from", "15550001111:3@s.whatsapp.net", "recipient",
	    "15550002222@s.whatsapp.net", "id", in("id40"), NULL);
	check(msg_stanza_receipt(m, "sender"), "receipt_sender");
	bn_node_free(m);
	m = incoming("from", "15550001111@s.whatsapp.net", "id", in("id22"),
	    "category", "peer", NULL);
	check(msg_stanza_receipt(m, "peer_msg"), "receipt_peer_msg");
	bn_node_free(m);
	m = incoming("from", "123456789012345:7@lid", "id", in("id40"), NULL);
	check(msg_stanza_receipt(m, "inactive"), "receipt_lid_delivery");
	bn_node_free(m);
}

static void
test_retry_receipts_match_baileys_for_22_and_40_char_ids(void **state)
{
	uint8_t ident[32], pk[32], spk[32], sig[64], acct[40];
	struct msg_retry_keys k = {
		.identity = ident, .prekey = pk, .spk = spk, .spk_sig = sig,
		.account = acct, .account_len = sizeof(acct),
	};
	struct bn_node *m;

	(void)state;
	testvec_hex_exact(fx, "inputs.identity", ident, 32);
	testvec_hex_exact(fx, "inputs.prekey", pk, 32);
	testvec_hex_exact(fx, "inputs.spk", spk, 32);
	testvec_hex_exact(fx, "inputs.spk_sig", sig, 64);
	testvec_hex_exact(fx, "inputs.account", acct, sizeof(acct));
	k.prekey_id = (uint32_t)json_integer_value(json_object_get(
	    json_object_get(fx, "inputs"), "prekey_id"));
	k.spk_id = 7;
	m = incoming("from", "15550002222:5@s.whatsapp.net", "id", in("id40"),
	    "t", in("t"), NULL);
	check(msg_stanza_retry_receipt(m, 1, 0x1234, false, NULL), "retry_1");
	bn_node_free(m);
	m = incoming("from", "15550002222:5@s.whatsapp.net", "id", in("id22"),
	    "t", in("t"), NULL);
	check(msg_stanza_retry_receipt(m, 2, 0x1234, false, &k), "retry_2_keys");
	bn_node_free(m);
}

static void
test_offline_batch_matches_baileys(void **state)
{
	(void)state;
	check(msg_stanza_offline_batch(100), "offline_batch");
}

static void
test_iqs_match_baileys_with_the_server_as_a_jid(void **state)
{
	const char *users[] = { "15550002222@s.whatsapp.net",
	    "15550001111@s.whatsapp.net" };
	const char *devs[] = { "15550002222:5@s.whatsapp.net",
	    "15550001111:3@s.whatsapp.net" };
	struct bn_node *n = msg_stanza_usync_devices("msg.1.1", users, 2);
	uint8_t *b;
	size_t len;
	static const uint8_t pair[] = { 0xfa, 0x00, 0x03 };

	(void)state;
	assert_int_equal(bn_encode_frame(n, 0, &b, &len), 0);
	assert_non_null(memmem(b, len, pair, sizeof(pair)));
	free(b);
	check(n, "usync_devices");
	check(msg_stanza_prekey_fetch("msg.1.2", devs, 2), "prekey_fetch");
	check(msg_stanza_privacy_issue("msg.1.3", "15550002222@s.whatsapp.net",
	    "1764000000"), "privacy_issue");
}

static struct bn_node *
with(struct bn_node *parent, struct bn_node *child)
{
	assert_non_null(child);
	assert_int_equal(bn_node_add_child(parent, child), 0);
	return parent;
}

static void
test_messages_match_baileys(void **state)
{
	struct msg_out_attrs a = { .id = NULL };
	uint8_t ct[24], acct[40], tok[20];
	struct bn_node *n, *parts;

	(void)state;
	testvec_hex_exact(fx, "inputs.account", acct, sizeof(acct));
	memset(tok, 0x77, sizeof(tok));
	a.id = in("id22");
	a.to = "15550002222@s.whatsapp.net";
	n = msg_stanza_message(&a);
	assert_non_null(n);
	parts = bn_node_new("participants");
	memset(ct, 0xa1, sizeof(ct));
	with(parts, msg_stanza_enc("15550002222@s.whatsapp.net", false, 0, NULL, ct, 24));
	memset(ct, 0xa2, sizeof(ct));
	with(parts, msg_stanza_enc("15550002222:5@s.whatsapp.net", true, 0, NULL, ct, 24));
	memset(ct, 0xa3, sizeof(ct));
	with(parts, msg_stanza_enc("15550001111:3@s.whatsapp.net", false, 0, NULL, ct, 24));
	with(n, parts);
	with(n, msg_stanza_bytes("device-identity", acct, sizeof(acct)));
	with(n, msg_stanza_bytes("tctoken", tok, sizeof(tok)));
	check(n, "message_fanout");

	/* whatsmeow handleRetryReceipt: one device, device_fanout=false, count */
	a.id = in("id40");
	a.to = "15550002222:5@s.whatsapp.net";
	a.t = in("t");
	a.no_fanout = true;
	n = msg_stanza_message(&a);
	memset(ct, 0xb1, sizeof(ct));
	with(n, msg_stanza_enc(NULL, true, 2, NULL, ct, 24));
	with(n, msg_stanza_bytes("device-identity", acct, sizeof(acct)));
	check(n, "message_resend");

	a.id = in("id22");
	a.to = "15550001111:3@s.whatsapp.net";
	a.recipient = "15550002222@s.whatsapp.net";
	n = msg_stanza_message(&a);
	memset(ct, 0xb2, sizeof(ct));
	with(n, msg_stanza_enc(NULL, false, 1, NULL, ct, 24));
	check(n, "message_resend_own");
}

static void
test_builders_refuse_missing_ids(void **state)
{
	struct msg_out_attrs a = { .to = "1@s.whatsapp.net" };
	struct bn_node *m = incoming("from", "1@s.whatsapp.net", NULL);

	(void)state;
	assert_null(msg_stanza_message(&a));
	assert_null(msg_stanza_receipt(m, NULL));
	assert_null(msg_stanza_usync_devices("x", NULL, 0));
	bn_node_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receipts_match_baileys),
		cmocka_unit_test(test_retry_receipts_match_baileys_for_22_and_40_char_ids),
		cmocka_unit_test(test_offline_batch_matches_baileys),
		cmocka_unit_test(test_iqs_match_baileys_with_the_server_as_a_jid),
		cmocka_unit_test(test_messages_match_baileys),
		cmocka_unit_test(test_builders_refuse_missing_ids),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
