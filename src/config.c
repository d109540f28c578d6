/*
 * config.c: `mnsafe serve --config FILE`. The file holds the same settings as
 * serve's long options, one `key = value` per line (# starts a comment;
 * blank lines are fine); a flag without argument takes true or false; a key
 * that may repeat (allow-network, allow-hours, place) may repeat. The lines
 * become options placed before the command line's, so a flag given on the
 * command line wins. docs/configuration.md lists every key and its default;
 * etc/mnsafe.conf.example is a commented file with all of them.
 *
 * Memory: the file's text (at most CONFIG_BYTES_MAX) and the "--key" words
 * live in two buffers of struct config_file, the argument vector in a third;
 * config_release frees all three.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONFIG_BYTES_MAX (64 * 1024)

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

void config_release(struct config_file *conf)
{
    free(conf->text);
    free(conf->flags);
    free(conf->argv);
    memset(conf, 0, sizeof(*conf));
}

/* Reads the file into conf->text (NUL-terminated); 0, or 2 after saying why. */
static int read_file(const char *path, struct config_file *conf)
{
    FILE *f = fopen(path, "re");
    size_t n = 0;
    if (f == NULL) {
        fprintf(stderr, "mnsafe: %s: %s / 設定ファイルを開けません\n", path, strerror(errno));
        return 2;
    }
    conf->text = malloc(CONFIG_BYTES_MAX + 1);
    if (conf->text != NULL)
        n = fread(conf->text, 1, CONFIG_BYTES_MAX + 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (conf->text == NULL || bad || n > CONFIG_BYTES_MAX) {
        fprintf(stderr, "mnsafe: %s: %s / 設定ファイルを読めません\n", path,
                conf->text == NULL ? "out of memory" : bad ? "read error" : "larger than 64 KiB");
        return 2;
    }
    conf->text[n] = '\0';
    if (memchr(conf->text, '\0', n) != NULL) {
        fprintf(stderr, "mnsafe: %s: a NUL byte / NULバイトがあります\n", path);
        return 2;
    }
    return 0;
}

int config_args(const char *path, const struct option *opts, int argc, char **argv, int *out_argc, char ***out_argv,
                struct config_file *conf)
{
    memset(conf, 0, sizeof(*conf));
    if (read_file(path, conf) != 0)
        goto fail;
    size_t len = strlen(conf->text), lines = 1, fo = 0;
    for (const char *p = conf->text; *p; p++)
        lines += *p == '\n';
    /* each line gives at most "--key" (key + 3 bytes) and a value */
    conf->flags = malloc(len + 3 * lines + 1);
    conf->argv = calloc((size_t)argc + 2 * lines + 1, sizeof(char *));
    if (conf->flags == NULL || conf->argv == NULL) {
        fprintf(stderr, "mnsafe: out of memory\n");
        goto fail;
    }
    int n = 0, lineno = 0;
    conf->argv[n++] = argv[0];
    for (char *line = conf->text, *next; line != NULL; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *text = trim(line);
        if (*text == '\0')
            continue;
        char *eq = strchr(text, '=');
        if (eq == NULL) {
            fprintf(stderr, "mnsafe: %s:%d: expected key = value / 「キー = 値」の形ではありません\n", path, lineno);
            goto fail;
        }
        *eq = '\0';
        char *key = trim(text), *val = trim(eq + 1);
        const struct option *o = opts;
        while (o->name != NULL && strcmp(o->name, key) != 0)
            o++;
        if (o->name == NULL || strcmp(key, "config") == 0) {
            fprintf(stderr, "mnsafe: %s:%d: unknown key \"%.60s\" (see docs/configuration.md) / 不明なキーです\n", path,
                    lineno, key);
            goto fail;
        }
        char *flag = conf->flags + fo;
        fo += (size_t)snprintf(flag, strlen(key) + 3, "--%s", key) + 1;
        if (o->has_arg == no_argument) {
            if (strcmp(val, "true") != 0 && strcmp(val, "false") != 0) {
                fprintf(stderr, "mnsafe: %s:%d: %s takes true or false / true か false です\n", path, lineno, key);
                goto fail;
            }
            if (strcmp(val, "true") == 0)
                conf->argv[n++] = flag;
            continue;
        }
        if (*val == '\0') {
            fprintf(stderr, "mnsafe: %s:%d: %s needs a value / 値がありません\n", path, lineno, key);
            goto fail;
        }
        conf->argv[n++] = flag;
        conf->argv[n++] = val; /* inside conf->text */
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            i++;
            continue;
        }
        conf->argv[n++] = argv[i];
    }
    conf->argv[n] = NULL;
    *out_argc = n;
    *out_argv = conf->argv;
    return 0;
fail:
    config_release(conf);
    return 2;
}
