/*
 * msg_media_retry.c: see msg_media_retry.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binary/bn.h"
#include "message/msg_media_retry.h"

static struct bn_node *
child_bytes(const char *tag, const uint8_t *p, size_t n)
{
	struct bn_node *c = bn_node_new(tag);

	if (c != NULL && bn_node_set_bytes(c, p, n) != 0) {
		bn_node_free(c);
		return NULL;
	}
	return c;
}

static int
add(struct bn_node *parent, struct bn_node *c)
{
	if (c == NULL || bn_node_add_child(parent, c) != 0) {
		bn_node_free(c);
		return -ENOMEM;
	}
	return 0;
}

struct bn_node *
msg_media_retry_receipt(const char *id, const char *own_jid, const char *chat,
    const uint8_t media_key[MEDIA_KEY_LEN])
{
	struct bn_node *r, *enc, *rmr;
	uint8_t iv[MEDIA_RETRY_IV_LEN], *ct = NULL;
	size_t ct_len = 0;
	int ok;

	if (media_retry_seal_request(media_key, id, iv, 0, &ct, &ct_len) != 0)
		return NULL;
	r = bn_node_new("receipt");
	enc = bn_node_new("encrypt");
	rmr = bn_node_new("rmr");
	ok = r != NULL && enc != NULL && rmr != NULL &&
	    bn_node_set_attr(r, "id", id) == 0 &&
	    bn_node_set_attr(r, "to", own_jid) == 0 &&
	    bn_node_set_attr(r, "type", "server-error") == 0 &&
	    add(enc, child_bytes("enc_p", ct, ct_len)) == 0 &&
	    add(enc, child_bytes("enc_iv", iv, sizeof(iv))) == 0 &&
	    bn_node_set_attr(rmr, "jid", chat) == 0 &&
	    bn_node_set_attr(rmr, "from_me", "false") == 0;
	free(ct);
	if (ok && bn_node_add_child(r, enc) == 0) {
		enc = NULL;
		if (bn_node_add_child(r, rmr) == 0)
			return r;
	}
	bn_node_free(enc);
	bn_node_free(rmr);
	bn_node_free(r);
	return NULL;
}

const char *
msg_media_retry_id(const struct bn_node *n)
{
	const char *type = bn_node_attr(n, "type");

	if (!bn_node_tag_is(n, "notification") || type == NULL ||
	    strcmp(type, "mediaretry") != 0)
		return NULL;
	return bn_node_attr(n, "id");
}

int
msg_media_retry_read(const struct bn_node *n, const uint8_t media_key[MEDIA_KEY_LEN],
    struct media_retry_answer *out, int *code)
{
	const struct bn_node *rmr, *err, *enc, *p, *iv;
	const uint8_t *pb, *ivb;
	const char *id = msg_media_retry_id(n), *c;
	size_t plen, ivlen;

	memset(out, 0, sizeof(*out));
	*code = 0;
	/* whatsmeow parseMediaRetryNotification: <rmr> is required */
	if (id == NULL || (rmr = bn_node_peek_child_by_tag(n, "rmr")) == NULL ||
	    bn_node_attr(rmr, "jid") == NULL)
		return -EBADMSG;
	if ((err = bn_node_peek_child_by_tag(n, "error")) != NULL) {
		c = bn_node_attr(err, "code");
		*code = c != NULL ? atoi(c) : 0;
		return -EREMOTEIO;
	}
	if ((enc = bn_node_peek_child_by_tag(n, "encrypt")) == NULL ||
	    (p = bn_node_peek_child_by_tag(enc, "enc_p")) == NULL ||
	    (iv = bn_node_peek_child_by_tag(enc, "enc_iv")) == NULL ||
	    (pb = bn_node_peek_bytes(p, &plen)) == NULL ||
	    (ivb = bn_node_peek_bytes(iv, &ivlen)) == NULL)
		return -EBADMSG;
	return media_retry_open_answer(media_key, id, ivb, ivlen, pb, plen, out);
}
