/*
 * test_proto: our minimal WhatsApp .proto files carry WhatsApp's field
 * numbers. Bytes made by Baileys 7 (from WAProto.proto) must decode to the
 * values the vector says they hold, and re-encode byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "whatsapp.pb-c.h"
#include "testvec.h"

static void
test_client_payload_from_baileys_decodes_and_reencodes(void **state)
{
	json_t *v = testvec_load("wa-noise-handshake.json");
	size_t len;
	uint8_t *in = testvec_hex(v, "client_payload", &len), *out;
	Wa__ClientPayload *cp;

	(void)state;
	cp = wa__client_payload__unpack(NULL, len, in);
	assert_non_null(cp);
	assert_true(cp->has_username);
	assert_int_equal(cp->username, 15550001111ULL);
	assert_int_equal(cp->device, 7);
	assert_true(cp->has_passive && cp->passive);
	assert_true(cp->has_pull && cp->pull);
	assert_non_null(cp->useragent);
	assert_int_equal(cp->useragent->platform,
	    WA__CLIENT_PAYLOAD__USER_AGENT__PLATFORM__WEB);
	assert_non_null(cp->useragent->appversion);
	assert_int_equal(cp->useragent->appversion->primary, 2);
	assert_int_equal(cp->useragent->appversion->secondary, 3000);
	assert_int_equal(cp->useragent->appversion->tertiary, 1043857760);
	assert_int_equal(cp->connecttype,
	    WA__CLIENT_PAYLOAD__CONNECT_TYPE__WIFI_UNKNOWN);
	assert_int_equal(cp->connectreason,
	    WA__CLIENT_PAYLOAD__CONNECT_REASON__USER_ACTIVATED);

	out = malloc(wa__client_payload__get_packed_size(cp));
	assert_non_null(out);
	assert_int_equal(wa__client_payload__pack(cp, out), len);
	assert_memory_equal(out, in, len);

	free(out);
	wa__client_payload__free_unpacked(cp, NULL);
	free(in);
	json_decref(v);
}

/* protoc-c makes unpack functions for top-level messages only. */
static Wa__CertChain__NoiseCertificate__Details *
details_unpack(const ProtobufCBinaryData *b)
{
	return (Wa__CertChain__NoiseCertificate__Details *)protobuf_c_message_unpack(
	    &wa__cert_chain__noise_certificate__details__descriptor, NULL,
	    b->len, b->data);
}

static void
test_cert_chain_from_vector_decodes_details(void **state)
{
	json_t *v = testvec_load("wa-noise-handshake.json");
	size_t len;
	uint8_t *in = testvec_hex(v, "cert_chain", &len);
	uint8_t server_static[32];
	Wa__CertChain *cc;
	Wa__CertChain__NoiseCertificate__Details *leaf, *inter;

	(void)state;
	testvec_hex_exact(v, "keys.server_static.public", server_static, 32);
	cc = wa__cert_chain__unpack(NULL, len, in);
	assert_non_null(cc);
	assert_non_null(cc->leaf);
	assert_non_null(cc->intermediate);
	assert_int_equal(cc->leaf->signature.len, 64);
	leaf = details_unpack(&cc->leaf->details);
	inter = details_unpack(&cc->intermediate->details);
	assert_non_null(leaf);
	assert_non_null(inter);
	assert_int_equal(leaf->issuerserial, inter->serial);
	assert_int_equal(inter->issuerserial, 0);
	assert_int_equal(leaf->key.len, 32);
	assert_memory_equal(leaf->key.data, server_static, 32);
	assert_true(leaf->notbefore < leaf->notafter);

	protobuf_c_message_free_unpacked(&leaf->base, NULL);
	protobuf_c_message_free_unpacked(&inter->base, NULL);
	wa__cert_chain__free_unpacked(cc, NULL);
	free(in);
	json_decref(v);
}

/*
 * libsignal-protocol-c exports a bundled protobuf-c 1.1.1; the build links
 * libprotobuf-c first so its 1.4 serves every call (see session-worker/
 * CMakeLists.txt). This binary links the worker library like wa-worker,
 * so it resolves protobuf_c_* the way wa-worker does.
 */
static void
test_protobuf_c_is_the_system_library(void **state)
{
	(void)state;
	assert_true(protobuf_c_version_number() >= 1004000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_payload_from_baileys_decodes_and_reencodes),
		cmocka_unit_test(test_cert_chain_from_vector_decodes_details),
		cmocka_unit_test(test_protobuf_c_is_the_system_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
