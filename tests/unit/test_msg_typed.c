/*
 * test_msg_typed: received Messages typed for hook input version 2: each
 * kind's fields, replies' quoted message, the wrappers WhatsApp puts around
 * messages, and nesting bombs refused before protobuf-c recurses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "message/msg_codec.h"
#include "message/msg_typed.h"
#include "whatsapp.pb-c.h"

static uint8_t key32[32], sha32[32], esha32[32];

/* Packs m and decodes it. */
static int
decode(const Wa__Message *m, struct msg_typed *t)
{
	size_t n = wa__message__get_packed_size(m);
	uint8_t *b = malloc(n + 1);
	int rc;

	assert_non_null(b);
	assert_int_equal(wa__message__pack(m, b), n);
	rc = msg_typed_decode(b, n, t);
	free(b);
	return rc;
}

static void
fill_hashes(void)
{
	for (int i = 0; i < 32; i++) {
		key32[i] = (uint8_t)i;
		sha32[i] = (uint8_t)(0x40 + i);
		esha32[i] = (uint8_t)(0x80 + i);
	}
}

#define BIN(a) ((ProtobufCBinaryData){ .len = sizeof(a), .data = (a) })

static void
test_msg_typed_image_carries_what_a_download_needs(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__ImageMessage im = WA__MESSAGE__IMAGE_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	fill_hashes();
	im.mimetype = "image/jpeg";
	im.caption = "my booking";
	im.directpath = "/v/t62.7118-24/abc?ccb=11-4";
	im.has_mediakey = im.has_filesha256 = im.has_fileencsha256 = 1;
	im.mediakey = BIN(key32);
	im.filesha256 = BIN(sha32);
	im.fileencsha256 = BIN(esha32);
	im.has_filelength = 1;
	im.filelength = 123456;
	m.imagemessage = &im;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_IMAGE);
	assert_string_equal(msg_type_name(t.type), "image");
	assert_true(msg_type_is_media(t.type));
	assert_string_equal(t.text, "my booking");
	assert_string_equal(t.media.mimetype, "image/jpeg");
	assert_string_equal(t.media.direct_path, im.directpath);
	assert_int_equal(t.media.crypto, MEDIA_IMAGE);
	assert_true(t.media.has_key && t.media.has_sha256 && t.media.has_enc_sha256);
	assert_memory_equal(t.media.media_key, key32, 32);
	assert_memory_equal(t.media.sha256, sha32, 32);
	assert_memory_equal(t.media.enc_sha256, esha32, 32);
	assert_int_equal(t.media.file_length, 123456);
	assert_null(t.quoted_id);
	msg_typed_fini(&t);
}

static void
test_msg_typed_media_key_of_the_wrong_size_counts_as_absent(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__ImageMessage im = WA__MESSAGE__IMAGE_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	im.has_mediakey = 1;
	im.mediakey = (ProtobufCBinaryData){ .len = 31, .data = key32 };
	m.imagemessage = &im;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_IMAGE);
	assert_false(t.media.has_key);
	assert_false(t.media.has_sha256);
	msg_typed_fini(&t);
}

static void
test_msg_typed_voice_note_is_audio_with_ptt_and_seconds(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__AudioMessage a = WA__MESSAGE__AUDIO_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	a.mimetype = "audio/ogg; codecs=opus";
	a.has_ptt = a.ptt = 1;
	a.has_seconds = 1;
	a.seconds = 7;
	m.audiomessage = &a;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_AUDIO);
	assert_true(t.media.ptt);
	assert_int_equal(t.media.seconds, 7);
	assert_int_equal(t.media.crypto, MEDIA_AUDIO);
	assert_null(t.text);
	msg_typed_fini(&t);
}

static void
test_msg_typed_video_and_ptv_are_video(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__VideoMessage v = WA__MESSAGE__VIDEO_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	v.caption = "clip";
	v.has_seconds = 1;
	v.seconds = 12;
	m.videomessage = &v;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_VIDEO);
	assert_int_equal(t.media.crypto, MEDIA_VIDEO);
	assert_int_equal(t.media.seconds, 12);
	assert_string_equal(t.text, "clip");
	msg_typed_fini(&t);
	m.videomessage = NULL;
	m.ptvmessage = &v;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_VIDEO);
	msg_typed_fini(&t);
}

static void
test_msg_typed_document_with_caption_wrapper_is_opened(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT, inner = WA__MESSAGE__INIT;
	Wa__Message__FutureProofMessage f = WA__MESSAGE__FUTURE_PROOF_MESSAGE__INIT;
	Wa__Message__DocumentMessage d = WA__MESSAGE__DOCUMENT_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	d.mimetype = "application/pdf";
	d.filename = "ticket.pdf";
	d.caption = "here";
	inner.documentmessage = &d;
	f.message = &inner;
	m.documentwithcaptionmessage = &f;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_DOCUMENT);
	assert_int_equal(t.media.crypto, MEDIA_DOCUMENT);
	assert_string_equal(t.media.file_name, "ticket.pdf");
	assert_string_equal(t.text, "here");
	msg_typed_fini(&t);
}

static void
test_msg_typed_sticker_uses_the_image_keys(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__StickerMessage s = WA__MESSAGE__STICKER_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	s.mimetype = "image/webp";
	m.stickermessage = &s;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_STICKER);
	assert_int_equal(t.media.crypto, MEDIA_IMAGE);
	msg_typed_fini(&t);
}

static void
test_msg_typed_location_and_live_location(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__LocationMessage l = WA__MESSAGE__LOCATION_MESSAGE__INIT;
	Wa__Message__LiveLocationMessage ll = WA__MESSAGE__LIVE_LOCATION_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	l.has_degreeslatitude = l.has_degreeslongitude = 1;
	l.degreeslatitude = 52.520008;
	l.degreeslongitude = -13.404954;
	l.name = "Hauptbahnhof";
	l.address = "Europaplatz 1";
	m.locationmessage = &l;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_LOCATION);
	assert_true(t.latitude == 52.520008 && t.longitude == -13.404954);
	assert_string_equal(t.place_name, "Hauptbahnhof");
	assert_string_equal(t.address, "Europaplatz 1");
	assert_false(msg_type_is_media(t.type));
	msg_typed_fini(&t);
	m.locationmessage = NULL;
	ll.has_degreeslatitude = ll.has_degreeslongitude = 1;
	ll.degreeslatitude = 1.5;
	ll.degreeslongitude = 2.25;
	ll.caption = "on my way";
	m.livelocationmessage = &ll;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_LIVE_LOCATION);
	assert_string_equal(msg_type_name(t.type), "live_location");
	assert_true(t.latitude == 1.5 && t.longitude == 2.25);
	assert_string_equal(t.text, "on my way");
	msg_typed_fini(&t);
}

static void
test_msg_typed_contact_cards(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__ContactMessage c1 = WA__MESSAGE__CONTACT_MESSAGE__INIT,
	    c2 = WA__MESSAGE__CONTACT_MESSAGE__INIT, *cs[2] = { &c1, &c2 };
	Wa__Message__ContactsArrayMessage ca = WA__MESSAGE__CONTACTS_ARRAY_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	c1.displayname = "Ann";
	c1.vcard = "BEGIN:VCARD\nFN:Ann\nEND:VCARD";
	c2.displayname = "Bob";
	m.contactmessage = &c1;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_CONTACTS);
	assert_int_equal(t.n_contacts, 1);
	assert_string_equal(t.contacts[0].name, "Ann");
	assert_string_equal(t.contacts[0].vcard, c1.vcard);
	msg_typed_fini(&t);
	m.contactmessage = NULL;
	ca.n_contacts = 2;
	ca.contacts = cs;
	m.contactsarraymessage = &ca;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_CONTACTS);
	assert_int_equal(t.n_contacts, 2);
	assert_string_equal(t.contacts[1].name, "Bob");
	assert_string_equal(t.contacts[1].vcard, "");
	msg_typed_fini(&t);
}

static void
test_msg_typed_reaction_names_emoji_and_target(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT;
	Wa__Message__ReactionMessage r = WA__MESSAGE__REACTION_MESSAGE__INIT;
	Wa__MessageKey k = WA__MESSAGE_KEY__INIT;
	struct msg_typed t;

	(void)state;
	k.id = "3EB0AAAA";
	r.key = &k;
	r.text = "👍";
	m.reactionmessage = &r;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_REACTION);
	assert_string_equal(t.emoji, "👍");
	assert_string_equal(t.target_id, "3EB0AAAA");
	msg_typed_fini(&t);
	r.text = NULL;		/* a removed reaction */
	assert_int_equal(decode(&m, &t), 0);
	assert_string_equal(t.emoji, "");
	msg_typed_fini(&t);
}

static void
test_msg_typed_revoke_and_edit(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT, ed = WA__MESSAGE__INIT;
	Wa__Message__ProtocolMessage p = WA__MESSAGE__PROTOCOL_MESSAGE__INIT;
	Wa__MessageKey k = WA__MESSAGE_KEY__INIT;
	struct msg_typed t;

	(void)state;
	k.id = "3EB0BBBB";
	p.key = &k;
	p.has_type = 1;
	p.type = 0;
	m.protocolmessage = &p;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_REVOKE);
	assert_string_equal(t.target_id, "3EB0BBBB");
	msg_typed_fini(&t);
	p.type = 14;
	ed.conversation = "pick me up at 9, not 8";
	p.editedmessage = &ed;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_EDIT);
	assert_string_equal(t.target_id, "3EB0BBBB");
	assert_string_equal(t.text, "pick me up at 9, not 8");
	msg_typed_fini(&t);
	p.type = 5;		/* history sync notification: nothing for the hook */
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_NONE);
	assert_null(msg_type_name(t.type));
	msg_typed_fini(&t);
}

static void
test_msg_typed_reply_carries_the_quoted_id_and_text(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT, q = WA__MESSAGE__INIT;
	Wa__Message__ExtendedTextMessage x = WA__MESSAGE__EXTENDED_TEXT_MESSAGE__INIT;
	Wa__Message__ImageMessage im = WA__MESSAGE__IMAGE_MESSAGE__INIT;
	Wa__ContextInfo ci = WA__CONTEXT_INFO__INIT;
	struct msg_typed t;

	(void)state;
	im.caption = "the booking";
	q.imagemessage = &im;
	ci.stanzaid = "3EB0CCCC";
	ci.quotedmessage = &q;
	x.text = "is this right?";
	x.contextinfo = &ci;
	m.extendedtextmessage = &x;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_TEXT);
	assert_string_equal(t.text, "is this right?");
	assert_string_equal(t.quoted_id, "3EB0CCCC");
	assert_string_equal(t.quoted_text, "the booking");
	msg_typed_fini(&t);
}

static void
test_msg_typed_ephemeral_and_view_once_wrappers_are_opened(void **state)
{
	Wa__Message m = WA__MESSAGE__INIT, mid = WA__MESSAGE__INIT,
	    inner = WA__MESSAGE__INIT;
	Wa__Message__FutureProofMessage f1 = WA__MESSAGE__FUTURE_PROOF_MESSAGE__INIT,
	    f2 = WA__MESSAGE__FUTURE_PROOF_MESSAGE__INIT;
	Wa__Message__ImageMessage im = WA__MESSAGE__IMAGE_MESSAGE__INIT;
	struct msg_typed t;

	(void)state;
	inner.imagemessage = &im;
	f2.message = &inner;
	mid.viewoncemessagev2 = &f2;
	f1.message = &mid;
	m.ephemeralmessage = &f1;
	assert_int_equal(decode(&m, &t), 0);
	assert_int_equal(t.type, MSG_T_IMAGE);
	msg_typed_fini(&t);
}

static void
test_msg_typed_names_unsupported_kinds(void **state)
{
	/* pollCreationMessage (49) {name: "x"} */
	static const uint8_t poll[] = { 0x8a, 0x03, 0x03, 0x0a, 0x01, 'x' };
	struct msg_typed t;

	(void)state;
	assert_int_equal(msg_typed_decode(poll, sizeof(poll), &t), 0);
	assert_int_equal(t.type, MSG_T_UNSUPPORTED);
	assert_string_equal(t.other_type, "pollCreationMessage");
	msg_typed_fini(&t);
}

/* n ephemeralMessage wrappers around a conversation, built inside out. */
static uint8_t *
nest(size_t n, size_t *len)
{
	size_t cap = 16 + n * 16, start = cap, i;
	uint8_t *b = malloc(cap);

	assert_non_null(b);
	/* conversation "x" */
	b[--start] = 'x';
	b[--start] = 1;
	b[--start] = 0x0a;
	for (i = 0; i < n; i++) {
		size_t inner = cap - start, outer;
		uint8_t v[10];
		size_t vl = 0, k;

		/* FutureProofMessage { 1: inner } */
		for (k = inner; ; k >>= 7) {
			v[vl++] = (uint8_t)((k & 0x7f) | (k >= 0x80 ? 0x80 : 0));
			if (k < 0x80)
				break;
		}
		for (k = vl; k > 0; k--)
			b[--start] = v[k - 1];
		b[--start] = 0x0a;
		/* Message { 40: that } */
		outer = cap - start;
		vl = 0;
		for (k = outer; ; k >>= 7) {
			v[vl++] = (uint8_t)((k & 0x7f) | (k >= 0x80 ? 0x80 : 0));
			if (k < 0x80)
				break;
		}
		for (k = vl; k > 0; k--)
			b[--start] = v[k - 1];
		b[--start] = 0x02;
		b[--start] = 0xc2;	/* field 40, wire type 2: 0x142 as varint */
	}
	memmove(b, b + start, cap - start);
	*len = cap - start;
	return b;
}

static void
test_msg_typed_refuses_a_nesting_bomb_before_protobuf(void **state)
{
	struct msg_typed t;
	uint8_t *b;
	size_t len;

	(void)state;
	b = nest(MSG_TYPED_DEPTH - 1, &len);
	assert_int_equal(msg_typed_decode(b, len, &t), 0);
	assert_int_equal(t.type, MSG_T_TEXT);
	assert_string_equal(t.text, "x");
	msg_typed_fini(&t);
	free(b);
	b = nest(30000, &len);
	assert_true(len < 512 * 1024);
	assert_int_equal(msg_nesting_check(b, len, MSG_TYPED_DEPTH), -ELOOP);
	assert_int_equal(msg_typed_decode(b, len, &t), -ELOOP);
	free(b);
}

static void
test_msg_decode_refuses_a_nesting_bomb_too(void **state)
{
	struct msg_content c;
	uint8_t *b;
	size_t len;

	(void)state;
	b = nest(30000, &len);
	assert_int_equal(msg_decode(b, len, &c), -EBADMSG);
	free(b);
	b = nest(3, &len);
	assert_int_equal(msg_decode(b, len, &c), 0);
	msg_content_fini(&c);
	free(b);
}

static void
test_msg_typed_refuses_what_is_not_a_message(void **state)
{
	static const uint8_t junk[] = { 0x0a, 0x05, 'a' };
	struct msg_typed t;

	(void)state;
	assert_int_equal(msg_typed_decode(junk, sizeof(junk), &t), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_typed_image_carries_what_a_download_needs),
		cmocka_unit_test(test_msg_typed_media_key_of_the_wrong_size_counts_as_absent),
		cmocka_unit_test(test_msg_typed_voice_note_is_audio_with_ptt_and_seconds),
		cmocka_unit_test(test_msg_typed_video_and_ptv_are_video),
		cmocka_unit_test(test_msg_typed_document_with_caption_wrapper_is_opened),
		cmocka_unit_test(test_msg_typed_sticker_uses_the_image_keys),
		cmocka_unit_test(test_msg_typed_location_and_live_location),
		cmocka_unit_test(test_msg_typed_contact_cards),
		cmocka_unit_test(test_msg_typed_reaction_names_emoji_and_target),
		cmocka_unit_test(test_msg_typed_revoke_and_edit),
		cmocka_unit_test(test_msg_typed_reply_carries_the_quoted_id_and_text),
		cmocka_unit_test(test_msg_typed_ephemeral_and_view_once_wrappers_are_opened),
		cmocka_unit_test(test_msg_typed_names_unsupported_kinds),
		cmocka_unit_test(test_msg_typed_refuses_a_nesting_bomb_before_protobuf),
		cmocka_unit_test(test_msg_typed_refuses_what_is_not_a_message),
		cmocka_unit_test(test_msg_decode_refuses_a_nesting_bomb_too),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
