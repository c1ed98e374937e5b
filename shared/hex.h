/*
 * hex.h: hexadecimal digits, for the tools that carry bytes as text lines
 * and for percent-decoding URL paths.
 */
#ifndef WALINK_HEX_H
#define WALINK_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
int	hex_digit(int c);

/*
 * Decodes slen hex characters into out (cap bytes). -EINVAL for an odd
 * length or a non-hex character, -ENOBUFS when out is too small; *len
 * gets slen / 2 on success.
 */
int	hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
	    size_t *len);

#endif
