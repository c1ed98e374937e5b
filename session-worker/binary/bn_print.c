/*
 * bn_print.c: a node as XML-like text for logs: <tag k="v">...</tag>.
 * Byte content shows as its length only ("<12 bytes>"), or with BN_PRINT_HEX
 * also its first bytes in hex: message bodies and keys stay out of logs
 * (STYLE.md rule 8). String content and attribute values print as text,
 * with non-printable bytes escaped.
 */
#include <stdio.h>
#include <string.h>

#include "binary/bn.h"
#include "binary/bn_impl.h"

#define PRINT_HEX_BYTES	16

/* Output that counts what it would need and writes what fits. */
struct pb {
	char	*p;
	size_t	 cap;
	size_t	 len;
};

static void
pb_putc(struct pb *b, char c)
{
	if (b->len + 1 < b->cap)
		b->p[b->len] = c;
	b->len++;
}

static void
pb_puts(struct pb *b, const char *s)
{
	while (*s != '\0')
		pb_putc(b, *s++);
}

static void
pb_text(struct pb *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' ||
		    c == '<' || c == '>') {
			pb_puts(b, "\\x");
			pb_putc(b, hex[c >> 4]);
			pb_putc(b, hex[c & 15]);
		} else
			pb_putc(b, (char)c);
	}
}

static void
print_node(struct pb *b, const struct bn_node *n, unsigned int flags, int depth)
{
	static const char hex[] = "0123456789abcdef";
	char num[32];
	size_t i;

	pb_putc(b, '<');
	pb_text(b, n->tag.p, n->tag.len);
	for (i = 0; i < n->nattrs; i++) {
		pb_putc(b, ' ');
		pb_text(b, n->attrs[i].key.p, n->attrs[i].key.len);
		pb_puts(b, "=\"");
		pb_text(b, n->attrs[i].val.p, n->attrs[i].val.len);
		pb_putc(b, '"');
	}
	if (n->kind == BN_CONTENT_NONE) {
		pb_puts(b, "/>");
		return;
	}
	pb_putc(b, '>');
	switch (n->kind) {
	case BN_CONTENT_STRING:
		pb_text(b, (const char *)n->bytes, n->len);
		break;
	case BN_CONTENT_BYTES:
		snprintf(num, sizeof(num), "<%zu bytes", n->len);
		pb_puts(b, num);
		if (flags & BN_PRINT_HEX) {
			pb_putc(b, ' ');
			for (i = 0; i < n->len && i < PRINT_HEX_BYTES; i++) {
				pb_putc(b, hex[n->bytes[i] >> 4]);
				pb_putc(b, hex[n->bytes[i] & 15]);
			}
			if (n->len > PRINT_HEX_BYTES)
				pb_puts(b, "...");
		}
		pb_putc(b, '>');
		break;
	case BN_CONTENT_LIST:
		for (i = 0; i < n->nkids; i++) {
			if (depth >= BN_DEPTH_MAX) {
				pb_puts(b, "...");
				break;
			}
			print_node(b, n->kids[i], flags, depth + 1);
		}
		break;
	case BN_CONTENT_NONE:
		break;
	}
	pb_puts(b, "</");
	pb_text(b, n->tag.p, n->tag.len);
	pb_putc(b, '>');
}

size_t
bn_print(const struct bn_node *n, unsigned int flags, char *buf, size_t cap)
{
	struct pb b = { buf, cap, 0 };

	print_node(&b, n, flags, 1);
	if (cap > 0)
		buf[b.len < cap ? b.len : cap - 1] = '\0';
	return b.len;
}
