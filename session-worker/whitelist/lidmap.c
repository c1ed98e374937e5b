/*
 * lidmap.c: the LID table: an array in insertion order (the file order)
 * with an open-addressing index on the LID, grown by doubling up to
 * LIDMAP_MAX.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#include "lidmap.h"

struct lid_entry {
	char	lid[LIDMAP_LID_MAX + 1];
	char	phone[PHONE_BUF];
};

struct lidmap {
	struct lid_entry	*e;
	size_t			 n, cap;
	uint32_t		*idx;	/* slot -> entry index + 1; 0: empty */
	size_t			 nidx;	/* power of two, > 2n */
};

struct lidmap *
lidmap_new(void)
{
	return calloc(1, sizeof(struct lidmap));
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

int
lidmap_put(struct lidmap *m, const char *lid, const char *phone)
{
	size_t s;
	int rc;

	if (!digits(lid, 1, LIDMAP_LID_MAX) || !phone_is_valid(phone))
		return -EINVAL;
	if (m->nidx > 0) {
		s = slot_of(m, lid);
		if (m->idx[s] != 0) {
			struct lid_entry *e = &m->e[m->idx[s] - 1];

			if (strcmp(e->phone, phone) == 0)
				return 0;
			snprintf(e->phone, sizeof(e->phone), "%s", phone);
			return 1;
		}
	}
	if (m->n == LIDMAP_MAX)
		return -ENOSPC;
	if (m->n == m->cap && (rc = grow(m)) < 0)
		return rc;
	snprintf(m->e[m->n].lid, sizeof(m->e[m->n].lid), "%s", lid);
	snprintf(m->e[m->n].phone, sizeof(m->e[m->n].phone), "%s", phone);
	m->idx[slot_of(m, lid)] = (uint32_t)m->n + 1;
	m->n++;
	return 1;
}

const char *
lidmap_phone(const struct lidmap *m, const char *lid)
{
	size_t s;

	if (m->nidx == 0)
		return NULL;
	s = slot_of(m, lid);
	return m->idx[s] != 0 ? m->e[m->idx[s] - 1].phone : NULL;
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
	size_t cap = m->n * sizeof(struct lid_entry) + 1, off = 0, i;
	char *p;

	if ((p = malloc(cap)) == NULL)
		return -ENOMEM;
	for (i = 0; i < m->n; i++)
		off += (size_t)snprintf(p + off, cap - off, "%s %s\n", m->e[i].lid,
		    m->e[i].phone);
	*out = (uint8_t *)p;
	*len = off;
	return 0;
}
