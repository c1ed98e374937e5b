/*
 * prekeys.c: one-time prekeys on the server (protocol-notes §7). After
 * login we ask how many the server holds and top them up when fewer than
 * PREKEY_MIN remain (also when an encrypt notification says so). Every
 * new key is stored, and the next id saved, BEFORE the upload is sent:
 * after a crash the server can never hold a key we forgot (pitfall 15).
 * The first upload of a device is PREKEY_FIRST keys kept in one blob,
 * later ones PREKEY_BATCH single blobs made a few per loop turn; only when the count (and any upload) is answered does
 * the passive iq go out (Baileys socket.ts: uploadPreKeysToServerIfRequired
 * then sendPassiveIq('active')).
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
upload_node(struct link *l, const uint8_t (*pubs)[32], uint32_t first,
    uint32_t n)
{
	struct bn_node *iq = bn_node_new("iq"), *list = NULL, *skey = NULL;
	const struct creds *c = l->creds;
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

/* Keys made per loop turn, and the pause between turns: a first upload
 * of 812 fsync'd files must not hold the loop (pings, IPC) for a second,
 * and lws runs a timer due now before it polls the sockets again. */
#define PREKEY_CHUNK	8
#define PREKEY_CHUNK_MEM	64	/* the first batch: key making only */
#define PREKEY_PAUSE_MS	2

void
link_prekeys_stop(struct link *l)
{
	lws_sul_cancel(&l->sul_prekeys);
	free(l->pk_pubs);
	l->pk_pubs = NULL;
	if (l->pk_blob != NULL) {
		sodium_memzero(l->pk_blob, l->pk_blob_len);
		free(l->pk_blob);
		l->pk_blob = NULL;
	}
	l->pk_n = l->pk_done = 0;
}

/* The upload's answer; the passive iq follows it either way. */
static void
upload_done(void *arg, const struct bn_node *iq, int err)
{
	struct link *l = arg;

	if (err == -ENOTCONN)
		return;		/* the next login counts again */
	if (iq == NULL)
		log_warnx("link: our prekey upload went unanswered");
	else if (strcmp(bn_node_attr(iq, "type"), "error") == 0)
		log_warnx("link: the server refused our prekey upload");
	else {
		l->creds->uploaded_prekey_id = l->prekey_upload_top;
		link_save_creds(l, "a prekey upload");
	}
	link_passive_after_prekeys(l);
}

/* All keys stored: save the next id, then upload them in one iq. */
static int
upload_made(struct link *l)
{
	struct bn_node *iq;
	int rc;

	if (l->creds->next_prekey_id < l->pk_first + l->pk_n)
		l->creds->next_prekey_id = l->pk_first + l->pk_n;
	if ((rc = link_save_creds(l, "making prekeys")) < 0)
		return rc;
	if ((iq = upload_node(l, (const uint8_t (*)[32])l->pk_pubs, l->pk_first,
	    l->pk_n)) == NULL)
		return -ENOMEM;
	l->prekey_upload_top = l->pk_first + l->pk_n - 1;
	rc = link_iq_send_raw(l, iq, 0, upload_done, l);
	bn_node_free(iq);
	log_info("link: uploading %u prekeys (ids %u-%u)", l->pk_n, l->pk_first,
	    l->pk_first + l->pk_n - 1);
	return rc;
}

/* Stores what make_chunk made: the batch blob, or nothing (files are). */
static int
store_made(struct link *l)
{
	int rc;

	if (l->pk_blob == NULL)
		return 0;
	rc = store_put(l->st, KEYS_PREKEY_BATCH_BLOB, l->pk_blob, l->pk_blob_len);
	sodium_memzero(l->pk_blob, l->pk_blob_len);
	free(l->pk_blob);
	l->pk_blob = NULL;
	return rc;
}

static void
make_chunk(lws_sorted_usec_list_t *sul)
{
	struct link *l = LINK_OF(sul, sul_prekeys);
	uint32_t end = l->pk_done + (l->pk_blob ? PREKEY_CHUNK_MEM : PREKEY_CHUNK);
	uint8_t kp[64], *e;
	char name[32];
	int rc = 0;

	if (end > l->pk_n)
		end = l->pk_n;
	for (; l->pk_done < end && rc == 0; l->pk_done++) {
		e = l->pk_blob != NULL ? l->pk_blob + KEYS_PREKEY_BATCH_HDR +
		    (size_t)l->pk_done * KEYS_PREKEY_ENTRY : kp;
		keys_curve_pair(e, e + 32);
		memcpy(l->pk_pubs[l->pk_done], e + 32, 32);
		if (l->pk_blob == NULL) {
			prekey_blob_name(l->pk_first + l->pk_done, name);
			rc = store_put(l->st, name, kp, sizeof(kp));
		}
	}
	sodium_memzero(kp, sizeof(kp));
	if (rc == 0 && l->pk_done < l->pk_n) {
		link_schedule(l, &l->sul_prekeys, make_chunk, PREKEY_PAUSE_MS);
		return;
	}
	if (rc < 0 || (rc = store_made(l)) < 0)
		log_error(rc, "store: could not save new prekeys; not uploading");
	else if ((rc = upload_made(l)) < 0)
		log_warn(rc, "link: could not upload prekeys");
	link_prekeys_stop(l);
	if (rc < 0)
		link_passive_after_prekeys(l);
}

/*
 * Makes n keys, then uploads them: the first upload as one batch blob,
 * top-ups a chunk of files per loop turn.
 */
static int
upload(struct link *l, uint32_t n)
{
	uint32_t first = l->creds->next_prekey_id;

	if (l->pk_pubs != NULL)
		return 0;	/* a batch is already being made */
	if (first == 0)
		first = 1;
	if (first + n > PREKEY_ID_MAX)	/* wrap as Signal does: ids restart at 1 */
		first = 1;
	if ((l->pk_pubs = calloc(n, sizeof(*l->pk_pubs))) == NULL)
		return -ENOMEM;
	l->pk_first = first;
	l->pk_n = n;
	l->pk_done = 0;
	if (n == PREKEY_FIRST) {
		l->pk_blob_len = KEYS_PREKEY_BATCH_HDR + (size_t)n * KEYS_PREKEY_ENTRY;
		if ((l->pk_blob = malloc(l->pk_blob_len)) == NULL) {
			link_prekeys_stop(l);
			return -ENOMEM;
		}
		keys_prekey_batch_header(l->pk_blob, first, n);
	}
	link_schedule(l, &l->sul_prekeys, make_chunk, 0);
	return 0;
}

static void	count_done(void *arg, const struct bn_node *iq, int err);

int
link_prekeys_on_login(struct link *l)
{
	struct bn_node *iq = bn_node_new("iq"), *count = bn_node_new("count");
	int rc = -ENOMEM;

	if (iq != NULL && count != NULL &&
	    bn_node_set_attr(iq, "xmlns", "encrypt") == 0 &&
	    bn_node_set_attr(iq, "type", "get") == 0 &&
	    bn_node_set_attr(iq, "to", BN_SERVER_JID) == 0 &&
	    bn_node_add_child(iq, count) == 0) {
		count = NULL;
		rc = link_iq_send_raw(l, iq, 0, count_done, l);
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

/* The count's answer: top up below PREKEY_MIN, then the passive iq. */
static void
count_done(void *arg, const struct bn_node *iq, int err)
{
	struct link *l = arg;
	int n;

	if (err == -ENOTCONN)
		return;
	if (iq == NULL) {
		/* whatsmeow: a count that fails uploads nothing */
		log_warnx("link: the prekey count went unanswered");
		link_passive_after_prekeys(l);
		return;
	}
	n = strcmp(bn_node_attr(iq, "type"), "error") == 0 ? -1 : count_of(iq);
	log_info("link: the server holds %d of our prekeys", n < 0 ? 0 : n);
	/* whatsmeow connectionevents.go: the initial upload is for a device
	 * with none on the server and none uploaded before. */
	if (n < PREKEY_MIN && upload(l, n <= 0 && l->creds->uploaded_prekey_id == 0 ?
	    PREKEY_FIRST : PREKEY_BATCH) == 0)
		return;		/* passive once the upload is answered */
	link_passive_after_prekeys(l);
}

int
link_prekeys_on_notification(struct link *l, const struct bn_node *n)
{
	int c = count_of(n);

	if (c >= 0 && c < PREKEY_MIN && link_logged_in(l))
		return upload(l, PREKEY_BATCH);
	return 0;
}

/*
 * One fresh one-time prekey for a retry receipt's <keys> (whatsmeow
 * store GenOnePreKey): stored, and the next id saved, before the caller
 * hands the public half out.
 */
int
link_prekey_one(struct link *l, uint32_t *id, uint8_t pub[32])
{
	uint32_t n = l->creds->next_prekey_id;
	uint8_t kp[64];
	char name[32];
	int rc;

	if (l->pk_pubs != NULL && n < l->pk_first + l->pk_n)
		n = l->pk_first + l->pk_n;	/* past a batch being made */
	if (n == 0 || n + 1 > PREKEY_ID_MAX)
		n = 1;
	keys_curve_pair(kp, kp + 32);
	prekey_blob_name(n, name);
	rc = store_put(l->st, name, kp, sizeof(kp));
	memcpy(pub, kp + 32, 32);
	sodium_memzero(kp, sizeof(kp));
	if (rc < 0)
		return rc;
	l->creds->next_prekey_id = n + 1;
	if ((rc = link_save_creds(l, "a retry prekey")) < 0)
		return rc;
	*id = n;
	return 0;
}
