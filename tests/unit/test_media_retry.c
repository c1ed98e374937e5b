/*
 * test_media_retry: the media retry crypto and stanzas (media/media_retry.c,
 * message/msg_media_retry.c) against what Baileys' own functions made
 * (tests/vectors/media-retry.json, from tests/interop/gen-media-retry-
 * vectors.js): the retry key, the sealed server-error receipt byte for byte,
 * the phone's answers opened, and tampered or misaddressed answers refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "binary/bn.h"
#include "media/media_retry.h"
#include "message/msg_media_retry.h"
#include "testvec.h"
#include "whatsapp_media.pb-c.h"

TESTVEC_OWN_GROUP(root, "media-retry.json")

static void
test_media_retry_key_matches_baileys(void **state)
{
	json_t *reqs = json_object_get(root, "requests"), *v;
	uint8_t mk[MEDIA_KEY_LEN], got[32], *want;
	size_t i, n;

	(void)state;
	assert_true(json_array_size(reqs) >= 2);
	json_array_foreach(reqs, i, v) {
		testvec_hex_exact(v, "mediaKey", mk, MEDIA_KEY_LEN);
		want = testvec_hex(v, "retryKey", &n);
		assert_int_equal(media_retry_key(mk, got), 0);
		assert_memory_equal(got, want, 32);
		free(want);
	}
}

static void
test_media_retry_request_is_sealed_as_baileys_seals_it(void **state)
{
	json_t *reqs = json_object_get(root, "requests"), *v;
	uint8_t mk[MEDIA_KEY_LEN], iv[MEDIA_RETRY_IV_LEN], *want_iv, *want, *ct;
	size_t i, n, ivn, ctn;

	(void)state;
	json_array_foreach(reqs, i, v) {
		testvec_hex_exact(v, "mediaKey", mk, MEDIA_KEY_LEN);
		want_iv = testvec_hex(v, "iv", &ivn);
		want = testvec_hex(v, "encP", &n);
		assert_int_equal(ivn, MEDIA_RETRY_IV_LEN);
		memcpy(iv, want_iv, ivn);
		assert_int_equal(media_retry_seal_request(mk, testvec_str(v, "id"), iv, 1, &ct, &ctn), 0);
		assert_int_equal(ctn, n);
		assert_memory_equal(ct, want, n);
		free(ct);
		free(want);
		free(want_iv);
	}
}

static void
test_media_retry_answers_from_baileys_open(void **state)
{
	json_t *ans = json_object_get(root, "answers"), *v;
	struct media_retry_answer a;
	uint8_t mk[MEDIA_KEY_LEN], *iv, *ct;
	size_t i, ivn, ctn;

	(void)state;
	assert_int_equal(json_array_size(ans), 4);
	json_array_foreach(ans, i, v) {
		testvec_hex_exact(v, "mediaKey", mk, MEDIA_KEY_LEN);
		iv = testvec_hex(v, "iv", &ivn);
		ct = testvec_hex(v, "encP", &ctn);
		assert_int_equal(media_retry_open_answer(mk, testvec_str(v, "id"), iv, ivn, ct, ctn, &a), 0);
		assert_int_equal(a.result, json_integer_value(json_object_get(v, "result")));
		assert_string_equal(a.direct_path, testvec_str(v, "directPath"));
		free(iv);
		free(ct);
	}
}

static void
test_media_retry_refuses_tampered_and_misaddressed_answers(void **state)
{
	json_t *v = json_array_get(json_object_get(root, "answers"), 0);
	struct media_retry_answer a;
	uint8_t mk[MEDIA_KEY_LEN], *iv, *ct;
	size_t ivn, ctn;

	(void)state;
	testvec_hex_exact(v, "mediaKey", mk, MEDIA_KEY_LEN);
	iv = testvec_hex(v, "iv", &ivn);
	ct = testvec_hex(v, "encP", &ctn);
	/* the message id is the additional data: another id does not open */
	assert_int_equal(media_retry_open_answer(mk, "3EB0C431C26A1916E07A52", iv, ivn,
	    ct, ctn, &a), -EBADMSG);
	assert_string_equal(a.direct_path, "");
	ct[3] ^= 1;
	assert_int_equal(media_retry_open_answer(mk, testvec_str(v, "id"), iv, ivn, ct, ctn, &a), -EBADMSG);
	ct[3] ^= 1;
	ct[ctn - 1] ^= 0x80;	/* the tag */
	assert_int_equal(media_retry_open_answer(mk, testvec_str(v, "id"), iv, ivn, ct, ctn, &a), -EBADMSG);
	ct[ctn - 1] ^= 0x80;
	assert_int_equal(media_retry_open_answer(mk, testvec_str(v, "id"), iv, ivn - 1, ct, ctn, &a), -EBADMSG);
	assert_int_equal(media_retry_open_answer(mk, testvec_str(v, "id"), iv, ivn, ct, 15, &a), -EBADMSG);
	mk[0] ^= 1;
	assert_int_equal(media_retry_open_answer(mk, testvec_str(v, "id"), iv, ivn, ct, ctn, &a), -EBADMSG);
	free(iv);
	free(ct);
}

/* Seals a MediaRetryNotification as a phone would (for shapes Baileys has no encoder for). */
static void
seal_answer(const uint8_t mk[MEDIA_KEY_LEN], const char *id, const char *stanza,
    const char *path, int result, uint8_t iv[MEDIA_RETRY_IV_LEN], uint8_t *ct, size_t *ctn)
{
	Wa__MediaRetryNotification n = WA__MEDIA_RETRY_NOTIFICATION__INIT;
	uint8_t key[32], pt[512];
	size_t len;

	n.stanzaid = (char *)stanza;
	n.directpath = (char *)path;
	n.has_result = 1;
	n.result = result;
	len = wa__media_retry_notification__pack(&n, pt);
	memset(iv, 7, MEDIA_RETRY_IV_LEN);
	assert_int_equal(media_retry_key(mk, key), 0);
	assert_int_equal(media_retry_gcm(1, key, iv, (const uint8_t *)id, strlen(id), pt, len,
	    ct, ctn), 0);
}

static void
test_media_retry_refuses_unusable_paths_and_swapped_ids(void **state)
{
	static const char *bad[] = { "v/no-slash", "/with space", "/ctl\x01", "" };
	struct media_retry_answer a;
	uint8_t mk[MEDIA_KEY_LEN] = { 1 }, iv[MEDIA_RETRY_IV_LEN], ct[600];
	size_t i, ctn;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		seal_answer(mk, "ID1", "ID1", bad[i], MEDIA_RETRY_SUCCESS, iv, ct, &ctn);
		assert_int_equal(media_retry_open_answer(mk, "ID1", iv, sizeof(iv), ct, ctn, &a),
		    -EBADMSG);
	}
	/* sealed for this id, but naming another message inside */
	seal_answer(mk, "ID1", "ID2", "/ok", MEDIA_RETRY_SUCCESS, iv, ct, &ctn);
	assert_int_equal(media_retry_open_answer(mk, "ID1", iv, sizeof(iv), ct, ctn, &a), -EBADMSG);
	seal_answer(mk, "ID1", "ID1", "/ok", MEDIA_RETRY_SUCCESS, iv, ct, &ctn);
	assert_int_equal(media_retry_open_answer(mk, "ID1", iv, sizeof(iv), ct, ctn, &a), 0);
	assert_string_equal(a.direct_path, "/ok");
}

static struct bn_node *
bytes_node(const char *tag, const uint8_t *p, size_t n)
{
	struct bn_node *c = bn_node_new(tag);

	assert_non_null(c);
	assert_int_equal(bn_node_set_bytes(c, p, n), 0);
	return c;
}

static void
test_media_retry_receipt_has_whatsmeows_shape(void **state)
{
	uint8_t mk[MEDIA_KEY_LEN] = { 9, 8, 7 }, key[32], pt[128];
	const struct bn_node *enc, *rmr, *p, *iv;
	Wa__ServerErrorReceipt *r;
	struct bn_node *n;
	const uint8_t *pb, *ivb;
	size_t pn, ivn, ptn;

	(void)state;
	n = msg_media_retry_receipt("3EB0AA", "15550009001@s.whatsapp.net",
	    "4915112349001@s.whatsapp.net", mk);
	assert_non_null(n);
	assert_true(bn_node_tag_is(n, "receipt"));
	assert_string_equal(bn_node_attr(n, "id"), "3EB0AA");
	assert_string_equal(bn_node_attr(n, "to"), "15550009001@s.whatsapp.net");
	assert_string_equal(bn_node_attr(n, "type"), "server-error");
	assert_int_equal(bn_node_child_count(n), 2);
	assert_non_null(enc = bn_node_peek_child_by_tag(n, "encrypt"));
	assert_non_null(rmr = bn_node_peek_child_by_tag(n, "rmr"));
	assert_string_equal(bn_node_attr(rmr, "jid"), "4915112349001@s.whatsapp.net");
	assert_string_equal(bn_node_attr(rmr, "from_me"), "false");
	assert_null(bn_node_attr(rmr, "participant"));
	assert_non_null(p = bn_node_peek_child_by_tag(enc, "enc_p"));
	assert_non_null(iv = bn_node_peek_child_by_tag(enc, "enc_iv"));
	assert_non_null(pb = bn_node_peek_bytes(p, &pn));
	assert_non_null(ivb = bn_node_peek_bytes(iv, &ivn));
	assert_int_equal(ivn, MEDIA_RETRY_IV_LEN);
	assert_int_equal(media_retry_key(mk, key), 0);
	assert_int_equal(media_retry_gcm(0, key, ivb, (const uint8_t *)"3EB0AA", 6, pb, pn,
	    pt, &ptn), 0);
	assert_non_null(r = wa__server_error_receipt__unpack(NULL, ptn, pt));
	assert_string_equal(r->stanzaid, "3EB0AA");
	wa__server_error_receipt__free_unpacked(r, NULL);
	bn_node_free(n);
}

/* <notification type=mediaretry id><rmr/>(<encrypt>...</encrypt> | <error/>) */
static struct bn_node *
notification(const char *id, bool with_rmr, struct bn_node *body)
{
	struct bn_node *n = bn_node_new("notification"), *rmr;

	assert_non_null(n);
	assert_int_equal(bn_node_set_attr(n, "type", "mediaretry"), 0);
	assert_int_equal(bn_node_set_attr(n, "id", id), 0);
	if (with_rmr) {
		rmr = bn_node_new("rmr");
		assert_int_equal(bn_node_set_attr(rmr, "jid", "4915112349001@s.whatsapp.net"), 0);
		assert_int_equal(bn_node_set_attr(rmr, "from_me", "false"), 0);
		assert_int_equal(bn_node_add_child(n, rmr), 0);
	}
	if (body != NULL)
		assert_int_equal(bn_node_add_child(n, body), 0);
	return n;
}

static void
test_media_retry_notifications_are_read_as_whatsmeow_reads_them(void **state)
{
	json_t *v = json_array_get(json_object_get(root, "answers"), 1);
	struct media_retry_answer a;
	struct bn_node *n, *enc, *err;
	uint8_t mk[MEDIA_KEY_LEN], *iv, *ct;
	size_t ivn, ctn;
	int code;

	(void)state;
	testvec_hex_exact(v, "mediaKey", mk, MEDIA_KEY_LEN);
	iv = testvec_hex(v, "iv", &ivn);
	ct = testvec_hex(v, "encP", &ctn);
	enc = bn_node_new("encrypt");
	assert_int_equal(bn_node_add_child(enc, bytes_node("enc_p", ct, ctn)), 0);
	assert_int_equal(bn_node_add_child(enc, bytes_node("enc_iv", iv, ivn)), 0);
	n = notification(testvec_str(v, "id"), true, enc);
	assert_string_equal(msg_media_retry_id(n), testvec_str(v, "id"));
	assert_int_equal(msg_media_retry_read(n, mk, &a, &code), 0);
	assert_int_equal(a.result, MEDIA_RETRY_SUCCESS);
	assert_string_equal(a.direct_path, testvec_str(v, "directPath"));
	bn_node_free(n);

	/* whatsmeow: <rmr> is required */
	enc = bn_node_new("encrypt");
	assert_int_equal(bn_node_add_child(enc, bytes_node("enc_p", ct, ctn)), 0);
	assert_int_equal(bn_node_add_child(enc, bytes_node("enc_iv", iv, ivn)), 0);
	n = notification(testvec_str(v, "id"), false, enc);
	assert_int_equal(msg_media_retry_read(n, mk, &a, &code), -EBADMSG);
	bn_node_free(n);

	/* the phone no longer has it: <error code="2"/> (ErrMediaNotAvailableOnPhone) */
	err = bn_node_new("error");
	assert_int_equal(bn_node_set_attr(err, "code", "2"), 0);
	n = notification(testvec_str(v, "id"), true, err);
	assert_int_equal(msg_media_retry_read(n, mk, &a, &code), -EREMOTEIO);
	assert_int_equal(code, 2);
	bn_node_free(n);

	/* neither error nor encrypt */
	n = notification(testvec_str(v, "id"), true, NULL);
	assert_int_equal(msg_media_retry_read(n, mk, &a, &code), -EBADMSG);
	bn_node_free(n);

	/* another notification type is not ours */
	n = bn_node_new("notification");
	assert_int_equal(bn_node_set_attr(n, "type", "encrypt"), 0);
	assert_null(msg_media_retry_id(n));
	bn_node_free(n);
	free(iv);
	free(ct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_retry_key_matches_baileys),
		cmocka_unit_test(test_media_retry_request_is_sealed_as_baileys_seals_it),
		cmocka_unit_test(test_media_retry_answers_from_baileys_open),
		cmocka_unit_test(test_media_retry_refuses_tampered_and_misaddressed_answers),
		cmocka_unit_test(test_media_retry_refuses_unusable_paths_and_swapped_ids),
		cmocka_unit_test(test_media_retry_receipt_has_whatsmeows_shape),
		cmocka_unit_test(test_media_retry_notifications_are_read_as_whatsmeow_reads_them),
	};

	return cmocka_run_group_tests(tests, root_setup, root_teardown);
}
