/*
 * registers.c: the records the check sheet asks a business to keep, kept by
 * mnsafe (issue 7, in part): pledges (誓約書, D-a), training (教育, D-b),
 * take-outs (持出管理記録簿, C-b optional 1 / E-c optional 2), ledger reviews
 * (C-c 2), and the ledger of SPI files itself, computed from the live state.
 *
 * Each register is a list of typed fields (below); an entry is checked
 * against it (known fields, types, required ones, real dates, no My Number
 * in any text) and stored as JSON. Every change is an audited act.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iconv.h>
#include <time.h>

#include "mnsafe/text.h"
#include "vault/internal.h"

enum ftype { F_TEXT, F_DATE, F_DATETIME, F_INT, F_BOOL, F_SHA256, F_USER };

struct rfield {
    const char *name, *ja, *en;
    enum ftype type;
    bool required;
};

struct rdef {
    const char *code, *ja, *en;
    unsigned write_roles;
    const struct rfield *fields;
    size_t nfields;
};

static const struct rfield pledge_fields[] = {
    {"user", "利用者ID", "user", F_USER, false},
    {"person", "氏名", "person", F_TEXT, true},
    {"signed_on", "誓約日", "signed on", F_DATE, true},
    {"valid_years_after_leaving", "退職後の有効年数", "valid years after leaving", F_INT, true},
    {"document_sha256", "誓約書のSHA-256", "document SHA-256", F_SHA256, false},
    {"note", "備考", "note", F_TEXT, false},
};
static const struct rfield training_fields[] = {
    {"title", "研修名", "title", F_TEXT, true},
    {"held_on", "実施日", "held on", F_DATE, true},
    {"content", "内容", "content", F_TEXT, true},
    {"attendees", "受講者（ID、カンマ区切り）", "attendees (user ids, comma-separated)", F_TEXT, true},
    {"next_due", "次回期限", "next due", F_DATE, true},
};
/* the seven fields of the sheet's take-out register */
static const struct rfield takeout_fields[] = {
    {"taken_at", "日時", "date and time", F_DATETIME, true},
    {"by", "担当者", "person in charge", F_TEXT, true},
    {"taken_data", "持ち出しデータ", "data taken out", F_TEXT, true},
    {"purpose_recipient", "利用目的（相手先）", "purpose (recipient)", F_TEXT, true},
    {"route", "移送経路", "route", F_TEXT, true},
    {"returned_at", "返却日時", "returned at", F_DATETIME, false},
    {"erased", "データ消去等", "erasure etc.", F_TEXT, false},
};
static const struct rfield review_fields[] = {
    {"reviewed_on", "確認日", "reviewed on", F_DATE, true},
    {"note", "確認内容", "what was checked", F_TEXT, true},
};

/* 委託先: selection criteria checked (D-a 3-4, optional 2) */
static const struct rfield contractor_fields[] = {
    {"name", "委託先名", "contractor", F_TEXT, true},
    {"work", "委託業務", "work entrusted", F_TEXT, true},
    {"selected_on", "選定日", "selected on", F_DATE, true},
    {"same_level_measures", "同等の安全管理措置", "measures of the same level", F_BOOL, true},
    {"certification", "Pマーク・ISMS等", "P-mark, ISMS ...", F_TEXT, false},
    {"subcontracting", "再委託の有無・条件", "subcontracting", F_TEXT, true},
    {"pledge_on", "誓約・契約締結日", "pledge / contract on", F_DATE, false},
    {"last_review", "最終確認日", "last review", F_DATE, false},
};
/* 入退室記録 (E-a) */
static const struct rfield entry_fields[] = {
    {"area", "区域", "area", F_TEXT, true},
    {"area_kind", "区域の種別（管理区域・取扱区域）", "kind (controlled / handling)", F_TEXT, true},
    {"person", "入室者", "person", F_TEXT, true},
    {"entered_at", "入室日時", "entered at", F_DATETIME, true},
    {"left_at", "退室日時", "left at", F_DATETIME, false},
    {"reviewed_on", "確認日（月次）", "reviewed on (monthly)", F_DATE, false},
};
/* 点検・監査 (C-e) */
static const struct rfield inspection_fields[] = {
    {"kind", "種別（自己点検・内部監査・外部監査）", "kind (self-check / internal / external audit)", F_TEXT, true},
    {"planned_on", "予定日", "planned on", F_DATE, true},
    {"done_on", "実施日", "done on", F_DATE, false},
    {"scope", "範囲", "scope", F_TEXT, true},
    {"findings", "指摘事項", "findings", F_TEXT, false},
    {"fixes", "改善内容", "fixes", F_TEXT, false},
    {"owner", "担当者", "owner", F_TEXT, false},
    {"due", "期限", "due", F_DATE, false},
};

/* 漏えい等事案 (C-d): the workflow of the sheet, and what the PPC asks */
static const struct rfield incident_fields[] = {
    {"title", "件名", "title", F_TEXT, true},
    {"known_on", "発覚日", "became known on", F_DATE, true},
    {"occurred_on", "発生日", "occurred on", F_DATE, false},
    {"facts", "事実関係（概要）", "facts", F_TEXT, true},
    {"items", "特定個人情報の項目", "SPI items concerned", F_TEXT, false},
    {"persons", "本人の数", "persons affected", F_INT, true},
    {"wrongful_purpose", "不正の目的のおそれ", "wrongful purpose", F_BOOL, true},
    {"insider", "従業者による不正", "by an insider", F_BOOL, false},
    {"public_exposure", "不特定多数が閲覧できる状態", "exposed to the public", F_BOOL, true},
    {"strong_encryption", "高度な暗号化等の保護", "protected by strong encryption", F_BOOL, true},
    {"cause", "原因", "cause", F_TEXT, false},
    {"secondary_damage", "二次被害", "secondary damage", F_TEXT, false},
    {"notice_to_persons", "本人への通知", "notice to the persons", F_TEXT, false},
    {"publication", "公表", "publication", F_TEXT, false},
    {"prevention", "再発防止策", "recurrence prevention", F_TEXT, false},
    {"other", "その他", "other", F_TEXT, false},
    {"preliminary_reported_on", "速報の提出日", "preliminary report on", F_DATE, false},
    {"final_reported_on", "確報の提出日", "final report on", F_DATE, false},
};

/* SPI files beside mnsafe's own (paper, other systems) for the ledger; an
 * entry with mnsafe_file employees|payees adds the department and the person
 * responsible to mnsafe's own file */
static const struct rfield spi_file_fields[] = {
    {"name", "ファイル名", "file name", F_TEXT, true},
    {"kind", "種類（紙・電子等）", "kind (paper, electronic ...)", F_TEXT, true},
    {"mnsafe_file", "mnsafe のファイル（employees / payees）", "mnsafe's file (employees / payees)", F_TEXT, false},
    {"department", "取扱部署", "department", F_TEXT, true},
    {"responsible", "責任者", "person responsible", F_TEXT, true},
    {"purpose", "利用目的", "purpose", F_TEXT, false},
    {"location", "保管場所", "kept at", F_TEXT, false},
    {"access", "アクセス権を有する者", "who has access", F_TEXT, false},
    {"disposal", "削除・廃棄状況", "deletion and disposal", F_TEXT, false},
};

static const struct rdef registers[] = {
    {"spi_files", "特定個人情報ファイル（台帳の追加分）", "SPI files (for the ledger)", MNS_ROLE_OFFICER, spi_file_fields,
     sizeof(spi_file_fields) / sizeof(spi_file_fields[0])},
    {"incidents", "漏えい等事案", "incidents", MNS_ROLE_OFFICER, incident_fields,
     sizeof(incident_fields) / sizeof(incident_fields[0])},
    {"contractors", "委託先管理", "contractors", MNS_ROLE_OFFICER, contractor_fields,
     sizeof(contractor_fields) / sizeof(contractor_fields[0])},
    {"entry_logs", "入退室記録", "entry logs", MNS_ROLE_OFFICER, entry_fields, sizeof(entry_fields) / sizeof(entry_fields[0])},
    {"inspections", "点検・監査", "inspections and audits", MNS_ROLE_OFFICER, inspection_fields,
     sizeof(inspection_fields) / sizeof(inspection_fields[0])},
    {"pledges", "誓約書", "pledges", MNS_ROLE_OFFICER, pledge_fields, sizeof(pledge_fields) / sizeof(pledge_fields[0])},
    {"training", "教育・研修", "training", MNS_ROLE_OFFICER, training_fields,
     sizeof(training_fields) / sizeof(training_fields[0])},
    {"takeouts", "持出管理記録簿", "take-out register", MNS_ROLE_OFFICER | MNS_ROLE_CLERK, takeout_fields,
     sizeof(takeout_fields) / sizeof(takeout_fields[0])},
    {"ledger_reviews", "特定個人情報ファイル台帳の確認", "ledger reviews", MNS_ROLE_OFFICER, review_fields,
     sizeof(review_fields) / sizeof(review_fields[0])},
};

static const struct rdef *find_register(const char *code)
{
    for (size_t i = 0; code != NULL && i < sizeof(registers) / sizeof(registers[0]); i++)
        if (strcmp(registers[i].code, code) == 0)
            return &registers[i];
    return NULL;
}

static bool valid_datetime(const char *s)
{
    /* YYYY-MM-DDTHH:MM (local time, as people write it) */
    mns_date d;
    char day[11];
    int h, m, n = 0;
    if (s == NULL || strlen(s) != 16 || s[10] != 'T')
        return false;
    memcpy(day, s, 10);
    day[10] = '\0';
    return mns_date_parse(day, &d) && sscanf(s + 11, "%2d:%2d%n", &h, &m, &n) == 2 && n == 5 && h >= 0 && h < 24 &&
           m >= 0 && m < 60;
}

/* Checks fields (an update when partial) against the register; *why names the field. */
static mns_err check_fields(const struct rdef *r, const json_t *fields, bool partial, mns_errmsg *em)
{
    const char *key;
    json_t *val;
    if (!json_is_object(fields))
        return mns_fail(em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
    json_object_foreach((json_t *)fields, key, val) {
        const struct rfield *f = NULL;
        for (size_t i = 0; i < r->nfields; i++)
            if (strcmp(r->fields[i].name, key) == 0)
                f = &r->fields[i];
        if (f == NULL)
            return mns_fail(em, MNS_ERR_INVALID, "%.40s: unknown field of %s / 不明な項目です",
                            vault_valid_code(key) ? key : "body", r->code);
        if (json_is_null(val) && !f->required)
            continue;
        bool ok;
        mns_date d;
        const char *t = json_string_value(val);
        switch (f->type) {
        case F_INT: ok = json_is_integer(val) && json_integer_value(val) >= 0 && json_integer_value(val) < 1000; break;
        case F_BOOL: ok = json_is_boolean(val); break;
        case F_DATE: ok = t != NULL && mns_date_parse(t, &d); break;
        case F_DATETIME: ok = valid_datetime(t); break;
        case F_SHA256: ok = t != NULL && strlen(t) == 64 && strspn(t, "0123456789abcdef") == 64; break;
        case F_USER: ok = t != NULL && vault_valid_code(t); break;
        default: ok = t != NULL && t[0] != '\0' && vault_valid_text(t, 2000); break;
        }
        if (!ok)
            return mns_fail(em, MNS_ERR_INVALID, "%s: %s expected, without a My Number / %sの値が不正です", f->name,
                            f->type == F_DATE       ? "a date YYYY-MM-DD"
                            : f->type == F_DATETIME ? "a time YYYY-MM-DDTHH:MM"
                            : f->type == F_INT      ? "a whole number"
                            : f->type == F_SHA256   ? "64 lower-case hex digits"
                            : f->type == F_BOOL     ? "true or false"
                                                    : "text of at most 2000 bytes",
                            f->ja);
    }
    for (size_t i = 0; !partial && i < r->nfields; i++)
        if (r->fields[i].required && (json_object_get(fields, r->fields[i].name) == NULL ||
                                      json_is_null(json_object_get(fields, r->fields[i].name))))
            return mns_fail(em, MNS_ERR_INVALID, "%s: required / %sは必須です", r->fields[i].name, r->fields[i].ja);
    return MNS_OK;
}

/* A copy of fields where a whole number given as text becomes a number (the
 * CLI sends text). New reference. */
static json_t *coerce(const struct rdef *r, const json_t *fields)
{
    json_t *c = json_deep_copy(fields);
    for (size_t i = 0; c != NULL && i < r->nfields; i++) {
        const char *t = json_string_value(json_object_get(c, r->fields[i].name));
        if (r->fields[i].type == F_INT && t != NULL && t[0] != '\0' && strlen(t) < 4 && strspn(t, "0123456789") == strlen(t))
            json_object_set_new(c, r->fields[i].name, json_integer(strtol(t, NULL, 10)));
        else if (r->fields[i].type == F_BOOL && t != NULL && (strcmp(t, "true") == 0 || strcmp(t, "false") == 0))
            json_object_set_new(c, r->fields[i].name, json_boolean(strcmp(t, "true") == 0));
    }
    return c;
}


mns_err register_insert(struct mns_vault *v, int64_t tid, const char *code, const json_t *fields, const char *by,
                        int64_t *id)
{
    struct mns_stmt *s;
    char *text = vault_json_text(fields);
    mns_err err;

    if (text == NULL)
        return MNS_ERR_NOMEM;
    if ((err = vault_new_id(v, id)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO register_entries (id, tenant_id, register, fields, created_by, created_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?)")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, *id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK &&
            (err = mns_stmt_bind_text(s, 3, code, -1)) == MNS_OK && (err = mns_stmt_bind_text(s, 4, text, -1)) == MNS_OK &&
            (err = mns_stmt_bind_text(s, 5, by, -1)) == MNS_OK)
            err = mns_stmt_bind_int64(s, 6, mns_now_ms());
        err = run_or_reset(s, err);
    }
    free(text);
    return err;
}

mns_err mns_vault_register_add(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                               const char *code, const json_t *given, json_t **result, mns_errmsg *em)
{
    struct act a;
    const struct rdef *r = find_register(code);
    int64_t tid = 0, id = 0;
    mns_err err;

    *result = NULL;
    json_t *fields = r != NULL && json_is_object(given) ? coerce(r, given) : json_incref((json_t *)given);
    vault_lock(v);
    act_init(&a, v, actor, "register.add");
    if (r == NULL) {
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such register / 記録簿が見つかりません");
        goto out;
    }
    if ((err = require_role(actor, r->write_roles, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = check_fields(r, fields, false, em)) != MNS_OK)
        goto out;
    if ((err = act_begin(&a)) != MNS_OK || (err = register_insert(v, tid, r->code, fields, actor->name, &id)) != MNS_OK)
        goto out;
    snprintf(a.subject, sizeof(a.subject), "%s:%lld", r->code, (long long)id);
out:
    json_decref(fields);
    err = act_finish(&a, err);
    if (err != MNS_OK)
        return err;
    *result = json_pack("{s:I, s:s}", "id", (json_int_t)id, "register", code);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_register_update(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  const char *code, int64_t id, const json_t *given, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    const struct rdef *r = find_register(code);
    int64_t tid = 0;
    json_t *cur = NULL;
    char *text = NULL;
    bool row = false;
    mns_err err;

    json_t *fields = r != NULL && json_is_object(given) ? coerce(r, given) : json_incref((json_t *)given);
    vault_lock(v);
    act_init(&a, v, actor, "register.update");
    snprintf(a.subject, sizeof(a.subject), "%s:%lld", code != NULL && vault_valid_code(code) ? code : "-", (long long)id);
    if (r == NULL) {
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such register / 記録簿が見つかりません");
        goto out;
    }
    if ((err = require_role(actor, r->write_roles, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = check_fields(r, fields, true, em)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT fields FROM register_entries WHERE id = ? AND tenant_id = ? AND register = ?")) !=
            MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 3, r->code, -1)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
        cur = json_loads(mns_stmt_text(s, 0), 0, NULL);
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such entry / 記録が見つかりません");
    if (err != MNS_OK || cur == NULL) {
        err = err != MNS_OK ? err : MNS_ERR_STORE;
        goto out;
    }
    /* the fields given replace theirs; null clears an optional one */
    json_object_update(cur, (json_t *)fields);
    const char *key;
    json_t *val;
    void *tmp;
    json_object_foreach_safe(cur, tmp, key, val) if (json_is_null(val)) json_object_del(cur, key);
    if ((err = check_fields(r, cur, false, em)) != MNS_OK || (text = vault_json_text(cur)) == NULL ||
        (err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "UPDATE register_entries SET fields = ?, updated_by = ?, updated_at = ? WHERE id = ?")) !=
            MNS_OK) {
        err = err != MNS_OK ? err : MNS_ERR_NOMEM;
        goto out;
    }
    if ((err = mns_stmt_bind_text(s, 1, text, -1)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, actor->name, -1)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, mns_now_ms())) == MNS_OK && (err = mns_stmt_bind_int64(s, 4, id)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
out:
    json_decref(cur);
    json_decref(fields);
    free(text);
    err = act_finish(&a, err);
    return err;
}

/* The register's entries for tenant tid into list (lock held). */
static mns_err read_entries(struct mns_vault *v, int64_t tid, const char *code, json_t *list)
{
    struct mns_stmt *s;
    bool row;
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT id, fields, created_by, created_at, updated_by FROM register_entries "
                                    "WHERE tenant_id = ? AND register = ? ORDER BY id");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, code, -1)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            json_t *f = json_loads(mns_stmt_text(s, 1), 0, NULL);
            if (f == NULL)
                continue;
            json_object_set_new(f, "id", json_integer(mns_stmt_int64(s, 0)));
            json_object_set_new(f, "recorded_by", json_string(mns_stmt_text(s, 2)));
            if (mns_stmt_text(s, 4) != NULL)
                json_object_set_new(f, "updated_by", json_string(mns_stmt_text(s, 4)));
            json_array_append_new(list, f);
        }
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_register_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                const char *code, json_t **result, mns_errmsg *em)
{
    struct act a;
    const struct rdef *r = find_register(code);
    int64_t tid = 0;
    json_t *list = json_array(), *e;
    size_t i;
    char now[17];
    mns_err err;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    {
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(now, sizeof(now), "%Y-%m-%dT%H:%M", &tm);
    }
    vault_lock(v);
    act_init(&a, v, actor, "register.list");
    if (r == NULL)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such register / 記録簿が見つかりません");
    else if ((err = tenant_act_begin(&a, actor, MNS_ROLE_OFFICER | MNS_ROLE_CLERK | MNS_ROLE_AUDITOR, tenant_code, &tid, em)) == MNS_OK)
        err = read_entries(v, tid, r->code, list);
    /* a take-out not back, or not erased, is open; past its day, overdue */
    if (err == MNS_OK && strcmp(r->code, "takeouts") == 0)
        json_array_foreach(list, i, e) {
            bool open = json_object_get(e, "returned_at") == NULL && json_object_get(e, "erased") == NULL;
            const char *taken = json_string_value(json_object_get(e, "taken_at"));
            json_object_set_new(e, "open", json_boolean(open));
            json_object_set_new(e, "overdue", json_boolean(open && taken != NULL && strncmp(taken, now, 10) < 0));
        }
    /* an incident says whether and when it must be reported to the PPC; the
     * list counts them by month (the trend the inspections look at) */
    json_t *trend = NULL;
    if (err == MNS_OK && strcmp(r->code, "incidents") == 0) {
        trend = json_object();
        json_array_foreach(list, i, e) {
            json_t *as = mns_incident_assess(e, mns_date_today());
            if (as != NULL)
                json_object_set_new(e, "ppc", as);
            char month[8];
            snprintf(month, sizeof(month), "%.7s", json_string_value(json_object_get(e, "known_on")));
            json_t *m = json_object_get(trend, month);
            if (m == NULL) {
                m = json_pack("{s:i, s:i}", "incidents", 0, "persons", 0);
                json_object_set_new(trend, month, m);
            }
            json_object_set_new(m, "incidents", json_integer(json_integer_value(json_object_get(m, "incidents")) + 1));
            json_object_set_new(m, "persons", json_integer(json_integer_value(json_object_get(m, "persons")) +
                                                           json_integer_value(json_object_get(e, "persons"))));
        }
    }
    err = act_end_list(&a, err, "entries", list, result);
    if (err == MNS_OK && trend != NULL)
        json_object_set(*result, "trend", trend);
    json_decref(trend);
    if (err == MNS_OK) {
        /* the field definitions, for forms and CSV headers */
        static const char *const type_names[] = {[F_TEXT] = "text", [F_DATE] = "date", [F_DATETIME] = "datetime",
                                                 [F_INT] = "integer", [F_BOOL] = "boolean", [F_SHA256] = "sha256",
                                                 [F_USER] = "user"};
        json_t *defs = json_array();
        for (size_t k = 0; defs != NULL && k < r->nfields; k++)
            json_array_append_new(defs, json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", r->fields[k].name, "ja",
                                                  r->fields[k].ja, "en", r->fields[k].en, "type",
                                                  type_names[r->fields[k].type], "required", r->fields[k].required));
        json_object_set_new(*result, "fields", defs);
        json_object_set_new(*result, "register", json_pack("{s:s, s:s, s:s}", "code", r->code, "ja", r->ja, "en", r->en));
    }
    return err;
}

/* ---- a clerk needs a current pledge and training (when the tenant says so) ---- */

mns_err registers_clerk_ready(struct mns_vault *v, int64_t tid, const char *user, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false, required = false;
    json_t *pledges = json_array(), *training = json_array(), *e;
    size_t i;
    char today[11];
    mns_err err = mns_store_prepare(v->store, &s, "SELECT require_pledge_training FROM tenants WHERE id = ?");
    if (err != MNS_OK || pledges == NULL || training == NULL)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
        required = mns_stmt_int64(s, 0) != 0;
    mns_stmt_reset(s);
    if (err != MNS_OK || !required)
        goto out;
    mns_date_format(mns_date_today(), today);
    if ((err = read_entries(v, tid, "pledges", pledges)) != MNS_OK || (err = read_entries(v, tid, "training", training)) != MNS_OK)
        goto out;
    bool pledged = false, trained = false;
    json_array_foreach(pledges, i, e) pledged =
        pledged || (json_string_value(json_object_get(e, "user")) != NULL &&
                    strcmp(json_string_value(json_object_get(e, "user")), user) == 0 &&
                    strcmp(json_string_value(json_object_get(e, "signed_on")), today) <= 0);
    json_array_foreach(training, i, e) {
        char list[2100], *save = NULL;
        snprintf(list, sizeof(list), "%s", json_string_value(json_object_get(e, "attendees")));
        bool attended = false;
        for (char *t = strtok_r(list, ", ", &save); t != NULL; t = strtok_r(NULL, ", ", &save))
            attended = attended || strcmp(t, user) == 0;
        trained = trained || (attended && strcmp(json_string_value(json_object_get(e, "next_due")), today) >= 0);
    }
    if (!pledged || !trained)
        err = mns_fail(em, MNS_ERR_STATE, "%s has no %s on record: this tenant requires a current pledge and training "
                       "before the clerk role / 誓約書と研修の記録が必要です（%s）", user,
                       !pledged && !trained ? "pledge nor current training" : !pledged ? "pledge" : "current training",
                       !pledged ? "誓約書" : "研修");
out:
    json_decref(pledges);
    json_decref(training);
    return err;
}

/* ---- the ledger of SPI files (C-c), computed --------------------------------------- */

mns_err mns_vault_ledger(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, json_t **result,
                         mns_errmsg *em)
{
    static const struct {
        const char *code, *kind, *ja, *en;
        unsigned file;
    } files[] = {{"employees", "employee", "従業員等（扶養親族を含む）の個人番号", "My Numbers of employees and dependents",
                  MNS_FILE_EMPLOYEES},
                 {"payees", "payee", "支払先の個人番号", "My Numbers of payees", MNS_FILE_PAYEES}};
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0;
    bool row;
    json_t *out = json_array(), *reviews = json_array();
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "ledger.read");
    if (out == NULL || reviews == NULL)
        err = MNS_ERR_NOMEM;
    else if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR | MNS_ROLE_CLERK, em)) != MNS_OK ||
             (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    for (size_t i = 0; err == MNS_OK && i < sizeof(files) / sizeof(files[0]); i++) {
        json_t *holders = json_array(), *purposes = json_array(), *officers = json_array();
        int64_t persons = 0, dependents = 0, due = 0, disposed = 0;
        /* who has access: live assignments reaching the file (clerks), and officers */
        if ((err = mns_store_prepare(v->store, &s,
                                     "SELECT u.name, u.role FROM assignments x JOIN users u ON u.id = x.user_id "
                                     "WHERE x.tenant_id = ? AND (x.files & ?) != 0 AND u.disabled = 0 ORDER BY u.name")) ==
            MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, files[i].file)) == MNS_OK)
                while ((err = mns_stmt_step(s, &row)) == MNS_OK && row)
                    json_array_append_new(strcmp(mns_stmt_text(s, 1), "officer") == 0 ? officers : holders,
                                          json_string(mns_stmt_text(s, 0)));
            mns_stmt_reset(s);
        }
        if (err == MNS_OK &&
            (err = mns_store_prepare(v->store, &s,
                                     /* kept as persons come and go (purpose_use): no pass over them */
                                     "SELECT purpose_code FROM purpose_use WHERE tenant_id = ? AND kind = ? AND persons > 0 "
                                     "ORDER BY 1")) == MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, files[i].kind, -1)) == MNS_OK)
                while ((err = mns_stmt_step(s, &row)) == MNS_OK && row)
                    json_array_append_new(purposes, json_string(mns_stmt_text(s, 0)));
            mns_stmt_reset(s);
        }
        static const char *const counts[] = {
            MNS_SQL_PLAN_PER_CALL "SELECT count(*) FROM persons p WHERE p.tenant_id = ? AND p.kind = ?",
            MNS_SQL_PLAN_PER_CALL "SELECT count(*) FROM dependents d JOIN persons p ON p.id = d.person_id WHERE p.tenant_id = ? AND p.kind = ?",
            MNS_SQL_PLAN_PER_CALL "SELECT count(*) FROM person_end e JOIN persons p ON p.id = e.person_id WHERE p.tenant_id = ? AND p.kind = ?",
            ("SELECT coalesce(sum(persons), 0) FROM disposal_register WHERE tenant_id = ? AND source = 'mnsafe' AND "
             "data_kind LIKE '%' || ? || '%'")};
        int64_t *dest[] = {&persons, &dependents, &due, &disposed};
        for (size_t k = 0; err == MNS_OK && k < 4; k++) {
            row = false;
            if ((err = mns_store_prepare(v->store, &s, counts[k])) != MNS_OK)
                break;
            if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK &&
                (err = mns_stmt_bind_text(s, 2, k == 3 ? (i == 0 ? "employees" : "payees") : files[i].kind, -1)) == MNS_OK &&
                (err = mns_stmt_step(s, &row)) == MNS_OK && row)
                *dest[k] = mns_stmt_int64(s, 0);
            mns_stmt_reset(s);
        }
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:{s:I, s:I}}", "file", files[i].code, "kind",
                           "electronic (mnsafe)", "name_ja", files[i].ja, "name_en", files[i].en, "responsible", officers,
                           "purposes", purposes, "access", holders, "persons", (json_int_t)persons, "dependents",
                           (json_int_t)dependents, "deletion", "scheduled", (json_int_t)due, "disposed",
                           (json_int_t)disposed));
    }
    if (err == MNS_OK)
        err = read_entries(v, tid, "ledger_reviews", reviews);
    /* the files people entered: paper and other systems, and the department
     * and person responsible for mnsafe's own */
    json_t *extra = json_array(), *x;
    size_t xi;
    if (err == MNS_OK && extra != NULL && (err = read_entries(v, tid, "spi_files", extra)) == MNS_OK)
        json_array_foreach(extra, xi, x) {
            const char *own = json_string_value(json_object_get(x, "mnsafe_file"));
            json_t *f;
            size_t fi;
            bool merged = false;
            json_array_foreach(out, fi, f) if (own != NULL && json_string_value(json_object_get(f, "file")) != NULL &&
                                               strcmp(own, json_string_value(json_object_get(f, "file"))) == 0)
            {
                json_object_set(f, "department", json_object_get(x, "department"));
                json_object_set(f, "responsible_person", json_object_get(x, "responsible"));
                merged = true;
            }
            if (!merged)
                json_array_append(out, x);
        }
    json_decref(extra);
out:;
    const char *last = NULL;
    json_t *e;
    size_t i;
    json_array_foreach(reviews, i, e) {
        const char *d = json_string_value(json_object_get(e, "reviewed_on"));
        if (d != NULL && (last == NULL || strcmp(d, last) > 0))
            last = d;
    }
    /* the review is due when none was recorded in the last year */
    mns_date due_from = mns_date_today();
    due_from.year -= 1;
    char limit[11];
    mns_date_format(due_from, limit);
    json_t *res = json_pack("{s:o, s:s*, s:b}", "files", out, "last_review", last,
                            "review_due", last == NULL || strcmp(last, limit) < 0);
    json_decref(reviews);
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(res);
        return err;
    }
    *result = res;
    return res != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

/* ---- register exports: CSV (UTF-8 with BOM, or Shift_JIS) and a printable page ---- */

/* a cell's text: strings as they are, numbers and booleans written out */
static void cell_text(const json_t *v, char *buf, size_t size)
{
    if (json_is_string(v))
        snprintf(buf, size, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, size, "%s", json_is_true(v) ? "はい" : "いいえ");
    else
        buf[0] = '\0';
}

/* text converted to CP932 (Shift_JIS as Windows writes it) */
static bool to_sjis(iconv_t cd, const char *in, struct mns_text *b)
{
    char out[8192];
    char *ip = (char *)in, *op = out;
    size_t il = strlen(in), ol = sizeof(out);
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
        return false;
    mns_text_add(b, out, sizeof(out) - ol);
    return true;
}

char *mns_vault_register_csv(const json_t *listing, bool sjis, mns_errmsg *em)
{
    struct mns_text b = {0};
    const json_t *defs = json_object_get(listing, "fields"), *e, *d;
    size_t i, k;
    iconv_t cd = (iconv_t)-1;
    char cell[4096], quoted[8300];
    if (sjis && (cd = iconv_open("CP932", "UTF-8")) == (iconv_t)-1) {
        mns_fail(em, MNS_ERR_STATE, "Shift_JIS is not available on this system / Shift_JIS を扱えません");
        return NULL;
    }
    if (!sjis)
        mns_text_str(&b, "\xEF\xBB\xBF");
    for (size_t row = 0; row <= json_array_size(json_object_get(listing, "entries")); row++) {
        e = row > 0 ? json_array_get(json_object_get(listing, "entries"), row - 1) : NULL;
        size_t ncols = json_array_size(defs) + 1;
        for (k = 0; k < ncols; k++) {
            d = k > 0 ? json_array_get(defs, k - 1) : NULL;
            if (row == 0)
                snprintf(cell, sizeof(cell), "%s", k == 0 ? "ID" : json_string_value(json_object_get(d, "ja")));
            else if (k == 0)
                cell_text(json_object_get(e, "id"), cell, sizeof(cell));
            else
                cell_text(json_object_get(e, json_string_value(json_object_get(d, "name"))), cell, sizeof(cell));
            /* quoted, quotes doubled */
            size_t q = 0;
            quoted[q++] = '"';
            for (const char *p = cell; *p && q + 3 < sizeof(quoted); p++) {
                if (*p == '"')
                    quoted[q++] = '"';
                quoted[q++] = *p;
            }
            quoted[q++] = '"';
            quoted[q] = '\0';
            if (k > 0)
                mns_text_str(&b, ",");
            if (sjis && !to_sjis(cd, quoted, &b)) {
                mns_fail(em, MNS_ERR_INVALID, "row %zu, %s: a character cannot be written in Shift_JIS / "
                         "%zu行目「%s」に Shift_JIS で表せない文字があります", row,
                         k == 0 ? "ID" : json_string_value(json_object_get(d, "name")), row,
                         k == 0 ? "ID" : json_string_value(json_object_get(d, "ja")));
                iconv_close(cd);
                free(b.p);
                return NULL;
            } else if (!sjis) {
                mns_text_str(&b, quoted);
            }
        }
        mns_text_str(&b, "\r\n");
    }
    if (sjis)
        iconv_close(cd);
    (void)i;
    return mns_text_take(&b);
}

char *mns_vault_register_html(const json_t *listing, const char *tenant_code)
{
    struct mns_text b = {0};
    const json_t *defs = json_object_get(listing, "fields"), *e, *d;
    const char *title = json_string_value(json_object_get(json_object_get(listing, "register"), "ja"));
    size_t i, k;
    char cell[4096];
    mns_text_str(&b, "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    mns_text_xml(&b, title);
    mns_text_str(&b, "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
               "th,td{border:1px solid #444;padding:.3em .5em;vertical-align:top}@media print{body{margin:0}}</style>\n"
               "</head>\n<body>\n<h1>");
    mns_text_xml(&b, title);
    mns_text_str(&b, "</h1>\n<p>事業者: ");
    mns_text_xml(&b, tenant_code);
    mns_text_str(&b, "</p>\n<table>\n<thead><tr><th>ID</th>");
    json_array_foreach(defs, k, d) {
        mns_text_str(&b, "<th>");
        mns_text_xml(&b, json_string_value(json_object_get(d, "ja")));
        mns_text_str(&b, "</th>");
    }
    mns_text_str(&b, "</tr></thead>\n<tbody>\n");
    json_array_foreach(json_object_get(listing, "entries"), i, e) {
        cell_text(json_object_get(e, "id"), cell, sizeof(cell));
        mns_text_str(&b, "<tr><td>");
        mns_text_xml(&b, cell);
        mns_text_str(&b, "</td>");
        json_array_foreach(defs, k, d) {
            cell_text(json_object_get(e, json_string_value(json_object_get(d, "name"))), cell, sizeof(cell));
            mns_text_str(&b, "<td>");
            mns_text_xml(&b, cell);
            mns_text_str(&b, "</td>");
        }
        mns_text_str(&b, "</tr>\n");
    }
    mns_text_str(&b, "</tbody>\n</table>\n<p>この記録には個人番号を記載していません。</p>\n</body>\n</html>\n");
    return mns_text_take(&b);
}

/* ---- usage and output records (C-b 1), from the audit log ------------------------ */

mns_err mns_vault_usage(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, const char *file,
                        const char *from, const char *to, const struct mns_list_page *page, json_t **result,
                        mns_errmsg *em)
{
    static const struct {
        const char *action, *ja, *en;
    } uses[] = {{"person.create", "登録", "collected"},     {"person.reveal", "表示（出力）", "shown (output)"},
                {"person.find", "番号で検索", "found by number"}, {"person.list", "一覧（マスク）", "listed (masked)"},
                {"person.delete", "削除", "deleted"},      {"person.delete_request", "削除申請", "deletion requested"},
                {"person.end", "終了日の記録", "end of need"}};
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0;
    mns_date d;
    bool row;
    json_t *list = json_array();
    unsigned want = file == NULL ? MNS_FILES_ALL : mns_files_parse(file);
    /* one entry more than asked: whether there is more */
    const struct page_bounds b = page_bounds_of(page);
    int64_t before = b.before, limit = page == NULL ? MNS_USAGE_RANGE_MAX : b.limit;
    int64_t nread = 0, last_seq = 0, next = 0;
    mns_err err;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "usage.read");
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    if (want == 0 || (from != NULL && !mns_date_parse(from, &d)) || (to != NULL && !mns_date_parse(to, &d))) {
        err = mns_fail(em, MNS_ERR_INVALID, "file: employees or payees; from, to: dates YYYY-MM-DD / 指定が不正です");
        goto out;
    }
    /* the day bounds in ms: the whole of "to" counts */
    int64_t lo = 0, hi = INT64_MAX;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (from != NULL && mns_date_parse(from, &d)) {
        tm.tm_year = d.year - 1900, tm.tm_mon = d.month - 1, tm.tm_mday = d.day, tm.tm_isdst = -1;
        lo = (int64_t)mktime(&tm) * 1000;
    }
    if (to != NULL && mns_date_parse(to, &d)) {
        d = mns_date_add_days(d, 1);
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = d.year - 1900, tm.tm_mon = d.month - 1, tm.tm_mday = d.day, tm.tm_isdst = -1;
        hi = (int64_t)mktime(&tm) * 1000;
    }
    if ((err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(
             v->store, &s,
             MNS_SQL_PLAN_PER_CALL "SELECT l.ts, l.actor, l.action, l.subject, l.purpose, l.result, "
             /* the person by its primary key (subjects are "person:ID") */
             "(SELECT p.kind FROM persons p WHERE p.id = CASE WHEN l.subject LIKE 'person:%' "
             "THEN CAST(substr(l.subject, 8) AS BIGINT) END), l.seq FROM audit_log l "
             "WHERE l.tenant_id = ? AND l.ts >= ? AND l.ts < ? AND l.seq < ? AND l.action IN ('person.create', "
             "'person.reveal', 'person.find', 'person.list', 'person.delete', 'person.delete_request', 'person.end') "
             "ORDER BY l.seq DESC LIMIT ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, lo)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, hi)) == MNS_OK && (err = mns_stmt_bind_int64(s, 4, before)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 5, limit + 1)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            if (nread++ == limit) {
                /* the entry after a full page */
                if (page != NULL) {
                    next = last_seq;
                } else {
                    err = mns_fail(em, MNS_ERR_LIMIT, "more than %d records in this range: narrow from and to / "
                                   "この期間の記録が%d件を超えます。期間を狭めてください", MNS_USAGE_RANGE_MAX,
                                   MNS_USAGE_RANGE_MAX);
                }
                break;
            }
            last_seq = mns_stmt_int64(s, 7);
            const char *kind = mns_stmt_text(s, 6);
            /* a person deleted since has no kind left: shown under every file */
            if (kind != NULL && (want & (strcmp(kind, "payee") == 0 ? MNS_FILE_PAYEES : MNS_FILE_EMPLOYEES)) == 0)
                continue;
            const char *action = mns_stmt_text(s, 2), *ja = action, *en = action;
            for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
                if (strcmp(uses[i].action, action) == 0)
                    ja = uses[i].ja, en = uses[i].en;
            char at[32];
            time_t t = (time_t)(mns_stmt_int64(s, 0) / 1000);
            localtime_r(&t, &tm);
            strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%S", &tm);
            json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s*, s:s*, s:s, s:s}", "seq",
                                                  (json_int_t)last_seq, "at", at, "actor",
                                                  mns_stmt_text(s, 1), "action", action, "what_ja", ja, "what_en", en,
                                                  "subject", mns_stmt_text(s, 3), "purpose", mns_stmt_text(s, 4),
                                                  "result", mns_stmt_text(s, 5), "file",
                                                  kind == NULL ? "(deleted)" : strcmp(kind, "payee") == 0 ? "payees"
                                                                                                           : "employees"));
        }
    mns_stmt_reset(s);
out:
    err = act_end_list(&a, err, "records", list, result);
    return err == MNS_OK && page != NULL ? page_next_set(result, next) : err;
}

/* ---- import from CSV (e.g. an IC-card system's entry log) -------------------------- */

/* One CSV record from *p (quotes, doubled quotes, CRLF); fields into cells
 * (each malloc'ed into the array). false at the end of the text. */
static bool csv_record(const char **p, const char *end, json_t *cells)
{
    if (*p >= end)
        return false;
    struct mns_text cell = {0};
    bool quoted = false;
    while (*p < end) {
        char c = **p;
        (*p)++;
        if (quoted) {
            if (c == '"' && *p < end && **p == '"') {
                mns_text_add(&cell, "\"", 1);
                (*p)++;
            } else if (c == '"') {
                quoted = false;
            } else {
                mns_text_add(&cell, &c, 1);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            char *t = mns_text_take(&cell);
            json_array_append_new(cells, json_string(t != NULL ? t : ""));
            free(t);
        } else if (c == '\r' || c == '\n') {
            if (c == '\r' && *p < end && **p == '\n')
                (*p)++;
            break;
        } else {
            mns_text_add(&cell, &c, 1);
        }
    }
    char *t = mns_text_take(&cell);
    json_array_append_new(cells, json_string(t != NULL ? t : ""));
    free(t);
    return true;
}

/* "2026/11/02 09:00", "2026-11-02 09:00:30" -> "2026-11-02T09:00"; "2026/11/02" -> "2026-11-02" */
static void normalise_time(char *s, enum ftype type)
{
    for (char *q = s; *q && q < s + 10; q++)
        if (*q == '/')
            *q = '-';
    if (type == F_DATETIME && strlen(s) >= 16 && s[10] == ' ')
        s[10] = 'T';
    if (type == F_DATETIME && strlen(s) > 16)
        s[16] = '\0';
}

mns_err mns_vault_register_import(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  const char *code, const char *csv, size_t len, json_t **result, mns_errmsg *em)
{
    const struct rdef *r = find_register(code);
    json_t *rows = json_array(), *errors = json_array(), *header = json_array();
    char *utf8 = NULL;
    mns_err err = MNS_OK;

    *result = NULL;
    if (r == NULL)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such register / 記録簿が見つかりません");
    else if (len > SEALED_FILE_MAX)
        err = mns_fail(em, MNS_ERR_LIMIT, "csv: at most 8 MiB / 8MiBまでです");
    if (err != MNS_OK)
        goto out;
    /* UTF-8 (a BOM skipped), or Shift_JIS as Excel and card systems write it */
    if (len >= 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0)
        csv += 3, len -= 3;
    json_t *probe = json_stringn(csv, len);
    if (probe == NULL) {
        iconv_t cd = iconv_open("UTF-8", "CP932");
        size_t cap = len * 3 + 1, ol = cap - 1, il = len;
        char *ip = (char *)csv, *op = utf8 = malloc(cap);
        if (cd == (iconv_t)-1 || utf8 == NULL || iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
            err = mns_fail(em, MNS_ERR_INVALID, "csv: neither UTF-8 nor Shift_JIS / 文字コードが UTF-8 でも Shift_JIS でもありません");
        if (cd != (iconv_t)-1)
            iconv_close(cd);
        if (err != MNS_OK)
            goto out;
        *op = '\0';
        csv = utf8;
        len = (size_t)(op - utf8);
    }
    json_decref(probe);
    const char *p = csv, *end = csv + len;
    if (!csv_record(&p, end, header) || json_array_size(header) == 0) {
        err = mns_fail(em, MNS_ERR_INVALID, "csv: no header row / 見出し行がありません");
        goto out;
    }
    /* the header names fields by name or by their Japanese label */
    int map[64];
    size_t i, ncols = json_array_size(header) < 64 ? json_array_size(header) : 64;
    for (i = 0; i < ncols; i++) {
        const char *h = json_string_value(json_array_get(header, i));
        map[i] = -1;
        for (size_t k = 0; k < r->nfields; k++)
            /* the label, or its part before a parenthesis: 区域の種別 for 区域の種別（管理区域・取扱区域） */
            if (strcmp(h, r->fields[k].name) == 0 || strcmp(h, r->fields[k].ja) == 0 ||
                (h[0] != '\0' && strncmp(r->fields[k].ja, h, strlen(h)) == 0 &&
                 strncmp(r->fields[k].ja + strlen(h), "（", strlen("（")) == 0))
                map[i] = (int)k;
        if (map[i] < 0) {
            err = mns_fail(em, MNS_ERR_INVALID, "csv: column %zu \"%.40s\" is not a field of %s / %zu列目は記録簿の項目ではありません",
                           i + 1, vault_valid_text(h, 40) ? h : "?", r->code, i + 1);
            goto out;
        }
    }
    size_t line = 1;
    json_t *cells = json_array();
    while (json_array_clear(cells) == 0 && csv_record(&p, end, cells)) {
        line++;
        if (json_array_size(cells) == 1 && json_string_length(json_array_get(cells, 0)) == 0)
            continue; /* an empty line */
        json_t *fields = json_object();
        for (i = 0; i < ncols && i < json_array_size(cells); i++) {
            char val[2048];
            snprintf(val, sizeof(val), "%s", json_string_value(json_array_get(cells, i)));
            if (val[0] == '\0')
                continue;
            normalise_time(val, r->fields[map[i]].type);
            json_object_set_new(fields, r->fields[map[i]].name, json_string(val));
        }
        json_t *typed = coerce(r, fields);
        mns_errmsg rem = {""};
        if (check_fields(r, typed, false, &rem) != MNS_OK)
            json_array_append_new(errors, json_pack("{s:I, s:s}", "row", (json_int_t)line, "message", rem.text));
        else
            json_array_append(rows, typed);
        json_decref(typed);
        json_decref(fields);
    }
    json_decref(cells);
    /* every row right, or nothing stored */
    if (json_array_size(errors) > 0) {
        const json_t *first = json_array_get(errors, 0);
        err = mns_fail(em, MNS_ERR_INVALID, "csv: %zu row(s) with errors, nothing stored; the first: row %lld: %.300s",
                       json_array_size(errors), (long long)json_integer_value(json_object_get(first, "row")),
                       json_string_value(json_object_get(first, "message")));
        goto out;
    }
    json_t *e;
    size_t stored = 0;
    json_array_foreach(rows, i, e) {
        json_t *res = NULL;
        if ((err = mns_vault_register_add(v, actor, tenant_code, code, e, &res, em)) != MNS_OK) {
            mns_fail(em, err, "csv: row %zu: %s", i + 2, em->text);
            break;
        }
        json_decref(res);
        stored++;
    }
    if (err == MNS_OK)
        *result = json_pack("{s:s, s:I}", "register", code, "stored", (json_int_t)stored);
out:
    if (err != MNS_OK && json_array_size(errors) > 0)
        *result = json_pack("{s:O}", "errors", errors);
    json_decref(rows);
    json_decref(errors);
    json_decref(header);
    free(utf8);
    return err;
}
