/*
 * sig.h: the Signal layer (protocol-notes §8) on libsignal-protocol-c.
 * Every store libsignal needs (identity, prekeys, signed prekey,
 * sessions, sender keys) lives in the session directory as store blobs,
 * so a session survives kill -9: libsignal writes the new ratchet state
 * through store_put() (atomic, fsync'd, sealed when configured) before a
 * decrypt or encrypt returns (pitfall 16) or, with write-back on (the
 * worker), into a cache the message journal makes durable before
 * anything that depends on it leaves (sig_write_back below). Our identity, registration id
 * and signed prekey come from struct creds; one-time prekeys from the
 * "prekey-<id>" blobs prekeys.c makes (private || public), deleted once
 * a pkmsg has used them.
 *
 * Addresses are (name, device): name is the sender's phone digits for
 * 1:1 sessions. Nothing here logs (STYLE.md rule 3). Errors: -ENOENT no
 * session, -EBADMSG undecodable or bad MAC, -EALREADY a duplicate
 * message, -ENOKEY a prekey we no longer hold, -EINVAL a bad name,
 * -ENOMEM, -EIO the store failed, -EPROTO anything else.
 */
#ifndef WALINK_SIG_H
#define WALINK_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct creds;

#define SIG_KEY_LEN	32
#define SIG_SIG_LEN	64
/* A name in a blob: phone digits, a LID or a group jid. */
#define SIG_NAME_MAX	64
/* Longest plaintext accepted either way: a 64 KiB text plus its protobuf
 * framing and padding, with room for a deviceSentMessage wrapper. */
#define SIG_PLAIN_MAX	(256u * 1024)

/* The creds are borrowed on every call: the link owns them. */
typedef const struct creds *sig_creds_fn(void *arg);

struct sig;

int	sig_new(struct store *, sig_creds_fn *, void *arg, struct sig **out);
void	sig_free(struct sig *);	/* NULL-safe */

/* A key bundle from an encrypt iq (protocol-notes §8), keys without 0x05. */
struct sig_bundle {
	uint32_t	registration_id;
	uint8_t		identity[SIG_KEY_LEN];
	uint32_t	spk_id;
	uint8_t		spk[SIG_KEY_LEN];
	uint8_t		spk_sig[SIG_SIG_LEN];
	bool		has_prekey;
	uint32_t	prekey_id;
	uint8_t		prekey[SIG_KEY_LEN];
};

bool	sig_has_session(struct sig *, const char *name, uint32_t device);
/* Starts an outgoing session from a bundle; -EBADMSG if its signature fails. */
int	sig_add_bundle(struct sig *, const char *name, uint32_t device,
	    const struct sig_bundle *);

/* *out is malloc'd (caller wipes and frees). prekey: pkmsg, else msg. */
int	sig_decrypt(struct sig *, const char *name, uint32_t device, bool prekey,
	    const uint8_t *ct, size_t len, uint8_t **out, size_t *out_len);
/* Encrypts on the existing session; *prekey tells pkmsg from msg. */
int	sig_encrypt(struct sig *, const char *name, uint32_t device,
	    const uint8_t *pt, size_t len, bool *prekey, uint8_t **out,
	    size_t *out_len);

/* Groups (skmsg): a SenderKeyDistributionMessage, then messages. */
int	sig_group_process(struct sig *, const char *group, const char *name,
	    uint32_t device, const uint8_t *skdm, size_t len);
int	sig_group_decrypt(struct sig *, const char *group, const char *name,
	    uint32_t device, const uint8_t *ct, size_t len, uint8_t **out,
	    size_t *out_len);

/*
 * Our own sender key in a group (name, device: us): the
 * SenderKeyDistributionMessage to hand to members, and group messages.
 * Receiving is what the worker does today; these make it testable and
 * are what sending to groups will use.
 */
int	sig_group_skdm(struct sig *, const char *group, const char *name,
	    uint32_t device, uint8_t **out, size_t *out_len);
int	sig_group_encrypt(struct sig *, const char *group, const char *name,
	    uint32_t device, const uint8_t *pt, size_t len, uint8_t **out,
	    size_t *out_len);

/*
 * Forgets a contact's identity keys and sessions on every device (an
 * identity-change notification: whatsmeow DeleteAllIdentities and
 * DeleteAllSessions). The number of files removed, or negative.
 */
int	sig_forget(struct sig *, const char *name);

/* The identity key (32 bytes, no type byte) saved for an address. */
int	sig_identity(struct sig *, const char *name, uint32_t device,
	    uint8_t out[SIG_KEY_LEN]);

/*
 * Write-back (issue 12; sig_cache.c): session, identity and sender-key
 * writes stay in memory, newest first for every read, until the message
 * journal takes them into its group commit (sig_take_dirty: each blob
 * changed since the last take, len 0 for a deleted one) and later writes
 * them to their files when it compacts (sig_each_cached, then
 * sig_cached_flushed with the generation sig_each_cached returned).
 */
typedef void sig_blob_fn(void *arg, const char *name, const uint8_t *,
    size_t len);
void	sig_write_back(struct sig *, bool on);
uint64_t sig_take_dirty(struct sig *, sig_blob_fn *, void *arg);
uint64_t sig_each_cached(struct sig *, sig_blob_fn *, void *arg);
size_t	sig_cached_count(const struct sig *);
void	sig_cached_flushed(struct sig *, uint64_t gen);

/* True for a name we can put in a blob name: [A-Za-z0-9._@:-], 1..SIG_NAME_MAX. */
bool	sig_name_ok(const char *name);

#endif
