/*
 * test_pair_code: every cryptographic step of linking by phone number
 * against tests/vectors/pair-code.json, which Baileys 7's own functions
 * computed (tests/interop/gen-pair-code-vectors.js): the code alphabet,
 * PBKDF2, the CTR wrap both ways (a wrong code unwraps to other bytes), the
 * GCM key bundle and the adv secret. Then the exchange: the hello stanza
 * carries Baileys' wrapped key, the server's ref is kept, a primary_hello
 * encoded by Baileys yields a finish stanza whose bundle opens to our
 * identity, the phone's identity and the randomness the adv secret came
 * from; another pairing's ref and malformed notifications are refused.
 * Phone numbers and display names are checked as documented.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sodium.h>

#include "binary/bn.h"
#include "link/pair_code.h"
#include "testvec.h"

static json_t *V;

static int
load(void **state)
{
	json_error_t err;

	(void)state;
	V = json_load_file(WALINK_SOURCE_DIR "/tests/vectors/pair-code.json", 0, &err);
	if (V == NULL)
		fail_msg("tests/vectors/pair-code.json: %s", err.text);
	return 0;
}

static int
unload(void **state)
{
	(void)state;
	json_decref(V);
	return 0;
}

static void
hex(const char *path, uint8_t *out, size_t n)
{
	testvec_hex_exact(V, path, out, n);
}

static void
test_code_alphabet(void **state)
{
	uint8_t rnd[5];
	char code[9];

	(void)state;
	hex("code_random", rnd, 5);
	pair_code_encode(rnd, code);
	assert_string_equal(code, testvec_str(V, "code"));
	memset(rnd, 0, 5);
	pair_code_encode(rnd, code);
	assert_string_equal(code, "11111111");
	memset(rnd, 0xff, 5);
	pair_code_encode(rnd, code);
	assert_string_equal(code, "ZZZZZZZZ");
}

static void
test_stretch(void **state)
{
	uint8_t salt[32], want[32], got[32];

	(void)state;
	hex("hello.salt", salt, 32);
	hex("hello.code_key", want, 32);
	assert_int_equal(pair_code_stretch(testvec_str(V, "code"), salt, got), 0);
	assert_memory_equal(got, want, 32);
}

static void
test_wrap_and_unwrap(void **state)
{
	uint8_t salt[32], iv[16], pub[32], want[80], got[80], w[80], u[32];

	(void)state;
	hex("hello.salt", salt, 32);
	hex("hello.iv", iv, 16);
	hex("companion.ephemeral_public", pub, 32);
	hex("hello.wrapped", want, 80);
	assert_int_equal(pair_code_wrap(testvec_str(V, "code"), salt, iv, pub, got), 0);
	assert_memory_equal(got, want, 80);

	hex("primary_hello.wrapped", w, 80);
	hex("primary_hello.unwrapped", want, 32);
	assert_int_equal(pair_code_unwrap(testvec_str(V, "code"), w, u), 0);
	assert_memory_equal(u, want, 32);
	hex("primary.ephemeral_public", pub, 32);
	assert_memory_equal(u, pub, 32);
	hex("primary_hello.unwrapped_with_wrong_code", want, 32);
	assert_int_equal(pair_code_unwrap(testvec_str(V,
	    "primary_hello.wrong_code"), w, u), 0);
	assert_memory_equal(u, want, 32);
	assert_memory_not_equal(u, pub, 32);
}

static void
test_bundle_and_adv(void **state)
{
	uint8_t shared[32], salt[32], nonce[12], ip[32], pp[32], rnd[32];
	uint8_t want[PAIR_CODE_BUNDLE_LEN], got[PAIR_CODE_BUNDLE_LEN];
	uint8_t ishared[32], adv[32], adv_want[32], priv[32], calc[32];

	(void)state;
	/* The shared secret Baileys' Curve.sharedKey computed, from both ends. */
	hex("finish.ephemeral_shared", shared, 32);
	hex("companion.ephemeral_private", priv, 32);
	hex("primary.ephemeral_public", pp, 32);
	assert_int_equal(crypto_scalarmult(calc, priv, pp), 0);
	assert_memory_equal(calc, shared, 32);

	hex("finish.bundle_salt", salt, 32);
	hex("finish.bundle_nonce", nonce, 12);
	hex("companion.identity_public", ip, 32);
	hex("primary.identity_public", pp, 32);
	hex("finish.adv_random", rnd, 32);
	hex("finish.bundle", want, sizeof(want));
	assert_int_equal(pair_code_bundle(shared, salt, nonce, ip, pp, rnd, got), 0);
	assert_memory_equal(got, want, sizeof(want));

	hex("finish.identity_shared", ishared, 32);
	hex("finish.adv_secret", adv_want, 32);
	assert_int_equal(pair_code_adv_secret(shared, ishared, rnd, adv), 0);
	assert_memory_equal(adv, adv_want, 32);
}

static struct pair_code *
vector_code(void)
{
	uint8_t rnd[5], priv[32], salt[32], iv[16];
	struct pair_code *pc;

	hex("code_random", rnd, 5);
	hex("companion.ephemeral_private", priv, 32);
	hex("hello.salt", salt, 32);
	hex("hello.iv", iv, 16);
	assert_int_equal(pair_code_new_fixed(testvec_str(V, "phone"), rnd, priv,
	    salt, iv, &pc), 0);
	return pc;
}

static struct bn_node *
vector_node(const char *path)
{
	struct bn_node *n;
	uint8_t *b;
	size_t len;

	b = testvec_hex(V, path, &len);
	assert_int_equal(bn_decode_frame(b, len, &n), 0);
	free(b);
	return n;
}

static const uint8_t *
child_bytes(const struct bn_node *n, const char *tag, size_t *len)
{
	const struct bn_node *c = bn_node_peek_child_by_tag(n, tag);

	assert_non_null(c);
	return bn_node_peek_bytes(c, len);
}

static void
test_hello_node(void **state)
{
	struct pair_code *pc = vector_code();
	struct bn_node *n;
	uint8_t noise[32], want[80];
	char shown[10];
	const uint8_t *b;
	size_t len;

	(void)state;
	pair_code_display(pc, shown);
	assert_int_equal(strlen(shown), 9);
	assert_memory_equal(shown, testvec_str(V, "code"), 4);
	assert_int_equal(shown[4], '-');
	assert_string_equal(shown + 5, testvec_str(V, "code") + 4);

	hex("companion.noise_public", noise, 32);
	assert_int_equal(pair_code_hello_node(pc, noise, "1", "Chrome (Linux)", &n), 0);
	assert_string_equal(bn_node_attr(n, "stage"), "companion_hello");
	assert_string_equal(bn_node_attr(n, "jid"), "15550001111@s.whatsapp.net");
	hex("hello.wrapped", want, 80);
	b = child_bytes(n, "link_code_pairing_wrapped_companion_ephemeral_pub", &len);
	assert_int_equal(len, 80);
	assert_memory_equal(b, want, 80);
	b = child_bytes(n, "companion_server_auth_key_pub", &len);
	assert_int_equal(len, 32);
	assert_memory_equal(b, noise, 32);
	b = child_bytes(n, "companion_platform_display", &len);
	assert_int_equal(len, strlen("Chrome (Linux)"));
	assert_memory_equal(b, "Chrome (Linux)", len);
	b = child_bytes(n, "companion_platform_id", &len);
	assert_int_equal(len, 1);
	assert_int_equal(b[0], '1');
	bn_node_free(n);
	pair_code_free(pc);
}

/* What the phone does with companion_finish: open the bundle. */
static void
open_bundle(const uint8_t *bundle, const uint8_t shared[32], uint8_t plain[96])
{
	EVP_PKEY_CTX *k = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const char *info = "link_code_pairing_key_bundle_encryption_key";
	uint8_t key[32];
	size_t klen = 32;
	int n = 0, m = 0;

	assert_int_equal(EVP_PKEY_derive_init(k), 1);
	assert_int_equal(EVP_PKEY_CTX_set_hkdf_md(k, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_hkdf_salt(k, bundle, 32), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_hkdf_key(k, shared, 32), 1);
	assert_int_equal(EVP_PKEY_CTX_add1_hkdf_info(k, (const unsigned char *)info,
	    (int)strlen(info)), 1);
	assert_int_equal(EVP_PKEY_derive(k, key, &klen), 1);
	assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), 1);
	assert_int_equal(EVP_DecryptInit_ex(c, NULL, NULL, key, bundle + 32), 1);
	assert_int_equal(EVP_DecryptUpdate(c, plain, &n, bundle + 44, 96), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16,
	    (void *)(bundle + 140)), 1);
	assert_int_equal(EVP_DecryptFinal_ex(c, plain + n, &m), 1);
	EVP_CIPHER_CTX_free(c);
	EVP_PKEY_CTX_free(k);
}

static void
test_primary_hello_exchange(void **state)
{
	struct pair_code *pc = vector_code();
	struct bn_node *res = vector_node("stanzas.hello_result");
	struct bn_node *hello = vector_node("stanzas.primary_hello");
	struct bn_node *fin = NULL;
	uint8_t ipriv[32], ipub[32], adv[32], shared[32], ishared[32], pp[32];
	uint8_t plain[96], want_adv[32];
	const uint8_t *b;
	size_t len;

	(void)state;
	hex("companion.identity_private", ipriv, 32);
	hex("companion.identity_public", ipub, 32);
	/* No ref yet: a notification cannot be ours. */
	assert_int_equal(pair_code_on_primary_hello(pc, hello, ipriv, ipub, adv,
	    &fin), -ESTALE);
	assert_false(pair_code_has_ref(pc));
	assert_int_equal(pair_code_on_hello_result(pc, res), 0);
	assert_true(pair_code_has_ref(pc));
	assert_int_equal(pair_code_on_primary_hello(pc, hello, ipriv, ipub, adv,
	    &fin), 0);
	assert_string_equal(bn_node_attr(fin, "stage"), "companion_finish");
	assert_string_equal(bn_node_attr(fin, "jid"), "15550001111@s.whatsapp.net");
	b = child_bytes(fin, "link_code_pairing_ref", &len);
	assert_int_equal(len, strlen(testvec_str(V, "stanzas.ref")));
	assert_memory_equal(b, testvec_str(V, "stanzas.ref"), len);
	b = child_bytes(fin, "companion_identity_public", &len);
	assert_int_equal(len, 32);
	assert_memory_equal(b, ipub, 32);
	b = child_bytes(fin, "link_code_pairing_wrapped_key_bundle", &len);
	assert_int_equal(len, PAIR_CODE_BUNDLE_LEN);

	hex("finish.ephemeral_shared", shared, 32);
	open_bundle(b, shared, plain);
	hex("primary.identity_public", pp, 32);
	assert_memory_equal(plain, ipub, 32);
	assert_memory_equal(plain + 32, pp, 32);
	/* The adv secret is the one the phone derives from the same parts. */
	hex("finish.identity_shared", ishared, 32);
	assert_int_equal(pair_code_adv_secret(shared, ishared, plain + 64,
	    want_adv), 0);
	assert_memory_equal(adv, want_adv, 32);
	bn_node_free(fin);
	bn_node_free(hello);

	hello = vector_node("stanzas.primary_hello_other_ref");
	assert_int_equal(pair_code_on_primary_hello(pc, hello, ipriv, ipub, adv,
	    &fin), -ESTALE);
	assert_null(fin);
	bn_node_free(hello);
	bn_node_free(res);
	pair_code_free(pc);
}

static void
test_malformed_primary_hello(void **state)
{
	struct pair_code_hello_fields f;
	struct bn_node *n = bn_node_new("notification");
	struct bn_node *reg = bn_node_new("link_code_companion_reg");
	struct bn_node *c;
	uint8_t short_key[31] = { 0 }, wrapped[80] = { 0 };

	(void)state;
	assert_int_equal(pair_code_parse_primary_hello(n, &f), -EBADMSG);
	assert_int_equal(bn_node_add_child(n, reg), 0);
	assert_int_equal(pair_code_parse_primary_hello(n, &f), -EBADMSG);
	c = bn_node_new("link_code_pairing_ref");
	assert_int_equal(bn_node_set_bytes(c, (const uint8_t *)"r", 1), 0);
	assert_int_equal(bn_node_add_child(reg, c), 0);
	c = bn_node_new("link_code_pairing_wrapped_primary_ephemeral_pub");
	assert_int_equal(bn_node_set_bytes(c, wrapped, 79), 0);
	assert_int_equal(bn_node_add_child(reg, c), 0);
	c = bn_node_new("primary_identity_pub");
	assert_int_equal(bn_node_set_bytes(c, short_key, sizeof(short_key)), 0);
	assert_int_equal(bn_node_add_child(reg, c), 0);
	assert_int_equal(pair_code_parse_primary_hello(n, &f), -EMSGSIZE);
	bn_node_free(n);
}

static void
test_phone_numbers(void **state)
{
	char out[PAIR_CODE_PHONE_MAX];

	(void)state;
	assert_int_equal(pair_code_phone("+49 170 123-4567", out), 0);
	assert_string_equal(out, "491701234567");
	assert_int_equal(pair_code_phone("(1) 555.000.1111", out), 0);
	assert_string_equal(out, "15550001111");
	assert_int_equal(pair_code_phone("", out), -EINVAL);
	assert_int_equal(pair_code_phone("1555abc1111", out), -EINVAL);
	assert_int_equal(pair_code_phone("1+5550001111", out), -EINVAL);
	assert_int_equal(pair_code_phone("123456", out), -ERANGE);
	assert_int_equal(pair_code_phone("1234567890123456", out), -ERANGE);
	assert_int_equal(pair_code_phone("01701234567", out), -EDOM);
}

static void
test_display_names(void **state)
{
	(void)state;
	assert_true(pair_code_display_ok("Chrome (Linux)"));
	assert_true(pair_code_display_ok("Firefox (Mac OS)"));
	assert_false(pair_code_display_ok("walink"));
	assert_false(pair_code_display_ok("Chrome(Linux)"));
	assert_false(pair_code_display_ok("Chrome (Linux) x"));
	assert_false(pair_code_display_ok("Chrome ()"));
	assert_false(pair_code_display_ok(" (Linux)"));
	assert_false(pair_code_display_ok("Chrome (Li(nux)"));
	assert_false(pair_code_display_ok("Chrome (Linux\n)"));
	assert_false(pair_code_display_ok(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_alphabet),
		cmocka_unit_test(test_stretch),
		cmocka_unit_test(test_wrap_and_unwrap),
		cmocka_unit_test(test_bundle_and_adv),
		cmocka_unit_test(test_hello_node),
		cmocka_unit_test(test_primary_hello_exchange),
		cmocka_unit_test(test_malformed_primary_hello),
		cmocka_unit_test(test_phone_numbers),
		cmocka_unit_test(test_display_names),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, load, unload);
}
