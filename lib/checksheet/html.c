/*
 * html.c: the report as one self-contained HTML page (no scripts, no
 * outside resources), Japanese by default, English on request. Every score
 * cell carries its exact value in data-key / data-value, so that a test (or
 * a tool) can check the page against the JSON report.
 */
#include <stdio.h>
#include <string.h>

#include "checksheet/internal.h"

struct labels {
    const char *lang, *title, *tenant, *assessment, *started, *summary, *scope, *minimum, *optional, *all, *coverage,
        *score, *gaps, *items, *item, *level, *status, *owner, *due, *text, *none, *translated, *note;
};

static const struct labels ja = {
    "ja", "安全管理措置チェックシート 評価報告", "事業者", "評価", "開始", "集計", "範囲", "最低限取るべき措置",
    "プラスα", "全体", "網羅率", "達成率", "未対応項目（対応計画）", "全項目", "項目", "水準", "状況", "担当者", "期限",
    "内容", "なし", "", "達成率 = (対応済 + 一部対応×0.5) ÷ 評価済みで該当する項目、網羅率 = 評価済み ÷ 全項目"};
static const struct labels en = {
    "en", "Check sheet assessment report", "Tenant", "Assessment", "Started", "Summary", "Scope", "Minimum", "Optional",
    "All", "Coverage", "Score", "Gaps (plan of action)", "All items", "Item", "Level", "Status", "Owner", "Due", "Text",
    "none", " (English texts are translations)",
    "score = (satisfied + partly x 0.5) / applicable assessed items; coverage = assessed / items"};

static const char *status_label(const char *status, bool english)
{
    static const char *const map[][3] = {{"satisfied", "対応済", "satisfied"},
                                         {"not_satisfied", "未対応", "not satisfied"},
                                         {"partly", "一部対応", "partly"},
                                         {"not_applicable", "該当なし", "not applicable"},
                                         {"not_assessed", "未評価", "not assessed"}};
    for (size_t i = 0; i < 5; i++)
        if (strcmp(status, map[i][0]) == 0)
            return map[i][english ? 2 : 1];
    return status;
}

/* a cell with a ratio as a percentage, and its exact value for checking */
static void ratio_cell(struct mns_text *b, const char *key, const json_t *v)
{
    if (json_is_number(v))
        mns_text_printf(b, "<td class=\"num\" data-key=\"%s\" data-value=\"%.4f\">%.1f%%</td>", key, json_number_value(v),
                   json_number_value(v) * 100.0);
    else
        mns_text_printf(b, "<td class=\"num\" data-key=\"%s\" data-value=\"\">-</td>", key);
}

static void summary_row(struct mns_text *b, const json_t *summary, const char *key, const char *label, const char *cls)
{
    static const char *const scopes[] = {"minimum", "optional", "all"};
    const json_t *s = json_object_get(summary, key);
    mns_text_printf(b, "<tr class=\"%s\"><th scope=\"row\">", cls);
    mns_text_xml(b, label);
    mns_text_str(b, "</th>");
    for (int i = 0; i < 3; i++) {
        const json_t *t = json_object_get(s, scopes[i]);
        char k[64];
        mns_text_printf(b, "<td class=\"num\">%lld / %lld</td>", (long long)json_integer_value(json_object_get(t, "assessed")),
                   (long long)json_integer_value(json_object_get(t, "items")));
        snprintf(k, sizeof(k), "%s.%s.coverage", key, scopes[i]);
        ratio_cell(b, k, json_object_get(t, "coverage"));
        snprintf(k, sizeof(k), "%s.%s.score", key, scopes[i]);
        ratio_cell(b, k, json_object_get(t, "score"));
    }
    mns_text_str(b, "</tr>\n");
}

char *mns_checksheet_html(const struct mns_checksheet *cs, const json_t *results, const json_t *info, bool english)
{
    const struct labels *L = english ? &en : &ja;
    const char *lang = english ? "_en" : "_ja";
    char key[32];
    struct mns_text b = {0};
    json_t *rep = mns_checksheet_report(cs, results);
    const json_t *summary = json_object_get(rep, "summary"), *cat, *sec, *item, *g;
    size_t i, j, k;

    mns_text_printf(&b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>", L->lang);
    mns_text_xml(&b, L->title);
    mns_text_str(&b, "</title>\n<style>\n"
                "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
                "th,td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top}td.num{text-align:right}"
                "tr.category th{background:#eef}tr.total th{background:#ddd}"
                ".s-satisfied{color:#060}.s-not_satisfied{color:#a00;font-weight:bold}.s-partly{color:#a60}"
                ".s-not_assessed{color:#777}.s-not_applicable{color:#456}\n</style>\n</head>\n<body>\n<h1>");
    mns_text_xml(&b, L->title);
    mns_text_str(&b, "</h1>\n<dl>\n");
    static const char *const meta[] = {"tenant", "title", "started_at"};
    const char *meta_labels[] = {L->tenant, L->assessment, L->started};
    for (int m = 0; m < 3; m++) {
        mns_text_str(&b, "<dt>");
        mns_text_xml(&b, meta_labels[m]);
        mns_text_str(&b, "</dt><dd>");
        mns_text_xml(&b, text_or(info, meta[m], "-"));
        mns_text_str(&b, "</dd>\n");
    }
    mns_text_str(&b, "</dl>\n<p>");
    snprintf(key, sizeof(key), "title%s", lang);
    mns_text_xml(&b, json_string_value(json_object_get(json_object_get(cs->sheet, "source"), key)));
    mns_text_xml(&b, L->translated);
    mns_text_str(&b, "</p>\n<h2>");
    mns_text_xml(&b, L->summary);
    mns_text_str(&b, "</h2>\n<table id=\"summary\">\n<thead><tr><th rowspan=\"2\">");
    mns_text_xml(&b, L->scope);
    mns_text_str(&b, "</th>");
    const char *heads[] = {L->minimum, L->optional, L->all};
    for (int h = 0; h < 3; h++) {
        mns_text_str(&b, "<th colspan=\"3\">");
        mns_text_xml(&b, heads[h]);
        mns_text_str(&b, "</th>");
    }
    mns_text_str(&b, "</tr>\n<tr>");
    for (int h = 0; h < 3; h++) {
        mns_text_str(&b, "<th>");
        mns_text_xml(&b, L->items);
        mns_text_str(&b, "</th><th>");
        mns_text_xml(&b, L->coverage);
        mns_text_str(&b, "</th><th>");
        mns_text_xml(&b, L->score);
        mns_text_str(&b, "</th>");
    }
    mns_text_str(&b, "</tr></thead>\n<tbody>\n");
    summary_row(&b, summary, "all", L->all, "total");
    snprintf(key, sizeof(key), "title%s", lang);
    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) {
        char label[256];
        snprintf(label, sizeof(label), "%s %s", json_string_value(json_object_get(cat, "id")),
                 json_string_value(json_object_get(cat, key)));
        summary_row(&b, summary, json_string_value(json_object_get(cat, "id")), label, "category");
        json_array_foreach(json_object_get(cat, "sections"), j, sec) {
            snprintf(label, sizeof(label), "%s %s", json_string_value(json_object_get(sec, "id")),
                     json_string_value(json_object_get(sec, key)));
            summary_row(&b, summary, json_string_value(json_object_get(sec, "id")), label, "section");
        }
    }
    mns_text_str(&b, "</tbody>\n</table>\n<p>");
    mns_text_xml(&b, L->note);
    mns_text_str(&b, "</p>\n<h2>");
    mns_text_xml(&b, L->gaps);
    mns_text_str(&b, "</h2>\n<table id=\"gaps\">\n<thead><tr>");
    const char *gap_heads[] = {L->item, L->level, L->status, L->text, L->owner, L->due};
    for (int h = 0; h < 6; h++) {
        mns_text_str(&b, "<th>");
        mns_text_xml(&b, gap_heads[h]);
        mns_text_str(&b, "</th>");
    }
    mns_text_str(&b, "</tr></thead>\n<tbody>\n");
    snprintf(key, sizeof(key), "text%s", lang);
    json_array_foreach(json_object_get(rep, "gaps"), i, g) {
        const char *id = json_string_value(json_object_get(g, "item")), *status = json_string_value(json_object_get(g, "status"));
        bool minimum = strcmp(json_string_value(json_object_get(g, "level")), "minimum") == 0;
        mns_text_printf(&b, "<tr data-item=\"%s\"><td>%s</td><td>", id, id);
        mns_text_xml(&b, minimum ? L->minimum : L->optional);
        mns_text_printf(&b, "</td><td class=\"s-%s\">", status);
        mns_text_xml(&b, status_label(status, english));
        mns_text_str(&b, "</td><td>");
        mns_text_xml(&b, json_string_value(json_object_get(mns_checksheet_item(cs, id), key)));
        mns_text_str(&b, "</td><td>");
        mns_text_xml(&b, text_or(g, "owner", ""));
        mns_text_str(&b, "</td><td>");
        mns_text_xml(&b, text_or(g, "due", ""));
        mns_text_str(&b, "</td></tr>\n");
    }
    mns_text_str(&b, "</tbody>\n</table>\n<h2>");
    mns_text_xml(&b, L->items);
    mns_text_str(&b, "</h2>\n<table id=\"items\">\n<thead><tr>");
    const char *item_heads[] = {L->item, L->level, L->text, L->status};
    for (int h = 0; h < 4; h++) {
        mns_text_str(&b, "<th>");
        mns_text_xml(&b, item_heads[h]);
        mns_text_str(&b, "</th>");
    }
    mns_text_str(&b, "</tr></thead>\n<tbody>\n");
    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) json_array_foreach(json_object_get(cat, "sections"), j, sec)
        json_array_foreach(json_object_get(sec, "items"), k, item)
    {
        const char *id = json_string_value(json_object_get(item, "id")), *status = status_of(results, id);
        bool minimum = strcmp(json_string_value(json_object_get(item, "level")), "minimum") == 0;
        mns_text_printf(&b, "<tr data-item=\"%s\" data-status=\"%s\"><td>%s</td><td>", id, status, id);
        mns_text_xml(&b, minimum ? L->minimum : L->optional);
        mns_text_str(&b, "</td><td>");
        mns_text_xml(&b, json_string_value(json_object_get(item, key)));
        mns_text_printf(&b, "</td><td class=\"s-%s\">", status);
        mns_text_xml(&b, status_label(status, english));
        mns_text_str(&b, "</td></tr>\n");
    }
    mns_text_str(&b, "</tbody>\n</table>\n</body>\n</html>\n");
    json_decref(rep);
    return mns_text_take(&b);
}
