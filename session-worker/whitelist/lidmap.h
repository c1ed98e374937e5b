/*
 * lidmap.h: LID -> phone number mappings (protocol-notes §9, DESIGN.md
 * "Senders and the whitelist"). A sender addressed as <lid>@lid can only
 * be checked against the phone-number whitelist through a mapping the
 * server told us (sender_pn, participant_pn, usync); every one learnt is
 * kept and persisted by the caller (lidmap_encode -> store blob). Codec
 * and table only: no I/O, no logging.
 */
#ifndef WALINK_LIDMAP_H
#define WALINK_LIDMAP_H

#include <stddef.h>
#include <stdint.h>

/* The table is one store blob (STORE_BLOB_MAX, 1 MiB) of lines up to
 * 24 + 1 + 15 + 1 bytes: 25,000 fit with room to spare. */
#define LIDMAP_MAX	25000
/* A LID user part: digits, WhatsApp's are 14-15, the simulator's up to 21. */
#define LIDMAP_LID_MAX	24
#define LIDMAP_BLOB	"lid-map"

struct lidmap;

struct lidmap	*lidmap_new(void);
void		 lidmap_free(struct lidmap *);	/* NULL-safe */

/*
 * Adds or updates lid -> phone (digits only, lid 1..LIDMAP_LID_MAX,
 * phone as phone.h). 1: the table changed, 0: already known, -EINVAL bad
 * input, -ENOSPC at LIDMAP_MAX, -ENOMEM.
 */
int		 lidmap_put(struct lidmap *, const char *lid, const char *phone);
/* The phone number for lid, or NULL. Borrowed until the next change. */
const char	*lidmap_phone(const struct lidmap *, const char *lid);
size_t		 lidmap_count(const struct lidmap *);

/*
 * File form: one "lid phone" line each. Load replaces the table, all or
 * nothing: -EBADMSG on any bad line, -ENOSPC past LIDMAP_MAX.
 */
int		 lidmap_load(struct lidmap *, const uint8_t *, size_t);
int		 lidmap_encode(const struct lidmap *, uint8_t **out, size_t *len);

#endif
