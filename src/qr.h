/* qr.h: QR codes for otpauth:// URIs (qr.c). */
#ifndef MNS_SRC_QR_H
#define MNS_SRC_QR_H

#include <stdio.h>

/* An SVG image of text as a QR code; malloc'ed (wipe and free it), NULL on failure. */
char *qr_svg(const char *text);
/* The QR code drawn with block characters; 0 on success. */
int qr_print_text(FILE *out, const char *text);

#endif
