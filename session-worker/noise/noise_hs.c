/*
 * noise_hs.c: the initiator of WhatsApp's Noise XX (protocol-notes §2).
 *
 *   -> e                       client hello, no payload and, unlike
 *                              textbook XX, nothing hashed for it (§2)
 *   <- e, ee, s, es, payload   server hello; payload is the CertChain
 *   -> s, se, payload          client finish; s is sealed with n = 1,
 *                              payload is the ClientPayload
 *
 * The phases run in that order once; a refused server hello fails the
 * object for good (its error repeats on every later call).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "noise/noise_internal.h"
#include "whatsapp.pb-c.h"

/* 32 bytes with the padding: used as h and ck directly (§2). */
#define HS_PROTOCOL_NAME "Noise_XX_25519_AESGCM_SHA256"
#define HS_SEALED_KEY_LEN (NOISE_KEY_LEN + NOISE_TAG_LEN)

const uint8_t noise_wa_prologue[NOISE_PROLOGUE_LEN] = { 'W', 'A', 6, 3 };

enum hs_phase {
	HS_START,	/* next: write_hello */
	HS_HELLO_SENT,	/* next: read_hello */
	HS_HELLO_READ,	/* next: write_finish */
	HS_FINISHED,	/* next: split */
	HS_SPLIT,	/* done; only the hash is left */
	HS_FAILED,	/* error repeats */
};

struct noise_hs {
	struct noise_symmetric ss;	/* first: its cipher wants 16-alignment */
	uint8_t		 e_priv[NOISE_KEY_LEN];
	uint8_t		 e_pub[NOISE_KEY_LEN];
	uint8_t		 s_priv[NOISE_KEY_LEN];
	uint8_t		 s_pub[NOISE_KEY_LEN];
	uint8_t		 re[NOISE_KEY_LEN];
	uint8_t		 rs[NOISE_KEY_LEN];
	uint8_t		 root[NOISE_KEY_LEN];
	uint64_t	 now;
	enum hs_phase	 phase;
	int		 error;
};

static int
hs_set_ephemeral(struct noise_hs *hs, const uint8_t priv[static NOISE_KEY_LEN])
{
	memcpy(hs->e_priv, priv, NOISE_KEY_LEN);
	if (crypto_scalarmult_base(hs->e_pub, hs->e_priv) != 0)
		return -EINVAL;
	return 0;
}

static int
hs_init(struct noise_hs *hs, const struct noise_hs_config *cfg)
{
	uint8_t e[NOISE_KEY_LEN], pub[NOISE_KEY_LEN];
	int rc;

	if (crypto_scalarmult_base(pub, cfg->static_priv) != 0 ||
	    sodium_memcmp(pub, cfg->static_pub, NOISE_KEY_LEN) != 0)
		return -EINVAL;		/* the pair does not belong together */
	memcpy(hs->s_priv, cfg->static_priv, NOISE_KEY_LEN);
	memcpy(hs->s_pub, cfg->static_pub, NOISE_KEY_LEN);
	memcpy(hs->root, cfg->root != NULL ? cfg->root : noise_wa_root_key,
	    NOISE_KEY_LEN);
	hs->now = cfg->now;
	randombytes_buf(e, sizeof(e));
	rc = hs_set_ephemeral(hs, e);
	sodium_memzero(e, sizeof(e));
	if (rc < 0)
		return rc;
	if ((rc = noise_symmetric_init(&hs->ss, HS_PROTOCOL_NAME)) < 0)
		return rc;
	/* The WA header only: ED routing bytes are never hashed (§10.2). */
	noise_symmetric_mix_hash(&hs->ss, noise_wa_prologue, NOISE_PROLOGUE_LEN);
	hs->phase = HS_START;
	return 0;
}

int
noise_hs_new(struct noise_hs **out, const struct noise_hs_config *cfg)
{
	struct noise_hs *hs;
	int rc;

	if ((hs = noise_alloc(sizeof(*hs))) == NULL)
		return -ENOMEM;
	if ((rc = hs_init(hs, cfg)) < 0) {
		noise_hs_free(hs);
		return rc;
	}
	*out = hs;
	return 0;
}

void
noise_hs_free(struct noise_hs *hs)
{
	if (hs == NULL)
		return;
	noise_symmetric_fini(&hs->ss);
	sodium_memzero(hs, sizeof(*hs));
	noise_dealloc(hs);
}

/* Wrong phase: the sticky error once failed, else a state error. */
static int
hs_expect(const struct noise_hs *hs, enum hs_phase phase)
{
	if (hs->phase == HS_FAILED)
		return hs->error;
	return hs->phase == phase ? 0 : NOISE_ERR_STATE;
}

static int
hs_fail(struct noise_hs *hs, int rc)
{
	hs->phase = HS_FAILED;
	hs->error = rc;
	sodium_memzero(hs->e_priv, NOISE_KEY_LEN);
	sodium_memzero(hs->s_priv, NOISE_KEY_LEN);
	return rc;
}

int
noise_hs_set_ephemeral(struct noise_hs *hs, const uint8_t priv[static NOISE_KEY_LEN])
{
	int rc;

	if ((rc = hs_expect(hs, HS_START)) < 0)
		return rc;
	return hs_set_ephemeral(hs, priv);
}

/* MixKey(DH(priv, pub)); an all-zero result means a low-order point. */
static int
hs_mix_dh(struct noise_hs *hs, const uint8_t *priv, const uint8_t *pub)
{
	uint8_t dh[NOISE_KEY_LEN];
	int rc;

	if (crypto_scalarmult(dh, priv, pub) != 0)
		rc = NOISE_ERR_MALFORMED;
	else
		rc = noise_symmetric_mix_key(&hs->ss, dh, sizeof(dh));
	sodium_memzero(dh, sizeof(dh));
	return rc;
}

int
noise_hs_write_hello(struct noise_hs *hs, uint8_t *out, size_t cap, size_t *outlen)
{
	Wa__HandshakeMessage msg = WA__HANDSHAKE_MESSAGE__INIT;
	Wa__HandshakeMessage__ClientHello hello =
	    WA__HANDSHAKE_MESSAGE__CLIENT_HELLO__INIT;
	size_t n;
	int rc;

	if ((rc = hs_expect(hs, HS_START)) < 0)
		return rc;
	hello.has_ephemeral = 1;
	hello.ephemeral.data = hs->e_pub;
	hello.ephemeral.len = NOISE_KEY_LEN;
	msg.clienthello = &hello;
	if ((n = wa__handshake_message__get_packed_size(&msg)) > cap)
		return -ENOBUFS;
	noise_symmetric_mix_hash(&hs->ss, hs->e_pub, NOISE_KEY_LEN);
	*outlen = wa__handshake_message__pack(&msg, out);
	hs->phase = HS_HELLO_SENT;
	return 0;
}

/* Every field present and the sizes XX gives them (§2). */
static int
hs_check_server_hello(const Wa__HandshakeMessage *m)
{
	const Wa__HandshakeMessage__ServerHello *sh = m->serverhello;

	if (sh == NULL || !sh->has_ephemeral || !sh->has_static_ ||
	    !sh->has_payload)
		return NOISE_ERR_MALFORMED;
	if (sh->ephemeral.len != NOISE_KEY_LEN ||
	    sh->static_.len != HS_SEALED_KEY_LEN ||
	    sh->payload.len < NOISE_TAG_LEN)
		return NOISE_ERR_MALFORMED;
	return 0;
}

/* e, ee, s, es, payload: everything after the protobuf is unwrapped. */
static int
hs_process_server_hello(struct noise_hs *hs,
    const Wa__HandshakeMessage__ServerHello *sh)
{
	uint8_t cert[NOISE_SERVER_HELLO_MAX];
	size_t n;
	int rc;

	memcpy(hs->re, sh->ephemeral.data, NOISE_KEY_LEN);
	noise_symmetric_mix_hash(&hs->ss, hs->re, NOISE_KEY_LEN);
	if ((rc = hs_mix_dh(hs, hs->e_priv, hs->re)) < 0)
		return rc;
	if ((rc = noise_symmetric_decrypt_and_hash(&hs->ss, sh->static_.data,
	    sh->static_.len, hs->rs, sizeof(hs->rs), &n)) < 0)
		return rc;
	if ((rc = hs_mix_dh(hs, hs->e_priv, hs->rs)) < 0)
		return rc;
	if ((rc = noise_symmetric_decrypt_and_hash(&hs->ss, sh->payload.data,
	    sh->payload.len, cert, sizeof(cert), &n)) < 0)
		return rc;
	return noise_cert_verify(cert, n, hs->root,
	    hs->now != 0 ? hs->now : (uint64_t)time(NULL), hs->rs);
}

int
noise_hs_read_hello(struct noise_hs *hs, const uint8_t *in, size_t len)
{
	Wa__HandshakeMessage *m;
	int rc;

	if ((rc = hs_expect(hs, HS_HELLO_SENT)) < 0)
		return rc;
	if (len > NOISE_SERVER_HELLO_MAX)	/* before protobuf-c allocates */
		return hs_fail(hs, NOISE_ERR_MALFORMED);
	if ((m = wa__handshake_message__unpack(NULL, len, in)) == NULL)
		return hs_fail(hs, NOISE_ERR_MALFORMED);
	rc = hs_check_server_hello(m);
	if (rc == 0)
		rc = hs_process_server_hello(hs, m->serverhello);
	wa__handshake_message__free_unpacked(m, NULL);
	if (rc < 0)
		return hs_fail(hs, rc);
	hs->phase = HS_HELLO_READ;
	return 0;
}

/* Size of the packed finish, known before anything is sealed. */
static size_t
hs_finish_size(size_t plen)
{
	Wa__HandshakeMessage msg = WA__HANDSHAKE_MESSAGE__INIT;
	Wa__HandshakeMessage__ClientFinish fin =
	    WA__HANDSHAKE_MESSAGE__CLIENT_FINISH__INIT;

	fin.has_static_ = fin.has_payload = 1;
	fin.static_.len = HS_SEALED_KEY_LEN;
	fin.payload.len = plen + NOISE_TAG_LEN;
	msg.clientfinish = &fin;
	return wa__handshake_message__get_packed_size(&msg);
}

/* s, se, payload. */
static int
hs_seal_finish(struct noise_hs *hs, const uint8_t *payload, size_t plen,
    Wa__HandshakeMessage__ClientFinish *fin)
{
	size_t n;
	int rc;

	if ((rc = noise_symmetric_encrypt_and_hash(&hs->ss, hs->s_pub,
	    NOISE_KEY_LEN, fin->static_.data, HS_SEALED_KEY_LEN, &n)) < 0)
		return rc;
	if ((rc = hs_mix_dh(hs, hs->s_priv, hs->re)) < 0)
		return rc;
	return noise_symmetric_encrypt_and_hash(&hs->ss, payload, plen,
	    fin->payload.data, plen + NOISE_TAG_LEN, &n);
}

int
noise_hs_write_finish(struct noise_hs *hs, const uint8_t *payload, size_t plen,
    uint8_t *out, size_t cap, size_t *outlen)
{
	Wa__HandshakeMessage msg = WA__HANDSHAKE_MESSAGE__INIT;
	Wa__HandshakeMessage__ClientFinish fin =
	    WA__HANDSHAKE_MESSAGE__CLIENT_FINISH__INIT;
	uint8_t sealed_s[HS_SEALED_KEY_LEN];
	uint8_t *sealed_p;
	int rc;

	if ((rc = hs_expect(hs, HS_HELLO_READ)) < 0)
		return rc;
	if (plen > NOISE_CLIENT_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (hs_finish_size(plen) > cap)
		return -ENOBUFS;
	if ((sealed_p = malloc(plen + NOISE_TAG_LEN)) == NULL)
		return -ENOMEM;
	fin.has_static_ = fin.has_payload = 1;
	fin.static_.data = sealed_s;
	fin.static_.len = sizeof(sealed_s);
	fin.payload.data = sealed_p;
	fin.payload.len = plen + NOISE_TAG_LEN;
	msg.clientfinish = &fin;
	if ((rc = hs_seal_finish(hs, payload, plen, &fin)) < 0) {
		hs_fail(hs, rc);
		goto out_free_sealed;
	}
	*outlen = wa__handshake_message__pack(&msg, out);
	sodium_memzero(hs->e_priv, NOISE_KEY_LEN);	/* no DH is left */
	sodium_memzero(hs->s_priv, NOISE_KEY_LEN);
	hs->phase = HS_FINISHED;
out_free_sealed:
	free(sealed_p);
	return rc;
}

int
noise_hs_split(struct noise_hs *hs, struct noise_cipher **send,
    struct noise_cipher **recv)
{
	int rc;

	if ((rc = hs_expect(hs, HS_FINISHED)) < 0)
		return rc;
	if ((rc = noise_symmetric_split(&hs->ss, send, recv)) < 0)
		return rc;
	noise_cipher_fini(&hs->ss.cs);
	sodium_memzero(hs->ss.ck, sizeof(hs->ss.ck));
	hs->phase = HS_SPLIT;
	return 0;
}

void
noise_hs_hash(const struct noise_hs *hs, uint8_t out[static NOISE_HASH_LEN])
{
	noise_symmetric_hash(&hs->ss, out);
}

const uint8_t *
noise_hs_peek_server_static(const struct noise_hs *hs)
{
	if (hs->phase < HS_HELLO_READ || hs->phase == HS_FAILED)
		return NULL;
	return hs->rs;
}
