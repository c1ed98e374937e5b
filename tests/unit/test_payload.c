/*
 * test_payload: our login ClientPayload is byte for byte what Baileys 7
 * sends (tests/vectors/wa-noise-handshake.json, client_payload) once
 * the two fields whatsmeow sets differently are set its way
 * (lidDbMigrated true, lc 1: store/clientpayload.go getLoginPayload), and
 * a registration carries the pairing fields in WhatsApp's encodings.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "whatsapp.pb-c.h"
#include "link/payload.h"
#include "testvec.h"

static void
test_login_payload_is_baileys_bytes_with_whatsmeow_lid_fields(void **state)
{
	json_t *v = testvec_load("wa-noise-handshake.json");
	struct wa_version ver;
	struct wa_login l = { .username = 15550001111ULL, .device = 7 };
	uint8_t *want, *got;
	size_t want_len, got_len;

	(void)state;
	want = testvec_hex(v, "client_payload", &want_len);
	assert_int_equal(wa_version_parse(WA_VERSION_DEFAULT, &ver), 0);
	assert_int_equal(wa_payload_login(&ver, &l, &got, &got_len), 0);
	{
		Wa__ClientPayload *b = wa__client_payload__unpack(NULL, want_len, want);
		uint8_t *exp;
		size_t exp_len;

		assert_non_null(b);
		assert_true(b->has_liddbmigrated && !b->liddbmigrated);
		assert_false(b->has_lc);
		b->liddbmigrated = true;
		b->has_lc = true;
		b->lc = 1;
		exp_len = wa__client_payload__get_packed_size(b);
		exp = malloc(exp_len);
		assert_non_null(exp);
		wa__client_payload__pack(b, exp);
		assert_int_equal(got_len, exp_len);
		assert_memory_equal(got, exp, exp_len);
		free(exp);
		wa__client_payload__free_unpacked(b, NULL);
	}
	free(got);
	free(want);
	json_decref(v);
}

static void
test_version_parse_refuses_malformed(void **state)
{
	struct wa_version v;

	(void)state;
	assert_int_equal(wa_version_parse("2.3000.1", &v), 0);
	assert_int_equal(v.secondary, 3000);
	assert_int_equal(wa_version_parse("2.3000", &v), -EINVAL);
	assert_int_equal(wa_version_parse("2.3000.1x", &v), -EINVAL);
	assert_int_equal(wa_version_parse("2.3000.99999999999", &v), -EINVAL);
	assert_int_equal(wa_version_parse("", &v), -EINVAL);
	assert_int_equal(wa_version_parse(NULL, &v), -EINVAL);
}

static void
test_registration_payload_carries_pairing_data(void **state)
{
	uint8_t ident[32], spk[32], sig[64], *buf;
	struct wa_version ver = { 2, 3000, 1043857760 };
	struct wa_registration r = {
		.registration_id = 0x1234, .identity_pub = ident,
		.signed_prekey_id = 1, .signed_prekey_pub = spk,
		.signed_prekey_sig = sig,
	};
	/* MD5("2.3000.1043857760"), as Baileys computes buildHash */
	static const uint8_t md5_ver[16] = {
		0xf6, 0xf6, 0x5c, 0x06, 0x07, 0xa1, 0xcd, 0xff,
		0xd8, 0x75, 0x2b, 0x05, 0x1f, 0xc9, 0x5e, 0xdf };
	static const uint8_t regid[4] = { 0, 0, 0x12, 0x34 };
	static const uint8_t skid[3] = { 0, 0, 1 };
	Wa__ClientPayload *cp;
	Wa__DeviceProps *dp;
	size_t len;

	(void)state;
	memset(ident, 0xaa, sizeof(ident));
	memset(spk, 0xbb, sizeof(spk));
	memset(sig, 0xcc, sizeof(sig));
	assert_int_equal(wa_payload_register(&ver, &r, &buf, &len), 0);
	cp = wa__client_payload__unpack(NULL, len, buf);
	assert_non_null(cp);
	assert_true(cp->has_passive && !cp->passive);
	assert_true(cp->has_pull && !cp->pull);
	assert_false(cp->has_username);
	assert_non_null(cp->devicepairingdata);
	assert_memory_equal(cp->devicepairingdata->eregid.data, regid, 4);
	assert_int_equal(cp->devicepairingdata->ekeytype.len, 1);
	assert_int_equal(cp->devicepairingdata->ekeytype.data[0], 0x05);
	assert_memory_equal(cp->devicepairingdata->eident.data, ident, 32);
	assert_memory_equal(cp->devicepairingdata->eskeyid.data, skid, 3);
	assert_memory_equal(cp->devicepairingdata->eskeyval.data, spk, 32);
	assert_memory_equal(cp->devicepairingdata->eskeysig.data, sig, 64);
	assert_int_equal(cp->devicepairingdata->buildhash.len, 16);
	assert_memory_equal(cp->devicepairingdata->buildhash.data, md5_ver, 16);
	dp = wa__device_props__unpack(NULL, cp->devicepairingdata->deviceprops.len,
	    cp->devicepairingdata->deviceprops.data);
	assert_non_null(dp);
	assert_string_equal(dp->os, "walink");
	assert_int_equal(dp->platformtype, WA__DEVICE_PROPS__PLATFORM_TYPE__CHROME);
	wa__device_props__free_unpacked(dp, NULL);
	wa__client_payload__free_unpacked(cp, NULL);
	free(buf);

	r.signed_prekey_id = 1u << 24;	/* does not fit 3 bytes */
	assert_int_equal(wa_payload_register(&ver, &r, &buf, &len), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_payload_is_baileys_bytes_with_whatsmeow_lid_fields),
		cmocka_unit_test(test_version_parse_refuses_malformed),
		cmocka_unit_test(test_registration_payload_carries_pairing_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
