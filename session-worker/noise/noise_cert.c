/*
 * noise_cert.c: the certificate chain in the server hello (protocol-notes
 * §2): root -> intermediate -> leaf, where the leaf certifies the server's
 * Noise static key. Checks follow whatsmeow's order (handshake.go), which
 * also binds the leaf key to the static key (pitfall §10 item 6), and each
 * kind of refusal has its own code.
 */
#include <string.h>

#include <sodium.h>

#include "crypto/xeddsa.h"
#include "noise/noise_internal.h"
#include "whatsapp.pb-c.h"

/* The intermediate's issuer is the root, whose serial is 0 (§2). */
#define CERT_ROOT_SERIAL 0

const uint8_t noise_wa_root_key[NOISE_KEY_LEN] = {
	0x14, 0x23, 0x75, 0x57, 0x4d, 0x0a, 0x58, 0x71,
	0x66, 0xaa, 0xe7, 0x1e, 0xbe, 0x51, 0x64, 0x37,
	0xc4, 0xa2, 0x8b, 0x73, 0xe3, 0x69, 0x5c, 0x6c,
	0xe1, 0xf7, 0xf9, 0x54, 0x5d, 0xa8, 0xee, 0x6b,
};

/* Both parts present and the signature the size XEdDSA makes. */
static bool
cert_is_complete(const Wa__CertChain__NoiseCertificate *c)
{
	return c != NULL && c->has_details && c->has_signature &&
	    c->signature.len == XEDDSA_SIG_LEN;
}

static bool
cert_is_signed_by(const Wa__CertChain__NoiseCertificate *c,
    const uint8_t key[static NOISE_KEY_LEN])
{
	return xeddsa_verify(key, c->details.data, c->details.len,
	    c->signature.data);
}

/* protoc-c makes unpack helpers for top-level messages only. */
static int
cert_details(const Wa__CertChain__NoiseCertificate *c,
    Wa__CertChain__NoiseCertificate__Details **out)
{
	Wa__CertChain__NoiseCertificate__Details *d;

	d = (Wa__CertChain__NoiseCertificate__Details *)
	    protobuf_c_message_unpack(
	    &wa__cert_chain__noise_certificate__details__descriptor, NULL,
	    c->details.len, c->details.data);
	if (d == NULL)
		return NOISE_ERR_MALFORMED;
	if (!d->has_key || d->key.len != NOISE_KEY_LEN) {
		protobuf_c_message_free_unpacked(&d->base, NULL);
		return NOISE_ERR_MALFORMED;
	}
	*out = d;
	return 0;
}

/* Absent times read as 0, as in whatsmeow: a chain without notAfter fails. */
static int
cert_check_time(const Wa__CertChain__NoiseCertificate__Details *d, uint64_t now)
{
	if (now < d->notbefore || now > d->notafter)
		return NOISE_ERR_CERT_TIME;
	return 0;
}

static int
cert_verify_chain(const Wa__CertChain *cc, const uint8_t root[static NOISE_KEY_LEN],
    uint64_t now, const uint8_t server_static[static NOISE_KEY_LEN])
{
	Wa__CertChain__NoiseCertificate__Details *inter = NULL, *leaf = NULL;
	int rc;

	if (!cert_is_complete(cc->intermediate) || !cert_is_complete(cc->leaf))
		return NOISE_ERR_MALFORMED;
	if (!cert_is_signed_by(cc->intermediate, root))
		return NOISE_ERR_CERT_SIG;
	if ((rc = cert_details(cc->intermediate, &inter)) < 0)
		return rc;
	rc = NOISE_ERR_CERT_ISSUER;
	if (inter->issuerserial != CERT_ROOT_SERIAL)
		goto out_free_inter;
	rc = NOISE_ERR_CERT_SIG;
	if (!cert_is_signed_by(cc->leaf, inter->key.data))
		goto out_free_inter;
	if ((rc = cert_check_time(inter, now)) < 0)
		goto out_free_inter;
	if ((rc = cert_details(cc->leaf, &leaf)) < 0)
		goto out_free_inter;
	if (leaf->issuerserial != inter->serial)
		rc = NOISE_ERR_CERT_ISSUER;
	else if (sodium_memcmp(leaf->key.data, server_static, NOISE_KEY_LEN) != 0)
		rc = NOISE_ERR_CERT_KEY;
	else
		rc = cert_check_time(leaf, now);
	protobuf_c_message_free_unpacked(&leaf->base, NULL);
out_free_inter:
	protobuf_c_message_free_unpacked(&inter->base, NULL);
	return rc;
}

int
noise_cert_verify(const uint8_t *chain, size_t len,
    const uint8_t root[static NOISE_KEY_LEN], uint64_t now,
    const uint8_t server_static[static NOISE_KEY_LEN])
{
	Wa__CertChain *cc;
	int rc;

	if (len > NOISE_SERVER_HELLO_MAX)	/* it came inside one */
		return NOISE_ERR_MALFORMED;
	if ((cc = wa__cert_chain__unpack(NULL, len, chain)) == NULL)
		return NOISE_ERR_MALFORMED;
	rc = cert_verify_chain(cc, root, now, server_static);
	wa__cert_chain__free_unpacked(cc, NULL);
	return rc;
}
