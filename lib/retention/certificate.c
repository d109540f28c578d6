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
#include "mnsafe/text.h"

char *mns_retention_certificate_html(const json_t *entries, const char *tenant_name, const char *from, const char *to,
                                     const char *issued_by, const char *issued_on)
{
    struct mns_text o = {0};
    const json_t *e;
    size_t i;
    json_int_t persons = 0;
    char num[32];

    mns_text_str(&o, "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<title>削除・廃棄証明書</title>\n"
            "<style>body{font-family:serif;margin:3em}table{border-collapse:collapse;width:100%}"
            "th,td{border:1px solid #444;padding:.4em;vertical-align:top}td.num{text-align:right}"
            "h1{text-align:center;letter-spacing:.3em}</style>\n</head>\n<body>\n<h1>削除・廃棄証明書</h1>\n<p>");
    mns_text_xml(&o, tenant_name);
    mns_text_str(&o, " 御中</p>\n<p>下記のとおり、特定個人情報（個人番号を含む書類・電子データ）を復元できない方法により"
            "削除・廃棄したことを証明します。</p>\n<p>対象期間: ");
    mns_text_xml(&o, from != NULL ? from : "（指定なし）");
    mns_text_str(&o, " 〜 ");
    mns_text_xml(&o, to != NULL ? to : "（指定なし）");
    mns_text_str(&o, "</p>\n<table id=\"entries\">\n<thead><tr><th>削除・廃棄日</th><th>対象</th><th>人数</th><th>方法</th>"
            "<th>実施者</th><th>根拠・備考</th></tr></thead>\n<tbody>\n");
    json_array_foreach(entries, i, e) {
        const json_t *n = json_object_get(e, "persons");
        mns_text_str(&o, "<tr><td>");
        mns_text_xml(&o, json_string_value(json_object_get(e, "disposed_on")));
        mns_text_str(&o, "</td><td>");
        mns_text_xml(&o, json_string_value(json_object_get(e, "data_kind")));
        mns_text_str(&o, "</td><td class=\"num\">");
        if (json_is_integer(n)) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(n));
            mns_text_str(&o, num);
            persons += json_integer_value(n);
        } else {
            mns_text_str(&o, "-");
        }
        mns_text_str(&o, "</td><td>");
        mns_text_xml(&o, json_string_value(json_object_get(e, "method")));
        mns_text_str(&o, "</td><td>");
        mns_text_xml(&o, json_string_value(json_object_get(e, "disposed_by")));
        if (json_string_value(json_object_get(e, "contractor")) != NULL) {
            mns_text_str(&o, "（委託先: ");
            mns_text_xml(&o, json_string_value(json_object_get(e, "contractor")));
            mns_text_str(&o, "）");
        }
        mns_text_str(&o, "</td><td>");
        mns_text_xml(&o, json_string_value(json_object_get(e, "rules")));
        if (json_string_value(json_object_get(e, "note")) != NULL) {
            mns_text_str(&o, " ");
            mns_text_xml(&o, json_string_value(json_object_get(e, "note")));
        }
        if (json_string_value(json_object_get(e, "certificate_sha256")) != NULL) {
            mns_text_str(&o, " 証明書 SHA-256: ");
            mns_text_xml(&o, json_string_value(json_object_get(e, "certificate_sha256")));
        }
        mns_text_str(&o, "</td></tr>\n");
    }
    snprintf(num, sizeof(num), "%lld", (long long)persons);
    mns_text_str(&o, "</tbody>\n</table>\n<p>件数: ");
    snprintf(num, sizeof(num), "%zu", json_array_size(entries));
    mns_text_str(&o, num);
    mns_text_str(&o, " 件、対象人数合計: ");
    snprintf(num, sizeof(num), "%lld", (long long)persons);
    mns_text_str(&o, "<span id=\"persons\">");
    mns_text_str(&o, num);
    mns_text_str(&o, "</span> 名</p>\n<p>発行日: ");
    mns_text_xml(&o, issued_on);
    mns_text_str(&o, "　発行者: ");
    mns_text_xml(&o, issued_by);
    mns_text_str(&o, "</p>\n<p>本証明書には個人番号を記載していません。</p>\n</body>\n</html>\n");
    return mns_text_take(&o);
}
