/*
 * client.c: the CLI's side of the daemon's API: one HTTP/1.1 request per
 * connection over the owner-only Unix socket. Request and response buffers
 * may hold numbers (add, reveal), so they are wiped before they are freed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "mnsafe/crypto.h"

#define RESPONSE_MAX (64u * 1024 * 1024)

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int client_call(const struct cli *c, const char *method, const char *path, const char *token, json_t *body,
                json_t **out, char *err, size_t errlen)
{
    return client_call_raw(c, method, path, token, body, NULL, 0, NULL, out, err, errlen);
}

int client_call_raw(const struct cli *c, const char *method, const char *path, const char *token, json_t *body,
                    const void *raw, size_t raw_len, const char *content_type, json_t **out, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    char *payload = NULL, *resp = NULL, head[1024];
    size_t plen = 0, rlen = 0, rcap = 0;
    int fd = -1, status = -1;

    *out = NULL;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(c->socket_path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "socket path too long");
        return -1;
    }
    memcpy(sa.sun_path, c->socket_path, strlen(c->socket_path) + 1);
    if (body != NULL) {
        payload = json_dumps(body, JSON_COMPACT);
        if (payload == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        plen = strlen(payload);
    } else if (raw != NULL) {
        /* sent from the caller's buffer; the caller wipes it */
        plen = raw_len;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        snprintf(err, errlen, "cannot reach the daemon at %s: %s (is `mnsafe serve` running?) / "
                 "デーモンに接続できません", c->socket_path, strerror(errno));
        goto out;
    }
    int hl = snprintf(head, sizeof(head),
                      "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAccept: application/json\r\n"
                      "%s%s%s"
                      "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                      method, path, token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
                      content_type ? content_type : "application/json", plen);
    if (hl < 0 || (size_t)hl >= sizeof(head) || write_all(fd, head, (size_t)hl) != 0 ||
        (plen > 0 && write_all(fd, payload != NULL ? payload : raw, plen) != 0)) {
        snprintf(err, errlen, "cannot send the request: %s", strerror(errno));
        goto out;
    }
    mns_wipe(head, sizeof(head));
    for (;;) {
        if (rcap - rlen < 4096) {
            size_t ncap = rcap ? rcap * 2 : 16384;
            if (ncap > RESPONSE_MAX) {
                snprintf(err, errlen, "response too large");
                goto out;
            }
            char *n = malloc(ncap);
            if (n == NULL) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            if (resp != NULL) {
                memcpy(n, resp, rlen);
                mns_wipe(resp, rcap);
                free(resp);
            }
            resp = n;
            rcap = ncap;
        }
        ssize_t r = read(fd, resp + rlen, rcap - rlen - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read the response: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        rlen += (size_t)r;
    }
    if (resp == NULL || rlen < 12 || strncmp(resp, "HTTP/1.1 ", 9) != 0) {
        snprintf(err, errlen, "malformed response from the daemon");
        goto out;
    }
    resp[rlen] = '\0';
    int code = (int)strtol(resp + 9, NULL, 10);
    char *sep = strstr(resp, "\r\n\r\n");
    if (sep == NULL) {
        snprintf(err, errlen, "malformed response from the daemon");
        goto out;
    }
    const char *b = sep + 4;
    size_t blen = rlen - (size_t)(b - resp);
    if (blen > 0) {
        json_error_t jerr;
        *out = json_loadb(b, blen, 0, &jerr);
        /* a text answer (CSV, XML reports) comes back as one JSON string */
        if (*out == NULL && code >= 200 && code < 300)
            *out = json_stringn_nocheck(b, blen); /* bytes as they came: CSV may be Shift_JIS */
    }
    status = code;
out:
    if (fd >= 0)
        close(fd);
    if (payload != NULL) {
        mns_wipe(payload, plen);
        free(payload);
    }
    if (resp != NULL) {
        mns_wipe(resp, rcap);
        free(resp);
    }
    return status;
}
