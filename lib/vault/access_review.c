/*
 * access_review.c: who can reach what (check sheet F-a optional 5). The
 * report lists every user with role, tenants, lock and two-factor state,
 * last login and last act (from the audit log); an officer confirms it,
 * which records the SHA-256 of the access it showed (who, role, tenants,
 * disabled, two factor), or revokes an assignment. Reading, confirming and revoking are audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

static mns_err build_report(struct mns_vault *v, json_t **out)
{
    struct mns_stmt *s;
    bool row;
    mns_err err;
    json_t *users = json_array();
    if (users == NULL)
        return MNS_ERR_NOMEM;
    if ((err = mns_store_prepare(
             v->store, &s,
             "SELECT u.name, u.role, u.disabled, u.locked_until, u.totp_enabled, "
             /* "acme" for every SPI file of the tenant, "acme(payees)" for part */
             "(SELECT group_concat(t.code || CASE x.files WHEN 3 THEN '' WHEN 1 THEN '(employees)' "
             " WHEN 2 THEN '(payees)' ELSE '(none)' END, ',') FROM assignments x JOIN tenants t ON t.id = x.tenant_id "
             " WHERE x.user_id = u.id), "
             "seen.last_login, seen.last_act, u.role_pending FROM users u LEFT JOIN "
             /* one pass over the log for every user (a subquery per user
              * read the whole log twice per user: it has no index by actor,
              * which would cost every audit entry a b-tree insert) */
             "(SELECT actor, max(CASE WHEN action = 'auth.login' AND result = 'ok' THEN ts END) AS last_login, "
             " max(CASE WHEN action <> 'auth.login' THEN ts END) AS last_act FROM audit_log GROUP BY actor) seen "
             "ON seen.actor = u.name ORDER BY u.name")) != MNS_OK) {
        json_decref(users);
        return err;
    }
    int64_t now = mns_now_ms();
    while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        const char *tenants = mns_stmt_text(s, 5);
        json_t *u = json_pack("{s:s, s:s, s:b, s:b, s:b, s:s}", "name", mns_stmt_text(s, 0), "role",
                              mns_stmt_text(s, 1), "disabled", (int)mns_stmt_int64(s, 2), "locked",
                              mns_stmt_int64(s, 3) > now, "two_factor", (int)mns_stmt_int64(s, 4), "tenants",
                              tenants ? tenants : "");
        json_object_set_new(u, "role_pending", json_boolean(mns_stmt_int64(s, 8) != 0));
        json_object_set_new(u, "last_login_ms", mns_stmt_is_null(s, 6) ? json_null() : json_integer(mns_stmt_int64(s, 6)));
        json_object_set_new(u, "last_act_ms", mns_stmt_is_null(s, 7) ? json_null() : json_integer(mns_stmt_int64(s, 7)));
        json_array_append_new(users, u);
    }
    mns_stmt_reset(s);
    if (err != MNS_OK) {
        json_decref(users);
        return err;
    }
    *out = json_pack("{s:o}", "users", users);
    return *out != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

/* The newest confirmed review from the audit log, into report as
 * "last_confirmed": {at_ms, by, report_sha256, current} (current: it
 * confirmed the access shown now), or null when there has been none. */
static mns_err add_last_confirmed(struct mns_vault *v, json_t *report, const char *hex)
{
    struct mns_stmt *s;
    bool row = false;
    json_t *last = json_null();
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT ts, actor, detail FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log "
                                    "WHERE action = 'access.review_confirm' AND result = 'ok')");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        static const char prefix[] = "report sha256:";
        const char *detail = mns_stmt_text(s, 2);
        const char *sha = detail != NULL && strncmp(detail, prefix, sizeof(prefix) - 1) == 0 ? detail + sizeof(prefix) - 1
                                                                                           : "";
        json_decref(last);
        last = json_pack("{s:I, s:s, s:s, s:b}", "at_ms", (json_int_t)mns_stmt_int64(s, 0), "by", mns_stmt_text(s, 1),
                         "report_sha256", sha, "current", strcmp(sha, hex) == 0);
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && (last == NULL || json_object_set_new(report, "last_confirmed", last) != 0))
        return MNS_ERR_NOMEM;
    if (err != MNS_OK)
        json_decref(last);
    return err;
}

/* SHA-256 (hex) of the report's canonical JSON (sorted keys, compact). */
/* The hash pins who can reach what (user, role, tenants, disabled, two
 * factor), not the times of use, which change with every act (the review's
 * own included). */
static mns_err report_hash(json_t *full, char hex[2 * MNS_HASH_LEN + 1])
{
    static const char *const keys[] = {"name", "role", "tenants", "disabled", "two_factor"};
    json_t *report = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(full, "users"), i, u) {
        json_t *p = json_object();
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            json_object_set(p, keys[k], json_object_get(u, keys[k]));
        json_array_append_new(report, p);
    }
    uint8_t h[MNS_HASH_LEN];
    /* into our own buffer: jansson's allocator may be a wiping one */
    size_t n = json_dumpb(report, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
    char *text = n > 0 ? malloc(n) : NULL;
    if (text == NULL) {
        json_decref(report);
        return MNS_ERR_NOMEM;
    }
    n = json_dumpb(report, text, n, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(report);
    mns_err err = mns_sha256(h, text, n);
    free(text);
    if (err == MNS_OK)
        mns_hex_encode(hex, h, sizeof(h));
    return err;
}

mns_err mns_vault_access_review(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em)
{
    struct act a;
    json_t *report = NULL;
    char hex[2 * MNS_HASH_LEN + 1] = "";
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "access.review");
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_SYSADMIN | MNS_ROLE_AUDITOR, em)) == MNS_OK &&
        (err = vault_flush(v)) == MNS_OK && (err = build_report(v, &report)) == MNS_OK &&
        (err = report_hash(report, hex)) == MNS_OK && (err = add_last_confirmed(v, report, hex)) == MNS_OK) {
        snprintf(a.detail, sizeof(a.detail), "report sha256:%s", hex);
        err = act_begin(&a);
    }
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(report);
        return err;
    }
    json_object_set_new(report, "report_sha256", json_string(hex));
    *result = report;
    return MNS_OK;
}

mns_err mns_vault_access_review_confirm(struct mns_vault *v, const struct mns_actor *actor, const char *report_sha256,
                                        mns_errmsg *em)
{
    struct act a;
    json_t *report = NULL;
    char hex[2 * MNS_HASH_LEN + 1] = "";
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "access.review_confirm");
    if ((err = require_role(actor, MNS_ROLE_OFFICER, em)) == MNS_OK && (err = vault_flush(v)) == MNS_OK &&
        (err = build_report(v, &report)) == MNS_OK && (err = report_hash(report, hex)) == MNS_OK) {
        /* what is confirmed is what the officer read: a changed state must be read again */
        if (report_sha256 == NULL || strcmp(report_sha256, hex) != 0)
            err = mns_fail(em, MNS_ERR_STATE, "access has changed since the report was read: read it again / "
                           "レポート取得後にアクセス権が変更されました。再取得してください");
        else {
            snprintf(a.detail, sizeof(a.detail), "report sha256:%s", hex);
            err = act_begin(&a);
        }
    }
    json_decref(report);
    err = act_finish(&a, err);
    return err;
}

mns_err mns_vault_unassign(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                           const char *tenant_code, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "user.unassign");
    snprintf(a.subject, sizeof(a.subject), "user:%s", vault_valid_text(user, 63) ? user : "-");
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_SYSADMIN, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s,
                                 "DELETE FROM assignments WHERE tenant_id = ? AND user_id = (SELECT id FROM users WHERE name = ?)")) ==
        MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, user, -1)) == MNS_OK)
            err = mns_stmt_run(s);
        if (err == MNS_OK && mns_stmt_changes(s) == 0)
            err = mns_fail(em, MNS_ERR_NOT_FOUND, "that user is not assigned to this tenant / この事業者に割り当てられていません");
        mns_stmt_reset(s);
    }
out:
    err = act_finish(&a, err);
    return err;
}

static json_t *roles_json(unsigned mask)
{
    static const mns_role roles[] = {MNS_ROLE_SYSADMIN, MNS_ROLE_OFFICER, MNS_ROLE_CLERK, MNS_ROLE_AUDITOR};
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < 4; i++)
        if (mask & roles[i])
            json_array_append_new(list, json_string(mns_role_name(roles[i])));
    return list;
}

mns_err mns_vault_access_policy(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em)
{
    struct act a;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "access.policy");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN | MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR, em)) == MNS_OK &&
        (err = act_begin(&a)) == MNS_OK) {
        const struct password_policy *pp = &v->pw_policy;
        *result = json_pack(
            "{s:{s:I, s:I, s:I, s:I, s:s, s:I}, s:{s:I, s:I, s:I}, s:{s:s, s:I, s:I}, s:o, s:o, s:b, s:o, "
            "s:{s:b, s:b, s:I}}",
            "password", "min_length", (json_int_t)pp->min_length, "classes", (json_int_t)pp->classes, "history",
            (json_int_t)pp->history, "expiry_days", (json_int_t)pp->expiry_days, "blocklist", pp->source,
            "blocklist_entries", (json_int_t)pp->nblock, "lockout", "user_failures", (json_int_t)v->lockout_failures,
            "address_failures", (json_int_t)v->address_failures, "seconds", (json_int_t)v->lockout_s, "sessions",
            "second_login", v->sessions_refuse ? "refused" : "ends the first", "idle_seconds",
            (json_int_t)v->session_idle_s, "max_seconds", (json_int_t)v->session_max_s, "require_mfa_roles",
            roles_json(v->require_mfa_roles), "require_client_cert_roles", roles_json(v->require_client_cert_roles),
            "separation_of_duties", v->separation_of_duties, "where_and_when", access_rules_json(&v->access),
            "login_risk", "refuse_new_address", v->refuse_new_address, "refuse_new_device", v->refuse_new_device,
            "travel_minutes", (json_int_t)v->travel_minutes);
        if (*result == NULL)
            err = MNS_ERR_NOMEM;
    }
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(*result);
        *result = NULL;
    }
    return err;
}
