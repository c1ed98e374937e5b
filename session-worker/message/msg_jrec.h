/*
 * msg_jrec.h: one record of the message journal (msg_journal.h) as
 * bytes: pure, no I/O, fuzzed (tests/fuzz/fuzz_msg_jrec.c): the journal
 * reads these back from disk after a crash.
 *
 * Layout: 'J', type, flags, t (8 bytes LE), seven strings (1-byte length,
 * no NUL inside), data (4-byte LE length). Unused fields are empty.
 */
#ifndef WALINK_MSG_JREC_H
#define WALINK_MSG_JREC_H

#include <stddef.h>
#include <stdint.h>

#define JREC_STR_MAX	128	/* every string field's capacity, NUL included */
#define JREC_DATA_MAX	(1024u * 1024)

enum jrec_type {
	JR_IN = 'I',		/* a decrypted inbound message: data = plaintexts */
	JR_DONE = 'D',		/* the inbound id is served (hook answered) */
	JR_BLOB = 'S',		/* a Signal blob (from = name), len 0: deleted */
	JR_OUT = 'O',		/* a send: data = encoded WAMessage */
	JR_ACKED = 'A',		/* the server acked send id */
	JR_HELD = 'H',		/* a stanza waiting for its LID (from = LID user) */
	JR_RELEASED = 'R',	/* held id no longer waits */
};

/* JR_IN flags */
#define JREC_OWN	0x01	/* from our own devices: nothing to serve */
#define JREC_GROUP	0x02

struct jrec {
	uint8_t		 type;
	uint8_t		 flags;
	uint64_t	 t;		/* the stanza's t (Unix s) or when made */
	char		 id[JREC_STR_MAX];
	char		 chat[JREC_STR_MAX];
	char		 from[JREC_STR_MAX];	/* phone (I), LID (H), blob (S) */
	char		 push[JREC_STR_MAX];	/* push name (I); cut to fit */
	char		 answers[JREC_STR_MAX];	/* O: the inbound id replied to */
	char		 ctype[JREC_STR_MAX];	/* O: <message type> */
	char		 mediatype[JREC_STR_MAX];	/* O: <enc mediatype> */
	const uint8_t	*data;		/* borrowed */
	size_t		 len;
};

/* The push name, cut at a UTF-8 boundary to fit. */
void	jrec_set_push(struct jrec *, const char *push);
/* *out malloc'd (wipe and free: it may hold message text). -EINVAL for a
 * string that does not fit, -ENOMEM. */
int	jrec_encode(const struct jrec *, uint8_t **out, size_t *len);
/* r->data points into buf. -EBADMSG for anything malformed. */
int	jrec_decode(const uint8_t *buf, size_t len, struct jrec *r);

/* JR_IN data is a list of plaintexts, each with a 4-byte LE length. */
int	jrec_pts_add(uint8_t **list, size_t *len, const uint8_t *, size_t);
/* The next plaintext at *off: 1 and pt/ptlen set, 0 at the end,
 * -EBADMSG when the list is malformed. */
int	jrec_pts_next(const uint8_t *list, size_t len, size_t *off,
	    const uint8_t **pt, size_t *ptlen);

#endif
