/*
 * msg_pace.c: see msg_pace.h. Integer token buckets in thousandths of a
 * message: rate r per minute refills r thousandths every 60 ms.
 */
#include <stdio.h>
#include <string.h>

#include "message/msg_pace.h"

static uint64_t
capacity(uint32_t rate)
{
	return (uint64_t)(rate < MSG_PACE_BURST ? rate : MSG_PACE_BURST) * 1000;
}

static void
refill(struct msg_pace_bucket *b, uint32_t rate, uint64_t now)
{
	uint64_t cap = capacity(rate);

	if (now > b->at_ms) {
		uint64_t add = (now - b->at_ms) * rate / 60;

		b->milli = add >= cap - b->milli ? cap : b->milli + add;
		/* keep the remainder: time not yet worth a thousandth */
		b->at_ms = b->milli == cap ? now : b->at_ms + add * 60 / rate;
	}
}

/* Milliseconds until b holds one message; 0 when it does. */
static uint64_t
wait_for(const struct msg_pace_bucket *b, uint32_t rate, uint64_t now)
{
	uint64_t need;

	if (rate == 0 || b->milli >= 1000)
		return 0;
	need = 1000 - b->milli;
	/* ceil(need * 60 / rate), from when the bucket was last brought up */
	need = (need * 60 + rate - 1) / rate;
	return b->at_ms + need > now ? b->at_ms + need - now : 1;
}

void
msg_pace_init(struct msg_pace *p, uint32_t per_chat, uint32_t global)
{
	memset(p, 0, sizeof(*p));
	p->per_chat = per_chat;
	p->global = global;
	p->all.milli = capacity(global);
}

static struct msg_pace_bucket *
chat_bucket(struct msg_pace *p, const char *chat, uint64_t now)
{
	size_t i, lru = 0;

	for (i = 0; i < MSG_PACE_CHATS; i++) {
		if (p->chats[i].chat[0] != '\0' && strcmp(p->chats[i].chat, chat) == 0) {
			p->chats[i].used_ms = now;
			return &p->chats[i].b;
		}
		if (p->chats[i].chat[0] == '\0' ||
		    (p->chats[lru].chat[0] != '\0' && p->chats[i].used_ms < p->chats[lru].used_ms))
			lru = i;
	}
	snprintf(p->chats[lru].chat, sizeof(p->chats[lru].chat), "%s", chat);
	p->chats[lru].b.milli = capacity(p->per_chat);
	p->chats[lru].b.at_ms = now;
	p->chats[lru].used_ms = now;
	return &p->chats[lru].b;
}

uint64_t
msg_pace_take(struct msg_pace *p, const char *chat, uint64_t now)
{
	struct msg_pace_bucket *c = NULL;
	uint64_t wc = 0, wg = 0;

	if (p->global != 0) {
		refill(&p->all, p->global, now);
		wg = wait_for(&p->all, p->global, now);
	}
	if (p->per_chat != 0) {
		c = chat_bucket(p, chat, now);
		refill(c, p->per_chat, now);
		wc = wait_for(c, p->per_chat, now);
	}
	if (wc != 0 || wg != 0)
		return wc > wg ? wc : wg;
	if (p->global != 0)
		p->all.milli -= 1000;
	if (c != NULL)
		c->milli -= 1000;
	return 0;
}
