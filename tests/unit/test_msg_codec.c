/*
 * test_msg_codec: message padding (protocol-notes §8), the Message
 * protobuf both ways, unsupported types named, message ids.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "whatsapp.pb-c.h"

#include "message/msg_codec.h"

static void
test_msg_unpad_strips_n_bytes_of_n(void **state)
{
	uint8_t b[] = { 'h', 'i', 3, 3, 3 };
	size_t len = sizeof(b);

	(void)state;
	assert_int_equal(msg_unpad(b, &len), 0);
	assert_int_equal(len, 2);
}

static void
test_msg_unpad_accepts_maximum_16(void **state)
{
	uint8_t b[17];
	size_t len = sizeof(b);

	(void)state;
	memset(b, 16, sizeof(b));
	b[0] = 'x';
	assert_int_equal(msg_unpad(b, &len), 0);
	assert_int_equal(len, 1);
}

/* whatsmeow unpadMessage and Baileys unpadRandomMax16 accept any pad
 * up to the length (protocol-notes §8). */
static void
test_msg_unpad_accepts_17_and_the_whole_length(void **state)
{
	uint8_t b17[20], all[] = { 2, 2 };
	size_t len;

	(void)state;
	memset(b17, 17, sizeof(b17));
	len = sizeof(b17);
	assert_int_equal(msg_unpad(b17, &len), 0);
	assert_int_equal(len, 3);
	len = sizeof(all);
	assert_int_equal(msg_unpad(all, &len), 0);
	assert_int_equal(len, 0);
}

static void
test_msg_unpad_rejects_zero_empty_and_too_long(void **state)
{
	uint8_t zero[] = { 'a', 0 }, longer[] = { 3, 3 };
	size_t len;

	(void)state;
	len = sizeof(zero);
	assert_int_equal(msg_unpad(zero, &len), -EBADMSG);
	len = 0;
	assert_int_equal(msg_unpad(zero, &len), -EBADMSG);
	len = sizeof(longer);
	assert_int_equal(msg_unpad(longer, &len), -EBADMSG);
	assert_int_equal(len, sizeof(longer));	/* untouched on error */
}

static void
test_msg_pad_then_unpad_gives_the_input(void **state)
{
	const uint8_t in[] = "payload";
	uint8_t *out;
	size_t len, i;

	(void)state;
	for (i = 0; i < 200; i++) {
		assert_int_equal(msg_pad(in, sizeof(in), &out, &len), 0);
		assert_true(len >= sizeof(in) + 1 && len <= sizeof(in) + MSG_PAD_MAX);
		assert_int_equal(msg_unpad(out, &len), 0);
		assert_int_equal(len, sizeof(in));
		assert_memory_equal(out, in, sizeof(in));
		free(out);
	}
}

static void
test_msg_decode_reads_conversation(void **state)
{
	struct msg_content c;
	uint8_t *b;
	size_t len;

	(void)state;
	assert_int_equal(msg_encode_text("héllo 😀", NULL, &b, &len), 0);
	assert_int_equal(msg_decode(b, len, &c), 0);
	assert_int_equal(c.kind, MSG_KIND_TEXT);
	assert_string_equal(c.text, "héllo 😀");
	assert_string_equal(c.type, "conversation");
	msg_content_fini(&c);
	free(b);
}

static void
test_msg_decode_reads_extended_text(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__ExtendedTextMessage e = WA__MESSAGE__EXTENDED_TEXT_MESSAGE__INIT;
	struct msg_content c;
	uint8_t buf[64];
	size_t len;

	(void)state;
	e.text = "with a link https://example.org";
	m.extendedtextmessage = &e;
	len = wa__message__pack(&m, buf);
	assert_int_equal(msg_decode(buf, len, &c), 0);
	assert_int_equal(c.kind, MSG_KIND_TEXT);
	assert_string_equal(c.text, e.text);
	assert_string_equal(c.type, "extendedTextMessage");
	msg_content_fini(&c);
}

static void
test_msg_decode_names_an_image_as_unsupported(void **state)
{
	/* field 3 (imageMessage), length 2: height (6) = 1 */
	static const uint8_t img[] = { 0x1a, 0x02, 0x30, 0x01 };
	struct msg_content c;

	(void)state;
	assert_int_equal(msg_decode(img, sizeof(img), &c), 0);
	assert_int_equal(c.kind, MSG_KIND_UNSUPPORTED);
	assert_string_equal(c.type, "imageMessage");
	assert_null(c.text);
	msg_content_fini(&c);
}

static void
test_msg_decode_names_an_unknown_field_by_number(void **state)
{
	/* field 99, varint */
	static const uint8_t f99[] = { 0x98, 0x06, 0x01 };
	struct msg_content c;

	(void)state;
	assert_int_equal(msg_decode(f99, sizeof(f99), &c), 0);
	assert_int_equal(c.kind, MSG_KIND_UNSUPPORTED);
	assert_string_equal(c.type, "field 99");
	msg_content_fini(&c);
}

static void
test_msg_decode_keeps_a_sender_key_distribution(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__SenderKeyDistributionMessage k =
	    WA__MESSAGE__SENDER_KEY_DISTRIBUTION_MESSAGE__INIT;
	uint8_t skdm[] = { 1, 2, 3 }, buf[64];
	struct msg_content c;
	size_t len;

	(void)state;
	k.groupid = "123-456@g.us";
	k.has_axolotlsenderkeydistributionmessage = 1;
	k.axolotlsenderkeydistributionmessage.data = skdm;
	k.axolotlsenderkeydistributionmessage.len = sizeof(skdm);
	m.senderkeydistributionmessage = &k;
	len = wa__message__pack(&m, buf);
	assert_int_equal(msg_decode(buf, len, &c), 0);
	assert_int_equal(c.kind, MSG_KIND_SKDM_ONLY);
	assert_string_equal(c.skdm_group, "123-456@g.us");
	assert_int_equal(c.skdm_len, 3);
	msg_content_fini(&c);
}

static void
test_msg_decode_rejects_garbage(void **state)
{
	static const uint8_t bad[] = { 0x0a, 0x10, 'x' };	/* length past the end */
	struct msg_content c;

	(void)state;
	assert_int_equal(msg_decode(bad, sizeof(bad), &c), -EBADMSG);
}

static void
test_msg_encode_device_sent_wraps_the_text(void **state)
{
	struct msg_content c;
	uint8_t *b;
	size_t len;

	(void)state;
	assert_int_equal(msg_encode_text("copy", "4915112340001@s.whatsapp.net",
	    &b, &len), 0);
	assert_int_equal(msg_decode(b, len, &c), 0);
	assert_int_equal(c.kind, MSG_KIND_DEVICE_SENT);
	assert_string_equal(c.text, "copy");
	msg_content_fini(&c);
	free(b);
}

static void
test_msg_encode_text_refuses_past_the_maximum(void **state)
{
	char *t = malloc(MSG_TEXT_MAX + 2);
	uint8_t *b;
	size_t len;

	(void)state;
	memset(t, 'a', MSG_TEXT_MAX);
	t[MSG_TEXT_MAX] = '\0';
	assert_int_equal(msg_encode_text(t, NULL, &b, &len), 0);	/* maximum */
	free(b);
	t[MSG_TEXT_MAX] = 'a';
	t[MSG_TEXT_MAX + 1] = '\0';
	assert_int_equal(msg_encode_text(t, NULL, &b, &len), -EMSGSIZE);
	free(t);
}

static void
test_msg_new_id_is_22_chars_3eb0_and_upper_hex(void **state)
{
	char a[MSG_ID_LEN + 1], b[MSG_ID_LEN + 1];
	size_t i;

	(void)state;
	msg_new_id(a, "15550001111");
	msg_new_id(b, NULL);
	assert_int_equal(strlen(a), 22);	/* Baileys 7 generateMessageIDV2 */
	assert_int_equal(strlen(b), 22);
	assert_memory_equal(a, "3EB0", 4);
	for (i = 4; i < MSG_ID_LEN; i++)
		assert_non_null(strchr("0123456789ABCDEF", a[i]));
	assert_string_not_equal(a, b);
}

/* whatsmeow storeLIDSyncMessage: a LID migration sync yields number ->
 * assigned LID pairs; pairs missing either half are skipped. */
static void
test_msg_decode_reads_lid_migration_pairs(void **state)
{
	Wa__LIDMigrationMapping a = WA__LIDMIGRATION_MAPPING__INIT;
	Wa__LIDMigrationMapping b = WA__LIDMIGRATION_MAPPING__INIT;
	Wa__LIDMigrationMapping *maps[] = { &a, &b };
	Wa__LIDMigrationMappingSyncPayload pl = WA__LIDMIGRATION_MAPPING_SYNC_PAYLOAD__INIT;
	Wa__LIDMigrationMappingSyncMessage sm = WA__LIDMIGRATION_MAPPING_SYNC_MESSAGE__INIT;
	Wa__Message__ProtocolMessage pm = WA__MESSAGE__PROTOCOL_MESSAGE__INIT;
	Wa__Message msg = WA__MESSAGE__INIT;
	struct msg_content c;
	uint8_t plb[128], mb[256];
	size_t pll, ml;

	(void)state;
	a.has_pn = a.has_assignedlid = true;
	a.pn = 4915112340006ULL;
	a.assignedlid = 123456789012345ULL;
	b.has_pn = true;
	b.pn = 4915112340007ULL;	/* no LID: skipped */
	pl.n_pntolidmappings = 2;
	pl.pntolidmappings = maps;
	pll = wa__lidmigration_mapping_sync_payload__pack(&pl, plb);
	sm.has_encodedmappingpayload = true;
	sm.encodedmappingpayload.data = plb;
	sm.encodedmappingpayload.len = pll;
	pm.has_type = true;
	pm.type = MSG_PROTO_LID_MIGRATION;
	pm.lidmigrationmappingsyncmessage = &sm;
	msg.protocolmessage = &pm;
	ml = wa__message__pack(&msg, mb);
	assert_int_equal(msg_decode(mb, ml, &c), 0);
	assert_int_equal(c.kind, MSG_KIND_PROTOCOL);
	assert_int_equal(c.proto_type, MSG_PROTO_LID_MIGRATION);
	assert_int_equal(c.nlid_pairs, 1);
	assert_true(c.lid_pairs[0].pn == 4915112340006ULL);
	assert_true(c.lid_pairs[0].lid == 123456789012345ULL);
	msg_content_fini(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_unpad_strips_n_bytes_of_n),
		cmocka_unit_test(test_msg_unpad_accepts_maximum_16),
		cmocka_unit_test(test_msg_unpad_accepts_17_and_the_whole_length),
		cmocka_unit_test(test_msg_unpad_rejects_zero_empty_and_too_long),
		cmocka_unit_test(test_msg_pad_then_unpad_gives_the_input),
		cmocka_unit_test(test_msg_decode_reads_conversation),
		cmocka_unit_test(test_msg_decode_reads_extended_text),
		cmocka_unit_test(test_msg_decode_names_an_image_as_unsupported),
		cmocka_unit_test(test_msg_decode_names_an_unknown_field_by_number),
		cmocka_unit_test(test_msg_decode_keeps_a_sender_key_distribution),
		cmocka_unit_test(test_msg_decode_rejects_garbage),
		cmocka_unit_test(test_msg_encode_device_sent_wraps_the_text),
		cmocka_unit_test(test_msg_encode_text_refuses_past_the_maximum),
		cmocka_unit_test(test_msg_new_id_is_22_chars_3eb0_and_upper_hex),
		cmocka_unit_test(test_msg_decode_reads_lid_migration_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
