/*
 * report.c: scores, coverage and the gap list of an assessment's results,
 * as JSON and as CSV for Excel.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksheet/internal.h"

/* ---- results ------------------------------------------------------------------ */

const json_t *result_of(const json_t *results, const char *id)
{
    return json_object_get(results, id);
}

const char *text_or(const json_t *obj, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? s : dflt;
}

const char *status_of(const json_t *results, const char *id)
{
    const char *s = json_string_value(json_object_get(result_of(results, id), "status"));
    return mns_checksheet_status_valid(s) ? s : "not_assessed";
}

struct tally {
    json_int_t items, assessed, satisfied, partly, not_satisfied, not_applicable;
};

static void tally_add(struct tally *t, const char *status)
{
    t->items++;
    if (strcmp(status, "not_assessed") == 0)
        return;
    t->assessed++;
    if (strcmp(status, "satisfied") == 0)
        t->satisfied++;
    else if (strcmp(status, "partly") == 0)
        t->partly++;
    else if (strcmp(status, "not_satisfied") == 0)
        t->not_satisfied++;
    else
        t->not_applicable++;
}

static json_t *tally_json(const struct tally *t)
{
    json_int_t applicable = t->assessed - t->not_applicable;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "items", t->items, "assessed", t->assessed,
                     "satisfied", t->satisfied, "partly", t->partly, "not_satisfied", t->not_satisfied,
                     "not_applicable", t->not_applicable, "coverage",
                     t->items > 0 ? json_real((double)t->assessed / (double)t->items) : json_null(), "score",
                     applicable > 0 ? json_real(((double)t->satisfied + 0.5 * (double)t->partly) / (double)applicable)
                                    : json_null());
}

/* summary[key] = {"minimum","optional","all"} from three tallies */
static void put_scores(json_t *summary, const char *key, const struct tally t[3])
{
    json_object_set_new(summary, key, json_pack("{s:o, s:o, s:o}", "minimum", tally_json(&t[0]), "optional",
                                                 tally_json(&t[1]), "all", tally_json(&t[2])));
}

static void add3(struct tally t[3], bool minimum, const char *status)
{
    tally_add(&t[minimum ? 0 : 1], status);
    tally_add(&t[2], status);
}

json_t *mns_checksheet_report(const struct mns_checksheet *cs, const json_t *results)
{
    json_t *summary = json_object(), *gaps = json_array(), *cat, *sec, *item;
    struct tally all[3] = {{0}};
    size_t i, j, k;

    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) {
        struct tally ct[3] = {{0}};
        json_array_foreach(json_object_get(cat, "sections"), j, sec) {
            struct tally st[3] = {{0}};
            json_array_foreach(json_object_get(sec, "items"), k, item) {
                const char *id = json_string_value(json_object_get(item, "id"));
                bool minimum = strcmp(json_string_value(json_object_get(item, "level")), "minimum") == 0;
                const char *status = status_of(results, id);
                add3(st, minimum, status);
                add3(ct, minimum, status);
                add3(all, minimum, status);
            }
            put_scores(summary, json_string_value(json_object_get(sec, "id")), st);
        }
        put_scores(summary, json_string_value(json_object_get(cat, "id")), ct);
    }
    put_scores(summary, "all", all);

    /* the gaps: minimum items first, then optional, each in the sheet's order */
    for (int pass = 0; pass < 2; pass++)
        json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) json_array_foreach(json_object_get(cat, "sections"), j, sec)
            json_array_foreach(json_object_get(sec, "items"), k, item)
    {
        const char *id = json_string_value(json_object_get(item, "id"));
        const char *level = json_string_value(json_object_get(item, "level"));
        const char *status = status_of(results, id);
        if ((strcmp(level, "minimum") == 0) != (pass == 0) || strcmp(status, "satisfied") == 0 ||
            strcmp(status, "not_applicable") == 0)
            continue;
        const json_t *r = result_of(results, id);
        json_array_append_new(gaps, json_pack("{s:s, s:s, s:s, s:s, s:s, s:O?, s:O?}", "item", id, "section",
                                              json_string_value(json_object_get(sec, "id")), "level", level, "status",
                                              status, "text_ja", json_string_value(json_object_get(item, "text_ja")),
                                              "owner", json_object_get(r, "owner"), "due", json_object_get(r, "due")));
    }
    return json_pack("{s:o, s:o, s:I, s:s}", "summary", summary, "gaps", gaps, "items", (json_int_t)cs->nitems,
                     "sheet_sha256", cs->sha256);
}

char *mns_checksheet_csv(const struct mns_checksheet *cs, const json_t *results, bool english)
{
    struct mns_text b = {0};
    json_t *cat, *sec, *item;
    size_t i, j, k;
    static const char *const cols_ja[] = {"ID", "区分", "項目", "水準", "内容", "状況", "理由・所見",
                                          "証跡", "確認者", "確認日時", "担当者", "期限"};
    static const char *const cols_en[] = {"ID", "Category", "Section", "Level", "Item", "Status", "Reason / note",
                                          "Evidence", "Attested by", "Attested at", "Owner", "Due"};
    const char *const *cols = english ? cols_en : cols_ja;

    mns_text_str(&b, "\xEF\xBB\xBF"); /* BOM: Excel then reads UTF-8 */
    for (size_t c = 0; c < 12; c++) {
        if (c > 0)
            mns_text_str(&b, ",");
        mns_text_csv(&b, cols[c]);
    }
    mns_text_str(&b, "\r\n");
    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) json_array_foreach(json_object_get(cat, "sections"), j, sec)
        json_array_foreach(json_object_get(sec, "items"), k, item)
    {
        const char *id = json_string_value(json_object_get(item, "id"));
        const json_t *r = result_of(results, id);
        bool minimum = strcmp(json_string_value(json_object_get(item, "level")), "minimum") == 0;
        const char *lang = english ? "_en" : "_ja";
        char key[16];
        const char *fields[12];
        fields[0] = id;
        snprintf(key, sizeof(key), "title%s", lang);
        fields[1] = json_string_value(json_object_get(cat, key));
        fields[2] = json_string_value(json_object_get(sec, key));
        fields[3] = english ? (minimum ? "minimum" : "optional") : (minimum ? "最低限" : "プラスα");
        snprintf(key, sizeof(key), "text%s", lang);
        fields[4] = json_string_value(json_object_get(item, key));
        fields[5] = status_of(results, id);
        fields[6] = json_string_value(json_object_get(r, "reason"));
        const char *note = json_string_value(json_object_get(r, "evidence_note"));
        const char *link = json_string_value(json_object_get(r, "evidence_link"));
        fields[7] = note != NULL ? note : link;
        fields[8] = json_string_value(json_object_get(r, "attested_by"));
        fields[9] = json_string_value(json_object_get(r, "attested_at"));
        fields[10] = json_string_value(json_object_get(r, "owner"));
        fields[11] = json_string_value(json_object_get(r, "due"));
        for (size_t c = 0; c < 12; c++) {
            if (c > 0)
                mns_text_str(&b, ",");
            mns_text_csv(&b, fields[c] != NULL ? fields[c] : "");
        }
        mns_text_str(&b, "\r\n");
    }
    return mns_text_take(&b);
}
