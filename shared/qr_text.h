/*
 * qr_text.h: a QR code drawn with Unicode half blocks for terminals (the
 * worker's --qr-terminal and wa-probe qr --render). Light modules are
 * drawn, dark ones left blank, inside the standard 4-module quiet zone, as
 * `qrencode -t UTF8` does: it scans on the dark background most terminals
 * have, and with color on light ones too.
 */
#ifndef WALINK_QR_TEXT_H
#define WALINK_QR_TEXT_H

#include <stdbool.h>
#include <stdio.h>

/* 0, -EINVAL for text QR cannot hold, -ENOMEM. */
int	qr_text_print(FILE *, const char *text, bool color);

#endif
