/*
 * prekeys.c: one-time prekeys on the server (protocol-notes §7). After
 * login we ask how many the server holds and top them up when fewer than
 * PREKEY_MIN remain (also when an encrypt notification says so). Every
 * new key is stored, and the next id saved, BEFORE the upload is sent:
 * after a crash the server can never hold a key we forgot (pitfall 15).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "binary/bn.h"
#include "log.h"
#include "store/keys.h"
#include "store/store.h"

#include "link_internal.h"

#define PREKEY_MIN	5	/* Baileys and whatsmeow top up below this */
#define PREKEY_BATCH	50	/* whatsmeow's WantedPreKeyCount */
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
upload_node(struct link *l, const uint8_t (*pubs)[32], uint32_t first,
    uint32_t n)
{
	struct bn_node *iq = bn_node_new("iq"), *list = NULL, *skey = NULL;
	const struct creds *c = l->creds;
	uint8_t reg[4], type = DJB_TYPE, sid[3];
	uint32_t i;

	put_be(reg, c->registration_id, sizeof(reg));
	put_be(sid, c->spk_id, sizeof(sid));
	link_new_id(l, l->prekey_upload_id);
	if (iq == NULL || (list = bn_node_new("list")) == NULL ||
	    (skey = bn_node_new("skey")) == NULL ||
	    bn_node_set_attr(iq, "xmlns", "encrypt") < 0 ||
	    bn_node_set_attr(iq, "type", "set") < 0 ||
	    bn_node_set_attr(iq, "to", "s.whatsapp.net") < 0 ||
	    bn_node_set_attr(iq, "id", l->prekey_upload_id) < 0 ||
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

static int
upload(struct link *l, uint32_t n)
{
	uint8_t (*pubs)[32], (*kps)[64] = NULL;
	uint32_t first = l->creds->next_prekey_id, i;
	struct store_item *items = NULL;
	char (*names)[32] = NULL;
	struct bn_node *iq;
	int rc = 0;

	if (first == 0)
		first = 1;
	if (first + n > PREKEY_ID_MAX)	/* wrap as Signal does: ids restart at 1 */
		first = 1;
	if ((pubs = calloc(n, sizeof(*pubs))) == NULL ||
	    (kps = sodium_malloc(n * sizeof(*kps))) == NULL ||
	    (names = calloc(n, sizeof(*names))) == NULL ||
	    (items = calloc(n, sizeof(*items))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		keys_curve_pair(kps[i], kps[i] + 32);
		memcpy(pubs[i], kps[i] + 32, 32);
		prekey_blob_name(first + i, names[i]);
		items[i].name = names[i];
		items[i].buf = kps[i];
		items[i].len = sizeof(kps[i]);
	}
	/* one group commit for the batch: two syncs, not two per key */
	rc = store_put_many(l->st, items, n);
	if (rc < 0) {
		log_error(rc, "store: could not save new prekeys; not uploading");
		goto out;
	}
	l->creds->next_prekey_id = first + n;
	if ((rc = link_save_creds(l, "making prekeys")) < 0)
		goto out;
	if ((iq = upload_node(l, (const uint8_t (*)[32])pubs, first, n)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	l->prekey_upload_top = first + n - 1;
	rc = link_send_raw(l, iq);
	bn_node_free(iq);
	log_info("link: uploading %u prekeys (ids %u-%u)", n, first, first + n - 1);
out:
	sodium_free(kps);	/* wipes */
	free(items);
	free(names);
	free(pubs);
	return rc;
}

int
link_prekeys_on_login(struct link *l)
{
	struct bn_node *iq = bn_node_new("iq"), *count = bn_node_new("count");
	int rc = -ENOMEM;

	link_new_id(l, l->prekey_count_id);
	if (iq != NULL && count != NULL &&
	    bn_node_set_attr(iq, "xmlns", "encrypt") == 0 &&
	    bn_node_set_attr(iq, "type", "get") == 0 &&
	    bn_node_set_attr(iq, "to", "s.whatsapp.net") == 0 &&
	    bn_node_set_attr(iq, "id", l->prekey_count_id) == 0 &&
	    bn_node_add_child(iq, count) == 0) {
		count = NULL;
		rc = link_send_raw(l, iq);
	}
	bn_node_free(count);
	bn_node_free(iq);
	return rc;
}

/* <count value=N/> inside an iq result or an encrypt notification. */
static int
count_of(const struct bn_node *n)
{
	const struct bn_node *c = bn_node_peek_child_by_tag(n, "count");
	const char *v = c != NULL ? bn_node_attr(c, "value") : NULL;

	return v != NULL ? atoi(v) : -1;
}

int
link_prekeys_on_result(struct link *l, const struct bn_node *iq)
{
	bool error = strcmp(bn_node_attr(iq, "type"), "error") == 0;
	int n;

	if (strcmp(bn_node_attr(iq, "id"), l->prekey_upload_id) == 0) {
		l->prekey_upload_id[0] = '\0';
		if (error) {
			log_warnx("link: the server refused our prekey upload");
			return 0;
		}
		l->creds->uploaded_prekey_id = l->prekey_upload_top;
		link_save_creds(l, "a prekey upload");
		return 0;
	}
	l->prekey_count_id[0] = '\0';
	n = error ? -1 : count_of(iq);
	log_info("link: the server holds %d of our prekeys", n < 0 ? 0 : n);
	if (n < PREKEY_MIN)
		return upload(l, PREKEY_BATCH);
	return 0;
}

int
link_prekeys_on_notification(struct link *l, const struct bn_node *n)
{
	int c = count_of(n);

	if (c >= 0 && c < PREKEY_MIN && l->logged_in)
		return upload(l, PREKEY_BATCH);
	return 0;
}
