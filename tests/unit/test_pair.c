/*
 * test_pair: the pair-success stanza Baileys 7 accepts
 * (tests/vectors/wa-pair-success.json) is accepted with the vector's
 * keys; the reply has the stated shape, carries no account key, and its
 * device signature verifies; a flipped HMAC bit or a wrong adv secret is
 * refused.
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
#include "crypto/xeddsa.h"
#include "link/account.h"
#include "link/pair.h"
#include "store/creds.h"
#include "testvec.h"
#include "whatsapp.pb-c.h"

struct fixture {
	json_t		*v;
	struct creds	*c;
	struct bn_node	*iq;
	uint8_t		 account_pub[32];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t *plain;
	size_t len;

	f->v = testvec_load("wa-pair-success.json");
	f->c = creds_new();
	testvec_hex_exact(f->v, "companion.identity_private", f->c->ident_priv, 32);
	testvec_hex_exact(f->v, "companion.identity_public", f->c->ident_pub, 32);
	testvec_hex_exact(f->v, "companion.adv_secret", f->c->adv_secret, 32);
	testvec_hex_exact(f->v, "phone_account_public", f->account_pub, 32);
	plain = testvec_hex(f->v, "stanza_plaintext", &len);
	assert_int_equal(bn_decode_frame(plain, len, &f->iq), 0);
	free(plain);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	bn_node_free(f->iq);
	creds_free(f->c);
	json_decref(f->v);
	free(f);
	return 0;
}

static void
test_vector_pair_success_is_accepted(void **state)
{
	struct fixture *f = *state;
	struct pair_result r;
	struct bn_node *reply = NULL, *sign, *ident;
	Wa__ADVSignedDeviceIdentity *acct;
	const uint8_t *bytes;
	uint8_t msg[2 + 256 + 64];
	size_t len;

	assert_int_equal(pair_complete(f->iq, f->c, &r, &reply), 0);
	assert_string_equal(r.jid, testvec_str(f->v, "expect.me_jid"));
	assert_string_equal(r.lid, testvec_str(f->v, "expect.me_lid"));
	assert_string_equal(r.platform, testvec_str(f->v, "expect.platform"));
	assert_int_equal(r.key_index, 3);

	/* iq to=@s.whatsapp.net (JID_PAIR, protocol-notes §8) type=result id=<same> > pair-device-sign > device-identity key-index */
	assert_true(bn_node_tag_is(reply, "iq"));
	assert_string_equal(bn_node_attr(reply, "to"), BN_SERVER_JID);
	assert_string_equal(bn_node_attr(reply, "type"), "result");
	assert_string_equal(bn_node_attr(reply, "id"), bn_node_attr(f->iq, "id"));
	sign = bn_node_peek_child_by_tag(reply, "pair-device-sign");
	assert_non_null(sign);
	ident = bn_node_peek_child_by_tag(sign, "device-identity");
	assert_non_null(ident);
	assert_string_equal(bn_node_attr(ident, "key-index"),
	    testvec_str(f->v, "expect.key_index"));

	bytes = bn_node_peek_bytes(ident, &len);
	acct = wa__advsigned_device_identity__unpack(NULL, len, bytes);
	assert_non_null(acct);
	assert_false(acct->has_accountsignaturekey);	/* pitfall 10 */
	assert_true(acct->has_accountsignature);
	assert_true(acct->has_devicesignature);
	assert_int_equal(acct->devicesignature.len, 64);
	assert_memory_equal(r.reply, bytes, len);
	{
		/* What is kept for messages is whole: account key included
		 * (protocol-notes §8), with the same device signature. */
		Wa__ADVSignedDeviceIdentity *kept =
		    wa__advsigned_device_identity__unpack(NULL, r.account_len,
		    r.account);

		assert_non_null(kept);
		assert_true(kept->has_accountsignaturekey);
		assert_memory_equal(kept->accountsignaturekey.data, f->account_pub, 32);
		assert_true(kept->has_devicesignature);
		assert_memory_equal(kept->devicesignature.data,
		    acct->devicesignature.data, 64);
		wa__advsigned_device_identity__free_unpacked(kept, NULL);
	}

	/* 06 01 || details || our identity public || phone account public */
	assert_true(2 + acct->details.len + 64 <= sizeof(msg));
	msg[0] = 6;
	msg[1] = 1;
	memcpy(msg + 2, acct->details.data, acct->details.len);
	memcpy(msg + 2 + acct->details.len, f->c->ident_pub, 32);
	memcpy(msg + 2 + acct->details.len + 32, f->account_pub, 32);
	assert_true(xeddsa_verify(f->c->ident_pub, msg, 2 + acct->details.len + 64,
	    acct->devicesignature.data));
	msg[5] ^= 1;
	assert_false(xeddsa_verify(f->c->ident_pub, msg, 2 + acct->details.len + 64,
	    acct->devicesignature.data));
	wa__advsigned_device_identity__free_unpacked(acct, NULL);
	bn_node_free(reply);
}

static void
test_wrong_adv_secret_is_refused(void **state)
{
	struct fixture *f = *state;
	struct pair_result r;
	struct bn_node *reply = NULL;

	f->c->adv_secret[0] ^= 0x01;
	assert_int_equal(pair_complete(f->iq, f->c, &r, &reply), -EKEYREJECTED);
	assert_null(reply);
}

/* Flips one bit of the HMAC inside device-identity, re-encodes, re-decodes. */
static void
test_flipped_hmac_bit_is_refused(void **state)
{
	struct fixture *f = *state;
	struct bn_node *ps = bn_node_peek_child_by_tag(f->iq, "pair-success");
	struct bn_node *di = bn_node_peek_child_by_tag(ps, "device-identity");
	Wa__ADVSignedDeviceIdentityHMAC *h;
	const uint8_t *bytes;
	uint8_t *copy;
	size_t len;
	struct pair_result r;
	struct bn_node *reply = NULL;

	bytes = bn_node_peek_bytes(di, &len);
	h = wa__advsigned_device_identity_hmac__unpack(NULL, len, bytes);
	assert_non_null(h);
	h->hmac.data[7] ^= 0x20;
	copy = malloc(wa__advsigned_device_identity_hmac__get_packed_size(h));
	len = wa__advsigned_device_identity_hmac__pack(h, copy);
	assert_int_equal(bn_node_set_bytes(di, copy, len), 0);
	assert_int_equal(pair_complete(f->iq, f->c, &r, &reply), -EKEYREJECTED);
	assert_null(reply);
	free(copy);
	wa__advsigned_device_identity_hmac__free_unpacked(h, NULL);
}

static void
test_wrong_identity_key_fails_account_signature(void **state)
{
	struct fixture *f = *state;
	struct pair_result r;
	struct bn_node *reply = NULL;

	/* The HMAC still matches, but the phone signed another identity. */
	f->c->ident_pub[3] ^= 0x40;
	assert_int_equal(pair_complete(f->iq, f->c, &r, &reply), -EBADE);
	assert_null(reply);
}

static void
test_stanza_without_device_identity_is_malformed(void **state)
{
	struct fixture *f = *state;
	struct bn_node *iq = bn_node_new("iq"), *ps = bn_node_new("pair-success");
	struct pair_result r;
	struct bn_node *reply = NULL;

	assert_int_equal(bn_node_set_attr(iq, "id", "1"), 0);
	assert_int_equal(bn_node_add_child(iq, ps), 0);
	assert_int_equal(pair_complete(iq, f->c, &r, &reply), -EBADMSG);
	bn_node_free(iq);
}

/*
 * A session paired before issue 11 stored the reply's form (no account
 * key): account_add_key restores the whole identity from the phone's
 * key, and only from the right key.
 */
static void
test_stripped_identity_gets_its_account_key_back(void **state)
{
	struct fixture *f = *state;
	struct pair_result r;
	struct bn_node *reply = NULL;
	uint8_t out[CREDS_ACCOUNT_MAX], wrong[32];
	size_t len;

	assert_int_equal(pair_complete(f->iq, f->c, &r, &reply), 0);
	bn_node_free(reply);
	assert_true(account_has_key(r.account, r.account_len));
	assert_false(account_has_key(r.reply, r.reply_len));
	assert_int_equal(account_add_key(r.reply, r.reply_len, f->c->ident_pub,
	    f->account_pub, out, sizeof(out), &len), 0);
	assert_int_equal(len, r.account_len);
	assert_memory_equal(out, r.account, len);
	memcpy(wrong, f->account_pub, 32);
	wrong[0] ^= 1;
	assert_int_equal(account_add_key(r.reply, r.reply_len, f->c->ident_pub,
	    wrong, out, sizeof(out), &len), -EBADE);
	assert_int_equal(account_add_key(r.account, r.account_len, f->c->ident_pub,
	    f->account_pub, out, sizeof(out), &len), -EALREADY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vector_pair_success_is_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_adv_secret_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_hmac_bit_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_identity_key_fails_account_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stripped_identity_gets_its_account_key_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stanza_without_device_identity_is_malformed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
