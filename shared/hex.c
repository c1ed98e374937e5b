/* hex.c: see hex.h. */
#include <errno.h>

#include "hex.h"

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *len)
{
	size_t i;
	int hi, lo;

	if (slen % 2 != 0)
		return -EINVAL;
	if (slen / 2 > cap)
		return -ENOBUFS;
	for (i = 0; i < slen / 2; i++) {
		if ((hi = hex_digit((unsigned char)s[2 * i])) < 0 ||
		    (lo = hex_digit((unsigned char)s[2 * i + 1])) < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = slen / 2;
	return 0;
}
