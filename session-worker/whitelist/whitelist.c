/*
 * whitelist.c: the whitelist set, its file and its operations (see
 * whitelist.h).
 *
 * Layout: entries in insertion order in one array; a removed entry
 * becomes a tombstone (empty string) so every other index stays put, and
 * the array is compacted once tombstones outnumber live entries. An
 * open-addressing index (linear probing, SipHash keyed per list so crafted
 * inputs cannot pile up in one chain) maps numbers to array positions.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "atomicfile.h"
#include "phone.h"
#include "whitelist.h"
#include "whitelist_scan.h"
#include "wl_error.h"

#define WL_SLOT_EMPTY	UINT32_MAX
#define WL_MIN_SLOTS	64u
#define WL_FILE_MODE	0600
#define WL_STR2(x)	#x
#define WL_STR(x)	WL_STR2(x)

struct wl_entry {
	char	num[PHONE_BUF];		/* "" marks a removed entry */
};

struct whitelist {
	char		*path;
	struct wl_entry	*v;
	size_t		 len;		/* used entries, tombstones included */
	size_t		 cap;
	size_t		 live;
	uint32_t	*slots;		/* index into v, or WL_SLOT_EMPTY */
	size_t		 nslots;	/* a power of two, > 2 * len */
	unsigned char	 key[crypto_shorthash_KEYBYTES];
	struct whitelist_report report;	/* of the last load */
};

static size_t
wl_home(const struct whitelist *wl, const char *num)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t x;

	crypto_shorthash(h, (const unsigned char *)num, strlen(num), wl->key);
	memcpy(&x, h, sizeof(x));
	return (size_t)(x & (wl->nslots - 1));
}

/* The slot holding num, or SIZE_MAX. */
static size_t
wl_find(const struct whitelist *wl, const char *num)
{
	size_t i;

	if (wl->nslots == 0)
		return SIZE_MAX;
	for (i = wl_home(wl, num); wl->slots[i] != WL_SLOT_EMPTY;
	    i = (i + 1) & (wl->nslots - 1))
		if (strcmp(wl->v[wl->slots[i]].num, num) == 0)
			return i;
	return SIZE_MAX;
}

static void
wl_index_put(struct whitelist *wl, uint32_t idx)
{
	size_t i = wl_home(wl, wl->v[idx].num);

	while (wl->slots[i] != WL_SLOT_EMPTY)
		i = (i + 1) & (wl->nslots - 1);
	wl->slots[i] = idx;
}

/* Linear-probing deletion by backward shift: no index tombstones. */
static void
wl_index_del(struct whitelist *wl, size_t hole)
{
	size_t mask = wl->nslots - 1, i = hole, home;

	for (;;) {
		i = (i + 1) & mask;
		if (wl->slots[i] == WL_SLOT_EMPTY)
			break;
		home = wl_home(wl, wl->v[wl->slots[i]].num);
		/* move i into the hole unless its home lies in (hole, i] */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			wl->slots[hole] = wl->slots[i];
			hole = i;
		}
	}
	wl->slots[hole] = WL_SLOT_EMPTY;
}

static int
wl_reindex(struct whitelist *wl, size_t nslots)
{
	uint32_t *s = wl->slots;
	size_t i;

	if (nslots != wl->nslots) {	/* same size: rebuilt in place */
		if ((s = malloc(nslots * sizeof(*s))) == NULL)
			return -ENOMEM;
		free(wl->slots);
		wl->slots = s;
		wl->nslots = nslots;
	}
	memset(s, 0xff, nslots * sizeof(*s));	/* all WL_SLOT_EMPTY */
	for (i = 0; i < wl->len; i++)
		if (wl->v[i].num[0] != '\0')
			wl_index_put(wl, (uint32_t)i);
	return 0;
}

/* Room for one more entry: afterwards wl_append cannot fail. */
static int
wl_reserve(struct whitelist *wl)
{
	struct wl_entry *v;
	size_t ncap, nslots;
	int rc;

	if (wl->len == wl->cap) {
		ncap = wl->cap == 0 ? 64 : wl->cap * 2;
		if ((v = reallocarray(wl->v, ncap, sizeof(*v))) == NULL)
			return -ENOMEM;
		wl->v = v;
		wl->cap = ncap;
	}
	if (2 * (wl->len + 1) >= wl->nslots) {
		nslots = wl->nslots == 0 ? WL_MIN_SLOTS : wl->nslots * 2;
		if ((rc = wl_reindex(wl, nslots)) < 0)
			return rc;
	}
	return 0;
}

/* Appends a normalised number known to be absent. */
static int
wl_append(struct whitelist *wl, const char *num)
{
	int rc;

	if ((rc = wl_reserve(wl)) < 0)
		return rc;
	memcpy(wl->v[wl->len].num, num, PHONE_BUF);
	wl_index_put(wl, (uint32_t)wl->len++);
	wl->live++;
	return 0;
}

/* Drops tombstones once they outnumber live entries. */
static void
wl_compact(struct whitelist *wl)
{
	size_t i, j = 0;

	if (wl->len - wl->live <= wl->live || wl->len < 64)
		return;
	for (i = 0; i < wl->len; i++)
		if (wl->v[i].num[0] != '\0')
			wl->v[j++] = wl->v[i];
	wl->len = j;
	(void)wl_reindex(wl, wl->nslots);	/* same size: cannot fail */
}

static void
wl_clear(struct whitelist *wl)
{
	free(wl->v);
	free(wl->slots);
	wl->v = NULL;
	wl->slots = NULL;
	wl->len = wl->cap = wl->live = wl->nslots = 0;
}

/* Moves src's contents into dst (dst's old contents freed). */
static void
wl_take(struct whitelist *dst, struct whitelist *src)
{
	wl_clear(dst);
	dst->v = src->v;
	dst->len = src->len;
	dst->cap = src->cap;
	dst->live = src->live;
	dst->slots = src->slots;
	dst->nslots = src->nslots;
	memcpy(dst->key, src->key, sizeof(dst->key));
	dst->report = src->report;
	src->v = NULL;
	src->slots = NULL;
	wl_clear(src);
}

struct whitelist *
whitelist_new(const char *path)
{
	struct whitelist *wl;

	if (sodium_init() < 0 || (wl = calloc(1, sizeof(*wl))) == NULL)
		return NULL;
	if (path != NULL && (wl->path = strdup(path)) == NULL) {
		free(wl);
		return NULL;
	}
	randombytes_buf(wl->key, sizeof(wl->key));
	return wl;
}

void
whitelist_free(struct whitelist *wl)
{
	if (wl == NULL)
		return;
	wl_clear(wl);
	free(wl->path);
	free(wl);
}

size_t
whitelist_count(const struct whitelist *wl)
{
	return wl->live;
}

const char *
whitelist_next(const struct whitelist *wl, size_t *cursor)
{
	while (*cursor < wl->len) {
		const char *num = wl->v[(*cursor)++].num;

		if (num[0] != '\0')
			return num;
	}
	return NULL;
}

int
whitelist_list(const struct whitelist *wl, char ***out, size_t *n)
{
	char **v = NULL;
	const char *num;
	size_t cur = 0, i = 0;

	if (wl->live > 0 && (v = calloc(wl->live, sizeof(*v))) == NULL)
		return -ENOMEM;
	while ((num = whitelist_next(wl, &cur)) != NULL) {
		if ((v[i++] = strdup(num)) == NULL) {
			while (i-- > 0)
				free(v[i]);
			free(v);
			return -ENOMEM;
		}
	}
	*out = v;
	*n = wl->live;
	return 0;
}

const struct whitelist_report *
whitelist_report(const struct whitelist *wl)
{
	return &wl->report;
}

bool
whitelist_has(const struct whitelist *wl, const char *input)
{
	char num[PHONE_BUF];

	return phone_normalise(input, num, NULL) == 0 &&
	    wl_find(wl, num) != SIZE_MAX;
}

/*
 * The file's bytes: a JSON array, one number a line with two spaces of
 * indent (the layout of JSON.stringify(list, null, 2)), easy to diff.
 */
/* skip (an index, or SIZE_MAX) is left out, extra (or NULL) appended: the
 * bytes of a change not made yet. */
static int
wl_serialise(const struct whitelist *wl, size_t skip, const char *extra,
    char **out, size_t *len)
{
	size_t cap = 8 + (wl->live + 1) * (PHONE_DIGITS_MAX + 6), n = 0, i;
	char *buf;

	if ((buf = malloc(cap)) == NULL)
		return -ENOMEM;
	buf[n++] = '[';
	for (i = 0; i < wl->len; i++) {
		if (wl->v[i].num[0] == '\0' || i == skip)
			continue;
		n += (size_t)snprintf(buf + n, cap - n, "%s\n  \"%s\"",
		    n == 1 ? "" : ",", wl->v[i].num);
	}
	if (extra != NULL)
		n += (size_t)snprintf(buf + n, cap - n, "%s\n  \"%s\"",
		    n == 1 ? "" : ",", extra);
	n += (size_t)snprintf(buf + n, cap - n, "%s]\n", n > 1 ? "\n" : "");
	*out = buf;
	*len = n;
	return 0;
}

int
whitelist_save(const struct whitelist *wl)
{
	char *buf;
	size_t len;
	int rc;

	if (wl->path == NULL)
		return 0;
	if ((rc = wl_serialise(wl, SIZE_MAX, NULL, &buf, &len)) < 0)
		return rc;
	rc = atomicfile_write_keep(wl->path, buf, len, WL_FILE_MODE);
	free(buf);
	return rc;
}

static void
wl_reject(void *arg, unsigned line, unsigned column, const char *reason)
{
	struct whitelist_report *r = &((struct whitelist *)arg)->report;

	if (r->kept < WHITELIST_REJECTS_KEPT)
		r->lines[r->kept++] = (struct whitelist_reject){
			.line = line, .column = column, .reason = reason,
		};
	r->rejected++;
}

/* One entry of the file: served, dropped as a repeat, or rejected. */
static int
wl_entry(void *arg, unsigned line, json_t *e)
{
	struct whitelist *tmp = arg;
	const char *reason;
	char num[PHONE_BUF];

	if (!json_is_string(e)) {
		wl_reject(tmp, line, 0, json_is_number(e) ?
		    "a number without quotes: write it as a string" :
		    "not a string");
		return 0;
	}
	if (phone_normalise(json_string_value(e), num, &reason) < 0) {
		wl_reject(tmp, line, 0, reason);
		return 0;
	}
	if (wl_find(tmp, num) != SIZE_MAX) {
		tmp->report.duplicates++;
		return 0;
	}
	if (tmp->live == WHITELIST_MAX) {
		wl_reject(tmp, line, 0, "beyond the limit of "
		    WL_STR(WHITELIST_MAX) " numbers");
		return 0;
	}
	return wl_append(tmp, num);
}

/* Parses a whole file into tmp (an empty path-less list). */
static int
wl_parse(struct whitelist *tmp, const char *buf, size_t len,
    char why[static WHITELIST_WHY_MAX])
{
	int rc;

	if (len > WHITELIST_FILE_MAX) {
		snprintf(why, WHITELIST_WHY_MAX, "larger than %u bytes",
		    WHITELIST_FILE_MAX);
		return -EFBIG;
	}
	rc = wl_scan(buf, len, wl_entry, wl_reject, tmp, why,
	    WHITELIST_WHY_MAX);
	if (rc < 0 && rc != -WL_EBADFILE)
		snprintf(why, WHITELIST_WHY_MAX, "%s", wl_strerror(rc));
	tmp->report.in_file = tmp->report.rejected > 0;
	return rc;
}

int
whitelist_load_buf(struct whitelist *wl, const char *buf, size_t len,
    char why[static WHITELIST_WHY_MAX])
{
	struct whitelist *tmp;
	int rc;

	if ((tmp = whitelist_new(NULL)) == NULL) {
		snprintf(why, WHITELIST_WHY_MAX, "%s", wl_strerror(-ENOMEM));
		return -ENOMEM;
	}
	if ((rc = wl_parse(tmp, buf, len, why)) == 0) {
		wl_take(wl, tmp);
		why[0] = '\0';
	}
	whitelist_free(tmp);
	return rc;
}

int
whitelist_load(struct whitelist *wl, char why[static WHITELIST_WHY_MAX])
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (wl->path == NULL)
		return 0;
	(void)atomicfile_remove_temps(wl->path);	/* a crash's leftovers */
	rc = atomicfile_read(wl->path, WHITELIST_FILE_MAX, &buf, &len);
	if (rc == -ENOENT) {	/* first start: empty, created on first save */
		wl_clear(wl);
		memset(&wl->report, 0, sizeof(wl->report));
		why[0] = '\0';
		return 0;
	}
	if (rc < 0) {
		if (rc == -EFBIG)
			snprintf(why, WHITELIST_WHY_MAX, "larger than %u bytes",
			    WHITELIST_FILE_MAX);
		else
			snprintf(why, WHITELIST_WHY_MAX, "%s", wl_strerror(rc));
		return rc;
	}
	rc = whitelist_load_buf(wl, (const char *)buf, len, why);
	free(buf);
	return rc;
}

enum wl_change_kind { WLC_ADD, WLC_REMOVE, WLC_REPLACE };

struct whitelist_change {
	enum wl_change_kind	 kind;
	char			 num[PHONE_BUF];	/* add, remove */
	struct whitelist	*list;		/* replace: the new list */
	char			*path;		/* NULL: memory only */
	char			*buf;		/* the file's new bytes */
	size_t			 len;
};

void
whitelist_change_free(struct whitelist_change *ch)
{
	if (ch == NULL)
		return;
	whitelist_free(ch->list);
	free(ch->path);
	free(ch->buf);
	free(ch);
}

/* A change of kind to wl, with the file's bytes once it is made. */
static int
wl_change_new(const struct whitelist *wl, enum wl_change_kind kind,
    const char *num, struct whitelist_change **out)
{
	struct whitelist_change *ch;

	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return -ENOMEM;
	ch->kind = kind;
	if (num != NULL)
		memcpy(ch->num, num, PHONE_BUF);
	if (wl->path != NULL && (ch->path = strdup(wl->path)) == NULL) {
		free(ch);
		return -ENOMEM;
	}
	*out = ch;
	return 0;
}

int
whitelist_add_prepare(struct whitelist *wl, const char *input,
    char out[PHONE_BUF], const char **reason, struct whitelist_change **chp)
{
	struct whitelist_change *ch;
	char num[PHONE_BUF];
	int rc;

	if ((rc = phone_normalise(input, num, reason)) < 0)
		return rc;
	if (out != NULL)
		memcpy(out, num, sizeof(num));
	if (wl_find(wl, num) != SIZE_MAX)
		return -EEXIST;
	if (wl->live == WHITELIST_MAX)
		return -WL_EFULL;
	/* room now, so applying after the write cannot fail */
	if ((rc = wl_reserve(wl)) < 0 ||
	    (rc = wl_change_new(wl, WLC_ADD, num, &ch)) < 0)
		return rc;
	if (ch->path != NULL &&
	    (rc = wl_serialise(wl, SIZE_MAX, num, &ch->buf, &ch->len)) < 0) {
		whitelist_change_free(ch);
		return rc;
	}
	*chp = ch;
	return 0;
}

int
whitelist_remove_prepare(struct whitelist *wl, const char *input,
    char out[PHONE_BUF], const char **reason, struct whitelist_change **chp)
{
	struct whitelist_change *ch;
	char num[PHONE_BUF];
	size_t slot;
	int rc;

	if ((rc = phone_normalise(input, num, reason)) < 0)
		return rc;
	if (out != NULL)
		memcpy(out, num, sizeof(num));
	if ((slot = wl_find(wl, num)) == SIZE_MAX)
		return -ENOENT;
	if ((rc = wl_change_new(wl, WLC_REMOVE, num, &ch)) < 0)
		return rc;
	if (ch->path != NULL && (rc = wl_serialise(wl, wl->slots[slot], NULL,
	    &ch->buf, &ch->len)) < 0) {
		whitelist_change_free(ch);
		return rc;
	}
	*chp = ch;
	return 0;
}

int
whitelist_replace_prepare(struct whitelist *wl, const char *const *inputs,
    size_t n, whitelist_invalid_fn *on_invalid, void *arg,
    struct whitelist_change **chp)
{
	struct whitelist_change *ch;
	struct whitelist *tmp;
	const char *reason;
	char num[PHONE_BUF];
	size_t i, bad = 0;
	int rc = 0;

	if ((tmp = whitelist_new(NULL)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (phone_normalise(inputs[i], num, &reason) < 0) {
			if (on_invalid != NULL)	/* report every one, then refuse */
				on_invalid(arg, i, inputs[i], reason);
			bad++;
		} else if (bad > 0 || wl_find(tmp, num) != SIZE_MAX) {
			continue;	/* refusing anyway, or a duplicate */
		} else if (tmp->live == WHITELIST_MAX) {
			rc = -WL_EFULL;
		} else if ((rc = wl_append(tmp, num)) < 0) {
			break;
		}
	}
	if (bad > 0 && rc != -ENOMEM)
		rc = -WL_EBADNUMBER;
	if (rc == 0)
		rc = wl_change_new(wl, WLC_REPLACE, NULL, &ch);
	if (rc < 0) {
		whitelist_free(tmp);
		return rc;
	}
	ch->list = tmp;
	if (ch->path != NULL && (rc = wl_serialise(tmp, SIZE_MAX, NULL,
	    &ch->buf, &ch->len)) < 0) {
		whitelist_change_free(ch);
		return rc;
	}
	*chp = ch;
	return 0;
}

int
whitelist_change_write(const struct whitelist_change *ch)
{
	if (ch->path == NULL)
		return 0;
	return atomicfile_write_keep(ch->path, ch->buf, ch->len, WL_FILE_MODE);
}

void
whitelist_change_apply(struct whitelist *wl, struct whitelist_change *ch)
{
	size_t slot;
	uint32_t idx;

	switch (ch->kind) {
	case WLC_ADD:
		/* a reload while the file was written may have it already */
		if (wl_find(wl, ch->num) == SIZE_MAX &&
		    wl->live < WHITELIST_MAX)
			(void)wl_append(wl, ch->num);	/* room was reserved */
		wl->report.in_file = false;	/* the file is the list now */
		break;
	case WLC_REMOVE:
		if ((slot = wl_find(wl, ch->num)) != SIZE_MAX) {
			idx = wl->slots[slot];
			wl_index_del(wl, slot);
			wl->v[idx].num[0] = '\0';
			wl->live--;
			wl_compact(wl);
		}
		wl->report.in_file = false;
		break;
	case WLC_REPLACE:
		wl_take(wl, ch->list);
		break;
	}
}

/* The in-place forms: prepare, write, apply; a failed write changes nothing. */
static int
wl_commit(struct whitelist *wl, struct whitelist_change *ch)
{
	int rc;

	if ((rc = whitelist_change_write(ch)) == 0)
		whitelist_change_apply(wl, ch);
	whitelist_change_free(ch);
	return rc;
}

int
whitelist_add(struct whitelist *wl, const char *input, char out[PHONE_BUF],
    const char **reason)
{
	struct whitelist_change *ch;
	int rc;

	if ((rc = whitelist_add_prepare(wl, input, out, reason, &ch)) < 0)
		return rc;
	return wl_commit(wl, ch);
}

int
whitelist_remove(struct whitelist *wl, const char *input, char out[PHONE_BUF],
    const char **reason)
{
	struct whitelist_change *ch;
	int rc;

	if ((rc = whitelist_remove_prepare(wl, input, out, reason, &ch)) < 0)
		return rc;
	return wl_commit(wl, ch);
}

int
whitelist_replace(struct whitelist *wl, const char *const *inputs, size_t n,
    whitelist_invalid_fn *on_invalid, void *arg)
{
	struct whitelist_change *ch;
	int rc;

	if ((rc = whitelist_replace_prepare(wl, inputs, n, on_invalid, arg,
	    &ch)) < 0)
		return rc;
	return wl_commit(wl, ch);
}
