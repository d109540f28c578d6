/* cli.h: what the CLI's files share. */
#ifndef MNS_SRC_CLI_H
#define MNS_SRC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct cli {
    const char *data_dir;
    const char *socket_path;
    char socket_buf[1024];
    const char *session_file;
    char session_buf[1024];
};

/* client.c: one request to the daemon over its Unix socket. *out gets the
 * parsed JSON body (or NULL). Returns the HTTP status, or -1 with err set. */
int client_call(const struct cli *c, const char *method, const char *path, const char *token, json_t *body,
                json_t **out, char *err, size_t errlen);

/* term.c: reads a line without echo when stdin is a terminal. Returns its
 * length, -1 at end of input, -2 for a line longer than the buffer. */
long read_secret(const char *prompt, char *buf, size_t size);
/* Reads one line (echoed). */
long read_line(const char *prompt, char *buf, size_t size);

/* check_number.c */
int cmd_check_number(int argc, char **argv);

#endif
