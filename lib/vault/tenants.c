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
    err = act_end(&a, err);
    vault_unlock(v);
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
