/*
 * incident.c: whether a leak of specific personal information must be
 * reported to the Personal Information Protection Commission (PPC), and
 * when (番号法29条の4, 施行規則2条・3条; the PPC's guideline).
 *
 * Reportable when any of: more than 100 persons' SPI; a wrongful purpose
 * (insiders included); exposure to unspecified people (the public) — unless
 * the data was protected by strong encryption so that it cannot be read.
 * A preliminary report is due promptly (the PPC's target: about 3-5 days);
 * the final one within 30 days, 60 when a wrongful purpose is involved, day 1
 * being the day the business learnt of it. A last day that falls on a day
 * the administration is closed (Saturday, Sunday, national holidays with
 * their substitutes (rules since 2020), 29 December - 3 January) moves to the
 * next open day.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mnsafe/retention.h"
#include "mnsafe/text.h"

/* 0 Sunday .. 6 Saturday (Zeller-free: days since a known Sunday) */
static int weekday(mns_date d)
{
    struct tm tm = {.tm_year = d.year - 1900, .tm_mon = d.month - 1, .tm_mday = d.day, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm out;
    gmtime_r(&t, &out);
    return out.tm_wday;
}

/* the n-th Monday of the month */
static int nth_monday(int year, int month, int n)
{
    int first = weekday((mns_date){year, month, 1});
    return 1 + (8 - first) % 7 + 7 * (n - 1);
}

/* 国民の祝日 by the rules in force since 2020 (祝日法; the equinoxes by the
 * usual approximation, good for 1980-2099). */
static bool named_holiday(mns_date d)
{
    int y = d.year, m = d.month, day = d.day;
    int spring = (int)(20.8431 + 0.242194 * (y - 1980)) - (y - 1980) / 4;
    int autumn = (int)(23.2488 + 0.242194 * (y - 1980)) - (y - 1980) / 4;
    return (m == 1 && (day == 1 || day == nth_monday(y, 1, 2))) || (m == 2 && (day == 11 || day == 23)) ||
           (m == 3 && day == spring) || (m == 4 && day == 29) || (m == 5 && (day == 3 || day == 4 || day == 5)) ||
           (m == 7 && day == nth_monday(y, 7, 3)) || (m == 8 && day == 11) ||
           (m == 9 && (day == nth_monday(y, 9, 3) || day == autumn)) || (m == 10 && day == nth_monday(y, 10, 2)) ||
           (m == 11 && (day == 3 || day == 23));
}

bool mns_date_holiday(mns_date d)
{
    if (named_holiday(d))
        return true;
    /* 振替休日: after a holiday on a Sunday, the next day that is no holiday */
    mns_date p = mns_date_add_days(d, -1);
    while (named_holiday(p)) {
        if (weekday(p) == 0)
            return true;
        p = mns_date_add_days(p, -1);
    }
    /* 国民の休日: a day between two holidays */
    return weekday(d) != 0 && named_holiday(mns_date_add_days(d, -1)) && named_holiday(mns_date_add_days(d, 1));
}

bool mns_date_office_closed(mns_date d)
{
    int w = weekday(d);
    return w == 0 || w == 6 || (d.month == 12 && d.day >= 29) || (d.month == 1 && d.day <= 3) || mns_date_holiday(d);
}

static mns_date next_open(mns_date d)
{
    while (mns_date_office_closed(d))
        d = mns_date_add_days(d, 1);
    return d;
}

static bool flag(const json_t *f, const char *key)
{
    return json_is_true(json_object_get(f, key));
}

json_t *mns_incident_assess(const json_t *fields, mns_date today)
{
    mns_date known;
    const char *k = json_string_value(json_object_get(fields, "known_on"));
    if (k == NULL || !mns_date_parse(k, &known))
        return NULL;
    json_int_t persons = json_integer_value(json_object_get(fields, "persons"));
    bool wrongful = flag(fields, "wrongful_purpose") || flag(fields, "insider");
    bool exposed = flag(fields, "public_exposure");
    bool encrypted = flag(fields, "strong_encryption");
    json_t *reasons = json_array();
    if (persons > 100)
        json_array_append_new(reasons, json_string("more than 100 persons / 本人の数が100人を超える"));
    if (wrongful)
        json_array_append_new(reasons, json_string("a wrongful purpose (insiders included) / 不正の目的によるおそれ"));
    if (exposed)
        json_array_append_new(reasons, json_string("exposed to unspecified people / 不特定多数の者が閲覧できる状態"));
    /* strong encryption spares the report, except where the purpose was wrongful
     * and the key went too is not something mnsafe can know: it takes the
     * person's word (strong_encryption means the data cannot be read) */
    bool reportable = json_array_size(reasons) > 0 && !encrypted;

    /* day 1 is the day it became known: the 30th day is known + 29 */
    mns_date prelim = mns_date_add_days(known, 4);
    mns_date final_last = mns_date_add_days(known, (wrongful ? 60 : 30) - 1);
    mns_date final_due = next_open(final_last);
    char buf[11], pb[11], fb[11], lb[11];
    mns_date_format(today, buf);
    mns_date_format(prelim, pb);
    mns_date_format(final_due, fb);
    mns_date_format(final_last, lb);
    bool prelim_done = json_string_value(json_object_get(fields, "preliminary_reported_on")) != NULL;
    bool final_done = json_string_value(json_object_get(fields, "final_reported_on")) != NULL;
    json_t *warnings = json_array();
    if (reportable) {
        int days_left = 0;
        for (mns_date d = today; mns_date_cmp(d, final_due) < 0 && days_left < 400; d = mns_date_add_days(d, 1))
            days_left++;
        if (!prelim_done && mns_date_cmp(today, prelim) >= 0)
            json_array_append_new(warnings, json_string("the preliminary report is due (target: 3-5 days) / 速報の目安を過ぎています"));
        if (!final_done && mns_date_cmp(today, final_due) > 0)
            json_array_append_new(warnings, json_string("the final report is overdue / 確報の期限を過ぎています"));
        else if (!final_done && days_left <= 7)
            json_array_append_new(warnings, json_string("the final report is due within 7 days / 確報の期限まで7日以内です"));
    }
    return json_pack("{s:b, s:o, s:b, s:s, s:s, s:s, s:b, s:o, s:s}", "reportable", reportable, "reasons", reasons,
                     "spared_by_encryption", encrypted && json_array_size(reasons) > 0, "preliminary_target", pb,
                     "final_due", fb, "final_last_day", lb, "final_moved_to_open_day", mns_date_cmp(final_last, final_due) != 0,
                     "warnings", warnings, "note",
                     "closed days: weekends, national holidays (rules since 2020), 29 December - 3 January / "
                     "閉庁日（土日・祝日・年末年始）は翌開庁日に繰り延べています");
}

/* The nine headings of the report (施行規則3条) with the incident's words. */
char *mns_incident_draft(const json_t *fields, bool final)
{
    static const struct {
        const char *heading, *key;
    } items[] = {{"概要", "facts"},
                 {"漏えい等が発生し、又は発生したおそれがある特定個人情報の項目", "items"},
                 {"漏えい等が発生し、又は発生したおそれがある特定個人情報に係る本人の数", "persons"},
                 {"原因", "cause"},
                 {"二次被害又はそのおそれの有無及びその内容", "secondary_damage"},
                 {"本人への対応の実施状況", "notice_to_persons"},
                 {"公表の実施状況", "publication"},
                 {"再発防止のための措置", "prevention"},
                 {"その他参考となる事項", "other"}};
    struct mns_text t = {0};
    mns_text_str(&t, final ? "特定個人情報の漏えい等に関する報告（確報）\n\n" : "特定個人情報の漏えい等に関する報告（速報）\n\n");
    mns_text_str(&t, "件名: ");
    mns_text_str(&t, json_string_value(json_object_get(fields, "title")));
    mns_text_str(&t, "\n発覚日: ");
    mns_text_str(&t, json_string_value(json_object_get(fields, "known_on")));
    mns_text_str(&t, "\n");
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        const json_t *v = json_object_get(fields, items[i].key);
        mns_text_printf(&t, "\n%zu. %s\n", i + 1, items[i].heading);
        if (json_is_integer(v))
            mns_text_printf(&t, "%lld人\n", (long long)json_integer_value(v));
        else if (json_is_string(v))
            mns_text_printf(&t, "%s\n", json_string_value(v));
        else
            mns_text_str(&t, final ? "（記入してください）\n" : "（調査中）\n");
    }
    mns_text_str(&t, "\n（この下書きには個人番号を記載していません）\n");
    return mns_text_take(&t);
}
