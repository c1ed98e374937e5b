/*
 * test_sig: the Signal layer between two of our own devices, each with
 * its own store: a session from a bundle, pkmsg then msg both ways, the
 * one-time prekey blob deleted once used, ratchets that survive closing
 * and reopening every store (kill -9 between messages), duplicates and
 * tampering refused.
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
#include <sodium.h>

#include "signal/sig.h"
#include "store/creds.h"
#include "store/keys.h"
#include "store/store.h"
#include "testdir.h"

static char data_dir[256];

struct side {
	struct store	*st;
	struct creds	*c;
	struct sig	*sig;
	const char	*id;
};

static const struct creds *
get_creds(void *arg)
{
	return ((struct side *)arg)->c;
}

static void
side_open(struct side *s)
{
	struct store_cfg cfg = { .data_dir = data_dir, .client_id = s->id };

	assert_int_equal(store_open(&cfg, &s->st, NULL), 0);
	assert_int_equal(sig_new(s->st, get_creds, s, &s->sig), 0);
}

static void
side_close(struct side *s)
{
	sig_free(s->sig);
	store_close(s->st);
	s->sig = NULL;
	s->st = NULL;
}

static void
side_init(struct side *s, const char *id)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	assert_non_null(s->c = creds_new());
	assert_int_equal(keys_generate(s->c), 0);
	side_open(s);
}

static void
side_fini(struct side *s)
{
	side_close(s);
	creds_free(s->c);
}

/* Bob's bundle with one-time prekey 7, stored as prekeys.c stores it. */
static void
bundle_of(struct side *bob, struct sig_bundle *b)
{
	uint8_t kp[64];

	keys_curve_pair(kp, kp + 32);
	assert_int_equal(store_put(bob->st, "prekey-7", kp, sizeof(kp)), 0);
	memset(b, 0, sizeof(*b));
	b->registration_id = bob->c->registration_id;
	memcpy(b->identity, bob->c->ident_pub, 32);
	b->spk_id = bob->c->spk_id;
	memcpy(b->spk, bob->c->spk_pub, 32);
	memcpy(b->spk_sig, bob->c->spk_sig, 64);
	b->has_prekey = true;
	b->prekey_id = 7;
	memcpy(b->prekey, kp + 32, 32);
	sodium_memzero(kp, sizeof(kp));
}

static void
send_recv(struct side *from, const char *from_name, struct side *to,
    const char *to_name, const char *text, bool want_prekey)
{
	uint8_t *ct, *pt;
	size_t ctlen, ptlen;
	bool prekey;

	assert_int_equal(sig_encrypt(from->sig, to_name, 0, (const uint8_t *)text,
	    strlen(text), &prekey, &ct, &ctlen), 0);
	assert_true(prekey == want_prekey);
	assert_int_equal(sig_decrypt(to->sig, from_name, 0, prekey, ct, ctlen, &pt,
	    &ptlen), 0);
	assert_int_equal(ptlen, strlen(text));
	assert_memory_equal(pt, text, ptlen);
	free(ct);
	free(pt);
}

static int
setup(void **state)
{
	(void)state;
	return testdir_make(data_dir, sizeof(data_dir), "sig");
}

static int
teardown(void **state)
{
	(void)state;
	return testdir_remove(data_dir);
}

static void
test_sig_bundle_then_pkmsg_then_msg_both_ways(void **state)
{
	struct side a, b;
	struct sig_bundle bb;
	uint8_t *blob;
	size_t len;

	(void)state;
	side_init(&a, "alice");
	side_init(&b, "bob");
	bundle_of(&b, &bb);
	assert_false(sig_has_session(a.sig, "4915100000002", 0));
	assert_int_equal(sig_add_bundle(a.sig, "4915100000002", 0, &bb), 0);
	assert_true(sig_has_session(a.sig, "4915100000002", 0));
	send_recv(&a, "4915100000001", &b, "4915100000002", "hello bob", true);
	/* the one-time prekey is gone once used */
	assert_int_equal(store_get(b.st, "prekey-7", &blob, &len), -ENOENT);
	send_recv(&b, "4915100000002", &a, "4915100000001", "hi alice 😀", false);
	send_recv(&a, "4915100000001", &b, "4915100000002", "second", false);
	side_fini(&a);
	side_fini(&b);
}

static void
test_sig_sessions_survive_reopening_the_stores(void **state)
{
	struct side a, b;
	struct sig_bundle bb;
	int i;

	(void)state;
	side_init(&a, "alice");
	side_init(&b, "bob");
	bundle_of(&b, &bb);
	assert_int_equal(sig_add_bundle(a.sig, "4915100000002", 0, &bb), 0);
	send_recv(&a, "4915100000001", &b, "4915100000002", "one", true);
	for (i = 0; i < 5; i++) {
		side_close(&a);
		side_close(&b);
		side_open(&a);
		side_open(&b);
		send_recv(&b, "4915100000002", &a, "4915100000001", "reply", false);
		send_recv(&a, "4915100000001", &b, "4915100000002", "again", false);
	}
	side_fini(&a);
	side_fini(&b);
}

static void
test_sig_refuses_duplicates_tampering_and_no_session(void **state)
{
	struct side a, b;
	struct sig_bundle bb;
	uint8_t *ct, *pt;
	size_t ctlen, ptlen;
	bool prekey;

	(void)state;
	side_init(&a, "alice");
	side_init(&b, "bob");
	assert_int_equal(sig_encrypt(a.sig, "4915100000002", 0, (const uint8_t *)"x",
	    1, &prekey, &ct, &ctlen), -ENOENT);
	bundle_of(&b, &bb);
	assert_int_equal(sig_add_bundle(a.sig, "4915100000002", 0, &bb), 0);
	send_recv(&a, "4915100000001", &b, "4915100000002", "start", true);
	send_recv(&b, "4915100000002", &a, "4915100000001", "ack", false);
	assert_int_equal(sig_encrypt(a.sig, "4915100000002", 0, (const uint8_t *)"m",
	    1, &prekey, &ct, &ctlen), 0);
	ct[ctlen - 1] ^= 1;	/* the MAC */
	assert_int_equal(sig_decrypt(b.sig, "4915100000001", 0, false, ct, ctlen,
	    &pt, &ptlen), -EBADMSG);
	ct[ctlen - 1] ^= 1;
	assert_int_equal(sig_decrypt(b.sig, "4915100000001", 0, false, ct, ctlen,
	    &pt, &ptlen), 0);
	free(pt);
	assert_int_equal(sig_decrypt(b.sig, "4915100000001", 0, false, ct, ctlen,
	    &pt, &ptlen), -EALREADY);
	free(ct);
	assert_int_equal(sig_decrypt(b.sig, "4915100000009", 0, false,
	    (const uint8_t *)"\x33garbage", 8, &pt, &ptlen), -EBADMSG);
	side_fini(&a);
	side_fini(&b);
}

static void
test_sig_bundle_with_a_bad_signature_is_refused(void **state)
{
	struct side a, b;
	struct sig_bundle bb;

	(void)state;
	side_init(&a, "alice");
	side_init(&b, "bob");
	bundle_of(&b, &bb);
	bb.spk_sig[0] ^= 1;
	assert_int_equal(sig_add_bundle(a.sig, "4915100000002", 0, &bb), -EBADMSG);
	assert_false(sig_has_session(a.sig, "4915100000002", 0));
	side_fini(&a);
	side_fini(&b);
}

static void
test_sig_group_messages_decrypt_after_the_sender_key(void **state)
{
	static const char *group = "120363000000000001@g.us";
	struct side a, b;
	uint8_t *skdm, *ct, *pt;
	size_t skdm_len, ctlen, ptlen;

	(void)state;
	side_init(&a, "alice");
	side_init(&b, "bob");
	assert_int_equal(sig_group_skdm(a.sig, group, "4915100000001", 0, &skdm,
	    &skdm_len), 0);
	assert_int_equal(sig_group_encrypt(a.sig, group, "4915100000001", 0,
	    (const uint8_t *)"to all", 6, &ct, &ctlen), 0);
	/* before the sender key: no session */
	assert_int_equal(sig_group_decrypt(b.sig, group, "4915100000001", 0, ct,
	    ctlen, &pt, &ptlen), -ENOENT);
	assert_int_equal(sig_group_process(b.sig, group, "4915100000001", 0, skdm,
	    skdm_len), 0);
	/* a reopened store still holds it */
	side_close(&b);
	side_open(&b);
	assert_int_equal(sig_group_decrypt(b.sig, group, "4915100000001", 0, ct,
	    ctlen, &pt, &ptlen), 0);
	assert_int_equal(ptlen, 6);
	assert_memory_equal(pt, "to all", 6);
	free(pt);
	free(ct);
	free(skdm);
	assert_int_equal(sig_group_decrypt(b.sig, group, "4915100000001", 0,
	    (const uint8_t *)"\x33zz", 3, &pt, &ptlen), -EBADMSG);
	side_fini(&a);
	side_fini(&b);
}

static void
test_sig_name_ok_allows_blob_characters_only(void **state)
{
	(void)state;
	assert_true(sig_name_ok("4915112340001"));
	assert_true(sig_name_ok("123456@lid"));
	assert_false(sig_name_ok(""));
	assert_false(sig_name_ok("../x"));
	assert_false(sig_name_ok("a b"));
	assert_true(sig_name_ok("1234567890123456789012345678901234567890123456789012345678901234"));
	assert_false(sig_name_ok("12345678901234567890123456789012345678901234567890123456789012345"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sig_bundle_then_pkmsg_then_msg_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sig_sessions_survive_reopening_the_stores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sig_refuses_duplicates_tampering_and_no_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sig_bundle_with_a_bad_signature_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sig_group_messages_decrypt_after_the_sender_key, setup, teardown),
		cmocka_unit_test(test_sig_name_ok_allows_blob_characters_only),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
