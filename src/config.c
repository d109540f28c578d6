/*
 * config.c: `mnsafe serve --config FILE`. The file holds the same settings as
 * serve's long options, one `key = value` per line (# starts a comment;
 * blank lines are fine); a flag without argument takes true or false; a key
 * that may repeat (allow-network, allow-hours, place) may repeat. The lines
 * become options placed before the command line's, so a flag given on the
 * command line wins. docs/configuration.md lists every key and its default;
 * etc/mnsafe.conf.example is a commented file with all of them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONFIG_LINES_MAX 256

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int config_args(const char *path, const struct option *opts, int argc, char **argv, int *out_argc, char ***out_argv)
{
    FILE *f = fopen(path, "re");
    char line[1024];
    int n = 0, lineno = 0, rc = 2;
    /* argv[0], the file's options (two words each at most), then the command line's */
    char **args = calloc((size_t)argc + 2 * CONFIG_LINES_MAX + 1, sizeof(char *));
    if (f == NULL || args == NULL) {
        fprintf(stderr, "mnsafe: %s: %s / 設定ファイルを開けません\n", path, f == NULL ? strerror(errno) : "out of memory");
        goto out;
    }
    args[n++] = argv[0];
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            fprintf(stderr, "mnsafe: %s:%d: line longer than 1023 bytes / 行が長すぎます\n", path, lineno);
            goto out;
        }
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *text = trim(line);
        if (*text == '\0')
            continue;
        char *eq = strchr(text, '=');
        if (eq == NULL) {
            fprintf(stderr, "mnsafe: %s:%d: expected key = value / 「キー = 値」の形ではありません\n", path, lineno);
            goto out;
        }
        *eq = '\0';
        char *key = trim(text), *val = trim(eq + 1);
        const struct option *o = opts;
        while (o->name != NULL && strcmp(o->name, key) != 0)
            o++;
        if (o->name == NULL || strcmp(key, "config") == 0) {
            fprintf(stderr, "mnsafe: %s:%d: unknown key \"%.60s\" (see docs/configuration.md) / 不明なキーです\n", path,
                    lineno, key);
            goto out;
        }
        if (n + 2 >= argc + 2 * CONFIG_LINES_MAX) {
            fprintf(stderr, "mnsafe: %s: more than %d settings / 設定が多すぎます\n", path, CONFIG_LINES_MAX);
            goto out;
        }
        size_t klen = strlen(key);
        char *flag = malloc(klen + 3);
        if (flag == NULL)
            goto out;
        snprintf(flag, klen + 3, "--%s", key);
        if (o->has_arg == no_argument) {
            if (strcmp(val, "true") != 0 && strcmp(val, "false") != 0) {
                fprintf(stderr, "mnsafe: %s:%d: %s takes true or false / true か false です\n", path, lineno, key);
                free(flag);
                goto out;
            }
            if (strcmp(val, "true") == 0)
                args[n++] = flag;
            else
                free(flag);
            continue;
        }
        if (*val == '\0') {
            fprintf(stderr, "mnsafe: %s:%d: %s needs a value / 値がありません\n", path, lineno, key);
            free(flag);
            goto out;
        }
        args[n++] = flag;
        if ((args[n++] = strdup(val)) == NULL)
            goto out;
    }
    int from_file = n;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            i++;
            continue;
        }
        args[n++] = argv[i];
    }
    args[n] = NULL;
    *out_argc = n;
    *out_argv = args;
    args = NULL;
    (void)from_file;
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    free(args); /* on failure; the strings stay with the process, which is exiting */
    return rc;
}
