/* ratelimit.c: per-address token buckets for login (see ratelimit.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ratelimit.h"

struct bucket {
	char		key[CTL_RL_KEY_MAX];
	unsigned	tokens;
	uint64_t	last_s;		/* when tokens was last refilled */
};

struct ctl_ratelimit {
	pthread_mutex_t	lock;
	unsigned	burst, refill_s;
	struct bucket	b[CTL_RL_SLOTS];
};

struct ctl_ratelimit *
ctl_ratelimit_new(unsigned burst, unsigned refill_s)
{
	struct ctl_ratelimit *rl;

	if (burst == 0 || refill_s == 0 || (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	pthread_mutex_init(&rl->lock, NULL);
	rl->burst = burst;
	rl->refill_s = refill_s;
	return rl;
}

void
ctl_ratelimit_free(struct ctl_ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static void
bucket_refill(const struct ctl_ratelimit *rl, struct bucket *b, uint64_t now)
{
	uint64_t add;

	if (now <= b->last_s)
		return;
	add = (now - b->last_s) / rl->refill_s;
	if (add == 0)
		return;
	b->last_s += add * rl->refill_s;
	if (add >= rl->burst - b->tokens) {
		b->tokens = rl->burst;
		b->last_s = now;
	} else
		b->tokens += (unsigned)add;
}

/* The bucket for key, refilled; a new or reused slot starts full. */
static struct bucket *
bucket_get(struct ctl_ratelimit *rl, const char *key, uint64_t now)
{
	struct bucket *b, *spare = NULL;
	size_t i;

	for (i = 0; i < CTL_RL_SLOTS; i++) {
		b = &rl->b[i];
		if (b->key[0] != '\0' && strncmp(b->key, key,
		    CTL_RL_KEY_MAX) == 0) {
			bucket_refill(rl, b, now);
			return b;
		}
	}
	for (i = 0; i < CTL_RL_SLOTS; i++) {
		b = &rl->b[i];
		if (b->key[0] != '\0')
			bucket_refill(rl, b, now);
		if (b->key[0] == '\0' || b->tokens == rl->burst) {
			spare = b;
			break;
		}
		if (spare == NULL || b->tokens > spare->tokens)
			spare = b;
	}
	strncpy(spare->key, key, CTL_RL_KEY_MAX - 1);
	spare->key[CTL_RL_KEY_MAX - 1] = '\0';
	spare->tokens = rl->burst;
	spare->last_s = now;
	return spare;
}

unsigned
ctl_ratelimit_check(struct ctl_ratelimit *rl, const char *key, uint64_t now_s)
{
	struct bucket *b;
	unsigned wait = 0;

	pthread_mutex_lock(&rl->lock);
	b = bucket_get(rl, key, now_s);
	if (b->tokens == 0) {
		wait = (unsigned)(b->last_s + rl->refill_s - now_s);
		if (wait == 0)
			wait = 1;
	}
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

void
ctl_ratelimit_fail(struct ctl_ratelimit *rl, const char *key, uint64_t now_s)
{
	struct bucket *b;

	pthread_mutex_lock(&rl->lock);
	b = bucket_get(rl, key, now_s);
	if (b->tokens > 0) {
		if (b->tokens == rl->burst)
			b->last_s = now_s;	/* refill counts from first use */
		b->tokens--;
	}
	pthread_mutex_unlock(&rl->lock);
}

unsigned
ctl_ratelimit_take(struct ctl_ratelimit *rl, const char *key, uint64_t now_s)
{
	struct bucket *b;
	unsigned wait = 0;

	pthread_mutex_lock(&rl->lock);
	b = bucket_get(rl, key, now_s);
	if (b->tokens == 0) {
		wait = (unsigned)(b->last_s + rl->refill_s - now_s);
		if (wait == 0)
			wait = 1;
	} else {
		if (b->tokens == rl->burst)
			b->last_s = now_s;	/* refill counts from first use */
		b->tokens--;
	}
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

void
ctl_ratelimit_refund(struct ctl_ratelimit *rl, const char *key,
    uint64_t now_s)
{
	struct bucket *b;

	pthread_mutex_lock(&rl->lock);
	b = bucket_get(rl, key, now_s);
	if (b->tokens < rl->burst)
		b->tokens++;
	pthread_mutex_unlock(&rl->lock);
}
