/*
 * sig_cache.c: the write-back cache of Signal's blobs (sessions, peer
 * identities, sender keys). A decrypt or encrypt changes a session; with
 * write-back on, the new record stays here and the message journal
 * (message/msg_journal.c) takes it into its next group commit, one
 * fdatasync shared with the plaintext it goes with, off the loop. Reads
 * look here first, so the loop always sees the newest ratchet. Entries
 * leave once compaction has written them to their own files (gen says
 * which version was written). A deleted blob is a tombstone (len 0)
 * until then, so the journal cannot bring it back.
 *
 * Without write-back (tests, tools) every write goes straight to the
 * store, as before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/store.h"

#include "sig_internal.h"

struct sig_blob {
	char		 name[STORE_NAME_MAX];
	uint8_t		*buf;		/* NULL: deleted */
	size_t		 len;
	uint64_t	 gen;		/* of the last change */
	bool		 dirty;		/* changed since the last take */
};

static struct sig_blob *
find(struct sig *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ncache; i++)
		if (strcmp(s->cache[i].name, name) == 0)
			return &s->cache[i];
	return NULL;
}

static void
blob_wipe(struct sig_blob *b)
{
	if (b->buf != NULL) {
		sodium_memzero(b->buf, b->len);
		free(b->buf);
	}
	b->buf = NULL;
	b->len = 0;
}

static struct sig_blob *
slot(struct sig *s, const char *name)
{
	struct sig_blob *b, *grown;
	size_t cap;

	if ((b = find(s, name)) != NULL)
		return b;
	if (s->ncache == s->capcache) {
		cap = s->capcache ? s->capcache * 2 : 64;
		if ((grown = realloc(s->cache, cap * sizeof(*grown))) == NULL)
			return NULL;
		s->cache = grown;
		s->capcache = cap;
	}
	b = &s->cache[s->ncache++];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	return b;
}

void
sig_write_back(struct sig *s, bool on)
{
	s->write_back = on;
}

int
sig_blob_get(struct sig *s, const char *name, uint8_t **out, size_t *len)
{
	struct sig_blob *b;

	if (!s->write_back || (b = find(s, name)) == NULL)
		return store_get(s->st, name, out, len);
	if (b->buf == NULL)
		return -ENOENT;
	if ((*out = malloc(b->len)) == NULL)
		return -ENOMEM;
	memcpy(*out, b->buf, b->len);
	*len = b->len;
	return 0;
}

int
sig_blob_put(struct sig *s, const char *name, const uint8_t *buf, size_t len)
{
	struct sig_blob *b;
	uint8_t *copy;

	if (!s->write_back)
		return store_put(s->st, name, buf, len);
	if (len == 0 || len > STORE_BLOB_MAX)
		return -EINVAL;
	if ((copy = malloc(len)) == NULL || (b = slot(s, name)) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, buf, len);
	blob_wipe(b);
	b->buf = copy;
	b->len = len;
	b->gen = ++s->gen;
	b->dirty = true;
	return 0;
}

/*
 * With write-back the file stays until compaction: a one-time prekey
 * used by a pkmsg must outlive a crash before the session it made is
 * durable, or the message sent again could never be decrypted.
 */
int
sig_blob_del(struct sig *s, const char *name)
{
	struct sig_blob *b;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (!s->write_back)
		return store_del(s->st, name);
	if ((b = find(s, name)) != NULL) {
		if (b->buf == NULL)
			return -ENOENT;
	} else {
		if ((rc = store_get(s->st, name, &buf, &len)) < 0)
			return rc;
		sodium_memzero(buf, len);
		free(buf);
		if ((b = slot(s, name)) == NULL)
			return -ENOMEM;
	}
	blob_wipe(b);
	b->gen = ++s->gen;
	b->dirty = true;
	return 0;
}

int
sig_blob_del_prefix(struct sig *s, const char *prefix)
{
	size_t i, pl = strlen(prefix);
	int n;

	if ((n = store_del_prefix(s->st, prefix)) < 0)
		return n;
	for (i = 0; s->write_back && i < s->ncache; i++) {
		struct sig_blob *b = &s->cache[i];

		if (strncmp(b->name, prefix, pl) != 0)
			continue;
		if (b->buf != NULL)
			n++;
		blob_wipe(b);
		b->gen = ++s->gen;
		b->dirty = true;
	}
	return n;
}

uint64_t
sig_take_dirty(struct sig *s, sig_blob_fn *fn, void *arg)
{
	size_t i;

	for (i = 0; i < s->ncache; i++) {
		if (!s->cache[i].dirty)
			continue;
		s->cache[i].dirty = false;
		fn(arg, s->cache[i].name, s->cache[i].buf, s->cache[i].len);
	}
	return s->gen;
}

uint64_t
sig_each_cached(struct sig *s, sig_blob_fn *fn, void *arg)
{
	size_t i;

	for (i = 0; i < s->ncache; i++)
		fn(arg, s->cache[i].name, s->cache[i].buf, s->cache[i].len);
	return s->gen;
}

size_t
sig_cached_count(const struct sig *s)
{
	return s->ncache;
}

void
sig_cached_flushed(struct sig *s, uint64_t gen)
{
	size_t i, k = 0;

	for (i = 0; i < s->ncache; i++) {
		struct sig_blob *b = &s->cache[i];

		if (b->gen <= gen && !b->dirty) {
			blob_wipe(b);
			continue;
		}
		if (k != i)
			s->cache[k] = *b;
		k++;
	}
	s->ncache = k;
}

void
sig_cache_free(struct sig *s)
{
	size_t i;

	for (i = 0; i < s->ncache; i++)
		blob_wipe(&s->cache[i]);
	free(s->cache);
	s->cache = NULL;
	s->ncache = s->capcache = 0;
}
