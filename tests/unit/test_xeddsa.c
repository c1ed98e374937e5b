/*
 * test_xeddsa: XEdDSA signing and verification (crypto/xeddsa.h) through
 * libsignal-protocol-c, checked against a signature Baileys made (the
 * vector's intermediate certificate, signed by its root key).
 */
#include "crypto/xeddsa.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>

#include "testvec.h"
#include "whatsapp.pb-c.h"

static void
keypair(uint8_t priv[32], uint8_t pub[32])
{
	assert_true(sodium_init() >= 0);
	randombytes_buf(priv, 32);
	crypto_scalarmult_base(pub, priv);
}

static void
test_xeddsa_signature_verifies(void **state)
{
	uint8_t priv[32], pub[32], sig[64];
	static const uint8_t msg[] = "pair-device-sign";

	(void)state;
	keypair(priv, pub);
	assert_int_equal(xeddsa_sign(priv, msg, sizeof(msg), sig), 0);
	assert_true(xeddsa_verify(pub, msg, sizeof(msg), sig));
}

static void
test_xeddsa_signs_empty_message(void **state)
{
	uint8_t priv[32], pub[32], sig[64];

	(void)state;
	keypair(priv, pub);
	assert_int_equal(xeddsa_sign(priv, (const uint8_t *)"", 0, sig), 0);
	assert_true(xeddsa_verify(pub, (const uint8_t *)"", 0, sig));
}

static void
test_xeddsa_signatures_are_randomised(void **state)
{
	uint8_t priv[32], pub[32], a[64], b[64];

	(void)state;
	keypair(priv, pub);
	assert_int_equal(xeddsa_sign(priv, pub, 32, a), 0);
	assert_int_equal(xeddsa_sign(priv, pub, 32, b), 0);
	assert_memory_not_equal(a, b, 64);
	assert_true(xeddsa_verify(pub, pub, 32, a));
	assert_true(xeddsa_verify(pub, pub, 32, b));
}

static void
test_xeddsa_refuses_flipped_message_signature_or_key(void **state)
{
	uint8_t priv[32], pub[32], sig[64], msg[40] = { 1, 2, 3 };
	size_t i;

	(void)state;
	keypair(priv, pub);
	assert_int_equal(xeddsa_sign(priv, msg, sizeof(msg), sig), 0);
	for (i = 0; i < sizeof(msg) * 8; i += 5) {
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_false(xeddsa_verify(pub, msg, sizeof(msg), sig));
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < 64 * 8; i += 3) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_false(xeddsa_verify(pub, msg, sizeof(msg), sig));
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	pub[5] ^= 0x10;
	assert_false(xeddsa_verify(pub, msg, sizeof(msg), sig));
}

/* Interop: a signature made by Baileys (libsignal-node) verifies here. */
static void
test_xeddsa_verifies_baileys_certificate_signature(void **state)
{
	json_t *v = testvec_load("wa-noise-handshake.json");
	uint8_t root[32], *chain;
	size_t len;
	Wa__CertChain *cc;

	(void)state;
	testvec_hex_exact(v, "keys.root.public", root, 32);
	chain = testvec_hex(v, "cert_chain", &len);
	cc = wa__cert_chain__unpack(NULL, len, chain);
	assert_non_null(cc);
	assert_non_null(cc->intermediate);
	assert_int_equal(cc->intermediate->signature.len, 64);
	assert_true(xeddsa_verify(root, cc->intermediate->details.data,
	    cc->intermediate->details.len, cc->intermediate->signature.data));
	root[0] ^= 1;
	assert_false(xeddsa_verify(root, cc->intermediate->details.data,
	    cc->intermediate->details.len, cc->intermediate->signature.data));
	wa__cert_chain__free_unpacked(cc, NULL);
	free(chain);
	json_decref(v);
}

/* X25519 clamps a private key; signing must sign for that same public key. */
static void
test_xeddsa_unclamped_private_key_signs_for_its_x25519_public_key(void **state)
{
	uint8_t priv[32], pub[32], sig[64];

	(void)state;
	memset(priv, 0xff, sizeof(priv));	/* every clamped bit set wrong */
	priv[31] = 0xbf;
	crypto_scalarmult_base(pub, priv);
	assert_int_equal(xeddsa_sign(priv, priv, 32, sig), 0);
	assert_true(xeddsa_verify(pub, priv, 32, sig));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xeddsa_signature_verifies),
		cmocka_unit_test(test_xeddsa_signs_empty_message),
		cmocka_unit_test(test_xeddsa_signatures_are_randomised),
		cmocka_unit_test(test_xeddsa_refuses_flipped_message_signature_or_key),
		cmocka_unit_test(test_xeddsa_verifies_baileys_certificate_signature),
		cmocka_unit_test(test_xeddsa_unclamped_private_key_signs_for_its_x25519_public_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
