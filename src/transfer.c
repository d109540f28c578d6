/*
 * transfer.c: `mnsafe import` and `mnsafe export`, the CLI side of
 * docs/import-export.md. The file is read and sent in chunks, so memory does
 * not grow with it; a progress bar goes to stderr when it is a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mnsafe/crypto.h"
#include "mnsafe/vault.h"
#include "server.h"

#define CHUNK_DEFAULT (1024u * 1024)

/* The tenant of the command: --tenant, or the only one the user may see. */
static int pick_tenant(const struct cli *c, int argc, char **argv, char *out, size_t size)
{
    const char *t = cli_opt(argc, argv, 1, "--tenant");
    json_t *res = NULL;
    if (t != NULL) {
        snprintf(out, size, "%s", t);
        return 0;
    }
    if (cli_call(c, "GET", API_PREFIX "/tenants", NULL, &res) != 0)
        return 1;
    json_t *list = json_object_get(res, "tenants");
    if (json_array_size(list) != 1) {
        fprintf(stderr, "mnsafe: name the tenant with --tenant CODE (you see %zu) / --tenant で事業者を指定してください\n",
                json_array_size(list));
        json_decref(res);
        return 2;
    }
    snprintf(out, size, "%s", json_string_value(json_object_get(json_array_get(list, 0), "code")) ?: "");
    json_decref(res);
    return 0;
}

static void progress(off_t done, off_t total, json_t *st)
{
    if (!isatty(STDERR_FILENO))
        return;
    int width = 30, filled = total > 0 ? (int)((double)done / (double)total * width) : width;
    fprintf(stderr, "\r[%.*s%*s] %3d%%  %lld rows, %lld errors", filled, "##############################",
            width - filled, "", total > 0 ? (int)(done * 100 / total) : 100,
            (long long)json_integer_value(json_object_get(st, "rows")),
            (long long)json_integer_value(json_object_get(st, "invalid_rows")));
    if (done >= total)
        fputc('\n', stderr);
}

/* Prints the per-row report, page by page: row, column, reason (en / ja). */
static int print_report(const struct cli *c, const char *tenant, long long id)
{
    long long after = 0;
    for (;;) {
        char path[512], q[96];
        json_t *res = NULL;
        snprintf(q, sizeof(q), "/%lld?errors_after=%lld&limit=1000", id, after);
        if (cli_path(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/imports", q) != 0 ||
            cli_call(c, "GET", path, NULL, &res) != 0)
            return 1;
        json_t *errs = json_object_get(res, "errors"), *e;
        size_t i;
        json_array_foreach(errs, i, e) {
            json_t *m = json_object_get(e, "message");
            printf("row %lld\t%s\t%s / %s\n", (long long)json_integer_value(json_object_get(e, "row")),
                   json_string_value(json_object_get(e, "column")) ?: "-", json_string_value(json_object_get(m, "en")),
                   json_string_value(json_object_get(m, "ja")));
        }
        json_t *next = json_object_get(res, "errors_next");
        after = json_integer_value(next);
        json_decref(res);
        if (next == NULL)
            return 0;
    }
}

static int import_file(const struct cli *c, const char *tenant, const char *file, int argc, char **argv)
{
    const char *enc = cli_opt(argc, argv, 1, "--encoding"), *kind = cli_opt(argc, argv, 1, "--kind");
    const char *purpose = cli_opt(argc, argv, 1, "--purpose"), *chunk_opt = cli_opt(argc, argv, 1, "--chunk");
    bool store = false, valid_only = false, check_only = false;
    json_t *opt = json_object(), *map = json_object(), *res = NULL;
    char path[512], tail[96], token[128] = "", err[512];
    size_t chunk = CHUNK_DEFAULT;
    int fd = -1, rc = 1;
    long long id = 0;
    char *buf = NULL;

    for (int i = 1; i < argc; i++) {
        store |= strcmp(argv[i], "--store") == 0;
        valid_only |= strcmp(argv[i], "--store-valid") == 0;
        check_only |= strcmp(argv[i], "--check-only") == 0;
        if (strcmp(argv[i], "--map") == 0 && i + 1 < argc) {
            char *eq = strrchr(argv[i + 1], '=');
            if (eq == NULL) {
                fprintf(stderr, "mnsafe: --map HEADER=FIELD / --map 見出し=項目\n");
                goto out;
            }
            json_object_set_new(map, eq + 1, json_stringn(argv[i + 1], (size_t)(eq - argv[i + 1])));
        }
    }
    /* the API maps header -> field */
    if (json_object_size(map) > 0) {
        json_t *byheader = json_object();
        const char *k;
        json_t *val;
        json_object_foreach(map, k, val) json_object_set_new(byheader, json_string_value(val), json_string(k));
        json_object_set_new(opt, "columns", byheader);
    }
    if (chunk_opt != NULL) {
        char *end;
        unsigned long n = strtoul(chunk_opt, &end, 10);
        if (*end != '\0' || n < 1 || n > 8u * 1024 * 1024) {
            fprintf(stderr, "mnsafe: --chunk BYTES: 1 to 8388608\n");
            goto out;
        }
        chunk = n;
    }
    const char *base = strrchr(file, '/');
    json_object_set_new(opt, "file_name", json_string(base ? base + 1 : file));
    if (enc) json_object_set_new(opt, "encoding", json_string(enc));
    if (kind) json_object_set_new(opt, "kind", json_string(kind));
    if (purpose) json_object_set_new(opt, "purposes", cli_split_list(purpose));
    fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        fprintf(stderr, "mnsafe: %s: %s\n", file, strerror(errno));
        goto out;
    }
    if ((buf = malloc(chunk)) == NULL)
        goto out;
    if (cli_path(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/imports", NULL) != 0 ||
        cli_call(c, "POST", path, json_incref(opt), &res) != 0)
        goto out;
    id = json_integer_value(json_object_get(res, "import_id"));
    json_decref(res);
    res = NULL;
    bool have = cli_token(c, token, sizeof(token)) == 0;
    off_t done = 0;
    for (bool last = false; !last;) {
        size_t got = 0;
        while (got < chunk) {
            ssize_t r = read(fd, buf + got, chunk - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                fprintf(stderr, "mnsafe: %s: %s\n", file, strerror(errno));
                goto out;
            }
            if (r == 0) {
                last = true;
                break;
            }
            got += (size_t)r;
        }
        snprintf(tail, sizeof(tail), "/%lld/data%s", id, last ? "?last=1" : "");
        if (cli_path(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/imports", tail) != 0)
            goto out;
        json_decref(res);
        res = NULL;
        int status = client_call_raw(c, "POST", path, have ? token : NULL, NULL, got ? buf : "", got, "text/csv", &res,
                                     err, sizeof(err));
        mns_wipe(buf, got);
        if (status < 200 || status >= 300) {
            if (isatty(STDERR_FILENO))
                fputc('\n', stderr);
            rc = cli_api_error(status, res, err);
            fprintf(stderr, "mnsafe: nothing was stored / 何も登録されていません\n");
            goto out;
        }
        done += (off_t)got;
        progress(done, sb.st_size, res);
    }
    long long persons = json_integer_value(json_object_get(res, "valid_persons"));
    long long deps = json_integer_value(json_object_get(res, "valid_dependents"));
    long long invalid = json_integer_value(json_object_get(res, "invalid_rows"));
    printf("import %lld: %lld rows read (%s): %lld persons and %lld dependents valid, %lld rows with errors\n", id,
           (long long)json_integer_value(json_object_get(res, "rows")),
           json_string_value(json_object_get(res, "encoding")) ?: "?", persons, deps, invalid);
    printf("取込み %lld: %lld行（%s）: 本人 %lld件・扶養親族 %lld件が正常、エラー %lld行\n", id,
           (long long)json_integer_value(json_object_get(res, "rows")),
           json_string_value(json_object_get(res, "encoding")) ?: "?", persons, deps, invalid);
    json_t *ign = json_object_get(res, "ignored_columns");
    if (json_array_size(ign) > 0) {
        printf("columns not imported / 取り込まない列:");
        for (size_t i = 0; i < json_array_size(ign); i++)
            printf(" %s", json_string_value(json_array_get(ign, i)));
        printf("\n");
    }
    if (invalid > 0 && print_report(c, tenant, id) != 0)
        goto out;
    if (check_only || (!store && !valid_only)) {
        if (!check_only && isatty(STDIN_FILENO) && persons + deps > 0) {
            char answer[16];
            printf(invalid > 0 ? "Store the %lld valid rows? / 正しい行だけ登録しますか? [y/N] "
                               : "Store all %lld rows? / 全件を登録しますか? [y/N] ", persons + deps);
            fflush(stdout);
            if (read_line("", answer, sizeof(answer)) > 0 && (answer[0] == 'y' || answer[0] == 'Y')) {
                valid_only = invalid > 0;
                store = true;
            }
        }
        if (!store) {
            printf("nothing stored; later: mnsafe import store %s %lld%s | mnsafe import discard %s %lld\n"
                   "まだ登録していません\n", tenant, id, invalid > 0 ? " --valid-only" : "", tenant, id);
            rc = invalid > 0 ? 3 : 0;
            goto out;
        }
    }
    if (invalid > 0 && !valid_only) {
        printf("nothing stored: %lld rows have errors (--store-valid stores the valid rows only) / "
               "エラーの行があるため登録していません\n", invalid);
        rc = 3;
        goto out;
    }
    snprintf(tail, sizeof(tail), "/%lld/store", id);
    json_decref(res);
    res = NULL;
    if (cli_path(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/imports", tail) != 0 ||
        cli_call(c, "POST", path, json_pack("{s:b}", "valid_only", valid_only), &res) != 0)
        goto out;
    printf("stored / 登録しました: %lld persons, %lld dependents\n",
           (long long)json_integer_value(json_object_get(res, "stored_persons")),
           (long long)json_integer_value(json_object_get(res, "stored_dependents")));
    rc = 0;
out:
    mns_wipe(token, sizeof(token));
    if (buf != NULL) {
        mns_wipe(buf, chunk);
        free(buf);
    }
    if (fd >= 0)
        close(fd);
    json_decref(res);
    json_decref(opt);
    json_decref(map);
    return rc;
}

int cmd_import(const struct cli *c, int argc, char **argv)
{
    char path[512], tail[96], tenant[128];
    const char *verb = argc >= 2 ? argv[1] : "";
    bool sub = strcmp(verb, "list") == 0 || strcmp(verb, "status") == 0 || strcmp(verb, "store") == 0 ||
               strcmp(verb, "discard") == 0;
    if (sub && argc >= 3) {
        long long id = 0;
        if (strcmp(verb, "list") != 0) {
            char *end;
            if (argc < 4 || (id = strtoll(argv[3], &end, 10)) <= 0 || *end != '\0')
                goto usage;
        }
        char q[64] = "";
        if (id == 0 && cli_page_query(argc, argv, 3, '?', q, sizeof(q)) != 0)
            return 2;
        snprintf(tail, sizeof(tail), "/%lld%s", id, strcmp(verb, "store") == 0 ? "/store" : "");
        if (cli_path(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/imports", id ? tail : q) != 0)
            return 2;
        if (strcmp(verb, "list") == 0)
            return cli_call(c, "GET", path, NULL, NULL);
        if (strcmp(verb, "discard") == 0)
            return cli_call(c, "DELETE", path, NULL, NULL);
        if (strcmp(verb, "store") == 0) {
            bool vo = false;
            for (int i = 4; i < argc; i++)
                vo |= strcmp(argv[i], "--valid-only") == 0;
            return cli_call(c, "POST", path, json_pack("{s:b}", "valid_only", vo), NULL);
        }
        return cli_call(c, "GET", path, NULL, NULL);
    }
    /* mnsafe import [--tenant T] FILE [options]: FILE is the first operand */
    const char *file = NULL;
    for (int i = 1; i < argc && file == NULL; i++) {
        if (strncmp(argv[i], "--", 2) == 0) {
            bool flag = strcmp(argv[i], "--store") == 0 || strcmp(argv[i], "--store-valid") == 0 ||
                        strcmp(argv[i], "--check-only") == 0;
            i += flag ? 0 : 1;
            continue;
        }
        file = argv[i];
    }
    if (file == NULL)
        goto usage;
    int rc = pick_tenant(c, argc, argv, tenant, sizeof(tenant));
    if (rc != 0)
        return rc;
    return import_file(c, tenant, file, argc, argv);
usage:
    fprintf(stderr, "usage: mnsafe import [--tenant CODE] FILE.csv [--encoding auto|utf-8|shift_jis] [--purpose P,..]\n"
                    "                     [--kind employee|payee] [--map HEADER=FIELD]... [--check-only|--store|--store-valid]\n"
                    "       mnsafe import list|status|store|discard TENANT [ID] [--valid-only]\n");
    return 2;
}

/* The export's specification from the command line (see --help). */
static json_t *export_spec(int argc, char **argv)
{
    json_t *b = json_object(), *age = json_array();
    static const char *const text_opts[][2] = {{"--purpose", "purpose"},   {"--recipient", "recipient"},
                                               {"--route", "route"},       {"--kind", "kind"},
                                               {"--encoding", "encoding"}, {"--file-name", "file_name"}};
    bool zip = false, masked = false;
    for (size_t k = 0; k < sizeof(text_opts) / sizeof(text_opts[0]); k++) {
        const char *val = cli_opt(argc, argv, 2, text_opts[k][0]);
        if (val != NULL)
            json_object_set_new(b, text_opts[k][1], json_string(val));
    }
    for (int i = 2; i < argc; i++) {
        zip |= strcmp(argv[i], "--zip") == 0;
        masked |= strcmp(argv[i], "--masked") == 0;
        if (strcmp(argv[i], "--replace") == 0)
            json_object_set_new(b, "unrepresentable", json_string("replace"));
        if (strcmp(argv[i], "--age-recipient") == 0 && i + 1 < argc)
            json_array_append_new(age, json_string(argv[++i]));
    }
    const char *fields = cli_opt(argc, argv, 2, "--fields"), *persons = cli_opt(argc, argv, 2, "--persons");
    if (fields != NULL)
        json_object_set_new(b, "fields", cli_split_list(fields));
    else if (masked)
        json_object_set_new(b, "fields", json_pack("[s,s,s,s]", "employee_code", "name", "name_kana", "birth_date"));
    if (persons != NULL) {
        json_t *ids = json_array(), *p = cli_split_list(persons);
        for (size_t i = 0; i < json_array_size(p); i++)
            json_array_append_new(ids, json_integer(strtoll(json_string_value(json_array_get(p, i)), NULL, 10)));
        json_decref(p);
        json_object_set_new(b, "persons", ids);
    }
    if (json_array_size(age) > 0) {
        json_object_set_new(b, "protection", json_string("age"));
        json_object_set(b, "age_recipients", age);
    } else if (zip) {
        json_object_set_new(b, "protection", json_string("zip"));
    } else if (masked) {
        json_object_set_new(b, "protection", json_string("none"));
    }
    json_decref(age);
    return b;
}

/* Writes the export's file (never over an existing file) and prints the rest. */
static int save_export(json_t *res, const char *out)
{
    const char *b64 = json_string_value(json_object_get(res, "content_base64"));
    const char *name = out ? out : json_string_value(json_object_get(res, "file_name"));
    size_t cap = b64 ? strlen(b64) / 4 * 3 + 3 : 0, len = 0;
    uint8_t *data = malloc(cap ? cap : 1);
    int rc = 1;
    if (b64 == NULL || name == NULL || data == NULL || mns_base64_decode(data, cap, &len, b64, strlen(b64)) != MNS_OK) {
        fprintf(stderr, "mnsafe: malformed export response\n");
        goto out;
    }
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0) {
        fprintf(stderr, "mnsafe: %s: %s (an existing file is never overwritten) / 書き込めません\n", name, strerror(errno));
        if (fd >= 0)
            unlink(name);
        goto out;
    }
    json_object_del(res, "content_base64");
    json_object_set_new(res, "written_to", json_string(name));
    cli_print_json(res);
    if (json_object_get(res, "password") != NULL)
        fprintf(stderr, "The zip password is shown only this once: send it by another route than the file. / "
                        "zip のパスワードはこの一度だけ表示されます。ファイルとは別の経路で伝えてください。\n");
    rc = 0;
out:
    if (data != NULL) {
        mns_wipe(data, cap);
        free(data);
    }
    return rc;
}

int cmd_export(const struct cli *c, int argc, char **argv)
{
    char path[512], tail[96];
    const char *verb = argc >= 2 ? argv[1] : "";
    json_t *res = NULL;
    if (argc >= 3 && (strcmp(verb, "list") == 0 || strcmp(verb, "requests") == 0)) {
        char q[64];
        if (cli_page_query(argc, argv, 3, '?', q, sizeof(q)) != 0 ||
            cli_path(path, sizeof(path), API_PREFIX "/tenants/", argv[2],
                     strcmp(verb, "list") == 0 ? "/exports" : "/export-requests", q) != 0)
            return 2;
        return cli_call(c, "GET", path, NULL, NULL);
    }
    if (argc >= 4 && (strcmp(verb, "approve") == 0 || strcmp(verb, "reject") == 0)) {
        char *end;
        long long id = strtoll(argv[3], &end, 10);
        if (id <= 0 || *end != '\0')
            goto usage;
        snprintf(tail, sizeof(tail), "/%lld/%s", id, verb);
        if (cli_path(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/export-requests", tail) != 0)
            return 2;
        return cli_call(c, "POST", path, NULL, NULL);
    }
    if (argc >= 3 && strcmp(verb, "request") == 0) {
        json_t *b = export_spec(argc - 1, argv + 1);
        const char *reason = cli_opt(argc, argv, 3, "--reason");
        if (reason != NULL)
            json_object_set_new(b, "reason", json_string(reason));
        if (cli_path(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/export-requests", NULL) != 0) {
            json_decref(b);
            return 2;
        }
        return cli_call(c, "POST", path, b, NULL);
    }
    if (argc < 2 || argv[1][0] == '-')
        goto usage;
    const char *request = cli_opt(argc, argv, 2, "--request"), *out = cli_opt(argc, argv, 2, "--out");
    json_t *b = request ? json_pack("{s:I}", "request_id", (json_int_t)strtoll(request, NULL, 10)) : export_spec(argc, argv);
    if (cli_path(path, sizeof(path), API_PREFIX "/tenants/", argv[1], "/exports", NULL) != 0) {
        json_decref(b);
        return 2;
    }
    int rc = cli_call(c, "POST", path, b, &res);
    if (rc == 0)
        rc = save_export(res, out);
    json_decref(res);
    return rc;
usage:
    fprintf(stderr,
            "usage: mnsafe export TENANT --recipient TEXT --route TEXT [--purpose P] [--persons ID,..] [--kind K]\n"
            "                     [--fields F,..] [--encoding utf-8|shift_jis|jis0208] [--replace]\n"
            "                     (--age-recipient age1... | --zip | --masked) [--out FILE]\n"
            "       mnsafe export TENANT --request ID [--out FILE]\n"
            "       mnsafe export request TENANT ...the same options... [--reason TEXT]\n"
            "       mnsafe export list|requests TENANT | approve|reject TENANT ID\n");
    return 2;
}
