/*
 * bn.h: WhatsApp binary XML nodes (protocol-notes §5), the codec's whole
 * public face. A node is a tag, ordered attributes (string -> string) and
 * content: nothing, bytes, a string, or a list of child nodes.
 *
 * Strings (tags, attribute keys and values) are byte strings with a length;
 * the accessors also NUL-terminate them so callers may use them as C
 * strings. A string from the wire may hold a NUL byte: use the _len
 * variants when that matters.
 *
 * Content decoded from a string form (token, packed nibble/hex, JID) is
 * BN_CONTENT_STRING, raw bytes are BN_CONTENT_BYTES: re-encoding picks the
 * same wire form again (Baileys decode.js returns a string for the former and
 * a Buffer for the latter; whatsmeow likewise keeps []byte apart from
 * strings and JIDs).
 *
 * Nodes own everything they hold; bn_node_free() frees the whole tree.
 * Pointers returned by _peek functions and by the string accessors are
 * borrowed: valid until the node changes or is freed. Never logs.
 */
#ifndef WALINK_BN_H
#define WALINK_BN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting bound for nodes and for strings inside JIDs (protocol-notes §5,
 * pitfall 24); real stanzas nest fewer than 10 deep. */
#define BN_DEPTH_MAX		64
/* A transport frame carries at most 2^24 - 1 bytes (protocol-notes §1):
 * no node, compressed or not, can be longer. */
#define BN_FRAME_MAX		((1u << 24) - 1)
/* A list header holds 16 bits: at most 65535 items, 32767 attributes. */
#define BN_CHILDREN_MAX		65535u
#define BN_ATTRS_MAX		32767u
/* Packed nibble/hex strings are at most 127 characters (Baileys PACKED_MAX). */
#define BN_PACKED_MAX		127

/* Frame flags byte (protocol-notes §5, pitfall 5). */
#define BN_FLAG_COMPRESSED	0x02

enum bn_content {
	BN_CONTENT_NONE,
	BN_CONTENT_BYTES,
	BN_CONTENT_STRING,
	BN_CONTENT_LIST,
};

struct bn_node;	/* opaque */

/* Node model (bn_node.c). */
struct bn_node	*bn_node_new(const char *tag);
struct bn_node	*bn_node_new_len(const char *tag, size_t len);
void		 bn_node_free(struct bn_node *);	/* NULL-safe, frees children */
const char	*bn_node_tag(const struct bn_node *);
size_t		 bn_node_tag_len(const struct bn_node *);
bool		 bn_node_tag_is(const struct bn_node *, const char *tag);

/* Sets key to value: replaces the first attribute named key, else appends. */
int		 bn_node_set_attr(struct bn_node *, const char *key, const char *value);
int		 bn_node_set_attr_len(struct bn_node *, const char *key, size_t klen,
		    const char *value, size_t vlen);
/* Value of key, NULL when absent; with duplicates (possible on the wire) the
 * last wins, as in Baileys, whose decoder overwrites earlier ones. */
const char	*bn_node_attr(const struct bn_node *, const char *key);
const char	*bn_node_attr_len(const struct bn_node *, const char *key,
		    size_t *vlen);
size_t		 bn_node_attr_count(const struct bn_node *);
/* The i-th attribute in wire order; any out-pointer may be NULL. */
int		 bn_node_attr_at(const struct bn_node *, size_t i,
		    const char **key, size_t *klen, const char **value, size_t *vlen);

enum bn_content	 bn_node_content(const struct bn_node *);
/*
 * Replace the content with a copy of the bytes: _set_bytes as raw bytes
 * (BINARY_8/20/32), _set_string as a string, written in the first string
 * form that fits (token, packed, JID, raw). -EMSGSIZE past BN_FRAME_MAX.
 */
int		 bn_node_set_bytes(struct bn_node *, const uint8_t *, size_t);
int		 bn_node_set_string(struct bn_node *, const char *, size_t);
/* Makes the content an empty child list (encoded as LIST_EMPTY). */
int		 bn_node_set_list(struct bn_node *);
/* Appends child, turning the content into a list; takes child only on
 * success (-EMSGSIZE past BN_CHILDREN_MAX, -ENOMEM). */
int		 bn_node_add_child(struct bn_node *, struct bn_node *child);
/* Bytes of BYTES or STRING content, else NULL (*len set to 0). */
const uint8_t	*bn_node_peek_bytes(const struct bn_node *, size_t *len);
size_t		 bn_node_child_count(const struct bn_node *);
struct bn_node	*bn_node_peek_child(const struct bn_node *, size_t i);
/* First child with that tag, else NULL. */
struct bn_node	*bn_node_peek_child_by_tag(const struct bn_node *, const char *tag);
/*
 * Structural equality: tags, attributes in order, content. BYTES and STRING
 * content compare equal when their bytes do: the wire cannot tell a raw
 * string from raw bytes.
 */
bool		 bn_node_equal(const struct bn_node *, const struct bn_node *);

/*
 * Encoding (bn_encode.c), protocol-notes §5 string order: token, nibble,
 * hex, JID, raw. Output is malloc'd (caller frees) and at most max bytes
 * (-EMSGSIZE past it; 0 means BN_FRAME_MAX). _frame prepends the 0x00 flags
 * byte. _into writes into a caller buffer without allocating.
 */
int	bn_encode(const struct bn_node *, size_t max, uint8_t **out, size_t *len);
int	bn_encode_frame(const struct bn_node *, size_t max, uint8_t **out,
	    size_t *len);
int	bn_encode_into(const struct bn_node *, uint8_t *buf, size_t cap,
	    size_t *len);

/*
 * Decoding (bn_decode.c). Total: any input yields a node (*out, caller
 * frees) or -EBADMSG (truncated, malformed, trailing bytes), -EMSGSIZE (over
 * a limit), -ELOOP (nested past BN_DEPTH_MAX), -ENOMEM; *out stays
 * untouched on error. bn_decode_frame reads the flags byte first and
 * inflates (zlib) when BN_FLAG_COMPRESSED is set, up to BN_FRAME_MAX.
 */
int	bn_decode(const uint8_t *, size_t, struct bn_node **out);
int	bn_decode_frame(const uint8_t *, size_t, struct bn_node **out);

/*
 * JIDs (bn_jid.c): user[_agent][:device]@server, and for INTEROP_JID
 * integrator-user:device@server. Parsed views borrow from the input.
 * bn_jid_parse accepts canonical forms only: agent and device in decimal
 * without leading zeros, agent <= 255, device <= 65535; it returns -EINVAL
 * for anything else (no '@', empty server, bad numbers).
 */
struct bn_jid {
	const char	*user;
	size_t		 user_len;
	const char	*server;
	size_t		 server_len;
	int		 agent;		/* -1: none */
	int		 device;	/* -1: none */
};
int	bn_jid_parse(const char *, size_t, struct bn_jid *out);
/* Writes user[_agent][:device]@server plus a NUL; -EMSGSIZE if cap is short. */
int	bn_jid_format(const struct bn_jid *, char *buf, size_t cap, size_t *len);
/* The server AD_JID domain byte d decodes to (0 s.whatsapp.net, 1 lid,
 * 128 hosted, 129 hosted.lid, any other: s.whatsapp.net). */
const char *bn_jid_domain_server(unsigned int d);
/*
 * The server as a JID with an empty user (iq to=, pair-device-sign): it
 * encodes as JID_PAIR(LIST_EMPTY, s.whatsapp.net) = fa 00 03, as both
 * references send it (Baileys S_WHATSAPP_NET, whatsmeow types.ServerJID);
 * the bare string would go out as the single token 03 (protocol-notes §8).
 */
#define BN_SERVER_JID	"@s.whatsapp.net"

/*
 * Printer (bn_print.c): <tag k="v"...>children</tag> for logs. Byte
 * content shows as its length, with BN_PRINT_HEX also its first 16 bytes in
 * hex. Writes at most cap bytes including the NUL, truncating; returns the
 * length the full text needs (as snprintf does).
 */
#define BN_PRINT_HEX	0x01
size_t	bn_print(const struct bn_node *, unsigned int flags, char *buf, size_t cap);

#endif
