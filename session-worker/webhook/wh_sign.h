/*
 * wh_sign.h: the pure parts of webhook delivery (unit tested in
 * tests/unit/test_webhook_pure.c): Standard Webhooks signing, the secret
 * file's format, which answers are final, and the retry schedule.
 */
#ifndef WALINK_WH_SIGN_H
#define WALINK_WH_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WH_KEY_MAX	128	/* bytes of HMAC key taken from a secret file */
#define WH_SIG_MAX	64	/* "v1," + base64 of 32 bytes + NUL fits */

/*
 * The secret file's content: "whsec_<base64>" (the Standard Webhooks form:
 * the key is the decoded bytes) or any other text, used as it is. Trailing
 * whitespace is cut. -EINVAL for an empty secret, bad base64 or a key past
 * WH_KEY_MAX.
 */
int	wh_secret_parse(const char *text, size_t len, uint8_t key[WH_KEY_MAX],
	    size_t *key_len);

/* webhook-signature: "v1," + base64(HMAC-SHA256(key, id "." ts "." body)). */
int	wh_sign(const uint8_t *key, size_t key_len, const char *id, uint64_t ts,
	    const char *body, size_t len, char out[WH_SIG_MAX]);

/* An answer that ends a delivery: 2xx (delivered) and the statuses a
 * retry cannot change (400, 401, 403, 404, 422). status <= 0: no answer. */
bool	wh_status_final(int status);
bool	wh_status_ok(int status);

/*
 * Milliseconds before retry number attempt (1 = first retry): base * 2^(n-1)
 * capped at cap, then "equal jitter": half fixed, half scaled by rnd
 * (uniform over uint32_t), so retries of many events spread out.
 */
uint64_t wh_backoff_ms(unsigned attempt, uint64_t base, uint64_t cap,
	    uint32_t rnd);

#endif
