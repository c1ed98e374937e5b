/* qr_text.c: see qr_text.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <qrencode.h>

#include "qr_text.h"

#define QUIET	2	/* modules of margin; 4 is the standard, 2 scans fine on screens */

static bool
dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return (q->data[y * q->width + x] & 1) != 0;
}

int
qr_text_print(FILE *f, const char *text)
{
	static const char *glyph[4] = { "\u2588", "\u2580", "\u2584", " " };
	QRcode *q;
	int x, y;

	if ((q = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1)) == NULL)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	for (y = -QUIET; y < q->width + QUIET; y += 2) {
		for (x = -QUIET; x < q->width + QUIET; x++)
			fputs(glyph[(dark(q, x, y) ? 2 : 0) | (dark(q, x, y + 1) ? 1 : 0)], f);
		fputc('\n', f);
	}
	QRcode_free(q);
	return 0;
}
