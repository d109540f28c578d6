/*
 * tenants.c: tenants (事業者) and their purposes (利用目的).
 *
 * A new tenant gets its own key-encryption and blind-index keys and the
 * standard purposes drawn from the affairs (個人番号関係事務) the law allows.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mnsafe/mynumber.h"
#include "vault/internal.h"

struct std_purpose {
    const char *code, *affair, *ja, *en;
};

/* The lawful affairs a business handles numbers for (番号法9条3項). */
static const struct std_purpose std_purposes[] = {
    {"withholding_slip", "tax", "源泉徴収票作成事務", "Withholding tax slips (源泉徴収票)"},
    {"salary_payment_report", "tax", "給与支払報告書作成事務", "Salary payment reports to municipalities"},
    {"dependent_deduction", "tax", "扶養控除等（異動）申告書に関する事務", "Dependent deduction declarations"},
    {"retirement_income", "tax", "退職所得の源泉徴収票作成事務", "Retirement income withholding slips"},
    {"payment_record", "tax", "支払調書作成事務（報酬・料金、不動産の使用料等）",
     "Payment records for payees (支払調書)"},
    {"health_pension", "social_insurance", "健康保険・厚生年金保険届出事務",
     "Health insurance and employees' pension notifications"},
    {"employment_insurance", "social_insurance", "雇用保険届出事務", "Employment insurance notifications"},
    {"workers_compensation", "social_insurance", "労働者災害補償保険法に基づく請求に関する事務",
     "Workers' accident compensation claims"},
};

mns_err mns_vault_tenant_create(struct mns_vault *v, const struct mns_actor *actor, const char *code,
                                const char *name, const char *corporate_number, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    char corp[MNS_CORPORATE_NUMBER_LEN + 1] = "";
    int64_t id = 0;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "tenant.create");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN, em)) != MNS_OK || (err = require_unsealed(v, em)) != MNS_OK)
        goto out;
    if (!vault_valid_code(code)) {
        err = mns_fail(em, MNS_ERR_INVALID, "code: 1-32 of a-z 0-9 _ - / コードは英小文字・数字・_-で32文字以内");
        goto out;
    }
    snprintf(a.subject, sizeof(a.subject), "tenant:%s", code);
    if (!vault_valid_text(name, 200)) {
        err = mns_fail(em, MNS_ERR_INVALID, "name: 1-200 bytes of text / 名称は200バイト以内の文字列です");
        goto out;
    }
    if (corporate_number != NULL && corporate_number[0] != '\0') {
        mns_errmsg nem;
        if ((err = mns_number_normalize(corp, sizeof(corp), NULL, corporate_number, strlen(corporate_number), &nem)) ==
                MNS_OK &&
            (err = mns_corporate_number_validate(corp, strlen(corp), &nem)) == MNS_OK) {
        } else {
            err = mns_fail(em, err, "corporate_number: %s", nem.text);
            goto out;
        }
    }
    if ((err = vault_new_id(v, &id)) != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    a.tenant_id = id;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO tenants (id, code, name, corporate_number, created_at) "
                                 "VALUES (?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, code, -1)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 3, name, -1)) == MNS_OK &&
        (err = corp[0] ? mns_stmt_bind_text(s, 4, corp, -1) : mns_stmt_bind_null(s, 4)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 5, mns_now_ms())) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_ERR_EXISTS) {
        mns_fail(em, err, "a tenant with this code exists / 同じコードの事業者が既に存在します");
        goto out;
    }
    if (err != MNS_OK || (err = tenant_keys_create(v, id)) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO purposes (tenant_id, code, affair, name_ja, name_en) "
                                 "VALUES (?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    for (size_t i = 0; err == MNS_OK && i < sizeof(std_purposes) / sizeof(std_purposes[0]); i++) {
        const struct std_purpose *p = &std_purposes[i];
        mns_stmt_reset(s);
        if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, p->code, -1)) == MNS_OK &&
            (err = mns_stmt_bind_text(s, 3, p->affair, -1)) == MNS_OK &&
            (err = mns_stmt_bind_text(s, 4, p->ja, -1)) == MNS_OK && (err = mns_stmt_bind_text(s, 5, p->en, -1)) == MNS_OK)
            err = mns_stmt_run(s);
    }
    mns_stmt_reset(s);
out:
    err = act_finish(&a, err);
    if (err != MNS_OK)
        return err;
    *result = json_pack("{s:I, s:s, s:s, s:s*}", "id", (json_int_t)id, "code", code, "name", name,
                        "corporate_number", corp[0] ? corp : NULL);
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_tenant_list(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    bool row;
    mns_err err;
    json_t *list = json_array();

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "tenant.list");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN | MNS_ROLE_OFFICER | MNS_ROLE_CLERK | MNS_ROLE_AUDITOR, em)) ==
            MNS_OK &&
        (err = act_begin(&a)) == MNS_OK) {
        bool all = actor->role == MNS_ROLE_SYSADMIN || actor->role == MNS_ROLE_AUDITOR;
        err = all ? mns_store_prepare(v->store, &s, "SELECT id, code, name, corporate_number FROM tenants ORDER BY code")
                  : mns_store_prepare(v->store, &s,
                                      "SELECT t.id, t.code, t.name, t.corporate_number FROM tenants t JOIN assignments x "
                                      "ON x.tenant_id = t.id WHERE x.user_id = ? ORDER BY t.code");
        if (err == MNS_OK) {
            if (!all)
                err = mns_stmt_bind_int64(s, 1, actor->user_id);
            while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
                json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s*}", "id", (json_int_t)mns_stmt_int64(s, 0),
                                                      "code", mns_stmt_text(s, 1), "name", mns_stmt_text(s, 2),
                                                      "corporate_number", mns_stmt_text(s, 3)));
            mns_stmt_reset(s);
        }
    }
    return act_end_list(&a, err, "tenants", list, result);
}

mns_err mns_vault_purpose_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                               json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    bool row;
    int64_t tid = 0;
    mns_err err;
    json_t *list = json_array();

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "purpose.list");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN | MNS_ROLE_OFFICER | MNS_ROLE_CLERK | MNS_ROLE_AUDITOR, em)) ==
            MNS_OK &&
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) == MNS_OK && (err = act_begin(&a)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT code, affair, name_ja, name_en FROM purposes WHERE tenant_id = ? ORDER BY code")) ==
            MNS_OK) {
        a.tenant_id = tid;
        if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK)
            while ((err = mns_stmt_step(s, &row)) == MNS_OK && row)
                json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "code", mns_stmt_text(s, 0), "affair",
                                                      mns_stmt_text(s, 1), "name_ja", mns_stmt_text(s, 2), "name_en",
                                                      mns_stmt_text(s, 3)));
        mns_stmt_reset(s);
    }
    return act_end_list(&a, err, "purposes", list, result);
}

/* ---- a tenant's own access policy ------------------------------------------ */

static mns_err policy_read(struct mns_vault *v, int64_t tid, json_t **result)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT require_mfa, allow_networks, allow_hours, require_pledge_training, export_approval FROM tenants WHERE id = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        /* unset rules are null, not absent: the probes read every field */
        const char *nets = mns_stmt_text(s, 1), *hours = mns_stmt_text(s, 2);
        *result = json_pack("{s:b, s:o, s:o, s:b, s:b}", "require_mfa", mns_stmt_int64(s, 0) != 0, "allow_networks",
                            nets ? json_string(nets) : json_null(), "allow_hours", hours ? json_string(hours) : json_null(),
                            "require_pledge_training", mns_stmt_int64(s, 3) != 0, "export_approval",
                            mns_stmt_int64(s, 4) != 0);
        if (*result == NULL)
            err = MNS_ERR_NOMEM;
    } else if (err == MNS_OK) {
        err = MNS_ERR_NOT_FOUND;
    }
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_tenant_policy_get(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    json_t **result, mns_errmsg *em)
{
    struct act a;
    int64_t tid = 0;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "tenant.policy_read");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN | MNS_ROLE_OFFICER | MNS_ROLE_CLERK | MNS_ROLE_AUDITOR, em)) ==
            MNS_OK &&
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) == MNS_OK && (err = act_begin(&a)) == MNS_OK)
        err = policy_read(v, tid, result);
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(*result);
        *result = NULL;
    }
    return err;
}

/* field of policy: absent (keep), null or "" (clear), or a string */
static mns_err policy_text(json_t *policy, const char *key, bool *present, const char **text, mns_errmsg *em)
{
    json_t *val = json_object_get(policy, key);
    *present = val != NULL;
    *text = NULL;
    if (val == NULL || json_is_null(val))
        return MNS_OK;
    if (!json_is_string(val) || json_string_length(val) > 1000 || !vault_valid_text(json_string_value(val), 1000))
        return mns_fail(em, MNS_ERR_INVALID, "%s: text (at most 1000 bytes) or null expected / "
                        "%s には文字列か null を指定してください", key, key);
    *text = json_string_value(val)[0] != '\0' ? json_string_value(val) : NULL;
    return MNS_OK;
}

mns_err mns_vault_tenant_policy_set(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    json_t *policy, json_t **result, mns_errmsg *em)
{
    static const char *const known[] = {"require_mfa", "allow_networks", "allow_hours", "require_pledge_training",
                                        "export_approval"};
    struct act a;
    struct access_role check;
    struct mns_stmt *s;
    int64_t tid = 0;
    bool has_nets = false, has_hours = false;
    const char *nets = NULL, *hours = NULL, *key;
    json_t *mfa = NULL, *val;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "tenant.policy_set");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN | MNS_ROLE_OFFICER, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    if (!json_is_object(policy)) {
        err = mns_fail(em, MNS_ERR_INVALID, "a JSON object expected / JSONオブジェクトが必要です");
        goto out;
    }
    json_object_foreach(policy, key, val) {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok) {
            err = mns_fail(em, MNS_ERR_INVALID, "%.40s: unknown field / 不明な項目です", vault_valid_code(key) ? key : "?");
            goto out;
        }
    }
    mfa = json_object_get(policy, "require_mfa");
    json_t *pledge = json_object_get(policy, "require_pledge_training");
    json_t *exports = json_object_get(policy, "export_approval");
    if ((mfa != NULL && !json_is_boolean(mfa)) || (pledge != NULL && !json_is_boolean(pledge)) ||
        (exports != NULL && !json_is_boolean(exports))) {
        err = mns_fail(em, MNS_ERR_INVALID, "%s: true or false / true か false を指定してください",
                       mfa != NULL && !json_is_boolean(mfa)         ? "require_mfa"
                       : pledge != NULL && !json_is_boolean(pledge) ? "require_pledge_training"
                                                                    : "export_approval");
        goto out;
    }
    if ((err = policy_text(policy, "allow_networks", &has_nets, &nets, em)) != MNS_OK ||
        (err = policy_text(policy, "allow_hours", &has_hours, &hours, em)) != MNS_OK)
        goto out;
    /* a rule that would not parse is refused now, not at the next request */
    if ((err = access_rule_parse(&check, nets, hours, em)) != MNS_OK) {
        a.failure_detail = "invalid rule";
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    if (mfa != NULL && (err = mns_store_prepare(v->store, &s, "UPDATE tenants SET require_mfa = ? WHERE id = ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, json_is_true(mfa))) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
        act_note(&a, "require_mfa=%s", json_is_true(mfa) ? "true" : "false");
    }
    if (err == MNS_OK && exports != NULL &&
        (err = mns_store_prepare(v->store, &s, "UPDATE tenants SET export_approval = ? WHERE id = ?")) == MNS_OK) {
        err = mns_stmt_bind_int64(s, 1, json_is_true(exports));
        if (err == MNS_OK)
            err = mns_stmt_bind_int64(s, 2, tid);
        err = run_or_reset(s, err);
        act_note(&a, "export_approval=%s", json_is_true(exports) ? "true" : "false");
    }
    if (err == MNS_OK && pledge != NULL &&
        (err = mns_store_prepare(v->store, &s, "UPDATE tenants SET require_pledge_training = ? WHERE id = ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, json_is_true(pledge))) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
        act_note(&a, "require_pledge_training=%s", json_is_true(pledge) ? "true" : "false");
    }
    for (int i = 0; i < 2 && err == MNS_OK; i++) {
        bool present = i == 0 ? has_nets : has_hours;
        const char *text = i == 0 ? nets : hours;
        if (!present)
            continue;
        if ((err = mns_store_prepare(v->store, &s, i == 0 ? "UPDATE tenants SET allow_networks = ? WHERE id = ?"
                                                          : "UPDATE tenants SET allow_hours = ? WHERE id = ?")) != MNS_OK)
            break;
        if ((err = text ? mns_stmt_bind_text(s, 1, text, -1) : mns_stmt_bind_null(s, 1)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
        act_note(&a, "%s=%s", i == 0 ? "allow_networks" : "allow_hours", text ? text : "(none)");
    }
    if (err == MNS_OK)
        err = policy_read(v, tid, result);
out:
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(*result);
        *result = NULL;
    }
    return err;
}
