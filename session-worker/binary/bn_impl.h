/*
 * bn_impl.h: the node layout shared by bn_node.c, bn_encode.c, bn_decode.c
 * and bn_print.c. Internal to binary/: callers use bn.h only.
 */
#ifndef WALINK_BN_IMPL_H
#define WALINK_BN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binary/bn.h"

/* Wire tags (protocol-notes §5); 1..235 are single-byte tokens. */
enum {
	BN_LIST_EMPTY	= 0,
	BN_DICTIONARY_0	= 236,
	BN_DICTIONARY_3	= 239,
	BN_INTEROP_JID	= 245,
	BN_FB_JID	= 246,
	BN_AD_JID	= 247,
	BN_LIST_8	= 248,
	BN_LIST_16	= 249,
	BN_JID_PAIR	= 250,
	BN_HEX_8	= 251,
	BN_BINARY_8	= 252,
	BN_BINARY_20	= 253,
	BN_BINARY_32	= 254,
	BN_NIBBLE_8	= 255,
};

/* A string: NUL-terminated at p[len]; static ones (tokens) are not freed. */
struct bn_str {
	const char	*p;
	uint32_t	 len;
	bool		 owned;
};

struct bn_attr {
	struct bn_str	 key;
	struct bn_str	 val;
};

struct bn_node {
	struct bn_str	 tag;
	struct bn_attr	*attrs;		/* inline_attrs, or malloc'd */
	uint32_t	 nattrs;
	uint32_t	 cattrs;
	bool		 attrs_inline;
	enum bn_content	 kind;
	uint8_t		*bytes;		/* BYTES, STRING: len bytes + a NUL */
	size_t		 len;
	struct bn_node	**kids;		/* LIST */
	uint32_t	 nkids;
	uint32_t	 ckids;
};

/* Owned copy of s[0..len) plus a NUL; -ENOMEM. */
int	bn_str_dup(struct bn_str *, const char *s, size_t len);
void	bn_str_release(struct bn_str *);
/*
 * A node with an empty tag for the decoder to fill, with room for nattrs
 * attributes in the same allocation (one malloc less per decoded node).
 */
struct bn_node *bn_node_alloc(size_t nattrs);
/* Appends an attribute without looking for an existing key (decoder). */
int	bn_node_push_attr(struct bn_node *, struct bn_str *key, struct bn_str *val);
void	bn_node_clear_content(struct bn_node *);

#endif
