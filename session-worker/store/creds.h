/*
 * creds.h: the device's long-lived credentials (protocol-notes §3) and their
 * file form. The struct holds private keys: allocate it with creds_new()
 * (sodium_malloc: guarded, locked, wiped by creds_free()) and never copy it
 * to the stack. Codec only: no I/O, no logging; store.c reads and writes.
 */
#ifndef WALINK_CREDS_H
#define WALINK_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CREDS_KEY_LEN		32
#define CREDS_SIG_LEN		64
#define CREDS_JID_MAX		96	/* "<15 digits>:<device>@s.whatsapp.net" fits with room */
#define CREDS_NAME_MAX		64
/* ADVSignedDeviceIdentity (with the account key): ~250 bytes in practice. */
#define CREDS_ACCOUNT_MAX	1024
/* Edge routing bytes from <ib><edge_routing>: a few dozen in practice. */
#define CREDS_ROUTING_MAX	512
/* A creds file is a few KB; anything larger is not ours. */
#define CREDS_FILE_MAX		(64 * 1024)

struct creds {
	uint8_t		noise_priv[CREDS_KEY_LEN], noise_pub[CREDS_KEY_LEN];
	uint8_t		ident_priv[CREDS_KEY_LEN], ident_pub[CREDS_KEY_LEN];
	uint32_t	registration_id;		/* 14 bits */
	uint32_t	spk_id;				/* signed prekey id, < 2^24 */
	uint8_t		spk_priv[CREDS_KEY_LEN], spk_pub[CREDS_KEY_LEN];
	uint8_t		spk_sig[CREDS_SIG_LEN];
	uint8_t		adv_secret[CREDS_KEY_LEN];
	uint32_t	next_prekey_id;			/* next one-time prekey id to make */
	uint32_t	uploaded_prekey_id;		/* highest id the server holds */

	/* Set by pair-success; empty until the phone has scanned a QR. */
	bool		paired;
	char		me_jid[CREDS_JID_MAX];		/* number:device@s.whatsapp.net */
	char		me_lid[CREDS_JID_MAX];		/* lid:device@lid */
	char		platform[CREDS_NAME_MAX];
	char		push_name[CREDS_NAME_MAX];
	uint8_t		account[CREDS_ACCOUNT_MAX];	/* ADVSignedDeviceIdentity */
	size_t		account_len;
	uint32_t	key_index;
	uint8_t		routing[CREDS_ROUTING_MAX];
	size_t		routing_len;
};

/* Zeroed, in guarded sodium memory; NULL on failure. */
struct creds	*creds_new(void);
/* NULL-safe; wipes everything. */
void		 creds_free(struct creds *);

/*
 * Serialises to JSON text (keys base64). *out is sodium_malloc'd because it
 * holds private keys: release it with creds_text_free(). 0 or -ENOMEM.
 */
int		 creds_encode(const struct creds *, char **out, size_t *len);
void		 creds_text_free(char *, size_t);

/*
 * Parses a creds file. Strict: a missing or wrong-sized key, a value out of
 * range or trailing garbage is -EBADMSG; more than CREDS_FILE_MAX bytes is
 * -EFBIG. *c is written only on success.
 */
int		 creds_decode(const uint8_t *, size_t, struct creds *c);

/* The phone number part of me_jid as digits, or "" while unpaired. */
void		 creds_phone(const struct creds *, char out[16]);

#endif
