/*
 * test_vault_retention.c: the end of need and the dates it gives, the due
 * list, scheduled deletion by crypto-shredding as one act, legal holds, a
 * tenant's fiscal-year rule that delays deletions only openly, the
 * disposal register (automatic and by hand), and the probes that read them.
 */
#include <stdlib.h>

#include "mnsafe/retention.h"
#include "vault_fixture.h"

static struct mns_retention *rules;
static struct mns_checksheet *sheet;

static int setup(void **state)
{
    (void)state;
    mns_errmsg em = {""};
    const char *r = getenv("MNS_RETENTION"), *c = getenv("MNS_CHECKSHEET");
    if (mns_retention_load(&rules, r != NULL ? r : "data/retention.json", &em) != MNS_OK)
        return -1;
    return mns_checksheet_load(&sheet, c != NULL ? c : "data/checksheet.json", &em) == MNS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mns_retention_free(rules);
    mns_checksheet_free(sheet);
    return 0;
}

static struct vf *world(const char *tag)
{
    struct vf *f = vf_new_world(tag);
    struct mns_vault_config cfg = {.retention = rules, .checksheet = sheet};
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "officer", f->pw_officer, &f->officer);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    return f;
}

/* adds a person collected for the purposes (comma list) */
static int64_t add(struct vf *f, unsigned seed, const char *kind, const char *purposes)
{
    char num[13], buf[200];
    vf_number(num, seed);
    json_t *p = vf_person("退職 太郎", num, "withholding_slip");
    json_t *list = json_array();
    snprintf(buf, sizeof(buf), "%s", purposes);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
        json_array_append_new(list, json_string(t));
    json_object_set_new(p, "purposes", list);
    json_object_set_new(p, "kind", json_string(kind));
    return vf_add_one(f, &f->clerk, "acme", p);
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

static void test_end_of_need(void **state)
{
    (void)state;
    struct vf *f = world("vret-end");
    json_t *res = NULL;
    mns_errmsg em = {""};
    int64_t p = add(f, 11, "employee", "dependent_deduction,health_pension");

    /* still employed: on no list */
    assert_int_equal(mns_vault_retention_due(f->v, &f->officer, "acme", NULL, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 0);
    json_decref(res);

    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", p, "2025-06-31", "retirement", &res, &em),
                     MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "ended_on"));
    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", p, "2025-06-30", "fired", &res, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "reason"));
    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", 999, "2025-06-30", "retirement", &res, &em),
                     MNS_ERR_NOT_FOUND);
    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", p, "2025-06-30", "retirement", &res, &em), MNS_OK);
    assert_string_equal(json_string_value(json_object_get(res, "legal_on")), "2033-01-11");
    assert_string_equal(json_string_value(json_object_get(res, "rule")), "withholding_declarations");
    assert_string_equal(json_string_value(json_object_get(res, "scheduled_on")), "2033-01-11");
    assert_false(json_is_true(json_object_get(res, "extended_by_tenant_rule")));
    json_decref(res);

    /* a tenant deleting after its March year end: only with a reason, and openly */
    assert_int_equal(mns_vault_tenant_retention_rule(f->v, &f->officer, "acme", 3, NULL, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_vault_tenant_retention_rule(f->v, &f->clerk, "acme", 3, "年度末に一括削除", &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_tenant_retention_rule(f->v, &f->officer, "acme", 3, "年度末に一括削除", &em), MNS_OK);
    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", p, "2025-06-30", "retirement", &res, &em), MNS_OK);
    assert_string_equal(json_string_value(json_object_get(res, "legal_on")), "2033-01-11");
    assert_string_equal(json_string_value(json_object_get(res, "scheduled_on")), "2033-04-01");
    assert_true(json_is_true(json_object_get(res, "extended_by_tenant_rule")));
    json_decref(res);

    assert_int_equal(mns_vault_retention_due(f->v, &f->officer, "acme", "2033-03-31", &res, &em), MNS_OK);
    json_t *e = json_array_get(json_object_get(res, "persons"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "id")), p);
    assert_false(json_is_true(json_object_get(e, "due")));
    assert_true(json_is_true(json_object_get(e, "extended_by_tenant_rule")));
    assert_null(json_object_get(e, "mynumber"));
    json_decref(res);
    assert_int_equal(mns_vault_retention_due(f->v, &f->officer, "acme", "2033-04-01", &res, &em), MNS_OK);
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(res, "persons"), 0), "due")));
    json_decref(res);

    /* rehired: the end is taken back */
    assert_int_equal(mns_vault_person_end_cancel(f->v, &f->clerk, "acme", p, &em), MNS_OK);
    assert_int_equal(mns_vault_person_end_cancel(f->v, &f->clerk, "acme", p, &em), MNS_ERR_NOT_FOUND);
    json_t *log = vf_audit_since(f, &f->auditor, 0), *ent = NULL;
    assert_int_equal(vf_audit_count(log, "clerk", "person.end", NULL, NULL, "ok", &ent), 2);
    assert_non_null(strstr(vf_str(ent, "detail"), "legal 2033-01-11 (withholding_declarations); scheduled 2033-"));
    assert_int_equal(vf_audit_count(log, "officer", "tenant.retention_rule", NULL, NULL, "ok", NULL), 1);
    json_decref(log);
    vf_free(f);
}

static void test_scheduled_deletion(void **state)
{
    (void)state;
    struct vf *f = world("vret-del");
    json_t *res = NULL;
    mns_errmsg em = {""};
    int64_t a = add(f, 21, "employee", "health_pension");   /* due since 2012-04-01 */
    int64_t b = add(f, 22, "employee", "health_pension");   /* due, but on hold */
    int64_t c = add(f, 23, "employee", "dependent_deduction"); /* due 2033 */
    int64_t d = add(f, 24, "payee", "payment_record");      /* due since 2011-02-01 */
    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", a, "2010-03-31", "retirement", &res, &em), MNS_OK);
    json_decref(res);
    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", b, "2010-03-31", "retirement", &res, &em), MNS_OK);
    json_decref(res);
    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", c, "2025-06-30", "retirement", &res, &em), MNS_OK);
    json_decref(res);
    assert_int_equal(mns_vault_person_end(f->v, &f->clerk, "acme", d, "2010-05-20", "last_payment", &res, &em), MNS_OK);
    json_decref(res);
    assert_int_equal(mns_vault_hold(f->v, &f->officer, "acme", b, "", &em), MNS_ERR_INVALID);
    assert_int_equal(mns_vault_hold(f->v, &f->officer, "acme", b, "訴訟対応のため保存（2026年11月）", &em), MNS_OK);
    assert_string_equal(probe(f, "E-d-min-4"), "not_satisfied"); /* a and d are past their date */

    /* b's key, to show that nothing left can open its ciphertext later */
    vf_db *db = vf_db_open(f, true);
    uint8_t *wrapped_a = NULL;
    size_t lw = 0;
    vf_db_blob(db, "SELECT wrapped FROM persons WHERE id = ?", a, &wrapped_a, &lw);
    vf_db_close(db);

    /* refused: a clerk, a future date, a held person by hand */
    assert_int_equal(mns_vault_retention_delete_due(f->v, &f->clerk, "acme", NULL, &res, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_retention_delete_due(f->v, &f->officer, "acme", "2099-01-01", &res, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", b, "by hand", &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, "hold"));

    assert_int_equal(mns_vault_retention_delete_due(f->v, &f->officer, "acme", NULL, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "deleted")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(res, "held"), 0)), b);
    json_decref(res);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", a, "health_pension", &res, &em), MNS_ERR_NOT_FOUND);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", c, "dependent_deduction", &res, &em), MNS_OK);
    json_decref(res);
    assert_string_equal(probe(f, "E-d-min-4"), "satisfied"); /* b is held, c not yet due */
    assert_string_equal(probe(f, "E-d-min-2"), "satisfied");

    /* the register: one entry for the batch, kinds and rules, no number */
    assert_int_equal(mns_vault_disposal_list(f->v, &f->auditor, "acme", NULL, NULL, &res, &em), MNS_OK);
    json_t *entries = json_object_get(res, "entries");
    assert_int_equal(json_array_size(entries), 1);
    json_t *e0 = json_array_get(entries, 0);
    assert_int_equal(json_integer_value(json_object_get(e0, "persons")), 2);
    assert_string_equal(json_string_value(json_object_get(e0, "source")), "mnsafe");
    assert_non_null(strstr(json_string_value(json_object_get(e0, "rules")), "health_pension_forms"));
    assert_non_null(strstr(json_string_value(json_object_get(e0, "rules")), "payment_record"));
    assert_non_null(strstr(json_string_value(json_object_get(e0, "data_kind")), "employees and payees"));
    assert_non_null(strstr(json_string_value(json_object_get(e0, "method")), "crypto-shredding"));
    json_decref(res);

    /* the hold lifted, the next run takes b, with an entry of its own */
    assert_int_equal(mns_vault_hold(f->v, &f->officer, "acme", b, NULL, &em), MNS_OK);
    assert_int_equal(mns_vault_hold(f->v, &f->officer, "acme", b, NULL, &em), MNS_ERR_NOT_FOUND);
    assert_int_equal(mns_vault_retention_delete_due(f->v, &f->officer, "acme", NULL, &res, &em), MNS_OK);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(res, "deleted"), 0)), b);
    json_decref(res);
    /* a deletion by hand writes its entry too */
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", c, "本人の申出", &em), MNS_OK);
    assert_int_equal(mns_vault_disposal_list(f->v, &f->officer, "acme", NULL, NULL, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "entries")), 3);
    json_decref(res);

    /* the crypto-shredded person's key is nowhere in the data directory any more */
    char path[800];
    const char *files[] = {"mnsafe.db", "mnsafe.db-wal"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        FILE *fp = fopen(path, "rb");
        if (fp == NULL)
            continue;
        fseek(fp, 0, SEEK_END);
        long n = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        uint8_t *buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
        fclose(fp);
        assert_false(vf_mem_contains(buf, (size_t)n, wrapped_a, lw));
        free(buf);
    }
    free(wrapped_a);

    json_t *log = vf_audit_since(f, &f->auditor, 0), *ent = NULL;
    assert_int_equal(vf_audit_count(log, "officer", "retention.delete", NULL, NULL, "ok", &ent), 2);
    assert_int_equal(vf_audit_count(log, "officer", "person.delete", NULL, NULL, "ok", NULL), 3);
    assert_int_equal(vf_audit_count(log, "officer", "retention.hold", NULL, NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "officer", "retention.hold_lift", NULL, NULL, "ok", NULL), 1);
    json_decref(log);
    vf_free(f);
}

static void test_manual_disposal(void **state)
{
    (void)state;
    struct vf *f = world("vret-manual");
    json_t *res = NULL;
    mns_errmsg em = {""};
    struct {
        json_t *entry;
        mns_err want;
        const char *says;
    } cases[] = {
        {json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "data_kind", "扶養控除等申告書（2016年分）", "disposed_on", "2025-01-15",
                   "method", "contractor: 溶解処理", "contractor", "株式会社リサイクル", "certificate_sha256",
                   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "persons", 120),
         MNS_OK, ""},
        {json_pack("{s:s, s:s, s:s}", "data_kind", "x", "disposed_on", "2025-01-15", "method", "trash can"),
         MNS_ERR_INVALID, "method"},
        {json_pack("{s:s, s:s, s:s}", "data_kind", "x", "disposed_on", "2099-01-15", "method", "shredder"),
         MNS_ERR_INVALID, "disposed_on"},
        {json_pack("{s:s, s:s, s:s, s:s}", "data_kind", "x", "disposed_on", "2025-01-15", "method", "shredder",
                   "certificate_sha256", "abc"),
         MNS_ERR_INVALID, "certificate"},
        {json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "data_kind", "x", "disposed_on", "2025-01-15", "method",
                   "shredder", "certificate_sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                   "certificate", "filename", "c.pdf", "content_type", "application/pdf", "content_base64", "UERGIQ=="),
         MNS_ERR_INVALID, "does not match"},
        {json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "data_kind", "x", "disposed_on", "2025-01-15", "method",
                   "shredder", "certificate", "filename", "c.exe", "content_type", "application/x-msdownload",
                   "content_base64", "UERGIQ=="),
         MNS_ERR_INVALID, "content_type"},
        {json_pack("{s:s, s:s, s:s}", "data_kind", "番号 123456789018 の書類", "disposed_on", "2025-01-15", "method",
                   "shredder"),
         MNS_ERR_INVALID, "data_kind"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        em.text[0] = '\0';
        mns_err err = mns_vault_disposal_add(f->v, &f->officer, "acme", cases[i].entry, &res, &em);
        if (err != cases[i].want || strstr(em.text, cases[i].says) == NULL)
            fail_msg("case %zu: %s (%s)", i, mns_err_name(err), em.text);
        json_decref(res);
        res = NULL;
        json_decref(cases[i].entry);
    }
    assert_int_equal(mns_vault_disposal_list(f->v, &f->officer, "acme", "2025-01-01", "2025-01-31", &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "entries")), 1);
    assert_string_equal(json_string_value(json_object_get(res, "tenant_name")), "Acme 株式会社");
    char today[11];
    mns_date_format(mns_date_today(), today);
    char *html = mns_retention_certificate_html(json_object_get(res, "entries"), "Acme 株式会社", "2025-01-01",
                                                "2025-01-31", "officer", today);
    assert_non_null(html);
    assert_non_null(strstr(html, "削除・廃棄証明書"));
    assert_non_null(strstr(html, "株式会社リサイクル"));
    assert_non_null(strstr(html, "<span id=\"persons\">120</span>"));
    free(html);
    json_decref(res);
    assert_int_equal(mns_vault_disposal_list(f->v, &f->officer, "acme", "2025-02-01", NULL, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "entries")), 0);
    json_decref(res);
    assert_int_equal(mns_vault_disposal_list(f->v, &f->clerk, "acme", NULL, NULL, &res, &em), MNS_ERR_DENIED);
    vf_free(f);
}

/* With deletion approval, a clerk's deletion is a request an officer decides. */
static void test_deletion_approval(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vret-approval");
    struct mns_vault_config cfg = {.retention = rules, .checksheet = sheet, .deletion_approval = true};
    mns_errmsg em = {""};
    json_t *res = NULL;
    int64_t req = 0, req2 = 0;
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "officer", f->pw_officer, &f->officer);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    int64_t a = add(f, 31, "employee", "health_pension"), b = add(f, 32, "payee", "payment_record");

    assert_int_equal(mns_vault_person_delete_ex(f->v, &f->clerk, "acme", a, "退職済み", &req, &em), MNS_OK);
    assert_true(req > 0);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", a, "health_pension", &res, &em), MNS_OK);
    json_decref(res); /* still there */
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", b, NULL, &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, "approval"));
    assert_int_equal(mns_vault_deletion_requests(f->v, &f->officer, "acme", NULL, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "requests")), 2);
    assert_true(json_is_null(json_object_get(res, "next_before")));
    req2 = json_integer_value(json_object_get(json_array_get(json_object_get(res, "requests"), 0), "id"));
    int64_t older = json_integer_value(json_object_get(json_array_get(json_object_get(res, "requests"), 1), "id"));
    assert_true(older < req2);
    json_decref(res);
    /* a page at a time, newest first: the second page starts below the first's last id */
    struct mns_list_page page = {0, 1};
    assert_int_equal(mns_vault_deletion_requests(f->v, &f->officer, "acme", &page, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "requests")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(res, "requests"), 0), "id")), req2);
    page.before = json_integer_value(json_object_get(res, "next_before"));
    assert_int_equal(page.before, req2);
    json_decref(res);
    assert_int_equal(mns_vault_deletion_requests(f->v, &f->officer, "acme", &page, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "requests")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(res, "requests"), 0), "id")), older);
    assert_true(json_is_null(json_object_get(res, "next_before")));
    json_decref(res);

    assert_int_equal(mns_vault_deletion_decide(f->v, &f->clerk, "acme", req, true, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_deletion_decide(f->v, &f->officer, "acme", req, true, &em), MNS_OK);
    assert_int_equal(mns_vault_deletion_decide(f->v, &f->officer, "acme", req, true, &em), MNS_ERR_STATE);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", a, "health_pension", &res, &em), MNS_ERR_NOT_FOUND);
    assert_int_equal(mns_vault_deletion_decide(f->v, &f->officer, "acme", req2, false, &em), MNS_OK);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", b, "payment_record", &res, &em), MNS_OK);
    json_decref(res);
    /* the officer deletes directly */
    assert_int_equal(mns_vault_person_delete_ex(f->v, &f->officer, "acme", b, NULL, &req, &em), MNS_OK);
    assert_int_equal(req, 0);
    assert_int_equal(mns_vault_disposal_list(f->v, &f->auditor, "acme", NULL, NULL, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "entries")), 2);
    json_decref(res);

    json_t *log = vf_audit_since(f, &f->auditor, 0);
    assert_int_equal(vf_audit_count(log, "clerk", "person.delete_request", NULL, NULL, "ok", NULL), 2);
    assert_int_equal(vf_audit_count(log, "officer", "person.delete_approve", NULL, NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "officer", "person.delete_reject", NULL, NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "clerk", "person.delete_approve", NULL, NULL, "denied:denied", NULL), 1);
    json_decref(log);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_end_of_need),
        cmocka_unit_test(test_scheduled_deletion),
        cmocka_unit_test(test_manual_disposal),
        cmocka_unit_test(test_deletion_approval),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
