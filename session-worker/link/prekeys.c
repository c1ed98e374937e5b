/*
 * prekeys.c: one-time prekeys (protocol-notes §7), as a batch object and
 * pure rules; link.c holds the batch, runs its timer, writes the ids to
 * the credentials and sends. After login link.c asks how many keys the
 * server holds and tops them up when fewer than PREKEY_MIN remain (also
 * when an encrypt notification says so). Every new key is stored, and the
 * next id saved, BEFORE the upload is sent: after a crash the server can
 * never hold a key we forgot (pitfall 15). The first upload of a device is
 * PREKEY_FIRST keys kept in one blob, later ones PREKEY_BATCH single blobs
 * made a few per loop turn; only when the count (and any upload) is
 * answered does the passive iq go out (Baileys socket.ts:
 * uploadPreKeysToServerIfRequired then sendPassiveIq('active')).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "binary/bn.h"
#include "store/keys.h"
#include "store/store.h"
#include "store/store_writer.h"

#include "link_internal.h"

#define PREKEY_MIN	5	/* Baileys and whatsmeow top up below this */
#define PREKEY_BATCH	50	/* whatsmeow's WantedPreKeyCount */
/* Baileys INITIAL_PREKEY_COUNT: what a new device uploads first. */
#define PREKEY_FIRST	812
#define PREKEY_ID_MAX	0xffffff	/* ids travel in 3 bytes */
#define DJB_TYPE	0x05

/* Blob name of a one-time prekey: its private then public key (64 bytes). */
static void
prekey_blob_name(uint32_t id, char out[32])
{
	snprintf(out, 32, "prekey-%u", id);
}

static void
put_be(uint8_t *p, uint32_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

static struct bn_node *
bytes_node(const char *tag, const uint8_t *b, size_t len)
{
	struct bn_node *n = bn_node_new(tag);

	if (n != NULL && bn_node_set_bytes(n, b, len) < 0) {
		bn_node_free(n);
		return NULL;
	}
	return n;
}

/* Adds <tag>bytes</tag> to parent; -ENOMEM on failure. */
static int
add_bytes(struct bn_node *parent, const char *tag, const uint8_t *b, size_t len)
{
	struct bn_node *n = bytes_node(tag, b, len);

	if (n == NULL || bn_node_add_child(parent, n) < 0) {
		bn_node_free(n);
		return -ENOMEM;
	}
	return 0;
}

static int
add_key(struct bn_node *list, uint32_t id, const uint8_t pub[32])
{
	struct bn_node *key = bn_node_new("key");
	uint8_t idb[3];

	put_be(idb, id, sizeof(idb));
	if (key == NULL || add_bytes(key, "id", idb, 3) < 0 ||
	    add_bytes(key, "value", pub, 32) < 0 ||
	    bn_node_add_child(list, key) < 0) {
		bn_node_free(key);
		return -ENOMEM;
	}
	return 0;
}

static struct bn_node *
upload_node(const struct creds *c, const uint8_t (*pubs)[32], uint32_t first,
    uint32_t n)
{
	struct bn_node *iq = bn_node_new("iq"), *list = NULL, *skey = NULL;
	uint8_t reg[4], type = DJB_TYPE, sid[3];
	uint32_t i;

	put_be(reg, c->registration_id, sizeof(reg));
	put_be(sid, c->spk_id, sizeof(sid));
	if (iq == NULL || (list = bn_node_new("list")) == NULL ||
	    (skey = bn_node_new("skey")) == NULL ||
	    bn_node_set_attr(iq, "xmlns", "encrypt") < 0 ||
	    bn_node_set_attr(iq, "type", "set") < 0 ||
	    bn_node_set_attr(iq, "to", BN_SERVER_JID) < 0 ||
	    add_bytes(iq, "registration", reg, sizeof(reg)) < 0 ||
	    add_bytes(iq, "type", &type, 1) < 0 ||
	    add_bytes(iq, "identity", c->ident_pub, 32) < 0)
		goto out_nomem;
	for (i = 0; i < n; i++)
		if (add_key(list, first + i, pubs[i]) < 0)
			goto out_nomem;
	if (bn_node_add_child(iq, list) < 0)
		goto out_nomem;
	list = NULL;
	if (add_bytes(skey, "id", sid, 3) < 0 ||
	    add_bytes(skey, "value", c->spk_pub, 32) < 0 ||
	    add_bytes(skey, "signature", c->spk_sig, 64) < 0 ||
	    bn_node_add_child(iq, skey) < 0)
		goto out_nomem;
	return iq;

out_nomem:
	bn_node_free(skey);
	bn_node_free(list);
	bn_node_free(iq);
	return NULL;
}

/*
 * Keys made per step, a step per loop turn (a first upload of 812 keys
 * must not hold the loop for long); each step's keys are written by the
 * worker's store writer in one group commit (store_put_many) while the
 * loop goes on. The batch is complete, and the upload may go, only when
 * every write has come back durable: the order above holds.
 */
#define PREKEY_CHUNK	8
#define PREKEY_CHUNK_MEM	64	/* the first batch: key making only */

struct prekey_batch {
	uint8_t		(*pubs)[32];
	uint32_t	 first, n, done;
	uint8_t		*blob;		/* the first batch (store/keys.h); NULL: files */
	size_t		 blob_len;
	unsigned	 writing;	/* writes submitted, not yet done */
	int		 write_rc;	/* the first write's error */
	bool		 orphan;	/* freed while writing: the last write frees it */
};

/* One write: a chunk of key files, or the first batch's blob. */
struct prekey_write {
	struct prekey_batch	*b;
	struct store		*st;
	size_t			 n;
	char			 names[PREKEY_CHUNK][32];
	uint8_t			 kps[PREKEY_CHUNK][64];
	uint8_t			*blob;
	size_t			 blob_len;
};

static void	batch_release(struct prekey_batch *);

static void
write_free(struct prekey_write *w)
{
	if (w->blob != NULL) {
		sodium_memzero(w->blob, w->blob_len);
		free(w->blob);
	}
	sodium_memzero(w->kps, sizeof(w->kps));
	free(w);
}

/* On the writer thread (or in place). */
static int
write_work(void *arg)
{
	struct prekey_write *w = arg;
	struct store_item items[PREKEY_CHUNK];
	size_t i;

	if (w->blob != NULL)
		return store_put(w->st, KEYS_PREKEY_BATCH_BLOB, w->blob, w->blob_len);
	for (i = 0; i < w->n; i++)
		items[i] = (struct store_item){ w->names[i], w->kps[i], 64 };
	return store_put_many(w->st, items, w->n);
}

/* On the loop: link.c's next step sees it. */
static void
write_done(void *arg, int rc)
{
	struct prekey_write *w = arg;
	struct prekey_batch *b = w->b;

	write_free(w);
	b->writing--;
	if (rc < 0 && b->write_rc == 0)
		b->write_rc = rc;
	if (b->orphan && b->writing == 0)
		batch_release(b);
}

static int
write_submit(struct prekey_batch *b, struct store_writer *wr,
    struct prekey_write *w)
{
	b->writing++;
	if (wr == NULL || store_writer_submit(wr, write_work, write_done, w) < 0)
		write_done(w, write_work(w));	/* no thread: in place */
	return 0;
}

static void
batch_release(struct prekey_batch *b)
{
	free(b->pubs);
	if (b->blob != NULL) {
		sodium_memzero(b->blob, b->blob_len);
		free(b->blob);
	}
	free(b);
}

void
prekey_batch_free(struct prekey_batch *b)
{
	if (b == NULL)
		return;
	if (b->writing > 0)
		b->orphan = true;
	else
		batch_release(b);
}

/* The first id of n keys after next_id: ids wrap to 1 as Signal's do. */
static uint32_t
first_id(uint32_t next_id, uint32_t n)
{
	if (next_id == 0 || next_id + n > PREKEY_ID_MAX)
		return 1;
	return next_id;
}

int
prekey_batch_new(uint32_t next_id, uint32_t n, struct prekey_batch **out)
{
	struct prekey_batch *b = calloc(1, sizeof(*b));

	if (b == NULL || (b->pubs = calloc(n, sizeof(*b->pubs))) == NULL) {
		free(b);
		return -ENOMEM;
	}
	b->first = first_id(next_id, n);
	b->n = n;
	if (n == PREKEY_FIRST) {
		b->blob_len = KEYS_PREKEY_BATCH_HDR + (size_t)n * KEYS_PREKEY_ENTRY;
		if ((b->blob = malloc(b->blob_len)) == NULL) {
			prekey_batch_free(b);
			return -ENOMEM;
		}
		keys_prekey_batch_header(b->blob, b->first, n);
	}
	*out = b;
	return 0;
}

uint32_t
prekey_batch_first(const struct prekey_batch *b)
{
	return b->first;
}

uint32_t
prekey_batch_count(const struct prekey_batch *b)
{
	return b->n;
}

int
prekey_batch_step(struct prekey_batch *b, struct store *st,
    struct store_writer *wr)
{
	uint32_t end = b->done + (b->blob ? PREKEY_CHUNK_MEM : PREKEY_CHUNK);
	struct prekey_write *w = NULL;
	uint8_t *e;

	if (b->write_rc < 0)
		return b->write_rc;
	if (end > b->n)
		end = b->n;
	if (b->blob == NULL && b->done < end &&
	    (w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	for (; b->done < end; b->done++) {
		e = b->blob != NULL ? b->blob + KEYS_PREKEY_BATCH_HDR +
		    (size_t)b->done * KEYS_PREKEY_ENTRY : w->kps[w->n];
		keys_curve_pair(e, e + 32);
		memcpy(b->pubs[b->done], e + 32, 32);
		if (w != NULL)
			prekey_blob_name(b->first + b->done, w->names[w->n++]);
	}
	if (w != NULL) {
		w->b = b;
		w->st = st;
		write_submit(b, wr, w);
	}
	if (b->done == b->n && b->blob != NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return -ENOMEM;
		w->b = b;
		w->st = st;
		w->blob = b->blob;	/* the write owns it now */
		w->blob_len = b->blob_len;
		b->blob = NULL;
		write_submit(b, wr, w);
	}
	if (b->write_rc < 0)
		return b->write_rc;
	return b->done < b->n || b->writing > 0 ? 1 : 0;
}

struct bn_node *
prekey_batch_upload_node(const struct prekey_batch *b, const struct creds *c)
{
	return upload_node(c, (const uint8_t (*)[32])b->pubs, b->first, b->n);
}

struct bn_node *
link_prekeys_count_iq(void)
{
	struct bn_node *iq = bn_node_new("iq"), *count = bn_node_new("count");

	if (iq != NULL && count != NULL &&
	    bn_node_set_attr(iq, "xmlns", "encrypt") == 0 &&
	    bn_node_set_attr(iq, "type", "get") == 0 &&
	    bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_add_child(iq, count) == 0)
		return iq;
	bn_node_free(count);
	bn_node_free(iq);
	return NULL;
}

int
link_prekeys_count(const struct bn_node *n)
{
	const struct bn_node *c = bn_node_peek_child_by_tag(n, "count");
	const char *v = c != NULL ? bn_node_attr(c, "value") : NULL;

	return v != NULL ? atoi(v) : -1;
}

uint32_t
link_prekeys_wanted(int server_count, bool topup_only, uint32_t uploaded_id)
{
	if (topup_only && server_count < 0)
		return 0;	/* a notification without a count */
	if (server_count >= PREKEY_MIN)
		return 0;
	/* whatsmeow connectionevents.go: the initial upload is for a device
	 * with none on the server and none uploaded before. */
	if (!topup_only && server_count <= 0 && uploaded_id == 0)
		return PREKEY_FIRST;
	return PREKEY_BATCH;
}

const uint8_t *
prekey_batch_pub(const struct prekey_batch *b, uint32_t i)
{
	return b->pubs[i];
}

/*
 * Spare keys for retry receipts (whatsmeow store GenOnePreKey, made
 * ahead here: link.c) take their ids past a batch still being made, as
 * a batch made later takes its ids past theirs (creds next_prekey_id).
 */
uint32_t
prekey_batch_next_first(uint32_t next_id, const struct prekey_batch *pending,
    uint32_t n)
{
	if (pending != NULL && next_id < pending->first + pending->n)
		next_id = pending->first + pending->n;
	return first_id(next_id, n);
}

/*
 * One fresh one-time prekey for a retry receipt's <keys> made in place,
 * on the loop (whatsmeow store GenOnePreKey), when no spare is ready
 * (link.c): its id past a batch still being made; stored before the
 * caller saves the next id and hands the public half out.
 */
int
link_prekeys_make_one(struct store *st, uint32_t next_id,
    const struct prekey_batch *pending, uint32_t *id, uint8_t pub[32])
{
	uint32_t n = next_id;
	uint8_t kp[64];
	char name[32];
	int rc;

	if (pending != NULL && n < pending->first + pending->n)
		n = pending->first + pending->n;
	if (n == 0 || n + 1 > PREKEY_ID_MAX)
		n = 1;
	keys_curve_pair(kp, kp + 32);
	prekey_blob_name(n, name);
	rc = store_put(st, name, kp, sizeof(kp));
	memcpy(pub, kp + 32, 32);
	sodium_memzero(kp, sizeof(kp));
	if (rc < 0)
		return rc;
	*id = n;
	return 0;
}
