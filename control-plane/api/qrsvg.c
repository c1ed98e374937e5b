/* qrsvg.c: QR modules as one SVG path (see qrsvg.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "api/qrsvg.h"

#define QUIET	4	/* modules of white border the QR spec asks for */

char *
ctl_qr_svg(const char *code, size_t *len)
{
	QRcode *qr;
	char *svg;
	size_t cap, off = 0;
	int x, y, w, n;

	if (code == NULL || code[0] == '\0' ||
	    strnlen(code, CTL_QR_CODE_MAX + 1) > CTL_QR_CODE_MAX)
		return NULL;
	if ((qr = QRcode_encodeString(code, 0, QR_ECLEVEL_L, QR_MODE_8, 1)) ==
	    NULL)
		return NULL;
	w = qr->width;
	/* header + footer + at most one 24-byte "M..h1v1h-1z" per module */
	cap = 512 + (size_t)w * (size_t)w * 24;
	if ((svg = malloc(cap)) == NULL) {
		QRcode_free(qr);
		return NULL;
	}
	n = snprintf(svg, cap, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"100%%\" "
	    "height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	    w + 2 * QUIET, w + 2 * QUIET, (w + 2 * QUIET) * 8,
	    (w + 2 * QUIET) * 8);
	off = (size_t)n;
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++)
			if (qr->data[y * w + x] & 1)
				off += (size_t)snprintf(svg + off, cap - off,
				    "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
	off += (size_t)snprintf(svg + off, cap - off, "\"/></svg>\n");
	QRcode_free(qr);
	*len = off;
	return svg;
}
