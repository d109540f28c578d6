/*
 * certificate.c: the deletion certificate (削除・廃棄証明書) for a period, as
 * one self-contained HTML page in Japanese, from disposal register entries.
 * It names what was deleted or destroyed, how many persons, when, how and by
 * whom: never a number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/retention.h"

struct out {
    char *p;
    size_t len, cap;
    bool failed;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *p = realloc(o->p, cap);
        if (p == NULL) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void str(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void esc(struct out *o, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '&': str(o, "&amp;"); break;
        case '<': str(o, "&lt;"); break;
        case '>': str(o, "&gt;"); break;
        case '"': str(o, "&quot;"); break;
        default: put(o, s, 1);
        }
    }
}

char *mns_retention_certificate_html(const json_t *entries, const char *tenant_name, const char *from, const char *to,
                                     const char *issued_by, const char *issued_on)
{
    struct out o = {0};
    const json_t *e;
    size_t i;
    json_int_t persons = 0;
    char num[32];

    str(&o, "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<title>削除・廃棄証明書</title>\n"
            "<style>body{font-family:serif;margin:3em}table{border-collapse:collapse;width:100%}"
            "th,td{border:1px solid #444;padding:.4em;vertical-align:top}td.num{text-align:right}"
            "h1{text-align:center;letter-spacing:.3em}</style>\n</head>\n<body>\n<h1>削除・廃棄証明書</h1>\n<p>");
    esc(&o, tenant_name);
    str(&o, " 御中</p>\n<p>下記のとおり、特定個人情報（個人番号を含む書類・電子データ）を復元できない方法により"
            "削除・廃棄したことを証明します。</p>\n<p>対象期間: ");
    esc(&o, from != NULL ? from : "（指定なし）");
    str(&o, " 〜 ");
    esc(&o, to != NULL ? to : "（指定なし）");
    str(&o, "</p>\n<table id=\"entries\">\n<thead><tr><th>削除・廃棄日</th><th>対象</th><th>人数</th><th>方法</th>"
            "<th>実施者</th><th>根拠・備考</th></tr></thead>\n<tbody>\n");
    json_array_foreach(entries, i, e) {
        const json_t *n = json_object_get(e, "persons");
        str(&o, "<tr><td>");
        esc(&o, json_string_value(json_object_get(e, "disposed_on")));
        str(&o, "</td><td>");
        esc(&o, json_string_value(json_object_get(e, "data_kind")));
        str(&o, "</td><td class=\"num\">");
        if (json_is_integer(n)) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(n));
            str(&o, num);
            persons += json_integer_value(n);
        } else {
            str(&o, "-");
        }
        str(&o, "</td><td>");
        esc(&o, json_string_value(json_object_get(e, "method")));
        str(&o, "</td><td>");
        esc(&o, json_string_value(json_object_get(e, "disposed_by")));
        if (json_string_value(json_object_get(e, "contractor")) != NULL) {
            str(&o, "（委託先: ");
            esc(&o, json_string_value(json_object_get(e, "contractor")));
            str(&o, "）");
        }
        str(&o, "</td><td>");
        esc(&o, json_string_value(json_object_get(e, "rules")));
        if (json_string_value(json_object_get(e, "note")) != NULL) {
            str(&o, " ");
            esc(&o, json_string_value(json_object_get(e, "note")));
        }
        if (json_string_value(json_object_get(e, "certificate_sha256")) != NULL) {
            str(&o, " 証明書 SHA-256: ");
            esc(&o, json_string_value(json_object_get(e, "certificate_sha256")));
        }
        str(&o, "</td></tr>\n");
    }
    snprintf(num, sizeof(num), "%lld", (long long)persons);
    str(&o, "</tbody>\n</table>\n<p>件数: ");
    snprintf(num, sizeof(num), "%zu", json_array_size(entries));
    str(&o, num);
    str(&o, " 件、対象人数合計: ");
    snprintf(num, sizeof(num), "%lld", (long long)persons);
    str(&o, "<span id=\"persons\">");
    str(&o, num);
    str(&o, "</span> 名</p>\n<p>発行日: ");
    esc(&o, issued_on);
    str(&o, "　発行者: ");
    esc(&o, issued_by);
    str(&o, "</p>\n<p>本証明書には個人番号を記載していません。</p>\n</body>\n</html>\n");
    if (o.failed) {
        free(o.p);
        return NULL;
    }
    return o.p;
}
