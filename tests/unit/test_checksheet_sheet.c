/*
 * test_checksheet_sheet.c: data/checksheet.json, the whole JNSA sheet as
 * data. The counts per section are the ones established from the seed (see
 * docs/checksheet.md), so that nothing is lost later; a damaged file is
 * refused by name; reports score and cover correctly; CSV opens in Excel
 * (BOM, quoting); the XCCDF text has one Rule per item.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/checksheet.h"
#include "test_util.h"

/* section -> minimum, optional, parts (established from the seed) */
static const struct {
    const char *section;
    int minimum, optional, parts;
} expected[] = {
    {"C-a", 14, 4, 0}, {"C-b", 4, 1, 7},  {"C-c", 7, 0, 0},  {"C-d", 12, 2, 0}, {"C-e", 6, 2, 4},
    {"D-a", 4, 3, 5},  {"D-b", 4, 6, 6},  {"E-a", 4, 3, 0},  {"E-b", 4, 3, 0},  {"E-c", 3, 3, 7},  {"E-d", 5, 1, 0},
    {"F-a", 6, 14, 0}, {"F-b", 3, 3, 0},  {"F-c", 8, 24, 0}, {"F-d", 7, 12, 0},
};

static const char *sheet_path(void)
{
    const char *p = getenv("MNS_CHECKSHEET");
    return p != NULL ? p : "data/checksheet.json";
}

static struct mns_checksheet *load_real(void)
{
    struct mns_checksheet *cs = NULL;
    mns_errmsg em = {""};
    mns_err err = mns_checksheet_load(&cs, sheet_path(), &em);
    if (err != MNS_OK)
        fail_msg("load %s: %s", sheet_path(), em.text);
    return cs;
}

static void test_counts_per_section(void **state)
{
    (void)state;
    struct mns_checksheet *cs = load_real();
    json_t *counts = mns_checksheet_counts(cs);
    int total_min = 0, total_opt = 0, total_parts = 0;
    size_t nsections = 0;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        json_t *c = json_object_get(counts, expected[i].section);
        if (c == NULL)
            fail_msg("section %s missing", expected[i].section);
        if (json_integer_value(json_object_get(c, "minimum")) != expected[i].minimum ||
            json_integer_value(json_object_get(c, "optional")) != expected[i].optional ||
            json_integer_value(json_object_get(c, "parts")) != expected[i].parts)
            fail_msg("%s: %lld/%lld/%lld, expected %d/%d/%d", expected[i].section,
                     (long long)json_integer_value(json_object_get(c, "minimum")),
                     (long long)json_integer_value(json_object_get(c, "optional")),
                     (long long)json_integer_value(json_object_get(c, "parts")), expected[i].minimum,
                     expected[i].optional, expected[i].parts);
        total_min += expected[i].minimum;
        total_opt += expected[i].optional;
        total_parts += expected[i].parts;
        nsections++;
    }
    /* and no section beyond the table */
    assert_int_equal(json_object_size(counts), nsections + 1);
    json_t *t = json_object_get(counts, "total");
    assert_int_equal(json_integer_value(json_object_get(t, "minimum")), total_min);
    assert_int_equal(json_integer_value(json_object_get(t, "optional")), total_opt);
    assert_int_equal(json_integer_value(json_object_get(t, "parts")), total_parts);
    assert_int_equal(mns_checksheet_item_count(cs), (size_t)(total_min + total_opt));
    json_decref(counts);
    mns_checksheet_free(cs);
}

static void test_items_and_lookup(void **state)
{
    (void)state;
    struct mns_checksheet *cs = load_real();
    const json_t *item = mns_checksheet_item(cs, "F-b-1-min-3");
    assert_non_null(item);
    assert_non_null(strstr(json_string_value(json_object_get(item, "text_ja")), "同時使用"));
    assert_string_equal(mns_checksheet_section_of(cs, "F-b-1-min-3"), "F-b");
    item = mns_checksheet_item(cs, "C-b-opt-1");
    assert_non_null(item);
    assert_int_equal(json_array_size(json_object_get(item, "parts")), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(item, "parts"), 0), "text_ja")),
                        "日時");
    assert_null(mns_checksheet_item(cs, "Z-z-min-1"));
    /* Kangxi radicals from the PDF are gone (⼈ U+2F08 -> 人) */
    char *dump = json_dumps(mns_checksheet_json(cs), JSON_ENSURE_ASCII);
    assert_non_null(dump);
    assert_null(strstr(dump, "\\u2f"));
    free(dump);
    assert_int_equal(strlen(mns_checksheet_sha256(cs)), 64);
    mns_checksheet_free(cs);
}

/* Writes the real sheet, changed by edit, to a temp file; returns the load error. */
static mns_err load_edited(void (*edit)(json_t *), char *msg, size_t msgsize)
{
    char dir[512], path[600];
    json_error_t jerr;
    json_t *j = json_load_file(sheet_path(), 0, &jerr);
    assert_non_null(j);
    edit(j);
    tu_mkdtemp(dir, sizeof(dir), "csheet");
    snprintf(path, sizeof(path), "%s/sheet.json", dir);
    assert_int_equal(json_dump_file(j, path, 0), 0);
    json_decref(j);
    struct mns_checksheet *cs = NULL;
    mns_errmsg em = {""};
    mns_err err = mns_checksheet_load(&cs, path, &em);
    snprintf(msg, msgsize, "%s", em.text);
    mns_checksheet_free(cs);
    tu_rm_tree(dir);
    return err;
}

static json_t *first_item(json_t *j, size_t cat, size_t sec, size_t item)
{
    return json_array_get(
        json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(j, "categories"), cat), "sections"),
                                       sec),
                        "items"),
        item);
}
static void dup_id(json_t *j)
{
    json_object_set_new(first_item(j, 0, 0, 1), "id", json_string("C-a-min-1"));
    json_object_set_new(first_item(j, 0, 0, 1), "number", json_integer(1));
}
static void bad_id(json_t *j)
{
    json_object_set_new(first_item(j, 3, 1, 0), "id", json_string("F-b-min-1"));
}
static void no_english(json_t *j)
{
    json_object_del(first_item(j, 2, 0, 0), "text_en");
}
static void bad_level(json_t *j)
{
    json_object_set_new(first_item(j, 1, 0, 0), "level", json_string("recommended"));
}
static void three_categories(json_t *j)
{
    json_array_remove(json_object_get(j, "categories"), 1);
}
static void bad_part(json_t *j)
{
    json_t *parts = json_object_get(first_item(j, 0, 1, 4), "parts");
    json_object_set_new(json_array_get(parts, 2), "id", json_string("C-b-opt-1-p9"));
}

static void test_damaged_files_refused(void **state)
{
    (void)state;
    char msg[512];
    assert_int_equal(load_edited(dup_id, msg, sizeof(msg)), MNS_ERR_INVALID);
    assert_non_null(strstr(msg, "C-a-min-1"));
    assert_int_equal(load_edited(bad_id, msg, sizeof(msg)), MNS_ERR_INVALID);
    assert_non_null(strstr(msg, "F-b-min-1"));
    assert_int_equal(load_edited(no_english, msg, sizeof(msg)), MNS_ERR_INVALID);
    assert_non_null(strstr(msg, "text_en"));
    assert_int_equal(load_edited(bad_level, msg, sizeof(msg)), MNS_ERR_INVALID);
    assert_non_null(strstr(msg, "level"));
    assert_int_equal(load_edited(three_categories, msg, sizeof(msg)), MNS_ERR_INVALID);
    assert_int_equal(load_edited(bad_part, msg, sizeof(msg)), MNS_ERR_INVALID);
    assert_non_null(strstr(msg, "C-b-opt-1-p3"));

    struct mns_checksheet *cs = NULL;
    mns_errmsg em = {""};
    assert_int_equal(mns_checksheet_load(&cs, "/nonexistent/sheet.json", &em), MNS_ERR_NOT_FOUND);
    assert_null(cs);
}

static void test_report(void **state)
{
    (void)state;
    struct mns_checksheet *cs = load_real();
    /* C-c: 7 minimum items: 3 satisfied, 1 partly, 1 not satisfied, 1 n/a, 1 not assessed */
    json_t *results = json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s}}",
                                "C-c-min-1", "status", "satisfied", "C-c-min-2", "status", "satisfied", "C-c-min-3",
                                "status", "satisfied", "C-c-min-4", "status", "partly", "C-c-min-5", "status",
                                "not_satisfied", "owner", "総務課 山田", "due", "2027-03-31", "C-c-min-6", "status",
                                "not_applicable", "reason", "紙のファイルはない", "F-b-1-opt-2", "status", "bogus");
    json_t *rep = mns_checksheet_report(cs, results);
    json_t *cc = json_object_get(json_object_get(json_object_get(rep, "summary"), "C-c"), "minimum");
    assert_int_equal(json_integer_value(json_object_get(cc, "items")), 7);
    assert_int_equal(json_integer_value(json_object_get(cc, "assessed")), 6);
    assert_int_equal(json_integer_value(json_object_get(cc, "not_applicable")), 1);
    /* (3 + 0.5) / 5 applicable assessed */
    assert_true(json_real_value(json_object_get(cc, "score")) > 0.699 &&
                json_real_value(json_object_get(cc, "score")) < 0.701);
    assert_true(json_real_value(json_object_get(cc, "coverage")) > 0.857 &&
                json_real_value(json_object_get(cc, "coverage")) < 0.858);
    /* nothing assessed: no score, zero coverage */
    json_t *fd = json_object_get(json_object_get(json_object_get(rep, "summary"), "F-d"), "optional");
    assert_true(json_is_null(json_object_get(fd, "score")));
    assert_true(json_real_value(json_object_get(fd, "coverage")) == 0.0);
    /* the gap list: minimum first; C-c-min-5 with its owner and date; an unknown status counts as not assessed */
    json_t *gaps = json_object_get(rep, "gaps"), *g;
    size_t i, first_optional = SIZE_MAX, last_minimum = 0;
    bool found = false;
    json_array_foreach(gaps, i, g) {
        if (strcmp(json_string_value(json_object_get(g, "level")), "optional") == 0 && first_optional == SIZE_MAX)
            first_optional = i;
        if (strcmp(json_string_value(json_object_get(g, "level")), "minimum") == 0)
            last_minimum = i;
        if (strcmp(json_string_value(json_object_get(g, "item")), "C-c-min-5") == 0) {
            found = true;
            assert_string_equal(json_string_value(json_object_get(g, "owner")), "総務課 山田");
            assert_string_equal(json_string_value(json_object_get(g, "due")), "2027-03-31");
        }
        if (strcmp(json_string_value(json_object_get(g, "item")), "F-b-1-opt-2") == 0)
            assert_string_equal(json_string_value(json_object_get(g, "status")), "not_assessed");
    }
    assert_true(found);
    assert_true(last_minimum < first_optional);
    /* satisfied and n/a items are no gaps */
    assert_int_equal(json_array_size(gaps), mns_checksheet_item_count(cs) - 4);
    json_decref(rep);

    /* CSV: BOM, a header and a row per item, quotes doubled */
    json_object_set_new(json_object_get(results, "C-c-min-1"), "reason", json_string("規程 \"第3条\" による"));
    char *csv = mns_checksheet_csv(cs, results, false);
    assert_non_null(csv);
    assert_memory_equal(csv, "\xEF\xBB\xBF\"ID\"", 7);
    size_t rows = 0;
    for (const char *p = csv; (p = strstr(p, "\r\n")) != NULL; p += 2)
        rows++;
    assert_int_equal(rows, mns_checksheet_item_count(cs) + 1);
    assert_non_null(strstr(csv, "\"規程 \"\"第3条\"\" による\""));
    free(csv);
    csv = mns_checksheet_csv(cs, results, true);
    assert_non_null(strstr(csv, "\"Attested by\""));
    free(csv);

    /* XCCDF: a Rule per item, two profiles, a TestResult when there are results */
    char *x = mns_checksheet_xccdf(cs, NULL, NULL);
    size_t nrules = 0;
    for (const char *p = x; (p = strstr(p, "<Rule ")) != NULL; p++)
        nrules++;
    assert_int_equal(nrules, mns_checksheet_item_count(cs));
    assert_non_null(strstr(x, "xccdf_jp.mnsafe_profile_minimum"));
    assert_null(strstr(x, "<TestResult"));
    free(x);
    json_t *info = json_pack("{s:s, s:s, s:s}", "id", "42", "title", "2026年度 & <点検>", "tenant", "acme");
    x = mns_checksheet_xccdf(cs, results, info);
    assert_non_null(strstr(x, "<TestResult id=\"xccdf_jp.mnsafe_testresult_42\""));
    assert_non_null(strstr(x, "2026年度 &amp; &lt;点検&gt;"));
    assert_non_null(strstr(x, "rule_C-c-min-1\"><result>pass</result>"));
    assert_non_null(strstr(x, "rule_C-c-min-5\"><result>fail</result>"));
    assert_non_null(strstr(x, "rule_C-c-min-6\"><result>notapplicable</result>"));
    assert_non_null(strstr(x, "rule_C-c-min-7\"><result>notchecked</result>"));
    free(x);
    json_decref(info);
    json_decref(results);
    mns_checksheet_free(cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_per_section),
        cmocka_unit_test(test_items_and_lookup),
        cmocka_unit_test(test_damaged_files_refused),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
