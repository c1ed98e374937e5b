/*
 * qr_text.h: a QR code drawn with Unicode half blocks for terminals (the
 * worker's --qr-terminal and wa-probe qr --render). Light modules are
 * drawn, dark ones left blank, with a quiet zone, as `qrencode -t UTF8`
 * does: it scans on the dark background most terminals have.
 */
#ifndef WALINK_QR_TEXT_H
#define WALINK_QR_TEXT_H

#include <stdio.h>

/* 0, -EINVAL for text QR cannot hold, -ENOMEM. */
int	qr_text_print(FILE *, const char *text);

#endif
