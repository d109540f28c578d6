/*
 * qr.c: QR codes of otpauth:// URIs for authenticator apps (libqrencode):
 * an SVG for the API and the web UI, and text blocks for a terminal. The URI
 * carries the TOTP secret, so every buffer is wiped before it is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "mnsafe/crypto.h"
#include "qr.h"

static QRcode *encode(const char *text)
{
    return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

static void qr_free(QRcode *q)
{
    if (q == NULL)
        return;
    mns_wipe(q->data, (size_t)q->width * (size_t)q->width);
    QRcode_free(q);
}

char *qr_svg(const char *text)
{
    QRcode *q = encode(text);
    if (q == NULL)
        return NULL;
    const int quiet = 4, w = q->width + 2 * quiet;
    /* one rect per dark module at most: bounded by width^2 */
    size_t cap = 256 + (size_t)q->width * (size_t)q->width * 48;
    char *svg = malloc(cap);
    size_t n = 0;
    if (svg == NULL) {
        qr_free(q);
        return NULL;
    }
    n += (size_t)snprintf(svg + n, cap - n,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
                          "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>",
                          w, w, w, w);
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->data[y * q->width + x] & 1)
                n += (size_t)snprintf(svg + n, cap - n, "<rect x=\"%d\" y=\"%d\" width=\"1\" height=\"1\"/>", x + quiet,
                                      y + quiet);
    snprintf(svg + n, cap - n, "</svg>");
    qr_free(q);
    return svg;
}

int qr_print_text(FILE *out, const char *text)
{
    QRcode *q = encode(text);
    if (q == NULL)
        return -1;
    /* two modules per character row with half blocks; a quiet zone of 2 */
    const int quiet = 2, w = q->width;
    for (int y = -quiet; y < w + quiet; y += 2) {
        for (int x = -quiet; x < w + quiet; x++) {
            int top = y >= 0 && y < w && x >= 0 && x < w && (q->data[y * w + x] & 1);
            int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (q->data[(y + 1) * w + x] & 1);
            /* dark modules are drawn as spaces on a light block, for dark terminals */
            fputs(top && bot ? " " : top ? "\u2584" : bot ? "\u2580" : "\u2588", out);
        }
        fputc('\n', out);
    }
    qr_free(q);
    return 0;
}
