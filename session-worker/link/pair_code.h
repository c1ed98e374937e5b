/*
 * pair_code.h: linking by phone number (protocol-notes §4 "Linking also
 * knows"; whatsmeow pair-code.go PairPhone / handleCodePairNotification;
 * Baileys socket.js requestPairingCode and messages-recv.js
 * link_code_companion_reg). The companion shows an 8-character code; the
 * owner types it on the phone; both sides wrap an ephemeral X25519 key with
 * a key stretched from the code, and the companion answers the phone's
 * primary_hello with a key bundle from which both derive the adv secret
 * that later authenticates pair-success.
 *
 * Pure: no I/O, no logging. The steps are separate functions so each can be
 * checked against vectors made by Baileys' own code
 * (tests/vectors/pair-code.json). All secrets live in a struct pair_code in
 * sodium memory; pair_code_free() wipes it.
 */
#ifndef WALINK_PAIR_CODE_H
#define WALINK_PAIR_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binary/bn.h"

#define PAIR_CODE_LEN		8	/* characters the owner types */
#define PAIR_CODE_RANDOM_LEN	5	/* 40 bits -> 8 base32 characters */
#define PAIR_CODE_SALT_LEN	32
#define PAIR_CODE_IV_LEN	16
#define PAIR_CODE_KEY_LEN	32
/* salt(32) | iv(16) | AES-256-CTR(ephemeral public key)(32) */
#define PAIR_CODE_WRAPPED_LEN	(PAIR_CODE_SALT_LEN + PAIR_CODE_IV_LEN + 32)
#define PAIR_CODE_NONCE_LEN	12
#define PAIR_CODE_TAG_LEN	16
/* our identity(32) | primary identity(32) | adv randomness(32) */
#define PAIR_CODE_BUNDLE_PLAIN	96
/* salt(32) | nonce(12) | AES-256-GCM(bundle)(96) | tag(16) */
#define PAIR_CODE_BUNDLE_LEN	(PAIR_CODE_SALT_LEN + PAIR_CODE_NONCE_LEN + \
				 PAIR_CODE_BUNDLE_PLAIN + PAIR_CODE_TAG_LEN)
#define PAIR_CODE_PHONE_MAX	16	/* E.164: at most 15 digits */
#define PAIR_CODE_REF_MAX	128
#define PAIR_CODE_DISPLAY_MAX	64
/* whatsmeow ErrPhoneNumberTooShort: more than 6 digits. */
#define PAIR_CODE_PHONE_MIN	7

/* WhatsApp's base32 alphabet for codes (no 0, I, O, U). */
extern const char PAIR_CODE_ALPHABET[33];

/* ---- the steps, each checkable on its own ---- */

/* 5 random bytes -> 8 characters (Baileys bytesToCrockford). out: 9 bytes. */
void	pair_code_encode(const uint8_t rnd[PAIR_CODE_RANDOM_LEN],
	    char out[PAIR_CODE_LEN + 1]);

/* PBKDF2-HMAC-SHA256(code, salt, 2<<16 rounds) -> 32 bytes. 0 or -EIO. */
int	pair_code_stretch(const char code[PAIR_CODE_LEN],
	    const uint8_t salt[PAIR_CODE_SALT_LEN], uint8_t key[PAIR_CODE_KEY_LEN]);

/* salt | iv | AES-256-CTR(stretch(code, salt), iv, pub). 0 or -EIO. */
int	pair_code_wrap(const char code[PAIR_CODE_LEN],
	    const uint8_t salt[PAIR_CODE_SALT_LEN], const uint8_t iv[PAIR_CODE_IV_LEN],
	    const uint8_t pub[32], uint8_t out[PAIR_CODE_WRAPPED_LEN]);

/* AES-256-CTR of one 32-byte key under an already stretched key. */
int	pair_code_ctr(const uint8_t key[PAIR_CODE_KEY_LEN],
	    const uint8_t iv[PAIR_CODE_IV_LEN], const uint8_t in[32], uint8_t out[32]);

/* The inverse: the 32 bytes CTR gives back (any bytes for a wrong code). */
int	pair_code_unwrap(const char code[PAIR_CODE_LEN],
	    const uint8_t wrapped[PAIR_CODE_WRAPPED_LEN], uint8_t pub[32]);

/*
 * salt | nonce | AES-256-GCM(HKDF-SHA256(shared, salt,
 * "link_code_pairing_key_bundle_encryption_key"), nonce,
 * ident_pub | primary_ident | adv_random). 0 or -EIO.
 */
int	pair_code_bundle(const uint8_t shared[32],
	    const uint8_t salt[PAIR_CODE_SALT_LEN],
	    const uint8_t nonce[PAIR_CODE_NONCE_LEN], const uint8_t ident_pub[32],
	    const uint8_t primary_ident[32], const uint8_t adv_random[32],
	    uint8_t out[PAIR_CODE_BUNDLE_LEN]);

/* HKDF-SHA256(ephemeral shared | identity shared | adv_random, no salt, "adv_secret"). */
int	pair_code_adv_secret(const uint8_t eph_shared[32],
	    const uint8_t ident_shared[32], const uint8_t adv_random[32],
	    uint8_t adv[32]);

/* ---- the exchange ---- */

struct pair_code;	/* secrets: sodium memory */

/*
 * Normalises a phone number typed by a person ("+49 170 123-4567") to
 * digits. -EINVAL: empty, a character other than digits, spaces, dashes,
 * dots, parentheses and one leading '+'; -ERANGE: fewer than
 * PAIR_CODE_PHONE_MIN or more than 15 digits; -EDOM: starts with 0 (not
 * international, whatsmeow ErrPhoneNumberIsNotInternational).
 */
int	pair_code_phone(const char *in, char out[PAIR_CODE_PHONE_MAX]);

/*
 * A new code for phone (digits): random code, ephemeral key pair, wrapped
 * key. -ENOMEM or -EIO.
 */
int	pair_code_new(const char *phone, struct pair_code **out);
void	pair_code_free(struct pair_code *);	/* NULL-safe; wipes */
/* pair_code_new with given randomness: for vectors and tests only. */
int	pair_code_new_fixed(const char *phone,
	    const uint8_t rnd[PAIR_CODE_RANDOM_LEN], const uint8_t eph_priv[32],
	    const uint8_t salt[PAIR_CODE_SALT_LEN],
	    const uint8_t iv[PAIR_CODE_IV_LEN], struct pair_code **out);

/*
 * The same exchange split at the two PBKDF2 stretches (~0.1 s of CPU each),
 * for a caller that runs them off its event loop:
 *   pair_code_prepare -> stretch(pair_code_stretch_args) -> pair_code_wrap_with_key
 *   pair_code_hold_primary_hello -> stretch(args) -> pair_code_finish_with_key
 * hold_primary_hello has on_primary_hello's errors; finish_with_key -EINVAL
 * without a held notification.
 */
int	pair_code_prepare(const char *phone, struct pair_code **out);
void	pair_code_stretch_args(const struct pair_code *, char code[PAIR_CODE_LEN + 1],
	    uint8_t salt[PAIR_CODE_SALT_LEN]);
int	pair_code_wrap_with_key(struct pair_code *, const uint8_t key[PAIR_CODE_KEY_LEN]);
bool	pair_code_hello_ready(const struct pair_code *);	/* wrapped */
int	pair_code_hold_primary_hello(struct pair_code *, const struct bn_node *notif);
int	pair_code_finish_with_key(struct pair_code *, const uint8_t key[PAIR_CODE_KEY_LEN],
	    const uint8_t ident_priv[32], const uint8_t ident_pub[32], uint8_t adv[32],
	    struct bn_node **finish);

/* "ABCD-EFGH": what a person types. out: 10 bytes. */
void	pair_code_display(const struct pair_code *, char out[PAIR_CODE_LEN + 2]);
const char *pair_code_phone_of(const struct pair_code *);

/*
 * The <link_code_companion_reg stage=companion_hello> child of the iq
 * (whatsmeow PairPhone). platform_id is a companion client type ("1"
 * Chrome); display must read "Browser (OS)".
 */
int	pair_code_hello_node(const struct pair_code *, const uint8_t noise_pub[32],
	    const char *platform_id, const char *display, struct bn_node **out);

/*
 * The server's answer to companion_hello: keeps its link_code_pairing_ref.
 * -EBADMSG without one, -EMSGSIZE when over PAIR_CODE_REF_MAX.
 */
int	pair_code_on_hello_result(struct pair_code *, const struct bn_node *iq);
bool	pair_code_has_ref(const struct pair_code *);

/*
 * The phone's <notification type=link_code_companion_reg> (untrusted):
 * checks the ref, unwraps the phone's ephemeral key, derives the adv
 * secret into adv[32] and builds the companion_finish child node.
 * -EBADMSG malformed, -ESTALE another pairing's ref, -EMSGSIZE a field of
 * the wrong size, -EIO crypto failure, -ENOMEM.
 */
int	pair_code_on_primary_hello(struct pair_code *, const struct bn_node *notif,
	    const uint8_t ident_priv[32], const uint8_t ident_pub[32],
	    uint8_t adv[32], struct bn_node **finish);

/*
 * Only the parsing half of the above, for the fuzz target: the fields of a
 * primary_hello, borrowed from notif. 0 or -EBADMSG / -EMSGSIZE.
 */
struct pair_code_hello_fields {
	const uint8_t	*ref;
	size_t		 ref_len;
	const uint8_t	*wrapped;	/* PAIR_CODE_WRAPPED_LEN bytes at least */
	const uint8_t	*primary_ident;	/* 32 bytes */
};
int	pair_code_parse_primary_hello(const struct bn_node *notif,
	    struct pair_code_hello_fields *out);

/* A display name the server accepts: "Browser (OS)" with printable ASCII. */
bool	pair_code_display_ok(const char *display);

#endif
