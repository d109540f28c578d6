/*
 * test_vault_registers.c: the registers people keep (pledges, training,
 * take-outs, ledger reviews), checked field by field and never holding a
 * number; a tenant's rule that no clerk is assigned without a pledge and
 * current training on record; the ledger of SPI files computed from the
 * live state, its review, and the probes that read them.
 */
#include <stdlib.h>

#include "mnsafe/retention.h"
#include "vault_fixture.h"

static struct mns_checksheet *sheet;

static int setup(void **state)
{
    (void)state;
    mns_errmsg em = {""};
    const char *c = getenv("MNS_CHECKSHEET");
    return mns_checksheet_load(&sheet, c != NULL ? c : "data/checksheet.json", &em) == MNS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mns_checksheet_free(sheet);
    return 0;
}

static struct vf *world(const char *tag)
{
    struct vf *f = vf_new_world(tag);
    struct mns_vault_config cfg = {.checksheet = sheet};
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "officer", f->pw_officer, &f->officer);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    return f;
}

static const char *probe(struct vf *f, const char *item)
{
    static char status[32];
    json_t *res = NULL;
    mns_errmsg em = {""};
    assert_int_equal(mns_vault_probe(f->v, &f->auditor, &res, &em), MNS_OK);
    snprintf(status, sizeof(status), "%s", json_string_value(json_object_get(json_object_get(res, item), "status")));
    json_decref(res);
    return status;
}

static mns_err add(struct vf *f, const struct mns_actor *who, const char *reg, json_t *fields, mns_errmsg *em)
{
    json_t *res = NULL;
    mns_err err = mns_vault_register_add(f->v, who, "acme", reg, fields, &res, em);
    json_decref(res);
    json_decref(fields);
    return err;
}

static void test_fields_checked(void **state)
{
    (void)state;
    struct vf *f = world("vreg-fields");
    mns_errmsg em = {""};
    struct {
        const char *reg;
        json_t *fields;
        mns_err want;
        const char *says;
    } cases[] = {
        {"pledges", json_pack("{s:s, s:s, s:s, s:s}", "user", "clerk2", "person", "佐藤", "signed_on", "2026-04-01",
                              "valid_years_after_leaving", "5"),
         MNS_OK, ""},
        {"pledges", json_pack("{s:s, s:s, s:i}", "person", "佐藤", "signed_on", "2026-02-30", "valid_years_after_leaving", 5),
         MNS_ERR_INVALID, "signed_on"},
        {"pledges", json_pack("{s:s, s:i}", "person", "佐藤", "valid_years_after_leaving", 5), MNS_ERR_INVALID, "signed_on"},
        {"pledges", json_pack("{s:s, s:s, s:i, s:s}", "person", "佐藤", "signed_on", "2026-04-01",
                              "valid_years_after_leaving", 5, "shoe_size", "27"),
         MNS_ERR_INVALID, "shoe_size"},
        {"training", json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "番号 123456789018 の扱い", "held_on", "2026-04-10",
                               "content", "x", "attendees", "clerk", "next_due", "2027-04-10"),
         MNS_ERR_INVALID, "title"},
        {"takeouts", json_pack("{s:s, s:s, s:s, s:s, s:s}", "taken_at", "2026-11-01 10:00", "by", "山田", "taken_data", "源泉徴収票",
                               "purpose_recipient", "税務署", "route", "手渡し"),
         MNS_ERR_INVALID, "taken_at"},
        {"minutes", json_pack("{s:s}", "x", "y"), MNS_ERR_NOT_FOUND, "register"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        em.text[0] = '\0';
        mns_err err = add(f, &f->officer, cases[i].reg, cases[i].fields, &em);
        if (err != cases[i].want || strstr(em.text, cases[i].says) == NULL)
            fail_msg("case %zu: %s (%s)", i, mns_err_name(err), em.text);
        assert_null(strstr(em.text, "123456789018"));
    }
    /* who may write: take-outs also clerks; pledges officers only */
    assert_int_equal(add(f, &f->clerk, "pledges",
                         json_pack("{s:s, s:s, s:i}", "person", "x", "signed_on", "2026-04-01", "valid_years_after_leaving", 1),
                         &em),
                     MNS_ERR_DENIED);
    json_t *res = NULL;
    assert_int_equal(mns_vault_register_list(f->v, &f->auditor, "acme", "pledges", &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "entries")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(res, "entries"), 0),
                                                        "valid_years_after_leaving")),
                     5);
    json_t *defs = json_object_get(res, "fields");
    assert_int_equal(json_array_size(defs), 6);
    /* each field names its type, for forms and CSV readers */
    static const char *const types[][2] = {{"user", "user"},     {"person", "text"},   {"signed_on", "date"},
                                           {"valid_years_after_leaving", "integer"}, {"document_sha256", "sha256"},
                                           {"note", "text"}};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(vf_str(json_array_get(defs, i), "name"), types[i][0]);
        assert_string_equal(vf_str(json_array_get(defs, i), "type"), types[i][1]);
    }
    json_decref(res);
    vf_free(f);
}

static void test_takeouts(void **state)
{
    (void)state;
    struct vf *f = world("vreg-takeout");
    mns_errmsg em = {""};
    json_t *res = NULL;
    json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s}", "taken_at", "2026-01-15T10:00", "by", "山田", "taken_data",
                              "給与支払報告書（紙）", "purpose_recipient", "市役所", "route", "郵送（簡易書留）");
    assert_int_equal(mns_vault_register_add(f->v, &f->clerk, "acme", "takeouts", entry, &res, &em), MNS_OK);
    json_decref(entry);
    int64_t id = json_integer_value(json_object_get(res, "id"));
    json_decref(res);
    assert_int_equal(mns_vault_register_list(f->v, &f->officer, "acme", "takeouts", &res, &em), MNS_OK);
    json_t *e = json_array_get(json_object_get(res, "entries"), 0);
    assert_true(json_is_true(json_object_get(e, "open")));
    assert_true(json_is_true(json_object_get(e, "overdue")));
    json_decref(res);
    json_t *upd = json_pack("{s:s}", "erased", "相手先で受領後、控えをシュレッダー処理");
    assert_int_equal(mns_vault_register_update(f->v, &f->clerk, "acme", "takeouts", id, upd, &em), MNS_OK);
    json_decref(upd);
    upd = json_pack("{s:n}", "by");
    assert_int_equal(mns_vault_register_update(f->v, &f->clerk, "acme", "takeouts", id, upd, &em), MNS_ERR_INVALID);
    json_decref(upd);
    assert_int_equal(mns_vault_register_list(f->v, &f->officer, "acme", "takeouts", &res, &em), MNS_OK);
    e = json_array_get(json_object_get(res, "entries"), 0);
    assert_false(json_is_true(json_object_get(e, "open")));
    assert_string_equal(json_string_value(json_object_get(e, "by")), "山田");
    json_decref(res);
    json_t *log = vf_audit_since(f, &f->auditor, 0);
    assert_int_equal(vf_audit_count(log, "clerk", "register.add", NULL, NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "clerk", "register.update", NULL, NULL, "ok", NULL), 1);
    json_decref(log);
    vf_free(f);
}

static void test_pledge_and_training_gate(void **state)
{
    (void)state;
    struct vf *f = world("vreg-gate");
    mns_errmsg em = {""};
    json_t *p = json_pack("{s:b}", "require_pledge_training", 1), *res = NULL;
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->officer, "acme", p, &res, &em), MNS_OK);
    json_decref(p);
    json_decref(res);
    assert_string_equal(probe(f, "D-b-opt-4"), "not_satisfied");

    assert_int_equal(mns_vault_assign(f->v, &f->admin, "clerk2", "acme", &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, "pledge"));
    assert_int_equal(add(f, &f->officer, "pledges",
                         json_pack("{s:s, s:s, s:s, s:i}", "user", "clerk2", "person", "第二 担当", "signed_on", "2026-04-01",
                                   "valid_years_after_leaving", 5),
                         &em),
                     MNS_OK);
    assert_int_equal(mns_vault_assign(f->v, &f->admin, "clerk2", "acme", &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, "training"));
    /* training long past its next due date does not count */
    assert_int_equal(add(f, &f->officer, "training",
                         json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "番号法研修", "held_on", "2020-04-10", "content",
                                   "取扱規程", "attendees", "clerk2", "next_due", "2021-04-10"),
                         &em),
                     MNS_OK);
    assert_int_equal(mns_vault_assign(f->v, &f->admin, "clerk2", "acme", &em), MNS_ERR_STATE);
    assert_int_equal(add(f, &f->officer, "training",
                         json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "番号法研修", "held_on", "2026-04-10", "content",
                                   "取扱規程と漏えい時の対応", "attendees", "clerk, clerk2", "next_due", "2099-04-10"),
                         &em),
                     MNS_OK);
    assert_int_equal(mns_vault_assign(f->v, &f->admin, "clerk2", "acme", &em), MNS_OK);
    assert_string_equal(probe(f, "D-b-opt-4"), "satisfied");
    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_int_equal(vf_audit_count(log, "admin", "user.assign", "user:clerk2", NULL, "error:state", &e), 3);
    assert_string_equal(vf_str(e, "detail"), "no pledge or training on record");
    json_decref(log);
    vf_free(f);
}

static void test_ledger(void **state)
{
    (void)state;
    struct vf *f = world("vreg-ledger");
    mns_errmsg em = {""};
    json_t *res = NULL;
    char num[13];
    vf_number(num, 77);
    vf_add_one(f, &f->clerk, "acme", vf_person("台帳 太郎", num, "withholding_slip"));
    assert_int_equal(mns_vault_ledger(f->v, &f->auditor, "acme", &res, &em), MNS_OK);
    json_t *emp = json_array_get(json_object_get(res, "files"), 0);
    assert_string_equal(json_string_value(json_object_get(emp, "file")), "employees");
    assert_int_equal(json_integer_value(json_object_get(emp, "persons")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(emp, "access"), 0)), "clerk");
    assert_string_equal(json_string_value(json_array_get(json_object_get(emp, "responsible"), 0)), "officer");
    assert_string_equal(json_string_value(json_array_get(json_object_get(emp, "purposes"), 0)), "withholding_slip");
    assert_true(json_is_true(json_object_get(res, "review_due")));
    char *text = json_dumps(res, 0);
    assert_null(strstr(text, num));
    free(text);
    json_decref(res);
    /* access is live: a clerk limited to payees leaves the employees file */
    int64_t req = 0;
    assert_int_equal(mns_vault_assign_ex(f->v, &f->admin, "clerk", "acme", MNS_FILE_PAYEES, &req, &em), MNS_OK);
    assert_int_equal(mns_vault_ledger(f->v, &f->officer, "acme", &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(res, "files"), 0), "access")), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(json_object_get(res, "files"), 1),
                                                                         "access"),
                                                         0)),
                        "clerk");
    json_decref(res);

    assert_string_equal(probe(f, "C-c-min-2"), "not_satisfied");
    char today[11];
    mns_date_format(mns_date_today(), today);
    assert_int_equal(add(f, &f->officer, "ledger_reviews",
                         json_pack("{s:s, s:s}", "reviewed_on", today, "note", "台帳とアクセス権を確認"), &em),
                     MNS_OK);
    assert_int_equal(mns_vault_ledger(f->v, &f->officer, "acme", &res, &em), MNS_OK);
    assert_false(json_is_true(json_object_get(res, "review_due")));
    assert_string_equal(json_string_value(json_object_get(res, "last_review")), today);
    json_decref(res);
    assert_string_equal(probe(f, "C-c-min-2"), "satisfied");
    assert_string_equal(probe(f, "C-c-min-1"), "satisfied");

    /* paper files beside mnsafe's, and the department of its own */
    assert_int_equal(add(f, &f->officer, "spi_files",
                         json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", "扶養控除等申告書（紙）", "kind", "紙", "department",
                                   "人事部", "responsible", "人事部長", "location", "書庫A（施錠）"),
                         &em),
                     MNS_OK);
    assert_int_equal(add(f, &f->officer, "spi_files",
                         json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", "従業員の個人番号", "kind", "電子", "mnsafe_file",
                                   "employees", "department", "人事部", "responsible", "人事部長"),
                         &em),
                     MNS_OK);
    assert_int_equal(mns_vault_ledger(f->v, &f->officer, "acme", &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "files")), 3);
    assert_string_equal(vf_str(json_array_get(json_object_get(res, "files"), 0), "department"), "人事部");
    assert_string_equal(vf_str(json_array_get(json_object_get(res, "files"), 2), "kind"), "紙");
    json_decref(res);
    vf_free(f);
}

/* The ledger's purposes in use follow the persons: counted as they are
 * added (purpose_use), and a purpose leaves the list with its last person.
 * The kept counts always equal a count over the persons. */
static void expect_ledger_purposes(struct vf *f, const char *want)
{
    mns_errmsg em = {""};
    json_t *res = NULL;
    char got[256] = "";
    assert_int_equal(mns_vault_ledger(f->v, &f->officer, "acme", &res, &em), MNS_OK);
    json_t *purposes = json_object_get(json_array_get(json_object_get(res, "files"), 0), "purposes");
    for (size_t i = 0; i < json_array_size(purposes); i++) {
        size_t n = strlen(got);
        snprintf(got + n, sizeof(got) - n, "%s%s", i ? "," : "", json_string_value(json_array_get(purposes, i)));
    }
    json_decref(res);
    assert_string_equal(got, want);
    vf_db *db = vf_db_open(f, true);
    int64_t differ = vf_purpose_use_differs(db);
    vf_db_close(db);
    assert_int_equal(differ, 0);
}

static void test_ledger_purposes_follow_persons(void **state)
{
    (void)state;
    struct vf *f = world("vreg-ledger-purposes");
    mns_errmsg em = {""};
    char na[13], nb[13];
    vf_number(na, 61);
    vf_number(nb, 62);
    json_t *a = vf_person("目的 一郎", na, "withholding_slip");
    json_array_append_new(json_object_get(a, "purposes"), json_string("health_pension"));
    json_array_append_new(json_object_get(a, "purposes"), json_string("health_pension")); /* named twice: one */
    int64_t ida = vf_add_one(f, &f->clerk, "acme", a);
    int64_t idb = vf_add_one(f, &f->clerk, "acme", vf_person("目的 二郎", nb, "withholding_slip"));
    expect_ledger_purposes(f, "health_pension,withholding_slip");
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", ida, "test", &em), MNS_OK);
    expect_ledger_purposes(f, "withholding_slip");
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", idb, "test", &em), MNS_OK);
    expect_ledger_purposes(f, "");

    /* a batch counts its persons per kind and purpose once, at its end:
     * the kept counts still equal a count over the persons */
    json_t *batch = json_array(), *res = NULL;
    for (unsigned k = 0; k < 5; k++) {
        char n[13];
        vf_number(n, 70 + k);
        json_t *p = vf_person("目的 一括", n, k % 2 ? "payment_record" : "withholding_slip");
        if (k % 2)
            json_object_set_new(p, "kind", json_string("payee"));
        else
            json_array_append_new(json_object_get(p, "purposes"), json_string("health_pension"));
        json_array_append_new(batch, p);
    }
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_OK);
    json_decref(batch);
    json_decref(res);
    expect_ledger_purposes(f, "health_pension,withholding_slip");
    vf_db *db = vf_db_open(f, true);
    assert_int_equal(vf_db_int(db, "SELECT persons FROM purpose_use WHERE kind = 'employee' AND "
                                   "purpose_code = 'withholding_slip'", 0, 0, 0), 3);
    assert_int_equal(vf_db_int(db, "SELECT persons FROM purpose_use WHERE kind = 'payee' AND "
                                   "purpose_code = 'payment_record'", 0, 0, 0), 2);
    vf_db_close(db);
    vf_free(f);
}

/* Usage and output records per file, from the audit log. */
static void test_usage(void **state)
{
    (void)state;
    struct vf *f = world("vreg-usage");
    mns_errmsg em = {""};
    json_t *res = NULL;
    char num[13], shown[13];
    vf_number(num, 88);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("利用 記録", num, "withholding_slip"));
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", shown);
    assert_int_equal(mns_vault_usage(f->v, &f->clerk, "acme", NULL, NULL, NULL, NULL, &res, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_usage(f->v, &f->officer, "acme", "employees", NULL, NULL, NULL, &res, &em), MNS_OK);
    json_t *recs = json_object_get(res, "records"), *r;
    size_t i;
    bool revealed = false, created = false;
    json_array_foreach(recs, i, r) {
        if (strcmp(vf_str(r, "action"), "person.reveal") == 0) {
            revealed = true;
            assert_string_equal(vf_str(r, "actor"), "clerk");
            assert_string_equal(vf_str(r, "purpose"), "withholding_slip");
            assert_string_equal(vf_str(r, "what_ja"), "表示（出力）");
            assert_string_equal(vf_str(r, "file"), "employees");
        }
        created = created || strcmp(vf_str(r, "action"), "person.create") == 0;
    }
    assert_true(revealed && created);
    char *text = json_dumps(res, 0);
    assert_null(strstr(text, num));
    free(text);
    json_decref(res);
    assert_int_equal(mns_vault_usage(f->v, &f->auditor, "acme", "payees", NULL, NULL, NULL, &res, &em), MNS_OK);
    json_array_foreach(json_object_get(res, "records"), i, r) assert_string_not_equal(vf_str(r, "file"), "employees");
    json_decref(res);
    assert_int_equal(mns_vault_usage(f->v, &f->auditor, "acme", "employees", "2000-01-01", "2000-12-31", NULL, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "records")), 0);
    json_decref(res);
    assert_int_equal(mns_vault_usage(f->v, &f->auditor, "acme", "cats", NULL, NULL, NULL, &res, &em), MNS_ERR_INVALID);

    /* a page at a time: the pages together hold the whole range, each
     * record once, newest first, and the last page says it is the last */
    for (int k = 0; k < 4; k++)
        vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", shown);
    assert_int_equal(mns_vault_usage(f->v, &f->auditor, "acme", NULL, NULL, NULL, NULL, &res, &em), MNS_OK);
    size_t all = json_array_size(json_object_get(res, "records"));
    assert_true(all >= 6);
    assert_null(json_object_get(res, "next_before")); /* the whole range has no pages */
    json_decref(res);
    struct mns_list_page page = {0, 2};
    size_t seen = 0, pages = 0;
    int64_t prev = INT64_MAX;
    for (;;) {
        assert_int_equal(mns_vault_usage(f->v, &f->auditor, "acme", NULL, NULL, NULL, &page, &res, &em), MNS_OK);
        json_array_foreach(json_object_get(res, "records"), i, r) {
            int64_t seq = json_integer_value(json_object_get(r, "seq"));
            assert_true(seq > 0 && seq < prev);
            prev = seq;
            seen++;
        }
        pages++;
        json_t *next = json_object_get(res, "next_before");
        assert_non_null(next);
        if (json_is_null(next)) {
            json_decref(res);
            break;
        }
        page.before = json_integer_value(next);
        json_decref(res);
        assert_true(pages < 100);
    }
    assert_int_equal(seen, all);
    assert_true(pages >= 3);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_checked),
        cmocka_unit_test(test_takeouts),
        cmocka_unit_test(test_pledge_and_training_gate),
        cmocka_unit_test(test_ledger),
        cmocka_unit_test(test_ledger_purposes_follow_persons),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
