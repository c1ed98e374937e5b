/*
 * frame.h: WhatsApp's framing under the WebSocket (protocol-notes §1).
 * Every frame is a 3-byte big-endian length and that many bytes; the first
 * frame the client sends is preceded by the intro (the WA header, or the
 * ED form carrying stored edge-routing bytes). WebSocket messages mean
 * nothing here: the reader takes any chunking of the byte stream.
 *
 * Errors (negative errno; the reader's are sticky until frame_reader_reset):
 *   -EMSGSIZE  a length above the reader's maximum, or a payload above
 *              FRAME_LEN_MAX for the writer (oversized)
 *   -EPROTO    a frame of length 0: WhatsApp never sends one, so the bytes
 *              are not this framing at all (garbage)
 *   -ENODATA   frame_reader_finish() with a frame half-read (truncated)
 *   -ENOBUFS   the writer's output buffer is too small
 *   any error a frame callback returns stops the reader with that error
 *   (e.g. NOISE_ERR_AEAD from transport decryption).
 * Nothing here logs.
 */
#ifndef WALINK_FRAME_H
#define WALINK_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HDR_LEN	3
#define FRAME_LEN_MAX	0xffffffu	/* 2^24 - 1: 3-byte length, §1 */
#define FRAME_WA_HEADER_LEN 4		/* 57 41 06 03 */
/*
 * Edge-routing blobs are a few dozen bytes (Baileys stores them as they
 * come in <edge_routing>); the ED header gives them a 3-byte length, we
 * allow far less.
 */
#define FRAME_ROUTING_MAX 4096
#define FRAME_INTRO_MAX	(4 + 3 + FRAME_ROUTING_MAX + FRAME_WA_HEADER_LEN)

/*
 * Called once per complete frame, in order. The bytes are borrowed for the
 * call only. A negative return stops the reader and is returned by feed.
 */
typedef int	(*frame_cb)(void *arg, const uint8_t *frame, size_t len);

/*
 * The reader keeps at most one incomplete frame: frames wholly inside a
 * chunk are handed over in place; a frame split across chunks is copied
 * into a buffer that grows up to 3 + max_frame bytes and no further.
 */
struct frame_reader;
/* max_frame: 1 .. FRAME_LEN_MAX; 0 means FRAME_LEN_MAX. */
int	 frame_reader_new(struct frame_reader **, size_t max_frame);
void	 frame_reader_free(struct frame_reader *);	/* NULL-safe */
int	 frame_reader_feed(struct frame_reader *, const uint8_t *, size_t,
	    frame_cb, void *arg);
/* End of stream: 0 if it ended between frames, -ENODATA mid-frame. */
int	 frame_reader_finish(struct frame_reader *);
/* Forgets buffered bytes and any sticky error (new connection). */
void	 frame_reader_reset(struct frame_reader *);
size_t	 frame_reader_pending(const struct frame_reader *);

/*
 * The writer adds the intro before the first frame only: the WA header, or
 * with routing bytes "ED" 0 1, their 3-byte length, them, the WA header.
 */
struct frame_writer;
/* routing may be NULL (len 0); at most FRAME_ROUTING_MAX bytes. */
int	 frame_writer_new(struct frame_writer **, const uint8_t *routing, size_t len);
void	 frame_writer_free(struct frame_writer *);	/* NULL-safe */
/* Bytes the next frame adds before its payload (intro + 3, or 3). */
size_t	 frame_writer_overhead(const struct frame_writer *);
/*
 * Writes the intro (first frame only) and the length for a payload of len
 * bytes; the caller puts the payload right after (no copy). *outlen gets
 * frame_writer_overhead() as it was.
 */
int	 frame_writer_prefix(struct frame_writer *, size_t len, uint8_t *out,
	    size_t cap, size_t *outlen);
/* prefix + payload in one buffer. */
int	 frame_writer_write(struct frame_writer *, const uint8_t *payload,
	    size_t len, uint8_t *out, size_t cap, size_t *outlen);

#endif
