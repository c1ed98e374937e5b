/*
 * bn_node.c: the node model (bn.h). Every node owns its strings, content
 * and children; token strings from the decoder point into the static
 * tables instead of being copied (the common case: most tags and keys are
 * tokens).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "binary/bn.h"
#include "binary/bn_impl.h"

static const char bn_empty[1] = "";

int
bn_str_dup(struct bn_str *s, const char *p, size_t len)
{
	char *c;

	if (len > UINT32_MAX - 1)
		return -EMSGSIZE;
	if ((c = malloc(len + 1)) == NULL)
		return -ENOMEM;
	if (len > 0)
		memcpy(c, p, len);
	c[len] = '\0';
	s->p = c;
	s->len = (uint32_t)len;
	s->owned = true;
	return 0;
}

void
bn_str_release(struct bn_str *s)
{
	if (s->owned)
		free((void *)(uintptr_t)s->p);
	s->p = bn_empty;
	s->len = 0;
	s->owned = false;
}

struct bn_node *
bn_node_alloc(size_t nattrs)
{
	struct bn_node *n;

	if (nattrs > BN_ATTRS_MAX ||
	    (n = malloc(sizeof(*n) + nattrs * sizeof(struct bn_attr))) == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->tag.p = bn_empty;
	if (nattrs > 0) {
		n->attrs = (struct bn_attr *)(n + 1);
		n->cattrs = (uint32_t)nattrs;
		n->attrs_inline = true;
	}
	return n;
}

struct bn_node *
bn_node_new_len(const char *tag, size_t len)
{
	struct bn_node *n;

	if (tag == NULL || len == 0 || (n = bn_node_alloc(0)) == NULL)
		return NULL;
	if (bn_str_dup(&n->tag, tag, len) < 0) {
		free(n);
		return NULL;
	}
	return n;
}

struct bn_node *
bn_node_new(const char *tag)
{
	return tag == NULL ? NULL : bn_node_new_len(tag, strlen(tag));
}

void
bn_node_clear_content(struct bn_node *n)
{
	uint32_t i;

	for (i = 0; i < n->nkids; i++)
		bn_node_free(n->kids[i]);
	free(n->kids);
	free(n->bytes);
	n->kids = NULL;
	n->nkids = n->ckids = 0;
	n->bytes = NULL;
	n->len = 0;
	n->kind = BN_CONTENT_NONE;
}

void
bn_node_free(struct bn_node *n)
{
	uint32_t i;

	if (n == NULL)
		return;
	bn_node_clear_content(n);
	for (i = 0; i < n->nattrs; i++) {
		bn_str_release(&n->attrs[i].key);
		bn_str_release(&n->attrs[i].val);
	}
	if (!n->attrs_inline)
		free(n->attrs);
	bn_str_release(&n->tag);
	free(n);
}

const char *
bn_node_tag(const struct bn_node *n)
{
	return n->tag.p;
}

size_t
bn_node_tag_len(const struct bn_node *n)
{
	return n->tag.len;
}

bool
bn_node_tag_is(const struct bn_node *n, const char *tag)
{
	size_t len = strlen(tag);

	return n->tag.len == len && memcmp(n->tag.p, tag, len) == 0;
}

int
bn_node_push_attr(struct bn_node *n, struct bn_str *key, struct bn_str *val)
{
	struct bn_attr *a;
	uint32_t cap;

	if (n->nattrs >= BN_ATTRS_MAX)
		return -EMSGSIZE;
	if (n->nattrs == n->cattrs) {
		cap = n->cattrs == 0 ? 4 : n->cattrs * 2;
		if (n->attrs_inline) {	/* outgrown the decoder's room */
			if ((a = malloc(cap * sizeof(*a))) == NULL)
				return -ENOMEM;
			memcpy(a, n->attrs, n->nattrs * sizeof(*a));
			n->attrs_inline = false;
		} else if ((a = realloc(n->attrs, cap * sizeof(*a))) == NULL)
			return -ENOMEM;
		n->attrs = a;
		n->cattrs = cap;
	}
	n->attrs[n->nattrs].key = *key;
	n->attrs[n->nattrs].val = *val;
	n->nattrs++;
	return 0;
}

static struct bn_attr *
attr_find(const struct bn_node *n, const char *key, size_t klen, bool last)
{
	uint32_t i, k;

	for (k = 0; k < n->nattrs; k++) {
		i = last ? n->nattrs - 1 - k : k;
		if (n->attrs[i].key.len == klen &&
		    memcmp(n->attrs[i].key.p, key, klen) == 0)
			return &n->attrs[i];
	}
	return NULL;
}

int
bn_node_set_attr_len(struct bn_node *n, const char *key, size_t klen,
    const char *value, size_t vlen)
{
	struct bn_attr *a;
	struct bn_str k, v;
	int rc;

	if (key == NULL || value == NULL)
		return -EINVAL;
	if ((rc = bn_str_dup(&v, value, vlen)) < 0)
		return rc;
	if ((a = attr_find(n, key, klen, false)) != NULL) {
		bn_str_release(&a->val);
		a->val = v;
		return 0;
	}
	if ((rc = bn_str_dup(&k, key, klen)) < 0)
		goto out_free_value;
	if ((rc = bn_node_push_attr(n, &k, &v)) < 0)
		goto out_free_key;
	return 0;
out_free_key:
	bn_str_release(&k);
out_free_value:
	bn_str_release(&v);
	return rc;
}

int
bn_node_set_attr(struct bn_node *n, const char *key, const char *value)
{
	if (key == NULL || value == NULL)
		return -EINVAL;
	return bn_node_set_attr_len(n, key, strlen(key), value, strlen(value));
}

const char *
bn_node_attr_len(const struct bn_node *n, const char *key, size_t *vlen)
{
	struct bn_attr *a = attr_find(n, key, strlen(key), true);

	if (a == NULL)
		return NULL;
	if (vlen != NULL)
		*vlen = a->val.len;
	return a->val.p;
}

const char *
bn_node_attr(const struct bn_node *n, const char *key)
{
	return bn_node_attr_len(n, key, NULL);
}

size_t
bn_node_attr_count(const struct bn_node *n)
{
	return n->nattrs;
}

int
bn_node_attr_at(const struct bn_node *n, size_t i, const char **key,
    size_t *klen, const char **value, size_t *vlen)
{
	if (i >= n->nattrs)
		return -ENOENT;
	if (key != NULL)
		*key = n->attrs[i].key.p;
	if (klen != NULL)
		*klen = n->attrs[i].key.len;
	if (value != NULL)
		*value = n->attrs[i].val.p;
	if (vlen != NULL)
		*vlen = n->attrs[i].val.len;
	return 0;
}

enum bn_content
bn_node_content(const struct bn_node *n)
{
	return n->kind;
}

static int
set_bytes(struct bn_node *n, const void *p, size_t len, enum bn_content kind)
{
	uint8_t *b;

	if (p == NULL && len > 0)
		return -EINVAL;
	if (len > BN_FRAME_MAX)
		return -EMSGSIZE;
	if ((b = malloc(len + 1)) == NULL)
		return -ENOMEM;
	if (len > 0)
		memcpy(b, p, len);
	b[len] = '\0';
	bn_node_clear_content(n);
	n->bytes = b;
	n->len = len;
	n->kind = kind;
	return 0;
}

int
bn_node_set_bytes(struct bn_node *n, const uint8_t *p, size_t len)
{
	return set_bytes(n, p, len, BN_CONTENT_BYTES);
}

int
bn_node_set_string(struct bn_node *n, const char *p, size_t len)
{
	return set_bytes(n, p, len, BN_CONTENT_STRING);
}

int
bn_node_set_list(struct bn_node *n)
{
	bn_node_clear_content(n);
	n->kind = BN_CONTENT_LIST;
	return 0;
}

int
bn_node_add_child(struct bn_node *n, struct bn_node *child)
{
	struct bn_node **k;
	uint32_t cap;

	if (child == NULL || child == n)
		return -EINVAL;
	if (n->kind != BN_CONTENT_LIST)
		bn_node_set_list(n);
	if (n->nkids >= BN_CHILDREN_MAX)
		return -EMSGSIZE;
	if (n->nkids == n->ckids) {
		cap = n->ckids == 0 ? 4 : n->ckids * 2;
		if ((k = realloc(n->kids, cap * sizeof(*k))) == NULL)
			return -ENOMEM;
		n->kids = k;
		n->ckids = cap;
	}
	n->kids[n->nkids++] = child;
	return 0;
}

const uint8_t *
bn_node_peek_bytes(const struct bn_node *n, size_t *len)
{
	if (n->kind != BN_CONTENT_BYTES && n->kind != BN_CONTENT_STRING) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = n->len;
	return n->bytes;
}

size_t
bn_node_child_count(const struct bn_node *n)
{
	return n->kind == BN_CONTENT_LIST ? n->nkids : 0;
}

struct bn_node *
bn_node_peek_child(const struct bn_node *n, size_t i)
{
	if (n->kind != BN_CONTENT_LIST || i >= n->nkids)
		return NULL;
	return n->kids[i];
}

struct bn_node *
bn_node_peek_child_by_tag(const struct bn_node *n, const char *tag)
{
	uint32_t i;

	if (n->kind != BN_CONTENT_LIST)
		return NULL;
	for (i = 0; i < n->nkids; i++)
		if (bn_node_tag_is(n->kids[i], tag))
			return n->kids[i];
	return NULL;
}

static bool
str_eq(const struct bn_str *a, const struct bn_str *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

bool
bn_node_equal(const struct bn_node *a, const struct bn_node *b)
{
	uint32_t i;
	bool abytes, bbytes;

	if (!str_eq(&a->tag, &b->tag) || a->nattrs != b->nattrs)
		return false;
	for (i = 0; i < a->nattrs; i++)
		if (!str_eq(&a->attrs[i].key, &b->attrs[i].key) ||
		    !str_eq(&a->attrs[i].val, &b->attrs[i].val))
			return false;
	abytes = a->kind == BN_CONTENT_BYTES || a->kind == BN_CONTENT_STRING;
	bbytes = b->kind == BN_CONTENT_BYTES || b->kind == BN_CONTENT_STRING;
	if (abytes || bbytes)
		return abytes && bbytes && a->len == b->len &&
		    (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0);
	if (a->kind != b->kind || a->nkids != b->nkids)
		return false;
	for (i = 0; i < a->nkids; i++)
		if (!bn_node_equal(a->kids[i], b->kids[i]))
			return false;
	return true;
}
