/*
 * web.h: the web UI's files, built into the binary from web/ (web_assets.c,
 * made by src/embed_web.cmake) and served by http.c at every path outside
 * /api/.
 */
#ifndef MNS_SRC_WEB_H
#define MNS_SRC_WEB_H

#include <stddef.h>

struct web_asset {
    const char *path; /* "/index.html" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
};

extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* The file for a request path ("/" is "/index.html"), or NULL. */
const struct web_asset *web_find(const char *path);

/* The pages' Content-Security-Policy: nothing from elsewhere, no inline
 * script or style, the API on the same origin; images may be data: URIs (the
 * TOTP QR code). */
#define WEB_CSP                                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "              \
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

#endif
