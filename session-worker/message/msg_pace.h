/*
 * msg_pace.h: how fast the bot may send (issue 13, "a pacing setting ...
 * guards the account against the sending patterns that get numbers
 * banned"): token buckets per chat and for the whole account, in
 * messages per minute. A bucket holds at most MSG_PACE_BURST messages
 * (fewer when the rate is lower), so a bot answering one customer with
 * three messages sends them at once, and a loop is slowed to the rate.
 * Pure: the caller passes the clock; unit tested in
 * tests/unit/test_msg_pace.c.
 */
#ifndef WALINK_MSG_PACE_H
#define WALINK_MSG_PACE_H

#include <stdint.h>

#define MSG_PACE_BURST		5
/* Chats whose buckets are kept; the least recently used goes first
 * (a forgotten chat starts again with a full bucket). */
#define MSG_PACE_CHATS		256
#define MSG_PACE_CHAT_MAX	96

struct msg_pace_bucket {
	uint64_t	milli;		/* tokens x 1000 */
	uint64_t	at_ms;		/* when milli was last brought up to date */
};

struct msg_pace {
	uint32_t		per_chat;	/* per minute; 0: unlimited */
	uint32_t		global;		/* per minute; 0: unlimited */
	struct msg_pace_bucket	all;
	struct {
		char			chat[MSG_PACE_CHAT_MAX];
		struct msg_pace_bucket	b;
		uint64_t		used_ms;
	}			chats[MSG_PACE_CHATS];
};

void		msg_pace_init(struct msg_pace *, uint32_t per_chat_per_min,
		    uint32_t global_per_min);
/*
 * 0: one message to chat may go now, and its tokens are taken. Else the
 * milliseconds until it may (nothing taken): ask again then.
 */
uint64_t	msg_pace_take(struct msg_pace *, const char *chat, uint64_t now_ms);

#endif
