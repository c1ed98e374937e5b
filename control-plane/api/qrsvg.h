/* qrsvg.h: a pairing QR string -> SVG (libqrencode). Never logs the code. */
#ifndef WALINK_CTL_QRSVG_H
#define WALINK_CTL_QRSVG_H

#include <stddef.h>

#define CTL_QR_CODE_MAX	1024	/* WhatsApp refs are ~200 bytes (protocol-notes) */

/* malloc'd SVG text and its length, or NULL (too long, ENOMEM). */
char	*ctl_qr_svg(const char *code, size_t *len);

#endif
