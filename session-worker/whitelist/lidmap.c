/*
 * lidmap.c: the LID table: an array of entries with an open-addressing
 * index on the LID (linear probing, backward-shift deletion) and a
 * recency list through the entries, grown by doubling up to LIDMAP_MAX.
 * A full table makes room by dropping the least recently used entry
 * whose number is not pinned (the whitelist's, through the caller's
 * predicate): strangers come and go, a whitelisted contact stays.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#include "lidmap.h"

#define NONE	UINT32_MAX

struct lid_entry {
	char		lid[LIDMAP_LID_MAX + 1];
	char		phone[PHONE_BUF];
	uint32_t	newer, older;	/* recency list; NONE at the ends */
};

struct lidmap {
	struct lid_entry	*e;
	size_t			 n, cap;
	uint32_t		*idx;	/* slot -> entry index + 1; 0: empty */
	size_t			 nidx;	/* power of two, > 2n */
	uint32_t		 newest, oldest;
	lidmap_pinned_fn	*pinned;
	void			*pin_arg;
};

struct lidmap *
lidmap_new(void)
{
	struct lidmap *m = calloc(1, sizeof(struct lidmap));

	if (m != NULL)
		m->newest = m->oldest = NONE;
	return m;
}

void
lidmap_pin(struct lidmap *m, lidmap_pinned_fn *fn, void *arg)
{
	m->pinned = fn;
	m->pin_arg = arg;
}

void
lidmap_free(struct lidmap *m)
{
	if (m == NULL)
		return;
	free(m->e);
	free(m->idx);
	free(m);
}

static bool
digits(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (n >= max || s[n] < '0' || s[n] > '9')
			return false;
	return n >= min;
}

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* The slot holding lid, or the empty slot where it would go. */
static size_t
slot_of(const struct lidmap *m, const char *lid)
{
	size_t i = hash(lid) & (m->nidx - 1);

	while (m->idx[i] != 0 && strcmp(m->e[m->idx[i] - 1].lid, lid) != 0)
		i = (i + 1) & (m->nidx - 1);
	return i;
}

static int
grow(struct lidmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, nidx = cap * 4, i;
	struct lid_entry *e;
	uint32_t *idx;

	if (cap > LIDMAP_MAX)
		cap = LIDMAP_MAX;
	if ((e = realloc(m->e, cap * sizeof(*e))) == NULL)
		return -ENOMEM;
	m->e = e;
	if ((idx = calloc(nidx, sizeof(*idx))) == NULL)
		return -ENOMEM;
	free(m->idx);
	m->idx = idx;
	m->nidx = nidx;
	m->cap = cap;
	for (i = 0; i < m->n; i++)
		m->idx[slot_of(m, m->e[i].lid)] = (uint32_t)i + 1;
	return 0;
}

static void
lru_unlink(struct lidmap *m, uint32_t i)
{
	struct lid_entry *e = &m->e[i];

	if (e->newer != NONE)
		m->e[e->newer].older = e->older;
	else
		m->newest = e->older;
	if (e->older != NONE)
		m->e[e->older].newer = e->newer;
	else
		m->oldest = e->newer;
}

static void
lru_push(struct lidmap *m, uint32_t i)
{
	m->e[i].newer = NONE;
	m->e[i].older = m->newest;
	if (m->newest != NONE)
		m->e[m->newest].newer = i;
	m->newest = i;
	if (m->oldest == NONE)
		m->oldest = i;
}

static void
touch(struct lidmap *m, uint32_t i)
{
	if (m->newest == i)
		return;
	lru_unlink(m, i);
	lru_push(m, i);
}

/* Removes entry i: its slot by backward shift, the last entry moves in. */
static void
drop(struct lidmap *m, uint32_t i)
{
	size_t mask = m->nidx - 1, s = slot_of(m, m->e[i].lid), j, home;
	uint32_t last = (uint32_t)m->n - 1;

	lru_unlink(m, i);
	m->idx[s] = 0;
	for (j = (s + 1) & mask; m->idx[j] != 0; j = (j + 1) & mask) {
		home = hash(m->e[m->idx[j] - 1].lid) & mask;
		/* move back unless home lies cyclically in (s, j] */
		if ((j > s && (home <= s || home > j)) ||
		    (j < s && (home <= s && home > j))) {
			m->idx[s] = m->idx[j];
			m->idx[j] = 0;
			s = j;
		}
	}
	if (i != last) {
		m->e[i] = m->e[last];
		m->idx[slot_of(m, m->e[i].lid)] = i + 1;
		if (m->e[i].newer != NONE)
			m->e[m->e[i].newer].older = i;
		else
			m->newest = i;
		if (m->e[i].older != NONE)
			m->e[m->e[i].older].newer = i;
		else
			m->oldest = i;
	}
	m->n--;
}

/*
 * The oldest entry nobody pinned. Pinned ones met on the way move to the
 * new end, so a walk past them is paid once per pinned entry, not per put.
 */
static int
evict_one(struct lidmap *m)
{
	size_t seen;
	uint32_t i;

	for (seen = 0; seen < m->n && (i = m->oldest) != NONE; seen++) {
		if (m->pinned == NULL || !m->pinned(m->pin_arg, m->e[i].phone)) {
			drop(m, i);
			return 0;
		}
		touch(m, i);
	}
	return -ENOSPC;
}

int
lidmap_put(struct lidmap *m, const char *lid, const char *phone)
{
	size_t s;
	uint32_t i;
	int rc;

	if (!digits(lid, 1, LIDMAP_LID_MAX) || !phone_is_valid(phone))
		return -EINVAL;
	if (m->nidx > 0) {
		s = slot_of(m, lid);
		if (m->idx[s] != 0) {
			struct lid_entry *e = &m->e[m->idx[s] - 1];

			touch(m, m->idx[s] - 1);
			if (strcmp(e->phone, phone) == 0)
				return 0;
			snprintf(e->phone, sizeof(e->phone), "%s", phone);
			return 1;
		}
	}
	if (m->n == LIDMAP_MAX && (rc = evict_one(m)) < 0)
		return rc;
	if (m->n == m->cap && (rc = grow(m)) < 0)
		return rc;
	i = (uint32_t)m->n;
	snprintf(m->e[i].lid, sizeof(m->e[i].lid), "%s", lid);
	snprintf(m->e[i].phone, sizeof(m->e[i].phone), "%s", phone);
	m->idx[slot_of(m, lid)] = i + 1;
	m->n++;
	lru_push(m, i);
	return 1;
}

const char *
lidmap_phone(struct lidmap *m, const char *lid)
{
	size_t s;

	if (m->nidx == 0)
		return NULL;
	s = slot_of(m, lid);
	if (m->idx[s] == 0)
		return NULL;
	touch(m, m->idx[s] - 1);
	return m->e[m->idx[s] - 1].phone;
}

size_t
lidmap_count(const struct lidmap *m)
{
	return m->n;
}

int
lidmap_load(struct lidmap *m, const uint8_t *buf, size_t len)
{
	struct lidmap *t = lidmap_new();
	char line[LIDMAP_LID_MAX + PHONE_BUF + 2], *sp;
	size_t off = 0, n;
	const uint8_t *nl;
	int rc = 0;

	if (t == NULL)
		return -ENOMEM;
	lidmap_pin(t, m->pinned, m->pin_arg);
	while (off < len && rc >= 0) {
		nl = memchr(buf + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		if (n >= sizeof(line) || memchr(buf + off, '\0', n) != NULL) {
			rc = -EBADMSG;
			break;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		off += n + (nl != NULL);
		if ((sp = strchr(line, ' ')) == NULL) {
			rc = -EBADMSG;
			break;
		}
		*sp = '\0';
		/* a later line wins: the file is a log of what was learnt */
		if ((rc = lidmap_put(t, line, sp + 1)) == -EINVAL)
			rc = -EBADMSG;
	}
	if (rc < 0) {
		lidmap_free(t);
		return rc;
	}
	free(m->e);
	free(m->idx);
	*m = *t;
	free(t);
	return 0;
}

int
lidmap_encode(const struct lidmap *m, uint8_t **out, size_t *len)
{
	size_t cap = m->n * sizeof(struct lid_entry) + 1, off = 0;
	uint32_t i;
	char *p;

	if ((p = malloc(cap)) == NULL)
		return -ENOMEM;
	/* oldest first: loading it back keeps the recency order */
	for (i = m->oldest; i != NONE; i = m->e[i].newer)
		off += (size_t)snprintf(p + off, cap - off, "%s %s\n", m->e[i].lid,
		    m->e[i].phone);
	*out = (uint8_t *)p;
	*len = off;
	return 0;
}
