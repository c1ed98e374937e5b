/*
 * msg_typed.h: what a received Message is, typed for the hook (issue 13,
 * hook input version 2): text with the message it quotes, the five media
 * kinds with everything a download needs, locations, contact cards,
 * reactions, edits and revokes. Pure: no I/O, no logging; unit tested in
 * tests/unit/test_msg_typed.c, fuzzed by fuzz_msg_decode.
 *
 * Wrappers are opened the way Baileys' normalizeMessageContent does
 * (ephemeralMessage, viewOnceMessage[V2[Extension]],
 * documentWithCaptionMessage, editedMessage), at most MSG_TYPED_DEPTH deep.
 */
#ifndef WALINK_MSG_TYPED_H
#define WALINK_MSG_TYPED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/media_crypto.h"

/* Nesting (wrappers, quoted messages, edits) past this is refused before
 * protobuf-c, which recurses without a bound, ever sees the bytes. */
#define MSG_TYPED_DEPTH		16
/* Contact cards taken from one contactsArrayMessage. */
#define MSG_TYPED_CONTACTS_MAX	32

enum msg_type {
	MSG_T_NONE,		/* nothing for the hook: keys, history, receipts */
	MSG_T_TEXT,
	MSG_T_IMAGE,
	MSG_T_VIDEO,
	MSG_T_AUDIO,		/* audio and voice notes (media.ptt) */
	MSG_T_DOCUMENT,
	MSG_T_STICKER,
	MSG_T_LOCATION,
	MSG_T_LIVE_LOCATION,
	MSG_T_CONTACTS,		/* one card or several */
	MSG_T_REACTION,
	MSG_T_EDIT,
	MSG_T_REVOKE,
	MSG_T_UNSUPPORTED,	/* polls, buttons, ...: other_type names it */
};

struct msg_media {
	enum media_type	 crypto;		/* HKDF info of its keys */
	char		*mimetype;
	char		*direct_path;
	char		*url;
	char		*file_name;		/* documents */
	uint8_t		 media_key[MEDIA_KEY_LEN];
	uint8_t		 sha256[MEDIA_SHA256_LEN];	/* fileSha256 */
	uint8_t		 enc_sha256[MEDIA_SHA256_LEN];	/* fileEncSha256 */
	bool		 has_key, has_sha256, has_enc_sha256;
	uint64_t	 file_length;		/* 0: not given */
	uint32_t	 seconds;		/* audio, video; 0: not given */
	bool		 ptt;			/* a voice note */
	bool		 view_once;
};

struct msg_contact {
	char	*name;
	char	*vcard;
};

struct msg_typed {
	enum msg_type	 type;
	char		*text;		/* text, caption, edit's new text; may be NULL */
	char		*quoted_id;	/* a reply: stanzaId of the message it answers */
	char		*quoted_text;	/* that message's text or caption, when given */
	char		*target_id;	/* reaction, edit, revoke: the message meant */
	char		*emoji;		/* reaction; "" removes one */
	struct msg_media media;		/* IMAGE..STICKER */
	double		 latitude, longitude;	/* LOCATION, LIVE_LOCATION */
	char		*place_name;
	char		*address;
	struct msg_contact *contacts;
	size_t		 n_contacts;
	char		 other_type[48];	/* UNSUPPORTED: "pollCreationMessage" */
};

/* "text", "image", ..., as hook input version 2 spells them; NULL for NONE. */
const char *msg_type_name(enum msg_type);
bool	msg_type_is_media(enum msg_type);

/*
 * Decodes an unpadded Message into *out. -EBADMSG when it is not a Message
 * protobuf, -ELOOP when it nests past MSG_TYPED_DEPTH, -EMSGSIZE for text
 * past MSG_TEXT_MAX or holding a NUL, -ENOMEM. On success *out owns what it
 * points to: msg_typed_fini() frees it (and wipes the media key).
 */
int	msg_typed_decode(const uint8_t *buf, size_t len, struct msg_typed *out);
void	msg_typed_fini(struct msg_typed *);

/* 0 when buf nests Messages at most max_depth deep along every path
 * protobuf-c would follow; -ELOOP past it, -EBADMSG for broken framing. */
int	msg_nesting_check(const uint8_t *buf, size_t len, unsigned max_depth);

/* msg_typed_hook.c: a typed message as hook input version 2. */
struct hook_input;
struct hook_media;
struct hook_contact;

/* What the hook_input filled below points into; lives as long as it. */
struct msg_hook_bufs {
	struct hook_media	*media;
	struct hook_contact	*contacts;
	char			 sha256_hex[2 * MEDIA_SHA256_LEN + 1];
};

/*
 * Fills the version-2 fields of in (from, id, pushName, timestamp are the
 * caller's) from t. For media, path is the stored file (NULL when it was
 * not stored, with error saying why) and sha256 the verified plaintext's
 * hash (NULL: the message's declared fileSha256). -ENOMEM or 0;
 * msg_hook_bufs_fini() frees b.
 */
int	msg_typed_hook_input(const struct msg_typed *t, const char *path,
	    const uint8_t *sha256, const char *error, struct hook_input *in,
	    struct msg_hook_bufs *b);
void	msg_hook_bufs_fini(struct msg_hook_bufs *);

/*
 * msg_typed_serve.c: the received kinds the text path does not serve
 * (media, locations, contacts, reactions, edits, revokes) go to the hook
 * as version-2 input. Called for an accepted (whitelisted) 1:1 sender with
 * the decrypted, unpadded Message. Media is downloaded first (msg_media.h)
 * and handed over as a file; without a download (none configured, no key
 * or directPath) media.path is null and media.error says why. Text
 * reaches it only when wrapped (ephemeral,
 * view once), which msg_decode does not open. 2 when a hook runs for it
 * (its answer, tagged "<chat> <id>", ends it in the journal), 1 when it
 * served the message otherwise, 0 when it is none of those kinds,
 * negative on error.
 */
struct msg;
struct bn_node;
int	msg_typed_serve(struct msg *, const struct bn_node *, const char *chat,
	    const char *phone, const uint8_t *pt, size_t len);

#endif
