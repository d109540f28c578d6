/*
 * assessments.c: check sheet assessments (issue 5). An assessment is a dated
 * run over the sheet for one tenant: the probes decide the items mnsafe can
 * prove about itself when it starts, officers record the rest with the
 * evidence they have. Every step is an audited act; no row holds a number
 * (free text is checked like every other text of the vault).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vault/internal.h"

const struct mns_checksheet *mns_vault_checksheet(const struct mns_vault *v)
{
    return v->checksheet;
}

static mns_err need_sheet(struct mns_vault *v, mns_errmsg *em)
{
    if (v->checksheet == NULL)
        return mns_fail(em, MNS_ERR_STATE, "no check sheet is loaded (serve --checksheet FILE) / "
                        "チェックシートが読み込まれていません");
    return MNS_OK;
}

static void iso_ms(char out[32], int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "YYYY-MM-DD" that is a real date */
static bool valid_date(const char *s)
{
    int y, m, d, n = 0;
    if (s == NULL || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return false;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 2000 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] &&
           (m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

static int64_t date_end_ms(const char *s)
{
    struct tm tm = {0};
    sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return ((int64_t)timegm(&tm) + 86400) * 1000; /* the whole day counts */
}

/* Loads an assessment's tenant (the act's tenant), checking the actor may
 * reach it with roles. */
static mns_err load_assessment(struct mns_vault *v, struct act *a, const struct mns_actor *actor, int64_t id,
                               json_t **info, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    char code[64] = "";
    int64_t tid = 0;
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT t.code, a.title, a.started_at, a.started_by, a.sheet_sha256 FROM assessments a "
                                    "JOIN tenants t ON t.id = a.tenant_id WHERE a.id = ?");
    *info = NULL;
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        char at[32];
        iso_ms(at, mns_stmt_int64(s, 2));
        snprintf(code, sizeof(code), "%s", mns_stmt_text(s, 0));
        *info = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "tenant", code, "title",
                          mns_stmt_text(s, 1), "started_at", at, "started_by", mns_stmt_text(s, 3), "sheet_sha256",
                          mns_stmt_text(s, 4));
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such assessment / 評価が見つかりません");
    if (err == MNS_OK)
        err = resolve_tenant(v, a, actor, code, &tid, em);
    if (err != MNS_OK) {
        json_decref(*info);
        *info = NULL;
    }
    return err;
}

static mns_err insert_result(struct mns_vault *v, int64_t aid, const char *item, const char *status,
                             const char *attested_by, int64_t now, const char *probe_detail)
{
    struct mns_stmt *s;
    mns_err err = mns_store_prepare(v->store, &s,
                                    "INSERT INTO assessment_results (assessment_id, item_id, status, attested_by, "
                                    "attested_at, probe_detail) VALUES (?, ?, ?, ?, ?, ?)");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, aid)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, item, -1)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 3, status, -1)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 4, attested_by, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 5, now)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 6, probe_detail, -1)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

static mns_err read_results(struct mns_vault *v, int64_t aid, json_t *results)
{
    struct mns_stmt *s;
    bool row;
    int64_t now = mns_now_ms();
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT item_id, status, reason, attested_by, attested_at, evidence_note, evidence_link, "
                                    "evidence_expires, owner, due, probe_detail, parts FROM assessment_results "
                                    "WHERE assessment_id = ? ORDER BY item_id");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, aid)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            char at[32], exp[32] = "";
            bool expired = !mns_stmt_is_null(s, 7) && mns_stmt_int64(s, 7) < now;
            iso_ms(at, mns_stmt_int64(s, 4));
            if (!mns_stmt_is_null(s, 7))
                iso_ms(exp, mns_stmt_int64(s, 7));
            /* evidence that ran out no longer supports the status */
            json_t *r = json_pack("{s:s, s:s*, s:s, s:s, s:s*, s:s*, s:s*, s:s*, s:s*, s:s*, s:b}", "status",
                                  expired ? "not_assessed" : mns_stmt_text(s, 1), "reason", mns_stmt_text(s, 2),
                                  "attested_by", mns_stmt_text(s, 3), "attested_at", at, "evidence_note",
                                  mns_stmt_text(s, 5), "evidence_link", mns_stmt_text(s, 6), "evidence_expires",
                                  exp[0] ? exp : NULL, "owner", mns_stmt_text(s, 8), "due", mns_stmt_text(s, 9),
                                  "probe_detail", mns_stmt_text(s, 10), "evidence_expired", expired);
            if (expired && r != NULL)
                json_object_set_new(r, "status_attested", json_string(mns_stmt_text(s, 1)));
            json_t *ticked = json_array();
            const char *pt = mns_stmt_text(s, 11);
            while (pt != NULL && *pt) {
                size_t n = strcspn(pt, ",");
                json_array_append_new(ticked, json_stringn(pt, n));
                pt += n + (pt[n] == ',');
            }
            json_object_set_new(r, "parts", ticked);
            json_object_set_new(results, mns_stmt_text(s, 0), r);
        }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    /* the files given as evidence, by item (their contents stay sealed) */
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT item_id, id, filename, content_type, size, sha256, uploaded_by FROM "
                                 "assessment_evidence WHERE assessment_id = ? ORDER BY id")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, aid)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            json_t *r = json_object_get(results, mns_stmt_text(s, 0));
            if (r == NULL) {
                r = json_pack("{s:s}", "status", "not_assessed");
                json_object_set_new(results, mns_stmt_text(s, 0), r);
            }
            json_t *files = json_object_get(r, "evidence_files");
            if (files == NULL) {
                files = json_array();
                json_object_set_new(r, "evidence_files", files);
            }
            json_array_append_new(files, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s}", "id", (json_int_t)mns_stmt_int64(s, 1),
                                                   "filename", mns_stmt_text(s, 2), "content_type", mns_stmt_text(s, 3),
                                                   "size", (json_int_t)mns_stmt_int64(s, 4), "sha256",
                                                   mns_stmt_text(s, 5), "uploaded_by", mns_stmt_text(s, 6)));
        }
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_assessment_create(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    const char *title, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0, id = 0;
    json_t *probes = NULL;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "assessment.create");
    if ((err = require_role(actor, MNS_ROLE_OFFICER, em)) != MNS_OK || (err = need_sheet(v, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    if (title == NULL || title[0] == '\0' || !vault_valid_text(title, 200)) {
        err = mns_fail(em, MNS_ERR_INVALID, "title: text of 1-200 bytes / 題名は1〜200バイトです");
        goto out;
    }
    /* the probes' verdicts, as of now, become the assessment's rows; they
     * run before the act's transaction (the audit probe commits what is
     * pending before it verifies the chain) */
    if ((probes = probes_run(v)) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    if ((err = vault_new_id(v, &id)) != MNS_OK || (err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO assessments (id, tenant_id, title, started_at, started_by, sheet_sha256) "
                                 "VALUES (?, ?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    int64_t now = mns_now_ms();
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 3, title, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 4, now)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 5, actor->name, -1)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 6, mns_checksheet_sha256(v->checksheet), -1)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err != MNS_OK)
        goto out;
    const char *item;
    json_t *r;
    size_t decided = 0;
    json_object_foreach(probes, item, r) {
        if ((err = insert_result(v, id, item, json_string_value(json_object_get(r, "status")), "mnsafe", now,
                                 json_string_value(json_object_get(r, "probe_detail")))) != MNS_OK)
            goto out;
        decided++;
    }
    snprintf(a.subject, sizeof(a.subject), "assessment:%lld", (long long)id);
    act_note(&a, "%zu items decided by probes", decided);
out:
    json_decref(probes);
    err = act_finish(&a, err);
    if (err != MNS_OK)
        return err;
    return mns_vault_assessment_get(v, actor, id, result, em);
}

static const char *field_text(const json_t *fields, const char *key)
{
    return json_string_value(json_object_get(fields, key));
}

mns_err mns_vault_assessment_set(struct mns_vault *v, const struct mns_actor *actor, int64_t assessment_id,
                                 const char *item_id, const json_t *fields, mns_errmsg *em)
{
    static const char *const known[] = {"status", "reason", "evidence_note", "evidence_link", "evidence_expires",
                                        "owner",  "due",    "parts"};
    static const char *const texts[] = {"reason", "evidence_note", "evidence_link", "owner"};
    struct act a;
    struct mns_stmt *s;
    json_t *info = NULL;
    const char *key;
    json_t *val;
    bool row = false;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "assessment.attest");
    snprintf(a.subject, sizeof(a.subject), "assessment:%lld", (long long)assessment_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER, em)) != MNS_OK || (err = need_sheet(v, em)) != MNS_OK ||
        (err = load_assessment(v, &a, actor, assessment_id, &info, em)) != MNS_OK)
        goto out;
    if (mns_checksheet_item(v->checksheet, item_id) == NULL) {
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such item on the check sheet / チェックシートにない項目です");
        goto out;
    }
    act_note(&a, "item:%s", item_id);
    /* fields: known names, text where text is due, no number anywhere */
    if (!json_is_object(fields)) {
        err = mns_fail(em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
        goto out;
    }
    json_object_foreach((json_t *)fields, key, val) {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok) {
            err = mns_fail(em, MNS_ERR_INVALID, "%.40s: unknown field / 不明な項目です", vault_valid_code(key) ? key : "body");
            goto out;
        }
        if (strcmp(key, "parts") != 0 && !json_is_string(val) && !json_is_null(val)) {
            err = mns_fail(em, MNS_ERR_INVALID, "%s: text expected / 文字列を指定してください", key);
            goto out;
        }
    }
    const char *status = field_text(fields, "status");
    if (!mns_checksheet_status_valid(status)) {
        err = mns_fail(em, MNS_ERR_INVALID, "status: satisfied, not_satisfied, partly, not_applicable or not_assessed / "
                       "状況の値が不正です");
        goto out;
    }
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        const char *t = field_text(fields, texts[i]);
        if (t != NULL && !vault_valid_text(t, 2000)) {
            err = mns_fail(em, MNS_ERR_INVALID, "%s: text of at most 2000 bytes, without a My Number / "
                           "2000バイト以内で、個人番号を含まない文字列にしてください", texts[i]);
            goto out;
        }
    }
    /* the item's check boxes ticked: ids of its parts */
    char parts[1024] = "";
    const json_t *plist = json_object_get(fields, "parts"), *pv;
    size_t pi;
    if (plist != NULL && !json_is_array(plist) && !json_is_null(plist)) {
        err = mns_fail(em, MNS_ERR_INVALID, "parts: a list of part ids / parts は確認項目IDの一覧です");
        goto out;
    }
    json_array_foreach(plist, pi, pv) {
        const json_t *known_parts = json_object_get(mns_checksheet_item(v->checksheet, item_id), "parts"), *kp;
        size_t ki;
        bool found = false;
        json_array_foreach(known_parts, ki, kp) found = found || (json_is_string(pv) && strcmp(json_string_value(
                                                                       json_object_get(kp, "id")), json_string_value(pv)) == 0);
        if (!found || strlen(parts) + strlen(json_string_value(pv)) + 2 > sizeof(parts)) {
            err = mns_fail(em, MNS_ERR_INVALID, "parts[%zu]: not a check box of this item / この項目の確認項目ではありません", pi);
            goto out;
        }
        char wrapped[1100], one[80];
        snprintf(wrapped, sizeof(wrapped), ",%s,", parts);
        snprintf(one, sizeof(one), ",%s,", json_string_value(pv));
        if (strstr(wrapped, one) == NULL) { /* a part named twice is ticked once */
            size_t used = strlen(parts);
            snprintf(parts + used, sizeof(parts) - used, "%s%s", used ? "," : "", json_string_value(pv));
        }
    }
    const char *reason = field_text(fields, "reason");
    if (strcmp(status, "not_applicable") == 0 && (reason == NULL || reason[0] == '\0')) {
        err = mns_fail(em, MNS_ERR_INVALID, "reason: required when the item does not apply / "
                       "該当しない場合は理由が必要です");
        goto out;
    }
    const char *expires = field_text(fields, "evidence_expires"), *due = field_text(fields, "due");
    if ((expires != NULL && !valid_date(expires)) || (due != NULL && !valid_date(due))) {
        err = mns_fail(em, MNS_ERR_INVALID, "%s: a date YYYY-MM-DD / 日付（YYYY-MM-DD）を指定してください",
                       expires != NULL && !valid_date(expires) ? "evidence_expires" : "due");
        goto out;
    }
    /* what a probe decided is not a person's to change (a "feature
     * missing" row is: people assess it by hand meanwhile) */
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT 1 FROM assessment_results WHERE assessment_id = ? AND item_id = ? AND "
                                 "probe_detail IS NOT NULL AND status <> 'not_assessed'")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, assessment_id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, item_id, -1)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    mns_stmt_reset(s);
    if (err == MNS_OK && row)
        err = mns_fail(em, MNS_ERR_STATE, "this item is decided by mnsafe's own probe / この項目は mnsafe が自動判定します");
    if (err != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO assessment_results (assessment_id, item_id, status, reason, attested_by, "
                                 "attested_at, evidence_note, evidence_link, evidence_expires, owner, due, parts) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (assessment_id, item_id) DO UPDATE SET "
                                 "status = excluded.status, reason = excluded.reason, attested_by = excluded.attested_by, "
                                 "attested_at = excluded.attested_at, evidence_note = excluded.evidence_note, "
                                 "evidence_link = excluded.evidence_link, evidence_expires = excluded.evidence_expires, "
                                 "owner = excluded.owner, due = excluded.due, parts = excluded.parts, probe_detail = NULL")) != MNS_OK)
        goto out;
    const char *vals[] = {reason, field_text(fields, "evidence_note"), field_text(fields, "evidence_link")};
    err = mns_stmt_bind_int64(s, 1, assessment_id);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, item_id, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, status, -1);
    if (err == MNS_OK) err = vals[0] ? mns_stmt_bind_text(s, 4, vals[0], -1) : mns_stmt_bind_null(s, 4);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, mns_now_ms());
    if (err == MNS_OK) err = vals[1] ? mns_stmt_bind_text(s, 7, vals[1], -1) : mns_stmt_bind_null(s, 7);
    if (err == MNS_OK) err = vals[2] ? mns_stmt_bind_text(s, 8, vals[2], -1) : mns_stmt_bind_null(s, 8);
    if (err == MNS_OK)
        err = expires ? mns_stmt_bind_int64(s, 9, date_end_ms(expires)) : mns_stmt_bind_null(s, 9);
    if (err == MNS_OK)
        err = field_text(fields, "owner") ? mns_stmt_bind_text(s, 10, field_text(fields, "owner"), -1)
                                          : mns_stmt_bind_null(s, 10);
    if (err == MNS_OK) err = due ? mns_stmt_bind_text(s, 11, due, -1) : mns_stmt_bind_null(s, 11);
    if (err == MNS_OK) err = parts[0] ? mns_stmt_bind_text(s, 12, parts, -1) : mns_stmt_bind_null(s, 12);
    if (err == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_OK)
        act_note(&a, "status:%s", status);
out:
    json_decref(info);
    err = act_finish(&a, err);
    return err;
}

mns_err mns_vault_assessment_get(struct mns_vault *v, const struct mns_actor *actor, int64_t assessment_id,
                                 json_t **result, mns_errmsg *em)
{
    struct act a;
    json_t *info = NULL, *results = json_object();
    mns_err err;

    *result = NULL;
    if (results == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "assessment.read");
    snprintf(a.subject, sizeof(a.subject), "assessment:%lld", (long long)assessment_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR | MNS_ROLE_SYSADMIN, em)) == MNS_OK &&
        (err = load_assessment(v, &a, actor, assessment_id, &info, em)) == MNS_OK && (err = act_begin(&a)) == MNS_OK)
        err = read_results(v, assessment_id, results);
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(info);
        json_decref(results);
        return err;
    }
    *result = json_pack("{s:o, s:o}", "assessment", info, "results", results);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

/* The tenant's assessments into list, newest first or oldest first. */
static mns_err list_assessments(struct mns_vault *v, int64_t tid, bool oldest_first, json_t *list)
{
    struct mns_stmt *s;
    bool row;
    mns_err err = mns_store_prepare(v->store, &s,
                                    oldest_first ? "SELECT id, title, started_at, started_by FROM assessments "
                                                   "WHERE tenant_id = ? ORDER BY id"
                                                 : "SELECT id, title, started_at, started_by FROM assessments "
                                                   "WHERE tenant_id = ? ORDER BY id DESC");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            char at[32];
            iso_ms(at, mns_stmt_int64(s, 2));
            json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)mns_stmt_int64(s, 0), "title",
                                                  mns_stmt_text(s, 1), "started_at", at, "started_by",
                                                  mns_stmt_text(s, 3)));
        }
    mns_stmt_reset(s);
    return err;
}

static mns_err fill_assessments(struct mns_vault *v, int64_t tid, json_t *list, const void *ctx)
{
    (void)ctx;
    return list_assessments(v, tid, false, list);
}

mns_err mns_vault_assessment_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  json_t **result, mns_errmsg *em)
{
    return tenant_list_fill(v, actor, "assessment.list", MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR | MNS_ROLE_SYSADMIN,
                            tenant_code, fill_assessments, NULL, "assessments", result, em);
}

mns_err mns_vault_probe(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em)
{
    struct act a;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "assessment.probe");
    /* the probes before the act's transaction: the audit probe verifies
     * the chain, which first commits what is pending */
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR | MNS_ROLE_SYSADMIN, em)) == MNS_OK &&
        (*result = probes_run(v)) == NULL)
        err = MNS_ERR_NOMEM;
    if (err == MNS_OK)
        err = act_begin(&a);
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(*result);
        *result = NULL;
    }
    return err;
}

/* ---- evidence files --------------------------------------------------------- */

/* a file's name, type and size as evidence or certificate */
mns_err check_upload(const char *filename, const char *content_type, size_t len, mns_errmsg *em)
{
    if (filename == NULL || filename[0] == '\0' || !vault_valid_text(filename, 200) || strchr(filename, '/') != NULL)
        return mns_fail(em, MNS_ERR_INVALID, "filename: a name of 1-200 bytes without '/' or a My Number / "
                        "ファイル名が不正です");
    if (!sealed_file_type_ok(content_type))
        return mns_fail(em, MNS_ERR_INVALID, "content_type: PDF, PNG, JPEG, text, CSV or ZIP / "
                        "ファイルの種類は PDF, PNG, JPEG, テキスト, CSV, ZIP です");
    if (len == 0 || len > SEALED_FILE_MAX)
        return mns_fail(em, MNS_ERR_LIMIT, "content: 1 byte to 8 MiB / ファイルは8MiBまでです");
    return MNS_OK;
}

mns_err mns_vault_evidence_add(struct mns_vault *v, const struct mns_actor *actor, int64_t assessment_id,
                               const char *item_id, const char *filename, const char *content_type, const uint8_t *data,
                               size_t len, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    const struct tenant_keys *tk = NULL;
    struct sealed_file sf = {0};
    json_t *info = NULL;
    int64_t id = 0;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "assessment.evidence_add");
    snprintf(a.subject, sizeof(a.subject), "assessment:%lld", (long long)assessment_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER, em)) != MNS_OK || (err = need_sheet(v, em)) != MNS_OK ||
        (err = require_unsealed(v, em)) != MNS_OK ||
        (err = load_assessment(v, &a, actor, assessment_id, &info, em)) != MNS_OK)
        goto out;
    if (mns_checksheet_item(v->checksheet, item_id) == NULL) {
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such item on the check sheet / チェックシートにない項目です");
        goto out;
    }
    if ((err = check_upload(filename, content_type, len, em)) != MNS_OK ||
        (err = tenant_keys_get(v, a.tenant_id, &tk)) != MNS_OK || (err = vault_new_id(v, &id)) != MNS_OK ||
        (err = sealed_file_make(tk, "evidence", id, data, len, &sf)) != MNS_OK || (err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO assessment_evidence (id, assessment_id, item_id, filename, content_type, size, "
                                 "sha256, key_version, wrapped_key, content_ct, uploaded_by, uploaded_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, assessment_id);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, item_id, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 4, filename, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, content_type, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, (int64_t)len);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 7, sf.sha256, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 8, sf.key_version);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 9, sf.wrapped, sizeof(sf.wrapped));
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 10, sf.ct, sf.ct_len);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 11, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 12, mns_now_ms());
    if (err == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_OK)
        act_note(&a, "item:%s; evidence:%lld; sha256:%s; %zu bytes", item_id, (long long)id, sf.sha256, len);
out:
    json_decref(info);
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        sealed_file_release(&sf);
        return err;
    }
    *result = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "id", (json_int_t)id, "item", item_id, "filename", filename,
                        "content_type", content_type, "size", (json_int_t)len, "sha256", sf.sha256);
    sealed_file_release(&sf);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_evidence_get(struct mns_vault *v, const struct mns_actor *actor, int64_t evidence_id, uint8_t **data,
                               size_t *len, json_t **meta, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    const struct tenant_keys *tk = NULL;
    json_t *info = NULL;
    uint8_t *wcopy = NULL, *ccopy = NULL;
    size_t wl = 0, cl = 0;
    char sha[65] = "";
    int64_t aid = 0, kver = 0;
    bool row = false;
    mns_err err;

    *data = NULL;
    *len = 0;
    *meta = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "assessment.evidence_read");
    snprintf(a.subject, sizeof(a.subject), "evidence:%lld", (long long)evidence_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR, em)) != MNS_OK ||
        (err = require_unsealed(v, em)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT assessment_id, item_id, filename, content_type, sha256, key_version, wrapped_key, "
                                 "content_ct FROM assessment_evidence WHERE id = ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, evidence_id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        aid = mns_stmt_int64(s, 0);
        kver = mns_stmt_int64(s, 5);
        snprintf(sha, sizeof(sha), "%s", mns_stmt_text(s, 4));
        *meta = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)evidence_id, "assessment", (json_int_t)aid,
                          "item", mns_stmt_text(s, 1), "filename", mns_stmt_text(s, 2), "content_type",
                          mns_stmt_text(s, 3), "sha256", sha);
        /* copied out: the assessment check below reuses the store */
        const uint8_t *w = mns_stmt_blob(s, 6, &wl), *c = mns_stmt_blob(s, 7, &cl);
        if ((wcopy = malloc(wl + 1)) != NULL && (ccopy = malloc(cl + 1)) != NULL) {
            memcpy(wcopy, w, wl);
            memcpy(ccopy, c, cl);
        } else {
            err = MNS_ERR_NOMEM;
        }
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such evidence file / 証跡ファイルが見つかりません");
    if (err == MNS_OK && (err = load_assessment(v, &a, actor, aid, &info, em)) == MNS_OK &&
        (err = tenant_keys_get(v, a.tenant_id, &tk)) == MNS_OK &&
        (err = sealed_file_open(tk, "evidence", evidence_id, kver, sha, wcopy, wl, ccopy, cl, data, len)) == MNS_OK &&
        (err = act_begin(&a)) == MNS_OK)
        act_note(&a, "sha256:%s", sha);
    if (err == MNS_ERR_CRYPTO)
        mns_fail(em, err, "the evidence file cannot be opened or does not match its hash / "
                 "証跡ファイルを開けないか、ハッシュが一致しません");
out:
    if (ccopy != NULL)
        mns_wipe(ccopy, cl);
    free(wcopy);
    free(ccopy);
    json_decref(info);
    err = act_finish(&a, err);
    if (err != MNS_OK)
        sealed_file_discard(data, len, meta);
    return err;
}

/* ---- the trend across assessments ------------------------------------------------ */

mns_err mns_vault_assessment_trend(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   json_t **result, mns_errmsg *em)
{
    struct act a;
    int64_t tid = 0;
    json_t *list = json_array(), *e;
    size_t i;
    mns_err err;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "assessment.trend");
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR | MNS_ROLE_SYSADMIN, em)) == MNS_OK &&
        (err = need_sheet(v, em)) == MNS_OK && (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) == MNS_OK &&
        (err = act_begin(&a)) == MNS_OK && (err = list_assessments(v, tid, true, list)) == MNS_OK) {
        /* each assessment scored as its report would */
        json_array_foreach(list, i, e) {
            json_t *results = json_object();
            if (results == NULL || (err = read_results(v, json_integer_value(json_object_get(e, "id")), results)) != MNS_OK) {
                json_decref(results);
                break;
            }
            json_t *rep = mns_checksheet_report(v->checksheet, results);
            const json_t *all = json_object_get(json_object_get(rep, "summary"), "all");
            json_object_set(e, "minimum", json_object_get(all, "minimum"));
            json_object_set(e, "optional", json_object_get(all, "optional"));
            json_object_set(e, "all", json_object_get(all, "all"));
            json_decref(rep);
            json_decref(results);
        }
    }
    return act_end_list(&a, err, "trend", list, result);
}
