/*
 * test_noise_vectors: the published Noise_XX and Noise_NN vectors for
 * 25519/AESGCM/SHA256 (cacophony) replayed through our SymmetricState and
 * CipherState, with both AES-GCM backends. These vectors are textbook
 * Noise (the empty-key first payload is hashed), so a small generic
 * driver here plays both parties token by token (protocol-notes §2); the
 * WhatsApp deviation is tested against wa-noise-handshake.json instead.
 */
#include "noise/noise.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>

#include "testvec.h"

#define MSG_MAX 512

struct party {
	struct noise_symmetric	*ss;
	uint8_t			 s_priv[32], s_pub[32];
	uint8_t			 e_priv[32], e_pub[32];
	uint8_t			 rs[32], re[32];
	struct noise_cipher	*send, *recv;
};

struct msgbuf {
	uint8_t	 b[MSG_MAX];
	size_t	 len;		/* written */
	size_t	 off;		/* read */
};

static void
party_init(struct party *p, json_t *v, const char *role, bool has_static)
{
	char path[64];
	size_t plen;
	uint8_t *prologue;

	memset(p, 0, sizeof(*p));
	assert_int_equal(noise_symmetric_new(&p->ss,
	    testvec_str(v, "protocol_name")), 0);
	snprintf(path, sizeof(path), "%s_prologue", role);
	prologue = testvec_hex(v, path, &plen);
	noise_symmetric_mix_hash(p->ss, prologue, plen);
	free(prologue);
	snprintf(path, sizeof(path), "%s_ephemeral", role);
	testvec_hex_exact(v, path, p->e_priv, 32);
	crypto_scalarmult_base(p->e_pub, p->e_priv);
	if (has_static) {
		snprintf(path, sizeof(path), "%s_static", role);
		testvec_hex_exact(v, path, p->s_priv, 32);
		crypto_scalarmult_base(p->s_pub, p->s_priv);
	}
}

static void
party_fini(struct party *p)
{
	noise_symmetric_free(p->ss);
	noise_cipher_free(p->send);
	noise_cipher_free(p->recv);
}

static void
mix_dh(struct party *p, const uint8_t *priv, const uint8_t *pub)
{
	uint8_t dh[32];

	assert_int_equal(crypto_scalarmult(dh, priv, pub), 0);
	assert_int_equal(noise_symmetric_mix_key(p->ss, dh, sizeof(dh)), 0);
}

/*
 * One token, written by w into m and read by r from it. "ee" etc. are
 * DH(first letter's key of the initiator, second's of the responder);
 * init says whether w is the initiator.
 */
static void
token(const char *t, struct party *w, struct party *r, bool init, struct msgbuf *m)
{
	struct party *i = init ? w : r, *resp = init ? r : w;
	size_t n;

	if (strcmp(t, "e") == 0) {
		memcpy(m->b + m->len, w->e_pub, 32);
		m->len += 32;
		noise_symmetric_mix_hash(w->ss, w->e_pub, 32);
		memcpy(r->re, m->b + m->off, 32);
		m->off += 32;
		noise_symmetric_mix_hash(r->ss, r->re, 32);
	} else if (strcmp(t, "s") == 0) {
		assert_int_equal(noise_symmetric_encrypt_and_hash(w->ss, w->s_pub,
		    32, m->b + m->len, MSG_MAX - m->len, &n), 0);
		m->len += n;
		assert_int_equal(noise_symmetric_decrypt_and_hash(r->ss,
		    m->b + m->off, n, r->rs, 32, &n), 0);
		m->off = m->len;
	} else if (strcmp(t, "ee") == 0) {
		mix_dh(i, i->e_priv, i->re);
		mix_dh(resp, resp->e_priv, resp->re);
	} else if (strcmp(t, "es") == 0) {
		mix_dh(i, i->e_priv, i->rs);
		mix_dh(resp, resp->s_priv, resp->re);
	} else if (strcmp(t, "se") == 0) {
		mix_dh(i, i->s_priv, i->re);
		mix_dh(resp, resp->e_priv, resp->rs);
	} else {
		fail_msg("unknown token %s", t);
	}
}

/* Replays every message of one vector; patterns as in the Noise spec. */
static void
replay(json_t *v, const char *const *pattern[], size_t nhs, bool statics)
{
	struct party in, re;
	struct msgbuf m;
	uint8_t hash_i[32], hash_r[32], want_hash[32], pt[MSG_MAX];
	json_t *msgs = json_object_get(v, "messages");
	size_t k, j, n, plen, clen;
	char path[64];

	party_init(&in, v, "init", statics);
	party_init(&re, v, "resp", statics);
	for (k = 0; k < json_array_size(msgs); k++) {
		bool init = k % 2 == 0;
		struct party *w = init ? &in : &re, *r = init ? &re : &in;
		uint8_t *payload, *want;

		snprintf(path, sizeof(path), "messages.%zu.payload", k);
		payload = testvec_hex(v, path, &plen);
		snprintf(path, sizeof(path), "messages.%zu.ciphertext", k);
		want = testvec_hex(v, path, &clen);
		memset(&m, 0, sizeof(m));
		if (k < nhs) {
			for (j = 0; pattern[k][j] != NULL; j++)
				token(pattern[k][j], w, r, init, &m);
			assert_int_equal(noise_symmetric_encrypt_and_hash(w->ss,
			    payload, plen, m.b + m.len, MSG_MAX - m.len, &n), 0);
			m.len += n;
			assert_int_equal(noise_symmetric_decrypt_and_hash(r->ss,
			    m.b + m.off, m.len - m.off, pt, sizeof(pt), &n), 0);
		} else {
			if (k == nhs) {
				assert_int_equal(noise_symmetric_split(in.ss,
				    &in.send, &in.recv), 0);
				assert_int_equal(noise_symmetric_split(re.ss,
				    &re.recv, &re.send), 0);
			}
			assert_int_equal(noise_cipher_encrypt(w->send, NULL, 0,
			    payload, plen, m.b, MSG_MAX, &m.len), 0);
			assert_int_equal(noise_cipher_decrypt(r->recv, NULL, 0,
			    m.b, m.len, pt, sizeof(pt), &n), 0);
		}
		assert_int_equal(m.len, clen);
		assert_memory_equal(m.b, want, clen);
		assert_int_equal(n, plen);
		assert_memory_equal(pt, payload, plen);
		free(payload);
		free(want);
	}
	noise_symmetric_hash(in.ss, hash_i);
	noise_symmetric_hash(re.ss, hash_r);
	testvec_hex_exact(v, "handshake_hash", want_hash, 32);
	assert_memory_equal(hash_i, want_hash, 32);
	assert_memory_equal(hash_r, want_hash, 32);
	party_fini(&in);
	party_fini(&re);
}

static const char *const xx0[] = { "e", NULL };
static const char *const xx1[] = { "e", "ee", "s", "es", NULL };
static const char *const xx2[] = { "s", "se", NULL };
static const char *const *const xx[] = { xx0, xx1, xx2 };
static const char *const nn1[] = { "e", "ee", NULL };
static const char *const *const nn[] = { xx0, nn1 };

static json_t *
vector(const char *name)
{
	json_t *all = testvec_load("noise-25519-aesgcm-sha256.json");
	json_t *vs = json_object_get(all, "vectors"), *v;
	size_t i;

	json_array_foreach(vs, i, v) {
		if (strcmp(json_string_value(json_object_get(v,
		    "protocol_name")), name) == 0) {
			json_incref(v);
			json_decref(all);
			return v;
		}
	}
	fail_msg("no vector %s", name);
	return NULL;
}

static void
run(const char *name, const char *const **pattern, size_t nhs, bool statics,
    bool openssl)
{
	json_t *v = vector(name);

	noise_gcm_force_openssl(openssl);
	replay(v, (const char *const **)pattern, nhs, statics);
	noise_gcm_force_openssl(false);
	json_decref(v);
}

static void
test_noise_vector_xx_matches_with_libsodium(void **state)
{
	(void)state;
	run("Noise_XX_25519_AESGCM_SHA256", (const char *const **)xx, 3, true, false);
}

static void
test_noise_vector_xx_matches_with_openssl(void **state)
{
	(void)state;
	run("Noise_XX_25519_AESGCM_SHA256", (const char *const **)xx, 3, true, true);
}

static void
test_noise_vector_nn_matches_with_libsodium(void **state)
{
	(void)state;
	run("Noise_NN_25519_AESGCM_SHA256", (const char *const **)nn, 2, false, false);
}

static void
test_noise_vector_nn_matches_with_openssl(void **state)
{
	(void)state;
	run("Noise_NN_25519_AESGCM_SHA256", (const char *const **)nn, 2, false, true);
}

/* A name over 32 bytes is hashed (Noise spec §5.2): h = SHA-256(name). */
static void
test_noise_symmetric_hashes_names_longer_than_32_bytes(void **state)
{
	const char *name = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2s";
	struct noise_symmetric *ss;
	uint8_t h[32], want[32];

	(void)state;
	assert_int_equal(noise_symmetric_new(&ss, name), 0);
	noise_symmetric_hash(ss, h);
	crypto_hash_sha256(want, (const uint8_t *)name, strlen(name));
	assert_memory_equal(h, want, 32);
	noise_symmetric_free(ss);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noise_vector_xx_matches_with_libsodium),
		cmocka_unit_test(test_noise_vector_xx_matches_with_openssl),
		cmocka_unit_test(test_noise_vector_nn_matches_with_libsodium),
		cmocka_unit_test(test_noise_vector_nn_matches_with_openssl),
		cmocka_unit_test(test_noise_symmetric_hashes_names_longer_than_32_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
