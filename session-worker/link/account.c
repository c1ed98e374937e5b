/*
 * account.c: see account.h. The check is pair.c's account signature
 * check (protocol-notes §4 step 3): 06 00 (06 05 for a hosted device)
 * || device identity details || our identity public key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/xeddsa.h"
#include "whatsapp.pb-c.h"

#include "account.h"

bool
account_has_key(const uint8_t *acct, size_t len)
{
	Wa__ADVSignedDeviceIdentity *a = wa__advsigned_device_identity__unpack(NULL,
	    len, acct);
	bool has = a != NULL && a->has_accountsignaturekey &&
	    a->accountsignaturekey.len == 32;

	wa__advsigned_device_identity__free_unpacked(a, NULL);
	return has;
}

int
account_add_key(const uint8_t *acct, size_t len, const uint8_t ident_pub[32],
    const uint8_t key[32], uint8_t *out, size_t cap, size_t *out_len)
{
	Wa__ADVSignedDeviceIdentity *a;
	Wa__ADVDeviceIdentity *d = NULL;
	uint8_t *msg = NULL, k[32];
	size_t n;
	bool hosted;
	int rc = -EBADMSG;

	if ((a = wa__advsigned_device_identity__unpack(NULL, len, acct)) == NULL)
		return -EBADMSG;
	if (a->has_accountsignaturekey) {
		rc = -EALREADY;
		goto out;
	}
	if (!a->has_details || !a->has_accountsignature ||
	    a->accountsignature.len != 64 ||
	    (d = wa__advdevice_identity__unpack(NULL, a->details.len,
	    a->details.data)) == NULL)
		goto out;
	hosted = d->has_devicetype && d->devicetype == WA__ADVENCRYPTION_TYPE__HOSTED;
	n = 2 + a->details.len + 32;
	if ((msg = malloc(n)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	msg[0] = 6;
	msg[1] = hosted ? 5 : 0;
	memcpy(msg + 2, a->details.data, a->details.len);
	memcpy(msg + 2 + a->details.len, ident_pub, 32);
	if (!xeddsa_verify(key, msg, n, a->accountsignature.data)) {
		rc = -EBADE;
		goto out;
	}
	memcpy(k, key, 32);
	a->has_accountsignaturekey = true;
	a->accountsignaturekey.data = k;
	a->accountsignaturekey.len = 32;
	if ((n = wa__advsigned_device_identity__get_packed_size(a)) > cap) {
		rc = -EMSGSIZE;
	} else {
		*out_len = wa__advsigned_device_identity__pack(a, out);
		rc = 0;
	}
	a->has_accountsignaturekey = false;	/* k is on our stack */
	a->accountsignaturekey.data = NULL;
out:
	free(msg);
	wa__advdevice_identity__free_unpacked(d, NULL);
	wa__advsigned_device_identity__free_unpacked(a, NULL);
	return rc;
}
