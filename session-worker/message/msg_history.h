/*
 * msg_history.h: what the worker takes from a history sync (issue 11 item
 * 9): only the phone-number-to-LID mappings. Our phone sends its companions
 * a protocolMessage HISTORY_SYNC_NOTIFICATION pointing at a blob on the CDN
 * (media type "md-msg-hist", WhatsApp History Keys); the blob is a zlib
 * stream of the HistorySync protobuf, whose field 15 lists
 * PhoneNumberToLIDMapping entries (whatsmeow handleHistorySyncNotification
 * -> storeHistoricalPNLIDMappings; Baileys downloadAndProcessHistorySync
 * Notification -> processHistoryMessage). Conversations and messages in it
 * are skipped while they stream by: never held, never handed to the hook.
 * Pure: no I/O but the fd reader, no logging; fuzzed by
 * tests/fuzz/fuzz_history_sync.c.
 */
#ifndef WALINK_MSG_HISTORY_H
#define WALINK_MSG_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/media_crypto.h"
#include "message/msg_codec.h"

/* Bounds: the blob as downloaded, the stream once inflated (a zip bomb
 * stops here, having cost CPU only: nothing is kept but mappings), and
 * the mappings taken from one blob. */
#define MSG_HIST_BLOB_MAX	(64ull << 20)
#define MSG_HIST_INFLATE_MAX	(512ull << 20)
#define MSG_HIST_PAIRS_MAX	100000
#define MSG_HIST_INLINE_MAX	(1u << 20)

/* A history sync notice, as the download needs it. */
struct msg_hist_notice {
	uint8_t		 media_key[MEDIA_KEY_LEN];
	uint8_t		 sha256[MEDIA_SHA256_LEN];
	uint8_t		 enc_sha256[MEDIA_SHA256_LEN];
	bool		 has_enc_sha256;
	uint64_t	 file_length;
	char		*direct_path;		/* malloc'd; NULL with an inline payload */
	uint8_t		*inline_payload;	/* malloc'd zlib bytes, or NULL */
	size_t		 inline_len;
	int32_t		 sync_type;
	uint32_t	 chunk_order;
};

/*
 * Reads a decrypted, unpadded Message: 1 and *out when it is a history
 * sync notice with a blob to fetch (or an inline payload), 0 when it is
 * something else, -EBADMSG when the notice is unusable (no key or hash).
 */
int	msg_history_notice(const uint8_t *pt, size_t len, struct msg_hist_notice *out);
void	msg_history_notice_fini(struct msg_hist_notice *);

/* The streaming reader: zlib in, mappings out. */
struct msg_hist_reader;

int	msg_hist_reader_new(uint64_t max_inflated, size_t max_pairs,
	    struct msg_hist_reader **out);
/* 0, -E2BIG past max_inflated, -EBADMSG for a stream that is not zlib or
 * not a protobuf; after an error every call fails the same way. */
int	msg_hist_reader_feed(struct msg_hist_reader *, const uint8_t *, size_t);
/*
 * The end of the stream: -EBADMSG when it stopped mid-stream or mid-field.
 * 0 moves the mappings to *pairs (malloc'd, may be NULL with *n 0).
 */
int	msg_hist_reader_finish(struct msg_hist_reader *, struct msg_lid_pair **pairs,
	    size_t *n);
void	msg_hist_reader_free(struct msg_hist_reader *);

/* The reader over a whole buffer or file (read in 64 KiB steps). */
int	msg_history_parse_buf(const uint8_t *, size_t, uint64_t max_inflated,
	    size_t max_pairs, struct msg_lid_pair **pairs, size_t *n);
int	msg_history_parse_fd(int fd, uint64_t max_inflated, size_t max_pairs,
	    struct msg_lid_pair **pairs, size_t *n);

#endif
