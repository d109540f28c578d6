/*
 * test_retention_incident.c: when a leak of specific personal information
 * must be reported to the PPC, and by when: each reportability rule, strong
 * encryption, the 30- and 60-day final deadlines counted from day 1 = the
 * day it became known, moved off weekends, national holidays and the year-end
 * closure, the warnings, and the draft under the form's nine headings.
 */
#include <stdlib.h>
#include <string.h>

#include "mnsafe/retention.h"
#include "test_util.h"

static mns_date D(const char *s)
{
    mns_date d;
    if (!mns_date_parse(s, &d))
        fail_msg("bad date %s", s);
    return d;
}

static json_t *assess(const char *known, int persons, bool wrongful, bool publicly, bool encrypted, const char *today)
{
    json_t *f = json_pack("{s:s, s:i, s:b, s:b, s:b}", "known_on", known, "persons", persons, "wrongful_purpose",
                          wrongful, "public_exposure", publicly, "strong_encryption", encrypted);
    json_t *a = mns_incident_assess(f, D(today));
    json_decref(f);
    assert_non_null(a);
    return a;
}

static const char *s(const json_t *a, const char *key)
{
    return json_string_value(json_object_get(a, key));
}

static void test_reportability(void **state)
{
    (void)state;
    json_t *a = assess("2026-11-27", 100, false, false, false, "2026-11-27");
    assert_false(json_is_true(json_object_get(a, "reportable"))); /* 100 is not more than 100 */
    json_decref(a);
    a = assess("2026-11-27", 101, false, false, false, "2026-11-27");
    assert_true(json_is_true(json_object_get(a, "reportable")));
    assert_non_null(strstr(json_string_value(json_array_get(json_object_get(a, "reasons"), 0)), "100"));
    json_decref(a);
    a = assess("2026-11-27", 1, true, false, false, "2026-11-27");
    assert_true(json_is_true(json_object_get(a, "reportable"))); /* a wrongful purpose, whatever the number */
    json_decref(a);
    a = assess("2026-11-27", 1, false, true, false, "2026-11-27");
    assert_true(json_is_true(json_object_get(a, "reportable"))); /* open to the public */
    json_decref(a);
    a = assess("2026-11-27", 5000, false, false, true, "2026-11-27");
    assert_false(json_is_true(json_object_get(a, "reportable"))); /* strongly encrypted */
    assert_true(json_is_true(json_object_get(a, "spared_by_encryption")));
    json_decref(a);
    json_t *f = json_pack("{s:s, s:i}", "known_on", "2026-13-01", "persons", 1);
    assert_null(mns_incident_assess(f, D("2026-11-27")));
    json_decref(f);
}

static void test_deadlines(void **state)
{
    (void)state;
    /* Friday 27 November 2026: day 30 is Saturday 26 December, so Monday the 28th */
    json_t *a = assess("2026-11-27", 150, false, false, false, "2026-11-27");
    assert_string_equal(s(a, "preliminary_target"), "2026-12-01");
    assert_string_equal(s(a, "final_last_day"), "2026-12-26");
    assert_string_equal(s(a, "final_due"), "2026-12-28");
    assert_true(json_is_true(json_object_get(a, "final_moved_to_open_day")));
    json_decref(a);
    /* a wrongful purpose: 60 days, day 60 a Monday, stays */
    a = assess("2026-11-27", 1, true, false, false, "2026-11-27");
    assert_string_equal(s(a, "final_due"), "2027-01-25");
    assert_false(json_is_true(json_object_get(a, "final_moved_to_open_day")));
    json_decref(a);
    /* day 30 on 30 December: the office is closed until 3 January, then a Sunday: Monday 4 January */
    a = assess("2026-12-01", 150, false, false, false, "2026-12-01");
    assert_string_equal(s(a, "final_last_day"), "2026-12-30");
    assert_string_equal(s(a, "final_due"), "2027-01-04");
    json_decref(a);
    /* a weekday stays where it is */
    a = assess("2026-11-02", 150, false, false, false, "2026-11-02");
    assert_string_equal(s(a, "final_due"), "2026-12-01");
    json_decref(a);
    assert_true(mns_date_office_closed(D("2027-01-02")));
    assert_true(mns_date_office_closed(D("2026-11-28")));
    assert_false(mns_date_office_closed(D("2026-11-27")));
}

/* national holidays (2026: the rules since 2020), their substitutes, the
 * day between two holidays, and deadlines that land on them */
static void test_holidays(void **state)
{
    (void)state;
    static const char *const holidays[] = {"2026-01-01", "2026-01-12", "2026-02-11", "2026-02-23", "2026-03-20",
                                           "2026-04-29", "2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06",
                                           "2026-07-20", "2026-08-11", "2026-09-21", "2026-09-22", "2026-09-23",
                                           "2026-10-12", "2026-11-03", "2026-11-23", "2027-03-21", "2027-03-22"};
    static const char *const workdays[] = {"2026-01-13", "2026-03-19", "2026-05-07", "2026-09-24", "2026-11-24",
                                           "2026-07-21", "2027-03-23"};
    for (size_t i = 0; i < sizeof(holidays) / sizeof(holidays[0]); i++)
        if (!mns_date_holiday(D(holidays[i])))
            fail_msg("%s should be a holiday", holidays[i]);
    for (size_t i = 0; i < sizeof(workdays) / sizeof(workdays[0]); i++)
        if (mns_date_holiday(D(workdays[i])))
            fail_msg("%s should be a working day", workdays[i]);
    /* day 30 on 勤労感謝の日 (Monday 23 November): Tuesday the 24th */
    json_t *a = assess("2026-10-25", 150, false, false, false, "2026-10-25");
    assert_string_equal(s(a, "final_last_day"), "2026-11-23");
    assert_string_equal(s(a, "final_due"), "2026-11-24");
    json_decref(a);
    /* day 30 on Sunday 3 May: past Golden Week to Thursday the 7th */
    a = assess("2026-04-04", 150, false, false, false, "2026-04-04");
    assert_string_equal(s(a, "final_last_day"), "2026-05-03");
    assert_string_equal(s(a, "final_due"), "2026-05-07");
    json_decref(a);
}

static void test_warnings(void **state)
{
    (void)state;
    json_t *a = assess("2026-11-02", 150, false, false, false, "2026-11-03");
    assert_int_equal(json_array_size(json_object_get(a, "warnings")), 0);
    json_decref(a);
    a = assess("2026-11-02", 150, false, false, false, "2026-11-06");
    assert_non_null(strstr(json_string_value(json_array_get(json_object_get(a, "warnings"), 0)), "preliminary"));
    json_decref(a);
    a = assess("2026-11-02", 150, false, false, false, "2026-11-26");
    json_t *w = json_object_get(a, "warnings");
    assert_non_null(strstr(json_string_value(json_array_get(w, json_array_size(w) - 1)), "within 7 days"));
    json_decref(a);
    a = assess("2026-11-02", 150, false, false, false, "2026-12-02");
    w = json_object_get(a, "warnings");
    assert_non_null(strstr(json_string_value(json_array_get(w, json_array_size(w) - 1)), "overdue"));
    json_decref(a);
    /* reported: no warning */
    json_t *f = json_pack("{s:s, s:i, s:b, s:b, s:b, s:s, s:s}", "known_on", "2026-11-02", "persons", 150,
                          "wrongful_purpose", 0, "public_exposure", 0, "strong_encryption", 0, "preliminary_reported_on",
                          "2026-11-04", "final_reported_on", "2026-11-20");
    a = mns_incident_assess(f, D("2026-12-02"));
    assert_int_equal(json_array_size(json_object_get(a, "warnings")), 0);
    json_decref(a);
    /* the draft: nine headings, the facts, the count */
    json_object_set_new(f, "title", json_string("給与明細の誤送信"));
    json_object_set_new(f, "facts", json_string("委託先から誤って送信"));
    char *draft = mns_incident_draft(f, true);
    assert_non_null(draft);
    assert_non_null(strstr(draft, "確報"));
    assert_non_null(strstr(draft, "9. その他参考となる事項"));
    assert_non_null(strstr(draft, "委託先から誤って送信"));
    assert_non_null(strstr(draft, "150人"));
    free(draft);
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reportability),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_holidays),
        cmocka_unit_test(test_warnings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
