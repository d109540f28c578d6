/*
 * retention_acts.c: the end of need, the due list, scheduled deletion by
 * crypto-shredding, legal holds and the disposal register (issue 6).
 *
 * A person's number is kept until an end of need is recorded; the date it
 * must go is computed then from the person's purposes and the rules of
 * data/retention.json (the legal date), and a tenant's own rule (delete after
 * its fiscal year end) may only move it later, which the due list shows.
 * Deleting what is due is one act: every person of the batch or none, one
 * disposal register entry, one audit entry per person.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

const struct mns_retention *mns_vault_retention(const struct mns_vault *v)
{
    return v->retention;
}

static mns_err need_rules(struct mns_vault *v, mns_errmsg *em)
{
    if (v->retention == NULL)
        return mns_fail(em, MNS_ERR_STATE, "no retention rules are loaded (serve --retention FILE) / "
                        "保存期間の規則が読み込まれていません");
    return MNS_OK;
}

mns_err hold_check(struct mns_vault *v, int64_t person_id, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT 1 FROM legal_holds WHERE person_id = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    mns_stmt_reset(s);
    if (err == MNS_OK && row)
        err = mns_fail(em, MNS_ERR_STATE, "the person is on a legal hold: lift it first / "
                       "この本人には保存命令（リーガルホールド）があります。先に解除してください");
    return err;
}

mns_err disposal_record(struct mns_vault *v, int64_t tid, const char *kind, int64_t persons, const char *by,
                        const char *rules)
{
    struct mns_stmt *s;
    int64_t id = 0;
    char today[11];
    mns_date_format(mns_date_today(), today);
    mns_err err = vault_new_id(v, &id);
    if (err != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO disposal_register (id, tenant_id, source, data_kind, persons, disposed_on, "
                                 "recorded_at, disposed_by, method, rules) VALUES (?, ?, 'mnsafe', ?, ?, ?, ?, ?, ?, ?)")) !=
            MNS_OK)
        return err;
    bool dependent = strcmp(kind, "dependent") == 0;
    const char *data_kind = dependent ? "個人番号（扶養親族、電子データ）/ My Numbers of dependents (electronic)"
                            : strcmp(kind, "payee") == 0 ? "個人番号（支払先、電子データ）/ My Numbers of payees (electronic)"
                            : strcmp(kind, "mixed") == 0
                                ? "個人番号（従業員等・支払先、電子データ）/ My Numbers of employees and payees (electronic)"
                                : "個人番号（従業員等・扶養親族、電子データ）/ My Numbers of employees and dependents (electronic)";
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, data_kind, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 4, persons);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, today, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, mns_now_ms());
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 7, by, -1);
    if (err == MNS_OK)
        err = mns_stmt_bind_text(s, 8,
                                 dependent ? "行の削除（secure_delete）/ the row removed with secure delete (its number was "
                                             "sealed under the person's key, which stays for the person)"
                                           : "暗号鍵の消去（crypto-shredding）と行の削除（secure_delete）/ crypto-shredding: the "
                                             "data key destroyed, rows removed with secure delete", -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 9, rules, -1);
    if (err == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

/* The person's kind and purposes (a JSON list), checking the actor's file scope. */
static mns_err person_for_retention(struct mns_vault *v, struct act *a, int64_t tid, int64_t person_id, json_t **purposes,
                                    mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT kind FROM persons WHERE id = ?1 AND tenant_id = ?2");
    *purposes = NULL;
    if (err != MNS_OK)
        return err;
    err = person_row(a, s, person_id, tid, em);
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    *purposes = json_array();
    if ((err = mns_store_prepare(v->store, &s, "SELECT purpose_code FROM person_purposes WHERE person_id = ?")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row)
            json_array_append_new(*purposes, json_string(mns_stmt_text(s, 0)));
    mns_stmt_reset(s);
    return err;
}

static mns_err tenant_fy_month(struct mns_vault *v, int64_t tid, int *month)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT fy_end_month FROM tenants WHERE id = ?");
    *month = 0;
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row &&
        !mns_stmt_is_null(s, 0))
        *month = (int)mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_person_end(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                             int64_t person_id, const char *ended_on, const char *reason, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    json_t *purposes = NULL;
    int64_t tid = 0;
    mns_date end, legal, scheduled;
    const char *rule = NULL;
    char legal_txt[11], sched_txt[11];
    int fy = 0;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "person.end");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = require_role(actor, MNS_ROLE_CLERK | MNS_ROLE_OFFICER, em)) != MNS_OK || (err = need_rules(v, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    if (!mns_date_parse(ended_on, &end)) {
        err = mns_fail(em, MNS_ERR_INVALID, "ended_on: a date YYYY-MM-DD / 日付（YYYY-MM-DD）を指定してください");
        goto out;
    }
    if (reason == NULL ||
        (strcmp(reason, "retirement") != 0 && strcmp(reason, "contract_end") != 0 && strcmp(reason, "last_payment") != 0)) {
        err = mns_fail(em, MNS_ERR_INVALID, "reason: retirement, contract_end or last_payment / "
                       "理由は retirement（退職）, contract_end（契約終了）, last_payment（最終支払）です");
        goto out;
    }
    if ((err = person_for_retention(v, &a, tid, person_id, &purposes, em)) != MNS_OK ||
        (err = tenant_fy_month(v, tid, &fy)) != MNS_OK)
        goto out;
    /* no rule covers the purposes: the number is needed no longer than the end */
    if (mns_retention_due(v->retention, purposes, end, &legal, &rule) != MNS_OK)
        legal = mns_date_add_days(end, 1);
    scheduled = fy > 0 ? mns_date_after_fiscal_year_end(legal, fy) : legal;
    mns_date_format(legal, legal_txt);
    mns_date_format(scheduled, sched_txt);
    if ((err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO person_end (person_id, ended_on, reason, legal_on, rule_code, scheduled_on, "
                                 "recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE "
                                 "SET ended_on = excluded.ended_on, reason = excluded.reason, legal_on = excluded.legal_on, "
                                 "rule_code = excluded.rule_code, scheduled_on = excluded.scheduled_on, "
                                 "recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, person_id);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, ended_on, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, reason, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 4, legal_txt, -1);
    if (err == MNS_OK) err = rule ? mns_stmt_bind_text(s, 5, rule, -1) : mns_stmt_bind_null(s, 5);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 6, sched_txt, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 7, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 8, mns_now_ms());
    if (err == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_OK)
        act_note(&a, "%s %s; legal %s (%s); scheduled %s", reason, ended_on, legal_txt, rule ? rule : "no rule", sched_txt);
out:
    json_decref(purposes);
    err = act_finish(&a, err);
    if (err != MNS_OK)
        return err;
    *result = json_pack("{s:I, s:s, s:s, s:s, s:s*, s:s, s:b}", "person", (json_int_t)person_id, "ended_on", ended_on,
                        "reason", reason, "legal_on", legal_txt, "rule", rule, "scheduled_on", sched_txt,
                        "extended_by_tenant_rule", strcmp(legal_txt, sched_txt) != 0);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_person_end_cancel(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    int64_t person_id, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    json_t *purposes = NULL;
    int64_t tid = 0;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "person.end_cancel");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = require_role(actor, MNS_ROLE_CLERK | MNS_ROLE_OFFICER, em)) == MNS_OK &&
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) == MNS_OK &&
        (err = person_for_retention(v, &a, tid, person_id, &purposes, em)) == MNS_OK && (err = act_begin(&a)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s, "DELETE FROM person_end WHERE person_id = ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK && (err = mns_stmt_run(s)) == MNS_OK &&
            mns_stmt_changes(s) == 0)
            err = mns_fail(em, MNS_ERR_NOT_FOUND, "no end of need is recorded for this person / 終了日は記録されていません");
        mns_stmt_reset(s);
    }
    json_decref(purposes);
    err = act_finish(&a, err);
    return err;
}

/* Persons of tenant tid with an end of need, scheduled on or before as_of
 * (all when as_of is NULL), into list. Only ids, names and dates. */
static mns_err due_rows(struct mns_vault *v, int64_t tid, const char *as_of, unsigned files, json_t *list)
{
    struct mns_stmt *s;
    bool row;
    mns_err err = mns_store_prepare(
        v->store, &s,
        "SELECT p.id, p.kind, p.name, e.ended_on, e.reason, e.legal_on, e.rule_code, e.scheduled_on, h.reason "
        "FROM person_end e JOIN persons p ON p.id = e.person_id LEFT JOIN legal_holds h ON h.person_id = p.id "
        "WHERE p.tenant_id = ? AND (? IS NULL OR e.scheduled_on <= ?) "
        "AND (? & (CASE p.kind WHEN 'employee' THEN 1 WHEN 'payee' THEN 2 ELSE 0 END)) != 0 "
        "ORDER BY e.scheduled_on, p.id");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK &&
        (err = as_of ? mns_stmt_bind_text(s, 2, as_of, -1) : mns_stmt_bind_null(s, 2)) == MNS_OK &&
        (err = as_of ? mns_stmt_bind_text(s, 3, as_of, -1) : mns_stmt_bind_null(s, 3)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 4, files)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s*, s:s, s:b}", "id", (json_int_t)mns_stmt_int64(s, 0),
                                  "kind", mns_stmt_text(s, 1), "name", mns_stmt_text(s, 2), "ended_on",
                                  mns_stmt_text(s, 3), "reason", mns_stmt_text(s, 4), "legal_on", mns_stmt_text(s, 5),
                                  "rule", mns_stmt_text(s, 6), "scheduled_on", mns_stmt_text(s, 7),
                                  "extended_by_tenant_rule", strcmp(mns_stmt_text(s, 5), mns_stmt_text(s, 7)) != 0);
            if (!mns_stmt_is_null(s, 8))
                json_object_set_new(e, "hold", json_string(mns_stmt_text(s, 8)));
            json_array_append_new(list, e);
        }
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_retention_due(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                const char *as_of, json_t **result, mns_errmsg *em)
{
    struct act a;
    int64_t tid = 0;
    mns_date d;
    char today[11];
    json_t *list = json_array();
    mns_err err;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    mns_date_format(mns_date_today(), today);
    vault_lock(v);
    act_init(&a, v, actor, "retention.due_list");
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_CLERK, em)) == MNS_OK &&
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) == MNS_OK) {
        if (as_of != NULL && !mns_date_parse(as_of, &d))
            err = mns_fail(em, MNS_ERR_INVALID, "as_of: a date YYYY-MM-DD / 日付（YYYY-MM-DD）を指定してください");
        else if ((err = act_begin(&a)) == MNS_OK)
            err = due_rows(v, tid, NULL, a.files, list);
    }
    /* each entry says whether it is due by as_of (today by default) */
    json_t *e;
    size_t i;
    json_array_foreach(list, i, e) json_object_set_new(
        e, "due", json_boolean(strcmp(json_string_value(json_object_get(e, "scheduled_on")), as_of ? as_of : today) <= 0));
    return act_end_list(&a, err, "persons", list, result);
}

mns_err mns_vault_retention_delete_due(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                       const char *as_of, json_t **result, mns_errmsg *em)
{
    struct act a;
    int64_t tid = 0;
    mns_date d, today = mns_date_today();
    char today_txt[11], rules[512] = "";
    json_t *list = json_array(), *e, *deleted = json_array(), *held = json_array();
    size_t i;
    int64_t employees = 0, payees = 0;
    mns_err err;

    *result = NULL;
    mns_date_format(today, today_txt);
    vault_lock(v);
    act_init(&a, v, actor, "retention.delete");
    err = list == NULL || deleted == NULL || held == NULL ? MNS_ERR_NOMEM : MNS_OK;
    if (err != MNS_OK || (err = require_role(actor, MNS_ROLE_OFFICER, em)) != MNS_OK ||
        (err = require_unsealed(v, em)) != MNS_OK || (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    if (as_of == NULL)
        as_of = today_txt;
    /* never ahead of the calendar: a number is not deleted before its date */
    if (!mns_date_parse(as_of, &d) || mns_date_cmp(d, today) > 0) {
        err = mns_fail(em, MNS_ERR_INVALID, "as_of: a date YYYY-MM-DD, not after today / "
                       "今日以前の日付（YYYY-MM-DD）を指定してください");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK || (err = due_rows(v, tid, as_of, a.files, list)) != MNS_OK)
        goto out;
    /* the batch is one transaction: all of it or nothing */
    json_array_foreach(list, i, e) {
        int64_t pid = json_integer_value(json_object_get(e, "id"));
        if (json_object_get(e, "hold") != NULL) {
            json_array_append_new(held, json_integer(pid));
            continue;
        }
        if ((err = person_shred(v, tid, pid, actor->name, "retention period over", em)) != MNS_OK)
            goto out;
        char subject[48];
        snprintf(subject, sizeof(subject), "person:%lld", (long long)pid);
        if ((err = act_audit(&a, "person.delete", subject, "ok")) != MNS_OK)
            goto out;
        json_array_append_new(deleted, json_integer(pid));
        if (strcmp(json_string_value(json_object_get(e, "kind")), "payee") == 0)
            payees++;
        else
            employees++;
        const char *rule = json_string_value(json_object_get(e, "rule"));
        char wrapped[600], one[80];
        snprintf(wrapped, sizeof(wrapped), ",%s,", rules);
        snprintf(one, sizeof(one), ",%s,", rule ? rule : "no_rule");
        if (strstr(wrapped, one) == NULL && strlen(rules) + strlen(one) < sizeof(rules)) {
            size_t used = strlen(rules);
            snprintf(rules + used, sizeof(rules) - used, "%s%s", used ? "," : "", rule ? rule : "no_rule");
        }
    }
    if (employees + payees > 0)
        err = disposal_record(v, tid, employees > 0 && payees > 0 ? "mixed" : payees > 0 ? "payee" : "employee",
                              employees + payees, actor->name, rules);
    act_note(&a, "as of %s: %lld deleted (%s), %zu on hold", as_of, (long long)(employees + payees),
             rules[0] ? rules : "none", json_array_size(held));
out:
    json_decref(list);
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(deleted);
        json_decref(held);
        return err;
    }
    *result = json_pack("{s:s, s:o, s:o}", "as_of", as_of, "deleted", deleted, "held", held);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_hold(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t person_id,
                       const char *reason, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    json_t *purposes = NULL;
    int64_t tid = 0;
    bool place = reason != NULL;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, place ? "retention.hold" : "retention.hold_lift");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = person_for_retention(v, &a, tid, person_id, &purposes, em)) != MNS_OK)
        goto out;
    if (place && (reason[0] == '\0' || !vault_valid_text(reason, 500))) {
        err = mns_fail(em, MNS_ERR_INVALID, "reason: required, at most 500 bytes, without a My Number / "
                       "理由（500バイト以内、個人番号を含まない）が必要です");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 place ? "INSERT INTO legal_holds (person_id, reason, placed_by, placed_at) VALUES "
                                         "(?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET reason = excluded.reason"
                                       : "DELETE FROM legal_holds WHERE person_id = ?")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, person_id);
    if (place && err == MNS_OK) err = mns_stmt_bind_text(s, 2, reason, -1);
    if (place && err == MNS_OK) err = mns_stmt_bind_text(s, 3, actor->name, -1);
    if (place && err == MNS_OK) err = mns_stmt_bind_int64(s, 4, mns_now_ms());
    if (err == MNS_OK && (err = mns_stmt_run(s)) == MNS_OK && !place && mns_stmt_changes(s) == 0)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "the person is on no hold / 保存命令はありません");
    mns_stmt_reset(s);
    if (err == MNS_OK && place)
        act_note(&a, "reason: %s", reason);
out:
    json_decref(purposes);
    err = act_finish(&a, err);
    return err;
}

mns_err mns_vault_tenant_retention_rule(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                        int fy_end_month, const char *reason, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "tenant.retention_rule");
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_SYSADMIN, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    /* the rule moves deletions later than the law's date: never silently */
    if (fy_end_month < 0 || fy_end_month > 12 ||
        (fy_end_month > 0 && (reason == NULL || reason[0] == '\0' || !vault_valid_text(reason, 500)))) {
        err = mns_fail(em, MNS_ERR_INVALID, "fy_end_month 1-12 (0 clears) and a reason: the rule delays deletions past "
                       "their legal date / 決算月（1〜12）と理由が必要です（法定の削除日より遅れるため）");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s, "UPDATE tenants SET fy_end_month = ?, fy_rule_reason = ? WHERE id = ?")) !=
            MNS_OK)
        goto out;
    if ((err = fy_end_month ? mns_stmt_bind_int64(s, 1, fy_end_month) : mns_stmt_bind_null(s, 1)) == MNS_OK &&
        (err = fy_end_month ? mns_stmt_bind_text(s, 2, reason, -1) : mns_stmt_bind_null(s, 2)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, tid)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_OK && fy_end_month > 0)
        act_note(&a, "delete after the fiscal year ending in month %d", fy_end_month);
    else if (err == MNS_OK)
        act_note(&a, "no tenant rule");
out:
    err = act_finish(&a, err);
    return err;
}

/* ---- the disposal register -------------------------------------------------------------- */

mns_err mns_vault_disposal_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                const char *from, const char *to, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0;
    mns_date d;
    bool row;
    json_t *list = json_array();
    mns_err err;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "disposal.list");
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR, em)) == MNS_OK &&
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) == MNS_OK) {
        if ((from != NULL && !mns_date_parse(from, &d)) || (to != NULL && !mns_date_parse(to, &d)))
            err = mns_fail(em, MNS_ERR_INVALID, "from, to: dates YYYY-MM-DD / 日付（YYYY-MM-DD）を指定してください");
        else if ((err = act_begin(&a)) == MNS_OK &&
                 (err = mns_store_prepare(v->store, &s,
                                          "SELECT id, source, data_kind, persons, disposed_on, disposed_by, method, rules, "
                                          "contractor, certificate_sha256, note FROM disposal_register WHERE tenant_id = ? "
                                          "AND disposed_on >= ? AND disposed_on <= ? ORDER BY disposed_on, id")) == MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK &&
                (err = mns_stmt_bind_text(s, 2, from ? from : "0000-00-00", -1)) == MNS_OK &&
                (err = mns_stmt_bind_text(s, 3, to ? to : "9999-99-99", -1)) == MNS_OK)
                while ((err = mns_stmt_step(s, &row)) == MNS_OK && row)
                    json_array_append_new(
                        list, json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:s*, s:s*, s:s*, s:s*}", "id",
                                        (json_int_t)mns_stmt_int64(s, 0), "source", mns_stmt_text(s, 1), "data_kind",
                                        mns_stmt_text(s, 2), "persons",
                                        mns_stmt_is_null(s, 3) ? json_null() : json_integer(mns_stmt_int64(s, 3)),
                                        "disposed_on", mns_stmt_text(s, 4), "disposed_by", mns_stmt_text(s, 5), "method",
                                        mns_stmt_text(s, 6), "rules", mns_stmt_text(s, 7), "contractor",
                                        mns_stmt_text(s, 8), "certificate_sha256", mns_stmt_text(s, 9), "note",
                                        mns_stmt_text(s, 10)));
            mns_stmt_reset(s);
        }
    }
    char name[256] = "";
    if (err == MNS_OK && mns_store_prepare(v->store, &s, "SELECT name FROM tenants WHERE id = ?") == MNS_OK) {
        if (mns_stmt_bind_int64(s, 1, tid) == MNS_OK && mns_stmt_step(s, &row) == MNS_OK && row)
            snprintf(name, sizeof(name), "%s", mns_stmt_text(s, 0));
        mns_stmt_reset(s);
    }
    err = act_end_list(&a, err, "entries", list, result);
    if (err == MNS_OK)
        json_object_set_new(*result, "tenant_name", json_string(name));
    return err;
}

mns_err mns_vault_disposal_add(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                               const json_t *entry, json_t **result, mns_errmsg *em)
{
    static const char *const known[] = {"data_kind", "disposed_on", "method", "contractor", "certificate_sha256",
                                        "note", "persons", "certificate"};
    static const char *const methods[] = {"shredder", "incineration", "dissolution", "physical_destruction",
                                          "data_erasure_software", "contractor"};
    struct act a;
    struct mns_stmt *s;
    const struct tenant_keys *tk = NULL;
    struct sealed_file sf = {0};
    uint8_t *cert_data = NULL;
    size_t cert_len = 0;
    int64_t tid = 0, id = 0;
    mns_date d;
    const char *key;
    json_t *val;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "disposal.add");
    if ((err = require_role(actor, MNS_ROLE_OFFICER, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    if (!json_is_object(entry)) {
        err = mns_fail(em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
        goto out;
    }
    json_object_foreach((json_t *)entry, key, val) {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (strcmp(key, "certificate") == 0 && json_is_object(val))
            continue;
        if (!ok || (strcmp(key, "persons") == 0 ? !json_is_integer(val) : !json_is_string(val)) ||
            (json_is_string(val) && !vault_valid_text(json_string_value(val), 500))) {
            err = mns_fail(em, MNS_ERR_INVALID, "%.40s: unknown field or bad value (text without a My Number) / "
                           "項目または値が不正です", vault_valid_code(key) ? key : "body");
            goto out;
        }
    }
    const char *kind = json_string_value(json_object_get(entry, "data_kind"));
    const char *on = json_string_value(json_object_get(entry, "disposed_on"));
    const char *method = json_string_value(json_object_get(entry, "method"));
    const char *cert = json_string_value(json_object_get(entry, "certificate_sha256"));
    bool method_ok = false;
    /* a method names its kind first, then details: "shredder: DIN 66399 P-6" */
    for (size_t i = 0; method != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
        method_ok = method_ok || strncmp(method, methods[i], strlen(methods[i])) == 0;
    if (kind == NULL || kind[0] == '\0')
        err = mns_fail(em, MNS_ERR_INVALID, "data_kind: required (e.g. 扶養控除等申告書 2016年分) / 廃棄したものを記入してください");
    else if (!mns_date_parse(on, &d) || mns_date_cmp(d, mns_date_today()) > 0)
        err = mns_fail(em, MNS_ERR_INVALID, "disposed_on: a date YYYY-MM-DD, not in the future / 日付が不正です");
    else if (!method_ok)
        err = mns_fail(em, MNS_ERR_INVALID, "method: shredder, incineration, dissolution, physical_destruction, "
                       "data_erasure_software or contractor, then details / 廃棄方法が不正です");
    else if (cert != NULL && (strlen(cert) != 64 || strspn(cert, "0123456789abcdef") != 64))
        err = mns_fail(em, MNS_ERR_INVALID, "certificate_sha256: 64 lower-case hex digits / 証明書のハッシュが不正です");
    /* the contractor's certificate itself, sealed; its hash goes into the entry */
    const json_t *file = json_object_get(entry, "certificate");
    const char *fname = json_string_value(json_object_get(file, "filename"));
    const char *ftype = json_string_value(json_object_get(file, "content_type"));
    const char *fb64 = json_string_value(json_object_get(file, "content_base64"));
    if (err == MNS_OK && file != NULL && fb64 == NULL)
        err = mns_fail(em, MNS_ERR_INVALID, "certificate: {\"filename\",\"content_type\",\"content_base64\"} / "
                       "証明書ファイルの指定が不正です");
    if (err == MNS_OK && (err = vault_new_id(v, &id)) == MNS_OK && file != NULL) {
        size_t n = strlen(fb64);
        if ((cert_data = malloc(n / 4 * 3 + 3)) == NULL)
            err = MNS_ERR_NOMEM;
        else if (mns_base64_decode(cert_data, n / 4 * 3 + 3, &cert_len, fb64, n) != MNS_OK)
            err = mns_fail(em, MNS_ERR_INVALID, "certificate.content_base64: not base64 / base64 ではありません");
        else if ((err = check_upload(fname, ftype, cert_len, em)) == MNS_OK &&
                 (err = require_unsealed(v, em)) == MNS_OK && (err = tenant_keys_get(v, tid, &tk)) == MNS_OK &&
                 (err = sealed_file_make(tk, "disposal-certificate", id, cert_data, cert_len, &sf)) == MNS_OK) {
            if (cert != NULL && strcmp(cert, sf.sha256) != 0)
                err = mns_fail(em, MNS_ERR_INVALID, "certificate_sha256: does not match the certificate file / "
                               "証明書ファイルのハッシュと一致しません");
            cert = sf.sha256;
        }
    }
    if (err != MNS_OK || (err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO disposal_register (id, tenant_id, source, data_kind, persons, disposed_on, "
                                 "recorded_at, disposed_by, method, contractor, certificate_sha256, note) "
                                 "VALUES (?, ?, 'manual', ?, ?, ?, ?, ?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    const json_t *persons = json_object_get(entry, "persons");
    const char *contractor = json_string_value(json_object_get(entry, "contractor"));
    const char *note = json_string_value(json_object_get(entry, "note"));
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, kind, -1);
    if (err == MNS_OK) err = persons ? mns_stmt_bind_int64(s, 4, json_integer_value(persons)) : mns_stmt_bind_null(s, 4);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, on, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, mns_now_ms());
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 7, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 8, method, -1);
    if (err == MNS_OK) err = contractor ? mns_stmt_bind_text(s, 9, contractor, -1) : mns_stmt_bind_null(s, 9);
    if (err == MNS_OK) err = cert ? mns_stmt_bind_text(s, 10, cert, -1) : mns_stmt_bind_null(s, 10);
    if (err == MNS_OK) err = note ? mns_stmt_bind_text(s, 11, note, -1) : mns_stmt_bind_null(s, 11);
    if (err == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_OK && file != NULL &&
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO disposal_certificates (entry_id, filename, content_type, size, sha256, "
                                 "key_version, wrapped_key, content_ct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) == MNS_OK) {
        err = mns_stmt_bind_int64(s, 1, id);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, fname, -1);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, ftype, -1);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 4, (int64_t)cert_len);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, sf.sha256, -1);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, sf.key_version);
        if (err == MNS_OK) err = mns_stmt_bind_blob(s, 7, sf.wrapped, sizeof(sf.wrapped));
        if (err == MNS_OK) err = mns_stmt_bind_blob(s, 8, sf.ct, sf.ct_len);
        if (err == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
    if (err == MNS_OK)
        act_note(&a, "disposal:%lld %s%s%s", (long long)id, on, cert ? " certificate sha256:" : "", cert ? cert : "");
out:
    err = act_finish(&a, err);
    if (cert_data != NULL) {
        mns_wipe(cert_data, cert_len);
        free(cert_data);
    }
    sealed_file_release(&sf);
    if (err != MNS_OK)
        return err;
    *result = json_pack("{s:I}", "id", (json_int_t)id);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_disposal_certificate(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                       int64_t entry_id, uint8_t **data, size_t *len, json_t **meta, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    const struct tenant_keys *tk = NULL;
    int64_t tid = 0;
    bool row = false;
    mns_err err;

    *data = NULL;
    *len = 0;
    *meta = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "disposal.certificate_read");
    snprintf(a.subject, sizeof(a.subject), "disposal:%lld", (long long)entry_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR, em)) != MNS_OK ||
        (err = require_unsealed(v, em)) != MNS_OK || (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = tenant_keys_get(v, tid, &tk)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT c.filename, c.content_type, c.sha256, c.key_version, c.wrapped_key, c.content_ct "
                                 "FROM disposal_certificates c JOIN disposal_register r ON r.id = c.entry_id "
                                 "WHERE c.entry_id = ? AND r.tenant_id = ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, entry_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK &&
        (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        size_t wl = 0, cl = 0;
        const uint8_t *w = mns_stmt_blob(s, 4, &wl), *c = mns_stmt_blob(s, 5, &cl);
        *meta = json_pack("{s:I, s:s, s:s, s:s}", "entry", (json_int_t)entry_id, "filename", mns_stmt_text(s, 0),
                          "content_type", mns_stmt_text(s, 1), "sha256", mns_stmt_text(s, 2));
        err = sealed_file_open(tk, "disposal-certificate", entry_id, mns_stmt_int64(s, 3), mns_stmt_text(s, 2), w, wl, c, cl,
                               data, len);
        if (err == MNS_ERR_CRYPTO)
            mns_fail(em, err, "the certificate cannot be opened or does not match its hash / "
                     "証明書を開けないか、ハッシュが一致しません");
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no certificate attached to this entry / 証明書は添付されていません");
    if (err == MNS_OK)
        err = act_begin(&a);
out:
    err = act_finish(&a, err);
    if (err != MNS_OK)
        sealed_file_discard(data, len, meta);
    return err;
}

/* ---- deletion requests (deletion approval on) ------------------------------------ */

mns_err deletion_request(struct mns_vault *v, int64_t tid, int64_t person_id, const char *reason, const char *by,
                         int64_t *request_id)
{
    struct mns_stmt *s;
    int64_t id = 0;
    mns_err err = vault_new_id(v, &id);
    if (err != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO deletion_requests (id, tenant_id, person_id, reason, requested_by, "
                                 "requested_at, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')")) != MNS_OK)
        return err;
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, person_id);
    if (err == MNS_OK) err = (reason && reason[0]) ? mns_stmt_bind_text(s, 4, reason, -1) : mns_stmt_bind_null(s, 4);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, by, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, mns_now_ms());
    if (err == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_OK)
        *request_id = id;
    return err;
}

mns_err mns_vault_deletion_decide(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  int64_t request_id, bool approve, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0, person_id = 0;
    char by[64] = "", status[16] = "", reason[256] = "", kind[16] = "";
    bool row = false;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, approve ? "person.delete_approve" : "person.delete_reject");
    snprintf(a.detail, sizeof(a.detail), "request:%lld", (long long)request_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER, em)) != MNS_OK || (err = require_unsealed(v, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT r.person_id, r.requested_by, r.status, r.reason, p.kind FROM deletion_requests r "
                                 "LEFT JOIN persons p ON p.id = r.person_id WHERE r.id = ? AND r.tenant_id = ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, request_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK &&
        (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        person_id = mns_stmt_int64(s, 0);
        snprintf(by, sizeof(by), "%s", mns_stmt_text(s, 1));
        snprintf(status, sizeof(status), "%s", mns_stmt_text(s, 2));
        snprintf(reason, sizeof(reason), "%s", mns_stmt_text(s, 3) ? mns_stmt_text(s, 3) : "");
        snprintf(kind, sizeof(kind), "%s", mns_stmt_text(s, 4) ? mns_stmt_text(s, 4) : "");
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such deletion request / 削除申請が見つかりません");
    if (err == MNS_OK && strcmp(status, "pending") != 0)
        err = mns_fail(em, MNS_ERR_STATE, "the request was already decided / この申請は処理済みです");
    if (err == MNS_OK && strcmp(by, actor->name) == 0)
        err = mns_fail(em, MNS_ERR_DENIED, "nobody approves their own request / 申請者本人は承認できません");
    if (err != MNS_OK)
        goto out;
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if (approve && kind[0] == '\0') {
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "the person is already gone / 本人は既に削除されています");
        goto out;
    }
    if (approve && (err = hold_check(v, person_id, em)) != MNS_OK) {
        a.failure_detail = "legal hold";
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    if (approve && (err = person_shred(v, tid, person_id, by, reason, em)) == MNS_OK)
        err = disposal_record(v, tid, strcmp(kind, "payee") == 0 ? "payee" : "employee", 1, actor->name,
                              reason[0] ? reason : "deleted on request");
    if (err == MNS_OK)
        err = request_decide(v, "deletion_requests", request_id, approve, actor->name);
out:
    err = act_finish(&a, err);
    return err;
}

mns_err mns_vault_deletion_requests(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    const struct mns_list_page *page, json_t **result, mns_errmsg *em)
{
    static const struct list_col cols[] = {
        {"id", COL_INT},           {"person", COL_INT},   {"reason", COL_TEXT_OMIT},     {"requested_by", COL_TEXT},
        {"requested_at_ms", COL_INT}, {"status", COL_TEXT}, {"decided_by", COL_TEXT_OMIT},
    };
    return tenant_list(v, actor, "person.delete_requests", MNS_ROLE_OFFICER | MNS_ROLE_CLERK, tenant_code, page,
                       "SELECT id, person_id, reason, requested_by, requested_at, status, decided_by FROM "
                       "deletion_requests WHERE tenant_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                       cols, sizeof(cols) / sizeof(cols[0]), "requests", result, em);
}
