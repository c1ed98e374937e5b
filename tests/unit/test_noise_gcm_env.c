/*
 * test_noise_gcm_env: WALINK_FORCE_OPENSSL_GCM=1 in the environment picks
 * the OpenSSL backend. Its own program: the variable is read once, at the
 * first key, so it must be set before any other test touches noise/.
 */
#include "noise/noise.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <setjmp.h>
#include <cmocka.h>

static void
test_noise_env_forces_openssl_and_is_read_once(void **state)
{
	const uint8_t key[NOISE_KEY_LEN] = { 0 };
	struct noise_cipher *cs = NULL;

	(void)state;
	assert_int_equal(setenv("WALINK_FORCE_OPENSSL_GCM", "1", 1), 0);
	assert_int_equal(noise_cipher_new(&cs, key), 0);
	assert_string_equal(noise_cipher_backend_name(cs), "openssl");
	noise_cipher_free(cs);
	/* Changing it later changes nothing: it was read once. */
	assert_int_equal(setenv("WALINK_FORCE_OPENSSL_GCM", "0", 1), 0);
	assert_string_equal(noise_gcm_backend_name(), "openssl");
	/* The function still overrides it. */
	noise_gcm_force_openssl(false);
	assert_int_equal(noise_cipher_new(&cs, key), 0);
	assert_string_not_equal(noise_cipher_backend_name(cs), "none");
	noise_cipher_free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noise_env_forces_openssl_and_is_read_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
