/*
 * test_noise_hs: the WhatsApp XX initiator against wa-noise-handshake.json
 * (byte-identical client messages, hash, transport keys, first frames)
 * with both AES-GCM backends, and every refusal: bit flips in the server
 * hello, wrong trust root, a leaf that certifies another key, validity
 * windows, issuer serials. Refusal chains are signed here with XEdDSA
 * (crypto/xeddsa.h) using the vector's root and intermediate keys, and
 * wrapped in server hellos by a small responder built on noise_symmetric.
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

#include "crypto/xeddsa.h"
#include "testvec.h"
#include "transport/frame.h"
#include "whatsapp.pb-c.h"

#define NOW_INSIDE	1800000000ULL	/* certs: 1700000000 .. 4102444800 */
#define NOT_BEFORE	1700000000ULL
#define NOT_AFTER	4102444800ULL
#define BUF_MAX		4096

struct keys {
	uint8_t	root_priv[32], root_pub[32];
	uint8_t	inter_priv[32], inter_pub[32];
	uint8_t	srv_s_priv[32], srv_s_pub[32];
	uint8_t	srv_e_priv[32], srv_e_pub[32];
	uint8_t	cli_e_priv[32], cli_e_pub[32];
	struct noise_hs_config cfg;
};

static json_t	*vec;
static struct keys k;

static int
setup(void **state)
{
	(void)state;
	vec = testvec_load("wa-noise-handshake.json");
	testvec_hex_exact(vec, "keys.root.private", k.root_priv, 32);
	testvec_hex_exact(vec, "keys.root.public", k.root_pub, 32);
	testvec_hex_exact(vec, "keys.intermediate.private", k.inter_priv, 32);
	testvec_hex_exact(vec, "keys.intermediate.public", k.inter_pub, 32);
	testvec_hex_exact(vec, "keys.server_static.private", k.srv_s_priv, 32);
	testvec_hex_exact(vec, "keys.server_static.public", k.srv_s_pub, 32);
	testvec_hex_exact(vec, "keys.server_ephemeral.private", k.srv_e_priv, 32);
	testvec_hex_exact(vec, "keys.server_ephemeral.public", k.srv_e_pub, 32);
	testvec_hex_exact(vec, "keys.client_ephemeral.private", k.cli_e_priv, 32);
	testvec_hex_exact(vec, "keys.client_ephemeral.public", k.cli_e_pub, 32);
	testvec_hex_exact(vec, "keys.client_noise_static.private",
	    k.cfg.static_priv, 32);
	testvec_hex_exact(vec, "keys.client_noise_static.public",
	    k.cfg.static_pub, 32);
	k.cfg.root = k.root_pub;
	k.cfg.now = NOW_INSIDE;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(vec);
	noise_gcm_force_openssl(false);
	return 0;
}

/* A handshake with the vector's keys, the client hello already written. */
static struct noise_hs *
hs_after_hello(const struct noise_hs_config *cfg, uint8_t *hello, size_t *hlen)
{
	struct noise_hs *hs = NULL;
	uint8_t buf[64];
	size_t n;

	assert_int_equal(noise_hs_new(&hs, cfg), 0);
	assert_int_equal(noise_hs_set_ephemeral(hs, k.cli_e_priv), 0);
	assert_int_equal(noise_hs_write_hello(hs, hello ? hello : buf,
	    sizeof(buf), hlen ? hlen : &n), 0);
	return hs;
}

/* Strips the 3-byte length of a single-frame wire string. */
static uint8_t *
wire_frame(const char *path, size_t skip, size_t *len)
{
	size_t n;
	uint8_t *w = testvec_hex(vec, path, &n);

	assert_true(n >= skip + 3);
	assert_int_equal((size_t)w[skip] << 16 | w[skip + 1] << 8 | w[skip + 2],
	    n - skip - 3);
	memmove(w, w + skip + 3, n - skip - 3);
	*len = n - skip - 3;
	return w;
}

/* ---- certificate chains and server hellos, as the server makes them */

struct certspec {
	uint32_t	 serial, issuer;
	const uint8_t	*key;		/* certified key */
	uint64_t	 not_before, not_after;
	const uint8_t	*signer;	/* private key that signs */
};

static void
cert_make(const struct certspec *cs, Wa__CertChain__NoiseCertificate *c,
    uint8_t *details, uint8_t *sig)
{
	Wa__CertChain__NoiseCertificate__Details d =
	    WA__CERT_CHAIN__NOISE_CERTIFICATE__DETAILS__INIT;
	size_t n;

	d.has_serial = d.has_issuerserial = d.has_key = 1;
	d.has_notbefore = d.has_notafter = 1;
	d.serial = cs->serial;
	d.issuerserial = cs->issuer;
	d.key.data = (uint8_t *)cs->key;
	d.key.len = 32;
	d.notbefore = cs->not_before;
	d.notafter = cs->not_after;
	n = protobuf_c_message_pack(&d.base, details);
	assert_int_equal(xeddsa_sign(cs->signer, details, n, sig), 0);
	c->has_details = c->has_signature = 1;
	c->details.data = details;
	c->details.len = n;
	c->signature.data = sig;
	c->signature.len = XEDDSA_SIG_LEN;
}

static size_t
chain_make(const struct certspec *leaf, const struct certspec *inter, uint8_t *out)
{
	Wa__CertChain cc = WA__CERT_CHAIN__INIT;
	Wa__CertChain__NoiseCertificate l = WA__CERT_CHAIN__NOISE_CERTIFICATE__INIT;
	Wa__CertChain__NoiseCertificate i = WA__CERT_CHAIN__NOISE_CERTIFICATE__INIT;
	uint8_t ld[128], ls[64], id[128], is[64];

	cert_make(leaf, &l, ld, ls);
	cert_make(inter, &i, id, is);
	cc.leaf = &l;
	cc.intermediate = &i;
	return wa__cert_chain__pack(&cc, out);
}

/* The vector's chain layout: intermediate 1 (issuer 0), leaf 2 (issuer 1). */
static void
specs_default(struct certspec *leaf, struct certspec *inter)
{
	*leaf = (struct certspec){ 2, 1, k.srv_s_pub, NOT_BEFORE, NOT_AFTER,
	    k.inter_priv };
	*inter = (struct certspec){ 1, 0, k.inter_pub, NOT_BEFORE, NOT_AFTER,
	    k.root_priv };
}

static void
mix_dh(struct noise_symmetric *ss, const uint8_t *priv, const uint8_t *pub)
{
	uint8_t dh[32];

	assert_int_equal(crypto_scalarmult(dh, priv, pub), 0);
	assert_int_equal(noise_symmetric_mix_key(ss, dh, 32), 0);
}

/* The responder's half of message 2: e, ee, s, es, payload (§2). */
static size_t
server_hello_make(const uint8_t *chain, size_t clen, uint8_t *out)
{
	Wa__HandshakeMessage m = WA__HANDSHAKE_MESSAGE__INIT;
	Wa__HandshakeMessage__ServerHello sh =
	    WA__HANDSHAKE_MESSAGE__SERVER_HELLO__INIT;
	struct noise_symmetric *ss;
	uint8_t st[48], pl[BUF_MAX];
	size_t n, pn;

	assert_int_equal(noise_symmetric_new(&ss, "Noise_XX_25519_AESGCM_SHA256"), 0);
	noise_symmetric_mix_hash(ss, noise_wa_prologue, 4);
	noise_symmetric_mix_hash(ss, k.cli_e_pub, 32);
	noise_symmetric_mix_hash(ss, k.srv_e_pub, 32);
	mix_dh(ss, k.srv_e_priv, k.cli_e_pub);
	assert_int_equal(noise_symmetric_encrypt_and_hash(ss, k.srv_s_pub, 32,
	    st, sizeof(st), &n), 0);
	mix_dh(ss, k.srv_s_priv, k.cli_e_pub);
	assert_int_equal(noise_symmetric_encrypt_and_hash(ss, chain, clen, pl,
	    sizeof(pl), &pn), 0);
	noise_symmetric_free(ss);
	sh.has_ephemeral = sh.has_static_ = sh.has_payload = 1;
	sh.ephemeral.data = k.srv_e_pub;
	sh.ephemeral.len = 32;
	sh.static_.data = st;
	sh.static_.len = n;
	sh.payload.data = pl;
	sh.payload.len = pn;
	m.serverhello = &sh;
	return wa__handshake_message__pack(&m, out);
}

/* Reads a server hello carrying chain; returns read_hello's verdict. */
static int
read_chain(const struct noise_hs_config *cfg, const uint8_t *chain, size_t clen)
{
	struct noise_hs *hs = hs_after_hello(cfg, NULL, NULL);
	uint8_t sh[BUF_MAX];
	size_t n = server_hello_make(chain, clen, sh);
	int rc = noise_hs_read_hello(hs, sh, n);

	noise_hs_free(hs);
	return rc;
}

static int
read_specs(const struct certspec *leaf, const struct certspec *inter)
{
	uint8_t chain[BUF_MAX];

	return read_chain(&k.cfg, chain, chain_make(leaf, inter, chain));
}

/* ---- the vector */

static int
collect(void *arg, const uint8_t *f, size_t len)
{
	uint8_t *out = arg;

	assert_true(len <= BUF_MAX - 2);
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	memcpy(out + 2, f, len);
	return 0;
}

static void
full_handshake(bool openssl)
{
	struct noise_hs *hs;
	struct noise_cipher *send, *recv, *ref;
	struct frame_writer *fw;
	struct frame_reader *fr;
	uint8_t buf[BUF_MAX], fbuf[BUF_MAX], got[BUF_MAX], hash[32], want_hash[32];
	uint8_t key[32], *want, *payload, *plain;
	size_t n, fn, wlen, plen;

	noise_gcm_force_openssl(openssl);
	assert_int_equal(frame_writer_new(&fw, NULL, 0), 0);
	assert_int_equal(frame_reader_new(&fr, 0), 0);
	hs = hs_after_hello(&k.cfg, buf, &n);

	/* client hello, intro included */
	assert_int_equal(frame_writer_write(fw, buf, n, fbuf, sizeof(fbuf), &fn), 0);
	want = testvec_hex(vec, "wire.client_hello", &wlen);
	assert_int_equal(fn, wlen);
	assert_memory_equal(fbuf, want, wlen);
	free(want);

	/* server hello through the reassembler */
	want = testvec_hex(vec, "wire.server_hello", &wlen);
	memset(got, 0, sizeof(got));
	assert_int_equal(frame_reader_feed(fr, want, wlen, collect, got), 0);
	assert_int_equal(noise_hs_read_hello(hs, got + 2,
	    (size_t)got[0] << 8 | got[1]), 0);
	assert_memory_equal(noise_hs_peek_server_static(hs), k.srv_s_pub, 32);
	free(want);

	/* client finish with the vector's ClientPayload */
	payload = testvec_hex(vec, "client_payload", &plen);
	assert_int_equal(noise_hs_write_finish(hs, payload, plen, buf,
	    sizeof(buf), &n), 0);
	free(payload);
	assert_int_equal(frame_writer_write(fw, buf, n, fbuf, sizeof(fbuf), &fn), 0);
	want = testvec_hex(vec, "wire.client_finish", &wlen);
	assert_int_equal(fn, wlen);
	assert_memory_equal(fbuf, want, wlen);
	free(want);

	noise_hs_hash(hs, hash);
	testvec_hex_exact(vec, "handshake_hash", want_hash, 32);
	assert_memory_equal(hash, want_hash, 32);
	assert_int_equal(noise_hs_split(hs, &send, &recv), 0);
	noise_hs_hash(hs, hash);		/* still readable after split */
	assert_memory_equal(hash, want_hash, 32);

	/* server's first transport frame */
	want = testvec_hex(vec, "transport.server_success_wire", &wlen);
	memset(got, 0, sizeof(got));
	assert_int_equal(frame_reader_feed(fr, want, wlen, collect, got), 0);
	n = (size_t)got[0] << 8 | got[1];
	assert_int_equal(noise_cipher_decrypt(recv, NULL, 0, got + 2, n, buf,
	    sizeof(buf), &n), 0);
	plain = testvec_hex(vec, "transport.server_success_plaintext", &plen);
	assert_int_equal(n, plen);
	assert_memory_equal(buf, plain, plen);
	free(plain);
	free(want);

	/* our first transport frame, and the send key itself */
	plain = testvec_hex(vec, "transport.client_ping_plaintext", &plen);
	want = testvec_hex(vec, "transport.client_ping_wire", &wlen);
	assert_int_equal(frame_writer_prefix(fw, plen + NOISE_TAG_LEN, fbuf,
	    sizeof(fbuf), &fn), 0);
	assert_int_equal(noise_cipher_encrypt(send, NULL, 0, plain, plen,
	    fbuf + fn, sizeof(fbuf) - fn, &n), 0);
	assert_int_equal(fn + n, wlen);
	assert_memory_equal(fbuf, want, wlen);
	testvec_hex_exact(vec, "transport.client_send_key", key, 32);
	assert_int_equal(noise_cipher_new(&ref, key), 0);
	assert_int_equal(noise_cipher_encrypt(ref, NULL, 0, plain, plen, buf,
	    sizeof(buf), &n), 0);
	assert_memory_equal(buf, want + 3, n);
	noise_cipher_free(ref);
	free(plain);
	free(want);
	testvec_hex_exact(vec, "transport.client_receive_key", key, 32);
	assert_int_equal(noise_cipher_new(&ref, key), 0);
	want = testvec_hex(vec, "transport.server_success_wire", &wlen);
	assert_int_equal(noise_cipher_decrypt(ref, NULL, 0, want + 3, wlen - 3,
	    buf, sizeof(buf), &n), 0);
	noise_cipher_free(ref);
	free(want);

	noise_cipher_free(send);
	noise_cipher_free(recv);
	noise_hs_free(hs);
	frame_writer_free(fw);
	frame_reader_free(fr);
	noise_gcm_force_openssl(false);
}

static void
test_noise_hs_reproduces_wa_vector_with_libsodium(void **state)
{
	(void)state;
	full_handshake(false);
}

static void
test_noise_hs_reproduces_wa_vector_with_openssl(void **state)
{
	(void)state;
	full_handshake(true);
}

/* Our test responder is right: it rebuilds the vector's server hello. */
static void
test_noise_hs_test_responder_rebuilds_vector_server_hello(void **state)
{
	uint8_t *chain, sh[BUF_MAX], *want;
	size_t clen, n, wlen;

	(void)state;
	chain = testvec_hex(vec, "cert_chain", &clen);
	n = server_hello_make(chain, clen, sh);
	want = wire_frame("wire.server_hello", 0, &wlen);
	assert_int_equal(n, wlen);
	assert_memory_equal(sh, want, wlen);
	free(want);
	free(chain);
}

/* The ED intro carries routing bytes that are never hashed (§10.2). */
static void
test_noise_hs_ed_intro_leaves_handshake_unchanged(void **state)
{
	static const uint8_t routing[] = { 0x08, 0x02, 0x08, 0x05, 0x10, 0x01 };
	struct frame_writer *fw;
	struct noise_hs *hs;
	uint8_t buf[BUF_MAX], fbuf[BUF_MAX], *want;
	size_t n, fn, wlen;

	(void)state;
	assert_int_equal(frame_writer_new(&fw, routing, sizeof(routing)), 0);
	hs = hs_after_hello(&k.cfg, buf, &n);
	assert_int_equal(frame_writer_write(fw, buf, n, fbuf, sizeof(fbuf), &fn), 0);
	want = testvec_hex(vec, "wire.client_hello", &wlen);
	assert_int_equal(fn, wlen + 7 + sizeof(routing));
	assert_memory_equal(fbuf, "ED\x00\x01\x00\x00\x06", 7);
	assert_memory_equal(fbuf + 7, routing, sizeof(routing));
	assert_memory_equal(fbuf + 7 + sizeof(routing), want, wlen);
	free(want);
	want = wire_frame("wire.server_hello", 0, &wlen);
	assert_int_equal(noise_hs_read_hello(hs, want, wlen), 0);
	free(want);
	noise_hs_free(hs);
	frame_writer_free(fw);
}

static void
test_noise_hs_draws_a_fresh_ephemeral_each_time(void **state)
{
	struct noise_hs *a, *b;
	uint8_t ha[64], hb[64];
	size_t na, nb;

	(void)state;
	assert_int_equal(noise_hs_new(&a, &k.cfg), 0);
	assert_int_equal(noise_hs_new(&b, &k.cfg), 0);
	assert_int_equal(noise_hs_write_hello(a, ha, sizeof(ha), &na), 0);
	assert_int_equal(noise_hs_write_hello(b, hb, sizeof(hb), &nb), 0);
	assert_int_equal(na, NOISE_CLIENT_HELLO_LEN);
	assert_int_equal(na, nb);
	assert_memory_not_equal(ha, hb, na);
	noise_hs_free(a);
	noise_hs_free(b);
}

/* ---- refusals */

static void
test_noise_hs_refuses_every_single_bit_flip_in_server_hello(void **state)
{
	uint8_t *sh;
	size_t len, bit;
	struct noise_hs *hs;
	int rc;

	(void)state;
	sh = wire_frame("wire.server_hello", 0, &len);
	for (bit = 0; bit < len * 8; bit++) {
		hs = hs_after_hello(&k.cfg, NULL, NULL);
		sh[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		rc = noise_hs_read_hello(hs, sh, len);
		sh[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (rc != NOISE_ERR_MALFORMED && rc != NOISE_ERR_AEAD)
			fail_msg("bit %zu: rc %d", bit, rc);
		noise_hs_free(hs);
	}
	hs = hs_after_hello(&k.cfg, NULL, NULL);
	assert_int_equal(noise_hs_read_hello(hs, sh, len), 0);	/* unflipped */
	noise_hs_free(hs);
	free(sh);
}

static void
test_noise_hs_refuses_truncated_and_oversized_server_hello(void **state)
{
	uint8_t *sh, big[NOISE_SERVER_HELLO_MAX + 1];
	size_t len, cut;
	struct noise_hs *hs;

	(void)state;
	sh = wire_frame("wire.server_hello", 0, &len);
	for (cut = 0; cut < len; cut += 7) {
		hs = hs_after_hello(&k.cfg, NULL, NULL);
		assert_int_equal(noise_hs_read_hello(hs, sh, cut),
		    NOISE_ERR_MALFORMED);
		noise_hs_free(hs);
	}
	memset(big, 0, sizeof(big));
	memcpy(big, sh, len);
	hs = hs_after_hello(&k.cfg, NULL, NULL);
	assert_int_equal(noise_hs_read_hello(hs, big, sizeof(big)),
	    NOISE_ERR_MALFORMED);
	noise_hs_free(hs);
	free(sh);
}

static void
test_noise_hs_refuses_wrong_trust_root(void **state)
{
	struct noise_hs_config cfg = k.cfg;
	uint8_t *sh;
	size_t len;
	struct noise_hs *hs;

	(void)state;
	sh = wire_frame("wire.server_hello", 0, &len);
	cfg.root = k.inter_pub;
	hs = hs_after_hello(&cfg, NULL, NULL);
	assert_int_equal(noise_hs_read_hello(hs, sh, len), NOISE_ERR_CERT_SIG);
	noise_hs_free(hs);
	cfg.root = NULL;			/* WhatsApp's real root */
	hs = hs_after_hello(&cfg, NULL, NULL);
	assert_int_equal(noise_hs_read_hello(hs, sh, len), NOISE_ERR_CERT_SIG);
	noise_hs_free(hs);
	free(sh);
}

static void
test_noise_hs_refuses_leaf_key_other_than_server_static(void **state)
{
	struct certspec leaf, inter;

	(void)state;
	specs_default(&leaf, &inter);
	assert_int_equal(read_specs(&leaf, &inter), 0);	/* the control */
	leaf.key = k.srv_e_pub;		/* validly signed, wrong key */
	assert_int_equal(read_specs(&leaf, &inter), NOISE_ERR_CERT_KEY);
}

static void
test_noise_hs_refuses_expired_and_not_yet_valid_chain(void **state)
{
	struct noise_hs_config cfg = k.cfg;
	uint8_t *chain;
	size_t clen;

	(void)state;
	chain = testvec_hex(vec, "cert_chain", &clen);
	cfg.now = NOT_AFTER;
	assert_int_equal(read_chain(&cfg, chain, clen), 0);
	cfg.now = NOT_AFTER + 1;
	assert_int_equal(read_chain(&cfg, chain, clen), NOISE_ERR_CERT_TIME);
	cfg.now = NOT_BEFORE;
	assert_int_equal(read_chain(&cfg, chain, clen), 0);
	cfg.now = NOT_BEFORE - 1;
	assert_int_equal(read_chain(&cfg, chain, clen), NOISE_ERR_CERT_TIME);
	free(chain);
}

static void
test_noise_hs_refuses_expired_leaf_or_intermediate_alone(void **state)
{
	struct certspec leaf, inter;

	(void)state;
	specs_default(&leaf, &inter);
	leaf.not_after = NOW_INSIDE - 1;
	assert_int_equal(read_specs(&leaf, &inter), NOISE_ERR_CERT_TIME);
	specs_default(&leaf, &inter);
	inter.not_after = NOW_INSIDE - 1;
	assert_int_equal(read_specs(&leaf, &inter), NOISE_ERR_CERT_TIME);
	specs_default(&leaf, &inter);
	inter.not_before = NOW_INSIDE + 1;
	assert_int_equal(read_specs(&leaf, &inter), NOISE_ERR_CERT_TIME);
}

static void
test_noise_hs_refuses_intermediate_issuer_serial_not_zero(void **state)
{
	struct certspec leaf, inter;

	(void)state;
	specs_default(&leaf, &inter);
	inter.issuer = 1;
	assert_int_equal(read_specs(&leaf, &inter), NOISE_ERR_CERT_ISSUER);
}

static void
test_noise_hs_refuses_leaf_issuer_serial_not_intermediate_serial(void **state)
{
	struct certspec leaf, inter;

	(void)state;
	specs_default(&leaf, &inter);
	leaf.issuer = 7;
	assert_int_equal(read_specs(&leaf, &inter), NOISE_ERR_CERT_ISSUER);
	specs_default(&leaf, &inter);
	inter.serial = 9;		/* leaf still names 1 */
	assert_int_equal(read_specs(&leaf, &inter), NOISE_ERR_CERT_ISSUER);
	leaf.issuer = 9;
	assert_int_equal(read_specs(&leaf, &inter), 0);
}

static void
test_noise_hs_refuses_leaf_signed_by_other_key(void **state)
{
	struct certspec leaf, inter;

	(void)state;
	specs_default(&leaf, &inter);
	leaf.signer = k.root_priv;	/* skips the intermediate */
	assert_int_equal(read_specs(&leaf, &inter), NOISE_ERR_CERT_SIG);
}

static void
test_noise_cert_refuses_missing_parts_and_garbage(void **state)
{
	Wa__CertChain cc = WA__CERT_CHAIN__INIT;
	Wa__CertChain__NoiseCertificate l = WA__CERT_CHAIN__NOISE_CERTIFICATE__INIT;
	Wa__CertChain__NoiseCertificate i = WA__CERT_CHAIN__NOISE_CERTIFICATE__INIT;
	struct certspec leaf, inter;
	uint8_t ld[128], ls[64], id[128], is[64], out[BUF_MAX];
	size_t n;

	(void)state;
	specs_default(&leaf, &inter);
	cert_make(&leaf, &l, ld, ls);
	cert_make(&inter, &i, id, is);
	cc.leaf = &l;
	n = wa__cert_chain__pack(&cc, out);	/* no intermediate */
	assert_int_equal(noise_cert_verify(out, n, k.root_pub, NOW_INSIDE,
	    k.srv_s_pub), NOISE_ERR_MALFORMED);
	cc.intermediate = &i;
	i.signature.len = 63;
	n = wa__cert_chain__pack(&cc, out);
	assert_int_equal(noise_cert_verify(out, n, k.root_pub, NOW_INSIDE,
	    k.srv_s_pub), NOISE_ERR_MALFORMED);
	i.signature.len = 64;
	n = wa__cert_chain__pack(&cc, out);
	assert_int_equal(noise_cert_verify(out, n, k.root_pub, NOW_INSIDE,
	    k.srv_s_pub), 0);
	memset(out, 0xff, 40);
	assert_int_equal(noise_cert_verify(out, 40, k.root_pub, NOW_INSIDE,
	    k.srv_s_pub), NOISE_ERR_MALFORMED);
	assert_int_equal(noise_cert_verify(out, 0, k.root_pub, NOW_INSIDE,
	    k.srv_s_pub), NOISE_ERR_MALFORMED);
}

/* ---- phases */

static void
test_noise_hs_failure_is_sticky(void **state)
{
	struct noise_hs *hs = hs_after_hello(&k.cfg, NULL, NULL);
	struct noise_cipher *a, *b;
	uint8_t *sh, out[BUF_MAX];
	size_t len, n;

	(void)state;
	sh = wire_frame("wire.server_hello", 0, &len);
	sh[len - 1] ^= 1;
	assert_int_equal(noise_hs_read_hello(hs, sh, len), NOISE_ERR_AEAD);
	sh[len - 1] ^= 1;
	assert_int_equal(noise_hs_read_hello(hs, sh, len), NOISE_ERR_AEAD);
	assert_int_equal(noise_hs_write_finish(hs, out, 1, out, sizeof(out), &n),
	    NOISE_ERR_AEAD);
	assert_int_equal(noise_hs_split(hs, &a, &b), NOISE_ERR_AEAD);
	assert_null(noise_hs_peek_server_static(hs));
	noise_hs_free(hs);
	free(sh);
}

static void
test_noise_hs_refuses_calls_out_of_order(void **state)
{
	struct noise_hs *hs;
	struct noise_cipher *a, *b;
	uint8_t out[BUF_MAX], *sh;
	size_t n, len;

	(void)state;
	assert_int_equal(noise_hs_new(&hs, &k.cfg), 0);
	assert_int_equal(noise_hs_read_hello(hs, out, 10), NOISE_ERR_STATE);
	assert_int_equal(noise_hs_write_finish(hs, out, 1, out, sizeof(out), &n),
	    NOISE_ERR_STATE);
	assert_int_equal(noise_hs_split(hs, &a, &b), NOISE_ERR_STATE);
	assert_int_equal(noise_hs_write_hello(hs, out, sizeof(out), &n), 0);
	assert_int_equal(noise_hs_set_ephemeral(hs, k.cli_e_priv), NOISE_ERR_STATE);
	assert_int_equal(noise_hs_write_hello(hs, out, sizeof(out), &n),
	    NOISE_ERR_STATE);
	noise_hs_free(hs);

	hs = hs_after_hello(&k.cfg, NULL, NULL);
	sh = wire_frame("wire.server_hello", 0, &len);
	assert_int_equal(noise_hs_read_hello(hs, sh, len), 0);
	assert_int_equal(noise_hs_read_hello(hs, sh, len), NOISE_ERR_STATE);
	assert_int_equal(noise_hs_split(hs, &a, &b), NOISE_ERR_STATE);
	noise_hs_free(hs);
	free(sh);
}

static void
test_noise_hs_refuses_static_pair_that_does_not_match(void **state)
{
	struct noise_hs_config cfg = k.cfg;
	struct noise_hs *hs = NULL;

	(void)state;
	cfg.static_pub[0] ^= 1;
	assert_int_equal(noise_hs_new(&hs, &cfg), -EINVAL);
	assert_null(hs);
}

static void
test_noise_hs_finish_limits_payload_and_output(void **state)
{
	struct noise_hs *hs = hs_after_hello(&k.cfg, NULL, NULL);
	static uint8_t payload[NOISE_CLIENT_PAYLOAD_MAX + 1];
	static uint8_t out[NOISE_CLIENT_FINISH_MAX];
	uint8_t *sh;
	size_t len, n;

	(void)state;
	sh = wire_frame("wire.server_hello", 0, &len);
	assert_int_equal(noise_hs_read_hello(hs, sh, len), 0);
	assert_int_equal(noise_hs_write_finish(hs, payload, sizeof(payload),
	    out, sizeof(out), &n), -EMSGSIZE);
	assert_int_equal(noise_hs_write_finish(hs, payload, 100, out, 100, &n),
	    -ENOBUFS);
	/* neither consumed the phase: the maximum still goes through */
	assert_int_equal(noise_hs_write_finish(hs, payload,
	    NOISE_CLIENT_PAYLOAD_MAX, out, sizeof(out), &n), 0);
	noise_hs_free(hs);
	free(sh);
}

static void
test_noise_hs_refuses_low_order_server_ephemeral(void **state)
{
	struct noise_hs *hs = hs_after_hello(&k.cfg, NULL, NULL);
	uint8_t *sh;
	size_t len;

	(void)state;
	sh = wire_frame("wire.server_hello", 0, &len);
	assert_memory_equal(sh + 5, k.srv_e_pub, 32);	/* 1a d7 02 0a 20 */
	memset(sh + 5, 0, 32);			/* the identity: DH gives zero */
	assert_int_equal(noise_hs_read_hello(hs, sh, len), NOISE_ERR_MALFORMED);
	noise_hs_free(hs);
	free(sh);
}

static void
test_noise_hs_uses_wall_clock_when_now_is_zero(void **state)
{
	struct noise_hs_config cfg = k.cfg;
	uint8_t *chain;
	size_t clen;

	(void)state;
	chain = testvec_hex(vec, "cert_chain", &clen);
	cfg.now = 0;			/* the vector's chain runs to 2100 */
	assert_int_equal(read_chain(&cfg, chain, clen), 0);
	free(chain);
}

static void
test_noise_default_root_is_whatsapps(void **state)
{
	static const char hex[] =
	    "142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b";
	uint8_t want[32];
	size_t n;

	(void)state;
	assert_int_equal(sodium_hex2bin(want, sizeof(want), hex, sizeof(hex) - 1,
	    NULL, &n, NULL), 0);
	assert_int_equal(n, 32);
	assert_memory_equal(noise_wa_root_key, want, 32);
	assert_memory_equal(noise_wa_prologue, "WA\x06\x03", 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noise_hs_reproduces_wa_vector_with_libsodium),
		cmocka_unit_test(test_noise_hs_reproduces_wa_vector_with_openssl),
		cmocka_unit_test(test_noise_hs_test_responder_rebuilds_vector_server_hello),
		cmocka_unit_test(test_noise_hs_ed_intro_leaves_handshake_unchanged),
		cmocka_unit_test(test_noise_hs_draws_a_fresh_ephemeral_each_time),
		cmocka_unit_test(test_noise_hs_refuses_every_single_bit_flip_in_server_hello),
		cmocka_unit_test(test_noise_hs_refuses_truncated_and_oversized_server_hello),
		cmocka_unit_test(test_noise_hs_refuses_wrong_trust_root),
		cmocka_unit_test(test_noise_hs_refuses_leaf_key_other_than_server_static),
		cmocka_unit_test(test_noise_hs_refuses_expired_and_not_yet_valid_chain),
		cmocka_unit_test(test_noise_hs_refuses_expired_leaf_or_intermediate_alone),
		cmocka_unit_test(test_noise_hs_refuses_intermediate_issuer_serial_not_zero),
		cmocka_unit_test(test_noise_hs_refuses_leaf_issuer_serial_not_intermediate_serial),
		cmocka_unit_test(test_noise_hs_refuses_leaf_signed_by_other_key),
		cmocka_unit_test(test_noise_cert_refuses_missing_parts_and_garbage),
		cmocka_unit_test(test_noise_hs_failure_is_sticky),
		cmocka_unit_test(test_noise_hs_refuses_calls_out_of_order),
		cmocka_unit_test(test_noise_hs_refuses_static_pair_that_does_not_match),
		cmocka_unit_test(test_noise_hs_finish_limits_payload_and_output),
		cmocka_unit_test(test_noise_hs_refuses_low_order_server_ephemeral),
		cmocka_unit_test(test_noise_hs_uses_wall_clock_when_now_is_zero),
		cmocka_unit_test(test_noise_default_root_is_whatsapps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
