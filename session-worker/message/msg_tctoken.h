/*
 * msg_tctoken.h: privacy tokens (protocol-notes §8 "Privacy tokens"):
 * the trusted-contact token a contact's server hands us in a
 * <notification type="privacy_token">, kept per contact with its time
 * and attached as <tctoken> to every 1:1 send to that contact, as
 * whatsmeow's ensureTCToken (tctoken.go) does. A token older than the
 * rolling window (4 buckets of 7 days, whatsmeow isTCTokenExpired) is
 * not sent. Table and file codec only: no I/O, no logging.
 *
 * Keys are the contact's Signal address name (phone digits, or
 * "<lid>@lid" while unmapped): one contact, one key, whichever form the
 * server used.
 */
#ifndef WALINK_MSG_TCTOKEN_H
#define WALINK_MSG_TCTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCTOKEN_BLOB		"tctokens"
/* Tokens seen are a few dozen bytes; anything far larger is not one. */
#define TCTOKEN_LEN_MAX		256
#define TCTOKEN_KEY_MAX		64
/* Contacts with a token; the oldest is dropped past this. */
#define TCTOKEN_SLOTS		4096
/* whatsmeow tctoken.go: tcTokenBucketDuration, tcTokenNumBuckets. */
#define TCTOKEN_BUCKET_S	604800u
#define TCTOKEN_BUCKETS		4u

struct tctokens;

struct tctokens	*tctokens_new(void);
void		 tctokens_free(struct tctokens *);	/* NULL-safe; wipes */

/*
 * Stores key's token issued at t_s (Unix seconds). An older t than the
 * one held is ignored. 1 changed, 0 not, -EINVAL bad key or length.
 */
int		 tctokens_put(struct tctokens *, const char *key,
		    const uint8_t *tok, size_t len, uint64_t t_s);
/* key's token when held and not expired at now_s; NULL otherwise. */
const uint8_t	*tctokens_get(const struct tctokens *, const char *key,
		    uint64_t now_s, size_t *len);
/* key's token and time whatever its age; NULL when none. */
const uint8_t	*tctokens_peek(const struct tctokens *, const char *key,
		    size_t *len, uint64_t *t_s);
/* Forgets key's token (identity change). 1 removed, 0 none. */
int		 tctokens_del(struct tctokens *, const char *key);
size_t		 tctokens_count(const struct tctokens *);

/* True when a token issued at t_s is outside the window at now_s. */
bool		 tctoken_expired(uint64_t t_s, uint64_t now_s);

/*
 * File form: one "key t hex" line each. Load replaces the table, all or
 * nothing (-EBADMSG on any bad line); encode's *out is malloc'd.
 */
int		 tctokens_load(struct tctokens *, const uint8_t *, size_t);
int		 tctokens_encode(const struct tctokens *, uint8_t **out,
		    size_t *len);

#endif
