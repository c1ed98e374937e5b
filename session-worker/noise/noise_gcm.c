/*
 * noise_gcm.c: picks the AES-256-GCM backend for each new key. libsodium's
 * code needs AES-NI and CLMUL (crypto_aead_aes256gcm_is_available); on
 * other CPUs, or when forced, OpenSSL's EVP does the work. Tests force
 * OpenSSL to prove both produce the vectors' bytes.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "noise/noise_internal.h"

#define FORCE_ENV "WALINK_FORCE_OPENSSL_GCM"

static bool	env_read;
static bool	forced;

/* The environment is read once, the first time it matters. */
static void
gcm_read_env(void)
{
	const char *v;

	if (env_read)
		return;
	env_read = true;
	v = getenv(FORCE_ENV);
	if (v != NULL && strcmp(v, "1") == 0)
		forced = true;
}

void
noise_gcm_force_openssl(bool on)
{
	gcm_read_env();
	forced = on;
}

const struct noise_gcm_ops *
noise_gcm_pick(void)
{
	gcm_read_env();
	if (!forced && sodium_init() >= 0 &&
	    crypto_aead_aes256gcm_is_available())
		return &noise_gcm_sodium_ops;
	return &noise_gcm_openssl_ops;
}

const char *
noise_gcm_backend_name(void)
{
	return noise_gcm_pick()->name;
}

void *
noise_alloc(size_t size)
{
	void *p;

	if (sodium_init() < 0)
		return NULL;
	if ((p = sodium_malloc(size)) != NULL)
		memset(p, 0, size);
	return p;
}

void
noise_dealloc(void *p)
{
	if (p != NULL)
		sodium_free(p);
}
