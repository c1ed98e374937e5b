/*
 * media_retry.c: see media_retry.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "whatsapp_media.pb-c.h"
#include "media/media_retry.h"

static const char RETRY_INFO[] = "WhatsApp Media Retry Notification";

int
media_retry_key(const uint8_t media_key[MEDIA_KEY_LEN], uint8_t out[32])
{
	EVP_PKEY_CTX *ctx;
	size_t n = 32;
	int ok;

	if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)) == NULL)
		return -MEDIA_FAULT_CRYPTO;
	ok = EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
	    EVP_PKEY_CTX_set1_hkdf_key(ctx, media_key, MEDIA_KEY_LEN) > 0 &&
	    EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)RETRY_INFO,
	    (int)strlen(RETRY_INFO)) > 0 &&
	    EVP_PKEY_derive(ctx, out, &n) > 0 && n == 32;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -MEDIA_FAULT_CRYPTO;
}

int
media_retry_gcm(int encrypt, const uint8_t key[32],
    const uint8_t iv[MEDIA_RETRY_IV_LEN], const uint8_t *aad, size_t aad_len,
    const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	EVP_CIPHER_CTX *c;
	int n = 0, fin = 0, ok;
	size_t body;

	if (!encrypt && in_len < MEDIA_RETRY_TAG_LEN)
		return -EBADMSG;
	body = encrypt ? in_len : in_len - MEDIA_RETRY_TAG_LEN;
	if (body > INT32_MAX || aad_len > INT32_MAX)
		return -EMSGSIZE;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return -ENOMEM;
	ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) > 0 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, MEDIA_RETRY_IV_LEN, NULL) > 0 &&
	    EVP_CipherInit_ex(c, NULL, NULL, key, iv, encrypt) > 0 &&
	    (aad_len == 0 || EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) > 0) &&
	    EVP_CipherUpdate(c, out, &n, in, (int)body) > 0 &&
	    (encrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG,
	    MEDIA_RETRY_TAG_LEN, (void *)(in + body)) > 0) &&
	    EVP_CipherFinal_ex(c, out + n, &fin) > 0 &&
	    (!encrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG,
	    MEDIA_RETRY_TAG_LEN, out + body) > 0);
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		OPENSSL_cleanse(out, body);
		return encrypt ? -MEDIA_FAULT_CRYPTO : -EBADMSG;
	}
	*out_len = encrypt ? body + MEDIA_RETRY_TAG_LEN : body;
	return 0;
}

int
media_retry_seal_request(const uint8_t media_key[MEDIA_KEY_LEN],
    const char *msg_id, uint8_t iv[MEDIA_RETRY_IV_LEN], int iv_given,
    uint8_t **ct, size_t *ct_len)
{
	Wa__ServerErrorReceipt r = WA__SERVER_ERROR_RECEIPT__INIT;
	uint8_t key[32], *pt = NULL, *out = NULL;
	size_t len;
	int rc;

	*ct = NULL;
	r.stanzaid = (char *)msg_id;
	len = wa__server_error_receipt__get_packed_size(&r);
	if ((pt = malloc(len + 1)) == NULL ||
	    (out = malloc(len + MEDIA_RETRY_TAG_LEN)) == NULL) {
		free(pt);
		return -ENOMEM;
	}
	wa__server_error_receipt__pack(&r, pt);
	if (!iv_given && RAND_bytes(iv, MEDIA_RETRY_IV_LEN) != 1)
		rc = -MEDIA_FAULT_CRYPTO;
	else if ((rc = media_retry_key(media_key, key)) == 0)
		rc = media_retry_gcm(1, key, iv, (const uint8_t *)msg_id,
		    strlen(msg_id), pt, len, out, ct_len);
	OPENSSL_cleanse(key, sizeof(key));
	free(pt);
	if (rc != 0) {
		free(out);
		return rc;
	}
	*ct = out;
	return 0;
}

/* A path the URL is made from: absolute, printable, no spaces or fragments. */
static int
path_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n == 0 || n >= MEDIA_RETRY_PATH_MAX || p[0] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f ||
		    p[i] == '#' || p[i] == '\\')
			return 0;
	return 1;
}

int
media_retry_open_answer(const uint8_t media_key[MEDIA_KEY_LEN],
    const char *msg_id, const uint8_t *iv, size_t iv_len,
    const uint8_t *ct, size_t ct_len, struct media_retry_answer *out)
{
	Wa__MediaRetryNotification *n;
	uint8_t key[32], *pt;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (iv_len != MEDIA_RETRY_IV_LEN || ct_len < MEDIA_RETRY_TAG_LEN ||
	    ct_len > MEDIA_RETRY_CT_MAX)
		return -EBADMSG;
	if ((pt = malloc(ct_len)) == NULL)
		return -ENOMEM;
	if ((rc = media_retry_key(media_key, key)) == 0)
		rc = media_retry_gcm(0, key, iv, (const uint8_t *)msg_id,
		    strlen(msg_id), ct, ct_len, pt, &len);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0) {
		free(pt);
		return rc == -MEDIA_FAULT_CRYPTO ? rc : -EBADMSG;
	}
	n = wa__media_retry_notification__unpack(NULL, len, pt);
	free(pt);
	if (n == NULL)
		return -EBADMSG;
	rc = 0;
	/* the answer names the message it answers, sealed: a swapped one fails */
	if (n->stanzaid != NULL && strcmp(n->stanzaid, msg_id) != 0)
		rc = -EBADMSG;
	out->result = n->has_result ? (enum media_retry_result)n->result :
	    MEDIA_RETRY_GENERAL_ERROR;
	if (rc == 0 && out->result == MEDIA_RETRY_SUCCESS) {
		if (n->directpath == NULL || !path_ok(n->directpath))
			rc = -EBADMSG;
		else
			memcpy(out->direct_path, n->directpath, strlen(n->directpath) + 1);
	}
	wa__media_retry_notification__free_unpacked(n, NULL);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

const char *
media_retry_result_str(enum media_retry_result r)
{
	switch (r) {
	case MEDIA_RETRY_SUCCESS:		return "uploaded again by the phone";
	case MEDIA_RETRY_NOT_FOUND:		return "the phone no longer has the file";
	case MEDIA_RETRY_DECRYPTION_ERROR:	return "the phone could not read the retry request";
	case MEDIA_RETRY_GENERAL_ERROR:		return "the phone could not upload the file again";
	default:				return "unknown answer from the phone";
	}
}
