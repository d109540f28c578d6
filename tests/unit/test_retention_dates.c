/*
 * test_retention_dates.c: the keeping periods of data/retention.json, date by
 * date: each rule, year ends and leap years, the Civil Code's end of a period
 * of years on a day that does not exist, several purposes (the latest wins),
 * the fiscal-year-end rounding of a tenant, and a broken rules file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/retention.h"
#include "test_util.h"

static struct mns_retention *rules;

static int setup(void **state)
{
    (void)state;
    mns_errmsg em = {""};
    const char *p = getenv("MNS_RETENTION");
    return mns_retention_load(&rules, p != NULL ? p : "data/retention.json", &em) == MNS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mns_retention_free(rules);
    return 0;
}

static mns_date D(const char *s)
{
    mns_date d;
    if (!mns_date_parse(s, &d))
        fail_msg("bad date %s", s);
    return d;
}

/* due date for purposes (comma list) ended on end, as text, and the rule */
static const char *due(const char *purposes, const char *end, const char **rule)
{
    static char out[11];
    json_t *list = json_array();
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", purposes);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
        json_array_append_new(list, json_string(t));
    mns_date d;
    const char *r = NULL;
    mns_err err = mns_retention_due(rules, list, D(end), &d, &r);
    json_decref(list);
    if (err != MNS_OK)
        return "none";
    if (rule != NULL)
        *rule = r;
    mns_date_format(d, out);
    return out;
}

static void test_dates(void **state)
{
    (void)state;
    mns_date d;
    char out[11];
    assert_true(mns_date_parse("2024-02-29", &d));
    assert_false(mns_date_parse("2023-02-29", &d));
    assert_false(mns_date_parse("2100-02-29", &d));
    assert_true(mns_date_parse("2000-02-29", &d));
    assert_false(mns_date_parse("2025-13-01", &d));
    assert_false(mns_date_parse("2025-1-01", &d));
    assert_false(mns_date_parse("2025-01-01x", &d));
    mns_date_format(mns_date_add_days(D("2024-12-31"), 1), out);
    assert_string_equal(out, "2025-01-01");
    mns_date_format(mns_date_add_days(D("2024-03-01"), -1), out);
    assert_string_equal(out, "2024-02-29");
    mns_date_format(mns_date_add_days(D("2023-03-01"), -1), out);
    assert_string_equal(out, "2023-02-28");
    assert_true(mns_date_cmp(D("2025-01-02"), D("2024-12-31")) > 0);
}

static void test_withholding(void **state)
{
    (void)state;
    const char *rule = NULL;
    /* the example: the declaration for 2025 may go from 2033-01-11 */
    assert_string_equal(due("dependent_deduction", "2025-06-30", &rule), "2033-01-11");
    assert_string_equal(rule, "withholding_declarations");
    /* retiring on 31 December or 1 January changes the year, not the rule */
    assert_string_equal(due("dependent_deduction", "2025-12-31", NULL), "2033-01-11");
    assert_string_equal(due("dependent_deduction", "2026-01-01", NULL), "2034-01-11");
    assert_string_equal(due("withholding_slip", "2028-02-29", NULL), "2036-01-11");
}

static void test_years_after_end(void **state)
{
    (void)state;
    const char *rule = NULL;
    assert_string_equal(due("health_pension", "2025-03-31", &rule), "2027-04-01");
    assert_string_equal(rule, "health_pension_forms");
    /* 民法143条: from 29 February, two years end on 28 February (no 29th) */
    assert_string_equal(due("health_pension", "2024-02-29", NULL), "2026-03-01");
    /* four years from a 29 February end on a 29 February again */
    assert_string_equal(due("employment_insurance", "2024-02-29", &rule), "2028-03-01");
    assert_string_equal(rule, "employment_insurance_insured"); /* 4 years beat 2 */
    assert_string_equal(due("workers_compensation", "2025-12-31", NULL), "2029-01-01");
}

static void test_payees_and_mixes(void **state)
{
    (void)state;
    const char *rule = NULL;
    assert_string_equal(due("payment_record", "2025-12-31", &rule), "2026-02-01");
    assert_string_equal(rule, "payment_record");
    assert_string_equal(due("payment_record", "2027-01-05", NULL), "2028-02-01");
    /* a number held for several purposes goes when the last needs it no more */
    assert_string_equal(due("health_pension,dependent_deduction,employment_insurance", "2025-03-31", &rule),
                        "2033-01-11");
    assert_string_equal(rule, "withholding_declarations");
    assert_string_equal(due("health_pension,employment_insurance", "2025-03-31", &rule), "2029-04-01");
    assert_string_equal(due("unknown_purpose", "2025-03-31", NULL), "none");
}

static void test_fiscal_year_end(void **state)
{
    (void)state;
    char out[11];
    /* a tenant deleting once a year after its March year end */
    mns_date_format(mns_date_after_fiscal_year_end(D("2033-01-11"), 3), out);
    assert_string_equal(out, "2033-04-01");
    mns_date_format(mns_date_after_fiscal_year_end(D("2033-04-01"), 3), out); /* already the day after */
    assert_string_equal(out, "2033-04-01");
    mns_date_format(mns_date_after_fiscal_year_end(D("2033-04-02"), 3), out);
    assert_string_equal(out, "2034-04-01");
    mns_date_format(mns_date_after_fiscal_year_end(D("2027-03-02"), 2), out); /* to the leap year end of February */
    assert_string_equal(out, "2028-03-01");
    mns_date_format(mns_date_after_fiscal_year_end(D("2026-12-15"), 12), out);
    assert_string_equal(out, "2027-01-01");
}

static void test_broken_rules(void **state)
{
    (void)state;
    char dir[512], path[600];
    struct mns_retention *r = NULL;
    mns_errmsg em = {""};
    tu_mkdtemp(dir, sizeof(dir), "retention");
    snprintf(path, sizeof(path), "%s/rules.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"rules\":[{\"code\":\"x\",\"name_ja\":\"x\",\"name_en\":\"x\",\"basis\":\"x\",\"purposes\":[],"
          "\"kind\":\"forever\"}]}", f);
    fclose(f);
    assert_int_equal(mns_retention_load(&r, path, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "kind"));
    assert_null(r);
    assert_int_equal(mns_retention_load(&r, "/nonexistent/rules.json", &em), MNS_ERR_NOT_FOUND);
    tu_rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),           cmocka_unit_test(test_withholding),
        cmocka_unit_test(test_years_after_end), cmocka_unit_test(test_payees_and_mixes),
        cmocka_unit_test(test_fiscal_year_end), cmocka_unit_test(test_broken_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
