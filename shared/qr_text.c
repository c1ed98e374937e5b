/*
 * qr_text.c: a QR code on a terminal (qr_text.h). Each character cell shows
 * two module rows with Unicode half blocks, so the code stays square in
 * common fonts. Light modules are drawn (terminals are usually light text
 * on dark); with color the ANSI colours force that, so a light-background
 * terminal shows the same picture and phones can scan it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <qrencode.h>

#include "qr_text.h"

#define QR_QUIET	4	/* quiet-zone modules each side (ISO/IEC 18004) */

#define FG_WHITE_BG_BLACK	"\033[97;40m"
#define COLOR_RESET		"\033[0m"

/* True when module (x, y) is light; the quiet zone is light too. */
static bool
qr_light(const QRcode *q, int x, int y)
{
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return true;
	return (q->data[y * q->width + x] & 1) == 0;	/* bit 0: dark */
}

int
qr_text_print(FILE *f, const char *code, bool color)
{
	static const char *const cell[4] = {
		" ",		/* dark over dark */
		"\u2584",	/* dark over light: lower half */
		"\u2580",	/* light over dark: upper half */
		"\u2588",	/* light over light: full block */
	};
	QRcode *q;
	int x, y, side;

	/* WhatsApp's ref string is plain ASCII: 8-bit mode, level L */
	if ((q = QRcode_encodeString8bit(code, 0, QR_ECLEVEL_L)) == NULL)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	side = q->width + 2 * QR_QUIET;
	for (y = 0; y < side; y += 2) {
		if (color)
			fputs(FG_WHITE_BG_BLACK, f);
		for (x = 0; x < side; x++)
			fputs(cell[(qr_light(q, x, y) ? 2 : 0) |
			    (qr_light(q, x, y + 1) ? 1 : 0)], f);
		if (color)
			fputs(COLOR_RESET, f);
		fputc('\n', f);
	}
	QRcode_free(q);
	return 0;
}
