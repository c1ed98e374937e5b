/*
 * msg_tctoken.c: the privacy-token table: an array grown by doubling
 * and searched linearly (a bot talks to hundreds of contacts, not
 * millions), the least recently issued token dropped when it is full.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "msg_tctoken.h"

struct tctoken {
	char		key[TCTOKEN_KEY_MAX];
	uint8_t		tok[TCTOKEN_LEN_MAX];
	size_t		len;
	uint64_t	t_s;
};

struct tctokens {
	struct tctoken	*e;
	size_t		 n, cap;
};

struct tctokens *
tctokens_new(void)
{
	return calloc(1, sizeof(struct tctokens));
}

static void
wipe(struct tctokens *t)
{
	if (t->e != NULL)
		sodium_memzero(t->e, t->cap * sizeof(*t->e));
	free(t->e);
	t->e = NULL;
	t->n = t->cap = 0;
}

void
tctokens_free(struct tctokens *t)
{
	if (t == NULL)
		return;
	wipe(t);
	free(t);
}

/* Room for one more entry (up to TCTOKEN_SLOTS); the old array wiped. */
static int
grow(struct tctokens *t)
{
	size_t cap = t->cap == 0 ? 16 : t->cap * 2;
	struct tctoken *e;

	if (t->n < t->cap)
		return 0;
	if (cap > TCTOKEN_SLOTS)
		cap = TCTOKEN_SLOTS;
	if (cap <= t->cap)
		return -ENOSPC;
	if ((e = calloc(cap, sizeof(*e))) == NULL)
		return -ENOMEM;
	if (t->n > 0)
		memcpy(e, t->e, t->n * sizeof(*e));
	if (t->e != NULL)
		sodium_memzero(t->e, t->cap * sizeof(*t->e));
	free(t->e);
	t->e = e;
	t->cap = cap;
	return 0;
}

static bool
key_ok(const char *k)
{
	size_t i;

	for (i = 0; k[i] != '\0'; i++)
		if (i + 1 >= TCTOKEN_KEY_MAX || k[i] <= ' ' || k[i] > '~')
			return false;
	return i > 0;
}

static struct tctoken *
find(const struct tctokens *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].key, key) == 0)
			return &t->e[i];
	return NULL;
}

int
tctokens_put(struct tctokens *t, const char *key, const uint8_t *tok,
    size_t len, uint64_t t_s)
{
	struct tctoken *e;
	size_t i, old = 0;
	int rc;

	if (!key_ok(key) || len == 0 || len > TCTOKEN_LEN_MAX)
		return -EINVAL;
	if ((e = find(t, key)) != NULL) {
		if (t_s < e->t_s ||
		    (e->len == len && memcmp(e->tok, tok, len) == 0 && e->t_s == t_s))
			return 0;
	} else if (t->n < TCTOKEN_SLOTS) {
		if ((rc = grow(t)) < 0)
			return rc;
		e = &t->e[t->n++];
	} else {
		for (i = 1; i < t->n; i++)
			if (t->e[i].t_s < t->e[old].t_s)
				old = i;
		e = &t->e[old];
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	memcpy(e->tok, tok, len);
	e->len = len;
	e->t_s = t_s;
	return 1;
}

/* whatsmeow currentTCTokenCutoffTimestamp / isTCTokenExpired. */
bool
tctoken_expired(uint64_t t_s, uint64_t now_s)
{
	uint64_t bucket = now_s / TCTOKEN_BUCKET_S, cutoff;

	if (t_s == 0)
		return true;
	cutoff = bucket >= TCTOKEN_BUCKETS - 1 ?
	    (bucket - (TCTOKEN_BUCKETS - 1)) * TCTOKEN_BUCKET_S : 0;
	return t_s < cutoff;
}

const uint8_t *
tctokens_get(const struct tctokens *t, const char *key, uint64_t now_s,
    size_t *len)
{
	const struct tctoken *e = find(t, key);

	if (e == NULL || tctoken_expired(e->t_s, now_s))
		return NULL;
	*len = e->len;
	return e->tok;
}

const uint8_t *
tctokens_peek(const struct tctokens *t, const char *key, size_t *len,
    uint64_t *t_s)
{
	const struct tctoken *e = find(t, key);

	if (e == NULL)
		return NULL;
	*len = e->len;
	*t_s = e->t_s;
	return e->tok;
}

int
tctokens_del(struct tctokens *t, const char *key)
{
	struct tctoken *e = find(t, key);

	if (e == NULL)
		return 0;
	*e = t->e[--t->n];
	sodium_memzero(&t->e[t->n], sizeof(t->e[t->n]));
	return 1;
}

size_t
tctokens_count(const struct tctokens *t)
{
	return t->n;
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One "key t hex" line (no newline) into e. */
static int
parse_line(const char *p, size_t len, struct tctoken *e)
{
	const char *sp1 = memchr(p, ' ', len), *sp2, *h;
	size_t klen, hlen, i;
	uint64_t t = 0;

	if (sp1 == NULL || (klen = (size_t)(sp1 - p)) == 0 || klen >= TCTOKEN_KEY_MAX)
		return -EBADMSG;
	sp2 = memchr(sp1 + 1, ' ', len - klen - 1);
	if (sp2 == NULL || sp2 == sp1 + 1 || sp2 - sp1 - 1 > 20)
		return -EBADMSG;
	for (h = sp1 + 1; h < sp2; h++) {
		if (*h < '0' || *h > '9' || t > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		t = t * 10 + (uint64_t)(*h - '0');
	}
	h = sp2 + 1;
	hlen = len - (size_t)(h - p);
	if (hlen == 0 || hlen % 2 != 0 || hlen / 2 > TCTOKEN_LEN_MAX)
		return -EBADMSG;
	memset(e, 0, sizeof(*e));
	memcpy(e->key, p, klen);
	if (!key_ok(e->key))
		return -EBADMSG;
	for (i = 0; i < hlen / 2; i++) {
		int a = unhex(h[2 * i]), b = unhex(h[2 * i + 1]);

		if (a < 0 || b < 0)
			return -EBADMSG;
		e->tok[i] = (uint8_t)(a << 4 | b);
	}
	e->len = hlen / 2;
	e->t_s = t;
	return 0;
}

int
tctokens_load(struct tctokens *t, const uint8_t *b, size_t len)
{
	struct tctokens tmp = { 0 };
	const char *p = (const char *)b, *end = p + len, *nl;
	struct tctoken e;
	int rc = 0;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
		    parse_line(p, (size_t)(nl - p), &e) < 0 ||
		    find(&tmp, e.key) != NULL || tmp.n == TCTOKEN_SLOTS) {
			rc = -EBADMSG;
			break;
		}
		if ((rc = grow(&tmp)) < 0)
			break;
		tmp.e[tmp.n++] = e;
		p = nl + 1;
	}
	sodium_memzero(&e, sizeof(e));
	if (rc < 0) {
		wipe(&tmp);
		return rc;
	}
	wipe(t);
	*t = tmp;
	return 0;
}

int
tctokens_encode(const struct tctokens *t, uint8_t **out, size_t *len)
{
	static const char hx[] = "0123456789abcdef";
	size_t cap = 1, off = 0, i, k;
	char *p;
	int n;

	for (i = 0; i < t->n; i++)
		cap += strlen(t->e[i].key) + 1 + 20 + 1 + 2 * t->e[i].len + 1;
	if ((p = malloc(cap)) == NULL)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		const struct tctoken *e = &t->e[i];

		n = snprintf(p + off, cap - off, "%s %llu ", e->key,
		    (unsigned long long)e->t_s);
		off += (size_t)n;
		for (k = 0; k < e->len; k++) {
			p[off++] = hx[e->tok[k] >> 4];
			p[off++] = hx[e->tok[k] & 15];
		}
		p[off++] = '\n';
	}
	*out = (uint8_t *)p;
	*len = off;
	return 0;
}
