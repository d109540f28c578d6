/*
 * act.c: every act of the vault is one transaction that holds the act's rows
 * and its audit entry, so neither exists without the other. A refused or
 * failed act leaves no rows, only its own audit entry.
 */
#include <stdio.h>
#include <string.h>

#include "vault/internal.h"

static const struct mns_actor system_actor = {0, "system", MNS_ROLE_NONE, "local"};

void mns_actor_anonymous(struct mns_actor *actor, const char *client)
{
    memset(actor, 0, sizeof(*actor));
    snprintf(actor->name, sizeof(actor->name), "-");
    snprintf(actor->client, sizeof(actor->client), "%s", client != NULL ? client : "-");
}

void act_init(struct act *a, struct mns_vault *v, const struct mns_actor *actor, const char *action)
{
    memset(a, 0, sizeof(*a));
    a->v = v;
    a->actor = actor != NULL ? actor : &system_actor;
    a->action = action;
}

mns_err act_begin(struct act *a)
{
    if (a->open)
        return MNS_OK;
    mns_err err = mns_store_begin(a->v->store);
    if (err != MNS_OK)
        return MNS_ERR_STORE;
    a->open = true;
    return MNS_OK;
}

static mns_err append(struct act *a, const char *action, const char *subject, const char *result)
{
    struct mns_audit_entry e = {
        .actor = a->actor->name[0] ? a->actor->name : "-",
        .action = action,
        .tenant_id = a->tenant_id,
        .subject = (subject != NULL && subject[0]) ? subject : NULL,
        .purpose = a->purpose,
        .result = result,
        .client = a->actor->client[0] ? a->actor->client : NULL,
    };
    return mns_audit_append(a->v->audit, &e) == MNS_OK ? MNS_OK : MNS_ERR_AUDIT;
}

mns_err act_audit(struct act *a, const char *action, const char *subject, const char *result)
{
    return append(a, action, subject, result);
}

static void result_text(char *buf, size_t size, mns_err err)
{
    if (err == MNS_ERR_DENIED || err == MNS_ERR_AUTH || err == MNS_ERR_PURPOSE || err == MNS_ERR_SEALED)
        snprintf(buf, size, "denied:%s", mns_err_name(err));
    else
        snprintf(buf, size, "error:%s", mns_err_name(err));
}

static mns_err commit(struct act *a)
{
    struct mns_store *st = a->v->store;
    if (mns_store_commit(st) != MNS_OK) {
        mns_store_rollback(st);
        mns_audit_abort(a->v->audit);
        a->open = false;
        return MNS_ERR_AUDIT;
    }
    a->open = false;
    /* A failed checkpoint write does not undo a committed act; it is seen by
     * `audit verify` as a missing checkpoint, and retried at the next one. */
    ignore_err(mns_audit_commit(a->v->audit));
    return MNS_OK;
}

mns_err act_end(struct act *a, mns_err err)
{
    struct mns_store *st = a->v->store;
    if (err == MNS_OK) {
        mns_err e2 = act_begin(a);
        if (e2 == MNS_OK)
            e2 = append(a, a->action, a->subject, "ok");
        if (e2 != MNS_OK) {
            if (a->open) {
                mns_store_rollback(st);
                mns_audit_abort(a->v->audit);
                a->open = false;
            }
            return MNS_ERR_AUDIT;
        }
        return commit(a);
    }
    if (a->open) {
        mns_store_rollback(st);
        mns_audit_abort(a->v->audit);
        a->open = false;
    }
    char result[48];
    result_text(result, sizeof(result), err);
    if (act_begin(a) != MNS_OK)
        return err;
    if (append(a, a->action, a->subject, result) != MNS_OK) {
        mns_store_rollback(st);
        mns_audit_abort(a->v->audit);
        a->open = false;
        return err;
    }
    (void)commit(a);
    return err;
}

mns_err act_end_list(struct act *a, mns_err err, const char *key, json_t *list, json_t **result)
{
    err = act_end(a, err);
    pthread_mutex_unlock(&a->v->lock);
    if (err != MNS_OK) {
        json_decref(list);
        return err;
    }
    *result = json_pack("{s:o}", key, list);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err require_role(const struct mns_actor *actor, unsigned roles, mns_errmsg *em)
{
    if (actor == NULL || actor->user_id == 0)
        return mns_fail(em, MNS_ERR_AUTH, "login required / ログインが必要です");
    if ((actor->role & roles) == 0)
        return mns_fail(em, MNS_ERR_DENIED, "your role (%s) may not do this / このロール（%s）では実行できません",
                        mns_role_name(actor->role), mns_role_name(actor->role));
    return MNS_OK;
}

mns_err require_unsealed(struct mns_vault *v, mns_errmsg *em)
{
    if (!v->unsealed)
        return mns_fail(em, MNS_ERR_SEALED, "the vault is sealed: unseal it first / 金庫が封印されています。先にアンシールしてください");
    return MNS_OK;
}

mns_err resolve_tenant(struct mns_vault *v, const struct mns_actor *actor, const char *code,
                       int64_t *tenant_id, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row;
    mns_err err;

    *tenant_id = 0;
    if (code == NULL || code[0] == '\0')
        return mns_fail(em, MNS_ERR_INVALID, "no tenant given / 事業者が指定されていません");
    if ((err = mns_store_prepare(v->store, &s, "SELECT id FROM tenants WHERE code = ?")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, code, -1)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && row)
        *tenant_id = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    if (*tenant_id == 0)
        return mns_fail(em, MNS_ERR_NOT_FOUND, "no such tenant / 事業者が見つかりません");
    if (actor->role == MNS_ROLE_SYSADMIN || actor->role == MNS_ROLE_AUDITOR)
        return MNS_OK;
    /* clerks and officers work only on the tenants they are assigned to */
    if ((err = mns_store_prepare(v->store, &s, "SELECT 1 FROM assignments WHERE user_id = ? AND tenant_id = ?")) !=
        MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, actor->user_id)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 2, *tenant_id)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    if (!row)
        return mns_fail(em, MNS_ERR_DENIED, "you are not assigned to this tenant / この事業者の担当ではありません");
    return MNS_OK;
}
