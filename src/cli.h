/* cli.h: what the CLI's files share. */
#ifndef MNS_SRC_CLI_H
#define MNS_SRC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct cli {
    const char *data_dir;
    const char *store_url; /* --store / MNSAFE_STORE; NULL: SQLite in data_dir */
    const char *socket_path;
    char socket_buf[1024];
    const char *session_file;
    char session_buf[1024];
};

/* client.c: one request to the daemon over its Unix socket. *out gets the
 * parsed JSON body (or NULL). Returns the HTTP status, or -1 with err set. */
int client_call(const struct cli *c, const char *method, const char *path, const char *token, json_t *body,
                json_t **out, char *err, size_t errlen);

/* The same with a raw body (raw_len bytes of content_type) instead of JSON
 * when body is NULL; the caller owns and wipes raw. */
int client_call_raw(const struct cli *c, const char *method, const char *path, const char *token, json_t *body,
                    const void *raw, size_t raw_len, const char *content_type, json_t **out, char *err, size_t errlen);

/* term.c: reads a line without echo when stdin is a terminal. Returns its
 * length, -1 at end of input, -2 for a line longer than the buffer. */
long read_secret(const char *prompt, char *buf, size_t size);
/* Reads one line (echoed). */
long read_line(const char *prompt, char *buf, size_t size);

/* main.c, for the other CLI files: an API call with the saved session that
 * prints the result (or hands it over in *keep) and the error; a path with
 * one checked segment; an option's value; "a,b" as a JSON list; the saved
 * session token; printing an API error. */
int cli_call(const struct cli *c, const char *method, const char *path, json_t *body, json_t **keep);
int cli_path(char *buf, size_t size, const char *pre, const char *seg, const char *post, const char *extra);
const char *cli_opt(int argc, char **argv, int from, const char *name);
/* The page a newest-first list asks for, from --before ID and --limit N,
 * into out as "<sep>before=ID&limit=N" (sep '?' or '&'; "" when neither is
 * given); -1 when one of them is not a number. */
int cli_page_query(int argc, char **argv, int from, char sep, char *out, size_t size);
json_t *cli_split_list(const char *list);
int cli_token(const struct cli *c, char *token, size_t size);
int cli_api_error(int status, json_t *resp, const char *err);
void cli_print_json(json_t *j);

/* transfer.c: mnsafe import, mnsafe export */
int cmd_import(const struct cli *c, int argc, char **argv);
int cmd_export(const struct cli *c, int argc, char **argv);

/* config.c: serve --config FILE as options before the command line's
 * (which win); 0, or 2 after telling what is wrong and where (line). The
 * new vector lives in conf until config_release (also on failure: done). */
struct option;
struct config_file {
    char *text, *flags;
    char **argv;
};
int config_args(const char *path, const struct option *opts, int argc, char **argv, int *out_argc, char ***out_argv,
                struct config_file *conf);
void config_release(struct config_file *conf);

/* check_number.c */
int cmd_check_number(int argc, char **argv);

#endif
