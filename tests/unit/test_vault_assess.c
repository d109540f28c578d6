/*
 * test_vault_assess.c: check sheet assessments in the vault (issue 5).
 * An officer starts one for a tenant and the probes decide what mnsafe can
 * prove about itself, naming the setting read; people attest the rest with
 * evidence, owner and due date; bad input is refused by field and changes
 * nothing; expired evidence stops counting; each probe flips its item when
 * its setting flips; every step is audited.
 */
#include <stdlib.h>

#include "mnsafe/checksheet.h"
#include "vault/internal.h"
#include "vault_fixture.h"

static struct mns_checksheet *sheet;

static int load_sheet(void **state)
{
    (void)state;
    mns_errmsg em = {""};
    const char *p = getenv("MNS_CHECKSHEET");
    return mns_checksheet_load(&sheet, p != NULL ? p : "data/checksheet.json", &em) == MNS_OK ? 0 : -1;
}

static int free_sheet(void **state)
{
    (void)state;
    mns_checksheet_free(sheet);
    return 0;
}

/* A world whose vault has the sheet, reopened with cfg (NULL: defaults). */
static struct vf *world(const char *tag, struct mns_vault_config *cfg)
{
    struct vf *f = vf_new_world(tag);
    struct mns_vault_config dflt = {0};
    mns_errmsg em = {""};
    if (cfg == NULL)
        cfg = &dflt;
    cfg->checksheet = sheet;
    assert_int_equal(vf_reopen(f, cfg, &em), MNS_OK);
    vf_login(f, "officer", f->pw_officer, &f->officer);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    return f;
}

static const char *probe_status(struct vf *f, const char *item, const char **detail)
{
    json_t *res = NULL;
    mns_errmsg em = {""};
    static char status[32], text[400];
    mns_err perr = mns_vault_probe(f->v, &f->auditor, &res, &em);
    if (perr != MNS_OK)
        fail_msg("probe: %s (%s)", mns_err_name(perr), em.text);
    json_t *r = json_object_get(res, item);
    if (r == NULL)
        fail_msg("no probe for %s", item);
    snprintf(status, sizeof(status), "%s", json_string_value(json_object_get(r, "status")));
    snprintf(text, sizeof(text), "%s", json_string_value(json_object_get(r, "probe_detail")));
    if (detail != NULL)
        *detail = text;
    json_decref(res);
    return status;
}

static void test_probe_table_matches_sheet(void **state)
{
    (void)state;
    const char *items[128];
    size_t n = probes_items(items, 128);
    assert_true(n > 20 && n <= 128);
    for (size_t i = 0; i < n; i++)
        if (mns_checksheet_item(sheet, items[i]) == NULL)
            fail_msg("the probe table names %s, which the sheet does not have", items[i]);
}

static void test_assessment_flow(void **state)
{
    (void)state;
    struct vf *f = world("vassess", NULL);
    json_t *res = NULL, *fields;
    mns_errmsg em = {""};

    assert_int_equal(mns_vault_assessment_create(f->v, &f->clerk, "acme", "2026年度", &res, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_assessment_create(f->v, &f->officer, "acme", "", &res, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_vault_assessment_create(f->v, &f->officer, "acme", "2026年度 定期点検", &res, &em), MNS_OK);
    int64_t id = json_integer_value(json_object_get(json_object_get(res, "assessment"), "id"));
    assert_true(id > 0);
    json_t *results = json_object_get(res, "results");
    /* probes decided their items, naming what they read */
    json_t *r = json_object_get(results, "F-b-1-min-3");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "satisfied");
    assert_string_equal(json_string_value(json_object_get(r, "attested_by")), "mnsafe");
    assert_non_null(strstr(json_string_value(json_object_get(r, "probe_detail")), "one live session per ID"));
    r = json_object_get(results, "F-b-1-opt-3");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "not_satisfied");
    r = json_object_get(results, "E-c-min-1");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "not_assessed");
    assert_non_null(strstr(json_string_value(json_object_get(r, "probe_detail")), "feature missing"));
    json_decref(res);

    /* a person attests */
    fields = json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "satisfied", "evidence_note", "規程 第3条（2026-04-01 改定）",
                       "evidence_link", "audit:1-200", "owner", "総務部長", "evidence_expires", "2099-12-31");
    assert_int_equal(mns_vault_assessment_set(f->v, &f->officer, id, "C-a-min-2", fields, &em), MNS_OK);
    json_decref(fields);
    /* a feature-missing item is open to people */
    fields = json_pack("{s:s, s:s, s:s}", "status", "partly", "reason", "紙の台帳で管理", "due", "2027-03-31");
    assert_int_equal(mns_vault_assessment_set(f->v, &f->officer, id, "E-c-min-1", fields, &em), MNS_OK);
    json_decref(fields);

    /* refused, by field, and nothing changes */
    struct {
        const char *item;
        json_t *fields;
        mns_err want;
        const char *says;
    } bad[] = {
        {"F-b-1-min-3", json_pack("{s:s}", "status", "not_satisfied"), MNS_ERR_STATE, "probe"},
        {"C-a-min-3", json_pack("{s:s}", "status", "done"), MNS_ERR_INVALID, "status"},
        {"C-a-min-3", json_pack("{s:s}", "status", "not_applicable"), MNS_ERR_INVALID, "reason"},
        {"C-a-min-3", json_pack("{s:s, s:s}", "status", "satisfied", "due", "2027-02-30"), MNS_ERR_INVALID, "due"},
        {"C-a-min-3", json_pack("{s:s, s:s}", "status", "satisfied", "colour", "red"), MNS_ERR_INVALID, "colour"},
        {"C-a-min-3", json_pack("{s:s, s:s}", "status", "satisfied", "evidence_note", "番号 123456789018 を確認"),
         MNS_ERR_INVALID, "evidence_note"},
        {"Z-z-min-9", json_pack("{s:s}", "status", "satisfied"), MNS_ERR_NOT_FOUND, "item"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        em.text[0] = '\0';
        mns_err err = mns_vault_assessment_set(f->v, &f->officer, id, bad[i].item, bad[i].fields, &em);
        if (err != bad[i].want || strstr(em.text, bad[i].says) == NULL)
            fail_msg("case %zu: %s (%s)", i, mns_err_name(err), em.text);
        assert_null(strstr(em.text, "123456789018"));
        json_decref(bad[i].fields);
    }
    fields = json_pack("{s:s}", "status", "satisfied");
    assert_int_equal(mns_vault_assessment_set(f->v, &f->clerk, id, "C-a-min-3", fields, &em), MNS_ERR_DENIED);
    json_decref(fields);

    assert_int_equal(mns_vault_assessment_get(f->v, &f->auditor, id, &res, &em), MNS_OK);
    results = json_object_get(res, "results");
    r = json_object_get(results, "C-a-min-2");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "satisfied");
    assert_string_equal(json_string_value(json_object_get(r, "attested_by")), "officer");
    assert_string_equal(json_string_value(json_object_get(r, "owner")), "総務部長");
    assert_null(json_object_get(results, "C-a-min-3"));
    r = json_object_get(results, "F-b-1-min-3");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "satisfied");
    r = json_object_get(results, "E-c-min-1");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "partly");
    assert_true(json_is_null(json_object_get(r, "probe_detail")) || json_object_get(r, "probe_detail") == NULL);
    json_decref(res);

    /* evidence that ran out stops counting */
    vf_db *db = vf_db_open(f, false);
    vf_db_exec(db, "UPDATE assessment_results SET evidence_expires = 1000 WHERE item_id = 'C-a-min-2'");
    vf_db_close(db);
    assert_int_equal(mns_vault_assessment_get(f->v, &f->officer, id, &res, &em), MNS_OK);
    r = json_object_get(json_object_get(res, "results"), "C-a-min-2");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "not_assessed");
    assert_true(json_is_true(json_object_get(r, "evidence_expired")));
    assert_string_equal(json_string_value(json_object_get(r, "status_attested")), "satisfied");
    json_decref(res);

    /* the tenant's list; another tenant's officer sees nothing of it */
    assert_int_equal(mns_vault_assessment_list(f->v, &f->auditor, "acme", &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "assessments")), 1);
    json_decref(res);
    vf_tenant(f, "beta", "Beta 株式会社");
    char pw[40];
    struct mns_actor other;
    vf_user(f, "officer2", MNS_ROLE_OFFICER, pw);
    vf_assign(f, "officer2", "beta");
    vf_login(f, "officer2", pw, &other);
    assert_int_equal(mns_vault_assessment_get(f->v, &other, id, &res, &em), MNS_ERR_DENIED);

    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_int_equal(vf_audit_count(log, "officer", "assessment.create", NULL, NULL, "ok", &e), 1);
    assert_non_null(strstr(vf_str(e, "detail"), "decided by probes"));
    assert_int_equal(vf_audit_count(log, "officer", "assessment.attest", NULL, NULL, "ok", NULL), 2);
    assert_true(vf_audit_count(log, "officer", "assessment.attest", NULL, NULL, "error:invalid", NULL) >= 5);
    assert_int_equal(vf_audit_count(log, "officer2", "assessment.read", NULL, NULL, "denied:denied", NULL), 1);
    json_decref(log);
    vf_free(f);
}

/* Each probe flips its item when its setting flips. */
static void test_probes_flip(void **state)
{
    (void)state;
    const char *detail = NULL;
    struct vf *f = world("vprobe-off", NULL);
    assert_string_equal(probe_status(f, "F-b-1-min-2", &detail), "not_satisfied");
    assert_non_null(strstr(detail, "classes="));
    assert_string_equal(probe_status(f, "F-b-1-opt-1", NULL), "not_satisfied");
    assert_string_equal(probe_status(f, "F-b-1-opt-2", NULL), "not_satisfied");
    assert_string_equal(probe_status(f, "F-b-1-opt-3", NULL), "not_satisfied");
    assert_string_equal(probe_status(f, "F-a-2-min-2", NULL), "not_satisfied");
    assert_string_equal(probe_status(f, "F-a-2-opt-2", NULL), "not_satisfied");
    assert_string_equal(probe_status(f, "F-a-2-opt-4", NULL), "not_satisfied");
    assert_string_equal(probe_status(f, "F-a-3-opt-5", NULL), "not_satisfied");
    assert_string_equal(probe_status(f, "F-d-1-min-1", NULL), "not_assessed"); /* no server facts */
    assert_string_equal(probe_status(f, "F-a-3-opt-3", &detail), "partly");     /* dev seal: key file */
    assert_non_null(strstr(detail, "dev"));
    assert_string_equal(probe_status(f, "F-d-1-opt-5", NULL), "not_satisfied");
    assert_string_equal(probe_status(f, "F-c-5-opt-10", NULL), "not_satisfied"); /* no backup yet */
    const char *clock = probe_status(f, "F-c-5-opt-6", &detail);
    assert_true(strcmp(clock, "satisfied") == 0 || strcmp(clock, "not_satisfied") == 0);
    assert_non_null(strstr(detail, "kernel clock"));
    assert_string_equal(probe_status(f, "F-d-1-opt-1", NULL), "not_applicable"); /* embedded SQLite */
    assert_string_equal(probe_status(f, "F-a-1-opt-2", &detail), "satisfied");
    assert_non_null(strstr(detail, "intact"));
    assert_non_null(strstr(probe_status(f, "F-b-1-min-3", &detail), "satisfied"));
    assert_non_null(strstr(detail, "ends the first"));

    /* the tenant policy alone gives part of the MFA and network items */
    json_t *p = json_pack("{s:b, s:s}", "require_mfa", 1, "allow_networks", "192.0.2.0/24"), *res = NULL;
    mns_errmsg em = {""};
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->admin, "acme", p, &res, &em), MNS_OK);
    json_decref(p);
    json_decref(res);
    assert_string_equal(probe_status(f, "F-b-1-opt-1", NULL), "satisfied"); /* the one tenant requires it */
    assert_string_equal(probe_status(f, "F-a-2-min-2", NULL), "partly");

    /* an access review confirmed: the review item flips */
    assert_int_equal(mns_vault_access_review(f->v, &f->officer, &res, &em), MNS_OK);
    char hash[65];
    snprintf(hash, sizeof(hash), "%s", json_string_value(json_object_get(res, "report_sha256")));
    json_decref(res);
    assert_int_equal(mns_vault_access_review_confirm(f->v, &f->officer, hash, &em), MNS_OK);
    assert_string_equal(probe_status(f, "F-a-3-opt-5", NULL), "satisfied");

    /* a tampered audit log flips the access-log items */
    vf_db *db = vf_db_open(f, false);
    vf_db_exec(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
    vf_db_close(db);
    assert_string_equal(probe_status(f, "F-a-1-opt-2", &detail), "not_satisfied");
    assert_non_null(strstr(detail, "broken"));
    vf_free(f);

    /* the settings on */
    const char *nets[] = {"clerk=192.0.2.0/24", NULL}, *hours[] = {"clerk=00-24", NULL};
    const char *places[] = {"tokyo=192.0.2.0/24", "osaka=198.51.100.0/24", NULL};
    json_t *facts = json_pack("{s:b, s:s}", "https", 1, "tls_min", "TLSv1.2");
    struct mns_vault_config on = {.password_classes = 3, .password_expiry_days = 90, .password_history = 5,
                                  .require_mfa_roles = MNS_ROLE_CLERK, .refuse_new_address = true,
                                  .places = places, .travel_minutes = 60, .separation_of_duties = true,
                                  .allow_networks = nets, .allow_hours = hours, .sessions_refuse = true,
                                  .require_client_cert_roles = MNS_ROLE_CLERK, .server_facts = facts};
    f = world("vprobe-on", &on);
    assert_string_equal(probe_status(f, "F-b-1-min-2", &detail), "satisfied");
    assert_non_null(strstr(detail, "expiry_days=90"));
    assert_string_equal(probe_status(f, "F-b-1-opt-1", NULL), "satisfied");
    assert_string_equal(probe_status(f, "F-b-1-opt-2", NULL), "satisfied");
    assert_string_equal(probe_status(f, "F-b-1-opt-3", NULL), "satisfied");
    assert_string_equal(probe_status(f, "F-a-2-min-2", NULL), "satisfied");
    assert_string_equal(probe_status(f, "F-a-2-opt-4", NULL), "satisfied");
    assert_string_equal(probe_status(f, "F-d-1-min-1", &detail), "satisfied");
    assert_non_null(strstr(detail, "TLSv1.2"));
    assert_string_equal(probe_status(f, "F-b-1-min-3", &detail), "satisfied");
    assert_non_null(strstr(detail, "is refused"));
    assert_string_equal(probe_status(f, "F-a-2-opt-2", NULL), "satisfied");
    vf_free(f);

    /* one of two risk rules: partly; HTTP without TLS: not satisfied */
    json_t *plain = json_pack("{s:b}", "https", 0);
    struct mns_vault_config half = {.password_history = 5, .refuse_new_device = true, .server_facts = plain};
    f = world("vprobe-half", &half);
    assert_string_equal(probe_status(f, "F-b-1-min-2", NULL), "partly");
    assert_string_equal(probe_status(f, "F-b-1-opt-2", NULL), "partly");
    assert_string_equal(probe_status(f, "F-d-1-min-1", NULL), "not_satisfied");
    vf_free(f);
    json_decref(facts);
    json_decref(plain);
}

/* Sealed by shares instead of a key file: the DB-administrator and
 * secret-sharing items flip. */
static void test_probes_shares(void **state)
{
    (void)state;
    char root[512], dir[600], share[3][MNS_SHARE_TEXT_MAX], pw[64];
    struct mns_vault_init_result *init = calloc(1, sizeof(*init));
    struct mns_vault *v = NULL;
    struct mns_unseal_status st;
    struct mns_actor admin;
    char tok[MNS_TOKEN_LEN + 1];
    mns_errmsg em = {""};
    json_t *res = NULL;
    assert_non_null(init);
    tu_mkdtemp(root, sizeof(root), "vprobe-shares");
    snprintf(dir, sizeof(dir), "%s/data", root);
    struct mns_vault_config cfg = {.data_dir = dir, .checksheet = sheet};
    assert_int_equal(mns_vault_create(&cfg, 3, 2, false, init, &em), MNS_OK);
    for (int i = 0; i < 2; i++)
        mns_share_format(share[i], &init->shares[i]);
    assert_int_equal(mns_vault_open(&v, &cfg, &em), MNS_OK);
    assert_int_equal(mns_vault_unseal(v, NULL, share[0], &st, &em), MNS_OK);
    assert_int_equal(mns_vault_unseal(v, NULL, share[1], &st, &em), MNS_OK);
    assert_int_equal(mns_vault_login(v, init->admin_name, init->admin_password, "unix", tok, &admin, &em), MNS_OK);
    snprintf(pw, sizeof(pw), "%.20s-Changed1", init->admin_password);
    assert_int_equal(mns_vault_password_change(v, &admin, init->admin_password, pw, &em), MNS_OK);
    assert_int_equal(mns_vault_login(v, init->admin_name, pw, "unix", tok, &admin, &em), MNS_OK);
    assert_int_equal(mns_vault_probe(v, &admin, &res, &em), MNS_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(res, "F-a-3-opt-3"), "status")), "satisfied");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(res, "F-a-3-opt-3"), "probe_detail")),
                           "2 of the unseal shares"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(res, "F-d-1-opt-5"), "status")), "partly");
    json_decref(res);
    mns_vault_free(v);
    mns_wipe(init, sizeof(*init));
    free(init);
    mns_wipe(share, sizeof(share));
    tu_rm_tree(root);
}

/* Evidence files: sealed under their own key, hash recorded and checked;
 * wrong types, sizes and altered ciphertext refused. */
static void test_evidence_files(void **state)
{
    (void)state;
    struct vf *f = world("vevidence", NULL);
    json_t *res = NULL;
    mns_errmsg em = {""};
    assert_int_equal(mns_vault_assessment_create(f->v, &f->officer, "acme", "t", &res, &em), MNS_OK);
    int64_t id = json_integer_value(json_object_get(json_object_get(res, "assessment"), "id"));
    json_decref(res);
    static const uint8_t pdf[] = "%PDF-1.4 pledge signed 2026-04-01 MARKER-EVID";
    assert_int_equal(mns_vault_evidence_add(f->v, &f->officer, id, "D-a-min-1", "pledge.pdf", "application/pdf", pdf,
                                            sizeof(pdf) - 1, &res, &em),
                     MNS_OK);
    int64_t ev = json_integer_value(json_object_get(res, "id"));
    assert_int_equal(strlen(json_string_value(json_object_get(res, "sha256"))), 64);
    json_decref(res);
    assert_int_equal(mns_vault_evidence_add(f->v, &f->officer, id, "D-a-min-1", "x.exe", "application/x-msdownload", pdf,
                                            sizeof(pdf) - 1, &res, &em),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_vault_evidence_add(f->v, &f->officer, id, "D-a-min-1", "../x.pdf", "application/pdf", pdf,
                                            sizeof(pdf) - 1, &res, &em),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_vault_evidence_add(f->v, &f->clerk, id, "D-a-min-1", "p.pdf", "application/pdf", pdf,
                                            sizeof(pdf) - 1, &res, &em),
                     MNS_ERR_DENIED);
    uint8_t *big = calloc(1, 8u * 1024 * 1024 + 1);
    assert_non_null(big);
    assert_int_equal(mns_vault_evidence_add(f->v, &f->officer, id, "D-a-min-1", "big.pdf", "application/pdf", big,
                                            8u * 1024 * 1024 + 1, &res, &em),
                     MNS_ERR_LIMIT);
    free(big);

    uint8_t *data = NULL;
    size_t len = 0;
    json_t *meta = NULL;
    assert_int_equal(mns_vault_evidence_get(f->v, &f->auditor, ev, &data, &len, &meta, &em), MNS_OK);
    assert_int_equal(len, sizeof(pdf) - 1);
    assert_memory_equal(data, pdf, len);
    free(data);
    json_decref(meta);
    /* nowhere in clear */
    assert_false(vf_store_files_contain(f, "MARKER-EVID", 11));
    /* an altered ciphertext is refused, not handed out */
    vf_db *db = vf_db_open(f, false);
    uint8_t *ct = NULL;
    size_t ctlen = 0;
    vf_db_blob(db, "SELECT content_ct FROM assessment_evidence WHERE id = ?", ev, &ct, &ctlen);
    assert_true(ctlen > 21);
    ct[20] ^= 0x01;
    assert_int_equal(vf_db_set_blob(db, "UPDATE assessment_evidence SET content_ct = ? WHERE id = ?", ct, ctlen, ev), 1);
    free(ct);
    vf_db_close(db);
    assert_int_equal(mns_vault_evidence_get(f->v, &f->auditor, ev, &data, &len, &meta, &em), MNS_ERR_CRYPTO);
    assert_null(data);
    /* parts: only the item's own check boxes */
    json_t *fields = json_pack("{s:s, s:[s, s]}", "status", "partly", "parts", "C-b-opt-1-p1", "C-b-opt-1-p7");
    assert_int_equal(mns_vault_assessment_set(f->v, &f->officer, id, "C-b-opt-1", fields, &em), MNS_OK);
    json_decref(fields);
    fields = json_pack("{s:s, s:[s]}", "status", "partly", "parts", "C-e-opt-1-p1");
    assert_int_equal(mns_vault_assessment_set(f->v, &f->officer, id, "C-b-opt-1", fields, &em), MNS_ERR_INVALID);
    json_decref(fields);
    assert_int_equal(mns_vault_assessment_get(f->v, &f->officer, id, &res, &em), MNS_OK);
    json_t *r = json_object_get(json_object_get(res, "results"), "C-b-opt-1");
    assert_int_equal(json_array_size(json_object_get(r, "parts")), 2);
    r = json_object_get(json_object_get(res, "results"), "D-a-min-1");
    assert_int_equal(json_array_size(json_object_get(r, "evidence_files")), 1);
    json_decref(res);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_table_matches_sheet),
        cmocka_unit_test(test_assessment_flow),
        cmocka_unit_test(test_probes_flip),
        cmocka_unit_test(test_evidence_files),
        cmocka_unit_test(test_probes_shares),
    };
    return cmocka_run_group_tests(tests, load_sheet, free_sheet);
}
