/*
 * retention.c: calendar dates and the keeping periods of data/retention.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mnsafe/retention.h"

bool mns_date_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int mns_date_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && mns_date_leap(year) ? 29 : days[month - 1];
}

bool mns_date_parse(const char *text, mns_date *out)
{
    int y, m, d, n = 0;
    if (text == NULL || strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
        text[4] != '-' || text[7] != '-')
        return false;
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > mns_date_days_in_month(y, m))
        return false;
    out->year = y;
    out->month = m;
    out->day = d;
    return true;
}

void mns_date_format(mns_date d, char out[11])
{
    unsigned y = (unsigned)d.year % 10000u, m = (unsigned)d.month % 100u, day = (unsigned)d.day % 100u;
    out[0] = (char)('0' + y / 1000), out[1] = (char)('0' + y / 100 % 10), out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10), out[4] = '-', out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10);
    out[7] = '-', out[8] = (char)('0' + day / 10), out[9] = (char)('0' + day % 10), out[10] = '\0';
}

mns_date mns_date_add_days(mns_date d, int days)
{
    while (days > 0) {
        if (d.day < mns_date_days_in_month(d.year, d.month)) {
            d.day++;
        } else {
            d.day = 1;
            if (++d.month > 12) {
                d.month = 1;
                d.year++;
            }
        }
        days--;
    }
    while (days < 0) {
        if (d.day > 1) {
            d.day--;
        } else {
            if (--d.month < 1) {
                d.month = 12;
                d.year--;
            }
            d.day = mns_date_days_in_month(d.year, d.month);
        }
        days++;
    }
    return d;
}

int mns_date_cmp(mns_date a, mns_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    return a.day < b.day ? -1 : a.day > b.day ? 1 : 0;
}

mns_date mns_date_today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return (mns_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

mns_date mns_date_after_fiscal_year_end(mns_date d, int fy_end_month)
{
    /* the fiscal year end on or after d, then the day after it */
    mns_date end = {d.year, fy_end_month, mns_date_days_in_month(d.year, fy_end_month)};
    if (mns_date_cmp(end, d) < 0)
        end = (mns_date){d.year + 1, fy_end_month, mns_date_days_in_month(d.year + 1, fy_end_month)};
    /* d itself may already be the day after an end: keep it */
    mns_date before = mns_date_add_days(d, -1);
    if (before.month == fy_end_month && before.day == mns_date_days_in_month(before.year, fy_end_month))
        return d;
    return mns_date_add_days(end, 1);
}

struct mns_retention {
    json_t *doc;
};

static const char *const kinds[] = {"until_jan10", "years_after_end", "after_filing"};

mns_err mns_retention_load(struct mns_retention **out, const char *path, mns_errmsg *em)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *rule;
    size_t i;

    *out = NULL;
    if (doc == NULL)
        return mns_fail(em, jerr.line < 0 ? MNS_ERR_NOT_FOUND : MNS_ERR_INVALID, "retention rules %s: %s", path,
                        jerr.text);
    const json_t *rules = json_object_get(doc, "rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0) {
        json_decref(doc);
        return mns_fail(em, MNS_ERR_INVALID, "retention rules %s: a non-empty \"rules\" list expected", path);
    }
    json_array_foreach(rules, i, rule) {
        const char *code = json_string_value(json_object_get(rule, "code"));
        const char *kind = json_string_value(json_object_get(rule, "kind"));
        bool known = false;
        for (size_t k = 0; kind != NULL && k < sizeof(kinds) / sizeof(kinds[0]); k++)
            known = known || strcmp(kind, kinds[k]) == 0;
        json_int_t years = json_integer_value(json_object_get(rule, "years"));
        if (code == NULL || !json_is_string(json_object_get(rule, "name_ja")) ||
            !json_is_string(json_object_get(rule, "name_en")) || !json_is_string(json_object_get(rule, "basis")) ||
            !json_is_array(json_object_get(rule, "purposes")) || !known ||
            (strcmp(kind, "after_filing") != 0 && (years < 1 || years > 20)) ||
            (strcmp(kind, "after_filing") == 0 &&
             (json_integer_value(json_object_get(rule, "filing_month")) < 1 ||
              json_integer_value(json_object_get(rule, "filing_month")) > 12 ||
              json_integer_value(json_object_get(rule, "filing_day")) < 1 ||
              json_integer_value(json_object_get(rule, "filing_day")) > 28 + 3))) {
            /* the message first: code points into doc */
            mns_fail(em, MNS_ERR_INVALID, "retention rule %zu (%.40s): code, name_ja, name_en, basis, purposes and "
                     "a known kind with its numbers are required", i + 1, code ? code : "?");
            json_decref(doc);
            return MNS_ERR_INVALID;
        }
    }
    struct mns_retention *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        json_decref(doc);
        return MNS_ERR_NOMEM;
    }
    r->doc = doc;
    *out = r;
    return MNS_OK;
}

void mns_retention_free(struct mns_retention *r)
{
    if (r == NULL)
        return;
    json_decref(r->doc);
    free(r);
}

const json_t *mns_retention_json(const struct mns_retention *r)
{
    return r->doc;
}

/* the first day a rule lets the documents go, the need having ended on end */
static mns_date rule_due(const json_t *rule, mns_date end)
{
    const char *kind = json_string_value(json_object_get(rule, "kind"));
    int years = (int)json_integer_value(json_object_get(rule, "years"));
    if (strcmp(kind, "until_jan10") == 0)
        return (mns_date){end.year + years, 1, 11};
    if (strcmp(kind, "after_filing") == 0) {
        int m = (int)json_integer_value(json_object_get(rule, "filing_month"));
        int d = (int)json_integer_value(json_object_get(rule, "filing_day"));
        mns_date filed = {end.year + 1, m, d > mns_date_days_in_month(end.year + 1, m) ? mns_date_days_in_month(end.year + 1, m) : d};
        return mns_date_add_days(filed, 1);
    }
    /* years_after_end: the corresponding day (or the month's end), then the next day */
    mns_date last = {end.year + years, end.month, end.day};
    if (last.day > mns_date_days_in_month(last.year, last.month))
        last.day = mns_date_days_in_month(last.year, last.month);
    return mns_date_add_days(last, 1);
}

mns_err mns_retention_due(const struct mns_retention *r, const json_t *purposes, mns_date end, mns_date *due,
                          const char **rule_code)
{
    const json_t *rule, *p, *q;
    size_t i, j, k;
    bool any = false;
    *due = end;
    *rule_code = NULL;
    json_array_foreach(json_object_get(r->doc, "rules"), i, rule) {
        bool applies = false;
        json_array_foreach(json_object_get(rule, "purposes"), j, p) json_array_foreach(purposes, k, q) applies =
            applies || (json_is_string(p) && json_is_string(q) && strcmp(json_string_value(p), json_string_value(q)) == 0);
        if (!applies)
            continue;
        mns_date d = rule_due(rule, end);
        if (!any || mns_date_cmp(d, *due) > 0) {
            *due = d;
            *rule_code = json_string_value(json_object_get(rule, "code"));
        }
        any = true;
    }
    return any ? MNS_OK : MNS_ERR_NOT_FOUND;
}
